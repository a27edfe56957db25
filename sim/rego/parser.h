// The Rego parser: source text -> Module (ast.h). Rego v1 by default; v0 (no `if`/`contains` required,
// `p[x] { ... }` partial sets, `p { ... }` bodies) when asked or when the module imports
// future.keywords but not rego.v1. Errors carry OPA's code ("rego_parse_error") and "file:line:col".
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "rego/ast.h"

namespace coco::rego {

enum class Dialect { v1, v0 };

struct ParseOptions {
  Dialect dialect = Dialect::v1;
};

// Errors: rego.rego_parse_error (OPA's code after "rego."), with the message "<file>:<line>:<col>:
// rego_parse_error: <what>".
Result<ModulePtr> parse_module(std::string_view file, std::string_view text,
                               const ParseOptions& options = {});
// A query: one body, e.g. "data.test.p = x" or "x := 1; y := x + 1".
Result<BodyPtr> parse_query(std::string_view text, const ParseOptions& options = {});

}  // namespace coco::rego
