// End to end: the guest client against the in-process Trustee-compatible KBS (sim/trustee) over real HTTPS
// on loopback: the sample and simulated SNP handshakes, every TEE key type, the default resource policy's
// PolicyDeny and guest-components' 401 retry storm (Trustee issue 1419), the protocol version check,
// tampered evidence, passport mode, and the admin API with and without admin JWTs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/x509.h"
#include "guest/rcar_client.h"
#include "guest_world.h"
#include "jose/jose.h"
#include "trustee/config.h"
#include "trustee/default_policies.h"
#include "trustee/kbs.h"

namespace coco::guest {
namespace {

using test_world::kInsecureKbsConfigToml;
using test_world::Tls;
using test_world::tls;

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kResource = "default/kbsres1/key1";
constexpr const char* kSecret = "a very secret value\n";

class KbsE2E : public ::testing::Test {
 protected:
  void SetUp() override { start(kInsecureKbsConfigToml); }
  void TearDown() override {
    if (kbs_) kbs_->stop();
  }

  void start(const std::string& toml) {
    if (kbs_) kbs_->stop();
    auto config = trustee::parse_kbs_config(toml);
    ASSERT_TRUE(config) << config.error().message;
    trustee::KbsOptions o;
    o.config = *config;
    o.port = 0;
    o.tls = tls().server;
    o.snp.roots = &test_world::roots();
    auto kbs = trustee::Kbs::create(std::move(o));
    ASSERT_TRUE(kbs) << kbs.error().code << ": " << kbs.error().message;
    kbs_ = std::move(*kbs);
    auto started = kbs_->start();
    ASSERT_TRUE(started) << started.error().code << ": " << started.error().message;
    ASSERT_EQ(kbs_->url().rfind("https://127.0.0.1:", 0), 0u) << kbs_->url();
    ASSERT_NE(kbs_->resources(), nullptr);
    ASSERT_TRUE(kbs_->resources()->put(kResource, as_bytes(std::string(kSecret))));
  }

  void allow_all() {
    ASSERT_TRUE(kbs_->resource_policy().set(std::string(trustee::allow_all_resource_policy())));
  }

  KbsClientOptions options(TeeKeyType type = TeeKeyType::ec_p256) const {
    KbsClientOptions o;
    o.url = kbs_->url();
    o.ca_pem = tls().ca_pem;
    o.key_type = type;
    return o;
  }

  static SimulatedSnpOptions snp_options() {
    SimulatedSnpOptions s;
    s.authority = test_world::authority();
    s.launch.product = snp::Product::genoa;
    return s;
  }

