#include "azure/imds.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "core/encoding.h"
#include "core/json_text.h"
#include "core/x509.h"
#include "tdx/quote.h"
#include "tdx/tdreport_sim.h"

namespace coco::azure {
namespace {

constexpr std::size_t kQuoteReportDataOffsetV4 = 0x30 + 0x208;  // header + body offset of REPORTDATA
constexpr std::size_t kQuoteReportDataOffsetV5 = 0x36 + 0x208;

std::string trim_base(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

// One line of text, printable, for error messages.
std::string snippet(std::string_view s, std::size_t max = 120) {
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c == '\n' || c == '\r') break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// YYYY-MM-DD, optionally followed by "-preview".
bool api_version_well_formed(std::string_view v) {
  if (v.ends_with("-preview")) v.remove_suffix(8);
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

HttpResponse json_error(int status, const std::string& message) {
  nlohmann::json body{{"error", message}};
  if (status == 400 && message.find("api-version") != std::string::npos) {
    body["newest-versions"] = {"2023-07-01", "2021-12-13", "2021-11-15"};
  }
  return HttpResponse::json(status, body.dump());
}

// The node at `path` ("compute/vmSize", "network/interface/0"), or nullptr.
const nlohmann::json* node_at(const nlohmann::json& doc, std::string_view path) {
  const nlohmann::json* node = &doc;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string_view seg =
        path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (!seg.empty()) {
      if (node->is_object()) {
        auto it = node->find(std::string(seg));
        if (it == node->end()) return nullptr;
        node = &*it;
      } else if (node->is_array()) {
        if (seg.size() > 6 ||
            !std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; }))
          return nullptr;
        const std::size_t i = std::stoul(std::string(seg));
        if (i >= node->size()) return nullptr;
        node = &(*node)[i];
      } else {
        return nullptr;
      }
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return node;
}

// The first certificate of a PEM bundle, as PEM.
std::optional<std::string> first_pem_cert(const std::string& pem) {
  auto certs = certs_from_pem(pem);
  if (!certs || certs->empty()) return std::nullopt;
  return certs->front().pem();
}

}  // namespace

nlohmann::json default_instance_metadata(std::string vm_size, std::string location, std::string name) {
  return nlohmann::json{
      {"compute",
       {{"azEnvironment", "AzurePublicCloud"},
        {"location", location},
        {"name", name},
        {"osType", "Linux"},
        {"resourceGroupName", "coco-rg"},
        {"subscriptionId", "00000000-0000-0000-0000-000000000000"},
        {"vmId", "6a3c5f9e-0c1b-4d2a-9f3e-7b8d1c2e4a50"},
        {"vmSize", vm_size},
        {"zone", ""},
        {"securityProfile",
         {{"secureBootEnabled", "true"},
          {"virtualTpmEnabled", "true"},
          {"securityType", "ConfidentialVM"}}}}},
      {"network",
       {{"interface",
         nlohmann::json::array({{{"ipv4",
                                  {{"ipAddress", nlohmann::json::array({{{"privateIpAddress", "10.0.0.4"},
                                                                         {"publicIpAddress", ""}}})}}},
                                 {"macAddress", "000D3A000001"}}})}}}};
}

TdQuoteService simulated_td_quote_service(std::shared_ptr<const tdx::QuotingEnclave> qe, Bytes report_mac_key,
                                          int version, std::uint16_t body_type) {
  return [qe = std::move(qe), key = std::move(report_mac_key), version,
          body_type](ByteView tdreport) -> Result<Bytes> {
    if (!qe) return make_error("imds.no_quoting_enclave", "no Quoting Enclave behind the TD quote service");
    return tdx::quote_from_tdreport(*qe, tdreport, key, version, body_type);
  };
}

// ---------------------------------------------------------------------------------------------------------
// FakeImds

FakeImds::FakeImds(ImdsContent content, TdQuoteService quote_service, FakeImdsOptions options)
    : FakeService(options.server, [this](const HttpRequest& r) { return handle(r); }),
      quote_service_(std::move(quote_service)),
      options_(std::move(options)),
      content_(std::make_shared<const ImdsContent>(std::move(content))) {}

FakeImds::~FakeImds() {
  stop();
}

void FakeImds::set_content(ImdsContent content) {
  auto c = std::make_shared<const ImdsContent>(std::move(content));
  std::lock_guard lock(mu_);
  content_ = std::move(c);
}

ImdsContent FakeImds::content() const {
  return *snapshot();
}

std::shared_ptr<const ImdsContent> FakeImds::snapshot() const {
  std::lock_guard lock(mu_);
  return content_;
}

FakeImds::Counters FakeImds::counters() const {
  Counters c;
  c.total = total_.load();
  c.thim = thim_.load();
  c.instance = instance_.load();
  c.td_quote = td_quote_.load();
  c.rejected = rejected_.load();
  return c;
}

HttpResponse FakeImds::reject(int status, const std::string& message) {
  rejected_.fetch_add(1);
  return json_error(status, message);
}

HttpResponse FakeImds::handle(const HttpRequest& req) {
  total_.fetch_add(1);
  const std::string_view path = req.path();
  const bool thim = path == kThimCertificationPath;
  const bool instance =
      path == kInstanceMetadataPath || path.starts_with(std::string(kInstanceMetadataPath) + "/");
  const bool td_quote = path == kTdQuotePath;
  if (!thim && !instance && !td_quote) return reject(404, "Not found");

  if (req.headers.has("X-Forwarded-For"))
    return reject(400, "Bad request. X-Forwarded-For header is not allowed");
  const auto metadata = req.headers.get("Metadata");
  const bool has_metadata = metadata && iequals(*metadata, "true");
  if (!has_metadata && (!td_quote || options_.tdquote_requires_metadata))
    return reject(400, std::string(kImdsMissingHeaderError));

  const std::string allowed = td_quote ? "POST" : "GET";
  if (req.method != allowed) {
    auto r = reject(405, "Method not allowed: " + snippet(req.method, 16) + " (" + allowed + " only)");
    r.headers.set("Allow", allowed);
    return r;
  }
  const bool wrong = faults().get() == Fault::wrong_answer;
  try {
    if (thim) return serve_thim(wrong);
    if (instance) return serve_instance(path.substr(kInstanceMetadataPath.size()), req.query(), wrong);
    return serve_td_quote(req, wrong);
  } catch (const std::exception& e) {
    return json_error(500, std::string("fake IMDS failure: ") + snippet(e.what()));
  }
}

HttpResponse FakeImds::serve_thim(bool wrong) {
  auto c = snapshot();
  if (c->vcek_pem.empty()) return reject(404, "Not found: no AMD certification for this VM");
  std::string vcek = c->vcek_pem;
  if (wrong) {
    if (auto ask = first_pem_cert(c->chain_pem)) vcek = *ask;  // the ASK where the VCEK belongs
  }
  nlohmann::json body{{"vcekCert", vcek},
                      {"certificateChain", c->chain_pem},
                      {"tcbm", c->tcbm},
                      {"cacheControl", c->cache_control}};
  thim_.fetch_add(1);
  return HttpResponse::json(200, body.dump());
}

HttpResponse FakeImds::serve_instance(std::string_view subpath, std::string_view query, bool wrong) {
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : parse_query(query)) {
    if (k != "api-version" && k != "format") continue;
    if (params.count(k)) return reject(400, "Bad request. " + k + " given twice");
    params[k] = v;
  }
  if (!params.count("api-version") || !api_version_well_formed(params["api-version"])) {
    return reject(
        400,
        "Bad request. api-version is invalid or was not specified in the request. For more information "
        "refer to aka.ms/azureimds");
  }
  const std::string format = params.count("format") ? params["format"] : "json";
  if (format != "json" && format != "text") return reject(400, "Bad request. format must be json or text");

