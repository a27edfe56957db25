// kbs-config.toml reader. A Section wraps one TOML table: every key read through it is marked as
// used, and whatever is left when the section is finished becomes an "unknown key" warning (or, for the
// tables Trustee declares deny_unknown_fields, an error).
#include "trustee/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include "core/bytes.h"
#include "toml_support.h"

namespace coco::trustee {
namespace {

constexpr const char* kInvalid = "trustee.config_invalid";

std::string dquote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

struct Ctx {
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
  std::optional<Error> error;
  void fail(std::string message) {
    if (!error) error = make_error(kInvalid, std::move(message));
  }
};

std::string join_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

class Section {
 public:
  Section(Ctx& ctx, const toml::table* table, std::string path)
      : ctx_(&ctx), table_(table), path_(std::move(path)) {}

  bool present() const { return table_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const { return join_path(path_, key); }

  bool has(std::string_view key) const { return table_ != nullptr && table_->contains(key); }

  // Marks the key used and returns its node (nullptr when absent).
  const toml::node* node(std::string_view key) {
    if (table_ == nullptr) return nullptr;
    const toml::node* n = table_->get(key);
    if (n != nullptr) used_.insert(std::string(key));
    return n;
  }

  void type_error(std::string_view key, std::string_view want, const toml::node& got) {
    ctx_->fail("`" + key_path(key) + "` must be " + std::string(want) + ", found " +
               std::string(toml_type_name(got)));
  }

  bool str(std::string_view key, std::string& out) {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    if (const auto* s = n->as_string()) {
      out = s->get();
      return true;
    }
    type_error(key, "a string", *n);
    return false;
  }

  bool opt_str(std::string_view key, std::optional<std::string>& out) {
    std::string v;
    if (!str(key, v)) return false;
    out = std::move(v);
    return true;
  }

  bool boolean(std::string_view key, bool& out) {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    if (const auto* b = n->as_boolean()) {
      out = b->get();
      return true;
    }
    type_error(key, "a boolean (true or false, unquoted)", *n);
    return false;
  }

  template <typename T>
  bool integer(std::string_view key, T& out, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    const auto* i = n->as_integer();
    if (i == nullptr) {
      type_error(key, "an integer", *n);
      return false;
    }
    const std::int64_t v = i->get();
    if (v < lo || v > hi) {
      ctx_->fail("`" + key_path(key) + "` = " + std::to_string(v) + " is out of range; use a value from " +
                 std::to_string(lo) + " to " + std::to_string(hi));
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }

  bool str_array(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    const auto* arr = n->as_array();
    if (arr == nullptr) {
      type_error(key, "an array of strings", *n);
      return false;
    }
    std::vector<std::string> v;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* s = (*arr)[i].as_string();
      if (s == nullptr) {
        ctx_->fail("`" + key_path(key) + "[" + std::to_string(i) + "]` must be a string, found " +
                   std::string(toml_type_name((*arr)[i])));
        return false;
      }
      v.push_back(s->get());
    }
    out = std::move(v);
    return true;
  }

  // A sub-table; an absent key gives a Section that is not present().
  Section table(std::string_view key) {
    const toml::node* n = node(key);
    if (n == nullptr) return Section(*ctx_, nullptr, key_path(key));
    if (const auto* t = n->as_table()) return Section(*ctx_, t, key_path(key));
    type_error(key, "a table", *n);
    return Section(*ctx_, nullptr, key_path(key));
  }

  // An array of tables: [[a.b]] sections or an inline array of inline tables.
  std::vector<Section> tables(std::string_view key) {
    std::vector<Section> out;
    const toml::node* n = node(key);
    if (n == nullptr) return out;
    const auto* arr = n->as_array();
    if (arr == nullptr) {
      type_error(key, "an array of tables", *n);
      return out;
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string p = key_path(key) + "[" + std::to_string(i) + "]";
      const auto* t = (*arr)[i].as_table();
      if (t == nullptr) {
        ctx_->fail("`" + p + "` must be a table, found " + std::string(toml_type_name((*arr)[i])));
        return {};
      }
      out.emplace_back(*ctx_, t, p);
    }
    return out;
  }

  // Known to Trustee but not acted on here: one note, no warning.
  void not_simulated(std::string_view key) {
    if (node(key) != nullptr)
      ctx_->notes.push_back("`" + key_path(key) + "` is accepted but not simulated; ignored");
  }

  // Every key not read becomes a warning (Trustee's serde ignores unknown fields).
  void finish() {
    if (table_ == nullptr) return;
    for (auto&& [k, v] : *table_) {
      (void)v;
      if (used_.count(std::string(k.str())) == 0)
        ctx_->warnings.push_back("unknown key `" + key_path(k.str()) + "` ignored");
    }
  }

  // For tables Trustee declares #[serde(deny_unknown_fields)]: an unknown key is an error.
  void finish_strict(std::string_view hint = {}) {
    if (table_ == nullptr) return;
    for (auto&& [k, v] : *table_) {
      (void)v;
      if (used_.count(std::string(k.str())) == 0) {
        std::string m = "unknown key `" + key_path(k.str()) + "`: Trustee rejects unknown fields here";
        if (!hint.empty()) m += "; " + std::string(hint);
        ctx_->fail(std::move(m));
        return;
      }
    }
  }

 private:
  Ctx* ctx_;
  const toml::table* table_;
  std::string path_;
  std::set<std::string> used_;
};

// ---- value checks ---------------------------------------------------------------------------------

bool valid_socket_address(std::string_view s) {
  // Rust's SocketAddr: "a.b.c.d:port" or "[v6]:port"; no host names.
  std::string host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) return false;
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) != 1) return false;
  }
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && ptr == port.data() + port.size() && value <= 65535;
}

