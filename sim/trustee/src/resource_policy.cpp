#include "trustee/resource_policy.h"

#include "trustee/default_policies.h"

namespace coco::trustee {
namespace {

Result<rego::ModulePtr> parse_policy(const std::string& text) {
  auto m = rego::parse_module("resource-policy.rego", text, {rego::Dialect::v1});
  if (m) return m;
  auto v0 = rego::parse_module("resource-policy.rego", text, {rego::Dialect::v0});  // regorus takes v0 too
  if (v0) return v0;
  return m.error();
}

Result<std::shared_ptr<const rego::Policy>> compile_with(const rego::ModulePtr& module,
                                                         const nlohmann::json& data) {
  rego::PolicyBuilder b;
  b.add_parsed_module(module);
  if (!data.is_null()) {
    auto d = b.add_data(rego::Value::from_json(data));
    if (!d) return d.error();
  }
  return b.compile();
}

}  // namespace

ResourcePolicy::ResourcePolicy() {
  auto st = set(std::string(default_resource_policy()));
  if (!st) throw std::logic_error("default resource policy does not compile: " + st.error().message);
}

Status ResourcePolicy::set(const std::string& rego_text) {
  auto module = parse_policy(rego_text);
  if (!module) return module.error();
  auto compiled = compile_with(*module, nullptr);  // reject compile errors at set time, as regorus does
  if (!compiled) return compiled.error();
  std::unique_lock lock(mu_);
  text_ = rego_text;
  module_ = *module;
  return ok_status();
}

std::string ResourcePolicy::text() const {
  std::shared_lock lock(mu_);
  return text_;
}

Result<bool> ResourcePolicy::allows(const nlohmann::json& data, const nlohmann::json& claims) const {
  rego::ModulePtr module;
  {
    std::shared_lock lock(mu_);
    module = module_;
  }
  // `data` differs per request, so the parsed module is compiled with it each time (regorus also loads
  // data per evaluation).
  auto compiled = compile_with(module, data);
  if (!compiled) return compiled.error();
  auto v = (*compiled)->eval("data.policy.allow", rego::Value::from_json(claims));
  if (!v) return v.error();
  if (!*v || !(*v)->is_bool()) return false;
  return (*v)->as_bool();
}

}  // namespace coco::trustee
