// What the validated pattern puts into Trustee, as the suites expect to find it: the init-data the peer
// pods launch with (ansible/initdata-default.toml.tpl rendered for a KBS URL and certificate), the chart's
// attestation and resource policies, the RVPS `init_data` reference values the chart's rvps-policy builds
// from it, and the secrets the chart serves (default/kbsres1/key1..3, passphrase, attestation-status).
//
// One deliberate addition to the chart's reference values: the raw init-data digest itself. The chart
// lists PCR8 hashes (Azure vTPM) and the digest padded to 48 bytes (TDX MR_CONFIG_ID) but not the bare
// 32-byte digest that a bare-metal SNP HOST_DATA carries, so a bare-metal SNP peer pod would never be
// affirming under the chart as published (noted in docs/CONFORMANCE.md).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/bytes.h"

namespace coco::conformance {

struct PatternBaseline {
  std::string kbs_url;              // the KBS URL the init-data names (the route, not necessarily reachable)
  std::string initdata_toml;        // the `initdata` ConfigMap's rendered TOML (algorithm sha256)
  std::string debug_initdata_toml;  // `debug-initdata`: the same with exec and log reads allowed
  Bytes initdata_digest;            // sha256 of initdata_toml (RAW_HASH)
  std::map<std::string, Bytes> resources;  // "default/kbsres1/key1" -> value
  nlohmann::json reference_values;         // {"init_data": [...]} as the chart's rvps-policy builds it
  std::string attestation_policy;          // the chart's default_cpu.rego
  std::string resource_policy;             // the chart's policy.rego (every submod affirming)
};

// `seed` makes the generated secrets (ESO "onMissingValue: generate") reproducible.
PatternBaseline make_pattern_baseline(const std::string& kbs_url, const std::string& kbs_cert_pem,
                                      const std::string& seed);

}  // namespace coco::conformance
