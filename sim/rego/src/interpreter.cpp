// Top-down evaluation of Rego (see engine.h for the semantics). Evaluation is written in continuation-
// passing style: every eval_* function calls its continuation once per solution and returns false when
// the continuation asked to stop, so backtracking is the C++ call stack. Local variables live on a
// trail (Env) that is unwound after each alternative. Errors are thrown as EvalError inside the
// evaluator and turned into Result at the API boundary.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>

#include "rego/builtins.h"
#include "rego/engine.h"
#include "reorder.h"

namespace coco::rego {
namespace {

struct EvalError {
  std::string code;  // OPA's code, e.g. "eval_conflict_error"
  std::string message;
};

[[noreturn]] void fail(const std::string& code, const Location& loc, const std::string& what) {
  // OPA's format: "file:line: code: message" (no column for evaluation errors).
  throw EvalError{code, loc.file + ":" + std::to_string(loc.line) + ": " + code + ": " + what};
}

using Path = std::vector<std::string>;

std::string join_path(const Path& p) {
  std::string s;
  for (const auto& e : p) s += (s.empty() ? "" : ".") + e;
  return s;
}

struct ModuleInfo {
  ModulePtr module;
  Path package;                         // without "data"
  std::map<std::string, Path> imports;  // alias -> absolute path starting with "data" or "input"
};

// All rules that define one document path.
struct RuleGroup {
  Path path;  // without "data"
  Rule::Kind kind = Rule::Kind::complete;
  std::vector<std::pair<RulePtr, const ModuleInfo*>> rules;
  std::pair<RulePtr, const ModuleInfo*> default_rule{nullptr, nullptr};
};

struct Node {
  std::map<std::string, std::unique_ptr<Node>> children;
  std::unique_ptr<RuleGroup> group;
};

}  // namespace

struct Policy::Impl {
  std::vector<std::unique_ptr<ModuleInfo>> modules;
  Node root;  // the rule tree below "data"
  Value data = Value::object({});
  std::map<std::string, std::pair<int, HostFunction>> hosts;
};

namespace {

const Node* child(const Node* n, const std::string& k) {
  if (!n) return nullptr;
  auto it = n->children.find(k);
  return it == n->children.end() ? nullptr : it->second.get();
}

bool truthy(const Value& v) {
  return !(v.is_bool() && !v.as_bool());
}

// ---- Local variables ------------------------------------------------------------------------------
struct Env {
  struct Entry {
    std::string name;
    std::optional<Value> value;  // nullopt: declared (some / :=) but not yet bound
  };
  std::vector<Entry> entries;
  const ModuleInfo* module = nullptr;

  const Entry* find(const std::string& name) const {
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
      if (it->name == name) return &*it;
    return nullptr;
  }
  std::optional<Value> value_of(const std::string& name) const {
    const Entry* e = find(name);
    return e ? e->value : std::nullopt;
  }
  std::size_t mark() const { return entries.size(); }
  void undo(std::size_t m) { entries.resize(m); }
  void bind(const std::string& name, Value v) { entries.push_back({name, std::move(v)}); }
  void declare(const std::string& name) { entries.push_back({name, std::nullopt}); }
};

using ValueK = std::function<bool(const Value&)>;
using UnitK = std::function<bool()>;

bool is_wildcard(const std::string& name) {
  return name.rfind("$_", 0) == 0 || name == "_";
}

class Evaluator {
 public:
  Evaluator(const Policy::Impl& p, const EvalOptions& o, std::optional<Value> input)
      : p_(p), opts_(o), input_(std::move(input)) {
    bctx_.now_ns = o.now_ns;
  }

  std::vector<std::string> prints;

  // ---- Entry points -------------------------------------------------------------------------------
  std::optional<Value> eval_path(const Path& path) {
    std::optional<Value> out;
    Env env;
    walk_data(nullptr, &p_.root, data_view(), path, 0, env, [&](const Value& v) {
      out = v;
      return false;
    });
    return out;
  }

  void run_query(const Body& body, Env& env, const UnitK& k) { eval_body(body, 0, env, k); }

 private:
  const Policy::Impl& p_;
  EvalOptions opts_;
  std::optional<Value> input_;
  BuiltinContext bctx_;
  std::size_t depth_ = 0;

  // `with` overrides: replaced input (top of stack wins), data paths, and functions.
  struct DataOverride {
    Path path;  // below "data"
    Value value;
  };
  std::vector<DataOverride> data_overrides_;
  std::map<std::string, Value> fn_value_overrides_;
  std::map<std::string, Path> fn_ref_overrides_;

  std::map<const RuleGroup*, std::optional<Value>> memo_;
  std::set<const RuleGroup*> in_progress_;

  Value data_view() const { return p_.data; }

  // ---- Bodies and literals ------------------------------------------------------------------------
  bool eval_body(const Body& body, std::size_t i, Env& env, const UnitK& k) {
    if (i == body.size()) return k();
    return eval_literal(*body[i], env, [&]() { return eval_body(body, i + 1, env, k); });
  }

  bool eval_literal(const Literal& lit, Env& env, const UnitK& k) {
    if (!lit.withs.empty()) return eval_with(lit, 0, env, k);
    return eval_literal_plain(lit, env, k);
  }

  bool eval_literal_plain(const Literal& lit, Env& env, const UnitK& k) {
    if (lit.negated) {
      const std::size_t m = env.mark();
      bool found = false;
      eval_literal_core(lit, env, [&]() {
        found = true;
        return false;
      });
      env.undo(m);
      return found ? true : k();
    }
    return eval_literal_core(lit, env, k);
  }

  bool eval_literal_core(const Literal& lit, Env& env, const UnitK& k) {
    switch (lit.kind) {
      case Literal::Kind::some: {
        const std::size_t m = env.mark();
        for (const auto& v : lit.vars) env.declare(v);
        bool r = k();
        env.undo(m);
        return r;
      }
      case Literal::Kind::some_in:
        return eval_some_in(lit, env, k);
      case Literal::Kind::every:
        return eval_every(lit, env, k);
      case Literal::Kind::expr:
        return eval_expr(*lit.term, env, k);
    }
    return true;
  }

  bool eval_expr(const Term& t, Env& env, const UnitK& k) {
    switch (t.kind) {
      case Term::Kind::assign: {
        const std::size_t m = env.mark();
        declare_vars(*t.lhs, env);
        bool r = eval_term(*t.rhs, env, [&](const Value& v) { return unify_value(*t.lhs, v, env, k); });
        env.undo(m);
        return r;
      }
      case Term::Kind::unify:
        return unify_terms(*t.lhs, *t.rhs, env, k);
      case Term::Kind::call:
        return eval_call(
            t, env, [&](const Value& v) { return truthy(v) ? k() : true; }, true, &k);
      default:
        return eval_term(t, env, [&](const Value& v) { return truthy(v) ? k() : true; });
    }
  }

