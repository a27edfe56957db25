// The RCAR client against a scripted KBS on loopback HTTP (no sim/trustee): what it sends (Request,
// Attestation, cookie, runtime-data binding checked independently of jose::jcs_canonicalize), the 401
// retry behaviour of guest-components, and that every malformed answer comes back as a named error
// rather than an exception. The admin client's request bodies and JWTs are checked the same way.
#include "guest/rcar_client.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/http.h"
#include "jose/jose.h"

namespace coco::guest {
namespace {

using nlohmann::json;

constexpr const char* kErrPrefix = "https://github.com/confidential-containers/kbs/errors/";

HttpResponse kbs_error_response(int status, const std::string& variant, const std::string& detail) {
  json j = json::object();
  j["type"] = kErrPrefix + variant;
  j["detail"] = detail;
  return HttpResponse::json(status, j.dump());
}

std::optional<std::string> cookie_of(const HttpRequest& r) {
  auto c = r.headers.get("Cookie");
  if (!c) return std::nullopt;
  const std::string prefix = "kbs-session-id=";
  if (c->rfind(prefix, 0) != 0) return std::nullopt;
  return c->substr(prefix.size());
}

// The canonical runtime data written out by hand for an EC key (RFC 8785: members sorted, no spaces), so
// the binding is checked without trusting the client's own canonicalizer.
std::string hand_canonical(const std::string& additional, const std::string& nonce, const json& jwk) {
  std::string s = "{\"additional-evidence\":" + json(additional).dump() + ",\"nonce\":" + json(nonce).dump() +
                  ",\"tee-pubkey\":{";
  bool first = true;
  for (auto it = jwk.begin(); it != jwk.end(); ++it) {  // nlohmann objects iterate in sorted key order
    if (!first) s += ",";
    first = false;
    s += json(it.key()).dump() + ":" + it.value().dump();
  }
  return s + "}}";
}

// A minimal RCAR server for the sample TEE: sessions, nonce and report_data checks, JWT, JWE.
class ScriptedKbs {
 public:
  using Hook = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

  ScriptedKbs() : server_([this](const HttpRequest& r) { return handle(r); }) {
    auto s = server_.start();
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  }
  ~ScriptedKbs() { server_.stop(); }

  std::string url() const { return server_.url(); }
  void set_hook(Hook h) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(h);
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<HttpRequest> requests_to(const std::string& path) {
    std::vector<HttpRequest> out;
    for (auto& r : requests()) {
      if (r.path() == path) out.push_back(r);
    }
    return out;
  }
  std::string secret = "the secret";
  std::string challenge_extra_params_json = "\"\"";
  std::string last_canonical() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_canonical_;
  }

 private:
  struct Session {
    std::string nonce;
    bool attested = false;
    json tee_pubkey;
  };

  HttpResponse handle(const HttpRequest& r) {
    Hook hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
      hook = hook_;
    }
    if (hook) {
      if (auto resp = hook(r)) return *resp;
    }
    const std::string path(r.path());
    if (r.method == "POST" && path == "/kbs/v0/auth") return auth(r);
    if (r.method == "POST" && path == "/kbs/v0/attest") return attest(r);
    if (r.method == "GET" && path.rfind("/kbs/v0/resource/", 0) == 0) return resource(r);
    return HttpResponse::text(200, "");
  }

