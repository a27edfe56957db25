// AMD Key Distribution Service (KDS), both sides:
// - the URL formats of the real service (https://kdsintf.amd.com): VCEK, VLEK, cert_chain and CRL;
// - FakeKds, an HTTP(S) server backed by the simulated AMD root of trust (snp/amd_sim.h) that issues
//   VCEKs and VLEKs on the fly, serves the chains and ARK-signed CRLs, counts what it serves, and injects
//   faults (down, slow, 404, 429, 500, wrong answers);
// - KdsClient, which fetches those from a KDS (real or fake) through an on-disk cache and maps every
//   failure to a named error.
// URL numbers are printed as Trustee and virtee/sev print them ({:02}, e.g. blSPL=03). CCF prints them
// without padding (fmcSPL=1); the real KDS accepts both, and so does FakeKds.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/crl.h"
#include "core/fault.h"
#include "core/http.h"
#include "core/result.h"
#include "core/x509.h"
#include "snp/amd_sim.h"
#include "snp/report.h"

namespace coco::snp {

inline constexpr std::string_view kKdsBaseUrl = "https://kdsintf.amd.com";

// The KDS hwID of a chip: CHIP_ID (64 bytes) on Milan and Genoa, its first 8 bytes on Turin. A shorter
// input is used as given (callers may pass the 8-byte Turin hwID directly).
Bytes kds_hwid(Product product, ByteView chip_id);
// The TCB query: "blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115", with "fmcSPL=..&" first on Turin (fmc
// taken as 0 when the Tcb has none).
std::string kds_tcb_query(Product product, const Tcb& tcb);

// Paths with query, relative to the KDS base.
std::string vcek_path(Product product, ByteView chip_id, const Tcb& tcb);  // /vcek/v1/Milan/{hwid}?blSPL=..
std::string vlek_cert_path(Product product, const Tcb& tcb);               // /vlek/v1/Milan/cert?blSPL=..
std::string cert_chain_path(Product product,
                            bool vlek);            // /vcek/v1/Milan/cert_chain, /vlek/v1/.../cert_chain
std::string crl_path(Product product, bool vlek);  // /vcek/v1/Milan/crl, /vlek/v1/Milan/crl

// Full URLs; `base` is "https://kdsintf.amd.com" or a fake's url() (a trailing '/' is ignored).
std::string vcek_url(Product product, ByteView chip_id, const Tcb& tcb, std::string_view base = kKdsBaseUrl);
std::string vlek_cert_url(Product product, const Tcb& tcb, std::string_view base = kKdsBaseUrl);
std::string cert_chain_url(Product product, bool vlek, std::string_view base = kKdsBaseUrl);
std::string crl_url(Product product, bool vlek, std::string_view base = kKdsBaseUrl);

// ---------------------------------------------------------------------------------------------------------

struct FakeKdsOptions {
  // Bind address, port, threads, TLS. `server.faults` may be given to share a switch; otherwise the
  // FakeKds makes its own (faults()).
  HttpServerOptions server;
  // CRL times: thisUpdate defaults to the current time less one hour (so clock skew does not make it
  // "not yet valid"); nextUpdate is thisUpdate + crl_validity.
  std::optional<SysTime> crl_this_update;
  std::chrono::hours crl_validity{24 * 7};
  // VLEKs are issued to this CSP unless the request names one with ?cspId=.
  std::string default_csp_id = "CN=coco-harness.example";
};

// Routes (GET only; anything else is 405):
//   /vcek/v1/{Milan|Genoa|Turin}/cert_chain   PEM, ASK then ARK            application/x-pem-file
//   /vlek/v1/{product}/cert_chain             PEM, ASVK then ARK           application/x-pem-file
//   /vcek/v1/{product}/crl, /vlek/v1/{product}/crl   DER CRL signed by the ARK (RSA-PSS SHA-384)
//                                                                          application/pkix-crl
//   /vcek/v1/{product}/{hwid}?[fmcSPL&]blSPL&teeSPL&snpSPL&ucodeSPL  DER VCEK  application/octet-stream
//   /vlek/v1/{product}/cert?[fmcSPL&]blSPL&teeSPL&snpSPL&ucodeSPL[&cspId]  DER VLEK
// An unknown product or route is 404; a malformed hwID (not 128 hex characters, 16 on Turin) or TCB query
// (missing, repeated, unknown or out-of-range parameter) is 400 with a one-line text body.
// Wrong answers (Fault::wrong_answer): a VCEK for another chip, a VLEK for another TCB, the chain in the
// wrong order (ARK first), a CRL signed by the ASK instead of the ARK.
class FakeKds : public FakeService {
 public:
  explicit FakeKds(AmdAuthority& amd, FakeKdsOptions options = {});
  ~FakeKds();

  // start(), stop(), url(), port(), faults(): FakeService (core/http.h).

  // Lists `serial` (big-endian) in the product's VCEK (or VLEK) CRL from now on.
  void revoke(Product product, ByteView serial, bool vlek = false);