  void declare_vars(const Term& pattern, Env& env) {
    switch (pattern.kind) {
      case Term::Kind::var:
        if (!is_wildcard(pattern.name)) env.declare(pattern.name);
        break;
      case Term::Kind::array:
        for (const auto& i : pattern.items) declare_vars(*i, env);
        break;
      case Term::Kind::object:
        for (const auto& [kk, vv] : pattern.pairs) declare_vars(*vv, env);
        break;
      default:
        break;
    }
  }

  bool eval_some_in(const Literal& lit, Env& env, const UnitK& k) {
    const std::size_t m = env.mark();
    if (lit.key) declare_vars(*lit.key, env);
    declare_vars(*lit.value, env);
    bool r = eval_term(*lit.collection, env, [&](const Value& coll) {
      return each_element(coll, [&](const Value& key, const Value& val) {
        const std::size_t m2 = env.mark();
        bool go = true;
        auto after_key = [&]() { return unify_value(*lit.value, val, env, k); };
        go = lit.key ? unify_value(*lit.key, key, env, after_key) : after_key();
        env.undo(m2);
        return go;
      });
    });
    env.undo(m);
    return r;
  }

  bool eval_every(const Literal& lit, Env& env, const UnitK& k) {
    bool all = true, defined = false;
    eval_term(*lit.collection, env, [&](const Value& coll) {
      defined = true;
      if (!coll.is_collection()) {  // OPA: every over a number, string, boolean or null does not hold
        all = false;
        return false;
      }
      each_element(coll, [&](const Value& key, const Value& val) {
        const std::size_t m = env.mark();
        if (lit.key) declare_vars(*lit.key, env);
        declare_vars(*lit.value, env);
        bool holds = false;
        auto body = [&]() {
          eval_body(*lit.body, 0, env, [&]() {
            holds = true;
            return false;
          });
          return false;
        };
        auto after_key = [&]() { return unify_value(*lit.value, val, env, body); };
        lit.key ? unify_value(*lit.key, key, env, after_key) : after_key();
        env.undo(m);
        if (!holds) all = false;
        return holds;
      });
      return false;
    });
    if (!defined) return true;  // an undefined domain makes `every` undefined: the literal fails
    return all ? k() : true;
  }

  // Calls f(key, value) for each element: arrays (index, item), objects (key, value), sets (item, item).
  template <typename F>
  bool each_element(const Value& coll, F&& f) {
    switch (coll.kind()) {
      case Value::Kind::array: {
        const auto& a = coll.as_array();
        for (std::size_t i = 0; i < a.size(); ++i)
          if (!f(Value::integer(static_cast<std::int64_t>(i)), a[i])) return false;
        return true;
      }
      case Value::Kind::object:
        for (const auto& [kk, vv] : coll.as_object())
          if (!f(kk, vv)) return false;
        return true;
      case Value::Kind::set:
        for (const auto& e : coll.as_set())
          if (!f(e, e)) return false;
        return true;
      default:
        return true;
    }
  }

  // The state `with` changes. A `with` applies to its literal only, so the state is swapped back before
  // the rest of the body runs (the continuation) and in again when evaluation backtracks into it.
  struct WithState {
    std::optional<Value> input;
    std::vector<DataOverride> data;
    std::map<std::string, Value> fn_values;
    std::map<std::string, Path> fn_refs;
    std::map<const RuleGroup*, std::optional<Value>> memo;
  };
  void swap_state(WithState& s) {
    std::swap(s.input, input_);
    std::swap(s.data, data_overrides_);
    std::swap(s.fn_values, fn_value_overrides_);
    std::swap(s.fn_refs, fn_ref_overrides_);
    std::swap(s.memo, memo_);
  }

  bool eval_with(const Literal& lit, std::size_t i, Env& env, const UnitK& k) {
    if (i == lit.withs.size()) return eval_literal_plain(lit, env, k);
    const WithModifier& w = lit.withs[i];
    const Path target = static_path(*w.target);
    const bool is_doc = !target.empty() && (target[0] == "input" || target[0] == "data");
    auto apply = [&](const std::optional<Value>& v, const Path& fn_ref) {
      WithState inner{input_, data_overrides_, fn_value_overrides_, fn_ref_overrides_, {}};
      if (!target.empty() && target[0] == "input") {
        inner.input = target.size() == 1 ? *v : set_path(input_.value_or(Value::object({})), target, 1, *v);
      } else if (!target.empty() && target[0] == "data") {
        inner.data.push_back({Path(target.begin() + 1, target.end()), *v});
      } else if (!fn_ref.empty()) {
        inner.fn_refs[join_path(target)] = fn_ref;
      } else {
        inner.fn_values[join_path(target)] = *v;
      }
      swap_state(inner);  // now inside the with; `inner` holds the outer state
      bool r = eval_with(lit, i + 1, env, [&]() {
        swap_state(inner);  // outside again for the rest of the body
        bool go = k();
        swap_state(inner);
        return go;
      });
      swap_state(inner);
      return r;
    };
    // A function replaced by another function (user function or builtin) is not evaluated as a value.
    if (!is_doc && (w.value->kind == Term::Kind::var || w.value->kind == Term::Kind::ref)) {
      Path fn_target = static_path(*w.value);
      if (!fn_target.empty() && !env.find(fn_target[0]) && resolve_function(fn_target, env))
        return apply(std::nullopt, fn_target);
    }
    return eval_term(*w.value, env, [&](const Value& v) { return apply(v, {}); });
  }

  static Value set_path(const Value& base, const Path& path, std::size_t i, const Value& v) {
    if (i == path.size()) return v;
    Object o = base.is_object() ? base.as_object() : Object{};
    Value key = Value::string(path[i]);
    auto it = o.find(key);
    o[key] = set_path(it == o.end() ? Value::object({}) : it->second, path, i + 1, v);
    return Value::object(std::move(o));
  }

  // A var or a ref made of a var and string segments, as a dotted path ("data.a.b", "regex.match").
  static Path static_path(const Term& t) {
    if (t.kind == Term::Kind::var) return {t.name};
    if (t.kind != Term::Kind::ref || t.head->kind != Term::Kind::var) return {};
    Path p{t.head->name};
    for (const auto& s : t.path) {
      if (s->kind != Term::Kind::scalar || !s->value.is_string()) return {};
      p.push_back(s->value.as_string());
    }
    return p;
  }