  HttpResponse auth(const HttpRequest& r) {
    const json req = json::parse(r.body, nullptr, false);
    if (!req.is_object() || req.value("version", "") != "0.4.0") {
      return kbs_error_response(401, "AttestationError",
                                "Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version "
                                "Mismatch: expect =0.4.0 while the request is " +
                                    (req.is_object() ? req.value("version", "") : std::string()));
    }
    std::lock_guard<std::mutex> lock(mu_);
    const int n = ++counter_;
    const std::string id = hex_encode(sha256(as_bytes("session" + std::to_string(n)))).substr(0, 32);
    Session s;
    s.nonce = base64_encode(sha256(as_bytes("nonce" + std::to_string(n))));
    sessions_[id] = s;
    HttpResponse resp = HttpResponse::json(
        200, "{\"nonce\":" + json(s.nonce).dump() + ",\"extra-params\":" + challenge_extra_params_json + "}");
    resp.headers.set("Set-Cookie", "kbs-session-id=" + id + "; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
    return resp;
  }

  HttpResponse attest(const HttpRequest& r) {
    static const HttpResponse failed =
        kbs_error_response(401, "AttestationError", "Attestation error: RCAR handshake Attest failed");
    auto id = cookie_of(r);
    std::lock_guard<std::mutex> lock(mu_);
    if (!id || !sessions_.count(*id)) return failed;
    Session& s = sessions_[*id];
    const json a = json::parse(r.body, nullptr, false);
    if (!a.is_object() || !a.contains("runtime-data") || !a.contains("tee-evidence")) return failed;
    const json& rd = a["runtime-data"];
    if (rd.value("nonce", "") != s.nonce) return failed;
    const json& te = a["tee-evidence"];
    const std::string additional = te.value("additional_evidence", "?");
    const json& jwk = rd["tee-pubkey"];
    last_canonical_ = hand_canonical(additional, s.nonce, jwk);
    Bytes expected = sha384(as_bytes(last_canonical_));
    if (challenge_extra_params_json.find("sha512") != std::string::npos ||
        challenge_extra_params_json.find("SHA512") != std::string::npos) {
      expected = sha512(as_bytes(last_canonical_));
    }
    if (te["primary_evidence"].value("report_data", "") != base64_encode(expected)) return failed;
    s.attested = true;
    s.tee_pubkey = jwk;
    json claims = json::object();
    claims["exp"] = 4102444800;
    claims["submods"]["cpu0"]["ear.status"] = "affirming";
    claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"] = jwk;
    json header = json::object();
    header["alg"] = "ES256";
    header["typ"] = "JWT";
    auto jwt = jose::jws_sign(header, claims.dump(), signer_);
    EXPECT_TRUE(jwt);
    HttpResponse resp = HttpResponse::json(200, "{\"token\":" + json(jwt ? *jwt : "").dump() + "}");
    resp.headers.set("Set-Cookie", "kbs-session-id=" + *id + "; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
    return resp;
  }

  HttpResponse resource(const HttpRequest& r) {
    json jwk;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto id = cookie_of(r);
      if (id && sessions_.count(*id) && sessions_[*id].attested) jwk = sessions_[*id].tee_pubkey;
    }
    if (jwk.is_null()) {
      auto bearer = r.headers.get("Authorization");
      if (bearer && bearer->rfind("Bearer ", 0) == 0) {
        auto jws = jose::jws_parse(bearer->substr(7));
        if (jws) {
          const json c = json::parse(jws->payload, nullptr, false);
          jwk = c["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"];
        }
      }
    }
    if (jwk.is_null()) return kbs_error_response(401, "TokenNotFound", "Attestation Token not found");
    auto jwe = jose::jwe_encrypt(as_bytes(secret), jwk);
    if (!jwe) return kbs_error_response(401, "JweError", "JWE failed");
    return HttpResponse::json(200, jwe->to_json_text());
  }

  std::mutex mu_;
  Hook hook_;
  std::vector<HttpRequest> requests_;
  std::map<std::string, Session> sessions_;
  int counter_ = 0;
  std::string last_canonical_;
  Key signer_ = jose::generate_ec_key(Curve::p256);
  HttpServer server_;  // last: its handler uses the members above
};

KbsClientOptions options_for(const ScriptedKbs& kbs) {
  KbsClientOptions o;
  o.url = kbs.url() + "/";  // a trailing slash is tolerated
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

TEST(KbsClient, HandshakeAndResourceAgainstScriptedKbs) {
  ScriptedKbs kbs;
  KbsClient client(options_for(kbs), make_sample_provider());
  auto secret = client.get_resource("default/key/one");
  ASSERT_TRUE(secret) << secret.error().code << ": " << secret.error().message;
  EXPECT_EQ(to_string(*secret), "the secret");
  EXPECT_EQ(client.attestations(), 1);
  EXPECT_EQ(client.resource_requests(), 1);
  EXPECT_FALSE(client.last_http_error());
  ASSERT_TRUE(client.token());
  ASSERT_TRUE(client.session_cookie());
  EXPECT_EQ(client.session_cookie()->size(), 32u);

  // Request: exactly what guest-components sends (minus sm3, which the client cannot compute).
  auto auths = kbs.requests_to("/kbs/v0/auth");
  ASSERT_EQ(auths.size(), 1u);
  EXPECT_EQ(auths[0].headers.get("Content-Type"), "application/json");
  EXPECT_FALSE(auths[0].headers.has("Cookie"));
  const json req = json::parse(auths[0].body);
  EXPECT_EQ(req, json::parse(R"({"version":"0.4.0","tee":"sample",
      "extra-params":{"supported-hash-algorithms":["sha256","sha384","sha512"]}})"));

  // Attestation: the challenge nonce, our TEE key, the evidence binding hand-canonicalized runtime data.
  auto attests = kbs.requests_to("/kbs/v0/attest");
  ASSERT_EQ(attests.size(), 1u);
  EXPECT_TRUE(cookie_of(attests[0]));
  const json a = json::parse(attests[0].body);
  EXPECT_FALSE(a.contains("init-data"));
  EXPECT_EQ(a["runtime-data"]["tee-pubkey"], client.tee_key().public_jwk());
  EXPECT_EQ(a["runtime-data"]["nonce"], client.challenge()->at("nonce"));
  EXPECT_EQ(a["runtime-data"].size(), 2u);
  EXPECT_EQ(a["tee-evidence"]["additional_evidence"], "");
  const std::string canonical = kbs.last_canonical();
  EXPECT_EQ(canonical.rfind("{\"additional-evidence\":\"\",\"nonce\":\"", 0), 0u) << canonical;
  EXPECT_NE(
      canonical.find(",\"tee-pubkey\":{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""),
      std::string::npos)
      << canonical;
  auto jcs = jose::jcs_canonicalize(json::parse(canonical));
  ASSERT_TRUE(jcs);
  EXPECT_EQ(*jcs, canonical);
  EXPECT_EQ(a["tee-evidence"]["primary_evidence"]["report_data"], base64_encode(sha384(as_bytes(canonical))));

  // The resource GET carries the (same) cookie.
  auto gets = kbs.requests_to("/kbs/v0/resource/default/key/one");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(cookie_of(gets[0]), client.session_cookie());
  EXPECT_FALSE(gets[0].headers.has("Authorization"));

  // A second resource reuses the session: no new attestation.
  ASSERT_TRUE(client.get_resource("default/key/two"));
  EXPECT_EQ(client.attestations(), 1);
}

TEST(KbsClient, AttestReturnsDecodedClaimsAndCookie) {
  ScriptedKbs kbs;
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.attest();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->claims["submods"]["cpu0"]["ear.status"], "affirming");
  EXPECT_EQ(r->session_cookie, *client.session_cookie());
  EXPECT_EQ(r->token, *client.token());
  EXPECT_EQ(std::count(r->token.begin(), r->token.end(), '.'), 2);
}

TEST(KbsClient, SendsInitDataAsToml) {
  ScriptedKbs kbs;
  auto o = options_for(kbs);
  o.init_data_toml = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  KbsClient client(o, make_sample_provider());
  ASSERT_TRUE(client.attest());
  const json a = json::parse(kbs.requests_to("/kbs/v0/attest").at(0).body);
  EXPECT_EQ(
      a["init-data"],
      json::parse(R"({"format":"toml","body":"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"})"));
}

TEST(KbsClient, EveryKeyTypeOpensTheScriptedJwe) {
  ScriptedKbs kbs;
  for (TeeKeyType t :
       {TeeKeyType::ec_p256, TeeKeyType::ec_p521, TeeKeyType::rsa_oaep_256, TeeKeyType::rsa1_5}) {
    auto o = options_for(kbs);
    o.key_type = t;
    KbsClient client(o, make_sample_provider());
    EXPECT_EQ(client.tee_key().type(), t);
    auto secret = client.get_resource("a/b/c");
    ASSERT_TRUE(secret) << tee_key_type_name(t) << ": " << secret.error().message;
    EXPECT_EQ(to_string(*secret), "the secret");
  }
}

TEST(KbsClient, SelectedHashAlgorithmFromChallenge) {
  ScriptedKbs kbs;
  kbs.challenge_extra_params_json = R"({"selected-hash-algorithm":"SHA512"})";
  KbsClient client(options_for(kbs), make_sample_provider());
  ASSERT_TRUE(client.attest());
  const json a = json::parse(kbs.requests_to("/kbs/v0/attest").at(0).body);
  EXPECT_EQ(base64_decode(a["tee-evidence"]["primary_evidence"]["report_data"].get<std::string>())->size(),
            64u);
}

TEST(KbsClient, UnusableSelectedHashAlgorithmIsBadResponse) {
  for (const char* extra : {R"({"selected-hash-algorithm":"sm3"})", R"({"selected-hash-algorithm":5})"}) {
    ScriptedKbs kbs;
    kbs.challenge_extra_params_json = extra;
    KbsClient client(options_for(kbs), make_sample_provider());
    auto r = client.attest();
    ASSERT_FALSE(r) << extra;
    EXPECT_EQ(r.error().code, "guest.bad_response");
    EXPECT_EQ(client.attestations(), 0);
  }
}

TEST(KbsClient, RetryStormOn401) {
  ScriptedKbs kbs;
  kbs.set_hook([](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "GET") return kbs_error_response(401, "PolicyDeny", "Access denied by policy");
    return std::nullopt;
  });
  {
    KbsClient client(options_for(kbs), make_sample_provider());
    auto r = client.get_resource("default/key/one");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "guest.kbs_error");
    EXPECT_EQ(r.error().message, "KBS answered 401 PolicyDeny: Access denied by policy");
    EXPECT_EQ(client.attestations(), 3);
    EXPECT_EQ(client.resource_requests(), 3);
    ASSERT_TRUE(client.last_http_error());
    EXPECT_EQ(client.last_http_error()->status, 401);
    EXPECT_EQ(client.last_http_error()->type, std::string(kErrPrefix) + "PolicyDeny");
    EXPECT_EQ(client.last_http_error()->variant(), "PolicyDeny");
    EXPECT_EQ(client.last_http_error()->detail, "Access denied by policy");
  }
  {
    auto o = options_for(kbs);
    o.max_attempts = 1;
    KbsClient client(o, make_sample_provider());
    EXPECT_FALSE(client.get_resource("default/key/one"));
    EXPECT_EQ(client.attestations(), 1);
    EXPECT_EQ(client.resource_requests(), 1);
  }
  {
    auto o = options_for(kbs);
    o.max_attempts = 0;  // treated as 1
    KbsClient client(o, make_sample_provider());
    EXPECT_FALSE(client.get_resource("default/key/one"));
    EXPECT_EQ(client.attestations(), 1);
  }
}

