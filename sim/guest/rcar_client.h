// The guest side of Trustee's RCAR protocol (Request, Challenge, Attestation, Response), as
// guest-components' kbs_protocol crate speaks it (trustee.md 1.1-1.9):
//
//   POST /kbs/v0/auth    {"version":"0.4.0","tee":<tee>,"extra-params":{"supported-hash-algorithms":[...]}}
//                        -> Challenge {"nonce","extra-params"} and the `kbs-session-id` cookie
//   POST /kbs/v0/attest  {"init-data"?, "runtime-data":{"nonce","tee-pubkey"},
//                         "tee-evidence":{"primary_evidence","additional_evidence"}} with the cookie
//                        -> {"token":"<EAR JWT>"}
//   GET  /kbs/v0/resource/<repo>/<type>/<tag> with the cookie (or Authorization: Bearer <token>)
//                        -> a flattened JWE to the TEE key
//
// The evidence binds SHA-384(JCS({"additional-evidence","nonce","tee-pubkey"})) (the Challenge may select
// another hash through "extra-params":{"selected-hash-algorithm"}, as for IBM SE). A 401 on a resource GET
// is taken, as guest-components takes it, for an expired token: the client re-runs the handshake and
// tries again, up to max_attempts GETs in all (Trustee issue 1419: a policy denial or a missing resource
// then costs max_attempts attestations).
//
// Also the admin client (kbs-client's `config` commands): attestation and resource policies, resources and
// RVPS reference values, with an optional admin JWT signed per request.
//
// Errors: guest.http (transport failure; the message carries the http.* code), guest.kbs_error (a non-2xx
// answer; message "KBS answered <status> <type suffix>: <detail>"), guest.bad_response (unparseable
// challenge, token or JWE), guest.evidence (provider failure), guest.decrypt (JWE failure),
// guest.bad_key_type (an admin key that cannot sign a JWT). Nothing throws on a bad server answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/result.h"
#include "guest/evidence_provider.h"
#include "guest/tee_key.h"

namespace coco::guest {

inline constexpr std::string_view kKbsPrefix = "/kbs/v0";
inline constexpr std::string_view kKbsProtocolVersion = "0.4.0";
inline constexpr std::string_view kSessionCookieName = "kbs-session-id";

struct KbsClientOptions {
  std::string url;  // "https://127.0.0.1:8080" (no trailing /kbs/v0)
  std::optional<std::string> ca_pem;
  bool insecure_skip_verify = false;
  TeeKeyType key_type = TeeKeyType::ec_p256;
  // Use this TEE key instead of a fresh one (passport mode: the key a stored token is bound to).
  std::optional<TeeKey> tee_key;
  std::optional<std::string> init_data_toml;  // sent as "init-data": {"format":"toml","body": ...}
  std::string protocol_version =
      std::string(kKbsProtocolVersion);  // overridable so tests can send a wrong one
  // guest-components: on 401 for a resource GET, re-attest and retry, up to 3 GETs in all; 1 disables retry.
  int max_attempts = 3;
  std::chrono::milliseconds timeout{10000};
  // Sees every HTTP response the client receives (conformance suites check that no secret leaks).
  std::function<void(const HttpResponse&)> on_response;
};

struct KbsHttpError {
  int status = 0;
  std::string body;
  std::string type;    // Trustee's "type" as sent ("https://github.com/confidential-containers/kbs/errors/X")
  std::string detail;  // Trustee's "detail"
  // The variant name: the part of `type` after its last '/' ("PolicyDeny"); "" when there is no type.
  std::string variant() const;
};

struct AttestResult {
  std::string token;
  nlohmann::json claims;  // decoded JWT payload (not verified)
  std::string session_cookie;
};

// One guest's view of one KBS. Not thread-safe: use one client per thread (each has its own TEE key).
class KbsClient {
 public:
  KbsClient(KbsClientOptions options, std::unique_ptr<EvidenceProvider> provider);
  ~KbsClient();
  KbsClient(const KbsClient&) = delete;
  KbsClient& operator=(const KbsClient&) = delete;

