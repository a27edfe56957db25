// The Rego lexer and parser: the AST shape of each construct (checked through a compact S-expression
// rendering), OPA's operator precedence, v0/v1 dialect rules, locations and error messages, robustness
// against hostile input, and corpus tests: every module of the OPA conformance cases, every regorus
// parser case's pass/fail outcome, and every real policy in ../shared/rego-corpus parse.
#include "rego/parser.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "../src/lexer.h"
#include "core/test_support.h"

using namespace coco::rego;
namespace fs = std::filesystem;

namespace {

std::string show(const TermPtr& t);
std::string show(const Literal& l);

std::string show_body(const BodyPtr& b) {
  std::string s;
  for (const auto& l : *b) {
    if (!s.empty()) s += "; ";
    s += show(*l);
  }
  return s;
}

std::string join(const std::vector<TermPtr>& ts) {
  std::string s;
  for (const auto& t : ts) {
    if (!s.empty()) s += ", ";
    s += show(t);
  }
  return s;
}

// Compact rendering of a term: scalars in term form, `(op a b)` for operators, `ref(head, seg...)`,
// `call(fn, args...)`, composites in Rego syntax.
std::string show(const TermPtr& t) {
  if (!t) return "<null>";
  switch (t->kind) {
    case Term::Kind::scalar:
      return t->value.to_term_string();
    case Term::Kind::var:
      return t->name;
    case Term::Kind::ref: {
      std::string s = "ref(" + show(t->head);
      for (const auto& p : t->path) s += ", " + show(p);
      return s + ")";
    }
    case Term::Kind::array:
      return "[" + join(t->items) + "]";
    case Term::Kind::set:
      return t->items.empty() ? "set()" : "{" + join(t->items) + "}";
    case Term::Kind::object: {
      std::string s;
      for (const auto& [k, v] : t->pairs) s += (s.empty() ? "" : ", ") + show(k) + ": " + show(v);
      return "{" + s + "}";
    }
    case Term::Kind::array_compr:
      return "[" + show(t->compr_head) + " | " + show_body(t->body) + "]";
    case Term::Kind::set_compr:
      return "{" + show(t->compr_head) + " | " + show_body(t->body) + "}";
    case Term::Kind::object_compr:
      return "{" + show(t->key) + ": " + show(t->compr_head) + " | " + show_body(t->body) + "}";
    case Term::Kind::call: {
      std::string s = "call(" + show(t->fn);
      for (const auto& a : t->items) s += ", " + show(a);
      return s + ")";
    }
    case Term::Kind::binary:
      return "(" + t->op + " " + show(t->lhs) + " " + show(t->rhs) + ")";
    case Term::Kind::unary_minus:
      return "(neg " + show(t->lhs) + ")";
    case Term::Kind::membership:
      return "(in " + (t->key ? show(t->key) + " " : "") + show(t->lhs) + " " + show(t->rhs) + ")";
    case Term::Kind::assign:
      return "(:= " + show(t->lhs) + " " + show(t->rhs) + ")";
    case Term::Kind::unify:
      return "(= " + show(t->lhs) + " " + show(t->rhs) + ")";
  }
  return "?";
}

std::string show(const Literal& l) {
  std::string s = l.negated ? "not " : "";
  switch (l.kind) {
    case Literal::Kind::expr:
      s += show(l.term);
      break;
    case Literal::Kind::some:
      s += "some ";
      for (std::size_t i = 0; i < l.vars.size(); ++i) s += (i ? ", " : "") + l.vars[i];
      break;
    case Literal::Kind::some_in:
      s += "some " + (l.key ? show(l.key) + ", " : "") + show(l.value) + " in " + show(l.collection);
      break;
    case Literal::Kind::every:
      s += "every " + (l.key ? show(l.key) + ", " : "") + show(l.value) + " in " + show(l.collection) +
           " { " + show_body(l.body) + " }";
      break;
  }
  for (const auto& w : l.withs) s += " with " + show(w.target) + " as " + show(w.value);
  return s;
}

std::string name_of(const Rule& r) {
  std::string s;
  for (const auto& n : r.name) s += (s.empty() ? "" : ".") + n;
  return s;
}

ModulePtr parse_ok(const std::string& text, Dialect d = Dialect::v1) {
  auto r = parse_module("t.rego", text, {d});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n" << text;
  return r.ok() ? *r : nullptr;
}

// The error message, or "" when the text parses.
std::string parse_err(const std::string& text, Dialect d = Dialect::v1) {
  auto r = parse_module("t.rego", text, {d});
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "rego.rego_parse_error");
  return r.error().message;
}

// The one rule of `package t\n<rule>`.
RulePtr rule_of(const std::string& rule, Dialect d = Dialect::v1) {
  auto m = parse_ok("package t\n" + rule + "\n", d);
  if (!m) return nullptr;
  EXPECT_EQ(m->rules.size(), 1u) << rule;
  return m->rules.empty() ? nullptr : m->rules[0];
}

// The query as "lit; lit; ...".
std::string q(const std::string& text, Dialect d = Dialect::v1) {
  auto r = parse_query(text, {d});
  if (!r.ok()) return "ERROR " + r.error().message;
  return show_body(*r);
}

// The single expression of a query.
std::string expr(const std::string& text) {
  return q(text);
}

}  // namespace

// ---- lexer ----

TEST(RegoLexer, TokensAndWhitespaceFlags) {
  auto toks = detail::lex("f", "a.b[1]\n  x := \"s\" # c\n`r`");
  ASSERT_TRUE(toks.ok());
  std::vector<detail::Tok> kinds;
  for (const auto& t : *toks) kinds.push_back(t.kind);
  using detail::Tok;
  EXPECT_EQ(kinds, (std::vector<Tok>{Tok::word, Tok::dot, Tok::word, Tok::lbrack, Tok::number, Tok::rbrack,
                                     Tok::word, Tok::assign, Tok::string, Tok::raw_string, Tok::eof}));
  EXPECT_FALSE((*toks)[1].ws_before);
  EXPECT_TRUE((*toks)[6].nl_before);
  EXPECT_EQ((*toks)[6].line, 2);
  EXPECT_EQ((*toks)[6].col, 3);
  EXPECT_TRUE((*toks)[9].nl_before);  // the newline ends the comment
  EXPECT_EQ((*toks)[8].str, "s");
  EXPECT_EQ((*toks)[9].str, "r");
}

