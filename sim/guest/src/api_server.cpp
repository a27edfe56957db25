#include "guest/api_server.h"

#include <toml++/toml.h>

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "guest/sealed_secret.h"

namespace coco::guest {
namespace {

using nlohmann::json;

constexpr const char* kConfigInvalid = "guest.config_invalid";
constexpr std::string_view kKbsScheme = "kbs://";

Result<toml::table> parse_toml(std::string_view text, const std::string& file) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return make_error(kConfigInvalid, file + " is not valid TOML at line " + std::to_string(b.line) +
                                          ", column " + std::to_string(b.column) + ": " +
                                          std::string(e.description()));
  } catch (const std::exception& e) {
    return make_error(kConfigInvalid, file + " could not be parsed: " + e.what());
  }
}

// A string at `path` ("kbc.url"); nullopt when absent; an error when present with another type.
Result<std::optional<std::string>> string_at(const toml::table& t, const std::string& file,
                                             const std::string& path) {
  const toml::node_view<const toml::node> n = t.at_path(path);
  if (!n) return std::optional<std::string>{};
  if (!n.is_string()) return make_error(kConfigInvalid, file + ": " + path + " must be a string");
  return std::optional<std::string>{n.as_string()->get()};
}

Result<std::string> required_string(const toml::table& t, const std::string& file, const std::string& path) {
  auto s = string_at(t, file, path);
  if (!s) return s.error();
  if (!*s || (*s)->empty()) return make_error(kConfigInvalid, file + ": " + path + " is missing");
  return **s;
}

// split_nth_slash(url, n) of api-server-rest's utils.rs: split before the n-th '/'.
std::optional<std::pair<std::string_view, std::string_view>> split_nth_slash(std::string_view url, int n) {
  std::size_t pos = std::string_view::npos;
  std::size_t from = 0;
  for (int i = 0; i < n; ++i) {
    pos = url.find('/', from);
    if (pos == std::string_view::npos) return std::nullopt;
    from = pos + 1;
  }
  if (n <= 0) return std::nullopt;
  return std::make_pair(url.substr(0, pos), url.substr(pos));
}

HttpResponse plain(int status, std::string_view body) {
  HttpResponse r;
  r.status = status;
  r.body = std::string(body);
  return r;
}
HttpResponse bad_request() {
  return plain(400, "BAD REQUEST");
}
HttpResponse not_found() {
  return plain(404, "URL NOT FOUND");
}
HttpResponse not_allowed() {
  return plain(405, "Method Not Allowed");
}
HttpResponse octets(std::string body) {
  return HttpResponse::binary(std::move(body), "application/octet-stream");
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  for (auto& [k, v] : parse_query(query)) {
    if (k == name) found = v;  // form_urlencoded into a HashMap: the last one wins
  }
  return found;
}

// decode_runtime_data: raw bytes, or base64 URL-safe without padding.
std::optional<Bytes> decode_runtime_data(const std::string& data,
                                         const std::optional<std::string>& encoding) {
  if (!encoding) return to_bytes(as_bytes(data));
  if (*encoding != "base64" || data.find('=') != std::string::npos) return std::nullopt;
  return base64url_decode(data);
}

}  // namespace