// Storage type names and their serde aliases (key-value-storage KeyValueStorageType).
std::optional<std::string> normalise_storage_type(std::string_view v) {
  if (v == "Memory" || v == "memory") return "Memory";
  if (v == "LocalFs" || v == "local_fs") return "LocalFs";
  if (v == "LocalJson" || v == "local_json") return "LocalJson";
  if (v == "Postgres" || v == "postgres") return "Postgres";
  return std::nullopt;
}

bool read_storage_type(Ctx& ctx, Section& s, std::string_view key, std::string& out) {
  std::string v;
  if (!s.str(key, v)) return false;
  auto n = normalise_storage_type(v);
  if (!n) {
    ctx.fail("`" + s.key_path(key) + "` = " + dquote(v) +
             " is not a storage type; use \"Memory\", \"LocalFs\", \"LocalJson\" or \"Postgres\"");
    return false;
  }
  out = *n;
  return true;
}

// ---- sections -----------------------------------------------------------------------------------

void read_http_server(Ctx& ctx, Section s, HttpServerConfig& out) {
  if (s.str_array("sockets", out.sockets)) {
    for (std::size_t i = 0; i < out.sockets.size(); ++i) {
      if (!valid_socket_address(out.sockets[i])) {
        ctx.fail("`http_server.sockets[" + std::to_string(i) + "]` = " + dquote(out.sockets[i]) +
                 " is not an IP:port socket address (Trustee parses SocketAddr, so host names such as "
                 "localhost are refused); write for example \"127.0.0.1:8080\" or \"0.0.0.0:8080\"");
        return;
      }
    }
  }
  s.boolean("insecure_http", out.insecure_http);
  s.str("private_key", out.private_key);
  s.str("certificate", out.certificate);
  s.integer("payload_request_size", out.payload_request_size_mib, 0,
            std::numeric_limits<std::uint32_t>::max());
  s.integer("worker_count", out.worker_count, 0, std::numeric_limits<unsigned>::max());
  for (const char* k : {"tls_profile", "tls_min_version", "tls_max_version", "tls_ciphers", "tls_groups"})
    s.not_simulated(k);
  s.finish();
}

void check_acl_regex(Ctx& ctx, const std::string& path, const std::string& re) {
  if (re.rfind("^/kbs", 0) != 0 || re.empty() || re.back() != '$') {
    ctx.fail("`" + path + ".allowed_endpoints` = " + dquote(re) +
             " is not anchored: Trustee requires each ACL regex to start with \"^/kbs\" and end with \"$\" "
             "(for example \"^/kbs/v0/resource/.+$\")");
  }
}

