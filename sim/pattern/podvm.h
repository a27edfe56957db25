// A peer-pod VM from the inside (pattern.md 3.3-3.4, 4, 6): what cloud-api-adaptor hands the VM in
// userData (a cloud-config whose write_files carry the agent-protocol-forwarder's daemon.json and the
// init-data), what the image does at boot (process-user-data writes aa.toml / cdh.toml / policy.rego to
// /run/peerpod, the digest to /run/peerpod/initdata.digest, and tpm2_pcrextend puts it into PCR8), and the
// services the pod then reaches: the Kata agent with the init-data's policy and the CDH/AA REST API on the
// pod's 127.0.0.1:8006 (here a free loopback port).
//
// The VM is an Azure confidential VM of the simulated peer-pod image (azure/cvm.h) whose TEE follows its
// size, as on Azure (the size catalogue of azure/compute.h): DCas/DCads/ECas/ECads v5 are AMD SEV-SNP, DCes
// v5 and v6 Intel TDX.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "azure/cvm.h"
#include "core/bytes.h"
#include "core/result.h"
#include "guest/agent_policy.h"
#include "guest/api_server.h"
#include "snp/amd_sim.h"
#include "tdx/qe.h"

namespace coco::pattern {

// The hardware behind the region's confidential sizes.
struct PodvmPlatforms {
  std::shared_ptr<snp::AmdAuthority> amd;         // SEV-SNP sizes
  std::shared_ptr<const tdx::QuotingEnclave> qe;  // TDX sizes
  Bytes tdx_report_mac_key;
};

enum class PodvmTee { snp, tdx };
// Error pattern.not_confidential_size for a size that is neither (the peer-pod image needs a CVM).
Result<PodvmTee> tee_for_instance_size(std::string_view size);
std::string_view evidence_tee_name(PodvmTee tee);  // "az-snp-vtpm" | "az-tdx-vtpm"

inline constexpr std::string_view kInitDataPath = "/run/peerpod/initdata";
inline constexpr std::string_view kDaemonConfigPath = "/run/peerpod/daemon.json";
inline constexpr std::string_view kInitDataDigestPath = "/run/peerpod/initdata.digest";

struct CloudConfigFile {
  std::string path, content;
};
// CAA's cloud-config: "#cloud-config" and write_files with path and content of each file.
std::string cloud_config_yaml(const std::vector<CloudConfigFile>& files);
// Error pattern.user_data_invalid (not a cloud-config, write_files malformed).
Result<std::vector<CloudConfigFile>> parse_cloud_config(std::string_view user_data);

struct PodvmOptions {
  std::string name;           // the Azure VM name
  std::string instance_size;  // "Standard_DC2as_v5"
  std::string user_data;      // the cloud-config, decoded
  PodvmPlatforms platforms;
  // No outbound route (no NAT gateway): the VM's connections to anything off the VM fail.
  bool outbound = true;
};

class Podvm {
 public:
  // Boots: PCRs of the image, process-user-data, PCR8, the agent policy, the API server. Errors:
  // pattern.user_data_invalid, pattern.initdata_invalid (the VM never becomes ready: what CAA then reports
  // as a timeout), the vTPM's or the API server's.
  static Result<std::unique_ptr<Podvm>> boot(PodvmOptions options);
  ~Podvm();
  Podvm(const Podvm&) = delete;
  Podvm& operator=(const Podvm&) = delete;

  PodvmTee tee() const { return tee_; }
  const std::string& name() const { return opts_.name; }
  const std::string& instance_size() const { return opts_.instance_size; }
  // Files process-user-data wrote, by absolute path.
  const std::map<std::string, std::string>& files() const { return files_; }
  const Bytes& initdata_digest() const { return digest_; }
  const std::string& initdata_toml() const { return initdata_toml_; }
  // The boot log lines a user would find in the VM's journal ("File: x is not allowed in initdata.").
  const std::vector<std::string>& log() const { return log_; }
  guest::AgentPolicy& agent_policy() { return *policy_; }
  // The CDH/AA REST API; null when the init-data configures no KBS (the image's dummy init-data).
  guest::ApiServer* api() { return api_.get(); }
  azure::SimulatedCvm& cvm() { return *cvm_; }
  bool outbound() const { return opts_.outbound; }

 private:
  Podvm() = default;
  Status process_user_data();

  PodvmOptions opts_;
  PodvmTee tee_ = PodvmTee::snp;
  std::map<std::string, std::string> files_;
  std::string initdata_toml_;
  Bytes digest_;
  std::vector<std::string> log_;
  std::shared_ptr<azure::SimulatedCvm> cvm_;
  std::unique_ptr<guest::AgentPolicy> policy_;
  std::unique_ptr<guest::ApiServer> api_;
};

}  // namespace coco::pattern
