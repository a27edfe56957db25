#include "guest/rcar_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"
#include "jose/jose.h"

namespace coco::guest {

namespace {

using nlohmann::json;

// nlohmann's dump throws on invalid UTF-8 (a tampered evidence string, an odd init-data body); replace
// the bad bytes instead, so nothing escapes.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses without exceptions; a discarded value on failure.
json parse(std::string_view text) {
  return parse_json_limited(text);
}

std::string trim_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_success(int status) {
  return status >= 200 && status < 300;
}

HttpClientOptions client_options(std::optional<std::string> ca_pem, bool insecure_skip_verify) {
  HttpClientOptions o;
  o.ca_pem = std::move(ca_pem);
  o.insecure_skip_verify = insecure_skip_verify;
  return o;
}

Error http_failure(std::string_view method, const std::string& url, const Error& e) {
  return make_error("guest.http", std::string(method) + " " + url + " failed: " + e.code + ": " + e.message);
}

std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string s(body.substr(0, kMax));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (body.size() > kMax) s += "...";
  return s;
}

Error error_from(const KbsHttpError& e) {
  std::string msg = "KBS answered " + std::to_string(e.status);
  const std::string variant = e.variant();
  if (!variant.empty()) msg += " " + variant;
  if (!e.detail.empty()) {
    msg += ": " + e.detail;
  } else if (e.type.empty() && !e.body.empty()) {
    msg += ": " + snippet(e.body);
  }
  return make_error("guest.kbs_error", std::move(msg));
}

const std::string* string_member(const json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

Result<HashAlg> selected_hash(const json& challenge) {
  auto it = challenge.find("extra-params");
  if (it == challenge.end() || !it->is_object()) return HashAlg::sha384;
  auto sel = it->find("selected-hash-algorithm");
  if (sel == it->end()) return HashAlg::sha384;
  if (!sel->is_string()) {
    return make_error("guest.bad_response", "challenge extra-params selected-hash-algorithm is not a string");
  }
  std::string name = sel->get<std::string>();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "sha256") return HashAlg::sha256;
  if (name == "sha384") return HashAlg::sha384;
  if (name == "sha512") return HashAlg::sha512;
  return make_error("guest.bad_response", "challenge selects unsupported hash algorithm `" + name + "`");
}

Result<json> decode_jwt_claims(const std::string& token) {
  auto jws = jose::jws_parse(token);
  if (!jws) {
    return make_error("guest.bad_response",
                      "attestation token is not a JWT: " + jws.error().code + ": " + jws.error().message);
  }
  json claims = parse(jws->payload);
  if (!claims.is_object()) {
    return make_error("guest.bad_response", "attestation token payload is not a JSON object");
  }
  return claims;
}

}  // namespace

// ---- KbsHttpError -----------------------------------------------------------------------------

std::string KbsHttpError::variant() const {
  auto slash = type.rfind('/');
  return slash == std::string::npos ? type : type.substr(slash + 1);
}

KbsHttpError parse_kbs_error(int status, std::string body) {
  KbsHttpError e;
  e.status = status;
  const json j = parse(body);
  if (const auto* t = string_member(j, "type")) e.type = *t;
  if (const auto* d = string_member(j, "detail")) e.detail = *d;
  e.body = std::move(body);
  return e;
}

// ---- KbsClient --------------------------------------------------------------------------------

KbsClient::KbsClient(KbsClientOptions options, std::unique_ptr<EvidenceProvider> provider)
    : opts_(std::move(options)),
      provider_(std::move(provider)),
      tee_key_(opts_.tee_key ? *opts_.tee_key : TeeKey::generate(opts_.key_type)),
      http_(client_options(opts_.ca_pem, opts_.insecure_skip_verify)) {
  opts_.url = trim_trailing_slashes(opts_.url);
}

KbsClient::~KbsClient() = default;

void KbsClient::observe(const Result<HttpResponse>& response) const {
  if (opts_.on_response && response) opts_.on_response(*response);
}

void KbsClient::reset_session() {
  cookie_.reset();
  token_.reset();
  challenge_.reset();
}

std::string KbsClient::endpoint(std::string_view rest) const {
  return opts_.url + std::string(kKbsPrefix) + "/" + std::string(rest);
}