  // POST /kbs/v0/auth; returns the Challenge and keeps the session cookie.
  Result<nlohmann::json> auth();
  // auth, then POST /kbs/v0/attest; keeps the token.
  Result<AttestResult> attest();
  // POST /kbs/v0/attest answering `challenge` with the current session cookie (no new /auth): for
  // negative cases such as a nonce replayed from another session or a session that expired meanwhile.
  Result<AttestResult> attest_with(const nlohmann::json& challenge);
  // GET /kbs/v0/resource/<path> ("repo/type/tag", optionally "?query") with the session cookie, attesting
  // first when there is no token yet; decrypts the JWE with the TEE key. On 401 re-runs the handshake and
  // tries again, up to options.max_attempts GETs in all.
  Result<Bytes> get_resource(const std::string& path);
  // Passport mode: GET with Authorization: Bearer <token> and no cookie; no retry.
  Result<Bytes> get_resource_with_token(const std::string& path, const std::string& token);

  const std::optional<KbsHttpError>& last_http_error() const { return last_error_; }
  int attestations() const { return attestations_; }            // how many /attest requests were sent
  int resource_requests() const { return resource_requests_; }  // how many resource GETs were sent
  const TeeKey& tee_key() const { return tee_key_; }
  const std::optional<std::string>& token() const { return token_; }
  const std::optional<std::string>& session_cookie() const { return cookie_; }
  const std::optional<nlohmann::json>& challenge() const { return challenge_; }
  const KbsClientOptions& options() const { return opts_; }
  EvidenceProvider& provider() { return *provider_; }
  // Forgets the cookie and the token (the next get_resource attests again).
  void reset_session();

 private:
  std::string endpoint(std::string_view rest) const;
  HttpHeaders session_headers(std::string_view content_type) const;
  void take_cookie(const HttpResponse& response);
  void observe(const Result<HttpResponse>& response) const;
  Error kbs_error(const HttpResponse& response);
  Result<Bytes> decrypt_response(const HttpResponse& response);

  KbsClientOptions opts_;
  std::unique_ptr<EvidenceProvider> provider_;
  TeeKey tee_key_;
  HttpClient http_;
  std::optional<std::string> cookie_;
  std::optional<std::string> token_;
  std::optional<nlohmann::json> challenge_;
  std::optional<KbsHttpError> last_error_;
  int attestations_ = 0;
  int resource_requests_ = 0;
};

struct AdminTokenClaims {
  std::string role = "admin";
  std::optional<std::string> issuer;
  std::optional<std::string> audience;
};

// Talks to the KBS admin API. With an admin key every request carries a fresh JWT
// {"iss"?, "role", "aud"?, "iat", "exp": now + 300} signed with it (Ed25519 -> EdDSA, P-256 -> ES256,
// P-384 -> ES384, RSA -> RS256); without one no Authorization header is sent (InsecureAllowAll).
class KbsAdminClient {
 public:
  KbsAdminClient(std::string url, std::optional<std::string> ca_pem, std::optional<Key> admin_key,
                 AdminTokenClaims claims = {});
  ~KbsAdminClient();
  KbsAdminClient(const KbsAdminClient&) = delete;
  KbsAdminClient& operator=(const KbsAdminClient&) = delete;

  // {"type":"rego","policy_id","policy": base64url without padding}
  Status set_attestation_policy(std::string_view rego, std::string policy_id = "default_cpu");
  // {"policy": base64url without padding}
  Status set_resource_policy(std::string_view rego);
  // GET /kbs/v0/resource-policy: Trustee answers with the list of policy IDs.
  Result<nlohmann::json> get_resource_policy();
  // POST raw bytes, Content-Type application/octet-stream.
  Status set_resource(const std::string& path, ByteView value);
  Status delete_resource(const std::string& path);
  // {"version":"0.1.0","type":"sample","payload": base64 STANDARD of {name: values}}
  Status set_reference_value(const std::string& name, const nlohmann::json& values);
  Result<nlohmann::json> get_reference_value(const std::string& name);

  // The Authorization header value for a request now ("Bearer <jwt>"); nullopt without an admin key.
  Result<std::optional<std::string>> authorization() const;
  const std::optional<KbsHttpError>& last_http_error() const { return last_error_; }

 private:
  Result<HttpResponse> send(std::string_view method, std::string_view rest, std::string body,
                            std::string_view content_type);
  Status expect_ok(Result<HttpResponse> response);

  std::string url_;
  std::optional<Key> admin_key_;
  AdminTokenClaims claims_;
  HttpClient http_;
  std::optional<KbsHttpError> last_error_;
};

// Parses a KBS error body {"type","detail"} (either may be absent) into a KbsHttpError.
KbsHttpError parse_kbs_error(int status, std::string body);
// The JWT alg an admin key signs with: "EdDSA", "ES256", "ES384" or "RS256". Error: guest.bad_key_type.
Result<std::string> admin_jwt_alg(const Key& key);

}  // namespace coco::guest
