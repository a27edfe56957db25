// Azure confidential VM evidence verification, as Trustee's az-snp-vtpm and az-tdx-vtpm verifiers do it
// (shared/reference/trustee.md 3.1, evidence.md 3.3), each step with a named reason and Trustee's message.
// Like the SNP and TDX verifiers it reports every failure; the steps run in Trustee's order, so the first
// failure is the one Trustee would report.
//
// az-snp-vtpm, in order:
//   1  the TPM quote is signed by HCLAkPub from the HCL variable data  azure.ak_invalid /
//   azure.tpm_signature_invalid 2  the quote's nonce (extraData) == the expected report_data
//   azure.nonce_mismatch 3  SHA-256 of the shipped PCRs == the quote's pcrDigest azure.pcr_digest_mismatch 4
//   SNP REPORT_DATA[0..32] == SHA-256(HCL variable data)             azure.report_data_mismatch 5  v2: HCL
//   user-data starts with the expected report_data           azure.user_data_mismatch 6-8 VCEK chain to the
//   AMD roots (product from the report's CPUID), VCEK TCB == reported TCB, SNP
//       report signature                                                snp.* (snp/verify.h)
//   9  VMPL 0                                                           snp.vmpl_mismatch
//   10 PCR8 == SHA-256(32 zero bytes || init-data digest)               azure.init_data_mismatch
// az-tdx-vtpm: steps 1-3, then the TD quote's DCAP verification (tdx/verify.h, Trustee's options), then TD
// quote REPORTDATA[0..32] == SHA-256(HCL variable data) (azure.report_data_mismatch, "TDX Quote report data
// mismatch"), then PCR8.
// Evidence that does not parse: azure.evidence_invalid, azure.hcl_*, azure.tpm_attest_*.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/tpm.h"
#include "core/result.h"
#include "snp/verify.h"
#include "tdx/verify.h"

namespace coco::azure {

struct AzVerifyOptions {
  std::optional<Bytes> report_data;     // the expected TPM nonce, compared exactly; nullopt: not checked
  std::optional<Bytes> init_data_hash;  // the init-data digest PCR8 must bind; nullopt: not checked
  // Roots, time, cache for the SNP report. Trustee's az path checks only the chain, the VCEK TCB, the
  // signature and VMPL 0 (not the report version or reserved fields), as crypto_only() plus VMPL 0 does.
  snp::VerifyOptions snp = snp::VerifyOptions::crypto_only();
  tdx::VerifyOptions tdx = tdx::VerifyOptions::trustee();  // roots, time, collateral, cache for the TD quote
};

struct AzVerifyResult {
  std::vector<Error> failures;
  std::vector<std::string> passed;
  std::optional<HclReport> hcl;
  std::optional<RuntimeData> runtime_data;
  std::optional<TpmsAttest> attest;
  std::optional<snp::VerifyResult> snp;  // az-snp-vtpm
  std::optional<tdx::VerifyResult> tdx;  // az-tdx-vtpm
  bool ok() const { return failures.empty(); }
  bool has(std::string_view code) const;
};

AzVerifyResult verify_az_snp_evidence(const AzSnpEvidence& evidence, const AzVerifyOptions& options);
AzVerifyResult verify_az_tdx_evidence(const AzTdxEvidence& evidence, const AzVerifyOptions& options);

// Trustee's claims. az-snp-vtpm: the SNP fields as strings (policy_*, reported_tcb_*, platform_*),
// measurement in base64, then report_data = hex(TPM nonce), init_data = hex(PCR8), tpm.pcr00..pcr23 (hex).
// az-tdx-vtpm: Trustee's tdx claims of the TD quote (no event log) with the same report_data, init_data and
// tpm.pcrNN, plus the DCAP supplemental claims when collateral was used.
nlohmann::json trustee_az_snp_claims(const AzSnpEvidence& evidence, const AzVerifyResult& result);
nlohmann::json trustee_az_tdx_claims(const AzTdxEvidence& evidence, const AzVerifyResult& result);
nlohmann::json result_to_json(const AzVerifyResult& result);

}  // namespace coco::azure