HttpHeaders KbsClient::session_headers(std::string_view content_type) const {
  HttpHeaders h;
  if (!content_type.empty()) h.set("Content-Type", std::string(content_type));
  if (cookie_) h.set("Cookie", std::string(kSessionCookieName) + "=" + *cookie_);
  return h;
}

// A cookie jar of one: the last `kbs-session-id` the KBS set wins (reqwest's cookie store).
void KbsClient::take_cookie(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers.items()) {
    if (!iequals(name, "Set-Cookie")) continue;
    std::string_view v = value;
    const std::string pair = trim(v.substr(0, v.find(';')));
    const auto eq = pair.find('=');
    if (eq == std::string::npos) continue;
    if (trim(std::string_view(pair).substr(0, eq)) != kSessionCookieName) continue;
    std::string cookie_value = trim(std::string_view(pair).substr(eq + 1));
    if (cookie_value.size() >= 2 && cookie_value.front() == '"' && cookie_value.back() == '"') {
      cookie_value = cookie_value.substr(1, cookie_value.size() - 2);
    }
    if (cookie_value.empty()) {
      cookie_.reset();
    } else {
      cookie_ = std::move(cookie_value);
    }
  }
}

Error KbsClient::kbs_error(const HttpResponse& response) {
  last_error_ = parse_kbs_error(response.status, response.body);
  return error_from(*last_error_);
}

Result<json> KbsClient::auth() {
  if (!provider_) return make_error("guest.evidence", "the client has no evidence provider");
  json extra = json::object();
  extra["supported-hash-algorithms"] = json::array({"sha256", "sha384", "sha512"});
  json request = json::object();
  request["version"] = opts_.protocol_version;
  request["tee"] = provider_->tee();
  request["extra-params"] = std::move(extra);

  const std::string url = endpoint("auth");
  auto resp = http_.post(url, dump(request), session_headers("application/json"), opts_.timeout);
  observe(resp);
  if (!resp) return http_failure("POST", url, resp.error());
  take_cookie(*resp);
  if (!is_success(resp->status)) return kbs_error(*resp);

  json challenge = parse(resp->body);
  if (!challenge.is_object()) {
    return make_error("guest.bad_response", "the /auth answer is not a JSON object: " + snippet(resp->body));
  }
  if (!string_member(challenge, "nonce")) {
    return make_error("guest.bad_response", "the Challenge has no string `nonce`: " + snippet(resp->body));
  }
  // A new handshake: the previous token belongs to the session the old cookie named.
  token_.reset();
  challenge_ = challenge;
  return challenge;
}

Result<AttestResult> KbsClient::attest() {
  auto challenge = auth();
  if (!challenge) return challenge.error();
  return attest_with(*challenge);
}

Result<AttestResult> KbsClient::attest_with(const json& challenge) {
  const std::string* nonce_member = string_member(challenge, "nonce");
  if (!nonce_member) return make_error("guest.bad_response", "the Challenge has no string `nonce`");
  const std::string nonce = *nonce_member;
  auto alg = selected_hash(challenge);
  if (!alg) return alg.error();

  const json tee_pubkey = tee_key_.public_jwk();
  const std::string additional = provider_->additional_evidence();

  // trustee.md 1.5: the primary evidence binds hash(JCS({"additional-evidence","nonce","tee-pubkey"})).
  json runtime = json::object();
  runtime["additional-evidence"] = additional;
  runtime["nonce"] = nonce;
  runtime["tee-pubkey"] = tee_pubkey;
  auto canonical = jose::jcs_canonicalize(runtime);
  if (!canonical) {
    return make_error("guest.bad_response",
                      "cannot canonicalize the runtime data: " + canonical.error().message);
  }
  const Bytes runtime_digest = digest(*alg, as_bytes(*canonical));

  auto evidence = provider_->evidence(runtime_digest);
  if (!evidence) {
    return make_error("guest.evidence", "the " + provider_->tee() + " evidence provider failed: " +
                                            evidence.error().code + ": " + evidence.error().message);
  }

  json body = json::object();
  if (opts_.init_data_toml) {
    json init = json::object();
    init["format"] = "toml";
    init["body"] = *opts_.init_data_toml;
    body["init-data"] = std::move(init);
  }
  json runtime_data = json::object();
  runtime_data["nonce"] = nonce;
  runtime_data["tee-pubkey"] = tee_pubkey;
  body["runtime-data"] = std::move(runtime_data);
  json tee_evidence = json::object();
  tee_evidence["primary_evidence"] = std::move(evidence).value();
  tee_evidence["additional_evidence"] = additional;
  body["tee-evidence"] = std::move(tee_evidence);

  const std::string url = endpoint("attest");
  ++attestations_;
  auto resp = http_.post(url, dump(body), session_headers("application/json"), opts_.timeout);
  observe(resp);
  if (!resp) return http_failure("POST", url, resp.error());
  take_cookie(*resp);
  if (!is_success(resp->status)) return kbs_error(*resp);

  const json answer = parse(resp->body);
  const std::string* token = string_member(answer, "token");
  if (!token) {
    return make_error("guest.bad_response",
                      "the /attest answer has no string `token`: " + snippet(resp->body));
  }
  auto claims = decode_jwt_claims(*token);
  if (!claims) return claims.error();
  token_ = *token;
  AttestResult result;
  result.token = *token;
  result.claims = std::move(claims).value();
  result.session_cookie = cookie_.value_or("");
  return result;
}