TEST(RegoLexer, StringEscapes) {
  std::string out;
  ASSERT_TRUE(detail::decode_string(R"(\"\\\/\b\f\n\r\t)", out));
  EXPECT_EQ(out, "\"\\/\b\f\n\r\t");
  ASSERT_TRUE(detail::decode_string(R"(\u0060\u012a\u12AB)", out));
  EXPECT_EQ(out, "`\xC4\xAA\xE1\x8A\xAB");
  ASSERT_TRUE(detail::decode_string(R"(\uD801\udc37\ud83d\ude39)", out));  // surrogate pairs
  EXPECT_EQ(out, "\xF0\x90\x90\xB7\xF0\x9F\x98\xB9");
  ASSERT_TRUE(detail::decode_string(R"(\uD805x)", out));  // a lone surrogate becomes U+FFFD, as in Go
  EXPECT_EQ(out, "\xEF\xBF\xBDx");
  ASSERT_TRUE(detail::decode_string(R"(\u0000 a)", out));
  EXPECT_EQ(out, std::string("\0 a", 3));
  EXPECT_FALSE(detail::decode_string(R"(\u12)", out));
  EXPECT_FALSE(detail::decode_string(R"(\uZZZZ)", out));
  EXPECT_FALSE(detail::decode_string("\\n\t", out));  // raw control characters beside escapes
}

TEST(RegoLexer, Errors) {
  auto msg = [](const std::string& text) {
    auto r = detail::lex("f.rego", text);
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_EQ(msg("x := \"abc"), "f.rego:1:6: rego_parse_error: non-terminated string");
  EXPECT_EQ(msg("x := \"a\nb\""), "f.rego:1:6: rego_parse_error: non-terminated string");
  EXPECT_EQ(msg("x := `abc"), "f.rego:1:6: rego_parse_error: non-terminated string");
  EXPECT_NE(msg(R"(x := "\q")"), "");
  EXPECT_EQ(msg("x := 1."), "f.rego:1:8: rego_parse_error: expected fraction");
  EXPECT_EQ(msg("x := 1e"), "f.rego:1:8: rego_parse_error: expected exponent");
  EXPECT_EQ(msg("x := 12ab"), "f.rego:1:6: rego_parse_error: illegal number format");
  EXPECT_EQ(msg("a ! b"), "f.rego:1:3: rego_parse_error: illegal ! character");
  EXPECT_EQ(msg("a\n ~"), "f.rego:2:2: rego_parse_error: illegal token");
  EXPECT_EQ(msg(std::string("a\0b", 3)), "f.rego:1:2: rego_parse_error: illegal null character");
  EXPECT_EQ(msg("a \xff"), "f.rego:1:3: rego_parse_error: illegal utf-8 character");
  EXPECT_EQ(msg("a \xEF\xBB\xBF"), "f.rego:1:3: rego_parse_error: illegal byte-order mark");
  EXPECT_EQ(msg("\xEF\xBB\xBFpackage p"), "");                              // a leading BOM is skipped
  EXPECT_EQ(msg(std::string("package p\n\0\0", 12)), "");                   // trailing NULs end the input
  EXPECT_EQ(msg("x := \"\xCF\x80 \xE2\x82\xAC\" # \xF0\x9D\x84\x9E"), "");  // UTF-8 in strings, comments
}

// ---- package, import ----

TEST(RegoParser, Package) {
  auto m = parse_ok("package a.b[\"c-d\"].e\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->package, (std::vector<std::string>{"a", "b", "c-d", "e"}));
  m = parse_ok("# comment\npackage agent_policy");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->package, std::vector<std::string>{"agent_policy"});
  EXPECT_EQ(m->loc.line, 2);
  EXPECT_TRUE(m->rules.empty());
  EXPECT_NE(parse_err("package a[x]"), "");
  EXPECT_NE(parse_err("package \"a\""), "");
  EXPECT_NE(parse_err("p := 1"), "");  // package expected
  EXPECT_EQ(parse_err(""), "t.rego:1:1: rego_parse_error: empty module");
  EXPECT_EQ(parse_err("# only a comment\n"), "t.rego:1:1: rego_parse_error: empty module");
  EXPECT_EQ(parse_err("package a\npackage b"), "t.rego:2:1: rego_parse_error: unexpected package");
}

TEST(RegoParser, Imports) {
  auto m = parse_ok(
      "package t\nimport data.lib.x\nimport input.y as z\nimport future.keywords.in\nimport rego.v1\n"
      "import data[\"a-b\"].c\nimport input\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->imports.size(), 6u);
  EXPECT_EQ(m->imports[0].path, (std::vector<std::string>{"data", "lib", "x"}));
  EXPECT_EQ(m->imports[0].alias, "");
  EXPECT_EQ(m->imports[1].path, (std::vector<std::string>{"input", "y"}));
  EXPECT_EQ(m->imports[1].alias, "z");
  EXPECT_EQ(m->imports[2].path, (std::vector<std::string>{"future", "keywords", "in"}));
  EXPECT_EQ(m->imports[3].path, (std::vector<std::string>{"rego", "v1"}));
  EXPECT_EQ(m->imports[4].path, (std::vector<std::string>{"data", "a-b", "c"}));
  EXPECT_EQ(m->imports[5].path, std::vector<std::string>{"input"});
  EXPECT_EQ(m->imports[1].loc.line, 3);
  EXPECT_EQ(m->imports[1].loc.col, 1);

  EXPECT_NE(parse_err("package t\nimport foo.bar"), "");
  EXPECT_NE(parse_err("package t\nimport future.keywords.foo"), "");
  EXPECT_NE(parse_err("package t\nimport future.keywords.in.x"), "");
  EXPECT_NE(parse_err("package t\nimport future.stuff"), "");
  EXPECT_NE(parse_err("package t\nimport future.keywords as k"), "");
  EXPECT_NE(parse_err("package t\nimport rego.v2"), "");
  EXPECT_NE(parse_err("package t\nimport rego.v1 as r", Dialect::v0), "");
  EXPECT_NE(parse_err("package t\nimport data.x[1]"), "");
  EXPECT_NE(parse_err("package t\nimport data.x as _"), "");
  EXPECT_NE(parse_err("package t\nimport data.foo.not"), "");  // may not end with a keyword
  EXPECT_EQ(parse_err("package t\nimport data.foo.not as n"), "");
  EXPECT_EQ(parse_err("package t\nimport future.keywords.not\np if { not q }\nq := 1"), "");
}

// ---- rules ----

TEST(RegoParser, DefaultRules) {
  auto r = rule_of("default p := false");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_default);
  EXPECT_TRUE(r->assign);
  EXPECT_EQ(r->kind, Rule::Kind::complete);
  EXPECT_EQ(name_of(*r), "p");
  EXPECT_EQ(show(r->value), "false");
  ASSERT_EQ(r->bodies.size(), 1u);
  EXPECT_TRUE(r->bodies[0]->empty());

  r = rule_of("default allow = {\"a\": [1, {2}], \"b\": [x | x := 1]}", Dialect::v0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->assign);
  EXPECT_EQ(show(r->value), "{\"a\": [1, {2}], \"b\": [x | (:= x 1)]}");

  r = rule_of("default f(_, y) := 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::function);
  EXPECT_EQ(join(r->args), "$_0, y");

  r = rule_of("default a.b[\"c\"] := 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(name_of(*r), "a.b.c");

  r = rule_of("default p");  // OPA: a default rule without a value is `true`
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, nullptr);

  EXPECT_NE(parse_err("package t\ndefault p := x"), "");
  EXPECT_NE(parse_err("package t\ndefault p := input.x"), "");
  EXPECT_NE(parse_err("package t\ndefault p := count([])"), "");
  EXPECT_NE(parse_err("package t\ndefault p := 1 + 2"), "");
  EXPECT_NE(parse_err("package t\ndefault p := -x"), "");
  EXPECT_NE(parse_err("package t\ndefault p[x] := 1"), "");
  EXPECT_NE(parse_err("package t\ndefault f(x, x) := 1"), "");
  EXPECT_NE(parse_err("package t\ndefault f([x]) := 1"), "");
  EXPECT_NE(parse_err("package t\ndefault p := 1 if { true }"), "");
}

TEST(RegoParser, CompleteRules) {
  auto r = rule_of("p := 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::complete);
  EXPECT_TRUE(r->assign);
  EXPECT_EQ(show(r->value), "1");
  ASSERT_EQ(r->bodies.size(), 1u);
  EXPECT_TRUE(r->bodies[0]->empty());

  r = rule_of("p = [1, 2]");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->assign);

  r = rule_of("p if input.x > 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, nullptr);
  ASSERT_EQ(r->bodies.size(), 1u);
  EXPECT_EQ(show_body(r->bodies[0]), "(> ref(input, \"x\") 1)");

  r = rule_of("p := y if {\n  x := 1\n  y := x + 1; z := 3\n}");
  ASSERT_TRUE(r);
  EXPECT_EQ(show(r->value), "y");
  EXPECT_EQ(show_body(r->bodies[0]), "(:= x 1); (:= y (+ x 1)); (:= z 3)");

  r = rule_of("p { a } { b }", Dialect::v0);  // v0: several bodies
  ASSERT_TRUE(r);
  ASSERT_EQ(r->bodies.size(), 2u);
  EXPECT_EQ(show_body(r->bodies[1]), "b");

  r = rule_of("p if { a } { b }");  // OPA takes extra bodies after `if { }` in v1 too
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bodies.size(), 2u);

  r = rule_of("p := 7 { true }", Dialect::v0);
  ASSERT_TRUE(r);
  EXPECT_EQ(show(r->value), "7");

  // `p if { x }` is a body, not a set literal; `p if {}` is the (truthy) empty object.
  r = rule_of("p if { x }");
  ASSERT_TRUE(r);
  EXPECT_EQ(show_body(r->bodies[0]), "x");
  r = rule_of("p if {\"a\": 1}");
  ASSERT_TRUE(r);
  EXPECT_EQ(show_body(r->bodies[0]), "{\"a\": 1}");

  EXPECT_NE(parse_err("package t\np"), "");      // var cannot be used for rule name
  EXPECT_NE(parse_err("package t\np { }"), "");  // empty body
  EXPECT_NE(parse_err("package t\np if { a b }"), "");
  EXPECT_NE(parse_err("package t\np := 1 with input as 2"), "");
  EXPECT_NE(parse_err("package t\np := 1; q := 2"), "");
  EXPECT_NE(parse_err("package t\np + 1"), "");
  EXPECT_NE(parse_err("package t\n1 = p"), "");
}

TEST(RegoParser, ElseChains) {
  auto r = rule_of("p := 1 if { a } else := 2 if { b } else := 3");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->else_rule);
  EXPECT_EQ(show(r->else_rule->value), "2");
  EXPECT_TRUE(r->else_rule->assign);
  EXPECT_EQ(show_body(r->else_rule->bodies[0]), "b");
  ASSERT_TRUE(r->else_rule->else_rule);
  EXPECT_EQ(show(r->else_rule->else_rule->value), "3");
  EXPECT_TRUE(r->else_rule->else_rule->bodies[0]->empty());
  EXPECT_EQ(r->else_rule->loc.col, 17);

  r = rule_of("p = 1 {\n a\n} else = 2 {\n b\n} else {\n c\n}", Dialect::v0);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->else_rule && r->else_rule->else_rule);
  EXPECT_FALSE(r->else_rule->assign);
  EXPECT_EQ(r->else_rule->else_rule->value, nullptr);  // `else { }`: true
  EXPECT_EQ(r->else_rule->loc.line, 4);

  r = rule_of("f(x) := 1 if x > 0 else := 2 if x < 0 else := 0");  // single-literal bodies
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::function);
  ASSERT_TRUE(r->else_rule);
  EXPECT_EQ(r->else_rule->kind, Rule::Kind::function);
  EXPECT_EQ(show_body(r->else_rule->bodies[0]), "(< x 0)");

  EXPECT_NE(parse_err("package t\np contains x if { x := 1 } else := 2"), "");
  EXPECT_NE(parse_err("package t\np[x] := 1 if { x := 1 } else := 2"), "");
  EXPECT_NE(parse_err("package t\np := 1 if { a } else"), "");
  EXPECT_NE(parse_err("package t\np := 1 if { a } else := 2 { b }"), "");  // v1: `if` required
  EXPECT_NE(parse_err("package t\np := 1 if { a } else := 2 if { b } { c }"), "");
}

