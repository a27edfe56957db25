// kbs-config.toml: upstream Trustee configs (current and older), the validated pattern's trustee-chart
// forms, unknown-key warnings, type errors and the admin ACL anchoring rule.
#include "trustee/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace coco::trustee {
namespace {

// confidential-containers/trustee kbs/test/config/kbs.toml (stored version 042b2525): Simple admin
// backend with a persona, unified LocalFs storage, resource plugin on kvstorage.
constexpr const char* kUpstreamTestKbsToml = R"([http_server]
sockets = ["127.0.0.1:8080"]
private_key = "./work/https.key"
certificate = "./work/https.crt"
insecure_http = false

[attestation_token]
trusted_certs_paths = ["./work/ca-cert.pem"]

[attestation_service]
type = "coco_as_builtin"

[attestation_service.attestation_token_broker]
duration_min = 5

[attestation_service.attestation_token_broker.signer]
key_path = "./work/token.key"
cert_path = "./work/token-cert-chain.pem"

[attestation_service.rvps_config]
type = "BuiltIn"

[attestation_service.verifier_config.tpm_verifier]
trusted_ak_keys_dir = "./work/attestation-service/tpm_trusted_keys"
max_trusted_ak_keys = 100

[storage_backend]
storage_type = "LocalFs"

[storage_backend.backends.local_fs]
dir_path = "./work/storage"

[admin]
type = "Simple"

[[admin.personas]]
id = "admin"
public_key_path = "./work/kbs.pem"

[[plugins]]
name = "resource"
backend = "kvstorage"
)";

// The same file at an older commit (17adee9a): auth_public_key, LocalFs resource plugin, policy_engine.
constexpr const char* kUpstreamTestKbsTomlOld = R"([http_server]
sockets = ["127.0.0.1:8080"]
private_key = "./work/https.key"
certificate = "./work/https.crt"
insecure_http = false

[attestation_token]
trusted_certs_paths = ["./work/ca-cert.pem"]

[attestation_service]
type = "coco_as_builtin"
work_dir = "./work/attestation-service"
policy_engine = "opa"

[attestation_service.attestation_token_broker]
type = "Ear"
duration_min = 5

[attestation_service.attestation_token_broker.signer]
key_path = "./work/token.key"
cert_path = "./work/token-cert-chain.pem"

[attestation_service.rvps_config]
type = "BuiltIn"

[policy_engine]
policy_path = "./work/kbs-policy.rego"

[admin]
auth_public_key = "./work/kbs.pem"

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "./work/repository"
)";

// confidential-containers/trustee kbs/config/kbs-config.toml (stored version be83c077): the broker as a
// bare string, [attestation_service.attestation_token_config], store_type, insecure_api.
constexpr const char* kUpstreamKbsConfigToml = R"([http_server]
insecure_http = true

[attestation_token]
insecure_api = true

[attestation_service]
type = "coco_as_builtin"
work_dir = "/opt/confidential-containers/attestation-service"
policy_engine = "opa"
attestation_token_broker = "Simple"

[attestation_service.attestation_token_config]
duration_min = 5

[attestation_service.rvps_config]
type = "BuiltIn"
store_type = "LocalFs"

[policy_engine]
policy_path = "/opa/confidential-containers/kbs/policy.rego"

[admin]
insecure_api = true

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "/opt/confidential-containers/kbs/repository"
)";

// Current Trustee (kbs/docs/config.md, kbs/docs/admin.md, the e2e admin-token setup in trustee.md §2).
constexpr const char* kCurrentTrusteeToml = R"([http_server]
sockets = ["0.0.0.0:8080", "[::1]:8443"]
insecure_http = true
payload_request_size = 4
worker_count = 3
tls_profile = "modern"

[attestation_token]
trusted_certs_paths = ["./work/ca-cert.pem"]
insecure_header_jwk = true
extra_teekey_paths = ["/attester_runtime_data/tee-pubkey"]

[admin]
authorization_mode = "AuthenticatedAuthorization"

[admin.authentication.bearer_jwt]
insecure_header_jwk = true
identity_providers = [
  { issuer = "issuer", audience = "kbs", public_key_uri = "./work/kbs.pem" },
  { jwk_set_uri = "https://auth.example.com/jwks/" },
]