TEST(KbsClient, RetryRecoversWhenTheSecondTrySucceeds) {
  ScriptedKbs kbs;
  auto gets = std::make_shared<int>(0);
  kbs.set_hook([gets](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "GET" && ++*gets == 1)
      return kbs_error_response(401, "TokenVerifierError", "Token Verifier error");
    return std::nullopt;
  });
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.get_resource("default/key/one");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(client.attestations(), 2);
  EXPECT_EQ(client.resource_requests(), 2);
  // The last non-2xx answer is remembered even after a later success.
  ASSERT_TRUE(client.last_http_error());
  EXPECT_EQ(client.last_http_error()->variant(), "TokenVerifierError");
}

TEST(KbsClient, NoRetryOnOtherStatuses) {
  ScriptedKbs kbs;
  kbs.set_hook([](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "GET") return kbs_error_response(404, "PluginNotFound", "Plugin resourc not found");
    return std::nullopt;
  });
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.get_resource("default/key/one");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "KBS answered 404 PluginNotFound: Plugin resourc not found");
  EXPECT_EQ(client.attestations(), 1);
}

TEST(KbsClient, FailedReHandshakeStopsTheRetries) {
  ScriptedKbs kbs;
  auto attests = std::make_shared<int>(0);
  kbs.set_hook([attests](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "GET") return kbs_error_response(401, "PolicyDeny", "Access denied by policy");
    if (r.path() == "/kbs/v0/attest" && ++*attests >= 2) {
      return kbs_error_response(401, "AttestationError", "Attestation error: RCAR handshake Attest failed");
    }
    return std::nullopt;
  });
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.get_resource("default/key/one");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "KBS answered 401 AttestationError: Attestation error: RCAR handshake Attest failed");
  EXPECT_EQ(client.attestations(), 2);
  EXPECT_EQ(client.resource_requests(), 1);
}

