// Azure Instance Metadata Service (IMDS, http://169.254.169.254), the parts a confidential VM's guest uses,
// both sides:
// - FakeImds, an HTTP server that answers the THIM certification route (the VCEK and its ASK/ARK chain, as
//   Azure caches them from AMD's KDS), the instance metadata route, and the TD quote route (a TDREPORT in,
//   a DCAP quote from the host's Quoting Enclave out), counts what it serves and injects faults (down, slow,
//   404, 429, 500, wrong answers);
// - ImdsClient, which calls those routes on an IMDS (real or fake) and maps every failure to a named error.
//
// Shapes (evidence.md 3.3; kinvolk/azure-cvm-tooling az-snp-vtpm/src/imds.rs and az-tdx-vtpm/src/imds.rs;
// Azure's "Azure Instance Metadata Service" and THIM documentation):
//   GET  /metadata/THIM/amd/certification       Metadata: true
//        -> {"vcekCert": PEM, "certificateChain": PEM (ASK then ARK), "tcbm": hex, "cacheControl": "86400"}
//   GET  /metadata/instance[/<path>]?api-version=YYYY-MM-DD[&format=json|text]   Metadata: true
//        -> the instance document (compute.vmSize, location, securityProfile.securityType, ...), or the
//           node at <path> ("compute/vmSize"); format=text gives a leaf as plain text
//   POST /acc/tdquote  {"report": base64url(TDREPORT, 1024 bytes)}  -> {"quote": base64url(quote)}
// base64url is written without padding (as kinvolk's base64_url::encode does) and read with or without it.
//
// The Metadata header. IMDS refuses a /metadata request without `Metadata: true` with 400 and the JSON body
// {"error":"Bad request. Required metadata header not specified"}, and any request carrying
// X-Forwarded-For (IMDS is not to be reached through a proxy). The TD quote route is called without the
// header by the real clients (kinvolk's az-tdx-vtpm, Constellation), so on the real service it cannot be
// required there; FakeImds follows that and requires it on /acc/tdquote only when
// FakeImdsOptions::tdquote_requires_metadata is set. ImdsClient always sends it.
//
// Error answers are JSON {"error": "<one line>"} as IMDS's are: 400 for a bad request (no Metadata header,
// missing or malformed api-version, a body that is not {"report": base64url}, a TDREPORT that is not 1024
// bytes or that the platform's QE refuses: wrong MAC or type), 404 for an unknown path or a route this VM
// has no content for (THIM on a VM without a VCEK, /acc/tdquote without a TD quote service), 405 for a
// method the route does not take (with Allow), 500 when the quote service fails otherwise.
// Wrong answers (Fault::wrong_answer): THIM serves the ASK as the VCEK; the instance document names a
// non-confidential size (Standard_D2s_v5) with securityType "TrustedLaunch"; the TD quote comes back with
// one byte of its REPORTDATA flipped (a quote of another report, whose signature no longer verifies).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/fault.h"
#include "core/http.h"
#include "core/result.h"
#include "tdx/qe.h"