[admin.authorization.regex_acl]
acls = [
  { role = "admin", allowed_endpoints = "^/kbs/.+$" },
  { role = "reader", allowed_endpoints = "^/kbs/v0/resource-policy$" },
]

[storage_backend]
storage_type = "local_fs"

[storage_backend.backends.local_fs]
dir_path = "/opt/confidential-containers/storage"

[attestation_service]
type = "coco_as_builtin"
timeout = 7

[attestation_service.attestation_token_broker]
duration_min = 10
issuer_name = "my-as"
developer_name = "https://example.org"
build_name = "sim 1"
profile_name = "tag:example"
verbose = false

[attestation_service.rvps_config]
type = "BuiltIn"
storage_type = "LocalJson"

[attestation_service.rvps_config.extractors]
swid_extractor = {}

[[plugins]]
name = "resource"
storage_backend_type = "kvstorage"

[[plugins]]
name = "nebula-ca"
work_dir = "/tmp/nebula"
)";

// validatedpatterns/trustee-chart templates/kbs-config-map.yaml (stored version 4b0a7171, "v1.0"):
// auth_public_key with insecure_api, insecure_key, token config and RVPS LocalJson storage tables.
constexpr const char* kChartV10Toml = R"([http_server]
sockets = ["0.0.0.0:8080"]
insecure_http = false
private_key = "/etc/https-key/tls.key"
certificate = "/etc/https-cert/tls.crt"
[admin]
insecure_api = false
auth_public_key = "/etc/auth-secret/publicKey"

[attestation_token]
insecure_key = false
attestation_token_type = "CoCo"
trusted_certs_paths = ["/etc/attestation-cert/tls.crt"] # Check for location in cert (based on key generated)

[attestation_service]
type = "coco_as_builtin"
work_dir = "/opt/confidential-containers/attestation-service"
policy_engine = "opa"

[attestation_service.attestation_token_broker]
type = "Ear"
policy_dir = "/opt/confidential-containers/attestation-service/policies"

[attestation_service.attestation_token_broker.signer]
key_path = "/etc/attestation-cert/tls.key"
cert_path = "/etc/attestation-cert/tls.crt"

[attestation_service.attestation_token_config]
duration_min = 5

[attestation_service.rvps_config]
type = "BuiltIn"

[attestation_service.rvps_config.storage]
type = "LocalJson"
file_path = "/opt/confidential-containers/rvps/reference-values/reference-values.json"

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "/opt/confidential-containers/kbs/repository"

[policy_engine]
policy_path = "/opt/confidential-containers/opa/policy.rego"
)";

// pattern.md §1.8, trustee-chart v1.1: the Simple admin backend with one persona.
constexpr const char* kChartV11Admin = R"([admin]
type = "Simple"
insecure_api = false

[[admin.personas]]
id = "admin"
public_key_path = "/etc/auth-secret/publicKey"
)";

Result<KbsConfig> parse_with_admin(const std::string& admin_section) {
  return parse_kbs_config("[http_server]\ninsecure_http = true\n" + admin_section);
}

std::string error_of(const Result<KbsConfig>& r) {
  return r.ok() ? std::string("(parsed)") : r.error().code + ": " + r.error().message;
}

