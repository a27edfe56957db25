// The Rego parser (parser.h): tokens (lexer.h) -> AST (ast.h).
//
// The grammar and its corner cases follow OPA's parser (open-policy-agent/opa v1/ast/parser.go and
// parser_ext.go), including where it backtracks. Operator precedence, lowest first, as in OPA's
// parseTermInfixCall chain:
//   1. `:=` and `=`              only at the top of a literal (parseExpr)
//   2. `in`, `k, v in`           parseTermIn; left-associative (`a in b in c` is `(a in b) in c`)
//   3. == != < <= > >=          parseTermRelation; left-associative
//   4. |                         parseTermOr (set union)
//   5. &                         parseTermAnd (set intersection)
//   6. + -                       parseTermArith
//   7. * / %                     parseTermFactor
//   8. terms: scalars, vars, refs, calls, composites, comprehensions, `( expr )`
// A '-' at the start of a term makes a negative number literal when a number follows (whitespace
// allowed: `- 1` is -1); before anything else it is unary minus (Term::Kind::unary_minus) on the
// following term with its suffixes (`-x.y` is -(x.y)). OPA rejects the latter; regorus and rego-cpp
// accept it. Deviations from OPA are marked "OPA" in comments below.
// `k, v in xs` is only recognised where a comma cannot mean anything else (a literal, a rule value,
// brackets and parentheses); inside array/set/object literals and call arguments a comma separates
// items.
//
// Backtracking is bounded: parsed terms are memoised by token position (as OPA's parsedTermCache does),
// the nesting depth is capped, and a work budget proportional to the input turns pathological input
// into an error instead of a hang.
#include "rego/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lexer.h"

namespace coco::rego {
namespace {

using detail::Tok;
using detail::Token;

constexpr int kMaxDepth = 1000;  // nesting of terms, bodies and refs; deeper input is a parse error

// Future keywords: keywords only in v1, or in v0 once imported (future.keywords[.x] or rego.v1).
enum : std::uint8_t { kw_in = 1, kw_if = 2, kw_contains = 4, kw_every = 8, kw_all = 15 };

bool is_base_keyword(std::string_view w) {
  static constexpr std::string_view kBase[] = {"package", "import", "as",   "default", "else", "not",
                                               "some",    "with",   "null", "true",    "false"};
  return std::find(std::begin(kBase), std::end(kBase), w) != std::end(kBase);
}
std::uint8_t future_bit(std::string_view w) {
  if (w == "in") return kw_in;
  if (w == "if") return kw_if;
  if (w == "contains") return kw_contains;
  if (w == "every") return kw_every;
  return 0;
}

std::string_view kind_name(const Term& t) {
  switch (t.kind) {
    case Term::Kind::scalar:
      switch (t.value.kind()) {
        case Value::Kind::null:
          return "null";
        case Value::Kind::boolean:
          return "boolean";
        case Value::Kind::number:
          return "number";
        case Value::Kind::string:
          return "string";
        default:
          return "scalar";
      }
    case Term::Kind::var:
      return "var";
    case Term::Kind::ref:
      return "ref";
    case Term::Kind::array:
      return "array";
    case Term::Kind::set:
      return "set";
    case Term::Kind::object:
      return "object";
    case Term::Kind::array_compr:
      return "arraycomprehension";
    case Term::Kind::set_compr:
      return "setcomprehension";
    case Term::Kind::object_compr:
      return "objectcomprehension";
    case Term::Kind::call:
    case Term::Kind::binary:
    case Term::Kind::unary_minus:
    case Term::Kind::membership:
      return "call";
    case Term::Kind::assign:
    case Term::Kind::unify:
      return "expression";
  }
  return "term";
}

bool is_string_scalar(const TermPtr& t) {
  return t->kind == Term::Kind::scalar && t->value.is_string();
}

// The parts of a rule head as parsed: `name[.seg|[seg]]*[(args)]`.
struct Head {
  Token name_tok;
  std::string var;
  std::vector<TermPtr> ref;  // segments after the first var
  bool is_func = false;
  std::vector<TermPtr> args;
};

// What Rego v1 requires of each rule (OPA's checkRegoV1Rule), checked once the module's dialect is
// known (an `import rego.v1` anywhere switches a v0 module to v1).
struct RuleFacts {
  Location loc;
  std::string single_name;  // the rule name when the head is a plain var / function name
  bool is_func = false;
  bool is_default = false;
  bool has_if = false;
  bool uses_contains = false;
  bool partial_set = false;
  bool generated_body = false;
  bool generated_value = false;
};

class Parser {
 public:
  Parser(std::string file, std::vector<Token> toks, Dialect dialect)
      : file_(std::move(file)), toks_(std::move(toks)), v1_(dialect == Dialect::v1) {
    kw_mask_ = v1_ ? kw_all : 0;
    fuel_ = static_cast<std::int64_t>(toks_.size()) * 64 + 4096;
  }

  Result<ModulePtr> module() {
    auto mod = std::make_shared<Module>();
    mod->file = file_;
    mod->loc = loc(tok());
    bool have_package = false;
    std::size_t statements = 0;
    while (tok().kind != Tok::eof) {
      cache_.clear();
      if (word_is("package") && !ref_follows()) {
        if (statements > 0) return error_at(tok(), "unexpected package");
        mod->loc = loc(tok());
        if (!parse_package(mod->package)) return take_error();
        have_package = true;
      } else {
        if (!have_package) return error_at(tok(), "package expected");
        if (word_is("import") && !ref_follows()) {
          Import imp;
          if (!parse_import(imp)) return take_error();
          mod->imports.push_back(std::move(imp));
        } else {
          RulePtr r = parse_rule();
          if (!r) return take_error();
          mod->rules.push_back(std::move(r));
        }
      }
      if (fatal_) return take_error();
      ++statements;
    }
    if (statements == 0) return detail::parse_error(file_, 1, 1, "empty module");
    mod->rego_v1 = v1_ || rego_v1_import_;
    if (mod->rego_v1) {
      for (const auto& f : facts_)
        if (auto err = check_v1(f)) return *err;
    }
    return ModulePtr(std::move(mod));
  }

  Result<BodyPtr> query() {
    auto body = std::make_shared<Body>();
    if (tok().kind == Tok::eof) return error_at(tok(), "empty query");
    while (tok().kind != Tok::eof) {
      cache_.clear();
      auto lit = parse_literal();
      if (!lit || fatal_) return take_error();
      body->push_back(std::move(lit));
      // As in OPA (top-level query statements), literals may be separated by ';', a newline, or
      // nothing at all.
      if (tok().kind == Tok::semicolon) next();  // a trailing ';' is accepted (OPA rejects it)
    }
    return BodyPtr(std::move(body));
  }

