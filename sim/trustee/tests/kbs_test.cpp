// The KBS API through Kbs::handle(): each endpoint's success and every error row of trustee.md 1.9.

#include "kbs_fixture.h"

namespace coco::trustee::test {
namespace {

const std::string kAttestFailed = "Attestation error: RCAR handshake Attest failed";

using KbsApi = KbsFixture;

TEST_F(KbsApi, HealthzAndMetrics) {
  Reply h = call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "");
  auth();
  Reply m = call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("kbs_http_requests_total 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("kbs_auth_requests_total 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("kbs_http_request_duration_seconds_bucket{le=\"0.0005\"}"), std::string::npos);
  EXPECT_EQ(call("POST", "/metrics").status, 405);
  EXPECT_EQ(call("GET", "/nothing").status, 404);
}

TEST_F(KbsApi, AuthReturnsChallengeAndCookie) {
  Reply r = auth("snp");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/json");
  ASSERT_TRUE(r.json.is_object());
  EXPECT_EQ(r.json.size(), 2u);
  EXPECT_EQ(r.json["extra-params"], "");
  std::string nonce = r.json["nonce"].get<std::string>();
  EXPECT_EQ(nonce.size(), 44u);
  auto raw = base64_decode(nonce);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 32u);
  std::string cookie = r.headers.get("Set-Cookie").value_or("");
  // "kbs-session-id=<32 lowercase hex>; Expires=<IMF-fixdate>", nothing else (no Path, Secure, HttpOnly).
  ASSERT_EQ(cookie.size(), std::string("kbs-session-id=; Expires=Fri, 15 Jan 2027 08:05:00 GMT").size() + 32)
      << cookie;
  EXPECT_EQ(cookie.rfind("kbs-session-id=", 0), 0u);
  EXPECT_EQ(cookie.substr(15, 32).find_first_not_of("0123456789abcdef"), std::string::npos) << cookie;
  // Expires = now + 5 minutes: 1800000000 + 300 is Fri, 15 Jan 2027 08:05:00 GMT.
  EXPECT_NE(cookie.find("Expires=Fri, 15 Jan 2027 08:05:00 GMT"), std::string::npos) << cookie;
  // Every challenge is fresh.
  EXPECT_NE(auth().json["nonce"], r.json["nonce"]);
}

TEST_F(KbsApi, AuthErrors) {
  Reply bad = call("POST", "/kbs/v0/auth", "{not json");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.type(), "AttestationError");
  EXPECT_EQ(bad.detail(), "Attestation error: RCAR handshake Auth failed: deserialize Request");
  EXPECT_EQ(bad.body, R"({"type":"https://github.com/confidential-containers/kbs/errors/AttestationError",)"
                      R"("detail":"Attestation error: RCAR handshake Auth failed: deserialize Request"})");
  Reply unknown = auth("quantum");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.detail(), "Attestation error: RCAR handshake Auth failed: deserialize Request");
  Reply old = auth("sample", "0.2.0");
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(old.detail(),
            "Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version Mismatch: "
            "expect =0.4.0 while the request is 0.2.0");
  EXPECT_EQ(auth("sample", "0.4.1").status, 401);
  for (const char* unparseable : {"0.4", "v0.4.0", "00.4.0", "banana", "0.4.0+build..7", "0.4.0+bu$ld",
                                  "0.4.0-", "0.4.0-01", "0.4.0+"}) {
    EXPECT_EQ(auth("sample", unparseable).detail(),
              "Attestation error: RCAR handshake Auth failed: failed to parse KBS version");
  }
  EXPECT_EQ(auth("sample", "0.4.0+build.7").status, 200);  // semver ignores build metadata
  // serde_json's recursion limit: 128 levels of nesting are not JSON to Trustee.
  std::string deep = std::string(127, '[') + std::string(127, ']');
  EXPECT_EQ(call("POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":)" + deep + "}")
                .status,
            401);
  deep = std::string(126, '[') + std::string(126, ']');
  EXPECT_EQ(call("POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":)" + deep + "}")
                .status,
            200);
  // A million levels (well within the payload limit) must not take the KBS down.
  deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_EQ(call("POST", "/kbs/v0/attest", R"({"runtime-data":)" + deep + "}", cookie_headers()).status, 401);
  Reply no_extra = call("POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample"})");
  EXPECT_EQ(no_extra.detail(), "Attestation error: RCAR handshake Auth failed: deserialize Request");
  EXPECT_EQ(auth("sample", "0.4.0-rc1").status, 401);
  Reply get = call("GET", "/kbs/v0/auth");
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(get.type(), "PluginNotFound");
  EXPECT_EQ(get.detail(), "Plugin auth not found");
}