TEST(KbsConfig, UpstreamTestConfigSimplePersonas) {
  auto r = parse_kbs_config(kUpstreamTestKbsToml);
  ASSERT_TRUE(r.ok()) << error_of(r);
  const KbsConfig& c = *r;
  EXPECT_EQ(c.http_server.sockets, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_FALSE(c.http_server.insecure_http);
  EXPECT_EQ(c.http_server.private_key, "./work/https.key");
  EXPECT_EQ(c.http_server.certificate, "./work/https.crt");
  EXPECT_EQ(c.http_server.payload_request_size_mib, 2u);
  EXPECT_EQ(c.attestation_token.trusted_certs_paths, std::vector<std::string>{"./work/ca-cert.pem"});
  EXPECT_FALSE(c.attestation_token.insecure_header_jwk);
  EXPECT_EQ(c.attestation_service.type, "coco_as_builtin");
  EXPECT_EQ(c.attestation_service.timeout_min, 5);
  EXPECT_EQ(c.attestation_service.token_broker.duration_min, 5);
  ASSERT_TRUE(c.attestation_service.token_broker.signer.has_value());
  EXPECT_EQ(c.attestation_service.token_broker.signer->key_path, "./work/token.key");
  EXPECT_EQ(c.attestation_service.token_broker.signer->cert_path, "./work/token-cert-chain.pem");
  EXPECT_FALSE(c.attestation_service.token_broker.signer->cert_url.has_value());
  EXPECT_EQ(c.attestation_service.rvps.type, "BuiltIn");
  // No RVPS-specific storage: the unified storage backend type applies.
  EXPECT_EQ(c.attestation_service.rvps.storage_type, "LocalFs");
  EXPECT_EQ(c.storage_backend.storage_type, "LocalFs");
  EXPECT_EQ(c.storage_backend.dir_path, "./work/storage");
  EXPECT_EQ(c.admin.mode, AdminMode::authenticated);
  EXPECT_FALSE(c.admin.require_role);
  EXPECT_TRUE(c.admin.acls.empty());
  ASSERT_EQ(c.admin.identity_providers.size(), 1u);
  EXPECT_EQ(c.admin.identity_providers[0].public_key_uri, "./work/kbs.pem");
  EXPECT_FALSE(c.admin.identity_providers[0].issuer.has_value());
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_TRUE(c.has_plugin("resource"));
  EXPECT_FALSE(c.has_plugin("sample"));
  EXPECT_EQ(c.plugin("resource")->backend, "kvstorage");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.notes, std::vector<std::string>{
                         "`attestation_service.verifier_config` is accepted but not simulated; ignored"});
}

TEST(KbsConfig, UpstreamTestConfigOlderAuthPublicKey) {
  auto r = parse_kbs_config(kUpstreamTestKbsTomlOld);
  ASSERT_TRUE(r.ok()) << error_of(r);
  const KbsConfig& c = *r;
  EXPECT_EQ(c.admin.mode, AdminMode::authenticated);
  EXPECT_FALSE(c.admin.require_role);
  ASSERT_EQ(c.admin.identity_providers.size(), 1u);
  EXPECT_EQ(c.admin.identity_providers[0].public_key_uri, "./work/kbs.pem");
  EXPECT_EQ(c.attestation_service.work_dir, "./work/attestation-service");
  EXPECT_EQ(c.attestation_service.policy_engine, "opa");
  EXPECT_EQ(c.attestation_service.token_broker.type, "Ear");
  EXPECT_EQ(c.policy_engine.policy_path, "./work/kbs-policy.rego");
  // No [storage_backend]: the RVPS keeps the struct default.
  EXPECT_EQ(c.storage_backend.storage_type, "Memory");
  EXPECT_EQ(c.attestation_service.rvps.storage_type, "LocalJson");
  ASSERT_TRUE(c.has_plugin("resource"));
  EXPECT_EQ(c.plugin("resource")->type, "LocalFs");
  EXPECT_EQ(c.plugin("resource")->dir_path, "./work/repository");
  EXPECT_EQ(c.plugin("resource")->backend, "");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(c.notes.empty());
}

TEST(KbsConfig, UpstreamKbsConfigTomlLegacyForms) {
  auto r = parse_kbs_config(kUpstreamKbsConfigToml);
  ASSERT_TRUE(r.ok()) << error_of(r);
  const KbsConfig& c = *r;
  EXPECT_TRUE(c.http_server.insecure_http);
  EXPECT_EQ(c.admin.mode, AdminMode::insecure_allow_all);
  EXPECT_EQ(c.attestation_service.token_broker.type, "Simple");
  EXPECT_EQ(c.attestation_service.token_broker.duration_min, 5);
  EXPECT_EQ(c.attestation_service.rvps.storage_type, "LocalFs");
  EXPECT_EQ(c.policy_engine.policy_path, "/opa/confidential-containers/kbs/policy.rego");
  EXPECT_EQ(c.plugin("resource")->dir_path, "/opt/confidential-containers/kbs/repository");
  EXPECT_EQ(c.warnings, std::vector<std::string>{"unknown key `attestation_token.insecure_api` ignored"});
  EXPECT_EQ(c.notes,
            std::vector<std::string>{
                "`attestation_service.attestation_token_broker` = \"Simple\": Trustee issues EAR tokens "
                "whatever this says (since v0.16); simulated as \"Ear\""});
}

