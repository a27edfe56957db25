// The pattern's init-data template, secrets and reference values, rebuilt from pattern.md 1.6-1.8 and 3.
#include "conformance/pattern.h"

#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "pattern/initdata.h"
#include "pattern/scenario.h"
#include "trustee/default_policies.h"

namespace coco::conformance {
PatternBaseline make_pattern_baseline(const std::string& kbs_url, const std::string& kbs_cert_pem,
                                      const std::string& seed) {
  PatternBaseline b;
  b.kbs_url = kbs_url;
  const pattern::KbsEndpoint kbs{kbs_url, kbs_cert_pem};
  b.initdata_toml = pattern::render_initdata(kbs, pattern::InitDataFlavour::secure);
  b.debug_initdata_toml = pattern::render_initdata(kbs, pattern::InitDataFlavour::debug);
  b.initdata_digest = sha256(as_bytes(b.initdata_toml));
  const Bytes debug_digest = sha256(as_bytes(b.debug_initdata_toml));

  nlohmann::json init_data = nlohmann::json::array();
  for (const Bytes* d : std::initializer_list<const Bytes*>{&b.initdata_digest, &debug_digest})
    init_data.push_back(hex_encode(azure::init_data_pcr8(*d)));
  for (const Bytes* d : std::initializer_list<const Bytes*>{&b.initdata_digest, &debug_digest}) {
    init_data.push_back(hex_encode(*d) + std::string(32, '0'));  // RAW_HASH padded to 48 bytes (TDX)
  }
  for (const Bytes* d : std::initializer_list<const Bytes*>{&b.initdata_digest, &debug_digest})
    init_data.push_back(hex_encode(*d));  // SNP
  // The chart's rvps-policy also lists the two PCR8 hashes as snp_pcr08 / tdx_pcr08 (the Azure attesters'
  // other PCRs come from pcr-stash, the measured image: each attester knows its own).
  nlohmann::json pcr8 = nlohmann::json::array();
  for (const Bytes* d : std::initializer_list<const Bytes*>{&b.initdata_digest, &debug_digest})
    pcr8.push_back(hex_encode(azure::init_data_pcr8(*d)));
  b.reference_values = {{"init_data", init_data}, {"snp_pcr08", pcr8}, {"tdx_pcr08", pcr8}};

  for (const char* key : {"key1", "key2", "key3"}) {
    b.resources[std::string("default/kbsres1/") + key] =
        to_bytes(as_bytes(pattern::generated_secret(seed, std::string("kbsres1/") + key)));
  }
  b.resources["default/passphrase/passphrase"] =
      to_bytes(as_bytes(pattern::generated_secret(seed, "passphrase")));
  b.resources["default/attestation-status/status"] = to_bytes(as_bytes(std::string("attested")));
  b.resources["default/attestation-status/random"] =
      to_bytes(as_bytes(pattern::generated_secret(seed, "attestation-status/random")));

  b.attestation_policy = std::string(trustee::pattern_cpu_policy());
  b.resource_policy = std::string(trustee::pattern_resource_policy());
  return b;
}

}  // namespace coco::conformance