TEST_F(KbsApi, SampleHandshakeYieldsEarToken) {
  Key key = jose::generate_ec_key(Curve::p256);
  Reply r = attest_sample(key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.headers.get("Set-Cookie").has_value());
  auto jws = jose::jws_parse(r.json["token"].get<std::string>());
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->header["alg"], "ES256");
  EXPECT_EQ(jws->header["typ"], "JWT");
  EXPECT_EQ(jws->header["jwk"]["crv"], "P-256");
  auto claims = nlohmann::json::parse(jws->payload);
  EXPECT_EQ(claims["eat_profile"], "tag:github.com,2024:confidential-containers/Trustee");
  EXPECT_EQ(claims["iss"], "CoCo-Attestation-Service");
  EXPECT_EQ(claims["iat"], clock_);
  EXPECT_EQ(claims["exp"], clock_ + 300);
  const auto& cpu0 = claims["submods"]["cpu0"];
  // No reference values: the default policy leaves 97/33/36.
  EXPECT_EQ(cpu0["ear.status"], "contraindicated");
  EXPECT_EQ(cpu0["ear.trustworthiness-vector"]["hardware"], 97);
  EXPECT_EQ(cpu0["ear.trustworthiness-vector"]["configuration"], 2);
  const auto& ev = cpu0["ear.veraison.annotated-evidence"];
  EXPECT_EQ(ev["sample"]["svn"], "1");
  EXPECT_EQ(ev["sample"]["launch_digest"], "abcde");
  EXPECT_EQ(ev["runtime_data_claims"]["tee-pubkey"]["alg"], "ECDH-ES+A256KW");
  EXPECT_EQ(ev["runtime_data_claims"]["additional-evidence"], "");
  EXPECT_TRUE(jose::jws_verify(*jws, kbs_->attestation_service().signer_key()));
}

TEST_F(KbsApi, ReferenceValuesMakeSampleAffirming) {
  auto& rvps = kbs_->rvps();
  auto msg = [](const nlohmann::json& payload) {
    return nlohmann::json{
        {"version", "0.1.0"}, {"type", "sample"}, {"payload", base64_encode(as_bytes(payload.dump()))}}
        .dump();
  };
  ASSERT_EQ(call("POST", "/kbs/v0/reference-value",
                 msg({{"svn", {"1"}},
                      {"launch_digest", {"abcde"}},
                      {"major_version", 1},
                      {"minimum_minor_version", 1}}))
                .status,
            200);
  EXPECT_EQ(rvps.query("svn"), nlohmann::json({"1"}));
  Reply rv = call("GET", "/kbs/v0/reference-value/major_version");
  EXPECT_EQ(rv.status, 200);
  EXPECT_EQ(rv.body, "1");
  Reply missing = call("GET", "/kbs/v0/reference-value/nope");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.type(), "RvpsError");
  Reply badver =
      call("POST", "/kbs/v0/reference-value", R"({"version":"0.2.0","type":"sample","payload":"e30="})");
  EXPECT_EQ(badver.status, 401);
  EXPECT_EQ(badver.type(), "RvpsError");

  Key key = jose::generate_ec_key(Curve::p256);
  Reply r = attest_sample(key);
  ASSERT_EQ(r.status, 200) << r.body;
  auto claims = nlohmann::json::parse(jose::jws_parse(r.json["token"].get<std::string>())->payload);
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.status"], "affirming");
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.trustworthiness-vector"]["executables"], 3);
}

