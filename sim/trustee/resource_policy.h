// The KBS resource policy (kbs policy engine): one Rego policy stored as "resource-policy", evaluated as
// data.policy.allow with input = the verified token claims and data = {"plugin", "resource-path", "query"}.
// An undefined or non-boolean `allow` counts as a denial (Trustee logs a warning and uses false).
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>

#include "core/result.h"
#include "rego/engine.h"

namespace coco::trustee {

class ResourcePolicy {
 public:
  ResourcePolicy();  // starts with default_resource_policy()

  // Compiles and stores; error rego.* (the KBS answers PolicyEngineError).
  Status set(const std::string& rego_text);
  std::string text() const;
  // Error rego.* (evaluation errors: PolicyEngineError).
  Result<bool> allows(const nlohmann::json& data, const nlohmann::json& claims) const;

 private:
  mutable std::shared_mutex mu_;
  std::string text_;
  rego::ModulePtr module_;  // parsed once; compiled with each request's data
};

}  // namespace coco::trustee
