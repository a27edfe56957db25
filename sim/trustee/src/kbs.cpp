#include "trustee/kbs.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/json_text.h"
#include "jose/jose.h"

namespace coco::trustee {
namespace {

constexpr std::string_view kPrefix = "/kbs/v0/";

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = s.find(sep, pos);
    out.emplace_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, char sep) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i) {
    if (i > from) out += sep;
    out += parts[i];
  }
  return out;
}

HttpResponse ok_empty() {
  HttpResponse r;
  r.status = 200;
  return r;
}

// A JSON field that must be an object (or absent when optional).
const nlohmann::json* member(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

// The TEE key types Trustee's jwe() accepts (kbs/src/jwe/mod.rs): anything else is JweError.
bool jwe_key_supported(const nlohmann::json& jwk) {
  auto str = [&](const char* k) {
    return jwk.contains(k) && jwk[k].is_string() ? jwk[k].get<std::string>() : "";
  };
  if (str("kty") == "RSA") return str("alg") == "RSA1_5" || str("alg") == "RSA-OAEP-256";
  if (str("kty") == "EC")
    return (str("crv") == "P-256" || str("crv") == "P-521") && str("alg") == "ECDH-ES+A256KW";
  return false;
}

// semver 2.0 as the Rust `semver` crate parses it: MAJOR.MINOR.PATCH without leading zeros, then an
// optional -prerelease and +build, each a dot-separated list of non-empty [0-9A-Za-z-] identifiers
// (numeric prerelease identifiers without leading zeros). Returns {"M.m.p", has_prerelease}.
bool numeric(std::string_view n) {
  return !n.empty() && n.find_first_not_of("0123456789") == std::string_view::npos;
}

bool identifiers_valid(std::string_view list, bool prerelease) {
  for (const std::string& id : split(list, '.')) {
    if (id.empty() ||
        id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") !=
            std::string::npos) {
      return false;
    }
    if (prerelease && numeric(id) && id.size() > 1 && id[0] == '0') return false;
  }
  return true;
}

std::optional<std::pair<std::string, bool>> parse_semver(std::string_view v) {
  const std::size_t plus = v.find('+');
  std::string_view build = plus == std::string_view::npos ? std::string_view() : v.substr(plus + 1);
  std::string_view rest = v.substr(0, plus);
  const std::size_t dash = rest.find('-');
  std::string_view pre = dash == std::string_view::npos ? std::string_view() : rest.substr(dash + 1);
  std::string_view core = rest.substr(0, dash);
  const auto nums = split(core, '.');
  if (nums.size() != 3) return std::nullopt;
  for (const auto& n : nums) {
    if (!numeric(n) || (n.size() > 1 && n[0] == '0')) return std::nullopt;
  }
  if (dash != std::string_view::npos && !identifiers_valid(pre, true)) return std::nullopt;
  if (plus != std::string_view::npos && !identifiers_valid(build, false)) return std::nullopt;
  return std::pair{std::string(core), dash != std::string_view::npos};
}

// kbs-types' TeePubKey is tagged by kty: EC needs crv, alg, x, y; RSA needs alg, n, e (all strings).
bool tee_pubkey_well_formed(const nlohmann::json& k) {
  auto has = [&](const char* m) { return k.contains(m) && k[m].is_string(); };
  if (!k.is_object() || !has("kty")) return false;
  const std::string kty = k["kty"].get<std::string>();
  if (kty == "EC") return has("crv") && has("alg") && has("x") && has("y");
  if (kty == "RSA") return has("alg") && has("n") && has("e");
  return false;
}

std::pair<std::string, std::uint16_t> split_socket(const std::string& socket) {
  auto colon = socket.rfind(':');
  if (colon == std::string::npos) return {socket, 8080};
  std::string host = socket.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = std::strtoul(socket.c_str() + colon + 1, nullptr, 10);
  return {host, static_cast<std::uint16_t>(port > 65535 ? 0 : port)};
}

}  // namespace

namespace {
thread_local const HttpRequest* current_request = nullptr;
}  // namespace

HttpResponse Kbs::error(const KbsError& e) const {
  if (opts_.on_error && current_request) opts_.on_error(*current_request, e);
  return error_response(e, opts_.status_mapping);
}

Kbs::Kbs(KbsOptions options)
    : opts_(std::move(options)), sessions_(opts_.config.attestation_service.timeout_min) {}

Kbs::~Kbs() {
  stop();
}