void read_admin_current(Ctx& ctx, Section& s, AdminConfig& out, const std::string& mode) {
  if (mode == "InsecureAllowAll") {
    out.mode = AdminMode::insecure_allow_all;
  } else if (mode == "DenyAll") {
    out.mode = AdminMode::deny_all;
  } else if (mode == "AuthenticatedAuthorization") {
    out.mode = AdminMode::authenticated;
  } else {
    ctx.fail("`admin.authorization_mode` = " + dquote(mode) +
             " is not a mode; use \"InsecureAllowAll\", \"DenyAll\" or \"AuthenticatedAuthorization\"");
    return;
  }
  out.require_role = true;
  if (out.mode != AdminMode::authenticated) return;  // authentication/authorization tables stay unknown

  Section authn = s.table("authentication");
  Section jwt = authn.table("bearer_jwt");
  for (Section& idp : jwt.tables("identity_providers")) {
    IdentityProvider p;
    idp.opt_str("issuer", p.issuer);
    idp.opt_str("audience", p.audience);
    idp.opt_str("public_key_uri", p.public_key_uri);
    idp.opt_str("jwk_set_uri", p.jwk_set_uri);
    idp.finish_strict("an identity provider takes issuer, audience, public_key_uri and jwk_set_uri");
    if (!p.public_key_uri && !p.jwk_set_uri) {
      ctx.fail("`" + idp.path() + "` needs `public_key_uri` (a PEM public key) or `jwk_set_uri` (a JWKS)");
    }
    out.identity_providers.push_back(std::move(p));
  }
  jwt.boolean("insecure_public_key_from_uri", out.insecure_public_key_from_uri);
  jwt.boolean("insecure_header_jwk", out.insecure_header_jwk);
  jwt.finish_strict();
  authn.finish();

  Section authz = s.table("authorization");
  Section acl = authz.table("regex_acl");
  for (Section& rule : acl.tables("acls")) {
    AclRule r;
    const bool has_role = rule.str("role", r.role);
    const bool has_re = rule.str("allowed_endpoints", r.allowed_endpoints);
    if (rule.has("audience") && !rule.has("role")) {
      ctx.fail("`" + rule.path() +
               "` uses `audience`, the field name of an earlier Trustee; current Trustee matches the JWT "
               "`role` claim: rename it to `role`");
      return;
    }
    rule.finish_strict("an ACL rule takes role and allowed_endpoints");
    if (ctx.error) return;
    if (!has_role) ctx.fail("`" + rule.path() + "` needs `role` (the JWT role claim this rule applies to)");
    if (!has_re) ctx.fail("`" + rule.path() + "` needs `allowed_endpoints` (a regex such as \"^/kbs/.+$\")");
    if (ctx.error) return;
    check_acl_regex(ctx, rule.path(), r.allowed_endpoints);
    out.acls.push_back(std::move(r));
  }
  acl.finish_strict();
  authz.finish();
}

void read_admin(Ctx& ctx, Section s, AdminConfig& out) {
  if (!s.present()) {
    ctx.fail(
        "the config has no [admin] section; Trustee requires it. Add for example [admin] "
        "authorization_mode = \"InsecureAllowAll\" (testing), \"DenyAll\", or \"AuthenticatedAuthorization\" "
        "with [admin.authentication.bearer_jwt] and [admin.authorization.regex_acl]");
    return;
  }
  std::string mode;
  if (s.has("authorization_mode")) {
    // (a) current Trustee.
    if (s.str("authorization_mode", mode)) read_admin_current(ctx, s, out, mode);
    s.finish();
    return;
  }

  bool insecure_api = false;
  const bool has_insecure_api = s.boolean("insecure_api", insecure_api);
  if (s.has("type")) {
    // (b) Trustee with the Simple admin backend (trustee-chart v1.1, older kbs/test/config/kbs.toml).
    if (!s.str("type", mode)) return;
    if (mode == "Simple") {
      out.mode = AdminMode::authenticated;
      out.require_role = false;
      for (Section& persona : s.tables("personas")) {
        std::string id, key_path;
        const bool has_id = persona.str("id", id);
        const bool has_key = persona.str("public_key_path", key_path);
        persona.finish();
        if (ctx.error) return;
        if (!has_id || !has_key) {
          ctx.fail("`" + persona.path() + "` needs both `id` and `public_key_path`");
          return;
        }
        IdentityProvider p;
        p.public_key_uri = key_path;
        out.identity_providers.push_back(std::move(p));
      }
    } else if (mode == "InsecureAllowAll") {
      out.mode = AdminMode::insecure_allow_all;
    } else if (mode == "DenyAll") {
      out.mode = AdminMode::deny_all;
    } else {
      ctx.fail(
          "`admin.type` = " + dquote(mode) +
          " is not an admin backend; use \"Simple\", \"InsecureAllowAll\" or \"DenyAll\" (or the current "
          "`authorization_mode`)");
      return;
    }
    if (insecure_api) out.mode = AdminMode::insecure_allow_all;
    s.finish();
    return;
  }

  std::string public_key;
  if (s.str("auth_public_key", public_key)) {
    // (c) trustee-chart v1.0 / early Trustee: one Ed25519 public key, any token it verifies is admin.
    out.mode = AdminMode::authenticated;
    out.require_role = false;
    IdentityProvider p;
    p.public_key_uri = public_key;
    out.identity_providers.push_back(std::move(p));
    if (insecure_api) out.mode = AdminMode::insecure_allow_all;
  } else if (has_insecure_api) {
    // Early Trustee without a key: insecure_api = true opens the API; false leaves nothing to verify with.
    out.mode = insecure_api ? AdminMode::insecure_allow_all : AdminMode::deny_all;
  } else {
    // An empty [admin]: AdminConfig::default() is InsecureAllowAll.
    out.mode = AdminMode::insecure_allow_all;
  }
  s.finish();
}