TEST_F(KbsApi, AttestErrorsHideTheReason) {
  Key key = jose::generate_ec_key(Curve::p256);
  auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
  // No cookie.
  Reply no_cookie = call("POST", "/kbs/v0/attest", "{}");
  EXPECT_EQ(no_cookie.status, 401);
  EXPECT_EQ(no_cookie.detail(), kAttestFailed);
  // Unknown session.
  Reply unknown = call("POST", "/kbs/v0/attest",
                       attestation_body(jwk, "x", sample_evidence(runtime_digest(jwk, "x"))).dump(),
                       {{"Cookie", "kbs-session-id=00000000000000000000000000000000"}});
  EXPECT_EQ(unknown.detail(), kAttestFailed);
  // Malformed body.
  auth();
  EXPECT_EQ(call("POST", "/kbs/v0/attest", "[1,2", cookie_headers()).detail(), kAttestFailed);
  EXPECT_EQ(call("POST", "/kbs/v0/attest", R"({"runtime-data":{}})", cookie_headers()).detail(),
            kAttestFailed);
  // Nonce of this session, but report_data bound to another nonce.
  std::string nonce = auth().json["nonce"];
  Reply mismatch = call("POST", "/kbs/v0/attest",
                        attestation_body(jwk, nonce, sample_evidence(runtime_digest(jwk, "other"))).dump(),
                        cookie_headers());
  EXPECT_EQ(mismatch.status, 401);
  EXPECT_EQ(mismatch.type(), "AttestationError");
  EXPECT_EQ(mismatch.detail(), kAttestFailed);
  // A nonce replayed from another session.
  std::string old_nonce = nonce;
  auth();
  Reply replay =
      call("POST", "/kbs/v0/attest",
           attestation_body(jwk, old_nonce, sample_evidence(runtime_digest(jwk, old_nonce))).dump(),
           cookie_headers());
  EXPECT_EQ(replay.detail(), kAttestFailed);
  // Bound to the nonce but to a different key.
  std::string n3 = auth().json["nonce"];
  auto other = tee_jwk(jose::generate_ec_key(Curve::p256), "ECDH-ES+A256KW");
  EXPECT_EQ(
      call("POST", "/kbs/v0/attest",
           attestation_body(jwk, n3, sample_evidence(runtime_digest(other, n3))).dump(), cookie_headers())
          .detail(),
      kAttestFailed);
  EXPECT_EQ(kbs_->metrics().get(Metrics::attestation_requests), 7u);
}

TEST_F(KbsApi, ExpiredSessionIsRejected) {
  Key key = jose::generate_ec_key(Curve::p256);
  auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
  std::string nonce = auth().json["nonce"];
  clock_ += 5 * 60;  // exactly the timeout: expired
  Reply r = call("POST", "/kbs/v0/attest",
                 attestation_body(jwk, nonce, sample_evidence(runtime_digest(jwk, nonce))).dump(),
                 cookie_headers());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.detail(), kAttestFailed);
}

TEST_F(KbsApi, AttestedSessionReturnsStoredToken) {
  Key key = jose::generate_ec_key(Curve::p256);
  Reply first = attest_sample(key);
  ASSERT_EQ(first.status, 200);
  auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
  // A body that is not an Attestation (the key has no curve or coordinates) fails before the session.
  EXPECT_EQ(call("POST", "/kbs/v0/attest", attestation_body({{"kty", "EC"}}, "wrong", {{"svn", "9"}}).dump(),
                 cookie_headers())
                .detail(),
            kAttestFailed);
  // Garbage evidence and a wrong nonce: the stored token comes back without re-verification.
  Reply again =
      call("POST", "/kbs/v0/attest", attestation_body(jwk, "wrong", {{"svn", "9"}}).dump(), cookie_headers());
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json["token"], first.json["token"]);
}