Result<std::unique_ptr<Kbs>> Kbs::create(KbsOptions options) {
  if (!options.clock) options.clock = unix_now;
  std::unique_ptr<Kbs> kbs(new Kbs(std::move(options)));
  const KbsConfig& cfg = kbs->opts_.config;

  AttestationService::Options as;
  as.clock = kbs->opts_.clock;
  as.version = kbs->opts_.version;
  auto rvps_path = cfg.attestation_service.rvps.file_path.empty()
                       ? std::optional<std::filesystem::path>()
                       : std::optional<std::filesystem::path>(cfg.attestation_service.rvps.file_path);
  as.rvps = std::make_shared<Rvps>(rvps_path);
  if (auto st = as.rvps->load_error(); !st) return st.error();
  as.verifiers.add(Tee::sample, make_sample_verifier());
  as.verifiers.add(Tee::sampledevice, make_sampledevice_verifier());
  as.verifiers.add(Tee::snp, make_snp_verifier(kbs->opts_.snp));
  as.verifiers.add(Tee::tdx, make_tdx_verifier(kbs->opts_.tdx));
  as.verifiers.add(Tee::az_snp_vtpm, make_az_snp_vtpm_verifier(kbs->opts_.snp));
  as.verifiers.add(Tee::az_tdx_vtpm, make_az_tdx_vtpm_verifier(kbs->opts_.tdx));
  if (kbs->opts_.token_signer) {
    as.signer_key = kbs->opts_.token_signer;
    as.signer_chain = kbs->opts_.token_signer_chain;
    as.broker = cfg.attestation_service.token_broker;
    auto created = AttestationService::create(std::move(as));
    if (!created) return created.error();
    kbs->as_ = std::move(*created);
  } else {
    auto created = AttestationService::create_from_config(cfg.attestation_service, std::move(as));
    if (!created) return created.error();
    kbs->as_ = std::move(*created);
  }

  if (auto st = kbs->load_policy_files(); !st) return st.error();

  std::vector<Cert> trusted = kbs->opts_.trusted_token_certs;
  auto verifier = TokenVerifier::create(cfg.attestation_token, trusted);
  if (!verifier) return verifier.error();
  kbs->token_verifier_ = std::move(*verifier);

  auto admin = AdminAuth::create(cfg.admin);
  if (!admin) return admin.error();
  kbs->admin_ = std::move(*admin);

  if (cfg.has_plugin("resource")) {
    auto dir = cfg.resource_dir();
    kbs->resources_ = dir ? make_directory_store(*dir) : make_memory_store();
  }
  return kbs;
}

Status Kbs::load_policy_files() {
  const KbsConfig& cfg = opts_.config;
  std::error_code ec;
  const std::filesystem::path dir = cfg.attestation_service.token_broker.policy_dir;
  if (!dir.empty() && std::filesystem::is_directory(dir, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".rego" || !entry.is_regular_file(ec)) continue;
      auto text = read_file(entry.path());
      if (!text) return text.error();
      auto st = as_->set_policy(entry.path().stem().string(), to_string(*text));
      if (!st) return make_error(st.error().code, entry.path().string() + ": " + st.error().message);
    }
  }
  const std::filesystem::path resource_policy = cfg.policy_engine.policy_path;
  if (!resource_policy.empty() && std::filesystem::is_regular_file(resource_policy, ec)) {
    auto text = read_file(resource_policy);
    if (!text) return text.error();
    auto st = resource_policy_.set(to_string(*text));
    if (!st) return make_error(st.error().code, resource_policy.string() + ": " + st.error().message);
  }
  return ok_status();
}

std::optional<KbsError> Kbs::admin_check(const HttpRequest& request, std::string_view endpoint) const {
  auto reason = admin_->check(request, now());
  if (!reason) return std::nullopt;
  return admin_access(endpoint, *reason);
}

HttpResponse Kbs::handle(const HttpRequest& request) {
  const std::string_view path = request.path();
  const bool counted = path.substr(0, 4) == "/kbs";
  const auto start = std::chrono::steady_clock::now();
  if (counted) {
    metrics_.inc(Metrics::http_requests);
    metrics_.connection_delta(1);
  }
  current_request = &request;
  HttpResponse res = route(request);
  current_request = nullptr;
  if (counted) {
    metrics_.connection_delta(-1);
    metrics_.request_done(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                          request.body.size(), res.body.size());
  }
  return res;
}

