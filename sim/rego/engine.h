// The Rego engine: load modules (v1 or v0) and base data, register host functions, compile once, then
// evaluate rules or queries against an input, many times and from several threads at once (a compiled
// Policy is immutable; each evaluation has its own state).
//
// Semantics follow OPA's top-down evaluator: undefined propagates, complete rules and functions that
// produce different values are conflict errors, partial set/object rules collect every body's results,
// defaults apply when no body holds, `else` chains are tried in order, `with` replaces input, data
// paths or functions for one literal, print() output is captured as "file:line: args" with
// "<undefined>" for undefined operands. Builtin errors halt evaluation (strict, OPA's default) or make
// the expression undefined (lenient, as the Kata agent runs).
//
// Errors carry OPA's error code after "rego.": rego.rego_parse_error, rego.rego_compile_error,
// rego.rego_unsafe_var_error, rego.rego_recursion_error, rego.eval_conflict_error,
// rego.eval_builtin_error, rego.eval_type_error; messages start with "file:line:col: ".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "rego/ast.h"
#include "rego/parser.h"
#include "rego/value.h"

namespace coco::rego {

// A function provided by the host (Trustee's query_reference_value). Return nullopt for undefined.
using HostFunction = std::function<std::optional<Value>(std::span<const Value> args)>;

struct EvalOptions {
  bool strict_builtin_errors = true;
  std::optional<std::int64_t> now_ns;  // time.now_ns for the whole evaluation; default: the clock
  std::size_t max_depth = 256;         // nested rule/function evaluations before rego_recursion_error
};

struct QueryResult {
  // One map of variable bindings per solution, in evaluation order (vars starting with '$' omitted).
  std::vector<std::map<std::string, Value>> solutions;
  std::vector<std::string> prints;  // "file:line: text"
};

class Policy;

class PolicyBuilder {
 public:
  PolicyBuilder();
  ~PolicyBuilder();
  PolicyBuilder(PolicyBuilder&&) noexcept;
  PolicyBuilder& operator=(PolicyBuilder&&) noexcept;

  // Parses and adds a module. Errors: rego.rego_parse_error.
  Status add_module(std::string file, std::string_view text, Dialect dialect = Dialect::v1);
  void add_parsed_module(ModulePtr module);
  // Merges `data` (an object) into the base data document.
  Status add_data(const Value& data);
  void add_host_function(std::string name, int arity, HostFunction fn);
  // Errors: rego.rego_compile_error (e.g. rules and base data at the same path, conflicting rule kinds).
  Result<std::shared_ptr<const Policy>> compile() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

class Policy {
 public:
  struct Impl;
  explicit Policy(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  // Value of the document at a path such as "data.policy.allow" (nullopt when undefined).
  Result<std::optional<Value>> eval(std::string_view path, const std::optional<Value>& input,
                                    const EvalOptions& options = {},
                                    std::vector<std::string>* prints = nullptr) const;
  // All solutions of a query such as "data.test.p = x" or "x := data.a[_]".
  Result<QueryResult> query(std::string_view query, const std::optional<Value>& input,
                            const EvalOptions& options = {}) const;
  Result<QueryResult> query(const BodyPtr& body, const std::optional<Value>& input,
                            const EvalOptions& options = {}) const;

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace coco::rego