Result<Bytes> KbsClient::decrypt_response(const HttpResponse& response) {
  const json j = parse(response.body);
  if (!j.is_object()) {
    return make_error("guest.bad_response",
                      "the resource answer is not a JSON object: " + snippet(response.body));
  }
  auto jwe = jose::Jwe::from_json(j);
  if (!jwe) {
    return make_error("guest.bad_response", "the resource answer is not a flattened JWE: " +
                                                jwe.error().code + ": " + jwe.error().message);
  }
  return tee_key_.decrypt(*jwe);
}

Result<Bytes> KbsClient::get_resource(const std::string& path) {
  const std::string url = endpoint("resource/" + path);
  if (!token_) {
    auto a = attest();
    if (!a) return a.error();
  }
  const int attempts = std::max(1, opts_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    ++resource_requests_;
    auto resp = http_.get(url, session_headers(""), opts_.timeout);
    observe(resp);
    if (!resp) return http_failure("GET", url, resp.error());
    take_cookie(*resp);
    if (is_success(resp->status)) return decrypt_response(*resp);
    Error e = kbs_error(*resp);
    // guest-components reads a 401 as an expired token: a new handshake, then another try.
    if (resp->status != 401 || attempt >= attempts) return e;
    auto a = attest();
    if (!a) return a.error();
  }
}

Result<Bytes> KbsClient::get_resource_with_token(const std::string& path, const std::string& token) {
  const std::string url = endpoint("resource/" + path);
  HttpHeaders h;
  h.set("Authorization", "Bearer " + token);
  ++resource_requests_;
  auto resp = http_.get(url, h, opts_.timeout);
  observe(resp);
  if (!resp) return http_failure("GET", url, resp.error());
  if (!is_success(resp->status)) return kbs_error(*resp);
  return decrypt_response(*resp);
}

// ---- KbsAdminClient ---------------------------------------------------------------------------

Result<std::string> admin_jwt_alg(const Key& key) {
  if (!key) return make_error("guest.bad_key_type", "empty admin key");
  if (jose::is_ed25519(key)) return std::string("EdDSA");
  if (key.is_ec()) {
    const std::string curve = key.curve_name();
    if (curve == "prime256v1") return std::string("ES256");
    if (curve == "secp384r1") return std::string("ES384");
    return make_error("guest.bad_key_type", "admin EC key on curve `" + curve + "`: use P-256 or P-384");
  }
  if (key.is_rsa()) return std::string("RS256");
  return make_error("guest.bad_key_type", "the admin key must be Ed25519, EC P-256/P-384 or RSA");
}

KbsAdminClient::KbsAdminClient(std::string url, std::optional<std::string> ca_pem,
                               std::optional<Key> admin_key, AdminTokenClaims claims)
    : url_(trim_trailing_slashes(std::move(url))),
      admin_key_(std::move(admin_key)),
      claims_(std::move(claims)),
      http_(client_options(std::move(ca_pem), false)) {}