TEST(RegoParser, Functions) {
  auto r = rule_of("f(x, y) := z if {\n  z := x + y\n}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::function);
  EXPECT_EQ(name_of(*r), "f");
  EXPECT_EQ(join(r->args), "x, y");
  EXPECT_EQ(show(r->value), "z");
  EXPECT_TRUE(r->assign);

  r = rule_of("f(x) = y {\n  y := x\n}", Dialect::v0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->assign);

  r = rule_of("f(x) if { x }");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, nullptr);

  r = rule_of("f([a, _], {\"k\": v}, 1, \"s\", _) := a");  // patterns as parameters
  ASSERT_TRUE(r);
  EXPECT_EQ(join(r->args), "[a, $_0], {\"k\": v}, 1, \"s\", $_1");

  r = rule_of("lib.util.f(x) := x");
  ASSERT_TRUE(r);
  EXPECT_EQ(name_of(*r), "lib.util.f");
  EXPECT_EQ(r->kind, Rule::Kind::function);

  r = rule_of("f(x)");  // OPA reads a bare call as a function returning true
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::function);

  r = rule_of("contains(a, b) = true { true }", Dialect::v0);  // not a keyword in v0
  ASSERT_TRUE(r);
  EXPECT_EQ(name_of(*r), "contains");
  EXPECT_NE(parse_err("package t\ncontains(a, b) := true"), "");  // but it is one in v1

  EXPECT_NE(parse_err("package t\nf(x) contains y"), "");
  EXPECT_NE(parse_err("package t\nf()"), "");
}