TEST(KbsClient, WrongVersionIsAKbsError) {
  ScriptedKbs kbs;
  auto o = options_for(kbs);
  o.protocol_version = "0.2.0";
  KbsClient client(o, make_sample_provider());
  auto r = client.get_resource("a/b/c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.kbs_error");
  EXPECT_EQ(client.attestations(), 0);
  EXPECT_EQ(client.resource_requests(), 0);
  EXPECT_NE(client.last_http_error()->detail.find("while the request is 0.2.0"), std::string::npos);
}

TEST(KbsClient, TamperedDigestFailsAttestation) {
  ScriptedKbs kbs;
  EvidenceTamper t;
  t.edit_digest = [](Bytes& d) { d[5] ^= 1; };
  KbsClient client(options_for(kbs), make_tampering_provider(make_sample_provider(), t));
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "KBS answered 401 AttestationError: Attestation error: RCAR handshake Attest failed");
  EXPECT_EQ(client.attestations(), 1);
  EXPECT_FALSE(client.token());
}

class FailingProvider : public EvidenceProvider {
 public:
  std::string tee() const override { return "sample"; }
  Result<json> evidence(ByteView) override { return make_error("x.broken", "no device"); }
};

TEST(KbsClient, ProviderFailureIsGuestEvidence) {
  ScriptedKbs kbs;
  KbsClient client(options_for(kbs), std::make_unique<FailingProvider>());
  auto r = client.get_resource("a/b/c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.evidence");
  EXPECT_NE(r.error().message.find("x.broken"), std::string::npos);
  EXPECT_EQ(client.attestations(), 0);
}

