// Intel Provisioning Certification Service (PCS) API v4 for TDX, both sides:
// - CollateralSet: everything a verifier needs besides the quote (TCB info, QE identity, PCK CRL, root CRL
//   and their issuer chains), raw as PCS serves it, with a JSON form so that a set can be saved to a file and
//   used offline (as Trustee's file:// collateral is);
// - FakePcs, an HTTP(S) server that serves caller-given TCB info / QE identity bodies with the simulated
//   Intel PKI's issuer chains (tdx/intel_sim.h), builds and signs the PCK and root CRLs, counts what it
//   serves and injects faults (down, slow, 404, 429, 500, wrong answers);
// - PcsClient, which fetches a CollateralSet from a PCS (real or fake), optionally through an on-disk
//   cache, and maps every failure to a named error.
// Paths and headers are those of Intel's "SGX and TDX services - V4 API" documentation
// (api.portal.trustedservices.intel.com) and evidence.md 2.7. The JSON bodies are not interpreted here
// beyond a sanity check; the collateral parser reads them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/crl.h"
#include "core/fault.h"
#include "core/http.h"
#include "core/result.h"
#include "tdx/intel_sim.h"

namespace coco::tdx {

inline constexpr std::string_view kPcsBaseUrl = "https://api.trustedservices.intel.com";

// Response headers of PCS v4.
inline constexpr std::string_view kTcbInfoIssuerChainHeader = "TCB-Info-Issuer-Chain";
inline constexpr std::string_view kEnclaveIdentityIssuerChainHeader = "SGX-Enclave-Identity-Issuer-Chain";
inline constexpr std::string_view kPckCrlIssuerChainHeader = "SGX-PCK-CRL-Issuer-Chain";
inline constexpr std::string_view kRequestIdHeader = "Request-ID";
inline constexpr std::string_view kErrorCodeHeader = "Error-Code";
inline constexpr std::string_view kErrorMessageHeader = "Error-Message";

// Paths (with query) relative to the PCS base.
std::string tdx_tcb_info_path(
    const std::array<std::uint8_t, 6>& fmspc);        // /tdx/certification/v4/tcb?fmspc=..
std::string tdx_qe_identity_path();                   // /tdx/certification/v4/qe/identity
std::string pck_crl_path(PckCa ca, bool der = true);  // /sgx/certification/v4/pckcrl?ca=..&encoding=der|pem
// Where a FakePcs serves the root CRL (Intel serves it on another host, see intel_root_crl_url()).
inline constexpr std::string_view kFakeRootCrlPath = "/IntelSGXRootCA.der";

// ---------------------------------------------------------------------------------------------------------

// Everything a verifier needs besides the quote, raw as PCS serves it (a collateral parser elsewhere reads
// the JSON bodies).
struct CollateralSet {
  std::string tcb_info;                  // body of GET /tdx/certification/v4/tcb?fmspc=<hex>
  std::string tcb_info_issuer_chain;     // PEM (URL-decoded header TCB-Info-Issuer-Chain): TCB Signing, root
  std::string qe_identity;               // body of GET /tdx/certification/v4/qe/identity
  std::string qe_identity_issuer_chain;  // PEM (header SGX-Enclave-Identity-Issuer-Chain)
  Bytes pck_crl;                         // DER, GET /sgx/certification/v4/pckcrl?ca=..&encoding=der
  std::string pck_crl_issuer_chain;      // PEM (header SGX-PCK-CRL-Issuer-Chain): the PCK CA, then root
  Bytes root_crl;  // DER, the root CA's CRL (certificates.trustedservices.intel.com/IntelSGXRootCA.der)
  bool operator==(const CollateralSet&) const = default;
};

// {"tcb_info": "...", "tcb_info_issuer_chain": "...", "qe_identity": "...", "qe_identity_issuer_chain":
// "...",
//  "pck_crl": "<hex DER>", "pck_crl_issuer_chain": "...", "root_crl": "<hex DER>"}
nlohmann::json collateral_to_json(const CollateralSet& set);
// Structural only (every key present, strings, hex that decodes); the contents are the verifier's to judge,
// so a deliberately broken set can be saved and replayed. Unknown keys are ignored.
// Error: tdx.collateral_invalid.
Result<CollateralSet> collateral_from_json(const nlohmann::json& j);

// ---------------------------------------------------------------------------------------------------------

// What a FakePcs serves. The JSON bodies are given by the caller (built and signed elsewhere) and served
// byte for byte.
struct PcsContent {
  std::map<std::string, std::string> tcb_info_by_fmspc;  // key: FMSPC, 12 lowercase hex characters
  std::string qe_identity;                               // empty: the route answers 404
  std::vector<Bytes> revoked_pck_serials;                // big-endian; listed in both PCK CRLs
  std::vector<Bytes> revoked_ca_serials;                 // listed in the root CRL
};

struct FakePcsOptions {
  // Bind address, port, threads, TLS. `server.faults` may be given to share a switch; otherwise the
  // FakePcs makes its own (faults()).
  HttpServerOptions server;
  // CRL times: thisUpdate defaults to the current time less one hour; nextUpdate is thisUpdate +
  // crl_validity (Intel's CRLs are valid for 30 days).
  std::optional<SysTime> crl_this_update;
  std::chrono::hours crl_validity{24 * 30};
};

// Routes (GET only; anything else is 405 with Allow: GET):
//   /tdx/certification/v4/tcb?fmspc=<12 hex>   the FMSPC's TCB info    application/json
//                                              + TCB-Info-Issuer-Chain (URL-encoded PEM: TCB Signing, root)
//   /tdx/certification/v4/qe/identity          the QE identity         application/json
//                                              + SGX-Enclave-Identity-Issuer-Chain
//   /sgx/certification/v4/pckcrl?ca=processor|platform[&encoding=der|pem]   (default pem, as PCS)
//                                              CRL signed by that PCK CA (ECDSA SHA-256)
//                                              application/pkix-crl (der) or application/x-pem-file (pem)
//                                              + SGX-PCK-CRL-Issuer-Chain (the PCK CA, root)
//   /IntelSGXRootCA.der                        root CRL (DER) signed by the root   application/pkix-crl
// Both TCB routes accept PCS's optional `update=early|standard` or `tcbEvaluationDataNumber=<digits>` (not
// both) and serve the same content whatever they say.
// Every answer the service itself gives carries a Request-ID (32 hex characters, as PCS's). Status faults
// (Fault::status_*) are answered by HttpServer before the service runs, so they carry none.
// Errors: a missing, repeated or malformed parameter (fmspc not 12 hex characters, ca not processor or
// platform, ...) is 400; an FMSPC without TCB info, an empty QE identity and an unknown path are 404. Intel's
// v4 documentation names an Error-Code / Error-Message header pair on 400 answers (codes such as
// "InvalidRequestSyntax") and lists only Request-ID on the 404s of these routes; this fake sends the pair on
// every 400 and 404 (Error-Code "InvalidRequestSyntax" for 400 and, our choice, "NotFound" for 404; the
// message is one line), with the same line as a text/plain body.
// Wrong answers (Fault::wrong_answer): the TCB route serves the QE identity body and vice versa, each with
// its issuer chain in the wrong order (root first); the PCK CRL is signed by the root instead of the PCK CA
// (and names it); the root CRL is signed by the Processor CA.
class FakePcs : public FakeService {
 public:
  FakePcs(IntelAuthority& intel, PcsContent content, FakePcsOptions options = {});
  ~FakePcs();

