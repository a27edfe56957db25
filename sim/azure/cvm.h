// A simulated Azure confidential VM, end to end: the paravisor's side (the vTPM with its AK, the HCL report
// in NV index 0x01400001, refreshed with fresh report data when the guest writes 0x01400002, PCR8 holding
// the init-data) and the host's (the VCEK that IMDS THIM serves, the TD quote that IMDS /acc/tdquote makes
// from a TDREPORT), so that a guest collects Trustee's az-snp-vtpm (v2) or az-tdx-vtpm (v1) evidence the way
// guest-components' Azure attesters do (evidence.md 3):
//
//   1 write report_data (the runtime-data digest, zero-padded to 64) to NV 0x01400002;
//   2 read the HCL report from NV 0x01400001: the paravisor put user-data = that report_data into the
//     runtime-data JSON and a hardware report whose REPORT_DATA[0..32] = SHA-256(JSON);
//   3 TPM2_Quote over all 24 sha256 PCRs with nonce = the digest, and read the PCRs;
//   4 SNP: the VCEK (THIM); TDX: the TD quote for the HCL report's TDREPORT (IMDS /acc/tdquote): over HTTP
//     from a FakeImds with use_imds(), else computed in process the same way.
//
// SNP reports are signed by a simulated AMD root (snp/amd_sim.h) at VMPL 0 with HOST_DATA zero (on Azure the
// init-data goes to PCR8); TD quotes by a simulated Quoting Enclave (tdx/qe.h). The vTPM is swtpm or the
// in-process one (azure/vtpm.h); both give the same evidence format.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/imds.h"
#include "azure/vtpm.h"
#include "core/result.h"
#include "snp/amd_sim.h"
#include "snp/signer.h"
#include "tdx/qe.h"

namespace coco::azure {

struct SnpCvm {
  std::shared_ptr<snp::AmdAuthority> amd;
  snp::LaunchDescription launch;  // product Milan as DCasv5; report_data/host_data/vmpl are the paravisor's
};
struct TdxCvm {
  std::shared_ptr<const tdx::QuotingEnclave> qe;
  tdx::TdDescription td;  // report_data is the paravisor's; mr_config_id stays as given (zero on Azure)
  Bytes report_mac_key;   // the platform's TDREPORT MAC key (tdx/tdreport_sim.h)
};

class SimulatedCvm {
 public:
  SimulatedCvm(std::unique_ptr<Vtpm> tpm, SnpCvm hardware, nlohmann::json vm_configuration = {});
  SimulatedCvm(std::unique_ptr<Vtpm> tpm, TdxCvm hardware, nlohmann::json vm_configuration = {});

  // Fetch the VCEK (THIM) and TD quotes (/acc/tdquote) from an IMDS at `base_url` (a FakeImds serving this
  // VM's host, azure/imds.h) instead of computing them in process, as the guest does on Azure.
  void use_imds(std::string base_url) { imds_url_ = std::move(base_url); }
  // What this VM's host IMDS serves: THIM content (SNP) and the /acc/tdquote service (TDX).
  ImdsContent imds_content() const;
  TdQuoteService td_quote_service() const;

  bool is_tdx() const { return tdx_.has_value(); }
  std::string tee() const { return is_tdx() ? "az-tdx-vtpm" : "az-snp-vtpm"; }
  Vtpm& tpm() { return *tpm_; }

  // What the peer-pod image does at boot: PCR8 extended with the init-data digest (its first 32 bytes).
  Status measure_init_data(ByteView init_data_digest);
  // The paravisor: a fresh HCL report binding `report_data` (<= 64 bytes, zero-padded) as user-data, stored
  // in NV 0x01400001. Errors: the hardware signer's or the vTPM's.
  Status refresh_hcl_report(ByteView report_data);
  // Steps 1-4 above for `nonce` (<= 64 bytes; the RCAR runtime-data digest is 48).
  Result<nlohmann::json> evidence(ByteView nonce);
  // The same as structures.
  Result<AzSnpEvidence> snp_evidence(ByteView nonce);
  Result<AzTdxEvidence> tdx_evidence(ByteView nonce);

 private:
  Result<TpmQuote> report_and_quote(ByteView nonce, Bytes& hcl_bytes);

  std::unique_ptr<Vtpm> tpm_;
  std::optional<SnpCvm> snp_;
  std::optional<TdxCvm> tdx_;
  nlohmann::json vm_configuration_;
  Bytes vcek_der_;
  std::string vcek_chain_pem_;
  std::string imds_url_;
};

// The simulated peer-pod image and its paravisor, shared by everything that boots one (the suites' Azure
// attesters, `coco-harness azure gen`) so that reference values computed from it match what the VMs report:
// a Milan (DCasv5) launch with Azure's policy 0x3001f, or a TD whose MRCONFIGID stays zero (the init-data
// goes to PCR8), and the boot chain measured into PCRs 0-5, 7, 9, 11 (the unified kernel image) and 12.
snp::LaunchDescription podvm_snp_launch();
tdx::TdDescription podvm_td();
inline constexpr std::string_view kPodvmKernel = "podvm unified kernel image";
Status measure_podvm_boot(Vtpm& tpm, std::string_view unified_kernel = kPodvmKernel);
// The sha256 PCR values after that boot, before init-data: what the pattern's pcr-stash holds.
std::vector<Bytes> podvm_pcrs(std::string_view unified_kernel = kPodvmKernel);

// The vm-configuration block Azure writes for a confidential VM (console, secure boot, TPM, a VM id derived
// from `seed`).
nlohmann::json default_vm_configuration(const std::string& seed);

}  // namespace coco::azure
