// Fuzz target: the Rego lexer and parser. The input is parsed as a module in both dialects and as a
// query; whatever parses must be a well-formed AST (every field a node kind promises is present, every
// node located), and nothing may crash, hang or recurse without bound.
// Seeds: any .rego files, e.g. ../shared/rego-corpus/policies and kata-golden.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rego/parser.h"

namespace {

using namespace coco::rego;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_body(const BodyPtr& b);

void check_term(const TermPtr& t) {
  check(t != nullptr);
  check(t->loc.line >= 1 && t->loc.col >= 1);
  switch (t->kind) {
    case Term::Kind::scalar:
      check(!t->value.is_collection());
      break;
    case Term::Kind::var:
      check(!t->name.empty());
      break;
    case Term::Kind::ref:
      check_term(t->head);
      check(!t->path.empty());
      for (const auto& p : t->path) check_term(p);
      break;
    case Term::Kind::array:
    case Term::Kind::set:
      for (const auto& i : t->items) check_term(i);
      break;
    case Term::Kind::object:
      for (const auto& [k, v] : t->pairs) {
        check_term(k);
        check_term(v);
      }
      break;
    case Term::Kind::object_compr:
      check_term(t->key);
      [[fallthrough]];
    case Term::Kind::array_compr:
    case Term::Kind::set_compr:
      check_term(t->compr_head);
      check_body(t->body);
      break;
    case Term::Kind::call:
      check(t->fn && (t->fn->kind == Term::Kind::var || t->fn->kind == Term::Kind::ref));
      check_term(t->fn);
      for (const auto& a : t->items) check_term(a);
      break;
    case Term::Kind::binary:
      check(!t->op.empty());
      check_term(t->lhs);
      check_term(t->rhs);
      break;
    case Term::Kind::unary_minus:
      check_term(t->lhs);
      break;
    case Term::Kind::membership:
      if (t->key) check_term(t->key);
      check_term(t->lhs);
      check_term(t->rhs);
      break;
    case Term::Kind::assign:
    case Term::Kind::unify:
      check_term(t->lhs);
      check_term(t->rhs);
      break;
  }
}

void check_literal(const Literal& l) {
  check(l.loc.line >= 1);
  switch (l.kind) {
    case Literal::Kind::expr:
      check_term(l.term);
      break;
    case Literal::Kind::some:
      check(!l.vars.empty());
      break;
    case Literal::Kind::some_in:
    case Literal::Kind::every:
      if (l.key) check_term(l.key);
      check_term(l.value);
      check_term(l.collection);
      if (l.kind == Literal::Kind::every) check_body(l.body);
      break;
  }
  for (const auto& w : l.withs) {
    check_term(w.target);
    check_term(w.value);
  }
}

void check_body(const BodyPtr& b) {
  check(b != nullptr && !b->empty());
  for (const auto& l : *b) {
    check(l != nullptr);
    check_literal(*l);
  }
}

void check_rule(const Rule& r) {
  check(!r.name.empty() && r.loc.line >= 1);
  check(!r.bodies.empty());
  for (const auto& b : r.bodies) {
    check(b != nullptr);
    for (const auto& l : *b) check_literal(*l);
  }
  if (r.kind == Rule::Kind::partial_set || r.kind == Rule::Kind::partial_object) check_term(r.key);
  if (r.value) check_term(r.value);
  for (const auto& a : r.args) check_term(a);
  for (const auto& t : r.ref_tail) check_term(t);
  if (r.else_rule) check_rule(*r.else_rule);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Dialect d : {Dialect::v1, Dialect::v0}) {
    auto m = parse_module("fuzz.rego", text, {d});
    if (m.ok()) {
      check(!(*m)->package.empty());
      for (const auto& r : (*m)->rules) check_rule(*r);
    } else {
      check(m.error().code == "rego.rego_parse_error");
    }
  }
  auto q = parse_query(text);
  if (q.ok()) check_body(*q);
  return 0;
}
