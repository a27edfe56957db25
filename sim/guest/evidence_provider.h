// Evidence providers: what the guest attests with (guest-components' attesters behind kbs_protocol's
// `EvidenceProvider`). The RCAR client hands a provider the runtime-data digest (SHA-384 of the RFC 8785
// canonical runtime data, trustee.md 1.5) and sends back whatever TEE evidence JSON the provider builds
// around it as `tee-evidence.primary_evidence`.
//
// Providers here:
//   sample         guest-components' sample attester: {"svn":"1","report_data":"<base64 std of the digest>"}
//   simulated SNP  a fresh ATTESTATION_REPORT signed by the simulated AMD secure processor (sim/snp), with
//                  report_data = digest zero-padded to 64 bytes, in Trustee's SNP evidence JSON
//   simulated TDX a quote from the simulated Quoting Enclave (sim/tdx) over the TD's body with report_data =
//                  digest zero-padded to 64 bytes, plus its CC event log, in Trustee's TDX evidence JSON
//   simulated Azure a vTPM quote and HCL report from a simulated Azure confidential VM (sim/azure), in
//                  Trustee's az-snp-vtpm (v2) or az-tdx-vtpm (v1) evidence JSON
//   tampering      wraps another provider and lets tests corrupt the digest or the evidence (negative cases)
//
// Providers report failures as guest.evidence (or the code of the layer that failed, e.g.
// snp.launch_invalid); the client wraps them as guest.evidence.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "azure/cvm.h"
#include "core/bytes.h"
#include "core/result.h"
#include "snp/amd_sim.h"
#include "snp/signer.h"
#include "tdx/qe.h"

namespace coco::guest {

class EvidenceProvider {
 public:
  virtual ~EvidenceProvider();
  // The kbs-types name of the TEE (`Request.tee`): "sample", "snp", ...
  virtual std::string tee() const = 0;
  // Evidence whose report_data binds `runtime_data_digest` (the 48-byte SHA-384, padded by the provider as
  // its TEE requires).
  virtual Result<nlohmann::json> evidence(ByteView runtime_data_digest) = 0;
  // `tee-evidence.additional_evidence`: "" or the JSON text of {"<tee>": <evidence>}. It is part of the
  // runtime data the digest covers ("additional-evidence").
  virtual std::string additional_evidence() { return ""; }
};

// guest-components' sample attester (tee "sample").
std::unique_ptr<EvidenceProvider> make_sample_provider(std::string svn = "1");

struct SimulatedSnpOptions {
  std::shared_ptr<snp::AmdAuthority> authority;
  // The launch to report; report_data is replaced by the runtime-data digest on every call. Set host_data
  // to the init-data digest when the client sends init-data (Trustee compares them).
  snp::LaunchDescription launch;
  bool include_cert_chain = true;  // false: "cert_chain": null (the verifier must fetch the VCEK)
};
// A simulated SEV-SNP guest (tee "snp"). Error on evidence(): guest.evidence (no authority, digest longer
// than 64 bytes) or sign_report's snp.launch_invalid.
std::unique_ptr<EvidenceProvider> make_simulated_snp_provider(SimulatedSnpOptions options);

struct SimulatedTdxOptions {
  // The platform's Quoting Enclave (tdx/qe.h); shared because it holds the PCK and attestation key.
  std::shared_ptr<const tdx::QuotingEnclave> qe;
  // The TD to report; report_data is replaced by the runtime-data digest on every call. Set mr_config_id
  // to the init-data digest when the client sends init-data (Trustee compares them, padded to 48 bytes).
  // With `ccel` set the RTMRs are its replay and the log is sent as `cc_eventlog`.
  // The description's version and body type choose the quote format.
  tdx::TdDescription td;
};
// A simulated Intel TDX guest (tee "tdx"): Trustee's TDX evidence {"cc_eventlog": <base64> | null,
// "quote": <base64>}. Error on evidence(): guest.evidence (no QE, digest longer than 64 bytes) or
// generate_quote's tdx.td_description_invalid.
std::unique_ptr<EvidenceProvider> make_simulated_tdx_provider(SimulatedTdxOptions options);

// A simulated Azure confidential VM (tee "az-snp-vtpm" or "az-tdx-vtpm", azure/cvm.h): the evidence the
// guest-components Azure attester assembles from the vTPM and IMDS, with the TPM nonce = the runtime-data
// digest. The VM is shared: PCR8 and the AK persist across guests of one VM, as on Azure.
std::unique_ptr<EvidenceProvider> make_simulated_azure_provider(std::shared_ptr<azure::SimulatedCvm> cvm);

// Test hooks: edit_digest runs on a copy of the digest before the inner provider sees it (the evidence then
// binds the wrong runtime data); edit_evidence runs on the inner provider's evidence before it is sent.
struct EvidenceTamper {
  std::function<void(nlohmann::json& evidence)> edit_evidence;
  std::function<void(Bytes& digest)> edit_digest;
};
std::unique_ptr<EvidenceProvider> make_tampering_provider(std::unique_ptr<EvidenceProvider> inner,
                                                          EvidenceTamper tamper);

}  // namespace coco::guest