Result<GuestConfig> guest_config_from_initdata(const std::map<std::string, std::string>& files) {
  GuestConfig c;
  auto cdh_it = files.find("cdh.toml");
  if (cdh_it == files.end()) return make_error(kConfigInvalid, "cdh.toml is missing from the init-data");
  auto cdh = parse_toml(cdh_it->second, "cdh.toml");
  if (!cdh) return cdh.error();
  auto name = required_string(*cdh, "cdh.toml", "kbc.name");
  if (!name) return name.error();
  auto url = required_string(*cdh, "cdh.toml", "kbc.url");
  if (!url) return url.error();
  auto cert = string_at(*cdh, "cdh.toml", "kbc.kbs_cert");
  if (!cert) return cert.error();
  auto policy = string_at(*cdh, "cdh.toml", "image.image_security_policy_uri");
  if (!policy) return policy.error();
  c.kbc_name = *name;
  c.kbs_url = *url;
  if (*cert && !(*cert)->empty()) c.kbs_cert_pem = **cert;
  c.image_security_policy_uri = policy->value_or("");

  if (auto aa_it = files.find("aa.toml"); aa_it != files.end()) {
    auto aa = parse_toml(aa_it->second, "aa.toml");
    if (!aa) return aa.error();
    auto aa_url = string_at(*aa, "aa.toml", "token_configs.kbs.url");
    if (!aa_url) return aa_url.error();
    auto aa_cert = string_at(*aa, "aa.toml", "token_configs.kbs.cert");
    if (!aa_cert) return aa_cert.error();
    c.aa_kbs_url = aa_url->value_or("");
    if (*aa_cert && !(*aa_cert)->empty()) c.aa_kbs_cert_pem = **aa_cert;
  }
  return c;
}

ApiServer::ApiServer(ApiServerOptions options)
    : FakeService(
          [&] {
            HttpServerOptions s;
            s.bind_address = options.bind;
            s.port = options.port;
            s.threads = options.threads;
            return s;
          }(),
          [this](const HttpRequest& r) { return handle(r); }),
      opts_(std::move(options)) {}

