// The Rego abstract syntax tree produced by the parser (parser.h) and walked by the interpreter.
// Nodes are immutable after parsing and shared (shared_ptr<const ...>), so a compiled policy can be
// evaluated from several threads at once. Every node carries its source location for error messages
// ("file:line:col") and for print() output ("file:line: ...").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rego/value.h"

namespace coco::rego {

struct Location {
  std::string file;  // as given to the parser
  int line = 0;      // 1-based
  int col = 0;       // 1-based, in bytes
  std::string to_string() const { return file + ":" + std::to_string(line) + ":" + std::to_string(col); }
};

struct Term;
struct Literal;
using TermPtr = std::shared_ptr<const Term>;
using Body = std::vector<std::shared_ptr<const Literal>>;  // literals joined by ';' or newlines
using BodyPtr = std::shared_ptr<const Body>;

struct Term {
  enum class Kind {
    scalar,        // value: null, true, false, number, string (raw strings included)
    var,           // name: "x", "input", "data"; each "_" gets its own name "$_0", "$_1", ... (per module
                   // or query, in source order) so that wildcards are independent variables
    ref,           // head + path: x.y[z] (a dot field is a string scalar in path)
    array,         // items
    set,           // items ("{1, 2}"; "set()" is an empty set)
    object,        // pairs
    array_compr,   // [head | body]
    set_compr,     // {head | body}
    object_compr,  // {key: head | body}
    call,          // fn (a var or ref naming the function) + args
    binary,        // op in {"==","!=","<","<=",">",">=","+","-","*","/","%","&","|"}; lhs, rhs
    unary_minus,   // -lhs (for non-literal operands, e.g. -x, -f(y); "-1" is a scalar). OPA rejects these.
    membership,    // [key ,] lhs "in" rhs: key (may be null), lhs = value, rhs = collection
    assign,        // lhs := rhs (only as a whole literal expression)
    unify,         // lhs = rhs (only as a whole literal expression)
  };
  Kind kind = Kind::scalar;
  Location loc;
  Value value;                                     // scalar
  std::string name;                                // var
  TermPtr head;                                    // ref: the head term (var, or a call / composite)
  std::vector<TermPtr> path;                       // ref: each segment's term
  std::vector<TermPtr> items;                      // array, set; call args
  std::vector<std::pair<TermPtr, TermPtr>> pairs;  // object
  TermPtr key;                                     // object_compr key; membership key (nullable)
  TermPtr compr_head;                              // comprehensions: the head term
  BodyPtr body;                                    // comprehensions
  TermPtr fn;        // call: the function's name as a var or ref (e.g. regex.match)
  std::string op;    // binary
  TermPtr lhs, rhs;  // binary, unary_minus (lhs), membership, assign, unify
};

// One modifier of a literal: `with target as value`.
struct WithModifier {
  Location loc;
  TermPtr target;  // a ref rooted at input or data, or a function name (var/ref)
  TermPtr value;
};

struct Literal {
  enum class Kind {
    expr,  // term (a call, comparison, unification, assignment, or a plain term whose value must be truthy)
    some,  // "some x, y" (vars) -- declares locals
    some_in,  // "some [key ,] value in collection": key nullable, value, collection
    every,    // "every [key ,] value in domain { body }"
  };
  Kind kind = Kind::expr;
  Location loc;
  bool negated = false;             // "not expr"
  TermPtr term;                     // expr
  std::vector<std::string> vars;    // some
  TermPtr key, value, collection;   // some_in, every (collection = the domain)
  BodyPtr body;                     // every
  std::vector<WithModifier> withs;  // trailing "with ... as ..." modifiers
};

struct Rule {
  enum class Kind {
    complete,        // p := v / p = v / p (true) / p if {...}
    partial_set,     // p contains x (v1) / p[x] (v0, no value)
    partial_object,  // p[k] := v / p[k] = v
    function,        // f(a, b) := v / f(x) (true)
  };
  Kind kind = Kind::complete;
  Location loc;
  bool is_default = false;
  // The rule's name as a path below the package: {"p"} for p, {"a","b"} for a.b := 1 (v1 ref heads).
  std::vector<std::string> name;
  std::vector<TermPtr> args;  // function parameters (terms: vars, or patterns)
  TermPtr key;                // partial set element / partial object key
  // General ref heads (OPA 1.x), whose ref has a variable or non-string segment that is not simply the
  // last one. Empty for every other rule.
  //   partial_object `a[x].b[y] := 1`: name {"a"}, key x, ref_tail ["b", y] (defines a[x].b[y]).
  //   partial_set `q[x][y] contains 1`: name {"q"}, key 1 (the element), ref_tail [x, y] (the set
  //   lives at q[x][y]).
  std::vector<TermPtr> ref_tail;
  TermPtr value;                          // nullptr means `true`
  bool assign = false;                    // head used ':=' (true) or '=' / none
  std::vector<BodyPtr> bodies;            // "p { a } { b }" (v0) gives two bodies; an empty body always holds
  std::shared_ptr<const Rule> else_rule;  // "else [= v] [if] { body }" chain (value/bodies only)
};
using RulePtr = std::shared_ptr<const Rule>;

struct Import {
  Location loc;
  std::vector<std::string>
      path;           // {"data", "lib", "x"}, {"input"}, {"future", "keywords", "in"}, {"rego", "v1"}
  std::string alias;  // "as y", empty when none
};

struct Module {
  std::string file;
  Location loc;
  std::vector<std::string> package;  // {"agent_policy"} for "package agent_policy"
  std::vector<Import> imports;
  std::vector<RulePtr> rules;
  bool rego_v1 = true;  // the dialect it was parsed as
};
using ModulePtr = std::shared_ptr<const Module>;

}  // namespace coco::rego
