// Internal to sim/rego: OPA's body reordering for safety. Rego lets a body use a variable before the
// literal that binds it (`x = y; y = 1`); OPA's compiler reorders each body so that every literal runs
// after the literals that bind the variables it needs. This pass does the same on rule bodies (and else
// branches), before evaluation: literals keep their order unless a later one must run first.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "rego/ast.h"

namespace coco::rego::detail {

// `is_global(name)` says whether a name refers to a document or function (input, data, a rule of the
// package, an import) rather than a local variable.
RulePtr reorder_rule(const RulePtr& rule, const std::function<bool(const std::string&)>& is_global);

}  // namespace coco::rego::detail