  auto c = snapshot();
  if (c->instance.is_null()) return reject(404, "Not found");
  nlohmann::json doc = c->instance;
  if (wrong && doc.is_object() && doc.contains("compute") && doc["compute"].is_object()) {
    doc["compute"]["vmSize"] = "Standard_D2s_v5";
    doc["compute"]["securityProfile"]["securityType"] = "TrustedLaunch";
  }
  const nlohmann::json* node = node_at(doc, subpath);
  if (!node) return reject(404, "Not found");
  if (format == "text" && node->is_structured())
    return reject(400, "Bad request. format=text is only supported for leaf nodes");
  instance_.fetch_add(1);
  if (format == "text")
    return HttpResponse::text(200, node->is_string() ? node->get<std::string>() : node->dump());
  return HttpResponse::json(200, node->dump());
}

HttpResponse FakeImds::serve_td_quote(const HttpRequest& req, bool wrong) {
  if (!quote_service_) return reject(404, "Not found: this VM has no TD quote service");
  auto body = parse_json_limited(req.body);
  if (body.is_discarded() || !body.is_object())
    return reject(400, "Bad request. The body must be a JSON object {\"report\": base64url}");
  auto it = body.find("report");
  if (it == body.end() || !it->is_string())
    return reject(400, "Bad request. \"report\" (base64url of the TDREPORT) is missing or not a string");
  auto report = base64url_decode(it->get<std::string>());
  if (!report) return reject(400, "Bad request. \"report\" is not base64url");
  if (report->size() != tdx::kTdReportSize) {
    return reject(400, "Bad request. The report is " + std::to_string(report->size()) +
                           " bytes; a TDREPORT is " + std::to_string(tdx::kTdReportSize));
  }
  auto quote = quote_service_(*report);
  if (!quote) {
    const auto& e = quote.error();
    const std::string line = snippet(e.message, 200) + " [" + snippet(e.code, 60) + "]";
    if (e.code.rfind("tdx.tdreport", 0) == 0) return reject(400, "Bad request. " + line);
    return json_error(500, "The quote could not be generated: " + line);
  }
  Bytes q = std::move(*quote);
  if (wrong) {
    const std::size_t off =
        q.size() >= 2 && load_le16(q, 0) == 5 ? kQuoteReportDataOffsetV5 : kQuoteReportDataOffsetV4;
    if (off < q.size()) q[off] ^= 0x01;
  }
  td_quote_.fetch_add(1);
  return HttpResponse::json(200, nlohmann::json{{"quote", base64url_encode(q)}}.dump());
}

// ---------------------------------------------------------------------------------------------------------
// ImdsClient

ImdsClient::ImdsClient(std::string base_url, HttpClientOptions http, std::chrono::milliseconds timeout)
    : base_(trim_base(base_url)), http_(std::move(http)), timeout_(timeout) {}

Result<HttpResponse> ImdsClient::call(std::string_view method, const std::string& target, std::string body) {
  HttpHeaders headers{{"Metadata", "true"}, {"Accept", "application/json"}};
  if (method == "POST") headers.set("Content-Type", "application/json");
  const std::string route = target.substr(0, target.find('?'));
  auto r = http_.request(method, base_ + target, std::move(body), headers, timeout_);
  if (!r) {
    const auto& e = r.error();
    if (e.code == "http.bad_url")
      return make_error("imds.bad_url", "IMDS base URL " + base_ + ": " + e.message);
    if (e.code == "http.protocol_error")
      return make_error("imds.bad_response", "IMDS " + route + ": " + e.message + " [" + e.code + "]");
    return make_error("imds.unreachable",
                      "IMDS " + base_ + " unreachable: " + e.message + " [" + e.code + "]");
  }
  if (r->status != 200) {
    std::string detail;
    auto j = parse_json_limited(r->body);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string()) {
      detail = ": " + snippet(j["error"].get<std::string>());
    } else if (auto s = snippet(r->body); !s.empty()) {
      detail = ": " + s;
    }
    return make_error("imds.http_status", "IMDS " + base_ + " answered HTTP " + std::to_string(r->status) +
                                              " for " + route + detail);
  }
  return r;
}