namespace coco::azure {

inline constexpr std::string_view kImdsBaseUrl = "http://169.254.169.254";
inline constexpr std::string_view kThimCertificationPath = "/metadata/THIM/amd/certification";
inline constexpr std::string_view kInstanceMetadataPath = "/metadata/instance";
inline constexpr std::string_view kTdQuotePath = "/acc/tdquote";
inline constexpr std::string_view kImdsApiVersion = "2021-02-01";
// IMDS's answer to a /metadata request without the Metadata header.
inline constexpr std::string_view kImdsMissingHeaderError =
    "Bad request. Required metadata header not specified";

// The THIM answer: the VCEK of the chip the VM runs on, its chain, and the TCB it was issued for.
struct ThimCertification {
  std::string vcek_pem;
  std::string chain_pem;  // ASK then ARK
  std::string tcbm;       // the TCB (hex) the VCEK was fetched for
  std::string cache_control = "86400";
  bool operator==(const ThimCertification&) const = default;
};

struct ImdsContent {
  // THIM. An empty vcek_pem: the route answers 404 (a VM without an SEV-SNP VCEK, e.g. TDX).
  std::string vcek_pem, chain_pem, tcbm;
  std::string cache_control = "86400";
  // The instance document (default_instance_metadata()). Null: the route answers 404.
  nlohmann::json instance;
};

// A DCasv5 confidential VM's instance document, the fields peer pods and the CCM read:
// compute.{azEnvironment, location, name, osType, resourceGroupName, subscriptionId, vmId, vmSize, zone,
// securityProfile{secureBootEnabled, virtualTpmEnabled, securityType "ConfidentialVM"}} and
// network.interface[0].ipv4.ipAddress[0].privateIpAddress. Values are strings, as IMDS gives them.
nlohmann::json default_instance_metadata(std::string vm_size = "Standard_DC2as_v5",
                                         std::string location = "eastus", std::string name = "coco-peer-pod");

// The host side of POST /acc/tdquote: a TDREPORT in, the quote bytes out. Errors whose code starts with
// "tdx.tdreport" (bad size, type or MAC) are answered 400, any other 500.
using TdQuoteService = std::function<Result<Bytes>(ByteView tdreport)>;

// The simulated host: checks the TDREPORT's MAC with the platform's report MAC key and has `qe` quote its
// body (tdx::quote_from_tdreport), as Azure's host does with a v4 quote.
TdQuoteService simulated_td_quote_service(std::shared_ptr<const tdx::QuotingEnclave> qe, Bytes report_mac_key,
                                          int version = 4, std::uint16_t body_type = tdx::kBodyTypeTdx10);

struct FakeImdsOptions {
  // Bind address, port, threads, TLS. `server.faults` may be given to share a switch; otherwise the
  // FakeImds makes its own (faults()).
  HttpServerOptions server;
  // Require `Metadata: true` on /acc/tdquote too (see above; the real service does not).
  bool tdquote_requires_metadata = false;
};

class FakeImds : public FakeService {
 public:
  // `quote_service` may be empty (an SEV-SNP VM): /acc/tdquote then answers 404.
  FakeImds(ImdsContent content, TdQuoteService quote_service, FakeImdsOptions options = {});
  ~FakeImds();

  // start(), stop(), url(), port(), faults(): FakeService (core/http.h).

  // Thread-safe swap: answers from now on come from `content`.
  void set_content(ImdsContent content);
  ImdsContent content() const;

  struct Counters {
    std::uint64_t total = 0;     // requests that reached the service
    std::uint64_t thim = 0;      // THIM certifications served
    std::uint64_t instance = 0;  // instance documents (or nodes) served
    std::uint64_t td_quote = 0;  // TD quotes served
    std::uint64_t rejected = 0;  // 4xx answers
  };
  Counters counters() const;

  // The service without a socket: what the server calls for each request.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse serve_thim(bool wrong);
  HttpResponse serve_instance(std::string_view subpath, std::string_view query, bool wrong);
  HttpResponse serve_td_quote(const HttpRequest& request, bool wrong);
  HttpResponse reject(int status, const std::string& message);
  std::shared_ptr<const ImdsContent> snapshot() const;

  TdQuoteService quote_service_;
  FakeImdsOptions options_;

  mutable std::mutex mu_;
  std::shared_ptr<const ImdsContent> content_;

  std::atomic<std::uint64_t> total_{0}, thim_{0}, instance_{0}, td_quote_{0}, rejected_{0};
};

// Errors: imds.bad_url (the base URL), imds.unreachable (refused, closed, timeout), imds.http_status (any
// status but 200; the message names the route, the status and IMDS's "error" text), imds.bad_response (a
// body that is not the route's JSON, a field missing or of the wrong type, PEM without certificates, a
// quote that is not base64url or does not parse, or (td_quote) a quote whose REPORTDATA is not the
// TDREPORT's).
class ImdsClient {
 public:
  explicit ImdsClient(std::string base_url = std::string(kImdsBaseUrl), HttpClientOptions http = {},
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

  Result<ThimCertification> vcek_certification();
  Result<Bytes> td_quote(ByteView tdreport);
  Result<nlohmann::json> instance_metadata(std::string_view api_version = kImdsApiVersion);

 private:
  Result<HttpResponse> call(std::string_view method, const std::string& target, std::string body);

  std::string base_;
  HttpClient http_;
  std::chrono::milliseconds timeout_;
};

}  // namespace coco::azure