TEST(KbsConfig, CurrentTrusteeAuthenticatedAuthorization) {
  auto r = parse_kbs_config(kCurrentTrusteeToml);
  ASSERT_TRUE(r.ok()) << error_of(r);
  const KbsConfig& c = *r;
  EXPECT_EQ(c.http_server.sockets, (std::vector<std::string>{"0.0.0.0:8080", "[::1]:8443"}));
  EXPECT_EQ(c.http_server.payload_request_size_mib, 4u);
  EXPECT_EQ(c.http_server.worker_count, 3u);
  EXPECT_TRUE(c.attestation_token.insecure_header_jwk);
  EXPECT_EQ(c.attestation_token.extra_teekey_paths,
            std::vector<std::string>{"/attester_runtime_data/tee-pubkey"});
  EXPECT_EQ(c.admin.mode, AdminMode::authenticated);
  EXPECT_EQ(admin_mode_name(c.admin.mode), "AuthenticatedAuthorization");
  EXPECT_TRUE(c.admin.require_role);
  EXPECT_TRUE(c.admin.insecure_header_jwk);
  EXPECT_FALSE(c.admin.insecure_public_key_from_uri);
  ASSERT_EQ(c.admin.identity_providers.size(), 2u);
  EXPECT_EQ(c.admin.identity_providers[0].issuer, "issuer");
  EXPECT_EQ(c.admin.identity_providers[0].audience, "kbs");
  EXPECT_EQ(c.admin.identity_providers[0].public_key_uri, "./work/kbs.pem");
  EXPECT_FALSE(c.admin.identity_providers[0].jwk_set_uri.has_value());
  EXPECT_FALSE(c.admin.identity_providers[1].issuer.has_value());
  EXPECT_EQ(c.admin.identity_providers[1].jwk_set_uri, "https://auth.example.com/jwks/");
  ASSERT_EQ(c.admin.acls.size(), 2u);
  EXPECT_EQ(c.admin.acls[0].role, "admin");
  EXPECT_EQ(c.admin.acls[0].allowed_endpoints, "^/kbs/.+$");
  EXPECT_EQ(c.admin.acls[1].role, "reader");
  EXPECT_EQ(c.admin.acls[1].allowed_endpoints, "^/kbs/v0/resource-policy$");
  EXPECT_EQ(c.storage_backend.storage_type, "LocalFs");  // serde alias local_fs
  EXPECT_EQ(c.storage_backend.dir_path, "/opt/confidential-containers/storage");
  EXPECT_EQ(c.attestation_service.timeout_min, 7);
  const auto& tb = c.attestation_service.token_broker;
  EXPECT_EQ(tb.duration_min, 10);
  EXPECT_EQ(tb.issuer_name, "my-as");
  EXPECT_EQ(tb.developer_name, "https://example.org");
  EXPECT_EQ(tb.build_name, "sim 1");
  EXPECT_EQ(tb.profile_name, "tag:example");
  EXPECT_FALSE(tb.verbose_token);
  EXPECT_FALSE(tb.signer.has_value());
  EXPECT_EQ(c.attestation_service.rvps.storage_type, "LocalJson");  // explicit override wins
  ASSERT_EQ(c.plugins.size(), 2u);
  EXPECT_EQ(c.plugins[0].backend, "kvstorage");
  EXPECT_EQ(c.plugins[1].name, "nebula-ca");
  EXPECT_TRUE(c.has_plugin("nebula-ca"));
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.notes,
            (std::vector<std::string>{
                "`http_server.tls_profile` is accepted but not simulated; ignored",
                "`attestation_service.rvps_config.extractors` is accepted but not simulated; ignored",
                "plugin `nebula-ca` (`plugins[1]`) is not simulated; its settings are ignored"}));
}