TEST_F(KbsApi, DefaultResourcePolicyDeniesSample) {
  ASSERT_TRUE(kbs_->resources()->put("default/kbsres1/key1", as_bytes(std::string("s3cret"))));
  Key key = jose::generate_ec_key(Curve::p256);
  ASSERT_EQ(attest_sample(key).status, 200);
  Reply r = call("GET", "/kbs/v0/resource/default/kbsres1/key1", {}, cookie_headers());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.type(), "PolicyDeny");
  EXPECT_EQ(r.detail(), "Access denied by policy");
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
  EXPECT_EQ(kbs_->metrics().get(Metrics::policy_violations), 1u);
}

TEST_F(KbsApi, EveryJweKeyTypeReleasesAndDecrypts) {
  ASSERT_TRUE(kbs_->resources()->put("default/kbsres1/key1", as_bytes(std::string("s3cret"))));
  allow_all();
  struct Case {
    Key key;
    std::string alg;
  };
  std::vector<Case> cases{{jose::generate_ec_key(Curve::p256), "ECDH-ES+A256KW"},
                          {jose::generate_ec_key(Curve::p521), "ECDH-ES+A256KW"},
                          {jose::generate_rsa_key(2048), "RSA-OAEP-256"},
                          {jose::generate_rsa_key(2048), "RSA1_5"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alg + " " + c.key.curve_name());
    ASSERT_EQ(attest_sample(c.key, c.alg).status, 200);
    Reply r = call("GET", "/kbs/v0/resource/default/kbsres1/key1", {}, cookie_headers());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(r.body.find("\"aad\""), std::string::npos);
    EXPECT_EQ(r.body.rfind("{\"protected\":", 0), 0u) << r.body;
    auto jwe = jose::Jwe::from_json(r.json);
    ASSERT_TRUE(jwe);
    auto header = nlohmann::json::parse(to_string(*base64url_decode(jwe->protected_b64)));
    EXPECT_EQ(header["alg"], c.alg);
    EXPECT_EQ(header["enc"], "A256GCM");
    auto plain = jose::jwe_decrypt(*jwe, c.key);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(to_string(*plain), "s3cret");
  }
}

TEST_F(KbsApi, UnsupportedTeeKeyIsJweError) {
  ASSERT_TRUE(kbs_->resources()->put("a/b/c", as_bytes(std::string("s3cret"))));
  allow_all();
  ASSERT_EQ(attest_sample(jose::generate_ec_key(Curve::p384), "ECDH-ES+A256KW").status, 200);
  Reply r = call("GET", "/kbs/v0/resource/a/b/c", {}, cookie_headers());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.type(), "JweError");
  EXPECT_EQ(r.detail(), "JWE failed");
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
}

