// Trustee's kbs-config.toml: reads the KBS configuration file into plain structs, accepting the
// current Trustee schema and the older spellings still found in deployed configs (the validated
// pattern's trustee-chart v1.0/v1.1, kbs/test/config/kbs.toml). Unknown keys are not errors (Trustee's
// serde ignores them too): each becomes one line in KbsConfig::warnings. Wrong types, unsupported enum
// values and an admin ACL that Trustee would refuse are errors (trustee.config_invalid) whose message
// names the key and says what to write instead. Nothing here opens key files or checks paths exist.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coco::trustee {

// [http_server]
struct HttpServerConfig {
  std::vector<std::string> sockets{"127.0.0.1:8080"};  // IP:port (Trustee parses SocketAddr: no host names)
  bool insecure_http = false;
  std::string private_key;                   // path, empty when unset
  std::string certificate;                   // path, empty when unset
  std::size_t payload_request_size_mib = 2;  // TOML key `payload_request_size`
  unsigned worker_count = 0;                 // 0 = logical CPUs
};

enum class AdminMode { insecure_allow_all, deny_all, authenticated };

// One trusted signer of admin JWTs ([admin.authentication.bearer_jwt] identity_providers entry).
struct IdentityProvider {
  std::optional<std::string> issuer, audience;
  std::optional<std::string> public_key_uri;  // PEM file path (or file:// / https:// URI)
  std::optional<std::string> jwk_set_uri;
};

struct AclRule {
  std::string role;
  std::string allowed_endpoints;  // regex; always starts with "^/kbs" and ends with "$"
};

struct AdminConfig {
  AdminMode mode = AdminMode::insecure_allow_all;
  std::vector<IdentityProvider> identity_providers;
  // Empty with require_role == false means "any verified token may use every admin endpoint"
  // (older Trustee: auth_public_key or [[admin.personas]]).
  std::vector<AclRule> acls;
  bool require_role = true;  // current Trustee: a string `role` claim is required
  // [admin.authentication.bearer_jwt] flags (current Trustee).
  bool insecure_public_key_from_uri = false;
  bool insecure_header_jwk = false;
};

// [attestation_token]
struct AttestationTokenConfig {
  std::vector<std::string> trusted_certs_paths;
  std::vector<std::string> trusted_jwk_sets;
  bool insecure_header_jwk = false;  // also read from the pre-v0.21 name `insecure_key`
  std::vector<std::string> extra_teekey_paths;
  std::string attestation_token_type;  // chart: "CoCo"; not used by current Trustee
};

struct TokenSignerConfig {
  std::string key_path;
  std::optional<std::string> cert_path;
  std::optional<std::string> cert_url;
};

// [attestation_service.attestation_token_broker]
struct TokenBrokerConfig {
  std::string type = "Ear";  // Trustee ignores it since v0.16 (always EAR)
  int duration_min = 5;
  std::string issuer_name = "CoCo-Attestation-Service";
  std::string profile_name = "tag:github.com,2024:confidential-containers/Trustee";
  bool verbose_token = true;  // TOML key `verbose` (or `verbose_token`)
  std::string policy_dir;
  std::optional<TokenSignerConfig> signer;
  std::string developer_name = "https://confidentialcontainers.org";
  std::string build_name;
};

// [attestation_service.rvps_config]
struct RvpsConfig {
  std::string type = "BuiltIn";  // "BuiltIn" or "GrpcRemote"
  // From `storage_type`, [..rvps_config.storage] type or `store_type`; when none is given and the file
  // has [storage_backend], its storage_type (current Trustee's unified storage).
  std::string storage_type = "LocalJson";
  std::string file_path;  // [..rvps_config.storage] file_path (LocalJson list file)
  std::string address;    // GrpcRemote only
};

// [attestation_service]
struct AttestationServiceConfig {
  std::string type = "coco_as_builtin";
  std::string work_dir;
  int timeout_min = 5;        // TOML key `timeout`, minutes: the RCAR session lifetime
  std::string policy_engine;  // older configs: "opa"
  TokenBrokerConfig token_broker;
  RvpsConfig rvps;
};

// [storage_backend]
struct StorageBackendConfig {
  // "Memory" | "LocalFs" | "LocalJson" | "Postgres" (serde aliases such as "local_fs" normalised)
  std::string storage_type = "Memory";
  // [storage_backend.backends.local_fs] dir_path; each KV namespace is a subdirectory ("repository" for
  // resources). Trustee's default when the table is present without it:
  // /opt/confidential-containers/storage/local_fs
  std::string dir_path;
  std::string local_json_file_dir_path;  // [storage_backend.backends.local_json] file_dir_path
  std::string session_storage_type;      // optional override for the kbs_protocol_session namespace
};

// One [[plugins]] entry.
struct PluginConfig {
  std::string name;
  std::string backend;   // resource plugin: "kvstorage" (from `storage_backend_type` or `backend`)
  std::string type;      // older resource plugin: "LocalFs"
  std::string dir_path;  // older resource plugin LocalFs: repository directory (dir/repo/type/tag)
};

struct PolicyEngineConfig {
  std::string policy_path;
};

struct KbsConfig {
  HttpServerConfig http_server;
  AdminConfig admin;
  AttestationTokenConfig attestation_token;
  AttestationServiceConfig attestation_service;
  StorageBackendConfig storage_backend;
  std::vector<PluginConfig> plugins;
  PolicyEngineConfig policy_engine;
  std::vector<std::string> warnings;  // one per unknown key: "unknown key `a.b.c` ignored"
  // Keys Trustee knows but the simulator does not act on (TLS tuning, verifier_config, extractors, ...):
  // "`a.b` is accepted but not simulated; ignored".
  std::vector<std::string> notes;
  bool has_plugin(std::string_view name) const;
  const PluginConfig* plugin(std::string_view name) const;  // nullptr when absent
  // The directory for make_directory_store: the older LocalFs resource plugin's dir_path, or
  // <storage_backend.backends.local_fs.dir_path>/repository (Trustee's KV namespace for resources) when
  // the kvstorage backend sits on LocalFs. nullopt: no resource plugin, or in-memory storage.
  std::optional<std::filesystem::path> resource_dir() const;
};

// "InsecureAllowAll", "DenyAll", "AuthenticatedAuthorization"
std::string_view admin_mode_name(AdminMode mode);

// Errors: trustee.config_invalid (TOML syntax with line:column, a wrong type, a bad value, a missing
// [admin] section, an unanchored ACL regex).
Result<KbsConfig> parse_kbs_config(std::string_view toml_text);
// Also io.read_failed.
Result<KbsConfig> load_kbs_config(const std::filesystem::path& path);

}  // namespace coco::trustee