void read_attestation_token(Section s, AttestationTokenConfig& out) {
  s.str_array("trusted_certs_paths", out.trusted_certs_paths);
  s.str_array("trusted_jwk_sets", out.trusted_jwk_sets);
  bool legacy = false;
  if (s.boolean("insecure_key", legacy)) out.insecure_header_jwk = legacy;  // renamed in v0.21.0
  s.boolean("insecure_header_jwk", out.insecure_header_jwk);
  s.str_array("extra_teekey_paths", out.extra_teekey_paths);
  s.str("attestation_token_type", out.attestation_token_type);
  s.finish();
}

void read_signer(Ctx& ctx, Section s, std::optional<TokenSignerConfig>& out) {
  if (!s.present()) return;
  TokenSignerConfig signer;
  if (!s.str("key_path", signer.key_path) && !ctx.error)
    ctx.fail("`" + s.path() + "` needs `key_path` (the PEM private key that signs attestation tokens)");
  s.opt_str("cert_path", signer.cert_path);
  s.opt_str("cert_url", signer.cert_url);
  s.finish();
  out = std::move(signer);
}

void read_token_fields(Ctx& ctx, Section& s, TokenBrokerConfig& out) {
  s.integer("duration_min", out.duration_min, 0, std::numeric_limits<int>::max());
  s.str("issuer_name", out.issuer_name);
  s.str("profile_name", out.profile_name);
  s.boolean("verbose", out.verbose_token);
  s.boolean("verbose_token", out.verbose_token);
  s.str("policy_dir", out.policy_dir);
  s.str("developer_name", out.developer_name);
  s.str("build_name", out.build_name);
  read_signer(ctx, s.table("signer"), out.signer);
}

void note_token_type(Ctx& ctx, const std::string& path, const std::string& type) {
  if (type != "Ear")
    ctx.notes.push_back("`" + path + "` = " + dquote(type) +
                        ": Trustee issues EAR tokens whatever this says (since v0.16); simulated as \"Ear\"");
}

void read_rvps(Ctx& ctx, Section s, RvpsConfig& out, bool& storage_set) {
  if (s.str("type", out.type) && out.type != "BuiltIn" && out.type != "GrpcRemote") {
    ctx.fail("`" + s.key_path("type") + "` = " + dquote(out.type) +
             " is not an RVPS type; use \"BuiltIn\" or \"GrpcRemote\"");
    return;
  }
  if (read_storage_type(ctx, s, "store_type", out.storage_type)) storage_set = true;  // early Trustee
  if (read_storage_type(ctx, s, "storage_type", out.storage_type)) storage_set = true;
  Section storage = s.table("storage");  // trustee-chart: [attestation_service.rvps_config.storage]
  if (read_storage_type(ctx, storage, "type", out.storage_type)) storage_set = true;
  storage.str("file_path", out.file_path);
  storage.finish();
  s.str("address", out.address);
  s.not_simulated("extractors");
  s.finish();
}