TEST_F(KbsApi, ResourceTokenErrors) {
  ASSERT_TRUE(kbs_->resources()->put("a/b/c", as_bytes(std::string("s3cret"))));
  allow_all();
  Reply none = call("GET", "/kbs/v0/resource/a/b/c");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.type(), "TokenNotFound");
  EXPECT_EQ(none.detail(), "Attestation Token not found");
  // An authed but not attested session is no token either.
  auth();
  EXPECT_EQ(call("GET", "/kbs/v0/resource/a/b/c", {}, cookie_headers()).type(), "TokenNotFound");
  Reply garbage = call("GET", "/kbs/v0/resource/a/b/c", {}, {{"Authorization", "Bearer not.a.jwt"}});
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.type(), "TokenVerifierError");
  EXPECT_EQ(garbage.detail(), "Token Verifier error");

  // Passport mode: the token alone, as a bearer.
  Key key = jose::generate_ec_key(Curve::p256);
  std::string token = attest_sample(key).json["token"];
  cookie_.clear();
  Reply bearer = call("GET", "/kbs/v0/resource/a/b/c", {}, {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(bearer.status, 200) << bearer.body;
  // Expired token: exp + 60 s leeway has passed.
  clock_ += 300 + 61;
  Reply expired = call("GET", "/kbs/v0/resource/a/b/c", {}, {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.type(), "TokenVerifierError");
  EXPECT_EQ(expired.body.find("s3cret"), std::string::npos);
}

// A KBS that trusts only a certificate chain (Trustee's e2e configuration) refuses tokens from an AS whose
// signing key that chain does not certify, and accepts its own AS's x5c-carrying tokens.
TEST_F(KbsApi, TokenFromUntrustedSignerIsRejected) {
  Key ca_key = jose::generate_ec_key(Curve::p256);
  Key signer = jose::generate_ec_key(Curve::p256);
  CertSpec ca_spec{
      {{"CN", "token-ca"}},
      {},
      {1},
      utc_time(2020, 1, 1),
      utc_time(2040, 1, 1),
      ca_key,
      {{"basicConstraints", true, {}, "critical,CA:TRUE"}, {"keyUsage", true, {}, "critical,keyCertSign"}}};
  Cert ca = *build_cert(ca_spec, ca_key, SigAlg::ecdsa_sha256);
  CertSpec leaf_spec{{{"CN", "token-signer"}},
                     {{"CN", "token-ca"}},
                     {2},
                     utc_time(2020, 1, 1),
                     utc_time(2040, 1, 1),
                     signer,
                     {}};
  Cert leaf = *build_cert(leaf_spec, ca_key, SigAlg::ecdsa_sha256, &ca);

  KbsConfig strict = test_config();
  strict.attestation_token.insecure_header_jwk = false;
  KbsOptions o;
  o.config = strict;
  o.clock = [this] { return clock_; };
  o.token_signer = signer;
  o.token_signer_chain = {leaf};
  o.trusted_token_certs = {ca};
  auto created = Kbs::create(std::move(o));
  ASSERT_TRUE(created) << created.error().message;
  kbs_ = std::move(*created);
  ASSERT_TRUE(kbs_->resources()->put("a/b/c", as_bytes(std::string("s3cret"))));
  allow_all();
  Key tee = jose::generate_ec_key(Curve::p256);
  ASSERT_EQ(attest_sample(tee).status, 200);
  EXPECT_EQ(call("GET", "/kbs/v0/resource/a/b/c", {}, cookie_headers()).status, 200);

  // A token from another AS (ephemeral key, no x5c) presented as a bearer.
  auto other = make_kbs();
  Reply ch = call("POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample"})");
  (void)ch;
  std::swap(kbs_, other);
  std::string foreign = attest_sample(tee).json["token"];
  std::swap(kbs_, other);
  Reply r = call("GET", "/kbs/v0/resource/a/b/c", {}, {{"Authorization", "Bearer " + foreign}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.type(), "TokenVerifierError");
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
}

TEST_F(KbsApi, ResourcePathsAndPlugins) {
  allow_all();
  Key key = jose::generate_ec_key(Curve::p256);
  ASSERT_EQ(attest_sample(key).status, 200);
  for (const char* path : {"/kbs/v0/resource/a/b/missing", "/kbs/v0/resource/a/b", "/kbs/v0/resource/.a/b/c",
                           "/kbs/v0/resource/a/b/c/d", "/kbs/v0/resource/a/../c"}) {
    SCOPED_TRACE(path);
    Reply r = call("GET", path, {}, cookie_headers());
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.type(), "PluginInternalError");
    EXPECT_EQ(r.detail(), "Plugin internal error");
  }
  Reply unknown = call("GET", "/kbs/v0/secrets/a/b/c", {}, cookie_headers());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.detail(), "Plugin secrets not found");
  // Without a configured resource plugin, "resource" is an unknown plugin too.
  KbsConfig bare = test_config();
  bare.plugins.clear();
  kbs_ = make_kbs(bare);
  Reply no_plugin = call("GET", "/kbs/v0/resource/a/b/c");
  EXPECT_EQ(no_plugin.status, 404);
  EXPECT_EQ(no_plugin.detail(), "Plugin resource not found");
}