TEST(KbsConfig, ChartV10Form) {
  auto r = parse_kbs_config(kChartV10Toml);
  ASSERT_TRUE(r.ok()) << error_of(r);
  const KbsConfig& c = *r;
  EXPECT_EQ(c.http_server.sockets, std::vector<std::string>{"0.0.0.0:8080"});
  EXPECT_EQ(c.http_server.private_key, "/etc/https-key/tls.key");
  EXPECT_EQ(c.admin.mode, AdminMode::authenticated);  // insecure_api = false
  EXPECT_FALSE(c.admin.require_role);
  ASSERT_EQ(c.admin.identity_providers.size(), 1u);
  EXPECT_EQ(c.admin.identity_providers[0].public_key_uri, "/etc/auth-secret/publicKey");
  EXPECT_FALSE(c.attestation_token.insecure_header_jwk);
  EXPECT_EQ(c.attestation_token.attestation_token_type, "CoCo");
  EXPECT_EQ(c.attestation_token.trusted_certs_paths,
            std::vector<std::string>{"/etc/attestation-cert/tls.crt"});
  EXPECT_EQ(c.attestation_service.work_dir, "/opt/confidential-containers/attestation-service");
  EXPECT_EQ(c.attestation_service.policy_engine, "opa");
  const auto& tb = c.attestation_service.token_broker;
  EXPECT_EQ(tb.type, "Ear");
  EXPECT_EQ(tb.policy_dir, "/opt/confidential-containers/attestation-service/policies");
  EXPECT_EQ(tb.duration_min, 5);
  ASSERT_TRUE(tb.signer.has_value());
  EXPECT_EQ(tb.signer->key_path, "/etc/attestation-cert/tls.key");
  EXPECT_EQ(c.attestation_service.rvps.type, "BuiltIn");
  EXPECT_EQ(c.attestation_service.rvps.storage_type, "LocalJson");
  EXPECT_EQ(c.attestation_service.rvps.file_path,
            "/opt/confidential-containers/rvps/reference-values/reference-values.json");
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_EQ(c.plugins[0].type, "LocalFs");
  EXPECT_EQ(c.plugins[0].dir_path, "/opt/confidential-containers/kbs/repository");
  EXPECT_EQ(c.policy_engine.policy_path, "/opt/confidential-containers/opa/policy.rego");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
}

TEST(KbsConfig, ChartV10InsecureApiTrueAllowsAll) {
  auto r =
      parse_with_admin("[admin]\ninsecure_api = true\nauth_public_key = \"/etc/auth-secret/publicKey\"\n");
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->admin.mode, AdminMode::insecure_allow_all);
}

TEST(KbsConfig, ChartV11SimplePersona) {
  auto r = parse_with_admin(kChartV11Admin);
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->admin.mode, AdminMode::authenticated);
  EXPECT_FALSE(r->admin.require_role);
  ASSERT_EQ(r->admin.identity_providers.size(), 1u);
  EXPECT_EQ(r->admin.identity_providers[0].public_key_uri, "/etc/auth-secret/publicKey");
  EXPECT_TRUE(r->admin.acls.empty());
  EXPECT_TRUE(r->warnings.empty());

  auto insecure = parse_with_admin("[admin]\ntype = \"Simple\"\ninsecure_api = true\n");
  ASSERT_TRUE(insecure.ok()) << error_of(insecure);
  EXPECT_EQ(insecure->admin.mode, AdminMode::insecure_allow_all);
}

TEST(KbsConfig, AdminModesAndTypes) {
  struct Case {
    const char* admin;
    AdminMode mode;
  };
  for (const Case& tc :
       {Case{"[admin]\nauthorization_mode = \"InsecureAllowAll\"\n", AdminMode::insecure_allow_all},
        Case{"[admin]\nauthorization_mode = \"DenyAll\"\n", AdminMode::deny_all},
        Case{"[admin]\ntype = \"DenyAll\"\n", AdminMode::deny_all},
        Case{"[admin]\ntype = \"InsecureAllowAll\"\n", AdminMode::insecure_allow_all},
        Case{"[admin]\ninsecure_api = false\n", AdminMode::deny_all},
        Case{"[admin]\n", AdminMode::insecure_allow_all}}) {
    auto r = parse_with_admin(tc.admin);
    ASSERT_TRUE(r.ok()) << tc.admin << error_of(r);
    EXPECT_EQ(r->admin.mode, tc.mode) << tc.admin;
    EXPECT_TRUE(r->admin.identity_providers.empty()) << tc.admin;
  }
}