 private:
  struct State {
    std::uint32_t pos = 0;
    std::uint32_t wildcards = 0;
    bool has_err = false;
    int err_line = 0, err_col = 0;
    std::string err_what;
  };
  struct CacheEntry {
    std::uint32_t wildcards_before;
    std::uint8_t kw_mask;
    TermPtr term;
    State post;
  };

  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) {
      ++p_.depth_;
      if (p_.fatal_) {
        ok_ = false;
      } else if (p_.depth_ > kMaxDepth) {
        p_.set_fatal(p_.tok(), "max parsing recursion depth exceeded");
        ok_ = false;
      }
    }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    bool ok() const { return ok_; }

   private:
    Parser& p_;
    bool ok_ = true;
  };

  // A left-associative chain `a + b + c ...` builds a tree as deep as it is long, and whoever walks or
  // frees the tree recurses that deep: each link counts towards the depth limit while the rest of the
  // chain is parsed.
  class ChainDepth {
   public:
    explicit ChainDepth(Parser& p) : p_(p) {}
    ~ChainDepth() { p_.depth_ -= links_; }
    ChainDepth(const ChainDepth&) = delete;
    ChainDepth& operator=(const ChainDepth&) = delete;
    bool deeper() {
      ++links_;
      if (++p_.depth_ > kMaxDepth && !p_.fatal_)
        p_.set_fatal(p_.tok(), "max parsing recursion depth exceeded");
      return !p_.fatal_;
    }

   private:
    Parser& p_;
    int links_ = 0;
  };

  // ---- tokens ----
  const Token& tok() const { return toks_[st_.pos]; }
  const Token& peek() const { return toks_[std::min<std::size_t>(st_.pos + 1, toks_.size() - 1)]; }
  void next() {
    if (st_.pos + 1 < toks_.size()) ++st_.pos;
  }
  bool at(Tok k) const { return tok().kind == k; }
  bool word_is(std::string_view w) const { return tok().kind == Tok::word && tok().text == w; }
  bool is_keyword(std::string_view w) const { return is_base_keyword(w) || (future_bit(w) & kw_mask_) != 0; }
  bool is_keyword_tok(const Token& t) const { return t.kind == Tok::word && is_keyword(t.text); }
  // The current token is the active keyword `w`.
  bool kw(std::string_view w) const { return word_is(w) && is_keyword(w); }
  // A '.' or '[' directly follows the current token: a keyword there starts a ref (`input.x` style).
  bool ref_follows() const {
    const Token& n = peek();
    return (n.kind == Tok::dot || n.kind == Tok::lbrack) && !n.ws_before;
  }
  bool kw_ref_ahead() const { return is_keyword_tok(tok()) && ref_follows(); }

  Location loc(const Token& t) const { return Location{file_, t.line, t.col}; }

  // ---- errors and backtracking ----
  State save() const { return st_; }
  void restore(const State& s) { st_ = s; }

  void set_error(const Token& t, std::string what) {
    if (st_.has_err) return;
    st_.has_err = true;
    st_.err_line = t.line;
    st_.err_col = t.col;
    st_.err_what = std::move(what);
  }
  void set_fatal(const Token& t, std::string what) {
    if (fatal_) return;
    fatal_ = true;
    fatal_err_ = detail::parse_error(file_, t.line, t.col, what);
  }
  std::nullptr_t fail(std::string what) {
    set_error(tok(), std::move(what));
    return nullptr;
  }
  std::string describe(const Token& t) const {
    if (t.kind == Tok::eof) return "EOF token";
    if (t.kind == Tok::word) {
      if (is_keyword(t.text)) return std::string(t.text) + " keyword";
      return "ident token";
    }
    return std::string(detail::tok_name(t.kind)) + " token";
  }
  std::nullptr_t unexpected(std::string_view note = {}) {
    std::string what = "unexpected " + describe(tok());
    if (!note.empty()) {
      what += ": ";
      what.append(note);
    }
    return fail(std::move(what));
  }
  Error error_at(const Token& t, std::string_view what) const {
    return detail::parse_error(file_, t.line, t.col, what);
  }
  Error take_error() const {
    if (fatal_) return *fatal_err_;
    if (st_.has_err) return detail::parse_error(file_, st_.err_line, st_.err_col, st_.err_what);
    return error_at(tok(), "unexpected " + describe(tok()));
  }

  // ---- term construction ----
  std::shared_ptr<Term> mk(Term::Kind k, const Location& l) const {
    auto t = std::make_shared<Term>();
    t->kind = k;
    t->loc = l;
    return t;
  }
  TermPtr var_term(const Token& t) {
    auto v = mk(Term::Kind::var, loc(t));
    if (t.text == "_") {
      v->name = "$_" + std::to_string(st_.wildcards++);
    } else {
      v->name = std::string(t.text);
    }
    return v;
  }
  TermPtr binary(std::string op, TermPtr lhs, TermPtr rhs) const {
    auto b = mk(Term::Kind::binary, lhs->loc);
    b->op = std::move(op);
    b->lhs = std::move(lhs);
    b->rhs = std::move(rhs);
    return b;
  }

  // ---- terms ----

  // parseTermInfixCall / parseTermIn: `[key ,] value in coll (in coll)*` over relations.
  TermPtr parse_infix(bool key_val) {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    TermPtr lhs = parse_binary();
    if (!lhs) return nullptr;
    if (key_val && at(Tok::comma)) {
      State s = save();
      next();
      TermPtr mhs = parse_binary();
      if (mhs && in_op()) {
        next();
        if (TermPtr rhs = parse_binary()) {
          auto m = mk(Term::Kind::membership, lhs->loc);
          m->key = std::move(lhs);
          m->lhs = std::move(mhs);
          m->rhs = std::move(rhs);
          lhs = std::move(m);
          return parse_in_chain(std::move(lhs));
        }
      }
      restore(s);
    }
    return parse_in_chain(std::move(lhs));
  }
  TermPtr parse_in_chain(TermPtr lhs) {
    ChainDepth chain(*this);
    while (in_op()) {
      if (!chain.deeper()) return nullptr;
      next();
      TermPtr rhs = parse_binary();
      if (!rhs) return nullptr;
      auto m = mk(Term::Kind::membership, lhs->loc);
      m->lhs = std::move(lhs);
      m->rhs = std::move(rhs);
      lhs = std::move(m);
    }
    return lhs;
  }
  bool in_op() const { return kw("in") && !ref_follows(); }