TEST(RegoParser, PartialSetRules) {
  auto r = rule_of("p contains x if {\n  some x in input.xs\n}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_set);
  EXPECT_EQ(name_of(*r), "p");
  EXPECT_EQ(show(r->key), "x");
  EXPECT_EQ(r->value, nullptr);
  EXPECT_EQ(show_body(r->bodies[0]), "some x in ref(input, \"xs\")");

  r = rule_of("p[x] {\n  x := 1\n}", Dialect::v0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_set);
  EXPECT_EQ(show(r->key), "x");

  r = rule_of("p contains \"a\"");  // no body
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_set);
  EXPECT_EQ(show(r->key), "\"a\"");
  ASSERT_EQ(r->bodies.size(), 1u);
  EXPECT_TRUE(r->bodies[0]->empty());

  r = rule_of("a.b contains x if { x := 1 }");
  ASSERT_TRUE(r);
  EXPECT_EQ(name_of(*r), "a.b");

  r = rule_of("p[x]", Dialect::v0);  // v0: a bare `p[x]` adds x to the set p
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_set);

  r = rule_of("q[x][y] contains 1 if { x := 1; y := 2 }");  // general ref head
  ASSERT_TRUE(r);
  EXPECT_EQ(name_of(*r), "q");
  EXPECT_EQ(show(r->key), "1");
  EXPECT_EQ(join(r->ref_tail), "x, y");
}

TEST(RegoParser, PartialObjectAndRefHeadRules) {
  auto r = rule_of("p[k] := v if {\n  some k, v in input\n}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_EQ(name_of(*r), "p");
  EXPECT_EQ(show(r->key), "k");
  EXPECT_EQ(show(r->value), "v");
  EXPECT_TRUE(r->ref_tail.empty());
  EXPECT_EQ(show_body(r->bodies[0]), "some k, v in input");

  r = rule_of("p[k] = v { k := 1; v := 2 }", Dialect::v0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_FALSE(r->assign);

  r = rule_of("p[x] if { x := 1 }");  // v1: an object rule p[x] = true
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_EQ(r->value, nullptr);

  r = rule_of("a.b.c := 1");  // v1 ref heads
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::complete);
  EXPECT_EQ(r->name, (std::vector<std::string>{"a", "b", "c"}));

  r = rule_of("a.b[x] := y if { x := 1; y := 2 }");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_EQ(r->name, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(show(r->key), "x");

  r = rule_of("p[\"a-b\"].c := 1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::complete);
  EXPECT_EQ(name_of(*r), "p.a-b.c");

  r = rule_of("a[x].b[y] := 1 if { x := 1; y := 2 }");  // general ref head
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_EQ(name_of(*r), "a");
  EXPECT_EQ(show(r->key), "x");
  EXPECT_EQ(join(r->ref_tail), "\"b\", y");

  r = rule_of("p[1] := 2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::partial_object);
  EXPECT_EQ(show(r->key), "1");

  r = rule_of("a.b.c", Dialect::v0);  // v0: a bare dotted ref is a rule with value true
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Rule::Kind::complete);
  EXPECT_EQ(name_of(*r), "a.b.c");
}

TEST(RegoParser, DialectRules) {
  // v1 requires `if` and `contains`.
  EXPECT_EQ(parse_err("package t\np { true }"),
            "t.rego:2:1: rego_parse_error: `if` keyword is required before rule body");
  EXPECT_EQ(parse_err("package t\nf(x) = 1 { true }"),
            "t.rego:2:1: rego_parse_error: `if` keyword is required before function body");
  EXPECT_EQ(parse_err("package t\np[x] if { x := 1 }\nq[x] { x := 1 }"),
            "t.rego:3:1: rego_parse_error: `if` keyword is required before rule body");
  EXPECT_EQ(parse_err("package t\np[x]"),
            "t.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules");
  EXPECT_EQ(parse_err("package t\na.b.c"),
            "t.rego:2:1: rego_parse_error: rule must have value assignment and/or body declaration");
  EXPECT_EQ(parse_err("package t\np := 1 if { a } else := 2 { b }"),
            "t.rego:2:17: rego_parse_error: `if` keyword is required before rule body");

  // v0: `if`, `contains`, `in`, `every` are plain names unless imported.
  EXPECT_NE(parse_err("package t\np if { true }", Dialect::v0), "");
  EXPECT_NE(parse_err("package t\np { x in [1] }", Dialect::v0), "");
  EXPECT_EQ(parse_err("package t\nin := 1\nevery := 2\nif := 3\np { x := every }", Dialect::v0), "");
  EXPECT_EQ(parse_err("package t\nimport future.keywords.if\np if { true }\nq { true }", Dialect::v0), "");
  EXPECT_EQ(parse_err("package t\nimport future.keywords.in\np { 1 in [1] }", Dialect::v0), "");
  EXPECT_EQ(
      parse_err("package t\nimport future.keywords.every\np { every x in [1] { x in [1] } }", Dialect::v0),
      "");  // `every` brings `in`
  EXPECT_EQ(parse_err("package t\nimport future.keywords\np contains 1 if { true }", Dialect::v0), "");
  EXPECT_NE(parse_err("package t\nimport future.keywords.in\np if { true }", Dialect::v0), "");

  auto m = parse_ok("package t\np { true }", Dialect::v0);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->rego_v1);
  m = parse_ok("package t\nimport future.keywords.if\np if { true }", Dialect::v0);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->rego_v1);
  m = parse_ok("package t\np if { true }");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->rego_v1);

  // v0 + `import rego.v1` is v1.
  m = parse_ok("package t\nimport rego.v1\np contains x if { some x in [1] }", Dialect::v0);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->rego_v1);
  EXPECT_NE(parse_err("package t\nimport rego.v1\np { true }", Dialect::v0), "");
  EXPECT_NE(parse_err("package t\nimport rego.v1\np[x] if { x := 1 }\nq[x] { x := 1 }", Dialect::v0), "");

  // `contains` is only special in rule heads.
  auto r = rule_of("p if contains(\"abc\", \"b\")");
  ASSERT_TRUE(r);
  EXPECT_EQ(show_body(r->bodies[0]), "call(contains, \"abc\", \"b\")");
  EXPECT_NE(parse_err("package t\nin := 1"), "");
  EXPECT_NE(parse_err("package t\nif := 1"), "");
}

// ---- bodies and literals ----

