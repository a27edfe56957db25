// The pattern's init-data template, secrets and reference values, rebuilt from pattern.md 1.6-1.8 and 3.
#include "conformance/pattern.h"

#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "trustee/default_policies.h"

namespace coco::conformance {
namespace {

// The agent policy of the pattern's default init-data: every request allowed except exec into a
// container and reading its output streams (the debug variant allows those too).
std::string agent_policy(bool debug) {
  std::string p = "package agent_policy\n\n";
  for (const char* request : {"AddARPNeighborsRequest",  "AddSwapRequest",
                              "CloseStdinRequest",       "CopyFileRequest",
                              "CreateContainerRequest",  "CreateSandboxRequest",
                              "DestroySandboxRequest",   "ExecProcessRequest",
                              "GetMetricsRequest",       "GetOOMEventRequest",
                              "GuestDetailsRequest",     "ListInterfacesRequest",
                              "ListRoutesRequest",       "MemHotplugByProbeRequest",
                              "OnlineCPUMemRequest",     "PauseContainerRequest",
                              "PullImageRequest",        "ReadStreamRequest",
                              "RemoveContainerRequest",  "RemoveStaleVirtiofsShareMountsRequest",
                              "ReseedRandomDevRequest",  "ResumeContainerRequest",
                              "SetGuestDateTimeRequest", "SetPolicyRequest",
                              "SignalProcessRequest",    "StartContainerRequest",
                              "StartTracingRequest",     "StatsContainerRequest",
                              "StopTracingRequest",      "TtyWinResizeRequest",
                              "UpdateContainerRequest",  "UpdateEphemeralMountsRequest",
                              "UpdateInterfaceRequest",  "UpdateRoutesRequest",
                              "WaitProcessRequest",      "WriteStreamRequest"}) {
    const std::string r = request;
    const bool allowed = debug || (r != "ExecProcessRequest" && r != "ReadStreamRequest");
    p += "default " + r + " := " + (allowed ? "true" : "false") + "\n";
  }
  return p;
}

Bytes generated_secret(const std::string& seed, const std::string& name) {
  // ESO's generator makes 32 printable characters; so do we, reproducibly.
  return to_bytes(as_bytes(hex_encode(sha256(as_bytes(seed + "/secret/" + name))).substr(0, 32)));
}

}  // namespace

std::string render_initdata(const std::string& kbs_url, const std::string& kbs_cert_pem,
                            const std::string& agent_policy_text, const std::string& algorithm) {
  std::string cert = kbs_cert_pem;
  while (!cert.empty() && cert.back() == '\n') cert.pop_back();
  return "algorithm = \"" + algorithm + "\"\nversion = \"0.1.0\"\n\n[data]\n\"aa.toml\" = '''\n" +
         "[token_configs]\n[token_configs.coco_as]\nurl = \"" + kbs_url +
         "\"\n\n[token_configs.kbs]\nurl = \"" + kbs_url + "\"\ncert = \"\"\"\n" + cert +
         "\n\"\"\"\n'''\n\n\"cdh.toml\" = '''\n" +
         "socket = 'unix:///run/confidential-containers/cdh.sock'\ncredentials = []\n\n[kbc]\nname = "
         "\"cc_kbc\"\n" +
         "url = \"" + kbs_url + "\"\nkbs_cert = \"\"\"\n" + cert + "\n\"\"\"\n\n[image]\n" +
         "image_security_policy_uri = 'kbs:///default/security-policy/insecure'\n'''\n\n\"policy.rego\" = "
         "'''\n" +
         agent_policy_text + "'''\n";
}

PatternBaseline make_pattern_baseline(const std::string& kbs_url, const std::string& kbs_cert_pem,
                                      const std::string& seed) {
  PatternBaseline b;
  b.kbs_url = kbs_url;
  b.initdata_toml = render_initdata(kbs_url, kbs_cert_pem, agent_policy(false));
  b.debug_initdata_toml = render_initdata(kbs_url, kbs_cert_pem, agent_policy(true));
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
        generated_secret(seed, std::string("kbsres1/") + key);
  }
  b.resources["default/passphrase/passphrase"] = generated_secret(seed, "passphrase");
  b.resources["default/attestation-status/status"] = to_bytes(as_bytes(std::string("attested")));
  b.resources["default/attestation-status/random"] = generated_secret(seed, "attestation-status/random");

  b.attestation_policy = std::string(trustee::pattern_cpu_policy());
  b.resource_policy = std::string(trustee::pattern_resource_policy());
  return b;
}

}  // namespace coco::conformance