  // ---- Unification --------------------------------------------------------------------------------
  bool is_unbound_var(const Term& t, const Env& env) const {
    if (t.kind != Term::Kind::var) return false;
    if (is_wildcard(t.name)) return true;
    const Env::Entry* e = env.find(t.name);
    if (e) return !e->value.has_value();
    return !names_document(t.name, env);
  }

  bool names_document(const std::string& name, const Env& env) const {
    if (name == "input" || name == "data") return true;
    if (env.module) {
      if (env.module->imports.count(name)) return true;
      Path p = env.module->package;
      p.push_back(name);
      if (find_node(p)) return true;
    }
    return false;
  }

  const Node* find_node(const Path& p) const {
    const Node* n = &p_.root;
    for (const auto& s : p) {
      n = child(n, s);
      if (!n) return nullptr;
    }
    return n;
  }

  bool has_unbound(const Term& t, const Env& env) const {
    switch (t.kind) {
      case Term::Kind::var:
        return is_unbound_var(t, env);
      case Term::Kind::array:
        return std::any_of(t.items.begin(), t.items.end(),
                           [&](const TermPtr& i) { return has_unbound(*i, env); });
      case Term::Kind::object:
        return std::any_of(t.pairs.begin(), t.pairs.end(),
                           [&](const auto& kv) { return has_unbound(*kv.second, env); });
      default:
        return false;
    }
  }

  bool unify_terms(const Term& a, const Term& b, Env& env, const UnitK& k) {
    // Both sides patterns of the same shape: unify element-wise so that vars on either side bind.
    if (a.kind == Term::Kind::array && b.kind == Term::Kind::array) {
      if (a.items.size() != b.items.size()) return true;
      return unify_items(a.items, b.items, 0, env, k);
    }
    if (has_unbound(a, env) && !has_unbound(b, env))
      return eval_term(b, env, [&](const Value& v) { return unify_value(a, v, env, k); });
    return eval_term(a, env, [&](const Value& v) { return unify_value(b, v, env, k); });
  }

  bool unify_items(const std::vector<TermPtr>& a, const std::vector<TermPtr>& b, std::size_t i, Env& env,
                   const UnitK& k) {
    if (i == a.size()) return k();
    return unify_terms(*a[i], *b[i], env, [&]() { return unify_items(a, b, i + 1, env, k); });
  }

  // Matches `pattern` against a value, binding unbound vars; calls k on success.
  bool unify_value(const Term& pattern, const Value& v, Env& env, const UnitK& k) {
    switch (pattern.kind) {
      case Term::Kind::var: {
        if (is_wildcard(pattern.name)) return k();
        const Env::Entry* e = env.find(pattern.name);
        if ((e && !e->value) || (!e && !names_document(pattern.name, env))) {
          const std::size_t m = env.mark();
          env.bind(pattern.name, v);
          bool r = k();
          env.undo(m);
          return r;
        }
        break;
      }
      case Term::Kind::array: {
        if (!v.is_array() || v.as_array().size() != pattern.items.size()) return true;
        return unify_array(pattern.items, v.as_array(), 0, env, k);
      }
      case Term::Kind::object: {
        if (!v.is_object() || v.as_object().size() != pattern.pairs.size()) return true;
        return unify_object(pattern, v.as_object(), 0, env, k);
      }
      default:
        break;
    }
    return eval_term(pattern, env, [&](const Value& pv) { return pv == v ? k() : true; });
  }

  bool unify_array(const std::vector<TermPtr>& items, const Array& a, std::size_t i, Env& env,
                   const UnitK& k) {
    if (i == items.size()) return k();
    return unify_value(*items[i], a[i], env, [&]() { return unify_array(items, a, i + 1, env, k); });
  }

  bool unify_object(const Term& pattern, const Object& o, std::size_t i, Env& env, const UnitK& k) {
    if (i == pattern.pairs.size()) return k();
    return eval_term(*pattern.pairs[i].first, env, [&](const Value& key) {
      auto it = o.find(key);
      if (it == o.end()) return true;
      return unify_value(*pattern.pairs[i].second, it->second, env,
                         [&]() { return unify_object(pattern, o, i + 1, env, k); });
    });
  }

  // ---- Terms --------------------------------------------------------------------------------------
  bool eval_term(const Term& t, Env& env, const ValueK& k) {
    switch (t.kind) {
      case Term::Kind::scalar:
        return k(t.value);
      case Term::Kind::var:
        return eval_var(t, env, k);
      case Term::Kind::ref:
        return eval_ref(t, env, k);
      case Term::Kind::array:
        return eval_items(t.items, 0, Array{}, env, [&](Array a) { return k(Value::array(std::move(a))); });
      case Term::Kind::set:
        return eval_items(t.items, 0, Array{}, env,
                          [&](Array a) { return k(Value::set(Set(a.begin(), a.end()))); });
      case Term::Kind::object:
        return eval_pairs(t, 0, Object{}, env, k);
      case Term::Kind::array_compr:
      case Term::Kind::set_compr:
      case Term::Kind::object_compr:
        return k(eval_comprehension(t, env));
      case Term::Kind::call:
        return eval_call(t, env, k, false, nullptr);
      case Term::Kind::binary:
        return eval_binary(t, env, k);
      case Term::Kind::unary_minus:
        return eval_term(*t.lhs, env, [&](const Value& v) {
          auto r = call_builtin("minus", t.loc, {Value::integer(0), v});
          return r ? k(*r) : true;
        });
      case Term::Kind::membership:
        return eval_membership(t, env, k);
      case Term::Kind::assign:
      case Term::Kind::unify: {
        // As a value (rare: inside a comprehension head), an assignment is true when it holds.
        bool held = false;
        eval_expr(t, env, [&]() {
          held = true;
          return false;
        });
        return held ? k(Value::boolean(true)) : true;
      }
    }
    return true;
  }

  bool eval_items(const std::vector<TermPtr>& items, std::size_t i, Array acc, Env& env,
                  const std::function<bool(Array)>& k) {
    if (i == items.size()) return k(std::move(acc));
    return eval_term(*items[i], env, [&](const Value& v) {
      Array next = acc;
      next.push_back(v);
      return eval_items(items, i + 1, std::move(next), env, k);
    });
  }

  bool eval_pairs(const Term& t, std::size_t i, Object acc, Env& env, const ValueK& k) {
    if (i == t.pairs.size()) return k(Value::object(std::move(acc)));
    return eval_term(*t.pairs[i].first, env, [&](const Value& key) {
      return eval_term(*t.pairs[i].second, env, [&](const Value& val) {
        Object next = acc;
        auto it = next.find(key);
        if (it != next.end() && it->second != val)
          fail("eval_conflict_error", t.loc, "object keys must be unique");
        next[key] = val;
        return eval_pairs(t, i + 1, std::move(next), env, k);
      });
    });
  }