TEST(RegoParser, Literals) {
  EXPECT_EQ(q("not input.x"), "not ref(input, \"x\")");
  EXPECT_EQ(q("not f(x)"), "not call(f, x)");
  EXPECT_EQ(q("some x, y"), "some x, y");
  EXPECT_EQ(q("some x in xs"), "some x in xs");
  EXPECT_EQ(q("some k, v in {\"a\": 1}"), "some k, v in {\"a\": 1}");
  EXPECT_EQ(q("some _, s in input"), "some $_0, s in input");
  EXPECT_EQ(q("some [a, b] in xs"), "some [a, b] in xs");
  EXPECT_EQ(q("every x in xs { x > 0 }"), "every x in xs { (> x 0) }");
  EXPECT_EQ(q("every k, v in obj { k == v\n  v != 1 }"), "every k, v in obj { (== k v); (!= v 1) }");
  EXPECT_EQ(q("every _, submod in input.submods { submod }"),
            "every $_0, submod in ref(input, \"submods\") { submod }");
  EXPECT_EQ(q("x with input as {} with data.a.b as 1"),
            "x with input as {} with ref(data, \"a\", \"b\") as 1");
  EXPECT_EQ(q("not p with input.x as 1"), "not p with ref(input, \"x\") as 1");
  EXPECT_EQ(q("count(x) with count as mock"), "call(count, x) with count as mock");
  EXPECT_EQ(q("every x in xs { x } with input as 1"), "every x in xs { x } with input as 1");
  EXPECT_EQ(q("some x in xs with input as 1"), "some x in xs with input as 1");
  EXPECT_EQ(q("x := 1; y = 2\nz"), "(:= x 1); (= y 2); z");
  EXPECT_EQ(q("[a, b] := [1, 2]"), "(:= [a, b] [1, 2])");

  EXPECT_EQ(q("not some x").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("not every x in y { x }").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("every [x] in y { x }").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("every x in y").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("every x { x }").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("some 5").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("x with 1 as 2").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("x with f(1) as 2").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("x with y 2").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("x = y = z").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("not not x").rfind("ERROR", 0), 0u);

  // Body separators inside rules.
  EXPECT_NE(parse_err("package t\np if { a b }"), "");
  EXPECT_NE(parse_err("package t\np if { a; }"), "");  // as in OPA, ';' must be followed by a literal
  EXPECT_EQ(parse_err("package t\np if { a;b\n c # comment\n d }"), "");
}

TEST(RegoParser, Precedence) {
  // OPA (v1/ast/parser.go): in < relations < | < & < + - < * / %, all left-associative.
  EXPECT_EQ(expr("a | b & c"), "(| a (& b c))");
  EXPECT_EQ(expr("a & b | c"), "(| (& a b) c)");
  EXPECT_EQ(expr("x = {1, 2, 3} | {2} & {4}"), "(= x (| {1, 2, 3} (& {2} {4})))");
  EXPECT_EQ(expr("a == b | c"), "(== a (| b c))");
  EXPECT_EQ(expr("a | b == c & d"), "(== (| a b) (& c d))");
  EXPECT_EQ(expr("1 + 2 * 3 - 4 / 2 % 3"), "(- (+ 1 (* 2 3)) (% (/ 4 2) 3))");
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("a & b + c"), "(& a (+ b c))");
  EXPECT_EQ(expr("a < b == c"), "(== (< a b) c)");
  EXPECT_EQ(expr("a != b >= c <= d"), "(<= (>= (!= a b) c) d)");
  EXPECT_EQ(expr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
  EXPECT_EQ(expr("x := count(s) - 4 > 0"), "(:= x (> (- call(count, s) 4) 0))");
  EXPECT_EQ(expr("x in xs == true"), "(in x (== xs true))");
  EXPECT_EQ(expr("a + b in c | d"), "(in (+ a b) (| c d))");
  EXPECT_EQ(expr("a in b in c"), "(in (in a b) c)");
  EXPECT_EQ(expr("k, v in xs"), "(in k v xs)");
  EXPECT_EQ(expr("x = 0, 5 in [5]"), "(= x (in 0 5 [5]))");
  EXPECT_EQ(expr("y = 0, 5 in c in d"), "(= y (in (in 0 5 c) d))");
  EXPECT_EQ(expr("[k, v in xs]"), "[k, (in v xs)]");
  EXPECT_EQ(expr("f(k, v in xs)"), "call(f, k, (in v xs))");
  EXPECT_EQ(expr("x[k, v in xs]"), "ref(x, (in k v xs))");
  EXPECT_EQ(expr("x := y in z"), "(:= x (in y z))");
  EXPECT_EQ(expr("not x in {1}"), "not (in x {1})");
  // Minus: a number literal right after '-', unary minus before anything else.
  EXPECT_EQ(expr("-1"), "-1");
  EXPECT_EQ(expr("- 1.5"), "-1.5");
  EXPECT_EQ(expr("x - 1"), "(- x 1)");
  EXPECT_EQ(expr("x-1"), "(- x 1)");
  EXPECT_EQ(expr("x - -1"), "(- x -1)");
  EXPECT_EQ(expr("3 * -2"), "(* 3 -2)");
  EXPECT_EQ(expr("[-1, - 2, 1 -1]"), "[-1, -2, (- 1 1)]");
  EXPECT_EQ(expr("-x"), "(neg x)");
  EXPECT_EQ(expr("-x.y + 1"), "(+ (neg ref(x, \"y\")) 1)");
  EXPECT_EQ(expr("a - (b + -c) * (-d / 2)"), "(- a (* (+ b (neg c)) (/ (neg d) 2)))");
  EXPECT_EQ(expr(".5 + -.25"), "(+ 0.5 -0.25)");
}

TEST(RegoParser, RefsAndCalls) {
  EXPECT_EQ(expr("input.a.b"), "ref(input, \"a\", \"b\")");
  EXPECT_EQ(expr("input[\"a-b\"][0]"), "ref(input, \"a-b\", 0)");
  EXPECT_EQ(expr("data[\"resource-path\"][1]"), "ref(data, \"resource-path\", 1)");
  EXPECT_EQ(expr("input"), "input");
  EXPECT_EQ(expr("x[_] = y[_]"), "(= ref(x, $_0) ref(y, $_1))");
  EXPECT_EQ(expr("x[y.z[0]]"), "ref(x, ref(y, \"z\", 0))");
  EXPECT_EQ(expr("regex.match(\"a\", x)"), "call(ref(regex, \"match\"), \"a\", x)");
  EXPECT_EQ(expr("io.jwt.decode(t)"), "call(ref(io, \"jwt\", \"decode\"), t)");
  EXPECT_EQ(expr("f(x)[0].y"), "ref(call(f, x), 0, \"y\")");
  EXPECT_EQ(expr("f(x).g(y)"), "call(ref(call(f, x), \"g\"), y)");
  EXPECT_EQ(expr("[1, 2][0]"), "ref([1, 2], 0)");
  EXPECT_EQ(expr("{\"a\": 1}.a"), "ref({\"a\": 1}, \"a\")");
  EXPECT_EQ(expr("[x | x := 1][0]"), "ref([x | (:= x 1)], 0)");
  EXPECT_EQ(expr("(a + b)[0]"), "ref((+ a b), 0)");
  EXPECT_EQ(expr("print()"), "call(print)");
  EXPECT_EQ(expr("f(1, 2,)"), "call(f, 1, 2)");
  EXPECT_EQ(expr("input.not.if.in"), "ref(input, \"not\", \"if\", \"in\")");  // keywords as fields
  EXPECT_EQ(expr("print(\"x\", state[key])"), "call(print, \"x\", ref(state, key))");
  // A suffix must follow without whitespace (in a query, `f (x)` is two literals, as in OPA).
  EXPECT_EQ(q("f (x)"), "f; x");
  EXPECT_EQ(q("x [0]"), "x; [0]");
  EXPECT_NE(parse_err("package t\np if { f (x) }"), "");
  EXPECT_NE(parse_err("package t\np if { x [0] }"), "");
  EXPECT_EQ(expr("x. y").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("x\n.y").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("\"s\"[0]").rfind("ERROR", 0), 0u);  // illegal ref head
  EXPECT_EQ(expr("x[1").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("f(1").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("f(1,,)").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("(a + b)(1)").rfind("ERROR", 0), 0u);  // found by the fuzzer
  EXPECT_EQ(expr("[1](1)").rfind("ERROR", 0), 0u);
}