ApiServer::~ApiServer() {
  stop();
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(ApiServerOptions options) {
  if (!options.make_provider) return make_error(kConfigInvalid, "no evidence provider for the guest's TEE");
  if (options.config.kbs_url.empty()) return make_error(kConfigInvalid, "cdh.toml: kbc.url is missing");
  std::unique_ptr<ApiServer> s(new ApiServer(std::move(options)));
  s->info_provider_ = s->opts_.make_provider();
  if (!s->info_provider_) return make_error(kConfigInvalid, "the evidence provider factory returned nothing");
  if (auto st = s->FakeService::start(); !st) return st.error();
  return s;
}

KbsClientOptions ApiServer::kbs_options(const std::string& url,
                                        const std::optional<std::string>& cert) const {
  KbsClientOptions o;
  o.url = url;
  while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();
  std::string ca = cert.value_or("");
  if (opts_.extra_ca_pem) ca += (ca.empty() || ca.back() == '\n' ? "" : "\n") + *opts_.extra_ca_pem;
  if (!ca.empty()) o.ca_pem = ca;
  o.init_data_toml = opts_.init_data_toml;
  o.max_attempts = opts_.max_attempts;
  return o;
}

Result<Bytes> ApiServer::get_resource(const std::string& kbs_uri) {
  // kbs://<host>/<repo>/<type>/<tag>: CDH's ResourceUri, host ignored (the KBC's URL is the KBS).
  if (!std::string_view(kbs_uri).starts_with(kKbsScheme)) {
    return make_error("guest.resource_uri_invalid", "not a kbs:// resource URI: " + kbs_uri);
  }
  const std::string rest = kbs_uri.substr(kKbsScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos) {
    return make_error("guest.resource_uri_invalid", "resource URI without a path: " + kbs_uri);
  }
  const std::string path = rest.substr(slash + 1);
  std::lock_guard lock(cdh_mu_);
  if (!cdh_client_) {
    auto provider = opts_.make_provider();
    if (!provider) return make_error("guest.evidence", "the evidence provider factory returned nothing");
    cdh_client_ = std::make_unique<KbsClient>(kbs_options(opts_.config.kbs_url, opts_.config.kbs_cert_pem),
                                              std::move(provider));
  }
  return cdh_client_->get_resource(path);
}

int ApiServer::cdh_attestations() const {
  std::lock_guard lock(cdh_mu_);
  return cdh_client_ ? cdh_client_->attestations() : 0;
}

Result<Bytes> ApiServer::unseal(std::string_view sealed) {
  return unseal_secret(sealed, [this](const std::string& uri) { return get_resource(uri); });
}

Result<std::string> ApiServer::get_token(std::string_view token_type) {
  if (token_type != "kbs") {
    // The AA also knows "coco_as" (a token from a standalone Attestation Service), which the pattern does
    // not deploy. Message not confirmed against the AA.
    return make_error("guest.token_type_unsupported", "Unsupported token type " + std::string(token_type));
  }
  // The AA's KbsTokenGetter builds a fresh client per call (new TEE key, new handshake), with aa.toml's KBS.
  const std::string& url = opts_.config.aa_kbs_url.empty() ? opts_.config.kbs_url : opts_.config.aa_kbs_url;
  const auto& cert =
      opts_.config.aa_kbs_url.empty() ? opts_.config.kbs_cert_pem : opts_.config.aa_kbs_cert_pem;
  std::unique_ptr<EvidenceProvider> provider;
  {
    std::lock_guard lock(aa_mu_);
    provider = opts_.make_provider();
  }
  if (!provider) return make_error("guest.evidence", "the evidence provider factory returned nothing");
  KbsClient client(kbs_options(url, cert), std::move(provider));
  auto r = client.attest();
  if (!r) return r.error();
  json message = {{"token", r->token}, {"tee_keypair", private_key_to_pem(client.tee_key().key())}};
  return message.dump();
}

Result<std::string> ApiServer::get_evidence(ByteView runtime_data) {
  std::lock_guard lock(aa_mu_);
  auto ev = info_provider_->evidence(runtime_data);
  if (!ev) return make_error("guest.evidence", ev.error().code + ": " + ev.error().message);
  return ev->dump();
}

HttpResponse ApiServer::handle(const HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == "/info") {
    if (request.method != "GET") return not_allowed();
    nlohmann::ordered_json info;
    info["version"] = opts_.version;
    info["tee"] = info_provider_->tee();
    info["feature"] = opts_.feature;  // no additional TEEs in the simulation: the field is omitted
    return HttpResponse::json(200, info.dump());
  }
  auto split = split_nth_slash(path, 2);
  if (!split) return not_found();
  const auto [root, url_path] = *split;
  if (root == "/aa") {
    // router.rs matches (path, method) pairs: a known path with another method falls to 404 too.
    const bool aael = url_path == "/aael";
    if (aael ? request.method != "POST" : request.method != "GET") return not_found();
    if (url_path == "/token") {
      auto type = query_param(request.query(), "token_type");
      if (!type) return bad_request();
      auto token = get_token(*type);
      if (!token) return plain(500, token.error().message);
      return octets(std::move(*token));
    }
    if (url_path == "/evidence" || url_path == "/additional-evidence") {
      auto data = query_param(request.query(), "runtime_data");
      if (!data) return bad_request();
      auto raw = decode_runtime_data(*data, query_param(request.query(), "encoding"));
      if (!raw) return bad_request();
      if (url_path == "/additional-evidence") {
        std::lock_guard lock(aa_mu_);
        return octets(info_provider_->additional_evidence());
      }
      auto ev = get_evidence(*raw);
      if (!ev) return plain(500, ev.error().message);
      return octets(std::move(*ev));
    }
    if (aael) {
      json entry = json::parse(request.body, nullptr, false);
      if (!entry.is_object() || !entry.contains("domain") || !entry.contains("operation") ||
          !entry.contains("content")) {
        return plain(500, "Illegal AAEL eventry format");
      }
      return HttpResponse::json(
          200, R"({"success":"false","message": "Attestation Agent does not enable eventlog recording"})");
    }
    return not_found();
  }
  if (root == "/cdh") {
    auto api = split_nth_slash(url_path, 2);
    if (!api || api->first != "/resource") return not_found();
    auto r = get_resource("kbs://" + std::string(api->second));
    if (!r) return plain(500, kCdhResourceFailedBody);
    return octets(to_string(*r));
  }
  return not_found();
}

}  // namespace coco::guest