  Value eval_comprehension(const Term& t, Env& env) {
    const std::size_t m = env.mark();
    Array arr;
    Set set;
    Object obj;
    eval_body(*t.body, 0, env, [&]() {
      if (t.kind == Term::Kind::object_compr) {
        eval_term(*t.key, env, [&](const Value& key) {
          return eval_term(*t.compr_head, env, [&](const Value& val) {
            auto it = obj.find(key);
            if (it != obj.end() && it->second != val)
              fail("eval_conflict_error", t.loc, "object keys must be unique");
            obj[key] = val;
            return true;
          });
        });
      } else {
        eval_term(*t.compr_head, env, [&](const Value& v) {
          if (t.kind == Term::Kind::array_compr)
            arr.push_back(v);
          else
            set.insert(v);
          return true;
        });
      }
      return true;
    });
    env.undo(m);
    if (t.kind == Term::Kind::array_compr) return Value::array(std::move(arr));
    if (t.kind == Term::Kind::set_compr) return Value::set(std::move(set));
    return Value::object(std::move(obj));
  }

  bool eval_membership(const Term& t, Env& env, const ValueK& k) {
    return eval_term(*t.rhs, env, [&](const Value& coll) {
      return eval_term(*t.lhs, env, [&](const Value& v) {
        bool found = false;
        each_element(coll, [&](const Value& key, const Value& val) {
          if (val == v) {
            if (!t.key) {
              found = true;
              return false;
            }
            bool key_ok = false;
            eval_term(*t.key, env, [&](const Value& kv) {
              key_ok = kv == key;
              return !key_ok;
            });
            if (key_ok) {
              found = true;
              return false;
            }
          }
          return true;
        });
        return k(Value::boolean(found));
      });
    });
  }

  bool eval_binary(const Term& t, Env& env, const ValueK& k) {
    return eval_term(*t.lhs, env, [&](const Value& a) {
      return eval_term(*t.rhs, env, [&](const Value& b) {
        if (t.op == "==") return k(Value::boolean(a == b));
        if (t.op == "!=") return k(Value::boolean(a != b));
        if (t.op == "<") return k(Value::boolean(compare(a, b) < 0));
        if (t.op == "<=") return k(Value::boolean(compare(a, b) <= 0));
        if (t.op == ">") return k(Value::boolean(compare(a, b) > 0));
        if (t.op == ">=") return k(Value::boolean(compare(a, b) >= 0));
        std::string_view name = operator_builtin(t.op);
        if (name.empty()) fail("rego_compile_error", t.loc, "unknown operator " + t.op);
        auto r = call_builtin(std::string(name), t.loc, {a, b});
        return r ? k(*r) : true;
      });
    });
  }

  std::optional<Value> call_builtin(const std::string& name, const Location& loc, std::vector<Value> args) {
    const Builtin* b = find_builtin(name);
    if (!b) fail("rego_type_error", loc, "undefined function " + name);
    try {
      return b->call(args, bctx_);
    } catch (const BuiltinError& e) {
      if (opts_.strict_builtin_errors) fail(std::string(e.code()), loc, e.message);
      return std::nullopt;
    }
  }

  // ---- Variables and references ---------------------------------------------------------------------
  bool eval_var(const Term& t, Env& env, const ValueK& k) {
    if (const Env::Entry* e = env.find(t.name)) {
      // Copy: the continuation may bind more locals and move the entries (and `with` may replace input).
      if (e->value) {
        const Value v = *e->value;
        return k(v);
      }
      fail("rego_unsafe_var_error", t.loc, "var " + t.name + " is unsafe");
    }
    if (is_wildcard(t.name)) fail("rego_unsafe_var_error", t.loc, "var _ is unsafe");
    return eval_root(t.name, t.loc, env, {}, 0, k);
  }

  bool eval_ref(const Term& t, Env& env, const ValueK& k) {
    const Term& head = *t.head;
    if (head.kind == Term::Kind::var) {
      if (const Env::Entry* e = env.find(head.name)) {
        if (!e->value) fail("rego_unsafe_var_error", head.loc, "var " + head.name + " is unsafe");
        const Value v = *e->value;
        return walk_value(v, t.path, 0, env, k);
      }
      return eval_root(head.name, head.loc, env, t.path, 0, k);
    }
    return eval_term(head, env, [&](const Value& v) { return walk_value(v, t.path, 0, env, k); });
  }

  // A name that is not a local: input, data, an import alias, or a rule/package of this module's package.
  bool eval_root(const std::string& name, const Location& loc, Env& env, const std::vector<TermPtr>& path,
                 std::size_t i, const ValueK& k) {
    if (name == "input") {
      if (!input_) return true;
      const Value in = *input_;
      return walk_value(in, path, i, env, k);
    }
    if (name == "data") return walk_data(nullptr, &p_.root, data_view(), {}, 0, env, k, &path, i);
    if (env.module) {
      if (auto it = env.module->imports.find(name); it != env.module->imports.end()) {
        const Path& target = it->second;
        if (target[0] == "input") {
          if (!input_) return true;
          std::optional<Value> v = input_;
          for (std::size_t j = 1; j < target.size() && v; ++j) v = v->get(Value::string(target[j]));
          return v ? walk_value(*v, path, i, env, k) : true;
        }
        Path rel(target.begin() + 1, target.end());
        return walk_data(nullptr, &p_.root, data_view(), rel, 0, env, k, &path, i);
      }
      Path rel = env.module->package;
      rel.push_back(name);
      if (find_node(rel)) return walk_data(nullptr, &p_.root, data_view(), rel, 0, env, k, &path, i);
    }
    fail("rego_unsafe_var_error", loc, "var " + name + " is unsafe");
  }

  // Walks a concrete value along ref segments; unbound var segments iterate.
  bool walk_value(const Value& v, const std::vector<TermPtr>& path, std::size_t i, Env& env,
                  const ValueK& k) {
    if (i == path.size()) return k(v);
    const Term& seg = *path[i];
    if (is_unbound_var(seg, env) || (seg.kind != Term::Kind::var && has_unbound(seg, env))) {
      return each_element(v, [&](const Value& key, const Value& val) {
        return unify_value(seg, key, env, [&]() { return walk_value(val, path, i + 1, env, k); });
      });
    }
    return eval_term(seg, env, [&](const Value& key) {
      auto next = v.get(key);
      return next ? walk_value(*next, path, i + 1, env, k) : true;
    });
  }

