#include "reorder.h"

#include <algorithm>

namespace coco::rego::detail {
namespace {

using Names = std::set<std::string>;
using IsGlobal = std::function<bool(const std::string&)>;

bool local_name(const std::string& n, const IsGlobal& g) {
  return !n.empty() && n[0] != '$' && n != "_" && !g(n);
}

// Every local variable a term mentions, outside comprehension bodies (their variables are their own)
// and function names.
void vars_of(const Term& t, const IsGlobal& g, Names& out) {
  switch (t.kind) {
    case Term::Kind::var:
      if (local_name(t.name, g)) out.insert(t.name);
      return;
    case Term::Kind::array_compr:
    case Term::Kind::set_compr:
    case Term::Kind::object_compr:
      return;
    default:
      break;
  }
  for (const TermPtr* p : {&t.head, &t.key, &t.lhs, &t.rhs})
    if (*p) vars_of(**p, g, out);
  for (const auto& s : t.path) vars_of(*s, g, out);
  for (const auto& i : t.items) vars_of(*i, g, out);
  for (const auto& [k, v] : t.pairs) {
    vars_of(*k, g, out);
    vars_of(*v, g, out);
  }
}

// Variables that appear as reference segments anywhere in a term: iterating the reference binds them.
void ref_segments(const Term& t, const IsGlobal& g, Names& out) {
  if (t.kind == Term::Kind::array_compr || t.kind == Term::Kind::set_compr ||
      t.kind == Term::Kind::object_compr)
    return;
  if (t.kind == Term::Kind::ref)
    for (const auto& s : t.path)
      if (s->kind == Term::Kind::var && local_name(s->name, g)) out.insert(s->name);
  for (const TermPtr* p : {&t.head, &t.key, &t.lhs, &t.rhs})
    if (*p) ref_segments(**p, g, out);
  for (const auto& s : t.path) ref_segments(*s, g, out);
  for (const auto& i : t.items) ref_segments(*i, g, out);
  for (const auto& [k, v] : t.pairs) {
    ref_segments(*k, g, out);
    ref_segments(*v, g, out);
  }
}

// Variables a term can bind when matched against a value: a bare variable, the elements of an
// array/object pattern, and reference segments.
void bindable(const Term& t, const IsGlobal& g, Names& out) {
  switch (t.kind) {
    case Term::Kind::var:
      if (local_name(t.name, g)) out.insert(t.name);
      return;
    case Term::Kind::array:
      for (const auto& i : t.items) bindable(*i, g, out);
      return;
    case Term::Kind::object:
      for (const auto& [k, v] : t.pairs) bindable(*v, g, out);
      return;
    default:
      ref_segments(t, g, out);
  }
}

bool subset(const Names& a, const Names& b) {
  return std::all_of(a.begin(), a.end(), [&](const std::string& n) { return b.count(n) > 0; });
}

Names minus(const Names& a, const Names& b) {
  Names out;
  for (const auto& n : a)
    if (!b.count(n)) out.insert(n);
  return out;
}

struct Analysis {
  Names needs;                      // must be bound before the literal runs
  Names binds;                      // bound by it
  const Term* unify_lhs = nullptr;  // `a = b`: one side must be ground first
  const Term* unify_rhs = nullptr;
};

Analysis analyse(const Literal& lit, const IsGlobal& g) {
  Analysis a;
  auto all_vars = [&](const Term& t) {
    Names n;
    vars_of(t, g, n);
    return n;
  };
  auto segs = [&](const Term& t) {
    Names n;
    ref_segments(t, g, n);
    return n;
  };
  switch (lit.kind) {
    case Literal::Kind::some:
      break;
    case Literal::Kind::some_in:
      a.needs = minus(all_vars(*lit.collection), segs(*lit.collection));
      a.binds = segs(*lit.collection);
      if (lit.key) bindable(*lit.key, g, a.binds);
      bindable(*lit.value, g, a.binds);
      break;
    case Literal::Kind::every:
      a.needs = minus(all_vars(*lit.collection), segs(*lit.collection));
      break;
    case Literal::Kind::expr: {
      const Term& t = *lit.term;
      if (lit.negated) {
        a.needs = all_vars(t);
        break;
      }
      if (t.kind == Term::Kind::assign) {
        a.needs = minus(all_vars(*t.rhs), segs(*t.rhs));
        a.binds = segs(*t.rhs);
        bindable(*t.lhs, g, a.binds);
      } else if (t.kind == Term::Kind::unify) {
        Names all = all_vars(t);
        bindable(*t.lhs, g, a.binds);
        bindable(*t.rhs, g, a.binds);
        a.needs = minus(all, a.binds);
        a.unify_lhs = t.lhs.get();
        a.unify_rhs = t.rhs.get();
      } else if (t.kind == Term::Kind::call && !t.items.empty() && t.items.back()->kind == Term::Kind::var) {
        // Possibly f(args..., out): the last variable may be an output.
        Names all = all_vars(t);
        a.binds = segs(t);
        bindable(*t.items.back(), g, a.binds);
        a.needs = minus(all, a.binds);
      } else {
        a.needs = minus(all_vars(t), segs(t));
        a.binds = segs(t);
      }
      break;
    }
  }
  for (const auto& w : lit.withs) vars_of(*w.value, g, a.needs);
  return a;
}

bool runnable(const Analysis& a, const Names& safe, const IsGlobal& g) {
  if (!subset(a.needs, safe)) return false;
  if (a.unify_lhs) {
    // One side must be known (all its non-segment variables safe) for `=` to bind the other.
    auto ground = [&](const Term& t) {
      Names v, s;
      vars_of(t, g, v);
      ref_segments(t, g, s);
      return subset(minus(v, s), safe);
    };
    return ground(*a.unify_lhs) || ground(*a.unify_rhs);
  }
  return true;
}

BodyPtr reorder_body(const BodyPtr& body, const Names& initially_safe, const IsGlobal& g) {
  std::vector<std::shared_ptr<const Literal>> remaining(body->begin(), body->end()), out;
  std::vector<Analysis> info;
  for (const auto& l : remaining) info.push_back(analyse(*l, g));
  Names safe = initially_safe;
  bool changed = false;
  while (!remaining.empty()) {
    std::size_t pick = remaining.size();
    for (std::size_t i = 0; i < remaining.size(); ++i)
      if (runnable(info[i], safe, g)) {
        pick = i;
        break;
      }
    if (pick ==
        remaining.size()) {  // nothing can run safely: keep the rest as written (evaluation reports it)
      out.insert(out.end(), remaining.begin(), remaining.end());
      break;
    }
    if (pick != 0) changed = true;
    safe.insert(info[pick].binds.begin(), info[pick].binds.end());
    out.push_back(remaining[pick]);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(pick));
    info.erase(info.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  if (!changed) return body;
  return std::make_shared<const Body>(std::move(out));
}

}  // namespace

RulePtr reorder_rule(const RulePtr& rule, const IsGlobal& g) {
  Names params;
  for (const auto& a : rule->args) bindable(*a, g, params);
  auto copy = std::make_shared<Rule>(*rule);
  bool changed = false;
  for (auto& b : copy->bodies) {
    auto nb = reorder_body(b, params, g);
    changed = changed || nb != b;
    b = nb;
  }
  if (rule->else_rule) {
    auto ne = reorder_rule(rule->else_rule, g);
    changed = changed || ne != rule->else_rule;
    copy->else_rule = ne;
  }
  if (!changed) return rule;
  return copy;
}

}  // namespace coco::rego::detail