TEST_F(KbsApi, Issue1419StatusMapping) {
  kbs_ = make_kbs(test_config(), StatusMapping::issue_1419);
  Key key = jose::generate_ec_key(Curve::p256);
  ASSERT_EQ(attest_sample(key).status, 200);
  EXPECT_EQ(call("GET", "/kbs/v0/resource/a/b/c", {}, cookie_headers()).status,
            403);  // default policy: sample denied
  allow_all();
  EXPECT_EQ(call("GET", "/kbs/v0/resource/a/b/missing", {}, cookie_headers()).status, 404);
  EXPECT_EQ(call("GET", "/kbs/v0/resource/a/b", {}, cookie_headers()).status, 400);
  EXPECT_EQ(call("GET", "/kbs/v0/resource").status, 401);  // still no token
}

TEST_F(KbsApi, AdminSetsResourcesAndPolicies) {
  Reply put = call("POST", "/kbs/v0/resource/default/passphrase/passphrase", "open sesame",
                   {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.headers.get("Content-Type").value_or(""), "text/xml");
  auto stored = kbs_->resources()->get("default/passphrase/passphrase");
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ(to_string(**stored), "open sesame");

  std::string policy = base64url_encode(as_bytes(std::string(allow_all_resource_policy())));
  EXPECT_EQ(call("POST", "/kbs/v0/resource-policy", nlohmann::json{{"policy", policy}}.dump()).status, 200);
  Reply list = call("GET", "/kbs/v0/resource-policy");
  EXPECT_EQ(list.body, R"(["resource-policy"])");
  Key key = jose::generate_ec_key(Curve::p256);
  ASSERT_EQ(attest_sample(key).status, 200);
  EXPECT_EQ(call("GET", "/kbs/v0/resource/default/passphrase/passphrase", {}, cookie_headers()).status, 200);
  // The admin changes the secret; the next fetch sees it.
  call("POST", "/kbs/v0/resource/default/passphrase/passphrase", "changed");
  Reply r = call("GET", "/kbs/v0/resource/default/passphrase/passphrase", {}, cookie_headers());
  EXPECT_EQ(to_string(*jose::jwe_decrypt(*jose::Jwe::from_json(r.json), key)), "changed");
  EXPECT_EQ(call("DELETE", "/kbs/v0/resource/default/passphrase/passphrase").status, 200);
  EXPECT_EQ(call("GET", "/kbs/v0/resource/default/passphrase/passphrase", {}, cookie_headers()).type(),
            "PluginInternalError");
}

TEST_F(KbsApi, ResourcePolicyBodyErrors) {
  struct Case {
    std::string body;
    std::string type;
    std::string detail;
  };
  std::string padded = base64url_encode(as_bytes(std::string("package policy\n\n")), true);
  ASSERT_NE(padded.find('='), std::string::npos);
  std::vector<Case> cases{
      {"nope", "ParsePolicyError", "Failed to parse policy: Illegal SetPolicy Request Json"},
      {"{}", "ParsePolicyError", "Failed to parse policy: No `policy` field inside SetPolicy Request Json"},
      {R"({"policy":1})", "ParsePolicyError",
       "Failed to parse policy: `policy` field is not a string in SetPolicy Request Json"},
      {nlohmann::json{{"policy", padded}}.dump(), "ParsePolicyError", ""},
      {nlohmann::json{{"policy", base64url_encode(as_bytes(std::string("package policy\nallow if {")))}}
           .dump(),
       "PolicyEngineError", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    Reply r = call("POST", "/kbs/v0/resource-policy", c.body);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.type(), c.type);
    if (!c.detail.empty()) {
      EXPECT_EQ(r.detail(), c.detail);
    }
  }
  // The stored policy is unchanged (still the default, which denies sample).
  EXPECT_NE(kbs_->resource_policy().text().find("sample"), std::string::npos);
}

TEST_F(KbsApi, AttestationPolicyChangesTheVerdict) {
  const std::string trust_all = R"(package policy
import rego.v1
trust_claims := {"executables": 2, "hardware": 2, "configuration": 2}
)";
  nlohmann::json body = {
      {"type", "rego"}, {"policy_id", "default_cpu"}, {"policy", base64url_encode(as_bytes(trust_all))}};
  EXPECT_EQ(call("POST", "/kbs/v0/attestation-policy", body.dump()).status, 200);
  Key key = jose::generate_ec_key(Curve::p256);
  auto claims =
      nlohmann::json::parse(jose::jws_parse(attest_sample(key).json["token"].get<std::string>())->payload);
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.status"], "affirming");

  for (const std::string& bad :
       {std::string("{}"), nlohmann::json{{"policy_id", "default_cpu"}, {"policy", "!!"}}.dump(),
        nlohmann::json{{"policy_id", "default_cpu"},
                       {"policy", base64url_encode(as_bytes(std::string("package x\np if {")))}}
            .dump()}) {
    Reply r = call("POST", "/kbs/v0/attestation-policy", bad);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.type(), "AttestationError");
    EXPECT_EQ(r.detail(), "Attestation error: Set Attestation Policy failed");
  }
  // A policy without any claim fails attestation ("At least one policy claim must be set.").
  const std::string empty_claims = "package policy\ntrust_claims := {}\n";
  call("POST", "/kbs/v0/attestation-policy",
       nlohmann::json{{"policy_id", "default_cpu"}, {"policy", base64url_encode(as_bytes(empty_claims))}}
           .dump());
  EXPECT_EQ(attest_sample(key).detail(), kAttestFailed);
}