  // Walks the data document: virtual (rules) and base data together. `fixed` is a path already known
  // (from the package), then `segs[si..]` are evaluated.
  bool walk_data(const Node* /*unused*/, const Node* node, std::optional<Value> base, const Path& fixed,
                 std::size_t fi, Env& env, const ValueK& k, const std::vector<TermPtr>* segs = nullptr,
                 std::size_t si = 0, Path walked = {}) {
    // Apply `with data.x as ...` overrides for the path walked so far.
    for (const auto& o : data_overrides_)
      if (o.path == walked) {
        Value v = o.value;
        return finish_value(v, fixed, fi, segs, si, env, k);
      }
    if (!node) {
      // Below the rules: plain base data (with any `with data...` below applied), walked as a value.
      auto v = with_overrides_below(base, walked);
      if (!v) return true;
      return finish_value(*v, fixed, fi, segs, si, env, k);
    }
    if (node && node->group) {
      std::optional<Value> v = eval_group(*node->group);
      if (!v) return true;
      return finish_value(*v, fixed, fi, segs, si, env, k);
    }
    const bool more_fixed = fi < fixed.size();
    const bool more_segs = segs && si < segs->size();
    if (!more_fixed && !more_segs) {
      auto v = materialize(node, base, walked);
      return v ? k(*v) : true;
    }
    auto step = [&](const std::string& key, std::size_t nfi, std::size_t nsi) {
      std::optional<Value> nbase;
      if (base && base->is_object()) nbase = base->get(Value::string(key));
      const Node* nnode = child(node, key);
      if (!nnode && !nbase && !has_override_below(walked, key)) return true;
      Path nw = walked;
      nw.push_back(key);
      return walk_data(nullptr, nnode, nbase, fixed, nfi, env, k, segs, nsi, nw);
    };
    if (more_fixed) return step(fixed[fi], fi + 1, si);
    const Term& seg = *(*segs)[si];
    if (is_unbound_var(seg, env)) {
      std::set<std::string> keys;
      if (node)
        for (const auto& [name, _] : node->children) keys.insert(name);
      std::vector<Value> nonstring;
      if (base && base->is_object())
        for (const auto& [kk, vv] : base->as_object()) {
          if (kk.is_string()) keys.insert(kk.as_string());
        }
      for (const auto& key : keys) {
        if (!unify_value(seg, Value::string(key), env, [&]() { return step(key, fi, si + 1); })) return false;
      }
      return true;
    }
    return eval_term(seg, env, [&](const Value& key) {
      if (key.is_string()) return step(key.as_string(), fi, si + 1);
      // A non-string key can only index base data (arrays etc.).
      if (base) {
        auto nv = base->get(key);
        if (nv) return finish_value(*nv, fixed, fi, segs, si + 1, env, k);
      }
      return true;
    });
  }

  std::optional<Value> with_overrides_below(std::optional<Value> v, const Path& walked) const {
    for (const auto& o : data_overrides_)
      if (o.path.size() > walked.size() && std::equal(walked.begin(), walked.end(), o.path.begin()))
        v = set_path(v.value_or(Value::object({})), o.path, walked.size(), o.value);
    return v;
  }

  bool has_override_below(const Path& walked, const std::string& key) const {
    for (const auto& o : data_overrides_)
      if (o.path.size() > walked.size() && std::equal(walked.begin(), walked.end(), o.path.begin()) &&
          o.path[walked.size()] == key)
        return true;
    return false;
  }

  bool finish_value(const Value& v, const Path& fixed, std::size_t fi, const std::vector<TermPtr>* segs,
                    std::size_t si, Env& env, const ValueK& k) {
    std::optional<Value> cur = v;
    for (; fi < fixed.size(); ++fi) {
      cur = cur->get(Value::string(fixed[fi]));
      if (!cur) return true;
    }
    if (!segs) return k(*cur);
    return walk_value(*cur, *segs, si, env, k);
  }

  // The whole document under a node: base data merged with every rule's value below it.
  std::optional<Value> materialize(const Node* node, const std::optional<Value>& base, const Path& walked) {
    for (const auto& o : data_overrides_)
      if (o.path == walked) return o.value;
    if (node && node->group) {
      if (node->group->kind == Rule::Kind::function) return std::nullopt;
      return eval_group(*node->group);
    }
    if (!node) return with_overrides_below(base, walked);
    Object o = base && base->is_object() ? base->as_object() : Object{};
    for (const auto& [name, ch] : node->children) {
      if (ch->group && ch->group->kind == Rule::Kind::function) continue;  // functions are not documents
      std::optional<Value> cb;
      if (base && base->is_object()) cb = base->get(Value::string(name));
      Path w = walked;
      w.push_back(name);
      auto v = materialize(ch.get(), cb, w);
      if (v) o[Value::string(name)] = *v;
    }
    return with_overrides_below(Value::object(std::move(o)), walked);
  }

  // ---- Rules --------------------------------------------------------------------------------------
  struct DepthGuard {
    Evaluator& e;
    const Location& loc;
    DepthGuard(Evaluator& ev, const Location& l) : e(ev), loc(l) {
      if (++e.depth_ > e.opts_.max_depth)
        fail("rego_recursion_error", loc, "evaluation too deep (recursion?)");
    }
    ~DepthGuard() { --e.depth_; }
  };

  std::optional<Value> eval_group(const RuleGroup& g) {
    if (g.kind == Rule::Kind::function) {
      const Location& loc = g.rules.empty() ? g.default_rule.first->loc : g.rules.front().first->loc;
      fail("rego_type_error", loc, "function " + join_path(g.path) + " used as a value");
    }
    if (auto it = memo_.find(&g); it != memo_.end()) return it->second;
    if (in_progress_.count(&g)) {
      const Location& loc = g.rules.empty() ? g.default_rule.first->loc : g.rules.front().first->loc;
      fail("rego_recursion_error", loc, "rule data." + join_path(g.path) + " is recursive");
    }
    in_progress_.insert(&g);
    std::optional<Value> result;
    try {
      result = compute_group(g);
    } catch (...) {
      in_progress_.erase(&g);
      throw;
    }
    in_progress_.erase(&g);
    memo_[&g] = result;
    return result;
  }

  // Calls on_solution(rule, env) for every solution of every body of every rule in the group (partial
  // rules collect them all).
  template <typename F>
  void for_each_body_solution(const RuleGroup& g, F&& on_solution) {
    for (const auto& rule_mod : g.rules) {
      const Rule& rule = *rule_mod.first;
      for (const auto& body : rule.bodies) {
        Env env;
        env.module = rule_mod.second;
        DepthGuard guard(*this, rule.loc);
        eval_body(*body, 0, env, [&]() {
          on_solution(rule, env);
          return true;
        });
      }
    }
  }