  // start(), stop(), url(), port(), faults(): FakeService (core/http.h).

  // Thread-safe swap: answers from now on come from `content` (e.g. a test moves the TCB info to a newer
  // level or revokes a PCK); the CRLs are rebuilt with a higher cRLNumber.
  void set_content(PcsContent content);
  PcsContent content() const;

  // Successful answers per route: "tcb", "qe_identity", "pckcrl", "root_crl"; also "total" (requests that
  // reached the service) and "rejected" (4xx answers). Any other name: 0.
  std::size_t served(std::string_view route) const;

  // The service without a socket: what the server calls for each request.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse serve_tcb(std::string_view query, bool wrong);
  HttpResponse serve_qe_identity(std::string_view query, bool wrong);
  HttpResponse serve_pck_crl(std::string_view query, bool wrong);
  HttpResponse serve_root_crl(bool wrong);
  HttpResponse error(int status, const std::string& message);
  // The PCK CRL of `ca` (the root CRL when ca is nullopt), cached until the content changes or an hour
  // passes; `wrong` builds the wrong-answer variant (never cached).
  Result<Crl> current_crl(std::optional<PckCa> ca, bool wrong);
  std::string next_request_id();

  IntelAuthority& intel_;
  FakePcsOptions options_;

  mutable std::mutex mu_;
  std::shared_ptr<const PcsContent> content_;
  std::uint64_t generation_ = 1;  // cRLNumber of the CRLs built from content_
  struct CachedCrl {
    Crl crl;
    std::uint64_t generation = 0;
    SysTime built_at{};
  };
  std::map<int, CachedCrl> crls_;  // 0 processor, 1 platform, 2 root