Result<ThimCertification> ImdsClient::vcek_certification() {
  const std::string route(kThimCertificationPath);
  auto r = call("GET", route, {});
  if (!r) return r.error();
  auto j = parse_json_limited(r->body);
  if (j.is_discarded() || !j.is_object())
    return make_error("imds.bad_response", "the IMDS answer to " + route + " is not a JSON object");
  ThimCertification out;
  for (auto [key, field] : {std::pair<const char*, std::string*>{"vcekCert", &out.vcek_pem},
                            {"certificateChain", &out.chain_pem},
                            {"tcbm", &out.tcbm},
                            {"cacheControl", &out.cache_control}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      if (std::string_view(key) == "cacheControl" && it == j.end()) continue;  // optional
      return make_error("imds.bad_response",
                        "the IMDS answer to " + route + " has no string \"" + std::string(key) + "\"");
    }
    *field = it->get<std::string>();
  }
  auto vcek = certs_from_pem(out.vcek_pem);
  if (!vcek || vcek->size() != 1)
    return make_error("imds.bad_response", "the IMDS vcekCert is not one PEM certificate");
  auto chain = certs_from_pem(out.chain_pem);
  if (!chain || chain->empty())
    return make_error("imds.bad_response", "the IMDS certificateChain holds no PEM certificates");
  return out;
}

Result<nlohmann::json> ImdsClient::instance_metadata(std::string_view api_version) {
  const std::string target =
      std::string(kInstanceMetadataPath) + "?api-version=" + url_encode(api_version) + "&format=json";
  auto r = call("GET", target, {});
  if (!r) return r.error();
  auto j = parse_json_limited(r->body);
  if (j.is_discarded() || !j.is_object())
    return make_error("imds.bad_response",
                      "the IMDS answer to " + std::string(kInstanceMetadataPath) + " is not a JSON object");
  return j;
}

Result<Bytes> ImdsClient::td_quote(ByteView tdreport) {
  const std::string route(kTdQuotePath);
  auto r = call("POST", route, nlohmann::json{{"report", base64url_encode(tdreport)}}.dump());
  if (!r) return r.error();
  auto j = parse_json_limited(r->body);
  if (j.is_discarded() || !j.is_object() || !j.contains("quote") || !j["quote"].is_string())
    return make_error("imds.bad_response", "the IMDS answer to " + route + " is not {\"quote\": base64url}");
  auto quote = base64url_decode(j["quote"].get<std::string>());
  if (!quote) return make_error("imds.bad_response", "the IMDS quote is not base64url");
  auto parsed = tdx::parse_quote(*quote);
  if (!parsed) {
    return make_error("imds.bad_response", "the IMDS quote does not parse: " + parsed.error().message + " [" +
                                               parsed.error().code + "]");
  }
  // The quote answers this TDREPORT only if it carries its REPORTDATA.
  if (auto report = tdx::parse_tdreport(tdreport);
      report && parsed->body.report_data != report->mac_struct.report_data) {
    return make_error("imds.bad_response", "the IMDS quote's REPORTDATA is not the TDREPORT's");
  }
  return std::move(*quote);
}

}  // namespace coco::azure