TEST(KbsClient, TransportFailureIsGuestHttp) {
  std::string url;
  {
    ScriptedKbs kbs;
    url = kbs.url();
  }  // stopped: nothing listens on that port any more
  KbsClientOptions o;
  o.url = url;
  o.timeout = std::chrono::milliseconds(2000);
  KbsClient client(o, make_sample_provider());
  auto r = client.auth();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.http");
  EXPECT_NE(r.error().message.find("http."), std::string::npos) << r.error().message;
  EXPECT_FALSE(client.last_http_error());

  o.url = "not a url";
  KbsClient bad(o, make_sample_provider());
  auto b = bad.get_resource("a/b/c");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "guest.http");
  EXPECT_NE(b.error().message.find("http.bad_url"), std::string::npos) << b.error().message;
}

// Malformed answers, endpoint by endpoint: each is a named error, never an exception.
struct BadAnswer {
  std::string endpoint;  // "auth", "attest" or "resource"
  int status;
  std::string body;
  std::string code;
};

class KbsClientBadAnswers : public ::testing::TestWithParam<BadAnswer> {};

TEST_P(KbsClientBadAnswers, AreNamedErrors) {
  const BadAnswer& p = GetParam();
  ScriptedKbs kbs;
  const std::string endpoint = p.endpoint;
  const int status = p.status;
  const std::string body = p.body;
  kbs.set_hook([endpoint, status, body](const HttpRequest& r) -> std::optional<HttpResponse> {
    const std::string path(r.path());
    const bool match =
        (endpoint == "resource") ? path.rfind("/kbs/v0/resource/", 0) == 0 : path == "/kbs/v0/" + endpoint;
    if (match) return HttpResponse::json(status, body);
    return std::nullopt;
  });
  auto o = options_for(kbs);
  o.max_attempts = 1;
  KbsClient client(o, make_sample_provider());
  Result<Bytes> r = make_error("unset", "");
  EXPECT_NO_THROW(r = client.get_resource("a/b/c"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, p.code) << r.error().message;
}

const BadAnswer kBadAnswers[] = {
    {"auth", 200, "", "guest.bad_response"},
    {"auth", 200, "not json", "guest.bad_response"},
    {"auth", 200, "[1,2]", "guest.bad_response"},
    {"auth", 200, "{}", "guest.bad_response"},
    {"auth", 200, R"({"nonce":5})", "guest.bad_response"},
    {"auth", 200, R"({"nonce":null,"extra-params":""})", "guest.bad_response"},
    {"auth", 200, R"({"nonce":"n","extra-params":{"selected-hash-algorithm":[]}})", "guest.bad_response"},
    {"auth", 401, "", "guest.kbs_error"},
    {"auth", 500, "<html>oops</html>", "guest.kbs_error"},
    {"auth", 401, R"({"type":5,"detail":[1]})", "guest.kbs_error"},
    {"attest", 200, "", "guest.bad_response"},
    {"attest", 200, "\"token\"", "guest.bad_response"},
    {"attest", 200, R"({"token":5})", "guest.bad_response"},
    {"attest", 200, R"({"token":"a.b"})", "guest.bad_response"},
    {"attest", 200, R"({"token":"e30.bm90IGpzb24.c2ln"})", "guest.bad_response"},
    {"attest", 200, R"({"token":"e30.WzFd.c2ln"})", "guest.bad_response"},  // payload [1]
    {"attest", 401, R"({"type":"x","detail":"y"})", "guest.kbs_error"},
    {"resource", 200, "", "guest.bad_response"},
    {"resource", 200, "null", "guest.bad_response"},
    {"resource", 200, "{}", "guest.bad_response"},
    {"resource", 200, R"({"protected":1,"encrypted_key":"","iv":"","ciphertext":"","tag":""})",
     "guest.bad_response"},
    {"resource", 200, R"({"protected":"e30","encrypted_key":"","iv":"","ciphertext":"","tag":""})",
     "guest.decrypt"},
    {"resource", 403, "forbidden", "guest.kbs_error"},
};

INSTANTIATE_TEST_SUITE_P(All, KbsClientBadAnswers, ::testing::ValuesIn(kBadAnswers));

TEST(KbsClient, JweForAnotherKeyIsDecryptError) {
  ScriptedKbs kbs;
  const TeeKey other = TeeKey::generate();
  auto jwe = jose::jwe_encrypt(as_bytes(std::string("s")), other.public_jwk());
  ASSERT_TRUE(jwe);
  const std::string text = jwe->to_json_text();
  kbs.set_hook([text](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.method == "GET") return HttpResponse::json(200, text);
    return std::nullopt;
  });
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.get_resource("a/b/c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.decrypt");
}