  // Binding strength of a binary operator (OPA: parseTermRelation < parseTermOr < parseTermAnd <
  // parseTermArith < parseTermFactor), or -1.
  static int binop_level(Tok k) {
    switch (k) {
      case Tok::eq:
      case Tok::neq:
      case Tok::lt:
      case Tok::lte:
      case Tok::gt:
      case Tok::gte:
        return 0;
      case Tok::bar:
        return 1;
      case Tok::amp:
        return 2;
      case Tok::add:
      case Tok::sub:
        return 3;
      case Tok::mul:
      case Tok::quo:
      case Tok::rem:
        return 4;
      default:
        return -1;
    }
  }

  // Terms joined by binary operators, all left-associative, by precedence climbing over explicit
  // stacks (one stack frame however many levels; gives the same trees as OPA's one-function-per-level
  // descent).
  TermPtr parse_binary() {
    std::vector<TermPtr> vals;
    std::vector<std::pair<int, Tok>> ops;
    auto reduce = [&] {
      TermPtr rhs = std::move(vals.back());
      vals.pop_back();
      TermPtr lhs = std::move(vals.back());
      vals.pop_back();
      vals.push_back(
          binary(std::string(detail::tok_name(ops.back().second)), std::move(lhs), std::move(rhs)));
      ops.pop_back();
    };
    TermPtr first = parse_term();
    if (!first) return nullptr;
    vals.push_back(std::move(first));
    ChainDepth chain(*this);
    for (int level = binop_level(tok().kind); level >= 0; level = binop_level(tok().kind)) {
      if (!chain.deeper()) return nullptr;
      while (!ops.empty() && ops.back().first >= level) reduce();
      ops.emplace_back(level, tok().kind);
      next();
      TermPtr rhs = parse_term();
      if (!rhs) return nullptr;
      vals.push_back(std::move(rhs));
    }
    while (!ops.empty()) reduce();
    return vals.back();
  }

  // parseTerm: one term with its ref/call suffixes, memoised by position.
  TermPtr parse_term() {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    const std::uint32_t start = st_.pos;
    const bool forced = force_ident_ == start;
    if (!forced) {
      auto it = cache_.find(start);
      if (it != cache_.end() && it->second.wildcards_before == st_.wildcards &&
          it->second.kw_mask == kw_mask_) {
        st_ = it->second.post;
        return it->second.term;
      }
    }
    if (--fuel_ < 0) {
      set_fatal(tok(), "input too complex");
      return nullptr;
    }
    const std::uint32_t wild = st_.wildcards;
    TermPtr t = parse_primary(forced);
    if (t && suffix_follows()) t = parse_ref(std::move(t));
    if (!forced) cache_[start] = CacheEntry{wild, kw_mask_, t, st_};
    return t;
  }
  bool suffix_follows() const {
    return (at(Tok::dot) || at(Tok::lbrack) || at(Tok::lparen)) && !tok().ws_before;
  }

  TermPtr parse_primary(bool forced) {
    const Token& t = tok();
    switch (t.kind) {
      case Tok::word: {
        if (!forced) {
          if (t.text == "null" || t.text == "true" || t.text == "false") {
            auto s = mk(Term::Kind::scalar, loc(t));
            s->value = t.text == "null" ? Value::null() : Value::boolean(t.text == "true");
            next();
            return s;
          }
          // `contains` stays usable as a name (the builtin) everywhere but in rule heads.
          if (is_keyword(t.text) && t.text != "contains") return unexpected();
        }
        TermPtr v = var_term(t);
        next();
        return v;
      }
      case Tok::sub: {
        const Token& n = peek();
        if (n.kind == Tok::number || n.kind == Tok::dot) return parse_number();
        // `-x`, `-f(y)`: OPA rejects a minus before anything but a number; like regorus and rego-cpp we
        // read it as unary minus and leave the operand's type to the interpreter.
        auto u = mk(Term::Kind::unary_minus, loc(t));
        next();
        u->lhs = parse_term();
        if (!u->lhs) return nullptr;
        return u;
      }
      case Tok::number:
      case Tok::dot:
        return parse_number();
      case Tok::string:
      case Tok::raw_string: {
        auto s = mk(Term::Kind::scalar, loc(t));
        s->value = Value::string(t.str);
        next();
        return s;
      }
      case Tok::lbrack:
        return parse_array();
      case Tok::lbrace:
        return parse_set_or_object();
      case Tok::lparen: {
        next();
        TermPtr r = parse_infix(true);
        if (!r) return nullptr;
        if (!at(Tok::rparen)) return fail("non-terminated expression");
        next();
        return r;
      }
      default:
        return unexpected();
    }
  }

  // parseNumber: [-][.]digits..., with OPA's leading-zero rule.
  TermPtr parse_number() {
    const Location l = loc(tok());
    std::string text;
    if (at(Tok::sub)) {
      text = "-";
      next();
      if (!at(Tok::number) && !at(Tok::dot)) return unexpected("expected number");
    }
    bool frac_prefix = false;
    if (at(Tok::dot)) {
      text += '.';
      frac_prefix = true;
      next();
      if (!at(Tok::number)) return unexpected("expected number");
    }
    std::string_view lit = tok().text;
    if (!frac_prefix && lit.size() > 1 && lit[0] == '0') {
      bool decimal = lit[1] == '.';
      bool scientific = lit.size() > 2 && (lit[1] == 'e' || lit[1] == 'E');
      if (!decimal && !scientific) return unexpected("expected number without leading zero");
    }
    text.append(lit);
    auto s = mk(Term::Kind::scalar, l);
    const char* b = text.data();
    const char* e = b + text.size();
    bool integral = !frac_prefix && lit.find_first_of(".eE") == std::string_view::npos;
    if (integral) {
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(b, e, i);
      if (ec == std::errc() && p == e) {
        s->value = Value::integer(i);
        next();
        return s;
      }
    }
    double d = 0;
    auto [p, ec] = std::from_chars(b, e, d);
    if (ec == std::errc::result_out_of_range) {
      // Beyond a double: tiny magnitudes become zero, huge ones infinity. OPA keeps such numbers
      // exactly (big.Float) and rejects only binary exponents beyond 1e5 (about 30000 decimal digits).
      long e10 = decimal_exponent(text);
      if (e10 > 30000 || e10 < -30000) return fail("number too big");
      d = e10 < 0 ? 0.0 : (text[0] == '-' ? -HUGE_VAL : HUGE_VAL);
    } else if (ec != std::errc() || p != e) {
      return fail("invalid float");
    }
    s->value = Value::real(d);
    next();
    return s;
  }

