// TDX quote verification: the checks of go-tdx-guest's verify package and of Intel's QVL as Trustee's
// tdx verifier runs them, each failure with its own named reason. Like the SNP verifier, it never stops
// at the first failure: every check that can still run does, and all failures are reported.
//
// Without collateral (go-tdx-guest's default): header, PCK chain (exactly three certificates, names,
// ECDSA-SHA256, validity at `now`, root pinned), the PCK's SGX extension, the QE report signature by the
// PCK key, the QE binding (REPORTDATA = SHA-256(attestation key || QE auth data) || zeros) and the quote
// signature by the attestation key.
// With collateral (tdx/pcs.h CollateralSet): TCB info and QE identity signed by the TCB Signing
// certificate under the pinned root, their ids, versions and FMSPC/PCEID, the PCK and root CRLs (issuer,
// signature, revoked serials), collateral expiry, TCB level matching (tdx/collateral.h) giving the TCB
// status, the QE identity match, and the supplemental data Intel's QVL reports (dates, CRL numbers, ...).
// Policy: expected report_data / MRCONFIGID / MRTD (shorter values zero-padded, as Trustee does), debug.
//
// Reasons (Error::code):
//   tdx.quote_* (parse errors of tdx/quote.h), tdx.qe_vendor_id_mismatch,
//   tdx.pck_chain_missing      the certification data carries no PCK chain (type 5)
//   tdx.pck_chain_invalid      not three certificates, wrong names, algorithm or not decodable
//   tdx.pck_chain_untrusted    root not a pinned root, or a signature in the chain does not verify
//   tdx.pck_expired            a chain certificate is outside its validity at `now`
//   tdx.pck_extensions_invalid the PCK's SGX extension is missing or malformed
//   tdx.pck_revoked            the PCK (or its CA) is on a CRL
//   tdx.qe_report_signature_invalid, tdx.qe_binding_mismatch, tdx.attestation_key_invalid,
//   tdx.quote_signature_invalid
//   tdx.collateral_invalid     collateral that does not parse, has the wrong id/version, or a bad chain
//   tdx.collateral_signature_invalid  TCB info / QE identity / CRL signature does not verify
//   tdx.collateral_expired     TCB info, QE identity or a CRL is past its nextUpdate at `now`
//   tdx.fmspc_mismatch         TCB info for another FMSPC or PCEID than the PCK's
//   tdx.tcb_level_not_found, tdx.module_identity_not_found, tdx.module_identity_mismatch
//   tdx.qe_identity_mismatch, tdx.qe_tcb_level_not_found
//   tdx.tcb_revoked            the converged TCB status is Revoked
//   tdx.tcb_status_unacceptable  a status the options reject (Trustee accepts all but Revoked)
//   tdx.debug_not_allowed, tdx.report_data_mismatch, tdx.mr_config_id_mismatch, tdx.mr_td_mismatch
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/crl.h"
#include "core/result.h"
#include "core/x509.h"
#include "tdx/collateral.h"
#include "tdx/intel_sim.h"
#include "tdx/pcs.h"
#include "tdx/quote.h"

namespace coco::tdx {

// The real Intel SGX Root CA (fixtures/trust/intel_sgx_root_ca.pem, compiled in).
const Cert& intel_sgx_root_ca();

struct DecodedPckChain;    // a quote's PCK chain and the leaf's SGX extension, decoded (src/verify.cpp)
struct DecodedCollateral;  // a CollateralSet decoded, its two JSON signatures checked (src/verify.cpp)

// What a verifier can reuse across quotes: decoded PCK chains (by the digest of the certification data),
// decoded collateral sets (by the digest of the whole set; time, FMSPC and revocation checks still run per
// quote), and verified certificate and CRL signatures (by the digests of the signed object and its issuer).
// Decoding, not ECDSA, dominates a quote's verification (docs/BENCHMARKS.md). Thread-safe; each memo is
// bounded (cleared when full).
class TdxChainCache {
 public:
  explicit TdxChainCache(std::size_t max_entries = 4096) : max_(max_entries) {}
  bool verify(const Cert& cert, const Cert& issuer);
  bool verify(const Crl& crl, const Cert& issuer);
  std::shared_ptr<const DecodedPckChain> pck_chain(ByteView cert_data);
  std::shared_ptr<const DecodedCollateral> collateral(const CollateralSet& set);