  std::optional<Value> compute_group(const RuleGroup& g) {
    switch (g.kind) {
      case Rule::Kind::complete: {
        std::optional<Value> value;
        bool value_from_else = false;
        for (const auto& rule_mod : g.rules) {
          // Named copies: clang 14 cannot capture structured bindings in lambdas.
          const RulePtr& rule = rule_mod.first;
          const ModuleInfo* mod = rule_mod.second;
          bool from_else = false;
          auto v = eval_complete_rule(*rule, mod, g.path, &from_else);
          if (!v) continue;
          if (value && *value != *v) {
            // OPA words a conflict between two else branches like one inside a rule.
            if (from_else && value_from_else)
              fail("eval_conflict_error", rule->loc,
                   "rule data." + join_path(g.path) + " produced conflicting values");
            fail("eval_conflict_error", rule->loc, "complete rules must not produce multiple outputs");
          }
          value = v;
          value_from_else = from_else;
        }
        if (!value && g.default_rule.first) {
          Env env;
          env.module = g.default_rule.second;
          const auto& d = *g.default_rule.first;
          if (!d.value) return Value::boolean(true);
          std::optional<Value> dv;
          eval_term(*d.value, env, [&](const Value& v) {
            dv = v;
            return false;
          });
          return dv;
        }
        return value;
      }
      case Rule::Kind::partial_set: {
        Set out;
        for_each_body_solution(g, [&](const Rule& rule, Env& env) {
          eval_term(*rule.key, env, [&](const Value& v) {
            out.insert(v);
            return true;
          });
        });
        return Value::set(std::move(out));
      }
      case Rule::Kind::partial_object: {
        Object out;
        for_each_body_solution(g, [&](const Rule& rule, Env& env) {
          eval_term(*rule.key, env, [&](const Value& key) {
            return eval_term(rule.value ? *rule.value : true_term(), env, [&](const Value& val) {
              auto it = out.find(key);
              if (it != out.end() && it->second != val)
                fail("eval_conflict_error", rule.loc, "object keys must be unique");
              out[key] = val;
              return true;
            });
          });
        });
        return Value::object(std::move(out));
      }
      case Rule::Kind::function:
        break;
    }
    return std::nullopt;
  }

  // A head value with no variables, refs or calls: once a body holds, further solutions cannot change it,
  // so evaluation stops at the first (OPA's and regorus's early exit; it also decides which print()s run).
  static bool constant_term(const Term& t) {
    switch (t.kind) {
      case Term::Kind::scalar:
        return true;
      case Term::Kind::array:
      case Term::Kind::set:
        return std::all_of(t.items.begin(), t.items.end(),
                           [](const TermPtr& i) { return constant_term(*i); });
      case Term::Kind::object:
        return std::all_of(t.pairs.begin(), t.pairs.end(), [](const auto& kv) {
          return constant_term(*kv.first) && constant_term(*kv.second);
        });
      default:
        return false;
    }
  }

  static const Term& true_term() {
    static const Term t = [] {
      Term x;
      x.kind = Term::Kind::scalar;
      x.value = Value::boolean(true);
      return x;
    }();
    return t;
  }

  // A complete rule (with its else chain): the value of the first body that holds.
  std::optional<Value> eval_complete_rule(const Rule& rule, const ModuleInfo* mod, const Path& path,
                                          bool* from_else) {
    DepthGuard guard(*this, rule.loc);
    std::optional<Value> value;
    const bool early_exit = !rule.value || constant_term(*rule.value);
    for (const auto& body : rule.bodies) {
      Env env;
      env.module = mod;
      eval_body(*body, 0, env, [&]() {
        return eval_term(rule.value ? *rule.value : true_term(), env, [&](const Value& v) {
          if (value && *value != v)
            fail("eval_conflict_error", rule.loc,
                 "rule data." + join_path(path) + " produced conflicting values");
          value = v;
          return !early_exit;
        });
      });
    }
    if (!value && rule.else_rule) {
      *from_else = true;
      return eval_complete_rule(*rule.else_rule, mod, path, from_else);
    }
    return value;
  }

  // ---- Calls --------------------------------------------------------------------------------------
  struct Resolved {
    const RuleGroup* group = nullptr;  // a user function
    std::string builtin;               // or a builtin / host function name
  };

  std::optional<Resolved> resolve_function(const Path& name, const Env& env) const {
    if (name.empty()) return std::nullopt;
    auto user = [&](const Path& rel) -> const RuleGroup* {
      const Node* n = find_node(rel);
      return n && n->group && n->group->kind == Rule::Kind::function ? n->group.get() : nullptr;
    };
    if (name[0] == "data") {
      if (auto g = user(Path(name.begin() + 1, name.end()))) return Resolved{g, ""};
    }
    if (env.module) {
      Path rel = env.module->package;
      rel.insert(rel.end(), name.begin(), name.end());
      if (auto g = user(rel)) return Resolved{g, ""};
      if (auto it = env.module->imports.find(name[0]);
          it != env.module->imports.end() && it->second[0] == "data") {
        Path r(it->second.begin() + 1, it->second.end());
        r.insert(r.end(), name.begin() + 1, name.end());
        if (auto g = user(r)) return Resolved{g, ""};
      }
    }
    const std::string dotted = join_path(name);
    if (p_.hosts.count(dotted) || find_builtin(dotted) || dotted == "print") return Resolved{nullptr, dotted};
    return std::nullopt;
  }

