// SNP evidence verification: the checks of go-sev-guest's verify + validate and of Trustee's snp
// verifier, each failure with its own named reason. Verification never stops at the first failure:
// every check that can still run does, and all failures are reported (a missing VCEK skips only the
// checks that need it).
//
// Chain and signature ("verify"): ARK pinned per product, ARK self-signature, ARK -> ASK (VCEK) or
// ARK -> ASVK (VLEK) -> VEK, names and algorithms (RSASSA-PSS SHA-384 / MGF1 SHA-384 / salt 48, ECDSA
// P-384), validity at `now`, KDS extensions (product, stepping, reported TCB, hwID = CHIP_ID, 8 bytes on
// Turin and not for a VLEK), optional CRL, and the ECDSA P-384 / SHA-384 report signature.
// Policy ("validate"): version range, must-be-zero fields, VMPL, policy ceilings, minimum TCB and guest
// SVN, provisional firmware, and expected measurement / host_data / report_data / ids.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/x509.h"
#include "snp/certs.h"
#include "snp/evidence_json.h"
#include "snp/report.h"
#include "snp/trust.h"

namespace coco::snp {

// Remembers parsed certificates (by DER digest) and certificate signatures already verified (DER digest +
// issuer key digest), so a verifier that sees the same ARK/ASK/VCEK again skips both the X.509 decoding
// (costly in OpenSSL 3) and the RSA-4096 work. Thread-safe; bounded (cleared when full).
class ChainCache {
 public:
  explicit ChainCache(std::size_t max_entries = 4096) : max_(max_entries) {}
  Result<Cert> parse(ByteView der);
  // True when `cert` is signed by `issuer`'s key (ARK: issuer == cert).
  bool verify(const Cert& cert, const Cert& issuer);
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::size_t max_;
  std::map<std::string, Cert> parsed_;
  std::set<std::string> verified_;
};

// Fetches a VCEK (DER) from a KDS for a report whose evidence carries none.
using VcekFetcher = std::function<Result<Bytes>(Product, ByteView chip_id, const Tcb& reported_tcb)>;

struct VerifyOptions {
  // Trust anchors; default: AMD's real roots.
  const TrustedRoots* roots = nullptr;
  // Product line for v2 reports (no CPUID); checked against the CPUID of v3+ reports when given.
  std::optional<Product> product;
  std::optional<int> stepping;        // expected stepping (go-sev-guest's Product.MachineStepping)
  std::optional<SysTime> now;         // certificate validity time; default: the system clock
  std::optional<Bytes> crl_der;       // ARK-signed KDS CRL to check the ASK/ASVK and VEK against
  VcekFetcher fetch_vcek;             // used only when the evidence carries no VEK
  ChainCache* chain_cache = nullptr;  // optional memo of verified certificate signatures

  // Policy (validate). Defaults follow Trustee's snp verifier: report versions 3..5, VMPL 0.
  std::uint32_t min_version = 3;
  std::uint32_t max_version = 5;
  std::optional<std::uint32_t> vmpl = 0;
  bool allow_debug = true;
  bool allow_migrate_ma = true;
  bool allow_smt = true;
  bool require_mbz = true;  // reserved fields must be zero
  std::optional<Tcb> minimum_tcb;
  std::optional<std::uint32_t> minimum_guest_svn;
  bool permit_provisional_firmware = true;  // false: committed must equal current
  // Expected values. Shorter report_data / host_data are zero-padded, as Trustee does.
  std::optional<Bytes> measurement;
  std::optional<Bytes> host_data;
  std::optional<Bytes> report_data;
  std::optional<Bytes> family_id;
  std::optional<Bytes> image_id;

  // go-sev-guest's verify only: signature and chain, versions 2..5, no VMPL or mbz policy.
  static VerifyOptions crypto_only();
  // Trustee's snp verifier (the default).
  static VerifyOptions trustee();
};

struct VerifyResult {
  std::vector<Error> failures;  // empty means verified
  Product product = Product::unknown;
  SigningKey signer = SigningKey::vcek;
  std::optional<Cert> vek;  // the certificate that signed the report, when found
  std::optional<KdsExtensions> vek_extensions;
  bool chain_verified = false;
  bool signature_verified = false;
  bool vek_fetched = false;
  std::vector<std::string> passed;  // names of checks that ran and passed, in order

  bool ok() const { return failures.empty(); }
  bool has(std::string_view code) const;
};

VerifyResult verify_report(const Report& report, const std::vector<CertTableEntry>& certs,
                           const VerifyOptions& opts);
VerifyResult verify_evidence(const SnpEvidence& evidence, const VerifyOptions& opts);
// The certificate side alone: `vek`'s chain to the pinned ARK (CA from `certs` or the trusted roots),
// names, algorithms, validity, CRL, and its KDS extensions' product. No report is involved.
VerifyResult verify_vek_chain(const Cert& vek, Product product, const std::vector<CertTableEntry>& certs,
                              const VerifyOptions& opts);

// Claims in the shape of Trustee's snp verifier (trustee.md 3.1): policy and platform booleans, TCB
// integers, lowercase hex measurement, report_data, init_data (= host_data) and chip_id.
nlohmann::json trustee_claims(const Report& report, Product product);
// Verdict and findings as JSON for reports and --json output.
nlohmann::json result_to_json(const VerifyResult& result);

}  // namespace coco::snp