TEST(KbsClient, NonJsonErrorBodyIsKeptVerbatim) {
  ScriptedKbs kbs;
  kbs.set_hook([](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.path() == "/kbs/v0/auth") return HttpResponse::text(413, "payload too large");
    return std::nullopt;
  });
  KbsClient client(options_for(kbs), make_sample_provider());
  auto r = client.auth();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "KBS answered 413: payload too large");
  EXPECT_EQ(client.last_http_error()->body, "payload too large");
  EXPECT_EQ(client.last_http_error()->type, "");
  EXPECT_EQ(client.last_http_error()->variant(), "");
}

TEST(KbsClient, PassportModeUsesBearerAndNoCookie) {
  ScriptedKbs kbs;
  KbsClient attester(options_for(kbs), make_sample_provider());
  auto att = attester.attest();
  ASSERT_TRUE(att);
  // A second client (no session of its own) presents the token; the JWE is to the attester's key.
  KbsClient relying(options_for(kbs), make_sample_provider());
  auto mine = relying.get_resource_with_token("a/b/c", att->token);
  ASSERT_FALSE(mine);
  EXPECT_EQ(mine.error().code, "guest.decrypt");
  auto theirs = attester.get_resource_with_token("a/b/c", att->token);
  ASSERT_TRUE(theirs) << theirs.error().message;
  EXPECT_EQ(to_string(*theirs), "the secret");
  auto gets = kbs.requests_to("/kbs/v0/resource/a/b/c");
  ASSERT_EQ(gets.size(), 2u);
  for (const auto& g : gets) {
    EXPECT_EQ(g.headers.get("Authorization"), "Bearer " + att->token);
    EXPECT_FALSE(g.headers.has("Cookie"));
  }
  EXPECT_EQ(relying.attestations(), 0);
}