  std::unique_ptr<trustee::Kbs> kbs_;
};

std::string describe(const Error& e) {
  return e.code + ": " + e.message;
}

TEST_F(KbsE2E, SampleHandshakeReleasesTheSecretToEveryKeyType) {
  allow_all();
  for (TeeKeyType t :
       {TeeKeyType::ec_p256, TeeKeyType::ec_p521, TeeKeyType::rsa_oaep_256, TeeKeyType::rsa1_5}) {
    SCOPED_TRACE(std::string(tee_key_type_name(t)));
    KbsClient client(options(t), make_sample_provider());
    auto secret = client.get_resource(kResource);
    ASSERT_TRUE(secret) << describe(secret.error());
    EXPECT_EQ(to_string(*secret), kSecret);
    EXPECT_EQ(client.attestations(), 1);
    EXPECT_EQ(client.resource_requests(), 1);
    EXPECT_FALSE(client.last_http_error());
    ASSERT_TRUE(client.session_cookie());
    EXPECT_EQ(client.session_cookie()->size(), 32u);
  }
}

TEST_F(KbsE2E, AttestYieldsAnEarTokenBindingTheTeeKey) {
  KbsClient client(options(), make_sample_provider());
  auto challenge = client.auth();
  ASSERT_TRUE(challenge) << describe(challenge.error());
  EXPECT_EQ(challenge->at("nonce").get<std::string>().size(), 44u);
  EXPECT_EQ(challenge->at("extra-params"), "");

  auto r = client.attest();
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(client.attestations(), 1);
  EXPECT_EQ(r->session_cookie.size(), 32u);
  EXPECT_EQ(r->claims["iss"], "CoCo-Attestation-Service");
  EXPECT_EQ(r->claims["eat_profile"], "tag:github.com,2024:confidential-containers/Trustee");
  const json& ev = r->claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  EXPECT_TRUE(ev.contains("sample"));
  EXPECT_EQ(ev["runtime_data_claims"]["tee-pubkey"], client.tee_key().public_jwk());
  EXPECT_EQ(ev["runtime_data_claims"]["nonce"], client.challenge()->at("nonce"));
  // No reference values: the default CPU policy leaves the sample TEE contraindicated.
  EXPECT_EQ(r->claims["submods"]["cpu0"]["ear.status"], "contraindicated");
}

TEST_F(KbsE2E, SimulatedSnpHandshakeReleasesTheSecret) {
  allow_all();
  KbsClient client(options(), make_simulated_snp_provider(snp_options()));
  auto secret = client.get_resource(kResource);
  ASSERT_TRUE(secret) << describe(secret.error())
                      << (client.last_http_error() ? " / " + client.last_http_error()->body : "");
  EXPECT_EQ(to_string(*secret), kSecret);
  EXPECT_EQ(client.attestations(), 1);
}

TEST_F(KbsE2E, SimulatedSnpWithInitData) {
  const std::string toml = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"test.txt\" = \"hello\"\n";
  SimulatedSnpOptions s = snp_options();
  s.launch.host_data = sha256(as_bytes(toml));
  auto o = options();
  o.init_data_toml = toml;
  KbsClient client(o, make_simulated_snp_provider(s));
  auto r = client.attest();
  ASSERT_TRUE(r) << describe(r.error());
  const json& ev = r->claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  EXPECT_TRUE(ev.contains("snp"));
  EXPECT_EQ(ev["init_data"], hex_encode(sha256(as_bytes(toml))));

  // The same init-data with a launch that did not measure it fails.
  KbsClient unmeasured(o, make_simulated_snp_provider(snp_options()));
  auto bad = unmeasured.attest();
  ASSERT_FALSE(bad);
  EXPECT_EQ(unmeasured.last_http_error()->variant(), "AttestationError");
}

TEST_F(KbsE2E, DefaultResourcePolicyDeniesSampleWithARetryStorm) {
  KbsClient client(options(), make_sample_provider());
  auto r = client.get_resource(kResource);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.kbs_error");
  EXPECT_EQ(r.error().message, "KBS answered 401 PolicyDeny: Access denied by policy");
  ASSERT_TRUE(client.last_http_error());
  EXPECT_EQ(client.last_http_error()->status, 401);
  EXPECT_EQ(client.last_http_error()->variant(), "PolicyDeny");
  EXPECT_EQ(client.last_http_error()->type,
            "https://github.com/confidential-containers/kbs/errors/PolicyDeny");
  EXPECT_EQ(client.last_http_error()->detail, "Access denied by policy");
  EXPECT_EQ(client.attestations(), 3);  // Trustee issue 1419: a denial costs three attestations
  EXPECT_EQ(client.resource_requests(), 3);

  auto o = options();
  o.max_attempts = 1;
  KbsClient once(o, make_sample_provider());
  EXPECT_FALSE(once.get_resource(kResource));
  EXPECT_EQ(once.attestations(), 1);
  EXPECT_EQ(once.last_http_error()->variant(), "PolicyDeny");

  // The same default policy lets a (simulated) hardware TEE through.
  KbsClient snp_client(options(), make_simulated_snp_provider(snp_options()));
  auto secret = snp_client.get_resource(kResource);
  ASSERT_TRUE(secret) << describe(secret.error());
  EXPECT_EQ(snp_client.attestations(), 1);
}

TEST_F(KbsE2E, MissingResourceAlsoCostsThreeAttestations) {
  allow_all();
  KbsClient client(options(), make_sample_provider());
  auto r = client.get_resource("default/kbsres1/nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "KBS answered 401 PluginInternalError: Plugin internal error");
  EXPECT_EQ(client.attestations(), 3);
}

TEST_F(KbsE2E, MalformedResourcePathIsPluginInternalError) {
  allow_all();
  KbsClient client(options(), make_sample_provider());
  ASSERT_TRUE(client.attest());
  auto r = client.get_resource("only/two");
  ASSERT_FALSE(r);
  EXPECT_EQ(client.last_http_error()->status, 401);
  EXPECT_EQ(client.last_http_error()->variant(), "PluginInternalError");
  EXPECT_EQ(client.attestations(), 3);
}

TEST_F(KbsE2E, WrongProtocolVersion) {
  auto o = options();
  o.protocol_version = "0.2.0";
  KbsClient client(o, make_sample_provider());
  auto r = client.get_resource(kResource);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.kbs_error");
  ASSERT_TRUE(client.last_http_error());
  EXPECT_EQ(client.last_http_error()->status, 401);
  EXPECT_EQ(client.last_http_error()->variant(), "AttestationError");
  EXPECT_EQ(
      client.last_http_error()->detail,
      "Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version Mismatch: expect =0.4.0 "
      "while the request is 0.2.0");
  EXPECT_EQ(client.attestations(), 0);
}

TEST_F(KbsE2E, TamperedReportDataFailsAttestation) {
  allow_all();
  EvidenceTamper t;
  t.edit_digest = [](Bytes& d) { d[0] ^= 0x80; };
  KbsClient client(options(), make_tampering_provider(make_sample_provider(), t));
  auto r = client.get_resource(kResource);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "KBS answered 401 AttestationError: Attestation error: RCAR handshake Attest failed");
  EXPECT_EQ(client.last_http_error()->detail, "Attestation error: RCAR handshake Attest failed");
  EXPECT_EQ(client.attestations(), 1);  // the handshake itself failed: no GET, no retry
  EXPECT_EQ(client.resource_requests(), 0);

  // SNP: report_data bound to the wrong digest, and a report whose signature no longer matches.
  KbsClient snp_digest(options(), make_tampering_provider(make_simulated_snp_provider(snp_options()), t));
  EXPECT_FALSE(snp_digest.attest());
  EXPECT_EQ(snp_digest.last_http_error()->detail, "Attestation error: RCAR handshake Attest failed");

  EvidenceTamper forge;
  forge.edit_evidence = [](json& ev) {
    json& m = ev["attestation_report"]["measurement"];
    if (m.is_array() && !m.empty() && m[0].is_number_unsigned()) m[0] = (m[0].get<unsigned>() + 1) % 256;
  };
  KbsClient snp_forged(options(), make_tampering_provider(make_simulated_snp_provider(snp_options()), forge));
  EXPECT_FALSE(snp_forged.attest());
  ASSERT_TRUE(snp_forged.last_http_error());
  EXPECT_EQ(snp_forged.last_http_error()->variant(), "AttestationError");
}

TEST_F(KbsE2E, PassportModeWithBearerToken) {
  allow_all();
  KbsClient client(options(TeeKeyType::rsa_oaep_256), make_sample_provider());
  auto att = client.attest();
  ASSERT_TRUE(att) << describe(att.error());
  auto secret = client.get_resource_with_token(kResource, att->token);
  ASSERT_TRUE(secret) << describe(secret.error());
  EXPECT_EQ(to_string(*secret), kSecret);

  // A bearer value that is not a valid token.
  KbsClient none(options(), make_sample_provider());
  auto r = none.get_resource_with_token(kResource, "not-a-jwt");
  ASSERT_FALSE(r);
  EXPECT_EQ(none.last_http_error()->status, 401);
}

TEST_F(KbsE2E, WrongCaIsATransportError) {
  auto o = options();
  o.ca_pem = test_world::make_loopback_tls().ca_pem;
  KbsClient client(o, make_sample_provider());
  auto r = client.auth();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.http");
  EXPECT_NE(r.error().message.find("http.tls_failed"), std::string::npos) << r.error().message;

  auto insecure = options();
  insecure.ca_pem.reset();
  insecure.insecure_skip_verify = true;
  KbsClient skip(insecure, make_sample_provider());
  EXPECT_TRUE(skip.auth());
}

TEST_F(KbsE2E, AdminClientManagesResourcesAndPolicies) {
  KbsAdminClient admin(kbs_->url(), tls().ca_pem, std::nullopt);
  ASSERT_TRUE(admin.set_resource("default/other/key2", as_bytes(std::string("second secret"))));
  auto policy = admin.set_resource_policy(trustee::allow_all_resource_policy());
  ASSERT_TRUE(policy) << describe(policy.error());
  auto ids = admin.get_resource_policy();
  ASSERT_TRUE(ids) << describe(ids.error());
  EXPECT_EQ(*ids, json::parse(R"(["resource-policy"])"));

  KbsClient client(options(), make_sample_provider());
  auto secret = client.get_resource("default/other/key2");
  ASSERT_TRUE(secret) << describe(secret.error());
  EXPECT_EQ(to_string(*secret), "second secret");

  ASSERT_TRUE(admin.delete_resource("default/other/key2"));
  auto gone = client.get_resource("default/other/key2");
  ASSERT_FALSE(gone);
  EXPECT_EQ(client.last_http_error()->variant(), "PluginInternalError");

  // Invalid Rego is refused by the KBS.
  auto bad = admin.set_resource_policy("package policy\nallow if {");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "guest.kbs_error");
  EXPECT_EQ(admin.last_http_error()->variant(), "PolicyEngineError");
}

TEST_F(KbsE2E, ReferenceValuesMakeTheSampleTeeAffirming) {
  KbsAdminClient admin(kbs_->url(), tls().ca_pem, std::nullopt);
  ASSERT_TRUE(admin.set_reference_value("svn", json::array({"1"})));
  ASSERT_TRUE(admin.set_reference_value("launch_digest", json::array({"abcde"})));
  ASSERT_TRUE(admin.set_reference_value("major_version", 1));
  ASSERT_TRUE(admin.set_reference_value("minimum_minor_version", 1));
  auto svn = admin.get_reference_value("svn");
  ASSERT_TRUE(svn) << describe(svn.error());
  EXPECT_EQ(*svn, json::array({"1"}));
  ASSERT_TRUE(admin.set_resource_policy(trustee::affirming_resource_policy()));

  KbsClient client(options(), make_sample_provider());
  auto secret = client.get_resource(kResource);
  ASSERT_TRUE(secret) << describe(secret.error());
  EXPECT_EQ(to_string(*secret), kSecret);

  // An SVN the reference values do not list is not affirming: denied.
  auto o = options();
  o.max_attempts = 1;
  KbsClient old(o, make_sample_provider("0"));
  auto r = old.get_resource(kResource);
  ASSERT_FALSE(r);
  EXPECT_EQ(old.last_http_error()->variant(), "PolicyDeny");
}

TEST_F(KbsE2E, AttestationPolicyFromTheAdminClient) {
  allow_all();
  KbsAdminClient admin(kbs_->url(), tls().ca_pem, std::nullopt);
  // A policy that sets no trust claim: Trustee refuses to issue a token ("At least one policy claim must
  // be set").
  const std::string rego = "package policy\nimport rego.v1\ntrust_claims := {}\n";
  auto set = admin.set_attestation_policy(rego);
  ASSERT_TRUE(set) << describe(set.error());
  auto o = options();
  o.max_attempts = 1;
  KbsClient client(o, make_sample_provider());
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(client.last_http_error()->variant(), "AttestationError");

  // Back to a policy that always affirms.
  const std::string affirming =
      "package policy\nimport rego.v1\ntrust_claims := {\"executables\": 2, \"hardware\": 2, "
      "\"configuration\": 2}\n";
  ASSERT_TRUE(admin.set_attestation_policy(affirming));
  KbsClient again(o, make_sample_provider());
  auto ok = again.attest();
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(ok->claims["submods"]["cpu0"]["ear.status"], "affirming");
}

class KbsE2EAuthenticatedAdmin : public KbsE2E {
 protected:
  void SetUp() override {
    admin_key_ = jose::ed25519_key_from_seed(as_bytes(std::string("guest e2e")), "admin");
    const auto dir =
        std::filesystem::path(::testing::TempDir()) / ("guest-e2e-admin-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    pem_path_ = dir / "admin.pem";
    std::ofstream(pem_path_) << public_key_to_pem(admin_key_);
    std::string toml = kInsecureKbsConfigToml;
    const auto pos = toml.find("[admin]\nauthorization_mode = \"InsecureAllowAll\"\n");
    ASSERT_NE(pos, std::string::npos);
    toml.replace(pos, std::string("[admin]\nauthorization_mode = \"InsecureAllowAll\"\n").size(),
                 "[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n"
                 "[admin.authentication.bearer_jwt]\nidentity_providers = [{ issuer = \"issuer\", audience = "
                 "\"kbs\", public_key_uri = \"" +
                     pem_path_.string() +
                     "\" }]\n"
                     "[admin.authorization.regex_acl]\nacls = [{ role = \"admin\", allowed_endpoints = "
                     "\"^/kbs/.+$\" }]\n");
    start(toml);
  }
  void TearDown() override {
    KbsE2E::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(pem_path_.parent_path(), ec);
  }
  Key admin_key_;
  std::filesystem::path pem_path_;
};

TEST_F(KbsE2EAuthenticatedAdmin, SignedAdminTokens) {
  AdminTokenClaims claims;
  claims.issuer = "issuer";
  claims.audience = "kbs";
  KbsAdminClient admin(kbs_->url(), tls().ca_pem, admin_key_, claims);
  auto s = admin.set_resource_policy(trustee::allow_all_resource_policy());
  ASSERT_TRUE(s) << describe(s.error())
                 << (admin.last_http_error() ? " / " + admin.last_http_error()->body : "");
  ASSERT_TRUE(admin.set_resource("default/admin/key", as_bytes(std::string("by admin"))));
  KbsClient client(options(), make_sample_provider());
  auto secret = client.get_resource("default/admin/key");
  ASSERT_TRUE(secret) << describe(secret.error());
  EXPECT_EQ(to_string(*secret), "by admin");

  // Without a token, or with a key the KBS does not know, the admin API refuses.
  KbsAdminClient anonymous(kbs_->url(), tls().ca_pem, std::nullopt);
  auto a = anonymous.set_resource_policy(trustee::deny_all_resource_policy());
  ASSERT_FALSE(a);
  EXPECT_EQ(anonymous.last_http_error()->variant(), "AdminAuthAccess");
  KbsAdminClient stranger(kbs_->url(), tls().ca_pem,
                          jose::ed25519_key_from_seed(as_bytes(std::string("stranger")), "admin"), claims);
  auto b = stranger.set_resource_policy(trustee::deny_all_resource_policy());
  ASSERT_FALSE(b);
  EXPECT_EQ(stranger.last_http_error()->variant(), "AdminAuthAccess");
  EXPECT_NE(stranger.last_http_error()->detail.find("Cannot verify token with any of the issuers"),
            std::string::npos)
      << stranger.last_http_error()->detail;

  // A role the ACL does not name.
  AdminTokenClaims reader = claims;
  reader.role = "reader";
  KbsAdminClient wrong_role(kbs_->url(), tls().ca_pem, admin_key_, reader);
  auto c = wrong_role.set_resource_policy(trustee::deny_all_resource_policy());
  ASSERT_FALSE(c);
  EXPECT_NE(wrong_role.last_http_error()->detail.find("Role reader not allowed"), std::string::npos)
      << wrong_role.last_http_error()->detail;
}

}  // namespace
}  // namespace coco::guest
