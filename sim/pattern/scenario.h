// A scenario: one deployment of the validated pattern described in a YAML file, so that a user can run
// the pattern's behaviour against their own choices (sizes, quota, init-data, policies, secrets, pods).
// fixtures/scenarios/simple.yaml mirrors the pattern's `simple` cluster group; every key is optional and
// falls back to what that file says. docs/PATTERN.md documents the format:
//
//   name: simple
//   cluster: {name: coco, location: eastus}
//   cloud_conf: FILE                  # a cloud.conf JSON; default: a simulated one for cluster/location
//   values:                           # values-global.yaml global.coco
//     securityPolicyFlavour: insecure
//     azure: {defaultVMFlavour: Standard_DC2as_v5, VMFlavours: "Standard_DC2as_v5,..."}
//   azure:                            # the simulated subscription
//     nat_gateway: true               # the configure-azure-nat-gateway job ran
//     quota: {standardDCASv5Family: 96}
//     unavailable_sizes: []
//     provisioning_delay_ms: 0
//   initdata: {initdata: pattern-secure, debug-initdata: pattern-debug}   # or TOML files
//   trustee:
//     attestation_policy: chart       # or a .rego file
//     resource_policy: chart          # or a .rego file
//     reference_values: chart         # rvps-policy from the init-data ConfigMaps and pcr-stash, or a JSON
//     file
//   secrets: {kbsres1: {key1: generate, ...}, ...}   # vault -> External Secrets -> KBS default/<name>/<key>
//   manifests: [FILE, ...]            # Pods / Deployments / ConfigMaps / Secrets, applied in order
//
// Relative paths are relative to the scenario file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace coco::pattern {

struct Scenario {
  std::filesystem::path file;  // where it was read from ("" for the built-in default)
  std::string name = "simple";
  std::string cluster_name = "coco";
  std::string location = "eastus";
  std::optional<std::string> cloud_conf_json;  // the file's content
  std::string security_policy_flavour = "insecure";
  std::string default_vm_flavour = "Standard_DC2as_v5";
  std::string vm_flavours = "Standard_DC2as_v5,Standard_DC4as_v5,Standard_DC8as_v5,Standard_DC16as_v5";
  bool nat_gateway = true;
  std::map<std::string, int> quota;  // Azure quota family -> cores
  std::vector<std::string> unavailable_sizes;
  int provisioning_delay_ms = 0;
  // ConfigMap name (initdata, debug-initdata) -> "pattern-secure" | "pattern-debug" | the TOML text of a
  // file.
  std::map<std::string, std::string> initdata = {{"initdata", "pattern-secure"},
                                                 {"debug-initdata", "pattern-debug"}};
  std::optional<std::string> attestation_policy;  // rego text; nullopt: the chart's
  std::optional<std::string> resource_policy;     // rego text; nullopt: the chart's
  std::optional<std::string> reference_values;    // JSON text; nullopt: the chart's rvps-policy
  // Secret name -> key -> value or "generate" (ESO's generator, reproducible from the seed).
  std::map<std::string, std::map<std::string, std::string>> secrets;
  std::vector<std::string> manifests;  // YAML texts, in order
};

// A secret's value for "generate" (ESO's password generator makes 32 printable characters; so does this,
// reproducibly from the seed): `name` is "<secret>/<key>", e.g. "kbsres1/key3".
std::string generated_secret(const std::string& seed, const std::string& name);

// The pattern's simple cluster group (fixtures/scenarios/simple.yaml, compiled in so that the binary needs
// no checkout).
Scenario default_scenario();
// Errors: pattern.scenario_invalid naming the key (and the file for a referenced file that cannot be read).
Result<Scenario> load_scenario(const std::filesystem::path& file);
Result<Scenario> parse_scenario(std::string_view yaml_text, const std::filesystem::path& base_dir);

}  // namespace coco::pattern