TEST(KbsClient, ResetSessionForcesANewHandshake) {
  ScriptedKbs kbs;
  KbsClient client(options_for(kbs), make_sample_provider());
  ASSERT_TRUE(client.get_resource("a/b/c"));
  const std::string first = *client.session_cookie();
  client.reset_session();
  EXPECT_FALSE(client.token());
  ASSERT_TRUE(client.get_resource("a/b/c"));
  EXPECT_EQ(client.attestations(), 2);
  EXPECT_NE(*client.session_cookie(), first);
}

// ---- admin client ---------------------------------------------------------------------------------

TEST(AdminJwtAlg, FromKeyType) {
  EXPECT_EQ(*admin_jwt_alg(jose::ed25519_key_from_seed(as_bytes(std::string("s")), "admin")), "EdDSA");
  EXPECT_EQ(*admin_jwt_alg(jose::generate_ec_key(Curve::p256)), "ES256");
  EXPECT_EQ(*admin_jwt_alg(jose::generate_ec_key(Curve::p384)), "ES384");
  EXPECT_EQ(*admin_jwt_alg(rsa_key_from_seed(2048, as_bytes(std::string("s")), "admin")), "RS256");
  auto p521 = admin_jwt_alg(jose::generate_ec_key(Curve::p521));
  ASSERT_FALSE(p521);
  EXPECT_EQ(p521.error().code, "guest.bad_key_type");
  EXPECT_FALSE(admin_jwt_alg(Key{}));
}

TEST(KbsAdminClient, RequestBodies) {
  ScriptedKbs kbs;
  KbsAdminClient admin(kbs.url(), std::nullopt, std::nullopt);
  // "?>?>" here puts '_' and '-' in base64url (where standard base64 has '/' and '+').
  const std::string rego = "package policy\n# ?>?>\ndefault allow := true\n";
  ASSERT_TRUE(admin.set_attestation_policy(rego));
  ASSERT_TRUE(admin.set_attestation_policy(rego, "default_gpu"));
  ASSERT_TRUE(admin.set_resource_policy(rego));
  const Bytes value{0, 1, 2, 0xff, '\n'};
  ASSERT_TRUE(admin.set_resource("default/key/one", value));
  ASSERT_TRUE(admin.delete_resource("default/key/one"));
  ASSERT_TRUE(admin.set_reference_value("svn", json::array({"1"})));

  const auto reqs = kbs.requests();
  ASSERT_EQ(reqs.size(), 6u);
  for (const auto& r : reqs) EXPECT_FALSE(r.headers.has("Authorization"));
  const std::string b64u = base64url_encode(as_bytes(rego), false);
  EXPECT_EQ(b64u.find('='), std::string::npos);
  EXPECT_NE(b64u.find('_'), std::string::npos);

  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/kbs/v0/attestation-policy");
  EXPECT_EQ(json::parse(reqs[0].body),
            (json{{"type", "rego"}, {"policy_id", "default_cpu"}, {"policy", b64u}}));
  EXPECT_EQ(json::parse(reqs[1].body)["policy_id"], "default_gpu");
  EXPECT_EQ(reqs[2].target, "/kbs/v0/resource-policy");
  EXPECT_EQ(json::parse(reqs[2].body), (json{{"policy", b64u}}));
  EXPECT_EQ(reqs[3].method, "POST");
  EXPECT_EQ(reqs[3].target, "/kbs/v0/resource/default/key/one");
  EXPECT_EQ(reqs[3].headers.get("Content-Type"), "application/octet-stream");
  EXPECT_EQ(reqs[3].body, to_string(value));
  EXPECT_EQ(reqs[4].method, "DELETE");
  EXPECT_EQ(reqs[4].target, "/kbs/v0/resource/default/key/one");
  EXPECT_EQ(reqs[5].target, "/kbs/v0/reference-value");
  const json rv = json::parse(reqs[5].body);
  EXPECT_EQ(rv["version"], "0.1.0");
  EXPECT_EQ(rv["type"], "sample");
  EXPECT_EQ(json::parse(to_string(*base64_decode(rv["payload"].get<std::string>()))), (json{{"svn", {"1"}}}));
}