  // `with_output`: a call used as a whole literal may carry one extra argument that receives the result.
  bool eval_call(const Term& t, Env& env, const ValueK& k, bool as_literal, const UnitK* literal_k) {
    Path name = static_path(*t.fn);
    const std::string dotted = join_path(name);
    if (auto it = fn_value_overrides_.find(dotted); it != fn_value_overrides_.end()) {
      Value v = it->second;
      return eval_args(t.items, 0, {}, env, [&](std::vector<Value>) { return k(v); });
    }
    // A mocked function: call the replacement, in which the mocked name means the original again.
    std::optional<std::pair<std::string, Path>> mocked;
    if (auto it = fn_ref_overrides_.find(dotted); it != fn_ref_overrides_.end()) {
      name = it->second;
      mocked.emplace(*it);
    }
    auto fn = resolve_function(name, env);
    if (!fn) fail("rego_type_error", t.loc, "undefined function " + dotted);
    if (fn->builtin == "print") return eval_print(t, env, k);

    const int arity = fn->group ? static_cast<int>(function_arity(*fn->group))
                                : (p_.hosts.count(fn->builtin) ? p_.hosts.at(fn->builtin).first
                                                               : find_builtin(fn->builtin)->arity);
    std::vector<TermPtr> inputs = t.items;
    TermPtr output;
    if (arity >= 0 && static_cast<int>(inputs.size()) == arity + 1) {
      output = inputs.back();
      inputs.pop_back();
    } else if (arity >= 0 && static_cast<int>(inputs.size()) != arity) {
      fail("rego_type_error", t.loc,
           dotted + ": arity mismatch: expected " + std::to_string(arity) + " arguments, got " +
               std::to_string(inputs.size()));
    }
    return eval_args(inputs, 0, {}, env, [&](std::vector<Value> args) {
      std::optional<Value> r;
      if (mocked) fn_ref_overrides_.erase(mocked->first);
      try {
        if (fn->group)
          r = call_user(*fn->group, args, t.loc);
        else if (auto h = p_.hosts.find(fn->builtin); h != p_.hosts.end())
          r = h->second.second(args);
        else
          r = call_builtin(fn->builtin, t.loc, std::move(args));
      } catch (...) {
        if (mocked) fn_ref_overrides_.insert(*mocked);
        throw;
      }
      if (mocked) fn_ref_overrides_.insert(*mocked);
      if (!r) return true;
      if (output)
        return unify_value(*output, *r, env, as_literal && literal_k ? *literal_k : UnitK([&]() {
          return k(Value::boolean(true));
        }));
      return k(*r);
    });
  }

  static std::size_t function_arity(const RuleGroup& g) {
    if (!g.rules.empty()) return g.rules.front().first->args.size();
    return g.default_rule.first ? g.default_rule.first->args.size() : 0;
  }

  bool eval_args(const std::vector<TermPtr>& items, std::size_t i, std::vector<Value> acc, Env& env,
                 const std::function<bool(std::vector<Value>)>& k) {
    if (i == items.size()) return k(std::move(acc));
    return eval_term(*items[i], env, [&](const Value& v) {
      auto next = acc;
      next.push_back(v);
      return eval_args(items, i + 1, std::move(next), env, k);
    });
  }

  std::optional<Value> call_user(const RuleGroup& g, const std::vector<Value>& args, const Location& loc) {
    DepthGuard guard(*this, loc);
    std::optional<Value> out;
    for (const auto& rule_mod : g.rules) {
      // Named copies: clang 14 cannot capture structured bindings in lambdas.
      const RulePtr& rule = rule_mod.first;
      const ModuleInfo* mod = rule_mod.second;
      auto v = eval_function_rule(*rule, mod, args);
      if (!v) continue;
      if (out && *out != *v)
        fail("eval_conflict_error", rule->loc, "functions must not produce multiple outputs for same inputs");
      out = v;
    }
    if (!out && g.default_rule.first) {
      Env env;
      env.module = g.default_rule.second;
      const auto& d = *g.default_rule.first;
      if (!d.value)
        out = Value::boolean(true);
      else
        eval_term(*d.value, env, [&](const Value& v) {
          out = v;
          return false;
        });
    }
    // Not memoised: a function's print() output must appear on every call, as OPA and regorus give it.
    return out;
  }

  std::optional<Value> eval_function_rule(const Rule& rule, const ModuleInfo* mod,
                                          const std::vector<Value>& args) {
    std::optional<Value> value;
    // Function bodies are evaluated for every solution (no early exit), as regorus does: the Kata
    // golden print traces show the remaining iterations after a function body first holds.
    const bool early_exit = false;
    for (const auto& body : rule.bodies) {
      Env env;
      env.module = mod;
      bind_params(rule, args, 0, env, [&]() {
        return eval_body(*body, 0, env, [&]() {
          return eval_term(rule.value ? *rule.value : true_term(), env, [&](const Value& v) {
            if (value && *value != v)
              fail("eval_conflict_error", rule.loc,
                   "functions must not produce multiple outputs for same inputs");
            value = v;
            return !early_exit;
          });
        });
      });
    }
    if (!value && rule.else_rule) return eval_function_rule(*rule.else_rule, mod, args);
    return value;
  }

  bool bind_params(const Rule& rule, const std::vector<Value>& args, std::size_t i, Env& env,
                   const UnitK& k) {
    if (i == args.size() || i >= rule.args.size()) return k();
    const Term& p = *rule.args[i];
    if (p.kind == Term::Kind::var && !is_wildcard(p.name)) {
      // Parameters are always new locals, even when a rule of the same name exists.
      const std::size_t m = env.mark();
      env.bind(p.name, args[i]);
      bool r = bind_params(rule, args, i + 1, env, k);
      env.undo(m);
      return r;
    }
    const std::size_t m = env.mark();
    declare_vars(p, env);
    bool r = unify_value(p, args[i], env, [&]() { return bind_params(rule, args, i + 1, env, k); });
    env.undo(m);
    return r;
  }