TEST(KbsConfig, MissingAdminIsAnError) {
  auto r = parse_kbs_config("[http_server]\ninsecure_http = true\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "trustee.config_invalid");
  EXPECT_NE(r.error().message.find("no [admin] section"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Add for example [admin]"), std::string::npos);
  EXPECT_FALSE(parse_kbs_config("").ok());
}

TEST(KbsConfig, AclRegexMustBeAnchored) {
  auto acl = [](const std::string& re) {
    return parse_with_admin(
        "[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n"
        "[admin.authentication.bearer_jwt]\nidentity_providers = [{ public_key_uri = \"k.pem\" }]\n"
        "[admin.authorization.regex_acl]\nacls = [{ role = \"admin\", allowed_endpoints = '" +
        re + "' }]\n");
  };
  EXPECT_TRUE(acl("^/kbs/.+$").ok());
  EXPECT_TRUE(acl("^/kbs$").ok());
  for (const char* bad : {"/kbs/.+$", "^/kbs/.+", "^/kb/.+$", ".*", "^/KBS/.+$", ""}) {
    auto r = acl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "trustee.config_invalid");
    EXPECT_NE(r.error().message.find("admin.authorization.regex_acl.acls[0].allowed_endpoints"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("start with \"^/kbs\" and end with \"$\""), std::string::npos)
        << r.error().message;
  }
}

TEST(KbsConfig, AdminStrictTables) {
  const std::string head = "[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n";
  // An identity provider with neither key source.
  auto r = parse_with_admin(head +
                            "[admin.authentication.bearer_jwt]\nidentity_providers = [{ issuer = \"x\" }]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("`admin.authentication.bearer_jwt.identity_providers[0]` needs"),
            std::string::npos)
      << r.error().message;
  // deny_unknown_fields in IssuerConfig.
  r = parse_with_admin(head +
                       "[admin.authentication.bearer_jwt]\nidentity_providers = [{ public_key_uri = \"k\", "
                       "algorithm = \"EdDSA\" }]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message.find("unknown key `admin.authentication.bearer_jwt.identity_providers[0].algorithm`"),
      std::string::npos)
      << r.error().message;
  // An ACL written for the earlier `audience` field.
  r = parse_with_admin(head +
                       "[admin.authorization.regex_acl]\nacls = [{ audience = \"admin\", allowed_endpoints = "
                       "\"^/kbs/.+$\" }]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rename it to `role`"), std::string::npos) << r.error().message;
  // An ACL without a role.
  r = parse_with_admin(head +
                       "[admin.authorization.regex_acl]\nacls = [{ allowed_endpoints = \"^/kbs/.+$\" }]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("needs `role`"), std::string::npos) << r.error().message;
  // A bad mode name.
  r = parse_with_admin("[admin]\nauthorization_mode = \"Simple\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("`admin.authorization_mode` = \"Simple\" is not a mode"),
            std::string::npos);
  r = parse_with_admin("[admin]\ntype = \"Bogus\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("`admin.type` = \"Bogus\""), std::string::npos);
  // A persona without its key.
  r = parse_with_admin("[admin]\ntype = \"Simple\"\n[[admin.personas]]\nid = \"admin\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("`admin.personas[0]` needs both `id` and `public_key_path`"),
            std::string::npos);
}

TEST(KbsConfig, UnknownKeysBecomeWarnings) {
  auto r = parse_kbs_config(R"(
colour = "blue"
[admin]
authorization_mode = "DenyAll"
personas = []
[http_server]
insecure_http = true
insecure_https = false
[attestation_service]
type = "coco_as_builtin"
[attestation_service.rvps_config]
type = "BuiltIn"
adress = "x"
[storage_backend.backends.local_fs]
dir_path = "/d"
dirpath = "/e"
[future_section]
a = 1
[[plugins]]
name = "resource"
storage_backend_type = "kvstorage"
bucket = "b"
)");
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->warnings, (std::vector<std::string>{
                             "unknown key `http_server.insecure_https` ignored",
                             "unknown key `admin.personas` ignored",
                             "unknown key `attestation_service.rvps_config.adress` ignored",
                             "unknown key `storage_backend.backends.local_fs.dirpath` ignored",
                             "unknown key `plugins[0].bucket` ignored",
                             "unknown key `colour` ignored",
                             "unknown key `future_section` ignored",
                         }));
  EXPECT_EQ(r->storage_backend.dir_path, "/d");
  EXPECT_EQ(r->admin.mode, AdminMode::deny_all);
}