TEST(KbsAdminClient, SignsAFreshJwtPerRequest) {
  ScriptedKbs kbs;
  const Key key = jose::ed25519_key_from_seed(as_bytes(std::string("admin seed")), "admin");
  AdminTokenClaims claims;
  claims.issuer = "issuer";
  claims.audience = "kbs";
  KbsAdminClient admin(kbs.url(), std::nullopt, key, claims);
  ASSERT_TRUE(admin.set_resource_policy("package policy\n"));
  const auto reqs = kbs.requests();
  ASSERT_EQ(reqs.size(), 1u);
  auto authz = reqs[0].headers.get("Authorization");
  ASSERT_TRUE(authz);
  ASSERT_EQ(authz->rfind("Bearer ", 0), 0u);
  auto jws = jose::jws_parse(authz->substr(7));
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->header["alg"], "EdDSA");
  EXPECT_EQ(jws->header["typ"], "JWT");
  EXPECT_TRUE(jose::jws_verify(*jws, key));
  const json c = json::parse(jws->payload);
  EXPECT_EQ(c["iss"], "issuer");
  EXPECT_EQ(c["aud"], "kbs");
  EXPECT_EQ(c["role"], "admin");
  EXPECT_EQ(c["exp"].get<std::int64_t>() - c["iat"].get<std::int64_t>(), 300);
  jose::JwtValidation v;
  v.now = c["iat"].get<std::int64_t>();
  v.issuer = "issuer";
  v.audience = "kbs";
  EXPECT_TRUE(jose::jwt_validate(c, v));

  // Default claims: role admin, no iss/aud; an ES256 key.
  KbsAdminClient es(kbs.url(), std::nullopt, jose::generate_ec_key(Curve::p256));
  auto h = es.authorization();
  ASSERT_TRUE(h);
  ASSERT_TRUE(*h);
  auto jws2 = jose::jws_parse(h->value().substr(7));
  ASSERT_TRUE(jws2);
  EXPECT_EQ(jws2->header["alg"], "ES256");
  const json c2 = json::parse(jws2->payload);
  EXPECT_FALSE(c2.contains("iss"));
  EXPECT_FALSE(c2.contains("aud"));
  EXPECT_EQ(c2["role"], "admin");

  // A key that cannot sign is an error before anything is sent.
  KbsAdminClient bad(kbs.url(), std::nullopt, jose::generate_ec_key(Curve::p521));
  auto s = bad.set_resource_policy("x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "guest.bad_key_type");
  EXPECT_EQ(kbs.requests().size(), 1u);
}

TEST(KbsAdminClient, ErrorsAndReads) {
  ScriptedKbs kbs;
  kbs.set_hook([](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.target == "/kbs/v0/reference-value/svn") return HttpResponse::json(200, R"(["1","2"])");
    if (r.target == "/kbs/v0/reference-value/garbage") return HttpResponse::json(200, "{oops");
    if (r.target == "/kbs/v0/reference-value/missing") {
      return kbs_error_response(401, "RvpsError", "RVPS error: reference value missing not found");
    }
    if (r.target == "/kbs/v0/resource-policy" && r.method == "GET") {
      return HttpResponse::json(200, R"(["resource-policy"])");
    }
    if (r.target == "/kbs/v0/resource-policy") {
      return kbs_error_response(
          401, "AdminAuthAccess",
          "admin access denied for endpoint resource-policy: Admin access denied: Cannot "
          "verify token with any of the issuers");
    }
    return std::nullopt;
  });
  KbsAdminClient admin(kbs.url() + "/", std::nullopt, std::nullopt);
  auto rv = admin.get_reference_value("svn");
  ASSERT_TRUE(rv);
  EXPECT_EQ(*rv, json::parse(R"(["1","2"])"));
  auto garbage = admin.get_reference_value("garbage");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, "guest.bad_response");
  auto missing = admin.get_reference_value("missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "guest.kbs_error");
  EXPECT_EQ(admin.last_http_error()->variant(), "RvpsError");
  auto ids = admin.get_resource_policy();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, json::parse(R"(["resource-policy"])"));
  auto denied = admin.set_resource_policy("package policy\n");
  ASSERT_FALSE(denied);
  EXPECT_EQ(
      denied.error().message,
      "KBS answered 401 AdminAuthAccess: admin access denied for endpoint resource-policy: Admin access "
      "denied: Cannot verify token with any of the issuers");
  EXPECT_EQ(admin.last_http_error()->status, 401);
}

}  // namespace
}  // namespace coco::guest