HttpResponse Kbs::route(const HttpRequest& request) {
  const std::string_view path = request.path();
  const std::string& method = request.method;
  if (path == "/healthz") return method == "GET" ? ok_empty() : HttpResponse{404, {}, {}};
  if (path == "/metrics") {
    if (method == "GET") return HttpResponse::text(200, metrics_.render(opts_.version));
    return HttpResponse{405, {}, {}};
  }
  if (path.substr(0, kPrefix.size()) != kPrefix) return HttpResponse{404, {}, {}};
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return HttpResponse{405, {}, {}};
  }
  const std::vector<std::string> parts = split(path.substr(kPrefix.size()), '/');
  const std::string& plugin = parts[0];
  std::vector<std::string> resource_path(parts.begin() + 1, parts.end());
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [k, v] : parse_query(request.query())) query[k] = v;

  if (plugin == "auth" && method == "POST") return auth(request);
  if (plugin == "attest" && method == "POST") return attest(request);
  if (plugin == "attestation-policy" && method == "POST") {
    if (auto e = admin_check(request, "attestation-policy")) return error(*e);
    return set_attestation_policy(request);
  }
  if (plugin == "reference-value" && (method == "GET" || method == "POST")) {
    if (auto e = admin_check(request, "reference-value")) return error(*e);
    return reference_value(request, join(parts, 1, '/'));
  }
  if (plugin == "resource-policy" && (method == "GET" || method == "POST")) {
    if (auto e = admin_check(request, "resource-policy")) return error(*e);
    if (method == "GET") return HttpResponse::json(200, R"(["resource-policy"])");
    return set_resource_policy(request);
  }
  if (plugin == "resource" && resources_) return resource(request, resource_path, query);
  return error(plugin_not_found(plugin));
}

HttpResponse Kbs::auth(const HttpRequest& request) {
  metrics_.inc(Metrics::auth_requests);
  auto fail = [&](KbsError e) {
    metrics_.inc(Metrics::auth_errors);
    return error(e);
  };
  auto body = parse_json_limited(request.body);
  if (!body.is_object() || !body.contains("version") || !body["version"].is_string() ||
      !body.contains("tee") || !body["tee"].is_string() || !body.contains("extra-params")) {
    return fail(
        auth_failed("deserialize Request", "the body is not an RCAR Request {version, tee, extra-params}"));
  }
  auto tee = parse_tee(body["tee"].get<std::string>());
  if (!tee) return fail(auth_failed("deserialize Request", "unknown tee " + body["tee"].get<std::string>()));
  std::string version = body["version"].get<std::string>();
  auto parsed = parse_semver(version);
  if (!parsed) return fail(auth_failed("failed to parse KBS version"));
  // semver's "=0.4.0" ignores build metadata and rejects pre-releases.
  if (parsed->first != "0.4.0" || parsed->second) {
    return fail(
        auth_failed("KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is " + version));
  }
  // Trustee deletes expired sessions every 60 s in a background task; sweeping here on /auth, the only
  // call that adds sessions, bounds the store the same way without a thread.
  const std::int64_t t = now();
  std::int64_t last = last_sweep_.load();
  if (t - last >= 60 && last_sweep_.compare_exchange_strong(last, t)) sessions_.sweep(t);
  Session s = sessions_.create(*tee, request.body, t);
  metrics_.inc(Metrics::auth_successes);
  nlohmann::ordered_json challenge;
  challenge["nonce"] = s.nonce;
  challenge["extra-params"] = "";
  HttpResponse res = HttpResponse::json(200, challenge.dump());
  res.headers.add("Set-Cookie", session_cookie(s));
  return res;
}