  std::atomic<std::uint64_t> request_seq_{0};
  std::atomic<std::uint64_t> total_{0}, tcb_{0}, qe_{0}, pckcrl_{0}, rootcrl_{0}, rejected_{0};
};

// ---------------------------------------------------------------------------------------------------------

struct PcsClientOptions {
  HttpClientOptions http;
  std::chrono::milliseconds timeout{10'000};
  // On-disk cache, one file per URL named by the SHA-256 (hex) of the full URL, holding the body and the
  // issuer chain. An entry is used only while it is fresh: a CRL until its nextUpdate, a TCB info or QE
  // identity until the "nextUpdate" inside its tcbInfo / enclaveIdentity object (an entry whose freshness
  // cannot be read is never used). Empty: no cache.
  std::filesystem::path cache_dir;
  // Where the root CRL comes from. Default: <base>/IntelSGXRootCA.der for any base but the real PCS, and
  // intel_root_crl_url() for the real PCS.
  std::optional<std::string> root_crl_url;
  // Check that each answer answers the request: JSON bodies with a "tcbInfo" (whose fmspc, when present, is
  // the requested one) or "enclaveIdentity" object; chains whose first certificate is the expected signer
  // (Intel SGX TCB Signing / the PCK CA) and whose last is "Intel SGX Root CA"; CRLs issued by the PCK CA /
  // the root. When true a mismatch is pcs.bad_response; when false the answer is returned for the
  // verifier to judge. Either way a mismatching answer is never cached. Signatures are never checked here.
  bool check_response = true;
};

// Errors: pcs.bad_url (the base URL), pcs.unreachable (refused, closed, timeout, TLS failure),
// pcs.http_status (any status but 200; the message names the route, the status and PCS's Error-Code /
// Error-Message when sent, e.g. "PCS ... answered HTTP 404 for /tdx/certification/v4/tcb?fmspc=...
// [Error-Code NotFound: ...]"), pcs.bad_response (missing issuer-chain header, a chain that does not
// URL-decode or hold PEM certificates, a body that is not JSON / not a CRL, or an answer to another
// question).
class PcsClient {
 public:
  explicit PcsClient(std::string base_url = std::string(kPcsBaseUrl), PcsClientOptions options = {});

  // Fetches all of it for a platform: TCB info for `fmspc`, the TDX QE identity, the PCK CRL of `ca`
  // (DER) and the root CRL.
  Result<CollateralSet> fetch(std::array<std::uint8_t, 6> fmspc, PckCa ca);

  struct Document {
    std::string body;
    std::string issuer_chain;  // URL-decoded PEM; empty for the root CRL
  };
  Result<Document> fetch_tcb_info(const std::array<std::uint8_t, 6>& fmspc);
  Result<Document> fetch_qe_identity();
  Result<Document> fetch_pck_crl(PckCa ca);  // body: DER
  Result<Bytes> fetch_root_crl();
  std::string root_crl_url() const;

  struct Stats {
    std::uint64_t network_fetches = 0;  // HTTP requests sent
    std::uint64_t cache_hits = 0;
  };
  Stats stats() const { return {fetches_.load(), hits_.load()}; }
  std::filesystem::path cache_file(std::string_view url) const;  // "" when there is no cache

 private:
  enum class Kind { tcb_info, qe_identity, pck_crl, root_crl };
  Result<Document> fetch_document(Kind kind, const std::string& url, std::optional<std::string> fmspc_hex,
                                  std::optional<PckCa> ca);
  std::optional<Document> cache_read(const std::string& url);
  void cache_write(const std::string& url, const Document& doc);

  std::string base_;
  PcsClientOptions options_;
  HttpClient http_;
  std::atomic<std::uint64_t> fetches_{0}, hits_{0};
};

}  // namespace coco::tdx