TEST(KbsConfig, TypeErrorsAreConfigInvalid) {
  struct Case {
    std::string toml;
    std::string expect;
  };
  const std::string admin = "[admin]\nauthorization_mode = \"DenyAll\"\n";
  const std::vector<Case> cases = {
      {admin + "[http_server]\ninsecure_http = \"true\"\n", "`http_server.insecure_http` must be a boolean"},
      {admin + "[http_server]\nsockets = \"127.0.0.1:8080\"\n",
       "`http_server.sockets` must be an array of strings"},
      {admin + "[http_server]\nsockets = [8080]\n",
       "`http_server.sockets[0]` must be a string, found an integer"},
      {admin + "[http_server]\nsockets = [\"localhost:8080\"]\n", "is not an IP:port socket address"},
      {admin + "[http_server]\nsockets = [\"127.0.0.1:70000\"]\n", "is not an IP:port socket address"},
      {admin + "[http_server]\npayload_request_size = -1\n",
       "`http_server.payload_request_size` = -1 is out of range"},
      {admin + "[http_server]\nworker_count = 2.5\n",
       "`http_server.worker_count` must be an integer, found a float"},
      {admin + "[attestation_service]\ntimeout = \"5\"\n",
       "`attestation_service.timeout` must be an integer"},
      {admin + "[attestation_service]\ntype = \"remote\"\n", "`attestation_service.type` = \"remote\""},
      {admin + "[attestation_service.attestation_token_broker]\nduration_min = true\n",
       "`attestation_service.attestation_token_broker.duration_min` must be an integer, found a boolean"},
      {admin + "[attestation_service.attestation_token_broker.signer]\ncert_path = \"c\"\n",
       "needs `key_path`"},
      {admin + "[attestation_service.rvps_config]\ntype = \"Remote\"\n", "is not an RVPS type"},
      {admin + "[storage_backend]\nstorage_type = \"Redis\"\n",
       "`storage_backend.storage_type` = \"Redis\" is not a storage type"},
      {admin + "[[plugins]]\nname = \"resource\"\nstorage_backend_type = \"Vault\"\n",
       "\"Vault\" is not simulated"},
      {admin + "[[plugins]]\nname = \"resource\"\ntype = \"Aliyun\"\n", "\"Aliyun\" is not simulated"},
      {admin + "[[plugins]]\nstorage_backend_type = \"kvstorage\"\n", "`plugins[0]` needs `name`"},
      {"plugins = [1]\n" + admin, "`plugins[0]` must be a table, found an integer"},
      {admin + "[policy_engine]\npolicy_path = 3\n", "`policy_engine.policy_path` must be a string"},
      {"admin = \"DenyAll\"\n", "`admin` must be a table, found a string"},
      {"[admin]\nauthorization_mode = 1\n", "`admin.authorization_mode` must be a string, found an integer"},
  };
  for (const auto& tc : cases) {
    auto r = parse_kbs_config(tc.toml);
    ASSERT_FALSE(r.ok()) << tc.toml;
    EXPECT_EQ(r.error().code, "trustee.config_invalid") << tc.toml;
    EXPECT_NE(r.error().message.find(tc.expect), std::string::npos)
        << tc.toml << "\n -> " << r.error().message;
  }
}