HttpResponse Kbs::attest(const HttpRequest& request) {
  metrics_.inc(Metrics::attestation_requests);
  auto fail = [&](std::string cause) {
    metrics_.inc(Metrics::attestation_errors);
    return error(attest_failed(std::move(cause)));
  };
  auto cookie = request.headers.get("Cookie");
  auto id = cookie ? session_id_from_cookie_header(*cookie) : std::nullopt;
  if (!id) return fail("no kbs-session-id cookie");

  auto body = parse_json_limited(request.body);
  const nlohmann::json* runtime = body.is_object() ? member(body, "runtime-data") : nullptr;
  const nlohmann::json* evidence = body.is_object() ? member(body, "tee-evidence") : nullptr;
  if (!runtime || !runtime->is_object() || !evidence || !evidence->is_object() ||
      !runtime->contains("nonce") || !(*runtime)["nonce"].is_string() || !runtime->contains("tee-pubkey") ||
      !tee_pubkey_well_formed((*runtime)["tee-pubkey"]) || !evidence->contains("primary_evidence")) {
    return fail("the body is not an RCAR Attestation {runtime-data, tee-evidence, init-data?}");
  }
  std::string additional;
  if (evidence->contains("additional_evidence")) {
    if (!(*evidence)["additional_evidence"].is_string()) return fail("additional_evidence must be a string");
    additional = (*evidence)["additional_evidence"].get<std::string>();
  }
  std::optional<InitDataBody> init_data;
  if (const nlohmann::json* id_json = member(body, "init-data"); id_json && !id_json->is_null()) {
    if (!id_json->is_object() || !id_json->contains("format") || !(*id_json)["format"].is_string() ||
        !id_json->contains("body") || !(*id_json)["body"].is_string()) {
      return fail("init-data must be {\"format\": string, \"body\": string}");
    }
    init_data = InitDataBody{(*id_json)["format"].get<std::string>(), (*id_json)["body"].get<std::string>()};
  }

  Session session;
  switch (sessions_.get(*id, now(), session)) {
    case SessionLookup::missing:
      return fail("session not found");
    case SessionLookup::expired:
      return fail("session expired.");
    case SessionLookup::found:
      break;
  }
  auto respond = [&](const std::string& token) {
    nlohmann::json j = {{"token", token}};
    HttpResponse res = HttpResponse::json(200, j.dump());
    res.headers.add("Set-Cookie", session_cookie(session));
    return res;
  };
  if (session.token) return respond(*session.token);
  if ((*runtime)["nonce"].get<std::string>() != session.nonce) return fail("nonce mismatch");

  AttestationRequest req{session.tee,   (*evidence)["primary_evidence"],
                         additional,    (*runtime)["tee-pubkey"],
                         session.nonce, init_data};
  auto outcome = as_->attest(req);
  const std::string tee(tee_name(session.tee));
  if (!outcome) {
    metrics_.attestation_result(tee, false);
    return error(attest_failed(outcome.error().code + ": " + outcome.error().message));
  }
  metrics_.attestation_result(tee, true);
  sessions_.set_attested(session.id, outcome->token);
  return respond(outcome->token);
}

HttpResponse Kbs::set_attestation_policy(const HttpRequest& request) {
  auto body = parse_json_limited(request.body);
  auto failed = [&](std::string cause) {
    return error(attestation_error("Set Attestation Policy failed", std::move(cause)));
  };
  if (!body.is_object() || !body.contains("policy_id") || !body["policy_id"].is_string() ||
      !body.contains("policy") || !body["policy"].is_string()) {
    return failed("the body is not {\"type\", \"policy_id\", \"policy\"}");
  }
  std::string b64 = body["policy"].get<std::string>();
  auto decoded = b64.find('=') == std::string::npos ? base64url_decode(b64) : std::nullopt;
  if (!decoded) return failed("policy is not base64url without padding");
  auto st = as_->set_policy(body["policy_id"].get<std::string>(), to_string(*decoded));
  if (!st) return failed(st.error().message);
  return ok_empty();
}

HttpResponse Kbs::set_resource_policy(const HttpRequest& request) {
  auto body = parse_json_limited(request.body);
  if (body.is_discarded()) return error(parse_policy_error("Illegal SetPolicy Request Json"));
  if (!body.is_object() || !body.contains("policy")) {
    return error(parse_policy_error("No `policy` field inside SetPolicy Request Json"));
  }
  if (!body["policy"].is_string()) {
    return error(parse_policy_error("`policy` field is not a string in SetPolicy Request Json"));
  }
  std::string b64 = body["policy"].get<std::string>();
  if (b64.find('=') != std::string::npos)
    return error(parse_policy_error("Failed to decode policy: Invalid padding"));
  auto decoded = base64url_decode(b64);
  if (!decoded) return error(parse_policy_error("Failed to decode policy: Invalid symbol"));
  auto st = resource_policy_.set(to_string(*decoded));
  if (!st) return error(policy_engine_error(st.error().message));
  return ok_empty();
}

HttpResponse Kbs::reference_value(const HttpRequest& request, const std::string& id) {
  if (request.method == "GET") {
    auto v = as_->rvps().query(id);
    if (!v) return error(rvps_error("Failed to get reference_values: reference value " + id + " not found"));
    return HttpResponse::json(200, v->dump());
  }
  auto st = as_->rvps().register_message(request.body, now());
  if (!st) return error(rvps_error("Failed to register reference value: " + st.error().message));
  HttpResponse r = ok_empty();
  r.headers.set("Content-Type", "application/json");
  return r;
}