TEST(RegoParser, Composites) {
  EXPECT_EQ(expr("[]"), "[]");
  EXPECT_EQ(expr("{}"), "{}");
  EXPECT_EQ(expr("set()"), "set()");
  EXPECT_EQ(expr("[1, \"a\", null, true, false, [2]]"), "[1, \"a\", null, true, false, [2]]");
  EXPECT_EQ(expr("[1, 2,]"), "[1, 2]");
  EXPECT_EQ(expr("{1, 2,}"), "{1, 2}");
  EXPECT_EQ(expr("{\"a\": 1, \"b\": [2],}"), "{\"a\": 1, \"b\": [2]}");
  EXPECT_EQ(expr("{1 + 2, x}"), "{(+ 1 2), x}");
  EXPECT_EQ(expr("{a + 1: b}"), "{(+ a 1): b}");
  EXPECT_EQ(expr("{\"a\": x | y}"), "{\"a\": x | y}");  // an object comprehension, as in OPA
  EXPECT_EQ(expr("{x: 1 + 2}"), "{x: (+ 1 2)}");
  EXPECT_EQ(expr("[\n  1,\n  2\n]"), "[1, 2]");
  EXPECT_EQ(expr("{\"k\": {\"n\": [{}]}}"), "{\"k\": {\"n\": [{}]}}");
  EXPECT_EQ(expr("[1 2]").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("[1,2,,]").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("{1 2}").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("{\"a\" 1}").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("{\"a\": 1, \"b\"}").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("[ 1").rfind("ERROR", 0), 0u);
}

TEST(RegoParser, Comprehensions) {
  EXPECT_EQ(expr("[x | x := xs[_]]"), "[x | (:= x ref(xs, $_0))]");
  EXPECT_EQ(expr("{x | some x in xs}"), "{x | some x in xs}");
  EXPECT_EQ(expr("{k: v | some k, v in o}"), "{k: v | some k, v in o}");
  EXPECT_EQ(expr("[x | some i; x = f(i)]"), "[x | some i; (= x call(f, i))]");
  EXPECT_EQ(expr("[x |\n  x := 1\n  x > 0\n]"), "[x | (:= x 1); (> x 0)]");
  EXPECT_EQ(expr("{ strip(c) | c := caps[_] }"), "{call(strip, c) | (:= c ref(caps, $_0))}");
  EXPECT_EQ(expr("{a | b}"), "{a | b}");  // a comprehension, not a set holding a | b
  EXPECT_EQ(expr("[a | b]"), "[a | b]");
  EXPECT_EQ(expr("{a | b, c}"), "{(| a b), c}");  // OPA falls back to a set when the body fails at ','
  EXPECT_EQ(expr("[a | b, c]"), "[(| a b), c]");
  EXPECT_EQ(expr("{a + 1 | b}"), "{(| (+ a 1) b)}");
  EXPECT_EQ(expr("{x | }").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("[x | y z]").rfind("ERROR", 0), 0u);
}