void read_attestation_service(Ctx& ctx, Section s, AttestationServiceConfig& out,
                              std::string& session_storage, bool& rvps_storage_set) {
  if (s.str("type", out.type) && out.type != "coco_as_builtin" && out.type != "coco_as_grpc" &&
      out.type != "intel_ta") {
    ctx.fail("`attestation_service.type` = " + dquote(out.type) +
             " is not an attestation service; use \"coco_as_builtin\", \"coco_as_grpc\" or \"intel_ta\"");
    return;
  }
  s.str("work_dir", out.work_dir);
  s.integer("timeout", out.timeout_min, 0, std::numeric_limits<int>::max());
  s.str("policy_engine", out.policy_engine);
  if (s.has("session_storage_type")) read_storage_type(ctx, s, "session_storage_type", session_storage);

  // attestation_token_broker: a table (current) or a bare type string (early Trustee: "Simple").
  if (const toml::node* n = s.node("attestation_token_broker")) {
    if (const auto* str = n->as_string()) {
      out.token_broker.type = str->get();
      note_token_type(ctx, "attestation_service.attestation_token_broker", out.token_broker.type);
    } else if (n->is_table()) {
      Section broker(ctx, n->as_table(), "attestation_service.attestation_token_broker");
      if (broker.str("type", out.token_broker.type))
        note_token_type(ctx, broker.key_path("type"), out.token_broker.type);
      read_token_fields(ctx, broker, out.token_broker);
      broker.finish();
    } else {
      s.type_error("attestation_token_broker", "a table", *n);
    }
  }
  // Early Trustee / trustee-chart: [attestation_service.attestation_token_config] duration_min, signer...
  Section legacy = s.table("attestation_token_config");
  read_token_fields(ctx, legacy, out.token_broker);
  legacy.finish();

  read_rvps(ctx, s.table("rvps_config"), out.rvps, rvps_storage_set);
  s.not_simulated("verifier_config");
  for (const char* k :
       {"as_addr", "pool_size", "base_url", "api_key", "certs_file", "policy_ids", "allow_unmatched_policy"})
    s.not_simulated(k);
  s.finish();
}

void read_storage_backend(Ctx& ctx, Section s, StorageBackendConfig& out) {
  read_storage_type(ctx, s, "storage_type", out.storage_type);
  Section backends = s.table("backends");
  Section local_fs = backends.table("local_fs");
  if (local_fs.present())
    out.dir_path = "/opt/confidential-containers/storage/local_fs";  // Trustee's default
  local_fs.str("dir_path", out.dir_path);
  local_fs.finish();
  Section local_json = backends.table("local_json");
  if (local_json.present()) out.local_json_file_dir_path = "/opt/confidential-containers/storage/local_json";
  local_json.str("file_dir_path", out.local_json_file_dir_path);
  local_json.finish();
  backends.not_simulated("postgres");
  backends.finish();
  s.finish();
  if (ctx.error) return;
  // key-value-storage refuses to start a LocalFs/LocalJson backend whose settings table is absent.
  if (out.storage_type == "LocalFs" && !local_fs.present())
    ctx.fail(
        "`storage_backend.storage_type` = \"LocalFs\" needs a [storage_backend.backends.local_fs] table with "
        "dir_path (Trustee stops with \"Local FS configuration is required\")");
  if (out.storage_type == "LocalJson" && !local_json.present())
    ctx.fail(
        "`storage_backend.storage_type` = \"LocalJson\" needs a [storage_backend.backends.local_json] table "
        "with "
        "file_dir_path (Trustee stops with \"Local JSON configuration is required\")");
}

bool is_kvstorage(std::string_view v) {
  return v == "kvstorage" || v == "KvStorage";
}