  struct Counters {
    std::uint64_t total = 0;       // requests that reached the service
    std::uint64_t vcek = 0;        // VCEKs served
    std::uint64_t vlek = 0;        // VLEKs served
    std::uint64_t cert_chain = 0;  // chains served
    std::uint64_t crl = 0;         // CRLs served
    std::uint64_t rejected = 0;    // 4xx answers
  };
  Counters counters() const;

  // The service without a socket: what the server calls for each request.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse serve_vek(Product product, bool vlek, std::string_view hwid_hex, std::string_view query);
  HttpResponse serve_chain(Product product, bool vlek);
  HttpResponse serve_crl(Product product, bool vlek);
  Result<Crl> current_crl(Product product, bool vlek, bool wrong);

  AmdAuthority& amd_;
  FakeKdsOptions options_;

  struct CrlState {
    std::vector<Bytes> revoked;
    std::uint64_t number = 1;
    std::optional<Crl> cached;
    SysTime built_at{};
  };
  std::mutex mu_;
  std::map<std::pair<Product, bool>, CrlState> crls_;
  // Issued VEKs by request, so that the same URL always answers the same bytes as the real KDS does
  // (RSA-PSS signatures are salted, so re-issuing would change them). Bounded: cleared when full.
  static constexpr std::size_t kMaxIssued = 4096;
  std::map<std::string, std::string> issued_;

  std::atomic<std::uint64_t> total_{0}, vcek_{0}, vlek_{0}, chain_{0}, crl_{0}, rejected_{0};
};

// ---------------------------------------------------------------------------------------------------------

struct KdsClientOptions {
  std::string base_url = std::string(kKdsBaseUrl);
  // On-disk cache: one file per URL, named by the SHA-256 (hex) of the URL's path and query, as Trustee
  // names its snp-vcek/<sha256(url)> files. Empty: no cache. A cache hit never contacts the KDS.
  std::filesystem::path cache_dir;
  std::chrono::milliseconds timeout{10'000};
  HttpClientOptions http;
  // Check that each answer answers the request: the VCEK's hwID and TCB extensions, the chain's names and
  // order, the CRL's issuer. When true a mismatch is kds.bad_response; when false the answer is returned
  // for the caller's verifier to judge. Either way a mismatching answer is never cached.
  bool check_response = true;
};

// Errors: kds.chip_id_masked (all-zero hwID: the guest was launched with MASK_CHIP_ID=1),
// kds.unreachable (connection refused or closed, timeout, TLS failure), kds.http_status (any status but
// 200; the message names it, e.g. "HTTP 429"), kds.bad_response (not a DER certificate / PEM chain / CRL,
// or an answer to another question), kds.bad_url (the base URL), kds.product_unknown.
class KdsClient {
 public:
  explicit KdsClient(KdsClientOptions options = {});

  Result<Cert> fetch_vcek(Product product, ByteView chip_id, const Tcb& reported_tcb);
  // Product from the report's CPUID (v3+), else `product`; TCB from REPORTED_TCB; hwID from CHIP_ID.
  Result<Cert> fetch_vcek_for_report(const Report& report, Product product = Product::unknown);
  Result<Cert> fetch_vlek(Product product, const Tcb& tcb);
  // [ASK or ASVK, ARK], in the KDS's order.
  Result<std::vector<Cert>> fetch_cert_chain(Product product, bool vlek = false);
  // A cached CRL is used only until its nextUpdate; `use_cache` = false always asks the KDS.
  Result<Crl> fetch_crl(Product product, bool vlek = false, bool use_cache = true);

  struct Stats {
    std::uint64_t network_fetches = 0;  // HTTP requests sent
    std::uint64_t cache_hits = 0;
  };
  Stats stats() const { return {fetches_.load(), hits_.load()}; }
  // The cache file for a KDS path+query ("" when there is no cache).
  std::filesystem::path cache_file(std::string_view path_and_query) const;

 private:
  Result<std::string> get(const std::string& path_and_query);
  // VCEK (hwid given) or VLEK: from the cache when it still matches the request, else from the KDS.
  Result<Cert> fetch_vek(const std::string& path, Product product, const std::optional<Bytes>& hwid,
                         const Tcb& tcb);
  std::optional<Bytes> cache_read(const std::string& path_and_query);
  void cache_write(const std::string& path_and_query, ByteView data);

  KdsClientOptions options_;
  HttpClient http_;
  std::atomic<std::uint64_t> fetches_{0}, hits_{0};
};

// A fetcher with the signature of snp::VcekFetcher (snp/verify.h): the VCEK's DER from a KDS at
// `base_url`, through `cache_dir` (may be empty). It does not judge the answer (check_response = false),
// so the verifier reports a wrong VCEK under its own, more precise, failure names.
std::function<Result<Bytes>(Product, ByteView, const Tcb&)> make_kds_fetcher(
    std::string base_url, std::filesystem::path cache_dir = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

}  // namespace coco::snp