TEST(RegoParser, Scalars) {
  EXPECT_EQ(expr("\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\""), "\"a\\\"b\\\\c\\n\xC3\xA9\xF0\x9F\x98\x80\"");
  EXPECT_EQ(expr("`raw\\n\nline`"), "\"raw\\\\n\\nline\"");
  EXPECT_EQ(expr("\"\""), "\"\"");
  EXPECT_EQ(expr("1"), "1");
  EXPECT_EQ(expr("0"), "0");
  EXPECT_EQ(expr("1.5"), "1.5");
  EXPECT_EQ(expr("1e3"), "1000");
  EXPECT_EQ(expr("2.5E-1"), "0.25");
  EXPECT_EQ(expr("0.1"), "0.1");
  EXPECT_EQ(expr("0e5"), "0");
  EXPECT_EQ(expr("-0"), "0");
  EXPECT_EQ(expr("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(expr("1e-400"), "0");
  EXPECT_EQ(expr("null"), "null");
  EXPECT_EQ(expr("true"), "true");
  EXPECT_EQ(expr("false"), "false");
  auto big = parse_query("12345678901234567890123");  // beyond int64: a double
  ASSERT_TRUE(big.ok());
  const Number& n = (*big)->at(0)->term->value.as_number();
  EXPECT_FALSE(n.is_int);
  EXPECT_DOUBLE_EQ(n.d, 1.2345678901234568e22);
  auto inf = parse_query("2e308");  // beyond a double (OPA keeps it exactly): infinity
  ASSERT_TRUE(inf.ok());
  EXPECT_TRUE(std::isinf((*inf)->at(0)->term->value.as_number().d));
  EXPECT_EQ(expr("01").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("007").rfind("ERROR", 0), 0u);
  EXPECT_EQ(expr("1e99999999").rfind("ERROR", 0), 0u);  // OPA: number too big
  EXPECT_EQ(expr("\"\\x\"").rfind("ERROR", 0), 0u);
}

// ---- locations and errors ----

TEST(RegoParser, Locations) {
  auto m = parse_ok(
      "package t\n\ndefault allow := false\n\nallow if {\n  x := input.a + 1\n  print(\"x\", x)\n}\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->rules.size(), 2u);
  EXPECT_EQ(m->rules[0]->loc.to_string(), "t.rego:3:1");
  const Rule& r = *m->rules[1];
  EXPECT_EQ(r.loc.to_string(), "t.rego:5:1");
  const Literal& l0 = *(*r.bodies[0])[0];
  EXPECT_EQ(l0.loc.to_string(), "t.rego:6:3");
  EXPECT_EQ(l0.term->loc.to_string(), "t.rego:6:3");       // assignment: at its lhs
  EXPECT_EQ(l0.term->rhs->loc.to_string(), "t.rego:6:8");  // binary: at its lhs
  EXPECT_EQ(l0.term->rhs->rhs->loc.to_string(), "t.rego:6:18");
  EXPECT_EQ(l0.term->rhs->lhs->path[0]->loc.to_string(), "t.rego:6:14");  // the "a" field
  const Literal& l1 = *(*r.bodies[0])[1];
  EXPECT_EQ(l1.term->loc.to_string(), "t.rego:7:3");  // print's call location
  EXPECT_EQ(l1.term->items[1]->loc.to_string(), "t.rego:7:14");

  auto body = parse_query("x := 1;  not y");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)->at(1)->loc.to_string(), "query:1:10");
}

TEST(RegoParser, ErrorMessages) {
  EXPECT_EQ(parse_err("package t\np if {\n  x := \n}"), "t.rego:4:1: rego_parse_error: unexpected } token");
  EXPECT_EQ(parse_err("package t\np if { x y }"),
            "t.rego:2:10: rego_parse_error: unexpected ident token: "
            "expected \\n or ; or }");
  EXPECT_EQ(parse_err("package t\np := [1, 2"),
            "t.rego:2:11: rego_parse_error: unexpected EOF token: "
            "expected \",\" or \"]\"");
  EXPECT_EQ(parse_err("package t\np := 01"),
            "t.rego:2:6: rego_parse_error: unexpected number token: expected "
            "number without leading zero");
  EXPECT_EQ(parse_err("package t\nelse := 1"), "t.rego:2:1: rego_parse_error: unexpected else keyword");
  auto r = parse_query("x := ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "rego.rego_parse_error");
  EXPECT_EQ(r.error().message, "query:1:6: rego_parse_error: unexpected EOF token");
}

TEST(RegoParser, Queries) {
  EXPECT_EQ(q("data.test.p = x"), "(= ref(data, \"test\", \"p\") x)");
  EXPECT_EQ(q("x := 1; y := x + 1"), "(:= x 1); (:= y (+ x 1))");
  EXPECT_EQ(q("1 / 0"), "(/ 1 0)");
  EXPECT_EQ(q("x := 1\ny := 2\n"), "(:= x 1); (:= y 2)");
  EXPECT_EQ(q("[1, 2, 3][_] = x;"), "(= ref([1, 2, 3], $_0) x)");
  EXPECT_EQ(q("x in [1]"), "(in x [1])");
  EXPECT_EQ(q("x in [1]", Dialect::v0), "x; in; [1]");  // `in` is a plain name in v0
  EXPECT_EQ(q("").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("  # nothing\n").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("package x").rfind("ERROR", 0), 0u);
  EXPECT_EQ(q("x :=").rfind("ERROR", 0), 0u);
}

TEST(RegoParser, WildcardsAreDistinct) {
  auto m = parse_ok("package t\nf(_, _) := 1\np if { x[_] = y[_]; some _ in z }\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(join(m->rules[0]->args), "$_0, $_1");
  EXPECT_EQ(show_body(m->rules[1]->bodies[0]), "(= ref(x, $_2) ref(y, $_3)); some $_4 in z");
}

// ---- robustness ----

TEST(RegoParser, DeepNestingIsAnError) {
  auto deep = [](const std::string& open, const std::string& mid, const std::string& close, int n) {
    std::string s = "package t\nx := ";
    for (int i = 0; i < n; ++i) s += open;
    s += mid;
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  EXPECT_EQ(parse_err(deep("(", "1", ")", 100)), "");
  EXPECT_EQ(parse_err(deep("[", "1", "]", 100)), "");
  EXPECT_EQ(parse_err(deep("{\"a\": ", "1", "}", 100)), "");
  for (const auto& [open, close] : std::vector<std::pair<std::string, std::string>>{{"(", ")"},
                                                                                    {"[", "]"},
                                                                                    {"{", "}"},
                                                                                    {"{\"a\": ", "}"},
                                                                                    {"[x | ", "]"},
                                                                                    {"{x | ", "}"},
                                                                                    {"-", ""},
                                                                                    {"f(", ")"},
                                                                                    {"x[", "]"},
                                                                                    {"1 + ", ""},
                                                                                    {"a in ", ""}}) {
    std::string msg = parse_err(deep(open, "1", close, 5000));
    EXPECT_NE(msg.find("max parsing recursion depth exceeded"), std::string::npos) << open << " " << msg;
  }
  std::string chain = "package t\np := 1 if { false }";
  for (int i = 0; i < 5000; ++i) chain += " else := 1 if { false }";
  EXPECT_NE(parse_err(chain).find("max parsing recursion depth exceeded"), std::string::npos);
  std::string every = "package t\np if { ";
  for (int i = 0; i < 5000; ++i) every += "every x in y { ";
  EXPECT_NE(parse_err(every).find("max parsing recursion depth exceeded"), std::string::npos);
}

TEST(RegoParser, BacktrackingStaysLinear) {
  // Each of these makes OPA's grammar backtrack at every level; memoised terms keep them fast.
  for (const auto& [open, close] : std::vector<std::pair<std::string, std::string>>{
           {"{a | ", ", c}"}, {"[a | ", ", c]"}, {"{a: b | ", ", c}"}, {"{(", ") + 1}"}, {"{", " | b}"}}) {
    std::string s = "package t\nx := ";
    for (int i = 0; i < 200; ++i) s += open;
    s += "b";
    for (int i = 0; i < 200; ++i) s += close;
    auto t0 = std::chrono::steady_clock::now();
    (void)parse_module("t.rego", s);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(ms, 2000) << open;
  }
}

TEST(RegoParser, HostileInputNeverCrashes) {
  // Every prefix of a module that uses most of the grammar, in both dialects, and as a query.
  const std::string text =
      "package a.b[\"c\"]\nimport future.keywords\nimport data.x as y\n"
      "default p := {\"a\": [1, -2.5e3, `r`]}\n"
      "p := k if { some k, v in input; not k == \"x\" } else := 1\n"
      "f(x, [y, _]) := z if { z := {a: b | some a in x; b := y[a] | {1} & set()} with input as 1 }\n"
      "s contains e if { every i in [1] { i > -x }; e := [i | i := 1] }\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    std::string prefix = text.substr(0, n);
    (void)parse_module("t.rego", prefix, {Dialect::v1});
    (void)parse_module("t.rego", prefix, {Dialect::v0});
    (void)parse_query(prefix);
  }
  EXPECT_EQ(parse_err(text), "");
  // Pseudo-random token soup.
  const char* toks[] = {"package", "p",  " ",        "\n",      "{",      "}",    "[", "]",  "(",    ")",
                        ":=",      "=",  "==",       "|",       "&",      "+",    "-", "if", "else", "some",
                        "every",   "in", "not",      "with",    "as",     ",",    ";", ".",  "1",    "\"s\"",
                        "`r`",     "_",  "contains", "default", "import", "#c\n", ":"};
  std::uint32_t seed = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string s;
    for (int i = 0; i < 60; ++i) {
      seed = seed * 1103515245u + 12345u;
      s += toks[(seed >> 16) % (sizeof(toks) / sizeof(toks[0]))];
      s += ' ';
    }
    (void)parse_module("t.rego", s, {Dialect::v1});
    (void)parse_module("t.rego", s, {Dialect::v0});
    (void)parse_query(s);
  }
}

// ---- corpus ----

namespace {

fs::path rego_corpus() {
  return coco::test::shared_dir() / "rego-corpus";
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

#define REQUIRE_REGO_CORPUS()                                                                   \
  do {                                                                                          \
    COCO_REQUIRE_CORPUS();                                                                      \
    if (!fs::exists(rego_corpus() / "MANIFEST.json"))                                           \
      GTEST_SKIP() << "rego corpus not found at " << rego_corpus() << " (set COCO_SHARED_DIR)"; \
  } while (0)

}  // namespace

// Every module of every OPA conformance case parses (v0 syntax for the files MANIFEST.json flags), and
// so does every query; cases that expect rego_parse_error must fail.
TEST(RegoParserCorpus, OpaConformanceModules) {
  REQUIRE_REGO_CORPUS();
  auto manifest = nlohmann::json::parse(slurp(rego_corpus() / "MANIFEST.json"));
  std::set<std::string> v0_files;
  for (const auto& entry : manifest["entries"])
    if (entry["folder"] == "opa")
      for (const auto& f : entry["files"])
        if (f.value("v0_syntax", false)) v0_files.insert(f["file"].get<std::string>());
  EXPECT_EQ(v0_files.size(), 13u);

  int files = 0, modules = 0, parsed = 0, queries = 0, expected_failures = 0;
  for (const auto& e : fs::recursive_directory_iterator(rego_corpus() / "opa")) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
    std::string rel = fs::relative(e.path(), rego_corpus()).generic_string();
    Dialect d = v0_files.count(rel) ? Dialect::v0 : Dialect::v1;
    YAML::Node doc = YAML::LoadFile(e.path().string());
    ++files;
    for (const auto& c : doc["cases"]) {
      std::string note = c["note"].as<std::string>("");
      bool want_parse_error = c["want_error_code"].as<std::string>("") == "rego_parse_error";
      bool any_failed = false;
      if (c["modules"]) {
        int i = 0;
        for (const auto& m : c["modules"]) {
          ++modules;
          auto r = parse_module("mod" + std::to_string(i++) + ".rego", m.as<std::string>(), {d});
          if (r.ok()) {
            ++parsed;
          } else {
            any_failed = true;
            if (!want_parse_error) ADD_FAILURE() << rel << " [" << note << "]: " << r.error().message;
          }
        }
      }
      if (c["query"]) {
        ++queries;
        auto r = parse_query(c["query"].as<std::string>(), {d});
        if (!r.ok()) {
          any_failed = true;
          if (!want_parse_error) ADD_FAILURE() << rel << " [" << note << "] query: " << r.error().message;
        }
      }
      if (want_parse_error) {
        ++expected_failures;
        EXPECT_TRUE(any_failed) << rel << " [" << note << "] should not parse";
      }
    }
  }
  std::cout << "[ corpus   ] OPA cases: " << files << " files, " << parsed << "/" << modules
            << " modules and " << queries << " queries parse; " << expected_failures
            << " cases expect rego_parse_error\n";
  EXPECT_GT(files, 400);
  EXPECT_GT(modules, 850);
}

// regorus's parser cases: a case parses exactly when it expects no error (pass/fail only; the AST dumps
// are regorus's own). Excluded: skipped cases and OPA compile-time (not parse) errors.
TEST(RegoParserCorpus, RegorusParserCases) {
  REQUIRE_REGO_CORPUS();
  const std::set<std::string> compile_time = {"shadow", "as/multiple"};  // duplicate imports
  int cases = 0, agree = 0;
  for (const auto& e : fs::recursive_directory_iterator(rego_corpus() / "regorus" / "parser")) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    YAML::Node doc = YAML::LoadFile(e.path().string());
    for (const auto& c : doc["cases"]) {
      std::string note = c["note"].as<std::string>("");
      if (c["skip"].as<bool>(false) || compile_time.count(note)) continue;
      ++cases;
      bool want_error = static_cast<bool>(c["error"]);
      std::string text = c["rego"].as<std::string>();
      // regorus runs these as v0 with future keywords available: accept either dialect.
      auto r1 = parse_module("t.rego", text, {Dialect::v1});
      auto r0 = parse_module("t.rego", text, {Dialect::v0});
      bool ok = r1.ok() || r0.ok();
      if (ok == !want_error) {
        ++agree;
      } else {
        ADD_FAILURE() << e.path().filename() << " [" << note << "] want_error=" << want_error
                      << " v1: " << (r1.ok() ? "ok" : r1.error().message) << "\n"
                      << text;
      }
    }
  }
  std::cout << "[ corpus   ] regorus parser cases: " << agree << "/" << cases << " agree\n";
  EXPECT_GT(cases, 100);
}

// Every real policy parses: kata-golden policies as v0 (they import future.keywords), the others in
// Rego v1, falling back to v0 for the v0-era ones. large.rego parses well under a second.
TEST(RegoParserCorpus, RealPolicies) {
  REQUIRE_REGO_CORPUS();
  int total = 0, as_v1 = 0, as_v0 = 0;
  for (const auto& dir : {rego_corpus() / "policies", rego_corpus() / "kata-golden"}) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".rego") continue;
      ++total;
      std::string text = slurp(e.path());
      std::string rel = fs::relative(e.path(), rego_corpus()).generic_string();
      bool kata = rel.rfind("kata-golden/", 0) == 0;
      auto t0 = std::chrono::steady_clock::now();
      auto r = parse_module(rel, text, {kata ? Dialect::v0 : Dialect::v1});
      if (r.ok() && !kata) {
        ++as_v1;
      } else {
        std::string v1_error = r.ok() ? "" : r.error().message;
        r = parse_module(rel, text, {Dialect::v0});
        if (r.ok())
          ++as_v0;
        else
          ADD_FAILURE() << rel << ": " << r.error().message << (kata ? "" : " (v1: " + v1_error + ")");
      }
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (rel == "kata-golden/large.rego") {
        EXPECT_LT(ms, 1000);
        std::cout << "[ corpus   ] kata-golden/large.rego: " << ms << " ms\n";
      }
      if (r.ok()) {
        EXPECT_FALSE((*r)->rules.empty() && (*r)->imports.empty()) << rel;
      }
    }
  }
  std::cout << "[ corpus   ] policies: " << as_v1 + as_v0 << "/" << total << " parse (" << as_v1 << " as v1, "
            << as_v0 << " as v0)\n";
  EXPECT_EQ(as_v1 + as_v0, total);
  EXPECT_GT(total, 50);
}