TEST_F(KbsApi, DenyAllAdmin) {
  KbsConfig c = test_config();
  c.admin.mode = AdminMode::deny_all;
  kbs_ = make_kbs(c);
  Reply policy = call("POST", "/kbs/v0/attestation-policy", "{}");
  EXPECT_EQ(policy.status, 401);
  EXPECT_EQ(policy.type(), "AdminAuthAccess");
  EXPECT_EQ(policy.detail(),
            "admin access denied for endpoint attestation-policy: Admin access denied as DenyAll "
            "authorization_mode is enabled");
  EXPECT_EQ(call("GET", "/kbs/v0/reference-value/x").detail(),
            "admin access denied for endpoint reference-value: Admin access denied as DenyAll "
            "authorization_mode is "
            "enabled");
  Reply res = call("POST", "/kbs/v0/resource/a/b/c", "x");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.type(), "AdminAuthInitialization");  // Trustee's quirk on plugin admin paths
  EXPECT_EQ(res.detail(),
            "failed to initialize [admin] configuration: Admin access denied as DenyAll "
            "authorization_mode is enabled");
  EXPECT_FALSE(*kbs_->resources()->get("a/b/c"));
}

TEST_F(KbsApi, SnpHandshakeWithInitData) {
  ASSERT_TRUE(kbs_->resources()->put("default/kbsres1/key1", as_bytes(std::string("s3cret"))));
  const std::string toml =
      "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = '''\n[token_configs]\n'''\n";
  snp::LaunchDescription launch;
  launch.host_data = sha256(as_bytes(toml));
  Key key = jose::generate_ec_key(Curve::p256);
  Reply ok = attest_snp(key, launch, toml);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto claims = nlohmann::json::parse(jose::jws_parse(ok.json["token"].get<std::string>())->payload);
  const auto& ev = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  EXPECT_EQ(ev["init_data"], hex_encode(launch.host_data));
  EXPECT_TRUE(ev["init_data_claims"].is_object());
  EXPECT_EQ(ev["snp"]["policy_debug_allowed"], false);
  EXPECT_EQ(ev["report_data"].get<std::string>().size(), 128u);
  // The default resource policy releases to SNP.
  Reply secret = call("GET", "/kbs/v0/resource/default/kbsres1/key1", {}, cookie_headers());
  ASSERT_EQ(secret.status, 200) << secret.body;
  EXPECT_EQ(to_string(*jose::jwe_decrypt(*jose::Jwe::from_json(secret.json), key)), "s3cret");

  // host_data that is not the init-data digest.
  launch.host_data = sha256(as_bytes(std::string("other")));
  EXPECT_EQ(attest_snp(key, launch, toml).detail(), kAttestFailed);
  // Init-data with an algorithm Trustee does not accept.
  std::string bad_alg = toml;
  bad_alg.replace(bad_alg.find("sha256"), 6, "sha-256");
  launch.host_data = sha256(as_bytes(bad_alg));
  EXPECT_EQ(attest_snp(key, launch, bad_alg).detail(), kAttestFailed);
  // VMPL 1 and a debug policy.
  snp::LaunchDescription vmpl1;
  vmpl1.vmpl = 1;
  EXPECT_EQ(attest_snp(key, vmpl1).detail(), kAttestFailed);
}

