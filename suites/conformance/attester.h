// Attesters: where a case's evidence comes from. One attester per TEE kind and source ("sample",
// simulated "snp", "tdx", "az-snp-vtpm" and "az-tdx-vtpm"; hardware ones join here), so a new platform is
// a new Attester, not a new suite.
//
// An attester makes guests' evidence providers, optionally with a deliberate defect (a forged signature, a
// debug launch, ...) when it can shape its evidence (simulated ones can; hardware cannot, and those cases
// skip). It also knows what the verifier must say about its evidence: the reference values under which
// Trustee's default_cpu policy trusts it, and how the EAR's annotated evidence must match what was sent.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "guest/evidence_provider.h"
#include "snp/amd_sim.h"
#include "snp/signer.h"
#include "tdx/intel_sim.h"
#include "tdx/qe.h"

namespace coco::conformance {

enum class Defect {
  none,
  forged_signature,     // the report's signature does not verify
  debug_policy,         // launched with the debug policy bit
  unknown_measurement,  // a launch digest the reference values do not list
  tcb_below_reference,  // reported TCB one SVN below the reference values
  vmpl_not_zero,        // report requested from VMPL 1
  untrusted_chain,      // VCEK from a root of trust the KBS does not trust
  vlek_wrong_asvk,      // VLEK signed by an ASVK that is not AMD's
  host_data_mismatch,   // HOST_DATA (TDX: MRCONFIGID) is not the digest of the init-data sent
};
std::string_view defect_name(Defect d);

class Attester;
// "the <attester> attester cannot produce evidence with defect <defect>": the reason a case skips.
std::string unsupported_defect_reason(const Attester& attester, Defect d);

struct GuestEvidence {
  // The init-data digest the evidence must bind (HOST_DATA, MR_CONFIG_ID, PCR8); empty: none.
  Bytes init_data_digest;
  Defect defect = Defect::none;
};

class Attester {
 public:
  virtual ~Attester() = default;
  virtual std::string name() const = 0;  // "sample", "snp"
  virtual std::string tee() const = 0;   // the kbs-types TEE name sent in /auth
  virtual bool supports(Defect d) const = 0;
  // A provider for one guest. Error: conformance.unsupported when the defect cannot be made here.
  virtual Result<std::unique_ptr<guest::EvidenceProvider>> provider(const GuestEvidence& spec) = 0;
  // Reference values (name -> value list) under which Trustee's default_cpu trusts this attester's
  // evidence: executables 3, hardware 2, configuration 2.
  virtual nlohmann::json default_cpu_reference_values() const = 0;
  // Differences between the TEE claims of the EAR (annotated-evidence["<tee>"]) plus the top-level
  // report_data / init_data, and the evidence that was sent; empty when they match.
  virtual std::vector<std::string> claim_mismatches(const nlohmann::json& evidence_sent,
                                                    const nlohmann::json& annotated_evidence) const = 0;
  // Whether the pattern chart's attestation policy has rules for this TEE (it has none for sample; the
  // suites then install Trustee's default_cpu, which does).
  virtual bool pattern_policy_covers() const = 0;
  // The `init_data` claim Trustee's verifier derives from evidence bound to this init-data digest: the
  // digest in the TEE's field (SNP HOST_DATA padded to 32, TDX MRCONFIGID padded to 48, hex; sample: base64)
  // or, on Azure, PCR8 = SHA-256(0^32 || digest).
  virtual std::string init_data_claim(ByteView init_data_digest) const = 0;
};

// guest-components' sample attester: {"svn":"1","report_data"}. Trustee's default_cpu trusts it with
// reference values svn, launch_digest, major_version and minimum_minor_version.
std::unique_ptr<Attester> make_sample_attester();

struct SimulatedSnpAttesterOptions {
  std::shared_ptr<snp::AmdAuthority> amd;    // the root of trust the KBS trusts
  std::shared_ptr<snp::AmdAuthority> rogue;  // another one, for untrusted_chain / vlek_wrong_asvk
  snp::LaunchDescription launch;             // the peer-pod launch (Milan, as Azure DCasv5)
  bool include_cert_chain = false;           // false: the KBS fetches the VCEK from the (fake) KDS
};
std::unique_ptr<Attester> make_simulated_snp_attester(SimulatedSnpAttesterOptions options);

struct SimulatedTdxAttesterOptions {
  std::shared_ptr<tdx::IntelAuthority> intel;  // the root of trust the KBS trusts
  std::shared_ptr<tdx::IntelAuthority> rogue;  // another one, for untrusted_chain
  tdx::TdDescription td;                       // the peer-pod TD (tdx_world.h tdx_pattern_td())
};
// A simulated TDX guest on the reference platform of tdx_world.h (tcb_below_reference: the outdated one).
std::unique_ptr<Attester> make_simulated_tdx_attester(SimulatedTdxAttesterOptions options);

struct SimulatedAzureAttesterOptions {
  bool tdx = false;  // az-tdx-vtpm (DCesv5) instead of az-snp-vtpm (DCasv5)
  std::shared_ptr<snp::AmdAuthority> amd, rogue_amd;
  std::shared_ptr<tdx::IntelAuthority> intel, rogue_intel;
};
// A simulated Azure confidential VM per guest (azure/cvm.h, in-process vTPM), init-data in PCR8.
std::unique_ptr<Attester> make_simulated_azure_attester(SimulatedAzureAttesterOptions options);

// The simulated roots of trust the attesters sign with: the KBS trusts `amd` and `intel`; the rogue ones
// make the untrusted-root defects. Null ones make those attesters unable to produce evidence (listing only).
struct SimulatedAuthorities {
  std::shared_ptr<snp::AmdAuthority> amd, rogue_amd;
  std::shared_ptr<tdx::IntelAuthority> intel, rogue_intel;
};

// The attesters `coco-harness run --attester` knows, in report order: "sample", "snp", "tdx",
// "az-snp-vtpm", "az-tdx-vtpm".
const std::vector<std::string>& attester_names();
// Makes one by name. The simulated SNP guest sends its VCEK only with `send_vcek` (the embedded stack
// leaves it out so the KBS fetches it from the fake KDS; a remote KBS cannot reach that KDS).
// Error: conformance.unknown_attester naming the known ones.
Result<std::unique_ptr<Attester>> make_attester(const std::string& name,
                                                const SimulatedAuthorities& authorities,
                                                bool send_vcek = false);

}  // namespace coco::conformance