void read_plugin(Ctx& ctx, Section s, PluginConfig& out) {
  if (!s.str("name", out.name)) {
    if (!ctx.error) ctx.fail("`" + s.path() + "` needs `name` (for example name = \"resource\")");
    return;
  }
  if (out.name != "resource") {
    ctx.notes.push_back("plugin `" + out.name + "` (`" + s.path() +
                        "`) is not simulated; its settings are ignored");
    return;  // its keys are plugin-specific: no unknown-key warnings
  }
  // Current: storage_backend_type; one Trustee version spelled it `backend` (serde tag).
  std::string backend, backend_alt;
  s.str("storage_backend_type", backend);
  s.str("backend", backend_alt);
  if (backend.empty()) backend = backend_alt;
  s.str("type", out.type);
  s.str("dir_path", out.dir_path);
  if (ctx.error) return;

  if (!backend.empty()) {
    if (!is_kvstorage(backend)) {
      ctx.fail("`" + s.path() + "`: resource storage backend " + dquote(backend) +
               " is not simulated; use storage_backend_type = \"kvstorage\" with [storage_backend]");
      return;
    }
    out.backend = "kvstorage";
  } else if (!out.type.empty()) {
    if (is_kvstorage(out.type)) {
      out.backend = "kvstorage";
      out.type.clear();
    } else if (out.type != "LocalFs") {
      ctx.fail(
          "`" + s.path() + "`: resource repository type " + dquote(out.type) +
          " is not simulated; use type = \"LocalFs\" with dir_path, or storage_backend_type = \"kvstorage\"");
      return;
    } else if (out.dir_path.empty()) {
      out.dir_path = "/opt/confidential-containers/kbs/repository";  // Trustee's LocalFs default
    }
  } else {
    out.backend = "kvstorage";  // the default resource backend
  }
  s.finish();
}

}  // namespace

std::string_view admin_mode_name(AdminMode mode) {
  switch (mode) {
    case AdminMode::insecure_allow_all:
      return "InsecureAllowAll";
    case AdminMode::deny_all:
      return "DenyAll";
    case AdminMode::authenticated:
      return "AuthenticatedAuthorization";
  }
  return "?";
}

bool KbsConfig::has_plugin(std::string_view name) const {
  return plugin(name) != nullptr;
}

std::optional<std::filesystem::path> KbsConfig::resource_dir() const {
  const PluginConfig* p = plugin("resource");
  if (p == nullptr) return std::nullopt;
  if (p->type == "LocalFs") return std::filesystem::path(p->dir_path);
  if (storage_backend.storage_type == "LocalFs")
    return std::filesystem::path(storage_backend.dir_path) / "repository";
  return std::nullopt;
}

const PluginConfig* KbsConfig::plugin(std::string_view name) const {
  for (const auto& p : plugins)
    if (p.name == name) return &p;
  return nullptr;
}

Result<KbsConfig> parse_kbs_config(std::string_view toml_text) {
  auto parsed = parse_toml_document(toml_text, "kbs-config.toml", kInvalid);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;

  Ctx ctx;
  KbsConfig cfg;
  Section top(ctx, &root, "");
  read_http_server(ctx, top.table("http_server"), cfg.http_server);
  read_admin(ctx, top.table("admin"), cfg.admin);
  read_attestation_token(top.table("attestation_token"), cfg.attestation_token);
  bool rvps_storage_set = false;
  read_attestation_service(ctx, top.table("attestation_service"), cfg.attestation_service,
                           cfg.storage_backend.session_storage_type, rvps_storage_set);
  read_storage_backend(ctx, top.table("storage_backend"), cfg.storage_backend);
  for (Section& p : top.tables("plugins")) {
    PluginConfig plugin;
    read_plugin(ctx, p, plugin);
    if (ctx.error) break;
    cfg.plugins.push_back(std::move(plugin));
  }
  Section policy = top.table("policy_engine");
  policy.str("policy_path", cfg.policy_engine.policy_path);
  policy.finish();
  top.finish();

  if (ctx.error) return *ctx.error;
  // Current Trustee: without an RVPS-specific override the built-in RVPS uses the unified storage type.
  if (!rvps_storage_set && top.has("storage_backend"))
    cfg.attestation_service.rvps.storage_type = cfg.storage_backend.storage_type;
  cfg.warnings = std::move(ctx.warnings);
  cfg.notes = std::move(ctx.notes);
  return cfg;
}

Result<KbsConfig> load_kbs_config(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto cfg = parse_kbs_config(to_string(*bytes));
  if (!cfg) return make_error(cfg.error().code, path.string() + ": " + cfg.error().message);
  return cfg;
}

}  // namespace coco::trustee