KbsAdminClient::~KbsAdminClient() = default;

Result<std::optional<std::string>> KbsAdminClient::authorization() const {
  if (!admin_key_) return std::optional<std::string>{};
  auto alg = admin_jwt_alg(*admin_key_);
  if (!alg) return alg.error();
  json header = json::object();
  header["alg"] = *alg;
  header["typ"] = "JWT";
  const auto now = unix_now();
  json payload = json::object();
  if (claims_.issuer) payload["iss"] = *claims_.issuer;
  payload["role"] = claims_.role;
  if (claims_.audience) payload["aud"] = *claims_.audience;
  payload["iat"] = static_cast<std::int64_t>(now);
  payload["exp"] = static_cast<std::int64_t>(now + 300);
  auto jwt = jose::jws_sign(header, dump(payload), *admin_key_);
  if (!jwt) {
    return make_error("guest.bad_key_type",
                      "cannot sign the admin token: " + jwt.error().code + ": " + jwt.error().message);
  }
  return std::optional<std::string>("Bearer " + *jwt);
}

Result<HttpResponse> KbsAdminClient::send(std::string_view method, std::string_view rest, std::string body,
                                          std::string_view content_type) {
  HttpHeaders h;
  if (!content_type.empty()) h.set("Content-Type", std::string(content_type));
  auto auth = authorization();
  if (!auth) return auth.error();
  if (*auth) h.set("Authorization", **auth);
  const std::string url = url_ + std::string(kKbsPrefix) + "/" + std::string(rest);
  auto resp = http_.request(method, url, std::move(body), h);
  if (!resp) return http_failure(method, url, resp.error());
  return resp;
}

Status KbsAdminClient::expect_ok(Result<HttpResponse> response) {
  if (!response) return response.error();
  if (!is_success(response->status)) {
    last_error_ = parse_kbs_error(response->status, response->body);
    return error_from(*last_error_);
  }
  return ok_status();
}

Status KbsAdminClient::set_attestation_policy(std::string_view rego, std::string policy_id) {
  json body = json::object();
  body["type"] = "rego";
  body["policy_id"] = std::move(policy_id);
  body["policy"] = base64url_encode(as_bytes(rego), false);
  return expect_ok(send("POST", "attestation-policy", dump(body), "application/json"));
}

Status KbsAdminClient::set_resource_policy(std::string_view rego) {
  json body = json::object();
  body["policy"] = base64url_encode(as_bytes(rego), false);
  return expect_ok(send("POST", "resource-policy", dump(body), "application/json"));
}

Result<json> KbsAdminClient::get_resource_policy() {
  auto resp = send("GET", "resource-policy", "", "");
  if (!resp) return resp.error();
  if (!is_success(resp->status)) {
    last_error_ = parse_kbs_error(resp->status, resp->body);
    return error_from(*last_error_);
  }
  json j = parse(resp->body);
  if (j.is_discarded()) return make_error("guest.bad_response", "resource-policy answer is not JSON");
  return j;
}

Status KbsAdminClient::set_resource(const std::string& path, ByteView value) {
  return expect_ok(send("POST", "resource/" + path, to_string(value), "application/octet-stream"));
}

Status KbsAdminClient::delete_resource(const std::string& path) {
  return expect_ok(send("DELETE", "resource/" + path, "", ""));
}

Status KbsAdminClient::set_reference_value(const std::string& name, const json& values) {
  json payload = json::object();
  payload[name] = values;
  json body = json::object();
  body["version"] = "0.1.0";
  body["type"] = "sample";
  body["payload"] = base64_encode(as_bytes(dump(payload)));
  return expect_ok(send("POST", "reference-value", dump(body), "application/json"));
}

Result<json> KbsAdminClient::get_reference_value(const std::string& name) {
  auto resp = send("GET", "reference-value/" + name, "", "");
  if (!resp) return resp.error();
  if (!is_success(resp->status)) {
    last_error_ = parse_kbs_error(resp->status, resp->body);
    return error_from(*last_error_);
  }
  json j = parse(resp->body);
  if (j.is_discarded()) {
    return make_error("guest.bad_response", "reference-value answer is not JSON: " + snippet(resp->body));
  }
  return j;
}

}  // namespace coco::guest
