// Evidence verifiers of the Attestation Service (deps/verifier in Trustee): each takes the TEE's evidence
// JSON plus the expected runtime-data digest and init-data digest, checks the evidence, and returns the
// claims exactly as Trustee's verifier for that TEE shapes them (trustee.md 3.1), including the
// `report_data` and `init_data` keys that the claims transform later lifts to the top level.
//
// Registered now: `sample` and `sampledevice` (no signature; report_data must equal the digest exactly) and
// `snp` (full chain, signature, TCB, VMPL 0, report_data padded to 64 bytes, host_data = init-data digest
// padded to 32) and `tdx` (DCAP quote, report_data padded to 64, MRCONFIGID = init-data digest padded to 48).
// az-snp-vtpm and az-tdx-vtpm (azure/verify.h) are registered too.
//
// Error codes: trustee.evidence_invalid (the JSON is not this TEE's evidence), trustee.report_data_mismatch,
// trustee.init_data_mismatch, and the snp.* / tdx.* reasons of snp/verify.h and tdx/verify.h.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "snp/verify.h"
#include "tdx/pcs.h"
#include "tdx/verify.h"
#include "trustee/tee.h"

namespace coco::trustee {

struct VerifyRequest {
  const nlohmann::json& evidence;
  std::optional<Bytes> report_data;     // the 48/64-byte runtime-data digest, unpadded; nullopt: not checked
  std::optional<Bytes> init_data_hash;  // the init-data digest, unpadded; nullopt: no init-data was sent
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual Result<nlohmann::json> evaluate(const VerifyRequest& request) const = 0;
};

class VerifierRegistry {
 public:
  void add(Tee tee, std::shared_ptr<const Verifier> verifier) { verifiers_[tee] = std::move(verifier); }
  const Verifier* find(Tee tee) const {
    auto it = verifiers_.find(tee);
    return it == verifiers_.end() ? nullptr : it->second.get();
  }

 private:
  std::map<Tee, std::shared_ptr<const Verifier>> verifiers_;
};

std::shared_ptr<const Verifier> make_sample_verifier();
// `sampledevice`: the sample TEE as an additional (GPU-class) device; claims {svn, report_data}.
std::shared_ptr<const Verifier> make_sampledevice_verifier();

struct SnpVerifierOptions {
  const snp::TrustedRoots* roots = nullptr;  // default: AMD's real roots
  snp::VcekFetcher fetch_vcek;               // for evidence without a cert chain (KDS)
  std::function<SysTime()> now;              // certificate validity time; default: the clock
  std::shared_ptr<snp::ChainCache> chain_cache = std::make_shared<snp::ChainCache>();
  // Deliberate defect for harness self-tests: failures with these codes (e.g. "snp.signature_invalid")
  // are ignored, as by a verifier that skips that check. Empty in every real configuration.
  std::set<std::string> ignored_failures;
};
std::shared_ptr<const Verifier> make_snp_verifier(SnpVerifierOptions options = {});

// Fetches DCAP collateral for a PCK's FMSPC and CA (tdx::PcsClient::fetch, or a fixed set).
using TdxCollateralFetcher =
    std::function<Result<tdx::CollateralSet>(std::array<std::uint8_t, 6> fmspc, tdx::PckCa ca)>;

struct TdxVerifierOptions {
  std::vector<Cert> trusted_roots;        // default: Intel's real SGX Root CA
  TdxCollateralFetcher fetch_collateral;  // none: chain and signatures only, no tcb_status claims
  std::function<SysTime()> now;           // certificate and collateral time; default: the clock
  std::shared_ptr<tdx::TdxChainCache> chain_cache = std::make_shared<tdx::TdxChainCache>();
  // Deliberate defect for harness self-tests, as SnpVerifierOptions::ignored_failures.
  std::set<std::string> ignored_failures;
};
// Trustee's tdx verifier: evidence {"cc_eventlog": <base64 CCEL> | null, "quote": <base64 quote>}; DCAP
// verification (tdx/verify.h, Trustee's acceptable statuses), report_data padded to 64 bytes, MRCONFIGID =
// init-data digest padded to 48, CCEL replayed against RTMR0..3 (tdx.eventlog_rtmr_mismatch). Claims:
// tdx::trustee_claims with uefi_event_logs and the DCAP supplemental claims.
std::shared_ptr<const Verifier> make_tdx_verifier(TdxVerifierOptions options = {});

// Trustee's az-snp-vtpm verifier: evidence v0/v1/v2 (azure/evidence_json.h), the ten steps of
// azure/verify.h (TPM quote by HCLAkPub, nonce == the runtime-data digest exactly, PCR digest, HCL binding,
// v2 user-data, VCEK chain/TCB/signature with `options`' AMD roots, VMPL 0, PCR8 = init-data); claims as
// Trustee's (strings, base64 measurement, tpm.pcrNN, report_data = nonce, init_data = PCR8).
std::shared_ptr<const Verifier> make_az_snp_vtpm_verifier(SnpVerifierOptions options = {});
// Trustee's az-tdx-vtpm verifier: the TPM steps, the TD quote's DCAP verification with `options`' Intel
// roots and collateral, HCL binding to the TD quote's REPORTDATA, PCR8; claims: tdx claims without an
// event log plus the TPM claims and DCAP supplemental claims.
std::shared_ptr<const Verifier> make_az_tdx_vtpm_verifier(TdxVerifierOptions options = {});

}  // namespace coco::trustee