  // Roughly log10 of |number| for a decimal literal ("-12.5e3" -> 5); clamped far beyond any use.
  static long decimal_exponent(std::string_view text) {
    if (!text.empty() && text[0] == '-') text.remove_prefix(1);
    long exp10 = 0;
    if (auto epos = text.find_first_of("eE"); epos != std::string_view::npos) {
      std::string_view ex = text.substr(epos + 1);
      bool neg = !ex.empty() && ex[0] == '-';
      if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) ex.remove_prefix(1);
      for (char c : ex) exp10 = std::min<long>(exp10 * 10 + (c - '0'), 1000000);
      if (neg) exp10 = -exp10;
      text = text.substr(0, epos);
    }
    auto dot = text.find('.');
    std::string_view ip = text.substr(0, dot), fp = dot == std::string_view::npos ? "" : text.substr(dot + 1);
    auto nz = ip.find_first_not_of('0');
    if (nz != std::string_view::npos) return exp10 + static_cast<long>(ip.size() - nz);
    auto fz = fp.find_first_not_of('0');
    return exp10 - static_cast<long>(fz == std::string_view::npos ? fp.size() : fz);
  }

  // parseRef: suffixes `.name`, `[term]` and `(args)` after a head term.
  TermPtr parse_ref(TermPtr head) {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    switch (head->kind) {
      case Term::Kind::var:
      case Term::Kind::array:
      case Term::Kind::set:
      case Term::Kind::object:
      case Term::Kind::array_compr:
      case Term::Kind::set_compr:
      case Term::Kind::object_compr:
      case Term::Kind::call:
      case Term::Kind::binary:
      case Term::Kind::membership:
        break;
      default:
        return fail("illegal ref (head cannot be " + std::string(kind_name(*head)) + ")");
    }
    std::vector<TermPtr> path;
    auto make_ref = [&]() -> TermPtr {
      if (path.empty()) return head;
      auto r = mk(Term::Kind::ref, head->loc);
      r->head = head;
      r->path = std::move(path);
      return r;
    };
    while (true) {
      if (at(Tok::dot)) {
        next();
        if (!at(Tok::word) || tok().ws_before) return unexpected("expected ident");
        auto s = mk(Term::Kind::scalar, loc(tok()));
        s->value = Value::string(std::string(tok().text));
        path.push_back(std::move(s));
        next();
      } else if (at(Tok::lbrack)) {
        next();
        TermPtr t = parse_infix(true);
        if (!t) return nullptr;
        if (!at(Tok::rbrack)) return unexpected("expected ]");
        path.push_back(std::move(t));
        next();
      } else if (at(Tok::lparen)) {
        // The function is named by a var or a ref (OPA also parses `(a + b)(x)`; nothing can call it).
        if (path.empty() && head->kind != Term::Kind::var)
          return fail("illegal call (operator must be a name)");
        TermPtr call = parse_call(make_ref());
        if (!call) return nullptr;
        if ((at(Tok::dot) || at(Tok::lbrack)) && !tok().ws_before) return parse_ref(std::move(call));
        return call;
      } else {
        break;
      }
      if (!suffix_follows()) break;
    }
    return make_ref();
  }

  TermPtr parse_call(TermPtr fn) {
    next();  // (
    if (at(Tok::rparen)) {
      next();
      if (fn->kind == Term::Kind::var && fn->name == "set") return mk(Term::Kind::set, fn->loc);
      auto c = mk(Term::Kind::call, fn->loc);
      c->fn = std::move(fn);
      return c;
    }
    auto c = mk(Term::Kind::call, fn->loc);
    c->fn = std::move(fn);
    if (!parse_term_list(Tok::rparen, c->items)) return nullptr;
    next();  // )
    return c;
  }

  // Items up to (not including) `end`: `a, b, c[,]`.
  bool parse_term_list(Tok end, std::vector<TermPtr>& out) {
    if (at(end)) return true;
    while (true) {
      TermPtr t = parse_infix(false);
      if (!t) return false;
      out.push_back(std::move(t));
      if (at(end)) return true;
      if (!at(Tok::comma)) {
        unexpected(std::string("expected \",\" or \"") + std::string(detail::tok_name(end)) + "\"");
        return false;
      }
      next();
      if (at(end)) return true;
    }
  }

  bool parse_pair_list(Tok end, std::vector<std::pair<TermPtr, TermPtr>>& out) {
    if (at(end)) return true;
    while (true) {
      TermPtr k = parse_infix(false);
      if (!k) return false;
      if (!at(Tok::colon)) {
        unexpected("expected \":\"");
        return false;
      }
      next();
      TermPtr v = parse_infix(false);
      if (!v) return false;
      out.emplace_back(std::move(k), std::move(v));
      if (at(end)) return true;
      if (!at(Tok::comma)) {
        unexpected(std::string("expected \",\" or \"") + std::string(detail::tok_name(end)) + "\"");
        return false;
      }
      next();
      if (at(end)) return true;
    }
  }

  // parseArray: `[]`, `[a, b]`, `[head | body]`. A single term before '|' means a comprehension
  // (`[x | y]` is never the array holding `x | y`).
  TermPtr parse_array() {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    const Location l = loc(tok());
    next();  // [
    if (at(Tok::rbrack)) {
      next();
      return mk(Term::Kind::array, l);
    }
    bool potential_compr = true;
    if (at(Tok::comma)) {  // `[, x]` is accepted, as in OPA
      potential_compr = false;
      next();
    }
    State s = save();
    TermPtr head = parse_term();
    if (!head) return nullptr;
    if (at(Tok::rbrack) || at(Tok::comma) || at(Tok::bar))
      return collection_after_head(l, s, std::move(head), potential_compr, Tok::rbrack, Term::Kind::array,
                                   Term::Kind::array_compr);
    restore(s);
    auto a = mk(Term::Kind::array, l);
    if (!parse_term_list(Tok::rbrack, a->items)) return nullptr;
    next();
    return a;
  }

  // After `[head |` or `{head |`: a comprehension when a body follows; otherwise (OPA's fallback, when the
  // body fails at a comma) re-read from `s` as a plain array or set.
  TermPtr comprehension_or_collection(TermPtr head, const Location& l, const State& s, bool potential_compr,
                                      Tok close, Term::Kind compr_kind, Term::Kind collection_kind) {
    if (potential_compr) {
      next();
      if (BodyPtr body = parse_body(close)) {
        next();
        auto c = mk(compr_kind, l);
        c->compr_head = std::move(head);
        c->body = std::move(body);
        return c;
      }
      if (!at(Tok::comma)) return nullptr;
    }
    restore(s);
    auto coll = mk(collection_kind, l);
    if (!parse_term_list(close, coll->items)) return nullptr;
    next();
    return coll;
  }

  // parseSetOrObject: `{}` (empty object), sets, objects and their comprehensions.
  TermPtr parse_set_or_object() {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    const Location l = loc(tok());
    next();  // {
    if (at(Tok::rbrace)) {
      next();
      return mk(Term::Kind::object, l);
    }
    bool potential_compr = true;
    if (at(Tok::comma)) {
      potential_compr = false;
      next();
    }
    State s = save();
    TermPtr head = parse_term();
    if (!head) return nullptr;
    if ((at(Tok::bar) && potential_compr) || at(Tok::rbrace) || at(Tok::comma))
      return parse_set(l, s, std::move(head), potential_compr);
    if (at(Tok::colon)) return parse_object(l, std::move(head), potential_compr);
    restore(s);
    head = parse_infix(false);
    if (!head) return nullptr;
    if (at(Tok::rbrace) || at(Tok::comma)) return parse_set(l, s, std::move(head), false);
    if (at(Tok::colon)) return parse_object(l, std::move(head), potential_compr);
    return unexpected("non-terminated set");
  }

  TermPtr parse_set(const Location& l, const State& s, TermPtr head, bool potential_compr) {
    return collection_after_head(l, s, std::move(head), potential_compr, Tok::rbrace, Term::Kind::set,
                                 Term::Kind::set_compr);
  }

  // After the first element of an array or set: the closing token, more elements, or `|` and a
  // comprehension body. Anything else is not this collection (nullptr).
  TermPtr collection_after_head(const Location& l, const State& s, TermPtr head, bool potential_compr,
                                Tok close, Term::Kind collection_kind, Term::Kind compr_kind) {
    if (at(close) || at(Tok::comma)) {
      const bool more = at(Tok::comma);
      next();
      auto coll = mk(collection_kind, l);
      coll->items.push_back(std::move(head));
      if (more) {
        if (!parse_term_list(close, coll->items)) return nullptr;
        next();
      }
      return coll;
    }
    if (at(Tok::bar))
      return comprehension_or_collection(std::move(head), l, s, potential_compr, close, compr_kind,
                                         collection_kind);
    return nullptr;
  }

  TermPtr parse_object(const Location& l, TermPtr key, bool potential_compr) {
    next();  // :
    State s = save();
    TermPtr v = parse_term();
    if (!v) return nullptr;
    bool potential_relation = true;
    if (potential_compr) {
      if (at(Tok::rbrace) || at(Tok::comma) || at(Tok::bar)) {
        if (!at(Tok::bar)) potential_relation = false;
        if (TermPtr t = parse_object_finish(l, key, std::move(v), true)) return t;
      }
    }
    restore(s);
    if (potential_relation) {
      v = parse_infix(false);
      if (!v) return nullptr;
      if (at(Tok::rbrace) || at(Tok::comma))
        return parse_object_finish(l, std::move(key), std::move(v), false);
    }
    return unexpected("non-terminated object");
  }

  TermPtr parse_object_finish(const Location& l, TermPtr key, TermPtr val, bool potential_compr) {
    if (at(Tok::rbrace)) {
      next();
      auto o = mk(Term::Kind::object, l);
      o->pairs.emplace_back(std::move(key), std::move(val));
      return o;
    }
    if (at(Tok::bar)) {
      if (!potential_compr) return unexpected("non-terminated object");
      next();
      BodyPtr body = parse_body(Tok::rbrace);
      if (!body) return nullptr;
      next();
      auto c = mk(Term::Kind::object_compr, l);
      c->key = std::move(key);
      c->compr_head = std::move(val);
      c->body = std::move(body);
      return c;
    }
    if (at(Tok::comma)) {
      next();
      auto o = mk(Term::Kind::object, l);
      o->pairs.emplace_back(std::move(key), std::move(val));
      if (!parse_pair_list(Tok::rbrace, o->pairs)) return nullptr;
      next();
      return o;
    }
    return nullptr;
  }

  // ---- bodies and literals ----

  // parseBody / parseQuery: literals separated by ';' or newlines, up to (not including) `end`.
  BodyPtr parse_body(Tok end) {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    if (at(end)) return fail("found empty body");
    auto body = std::make_shared<Body>();
    while (true) {
      auto lit = parse_literal();
      if (!lit) return nullptr;
      body->push_back(std::move(lit));
      if (at(Tok::semicolon)) {
        next();
        continue;
      }
      if (at(end)) return body;
      if (!tok().nl_before)
        return unexpected(std::string("expected \\n or ; or ") + std::string(detail::tok_name(end)));
    }
  }

  std::shared_ptr<const Literal> parse_literal() {
    const Token& start = tok();
    if (kw_ref_ahead()) {  // e.g. `not.x`, `if[0]`: a keyword heading a ref is a plain name
      force_ident_ = st_.pos;
      auto lit = parse_literal_expr(false, start);
      force_ident_ = UINT32_MAX;
      return lit;
    }
    bool negated = false;
    if (kw("not") && !ref_follows()) {
      next();
      negated = true;
      if (not_import_ && at(Tok::lbrace)) return fail("`not { ... }` bodies are not supported");
    }
    if (kw("some")) {
      if (negated) return fail("illegal negation of 'some'");
      return parse_some(start);
    }
    if (kw("every")) {
      if (negated) return fail("illegal negation of 'every'");
      return parse_every(start);
    }
    return parse_literal_expr(negated, start);
  }

  std::shared_ptr<const Literal> parse_literal_expr(bool negated, const Token& start) {
    TermPtr lhs = parse_infix(true);
    force_ident_ = UINT32_MAX;
    if (!lhs) return nullptr;
    auto lit = std::make_shared<Literal>();
    lit->kind = Literal::Kind::expr;
    lit->loc = loc(start);
    lit->negated = negated;
    if (at(Tok::assign) || at(Tok::unify)) {
      auto e = mk(at(Tok::assign) ? Term::Kind::assign : Term::Kind::unify, lhs->loc);
      next();
      TermPtr rhs = parse_infix(true);
      if (!rhs) return nullptr;
      e->lhs = std::move(lhs);
      e->rhs = std::move(rhs);
      lit->term = std::move(e);
    } else {
      lit->term = std::move(lhs);
    }
    if (kw("with") && !parse_withs(lit->withs)) return nullptr;
    return lit;
  }

  bool parse_withs(std::vector<WithModifier>& out) {
    while (kw("with")) {
      WithModifier w;
      w.loc = loc(tok());
      next();
      if (!at(Tok::word) || is_keyword(tok().text)) {
        unexpected("expected ident");
        return false;
      }
      w.target = parse_term();
      if (!w.target) return false;
      if (w.target->kind != Term::Kind::var && w.target->kind != Term::Kind::ref) {
        fail("unexpected with target: expected with target path");
        return false;
      }
      if (!kw("as")) {
        unexpected("expected as keyword");
        return false;
      }
      next();
      w.value = parse_infix(true);
      if (!w.value) return false;
      out.push_back(std::move(w));
    }
    return true;
  }

  std::shared_ptr<const Literal> parse_some(const Token& start) {
    auto lit = std::make_shared<Literal>();
    lit->loc = loc(start);
    // `some x in xs` / `some k, v in xs`
    State s = save();
    next();
    if (TermPtr t = parse_infix(true); t && t->kind == Term::Kind::membership) {
      lit->kind = Literal::Kind::some_in;
      lit->key = t->key;
      lit->value = t->lhs;
      lit->collection = t->rhs;
      if (kw("with") && !parse_withs(lit->withs)) return nullptr;
      return lit;
    }
    restore(s);
    // `some x, y`
    lit->kind = Literal::Kind::some;
    while (true) {
      next();  // `some` or ','
      if (!at(Tok::word) || is_keyword(tok().text)) return unexpected("expected var");
      lit->vars.push_back(var_term(tok())->name);
      next();
      if (!at(Tok::comma)) break;
    }
    return lit;
  }

  std::shared_ptr<const Literal> parse_every(const Token& start) {
    next();  // every
    TermPtr t = parse_infix(true);
    if (!t) return nullptr;
    if (t->kind != Term::Kind::membership) return unexpected("expected `x[, y] in xs { ... }` expression");
    if (t->key && t->key->kind != Term::Kind::var) return unexpected("expected key to be a variable");
    if (t->lhs->kind != Term::Kind::var) return unexpected("expected value to be a variable");
    if (!at(Tok::lbrace)) return unexpected("missing body");
    next();
    BodyPtr body = parse_body(Tok::rbrace);
    if (!body) return nullptr;
    next();
    auto lit = std::make_shared<Literal>();
    lit->kind = Literal::Kind::every;
    lit->loc = loc(start);
    lit->key = t->key;
    lit->value = t->lhs;
    lit->collection = t->rhs;
    lit->body = std::move(body);
    if (kw("with") && !parse_withs(lit->withs)) return nullptr;
    return lit;
  }

  // ---- statements ----

  // A path term (package / import): a var or a ref whose segments are all strings.
  bool path_of(const TermPtr& t, std::vector<std::string>& out) {
    if (t->kind == Term::Kind::var) {
      out.push_back(t->name);
      return true;
    }
    if (t->kind != Term::Kind::ref || t->head->kind != Term::Kind::var) {
      fail("unexpected " + std::string(kind_name(*t)) + " token: expecting var");
      return false;
    }
    out.push_back(t->head->name);
    for (const auto& seg : t->path) {
      if (!is_string_scalar(seg)) {
        set_error(tok(), "unexpected " + std::string(kind_name(*seg)) + " token: expecting string");
        return false;
      }
      out.push_back(seg->value.as_string());
    }
    return true;
  }

  bool parse_package(std::vector<std::string>& out) {
    next();  // package
    if (!at(Tok::word)) {
      unexpected();
      return false;
    }
    force_ident_ = st_.pos;
    TermPtr t = parse_term();
    force_ident_ = UINT32_MAX;
    if (!t) return false;
    out.clear();
    return path_of(t, out);
  }

  bool parse_import(Import& imp) {
    imp.loc = loc(tok());
    const Token& path_tok = peek();
    next();  // import
    if (!at(Tok::word)) {
      unexpected();
      return false;
    }
    // The path is read without future keywords, so `import future.keywords.in` works in any state.
    const std::uint8_t saved = kw_mask_;
    kw_mask_ = 0;
    force_ident_ = st_.pos;
    TermPtr t = parse_term();
    force_ident_ = UINT32_MAX;
    kw_mask_ = saved;
    if (!t) return false;
    if (!path_of(t, imp.path)) return false;
    const std::string& root = imp.path[0];
    if (root != "data" && root != "input" && root != "future" && root != "rego") {
      set_error(path_tok,
                "unexpected import path, must begin with one of: {data, future, input, rego}, got: " + root);
      return false;
    }
    if (kw("as")) {
      next();
      if (!at(Tok::word) || is_keyword(tok().text)) {
        unexpected("expected var");
        return false;
      }
      imp.alias = std::string(tok().text);
      if (imp.alias == "_") {  // OPA's parser accepts it (as a generated name) and nothing can use it
        unexpected("`_` cannot be used as an import alias");
        return false;
      }
      next();
    } else if (imp.path.size() == 1 || root != "future") {
      const std::string& last = imp.path.back();
      if (is_base_keyword(last) || (v1_ && future_bit(last) != 0)) {
        set_error(path_tok, "unexpected import path, must not end with a keyword, got: " + last);
        return false;
      }
    }
    if (root == "rego") {
      if (imp.path.size() != 2 || imp.path[1] != "v1") {
        set_error(path_tok, "invalid import `" + join(imp.path) + "`, must be `rego.v1`");
        return false;
      }
      if (!v1_) {
        if (!imp.alias.empty()) {
          set_error(path_tok, "`rego` imports cannot be aliased");
          return false;
        }
        rego_v1_import_ = true;
        kw_mask_ = kw_all;
      }
    } else if (root == "future") {
      if (imp.path.size() == 1 || imp.path[1] != "keywords") {
        set_error(path_tok, "invalid import, must be `future.keywords`");
        return false;
      }
      if (!imp.alias.empty()) {
        set_error(path_tok, "`future` imports cannot be aliased");
        return false;
      }
      if (imp.path.size() > 3) {  // OPA imports all keywords here; regorus rejects it, and so do we
        set_error(path_tok, "invalid import, must be `future.keywords.x`, e.g. `import future.keywords.in`");
        return false;
      }
      if (imp.path.size() == 3 && imp.path[2] == "not") {
        // OPA 1.17: changes how `not` treats composite expressions (an interpreter concern; the import
        // stays in Module::imports) and allows `not { ... }` bodies, which this parser rejects.
        not_import_ = true;
      } else if (imp.path.size() == 3) {
        std::uint8_t bit = future_bit(imp.path[2]);
        if (bit == 0) {
          set_error(path_tok, "unexpected keyword, must be one of [contains every if in not]");
          return false;
        }
        kw_mask_ |= bit;
        if (bit == kw_every) kw_mask_ |= kw_in;  // importing `every` imports `in`
      } else {
        kw_mask_ = kw_all;
      }
    }
    return true;
  }

  static std::string join(const std::vector<std::string>& p) {
    std::string s;
    for (const auto& e : p) {
      if (!s.empty()) s += '.';
      s += e;
    }
    return s;
  }

  // Splits a head ref into the rule's name path (the leading strings) and, when allowed, a key (the
  // first other segment) followed by the remaining segments (Rule::ref_tail).
  bool name_and_key(Rule& r, const Head& h, bool allow_key) {
    r.name = {h.var};
    for (std::size_t i = 0; i < h.ref.size(); ++i) {
      const TermPtr& seg = h.ref[i];
      if (is_string_scalar(seg)) {
        r.name.push_back(seg->value.as_string());
        continue;
      }
      if (!allow_key) {
        set_error(h.name_tok, "rule head ref is not supported here: its segments must be strings");
        return false;
      }
      r.key = seg;
      r.kind = Rule::Kind::partial_object;
      r.ref_tail.assign(h.ref.begin() + static_cast<std::ptrdiff_t>(i) + 1, h.ref.end());
      return true;
    }
    return true;
  }

  bool parse_head(Head& h) {
    h.name_tok = tok();
    TermPtr name = var_term(tok());
    h.var = name->name;
    next();
    switch (tok().kind) {
      case Tok::add:
      case Tok::sub:
      case Tok::mul:
      case Tok::quo:
      case Tok::rem:
      case Tok::amp:
      case Tok::bar:
      case Tok::eq:
      case Tok::neq:
      case Tok::gt:
      case Tok::gte:
      case Tok::lt:
      case Tok::lte:
        if (!tok().ws_before) {
          unexpected();
          return false;
        }
        break;
      default:
        break;
    }
    if (!(at(Tok::dot) || at(Tok::lbrack) || at(Tok::lparen))) return true;
    TermPtr t = parse_ref(name);  // whitespace before the first suffix is allowed in heads
    if (!t) return false;
    if (t->kind == Term::Kind::ref && t->head->kind == Term::Kind::var) {
      h.ref = t->path;
      return true;
    }
    if (t->kind == Term::Kind::call) {
      h.is_func = true;
      h.args = t->items;
      if (t->fn->kind == Term::Kind::var) return true;
      if (t->fn->kind == Term::Kind::ref && t->fn->head->kind == Term::Kind::var) {
        h.ref = t->fn->path;
        return true;
      }
    }
    set_error(h.name_tok, "unexpected ident token: expected rule head name");
    return false;
  }

  // No vars anywhere (comprehensions count as not ground).
  static bool is_ground(const TermPtr& t) {
    switch (t->kind) {
      case Term::Kind::scalar:
        return true;
      case Term::Kind::array:
      case Term::Kind::set:
        return std::all_of(t->items.begin(), t->items.end(), [](const TermPtr& i) { return is_ground(i); });
      case Term::Kind::object:
        return std::all_of(t->pairs.begin(), t->pairs.end(),
                           [](const auto& kv) { return is_ground(kv.first) && is_ground(kv.second); });
      default:
        return false;
    }
  }

  static bool valid_default_value(const TermPtr& t, std::string& bad) {
    switch (t->kind) {
      case Term::Kind::scalar:
      case Term::Kind::array_compr:
      case Term::Kind::set_compr:
      case Term::Kind::object_compr:
        return true;
      case Term::Kind::array:
      case Term::Kind::set:
        for (const auto& i : t->items)
          if (!valid_default_value(i, bad)) return false;
        return true;
      case Term::Kind::object:
        for (const auto& [k, v] : t->pairs)
          if (!valid_default_value(k, bad) || !valid_default_value(v, bad)) return false;
        return true;
      default:
        bad = std::string(kind_name(*t));
        return false;
    }
  }

  RulePtr parse_rule() {
    const Token& start = tok();
    auto rule = std::make_shared<Rule>();
    rule->loc = loc(start);
    RuleFacts f;
    f.loc = rule->loc;
    bool forced = kw_ref_ahead();
    if (!forced && kw("default")) {
      next();
      rule->is_default = f.is_default = true;
      forced = kw_ref_ahead();
    }
    if (!at(Tok::word) || (is_keyword(tok().text) && !forced)) return unexpected();
    Head h;
    if (!parse_head(h)) return nullptr;
    f.is_func = h.is_func;
    if (h.ref.empty()) f.single_name = h.var;

    // Head value or key.
    TermPtr value, key;
    if (kw("contains")) {
      if (h.is_func)
        return unexpected("the contains keyword can only be used with multi-value rule definitions (e.g., " +
                          h.var + " contains <VALUE> { ... })");
      next();
      key = parse_infix(true);
      if (!key) return unexpected("expected rule key term (e.g., " + h.var + " contains <VALUE> { ... })");
      f.uses_contains = true;
    } else if (at(Tok::unify) || at(Tok::assign)) {
      rule->assign = at(Tok::assign);
      next();
      value = parse_infix(true);
      if (!value) return nullptr;
    }
    bool value_true = false;  // the head has no value and means `true`
    if (!value && !key && (h.ref.size() != 1 || h.is_func)) value_true = f.generated_value = true;

    if (rule->is_default) {
      if (!value && !value_true) return fail("illegal default rule (must have a value)");
      std::string bad;
      if (value && !valid_default_value(value, bad))
        return fail("illegal default rule (value cannot contain " + bad + ")");
      std::vector<std::string> seen;
      for (const auto& a : h.args) {
        if (a->kind != Term::Kind::var)
          return fail("illegal default rule (arguments cannot contain " + std::string(kind_name(*a)) + ")");
        if (std::find(seen.begin(), seen.end(), a->name) != seen.end())
          return fail("illegal default rule (arguments cannot be repeated " + a->name + ")");
        seen.push_back(a->name);
      }
      rule->kind = h.is_func ? Rule::Kind::function : Rule::Kind::complete;
      if (!name_and_key(*rule, h, !h.is_func)) return nullptr;
      if (rule->key && !is_ground(rule->key))
        return fail("illegal default rule (head ref cannot contain variables)");
      for (const auto& seg : rule->ref_tail)
        if (!is_ground(seg)) return fail("illegal default rule (head ref cannot contain variables)");
      rule->args = h.args;
      rule->value = value;
      rule->bodies.push_back(std::make_shared<Body>());
      facts_.push_back(f);
      return rule;
    }

    f.has_if = kw("if");
    bool set_from_brackets = false;  // v0 `p[x] { ... }`: a partial set
    if (!f.has_if && !f.uses_contains && !h.is_func && h.ref.size() == 1 && !value) set_from_brackets = true;

    // Kind, name and key.
    if (f.uses_contains) {
      // The set lives at the head ref: its leading strings are the name, the rest (general ref heads)
      // goes to ref_tail.
      rule->name = {h.var};
      std::size_t i = 0;
      for (; i < h.ref.size() && is_string_scalar(h.ref[i]); ++i)
        rule->name.push_back(h.ref[i]->value.as_string());
      rule->ref_tail.assign(h.ref.begin() + static_cast<std::ptrdiff_t>(i), h.ref.end());
      rule->kind = Rule::Kind::partial_set;
      rule->key = key;
    } else if (set_from_brackets) {
      rule->name = {h.var};
      rule->kind = Rule::Kind::partial_set;
      rule->key = h.ref[0];
    } else if (h.is_func) {
      if (!name_and_key(*rule, h, false)) return nullptr;
      rule->kind = Rule::Kind::function;
      rule->args = h.args;
      rule->value = value;
    } else {
      rule->kind = Rule::Kind::complete;
      if (!name_and_key(*rule, h, true)) return nullptr;
      rule->value = value;
    }
    f.partial_set = rule->kind == Rule::Kind::partial_set;

    // Bodies.
    if (f.has_if) {
      next();
      State s = save();
      std::shared_ptr<const Literal> lit = parse_literal();
      bool set_literal = lit && lit->kind == Literal::Kind::expr && lit->term->kind == Term::Kind::set;
      if (lit && !set_literal) {
        auto body = std::make_shared<Body>();
        body->push_back(std::move(lit));
        rule->bodies.push_back(std::move(body));
      } else {
        State failed = save();
        restore(s);
        if (!at(Tok::lbrace)) {
          restore(failed);
          if (!lit) return nullptr;
          return unexpected("expected rule body");
        }
        if (!parse_braced_body(*rule)) return nullptr;
      }
    } else if (at(Tok::lbrace)) {
      if (!parse_braced_body(*rule)) return nullptr;
    } else {
      // No body: OPA reads such a statement as an expression and turns it into a rule
      // (`p = 1`, `f(x) = y`, `f(x)`, `p[x]`, `a.b.c`).
      if (h.ref.empty() && !h.is_func && value_true) {
        set_error(start, "var cannot be used for rule name");
        return nullptr;
      }
      if (h.is_func && h.args.empty() && !value)
        return fail("rule argument list must take at least one argument");
      if (kw("with")) return fail("expressions using with keyword cannot be used for rule head");
      if (at(Tok::semicolon)) return fail("multiple expressions cannot be used for rule head");
      f.generated_body = true;
      if (h.is_func && !value) f.generated_value = false;  // OPA's ParseRuleFromCallExpr
      rule->bodies.push_back(std::make_shared<Body>());
      facts_.push_back(f);
      return rule;
    }

    facts_.push_back(f);
    // else chain (only after a single body).
    if (kw("else") && !ref_follows()) {
      if (rule->kind == Rule::Kind::partial_set)
        return fail("else keyword cannot be used on multi-value rules");
      // (partial objects: only ground keys, e.g. `p[1] := 2 if { .. } else := 3`)
      if (rule->kind == Rule::Kind::partial_object &&
          (!is_ground(rule->key) || !std::all_of(rule->ref_tail.begin(), rule->ref_tail.end(),
                                                 [](const TermPtr& t) { return is_ground(t); })))
        return fail("else keyword cannot be used on rules with variables in head");
      rule->else_rule = parse_else(*rule, f.single_name);
      if (!rule->else_rule) return nullptr;
    }
    // More bodies: `p { a } { b }`.
    while (at(Tok::lbrace)) {
      if (rule->else_rule) return unexpected("expected else keyword");
      if (!parse_braced_body(*rule)) return nullptr;
    }
    return rule;
  }

  bool parse_braced_body(Rule& r) {
    next();  // {
    BodyPtr body = parse_body(Tok::rbrace);
    if (!body) return false;
    next();  // }
    r.bodies.push_back(std::move(body));
    return true;
  }

  RulePtr parse_else(const Rule& parent, const std::string& single_name) {
    DepthGuard g(*this);
    if (!g.ok()) return nullptr;
    auto r = std::make_shared<Rule>();
    r->loc = loc(tok());
    r->kind = parent.kind;
    r->name = parent.name;
    r->args = parent.args;
    RuleFacts f;
    f.loc = r->loc;
    f.single_name = single_name;
    f.is_func = parent.kind == Rule::Kind::function;
    next();  // else
    if (at(Tok::lbrace) || kw("if")) {
      f.generated_value = true;
    } else if (at(Tok::assign) || at(Tok::unify)) {
      r->assign = at(Tok::assign);
      next();
      r->value = parse_infix(true);
      if (!r->value) return nullptr;
    } else {
      return unexpected("expected else value term or rule body");
    }
    f.has_if = kw("if");
    f.generated_body = !f.has_if && !at(Tok::lbrace);
    facts_.push_back(f);
    if (f.generated_body) {
      r->bodies.push_back(std::make_shared<Body>());
      return r;
    }
    if (f.has_if) next();
    if (at(Tok::lbrace)) {
      if (!parse_braced_body(*r)) return nullptr;
    } else if (!at(Tok::eof)) {
      auto lit = parse_literal();
      if (!lit) return nullptr;
      auto body = std::make_shared<Body>();
      body->push_back(std::move(lit));
      r->bodies.push_back(std::move(body));
    } else {
      return unexpected("rule body expected");
    }
    if (kw("else") && !ref_follows()) {
      r->else_rule = parse_else(parent, single_name);
      if (!r->else_rule) return nullptr;
    }
    return r;
  }

  // OPA's checkRegoV1Rule.
  std::optional<Error> check_v1(const RuleFacts& f) const {
    auto err = [&](const std::string& what) {
      return detail::parse_error(f.loc.file, f.loc.line, f.loc.col, what);
    };
    const char* t = f.is_func ? "function" : "rule";
    if (!f.single_name.empty() && (is_base_keyword(f.single_name) || future_bit(f.single_name) != 0))
      return err(f.single_name + " keyword cannot be used for rule name");
    if (f.generated_body && f.generated_value)
      return err(std::string(t) + " must have value assignment and/or body declaration");
    if (!f.generated_body && !f.has_if && !f.is_default)
      return err(std::string("`if` keyword is required before ") + t + " body");
    if (f.partial_set && !f.uses_contains) return err("`contains` keyword is required for partial set rules");
    return std::nullopt;
  }

  std::string file_;
  std::vector<Token> toks_;
  bool v1_;
  bool rego_v1_import_ = false;
  bool not_import_ = false;
  std::uint8_t kw_mask_ = 0;
  State st_;
  int depth_ = 0;
  bool fatal_ = false;
  std::optional<Error> fatal_err_;
  std::int64_t fuel_;
  std::uint32_t force_ident_ = UINT32_MAX;
  std::unordered_map<std::uint32_t, CacheEntry> cache_;
  std::vector<RuleFacts> facts_;
};

}  // namespace

Result<ModulePtr> parse_module(std::string_view file, std::string_view text, const ParseOptions& options) {
  auto toks = detail::lex(file, text);
  if (!toks) return toks.error();
  return Parser(std::string(file), std::move(toks).value(), options.dialect).module();
}

Result<BodyPtr> parse_query(std::string_view text, const ParseOptions& options) {
  // Queries have no file name; locations and errors name them "query".
  auto toks = detail::lex("query", text);
  if (!toks) return toks.error();
  return Parser("query", std::move(toks).value(), options.dialect).query();
}

}  // namespace coco::rego