  // print(): each operand is every value it can take (undefined prints "<undefined>"); one line per
  // combination, operands joined by spaces, strings raw.
  bool eval_print(const Term& t, Env& env, const ValueK& k) {
    std::vector<std::vector<std::string>> operands;
    for (const auto& a : t.items) {
      std::vector<std::string> texts;
      std::set<Value, ValueLess> seen;
      try {
        eval_term(*a, env, [&](const Value& v) {
          if (seen.insert(v).second) texts.push_back(v.is_string() ? v.as_string() : v.to_term_string());
          return true;
        });
      } catch (const EvalError&) {
        if (opts_.strict_builtin_errors) throw;
      }
      if (texts.empty()) texts.push_back("<undefined>");
      operands.push_back(std::move(texts));
    }
    std::vector<std::string> line;
    std::function<void(std::size_t)> emit = [&](std::size_t i) {
      if (i == operands.size()) {
        std::string s;
        for (std::size_t j = 0; j < line.size(); ++j) s += (j ? " " : "") + line[j];
        prints.push_back(t.loc.file + ":" + std::to_string(t.loc.line) + ": " + s);
        return;
      }
      for (const auto& x : operands[i]) {
        line.push_back(x);
        emit(i + 1);
        line.pop_back();
      }
    };
    emit(0);
    return k(Value::boolean(true));
  }
};

// ---- Building the rule tree -----------------------------------------------------------------------
Status add_rule(Node& root, const ModuleInfo& mod, const RulePtr& rule) {
  if (!rule->ref_tail.empty())
    return make_error("rego.rego_compile_error",
                      rule->loc.to_string() +
                          ": rego_compile_error: general rule ref heads with variables after the key "
                          "(e.g. a[x].b[y]) are not supported");
  Path path = mod.package;
  path.insert(path.end(), rule->name.begin(), rule->name.end());
  Node* n = &root;
  for (const auto& s : path) {
    auto& c = n->children[s];
    if (!c) c = std::make_unique<Node>();
    n = c.get();
  }
  if (!n->group) {
    n->group = std::make_unique<RuleGroup>();
    n->group->path = path;
    n->group->kind = rule->kind;
  } else if (n->group->kind != rule->kind && !(rule->is_default && rule->kind == Rule::Kind::complete &&
                                               n->group->kind == Rule::Kind::function)) {
    return make_error(
        "rego.rego_type_error",
        rule->loc.to_string() + ": rego_type_error: conflicting rules data." + join_path(path) + " found");
  }
  if (rule->is_default) {
    if (n->group->default_rule.first)
      return make_error("rego.rego_type_error", rule->loc.to_string() +
                                                    ": rego_type_error: multiple default rules data." +
                                                    join_path(path) + " found");
    n->group->default_rule = {rule, &mod};
  } else {
    n->group->rules.emplace_back(rule, &mod);
  }
  return ok_status();
}

Status check_tree(const Node& n, const Path& path) {
  if (n.group && !n.children.empty())
    return make_error("rego.rego_type_error",
                      "rego_type_error: rule data." + join_path(path) + " conflicts with rules below it");
  for (const auto& [name, c] : n.children) {
    Path p = path;
    p.push_back(name);
    if (auto st = check_tree(*c, p); !st) return st;
  }
  return ok_status();
}

Value merge_objects(const Value& a, const Value& b) {
  if (!a.is_object() || !b.is_object()) return b;
  Object o = a.as_object();
  for (const auto& [k, v] : b.as_object()) {
    auto it = o.find(k);
    o[k] = it == o.end() ? v : merge_objects(it->second, v);
  }
  return Value::object(std::move(o));
}

}  // namespace

struct PolicyBuilder::State {
  std::vector<ModulePtr> modules;
  Value data = Value::object({});
  std::map<std::string, std::pair<int, HostFunction>> hosts;
};

PolicyBuilder::PolicyBuilder() : s_(std::make_unique<State>()) {}
PolicyBuilder::~PolicyBuilder() = default;
PolicyBuilder::PolicyBuilder(PolicyBuilder&&) noexcept = default;
PolicyBuilder& PolicyBuilder::operator=(PolicyBuilder&&) noexcept = default;

Status PolicyBuilder::add_module(std::string file, std::string_view text, Dialect dialect) {
  ParseOptions po;
  po.dialect = dialect;
  auto m = parse_module(file, text, po);
  if (!m) return m.error();
  s_->modules.push_back(*m);
  return ok_status();
}

void PolicyBuilder::add_parsed_module(ModulePtr module) {
  s_->modules.push_back(std::move(module));
}

Status PolicyBuilder::add_data(const Value& data) {
  if (!data.is_object()) return make_error("rego.rego_compile_error", "base data must be an object");
  s_->data = merge_objects(s_->data, data);
  return ok_status();
}

void PolicyBuilder::add_host_function(std::string name, int arity, HostFunction fn) {
  s_->hosts[std::move(name)] = {arity, std::move(fn)};
}

Result<std::shared_ptr<const Policy>> PolicyBuilder::compile() const {
  auto impl = std::make_shared<Policy::Impl>();
  impl->data = s_->data;
  impl->hosts = s_->hosts;
  for (const auto& m : s_->modules) {
    auto info = std::make_unique<ModuleInfo>();
    info->module = m;
    info->package = m->package;
    for (const auto& imp : m->imports) {
      if (imp.path.empty() || (imp.path[0] != "data" && imp.path[0] != "input"))
        continue;  // future.*, rego.v1
      std::string alias = imp.alias.empty() ? imp.path.back() : imp.alias;
      info->imports[alias] = imp.path;
    }
    impl->modules.push_back(std::move(info));
  }
  // Names that are documents or functions rather than locals, per package (for safety reordering).
  std::map<Path, std::set<std::string>> package_names;
  for (const auto& info : impl->modules)
    for (const auto& r : info->module->rules) package_names[info->package].insert(r->name.front());
  for (const auto& info : impl->modules) {
    const auto& names = package_names[info->package];
    auto is_global = [&](const std::string& n) {
      return n == "input" || n == "data" || names.count(n) > 0 || info->imports.count(n) > 0;
    };
    for (const auto& r : info->module->rules)
      if (auto st = add_rule(impl->root, *info, detail::reorder_rule(r, is_global)); !st) return st.error();
  }
  if (auto st = check_tree(impl->root, {}); !st) return st.error();
  return std::make_shared<const Policy>(std::make_shared<const Policy::Impl>(std::move(*impl)));
}

namespace {
Error to_error(const EvalError& e) {
  return make_error("rego." + e.code, e.message);
}
}  // namespace

Result<std::optional<Value>> Policy::eval(std::string_view path, const std::optional<Value>& input,
                                          const EvalOptions& options,
                                          std::vector<std::string>* prints) const {
  Path p;
  std::string s(path);
  std::size_t start = 0;
  while (start <= s.size()) {
    auto dot = s.find('.', start);
    p.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (p.empty() || p[0] != "data")
    return make_error("rego.rego_compile_error", "a rule path starts with data., got '" + s + "'");
  p.erase(p.begin());
  Evaluator ev(*impl_, options, input);
  try {
    auto v = ev.eval_path(p);
    if (prints) *prints = std::move(ev.prints);
    return v;
  } catch (const EvalError& e) {
    if (prints) *prints = std::move(ev.prints);
    return to_error(e);
  }
}

Result<QueryResult> Policy::query(std::string_view text, const std::optional<Value>& input,
                                  const EvalOptions& options) const {
  auto body = parse_query(text);
  if (!body) return body.error();
  return query(*body, input, options);
}

Result<QueryResult> Policy::query(const BodyPtr& body, const std::optional<Value>& input,
                                  const EvalOptions& options) const {
  Evaluator ev(*impl_, options, input);
  QueryResult out;
  Env env;
  try {
    ev.run_query(*body, env, [&]() {
      std::map<std::string, Value> sol;
      for (const auto& e : env.entries)
        if (e.value && !e.name.empty() && e.name[0] != '$') sol[e.name] = *e.value;
      out.solutions.push_back(std::move(sol));
      return true;
    });
  } catch (const EvalError& e) {
    return to_error(e);
  }
  out.prints = std::move(ev.prints);
  return out;
}

}  // namespace coco::rego