 private:
  std::mutex mu_;
  std::size_t max_;
  std::set<std::string> verified_;
  std::map<std::string, std::shared_ptr<const DecodedPckChain>> chains_;
  std::map<std::string, std::shared_ptr<const DecodedCollateral>> collateral_;
};

struct VerifyOptions {
  // Pinned roots; empty means the real Intel SGX Root CA. Pass IntelAuthority::root() for simulated quotes.
  std::vector<Cert> trusted_roots;
  std::optional<SysTime> now;                 // validity time; default: the system clock
  const CollateralSet* collateral = nullptr;  // nullptr: chain and signatures only
  TdxChainCache* chain_cache = nullptr;       // optional memo of decoded chains, collateral, signatures
  bool allow_expired_collateral = false;      // Trustee reports expiry as a claim and goes on
  std::set<TcbStatus> rejected_statuses = {TcbStatus::revoked};
  // Policy. Shorter expected values are zero-padded to the field size, as Trustee's regularize_data.
  bool allow_debug = true;
  std::optional<Bytes> report_data;
  std::optional<Bytes> mr_config_id;
  std::optional<Bytes> mr_td;

  // Trustee's tdx verifier: collateral expiry does not fail (collateral_expiration_status says it), every
  // status but Revoked is accepted (its list of acceptable QV results).
  static VerifyOptions trustee();
};

// The supplemental data of Intel's QVL (sgx_ql_qv_supplemental_t) that Trustee turns into claims.
struct Supplemental {
  SysTime earliest_issue_date{};
  SysTime latest_issue_date{};
  SysTime earliest_expiration_date{};
  std::string tcb_date;
  std::uint32_t tcb_eval_num = 0;
  std::uint64_t pck_crl_num = 0;
  std::uint64_t root_ca_crl_num = 0;
  bool collateral_expired = false;
  std::vector<std::string> advisory_ids;
  Bytes root_key_id;  // SHA-384 of the root's public point (04 || X || Y)
};

struct VerifyResult {
  std::vector<Error> failures;      // empty means verified
  std::vector<std::string> passed;  // names of checks that ran and passed, in order
  std::vector<Cert> pck_chain;      // leaf, intermediate, root as carried (when decodable)
  std::optional<SgxExtensions> pck_extensions;
  PckCa ca = PckCa::platform;
  bool chain_verified = false;
  bool signatures_verified = false;  // QE report, QE binding and quote signature all hold
  // With collateral:
  std::optional<TcbStatus> tcb_status;  // converged platform / module / QE status
  std::optional<TcbMatch> tcb_match;
  std::optional<QeMatch> qe_match;
  std::optional<Supplemental> supplemental;

  bool ok() const { return failures.empty(); }
  bool has(std::string_view code) const;
};

// The PCK chain a quote carries and its SGX extension, without any signature check: what a verifier needs
// to fetch collateral (FMSPC, CA) before verifying. Errors as the chain checks of verify_quote.
struct QuotePck {
  std::vector<Cert> chain;  // leaf, intermediate, root
  SgxExtensions extensions;
  PckCa ca = PckCa::platform;
};
Result<QuotePck> quote_pck(const Quote& quote, TdxChainCache* cache = nullptr);  // cache: shares the decode

VerifyResult verify_quote(const Quote& quote, const VerifyOptions& opts);
// Parses first; a parse error is the only failure.
VerifyResult verify_quote_bytes(ByteView quote, const VerifyOptions& opts);

// Trustee's DCAP supplemental claims (deps/verifier/src/intel_dcap/claims.rs): tcb_status,
// collateral_expiration_status, tcb_date, advisory_ids, issue/expiration dates, CRL numbers, tcb_eval_num,
// platform_provider_id (PPID), sgx_type and, for scalable platforms, is_dynamic_platform / is_cached_keys /
// is_smt_enabled, root_key_id. Empty object without collateral.
nlohmann::json trustee_supplemental_claims(const VerifyResult& result);
// Trustee's tdx claims (deps/verifier/src/tdx/claims.rs): quote, td_attributes, report_data, init_data
// (= MRCONFIGID), platform_instance_id (from the PCK), plus `uefi_event_logs` when an event log is given
// and the supplemental claims when collateral was used.
nlohmann::json trustee_claims(const Quote& quote, const VerifyResult& result,
                              const nlohmann::json* uefi_event_logs = nullptr);
// Verdict and findings as JSON for reports and --json output.
nlohmann::json result_to_json(const VerifyResult& result);

}  // namespace coco::tdx