TEST_F(KbsApi, SnpForgedSignatureIsRejected) {
  Key key = jose::generate_ec_key(Curve::p256);
  std::string nonce = auth("snp").json["nonce"];
  auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
  nlohmann::json ev = snp_evidence(runtime_digest(jwk, nonce));
  ev["attestation_report"]["measurement"][0] = ev["attestation_report"]["measurement"][0].get<int>() ^ 1;
  Reply r = call("POST", "/kbs/v0/attest", attestation_body(jwk, nonce, ev).dump(), cookie_headers());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.detail(), kAttestFailed);
  EXPECT_NE(kbs_->metrics().render("t").find("kbs_attestation_failures_total{tee_type=\"snp\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace coco::trustee::test

namespace coco::trustee::test {
namespace {

// Additional device evidence (a GPU-class sampledevice) becomes submod gpu0, judged by default_gpu, and is
// bound to {nonce, tee-pubkey} without the additional-evidence member (trustee.md 1.5).
TEST_F(KbsFixture, AdditionalDeviceEvidenceBecomesGpu0) {
  Key key = jose::generate_ec_key(Curve::p256);
  auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
  std::string nonce = auth("sample").json["nonce"];
  nlohmann::json device_rd = {{"tee-pubkey", jwk}, {"nonce", nonce}};
  Bytes device_digest = sha384(as_bytes(*jose::jcs_canonicalize(device_rd)));
  std::string additional =
      nlohmann::json{{"sampledevice", {{"svn", "2"}, {"report_data", base64_encode(device_digest)}}}}.dump();
  nlohmann::json body = attestation_body(jwk, nonce, sample_evidence(runtime_digest(jwk, nonce, additional)));
  body["tee-evidence"]["additional_evidence"] = additional;
  Reply r = call("POST", "/kbs/v0/attest", body.dump(), cookie_headers());
  ASSERT_EQ(r.status, 200) << r.body;
  auto claims = nlohmann::json::parse(jose::jws_parse(r.json["token"].get<std::string>())->payload);
  ASSERT_TRUE(claims["submods"].contains("gpu0"));
  EXPECT_EQ(claims["submods"]["gpu0"]["ear.veraison.annotated-evidence"]["sampledevice"]["svn"], "2");
  EXPECT_EQ(claims["submods"]["gpu0"]["ear.status"], "contraindicated");
  EXPECT_EQ(claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]
                  ["additional-evidence"],
            additional);

  // A device bound to the primary's digest instead of its own fails the whole attestation.
  std::vector<std::string> causes;
  KbsOptions o;
  o.config = test_config();
  o.clock = [this] { return clock_; };
  o.on_error = [&causes](const HttpRequest&, const KbsError& e) { causes.push_back(e.cause); };
  kbs_ = *Kbs::create(std::move(o));
  nonce = auth("sample").json["nonce"];
  additional =
      nlohmann::json{{"sampledevice", {{"svn", "2"}, {"report_data", base64_encode(Bytes(48, 1))}}}}.dump();
  body = attestation_body(jwk, nonce, sample_evidence(runtime_digest(jwk, nonce, additional)));
  body["tee-evidence"]["additional_evidence"] = additional;
  Reply bad = call("POST", "/kbs/v0/attest", body.dump(), cookie_headers());
  EXPECT_EQ(bad.detail(), "Attestation error: RCAR handshake Attest failed");
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].find("trustee.report_data_mismatch"), std::string::npos) << causes[0];
}

}  // namespace
}  // namespace coco::trustee::test