HttpResponse Kbs::resource(const HttpRequest& request, const std::vector<std::string>& path,
                           const nlohmann::json& query) {
  const std::string key = join(path, 0, '/');
  // The resource plugin's validate_auth: POST and DELETE are admin requests.
  if (request.method == "POST" || request.method == "DELETE") {
    if (auto reason = admin_->check(request, now())) return error(admin_auth_initialization(*reason));
    auto parsed = parse_resource_path(key);
    if (!parsed) return error(plugin_internal(parsed.error().message, PluginFailure::bad_request));
    Status st =
        request.method == "POST" ? resources_->put(key, as_bytes(request.body)) : resources_->remove(key);
    if (!st) return error(plugin_internal(st.error().message));
    metrics_.resource_write(key);
    HttpResponse r = ok_empty();
    r.headers.set("Content-Type", "text/xml");  // Trustee's quirk
    return r;
  }

  // Attested requests: a token from the session, else the bearer header.
  std::optional<std::string> token;
  if (auto cookie = request.headers.get("Cookie")) {
    if (auto id = session_id_from_cookie_header(*cookie)) {
      Session s;
      if (sessions_.get(*id, now(), s) == SessionLookup::found && s.token) token = s.token;
    }
  }
  if (!token) {
    auto auth = request.headers.get("Authorization");
    if (auth && auth->rfind("Bearer ", 0) == 0 && auth->size() > 7) token = auth->substr(7);
  }
  if (!token) return error(token_not_found("no attested session and no Authorization: Bearer header"));
  auto claims = token_verifier_->verify(*token, now());
  if (!claims) return error(token_verifier_error(claims.error().code + ": " + claims.error().message));

  metrics_.inc(Metrics::policy_evaluations);
  nlohmann::json data = {{"plugin", "resource"}, {"resource-path", path}, {"query", query}};
  auto allowed =
      opts_.faults.bypass_resource_policy ? Result<bool>(true) : resource_policy_.allows(data, *claims);
  if (!allowed) {
    metrics_.inc(Metrics::policy_errors);
    return error(policy_engine_error(allowed.error().message));
  }
  if (!*allowed) {
    metrics_.inc(Metrics::policy_violations);
    return error(policy_deny());
  }
  metrics_.inc(Metrics::policy_approvals);

  if (request.method != "GET")
    return error(plugin_internal("the resource plugin serves GET, POST and DELETE"));
  auto parsed = parse_resource_path(key);
  if (!parsed) return error(plugin_internal(parsed.error().message, PluginFailure::bad_request));
  auto value = resources_->get(key);
  if (!value) return error(plugin_internal(value.error().message));
  if (!*value) return error(plugin_internal("resource " + key + " not found", PluginFailure::not_found));
  metrics_.resource_read(key);

  auto jwk = token_verifier_->extract_tee_public_key(*claims);
  if (!jwk) return error(token_verifier_error(jwk.error().message));
  if (!jwe_key_supported(*jwk)) return error(jwe_error("unsupported TEE key type for JWE: " + jwk->dump()));
  auto jwe = jose::jwe_encrypt(**value, *jwk);
  if (!jwe) return error(jwe_error(jwe.error().message));
  return HttpResponse::json(200, jwe->to_json_text());
}

Status Kbs::start() {
  const auto& http = opts_.config.http_server;
  HttpServerOptions so;
  auto [host, port] =
      split_socket(http.sockets.empty() ? std::string("127.0.0.1:8080") : http.sockets.front());
  so.bind_address = opts_.bind_address.value_or(host);
  so.port = opts_.port.value_or(port);
  so.threads = http.worker_count > 0 ? static_cast<int>(http.worker_count)
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  so.max_body_bytes = http.payload_request_size_mib * 1024 * 1024;
  so.body_too_large_response = payload_too_large_response();
  if (opts_.tls) {
    so.tls = opts_.tls;
  } else if (!http.insecure_http) {
    auto cert = read_file(http.certificate);
    auto key = read_file(http.private_key);
    if (!cert || !key) {
      return make_error(
          "http.tls_config",
          "HTTPS needs [http_server] certificate and private_key files (or insecure_http = true)");
    }
    so.tls = TlsServerConfig{to_string(*cert), to_string(*key)};
  }
  server_ = std::make_unique<HttpServer>([this](const HttpRequest& r) { return handle(r); }, so);
  return server_->start();
}

void Kbs::stop() {
  if (server_) server_->stop();
}

std::string Kbs::url() const {
  return server_ ? server_->url() : std::string();
}

std::uint16_t Kbs::port() const {
  return server_ ? server_->port() : 0;
}

}  // namespace coco::trustee