TEST(KbsConfig, TomlSyntaxErrorNamesLineAndColumn) {
  auto r = parse_kbs_config("[admin]\nauthorization_mode = \"DenyAll\"\n[http_server\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "trustee.config_invalid");
  EXPECT_NE(r.error().message.find("not valid TOML at line 3, column"), std::string::npos)
      << r.error().message;

  auto dup = parse_kbs_config("[admin]\n[admin]\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("line 2"), std::string::npos) << dup.error().message;

  // Bytes that are not UTF-8 must not crash.
  EXPECT_FALSE(parse_kbs_config(std::string("[admin]\nx = \"\xff\xfe\"\n")).ok());
  EXPECT_FALSE(parse_kbs_config(std::string("\0\0\0", 3)).ok());
}

TEST(KbsConfig, StorageAliasesAndDefaults) {
  auto r = parse_kbs_config(
      "[admin]\n[storage_backend]\nstorage_type = \"memory\"\n"
      "[storage_backend.backends.local_json]\nfile_dir_path = \"/j\"\n"
      "[attestation_service]\nsession_storage_type = \"local_json\"\n"
      "[[plugins]]\nname = \"resource\"\n");
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->storage_backend.storage_type, "Memory");
  EXPECT_EQ(r->storage_backend.local_json_file_dir_path, "/j");
  EXPECT_EQ(r->storage_backend.session_storage_type, "LocalJson");
  EXPECT_EQ(r->attestation_service.rvps.storage_type, "Memory");
  EXPECT_EQ(r->plugin("resource")->backend, "kvstorage");  // the default resource backend

  auto old = parse_kbs_config("[admin]\n[[plugins]]\nname = \"resource\"\ntype = \"LocalFs\"\n");
  ASSERT_TRUE(old.ok()) << error_of(old);
  EXPECT_EQ(old->plugin("resource")->dir_path, "/opt/confidential-containers/kbs/repository");

  KbsConfig defaults;
  EXPECT_EQ(defaults.http_server.sockets, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(defaults.attestation_service.token_broker.issuer_name, "CoCo-Attestation-Service");
  EXPECT_EQ(defaults.attestation_service.rvps.storage_type, "LocalJson");
  EXPECT_EQ(defaults.admin.mode, AdminMode::insecure_allow_all);
}

TEST(KbsConfig, ResourceDirAndStorageTables) {
  // Current: kvstorage on LocalFs -> <dir_path>/repository (Trustee's KV namespace for resources).
  auto r = parse_kbs_config(kUpstreamTestKbsToml);
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->resource_dir(), std::filesystem::path("./work/storage/repository"));
  // Older LocalFs resource plugin: its own dir_path.
  auto old = parse_kbs_config(kChartV10Toml);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->resource_dir(), std::filesystem::path("/opt/confidential-containers/kbs/repository"));
  // In memory, or no resource plugin.
  auto mem = parse_kbs_config("[admin]\n[[plugins]]\nname = \"resource\"\n");
  ASSERT_TRUE(mem.ok());
  EXPECT_FALSE(mem->resource_dir().has_value());
  auto none = parse_kbs_config(
      "[admin]\n[storage_backend]\nstorage_type = \"LocalFs\"\n"
      "[storage_backend.backends.local_fs]\n");
  ASSERT_TRUE(none.ok()) << error_of(none);
  EXPECT_FALSE(none->resource_dir().has_value());
  // The local_fs table without dir_path takes Trustee's default.
  EXPECT_EQ(none->storage_backend.dir_path, "/opt/confidential-containers/storage/local_fs");

  // LocalFs / LocalJson without their settings table: Trustee does not start.
  auto bad = parse_kbs_config("[admin]\n[storage_backend]\nstorage_type = \"LocalFs\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("needs a [storage_backend.backends.local_fs] table"), std::string::npos)
      << bad.error().message;
  auto bad_json = parse_kbs_config("[admin]\n[storage_backend]\nstorage_type = \"LocalJson\"\n");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().message.find("[storage_backend.backends.local_json]"), std::string::npos);
  auto json_ok = parse_kbs_config(
      "[admin]\n[storage_backend]\nstorage_type = \"LocalJson\"\n[storage_backend.backends.local_json]\n");
  ASSERT_TRUE(json_ok.ok()) << error_of(json_ok);
  EXPECT_EQ(json_ok->storage_backend.local_json_file_dir_path,
            "/opt/confidential-containers/storage/local_json");
}

TEST(KbsConfig, MutatedInputNeverThrows) {
  // Deterministic byte flips, truncations and splices of real configs: every outcome is a Result.
  const std::vector<std::string> seeds = {kUpstreamTestKbsToml, kCurrentTrusteeToml, kChartV10Toml};
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[next() % seeds.size()];
    switch (next() % 4) {
      case 0:
        s[next() % s.size()] = static_cast<char>(next() & 0xff);
        break;
      case 1:
        s.resize(next() % s.size());
        break;
      case 2:
        s.insert(next() % s.size(), seeds[next() % seeds.size()].substr(next() % 200, next() % 64));
        break;
      default:
        s.erase(next() % s.size(), next() % 16);
        break;
    }
    EXPECT_NO_THROW({
      auto r = parse_kbs_config(s);
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, "trustee.config_invalid");
      }
    });
  }
}

TEST(KbsConfig, LoadFromFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("kbs-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "kbs-config.toml";
  {
    std::ofstream out(path);
    out << kChartV10Toml;
  }
  auto r = load_kbs_config(path);
  ASSERT_TRUE(r.ok()) << error_of(r);
  EXPECT_EQ(r->policy_engine.policy_path, "/opt/confidential-containers/opa/policy.rego");

  auto missing = load_kbs_config(dir / "absent.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io.read_failed");

  {
    std::ofstream out(path);
    out << "[http_server]\n";
  }
  auto bad = load_kbs_config(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "trustee.config_invalid");
  EXPECT_NE(bad.error().message.find(path.string()), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coco::trustee
