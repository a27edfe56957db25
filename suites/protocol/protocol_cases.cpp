// Suite `protocol`: Trustee's observable wire behaviour (trustee.md 1.1-1.9): the challenge, the session
// cookie, content types, error bodies, the admin API's answers, and where Trustee deviates from its own
// protocol document (issue 1419), named as such in the case titles.
#include "conformance/ear.h"
#include "conformance/runner.h"
#include "core/encoding.h"
#include "jose/jose.h"

namespace coco::conformance {
namespace {

using namespace std::chrono_literals;
using trustee::PluginFailure;

std::string auth_body(const std::string& tee) {
  return nlohmann::json{
      {"version", "0.4.0"},
      {"tee", tee},
      {"extra-params", {{"supported-hash-algorithms", {"sha256", "sha384", "sha512", "sm3"}}}}}
      .dump();
}

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string content_type(const HttpResponse& r) {
  return r.headers.get("Content-Type").value_or("(none)");
}

void auth_challenge(CaseContext& ctx) {
  auto r = ctx.http("POST", "/kbs/v0/auth", auth_body(ctx.attester().tee()),
                    {{"Content-Type", "application/json"}});
  ctx.expect(r.status == 200, "/auth answered " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  ctx.expect(content_type(r).rfind("application/json", 0) == 0, "/auth Content-Type is " + content_type(r));
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  ctx.expect(body.is_object() && body.size() == 2 && body.contains("nonce") && body.contains("extra-params"),
             "the Challenge is not {nonce, extra-params}: " + r.body);
  const std::string nonce = body["nonce"].is_string() ? body["nonce"].get<std::string>() : "";
  auto raw = base64_decode(nonce);
  ctx.expect(nonce.size() == 44 && raw && raw->size() == 32,
             "the nonce is not standard base64 of 32 bytes: \"" + nonce + "\"");
  ctx.expect(body["extra-params"] == "",
             "extra-params is " + body["extra-params"].dump() + ", Trustee sends \"\"");
  const std::string cookie = r.headers.get("Set-Cookie").value_or("");
  const std::string prefix = std::string(guest::kSessionCookieName) + "=";
  ctx.expect(cookie.rfind(prefix, 0) == 0, "no kbs-session-id cookie: Set-Cookie is \"" + cookie + "\"");
  const std::string id = cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
  ctx.expect(id.size() == 32 && is_lower_hex(id), "the session id is not a simple-form UUID: \"" + id + "\"");
  ctx.expect(cookie.find("Expires=") != std::string::npos, "the session cookie has no Expires: " + cookie);
  for (const char* attr : {"Path=", "Secure", "HttpOnly", "SameSite"}) {
    ctx.expect(cookie.find(attr) == std::string::npos,
               std::string("the session cookie carries ") + attr + ", which Trustee does not set: " + cookie);
  }
}

void fresh_nonce_per_session(CaseContext& ctx) {
  auto a = ctx.guest();
  auto b = ctx.guest();
  auto ca = ctx.need(a->auth(), "first /auth");
  auto cb = ctx.need(b->auth(), "second /auth");
  ctx.expect(ca.value("nonce", "") != cb.value("nonce", ""), "two sessions got the same nonce");
  ctx.expect(a->session_cookie() != b->session_cookie(), "two sessions got the same session id");
}

void attest_response(CaseContext& ctx) {
  auto g = ctx.guest();
  attest_or_fail(ctx, *g);
  const HttpResponse& r = ctx.responses().back();
  ctx.expect(content_type(r).rfind("application/json", 0) == 0, "/attest Content-Type is " + content_type(r));
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  ctx.expect(body.is_object() && body.size() == 1 && body.contains("token"),
             "/attest body is not {\"token\"}: " + r.body.substr(0, 120));
  ctx.expect(r.headers.get("Set-Cookie").value_or("").rfind("kbs-session-id=", 0) == 0,
             "/attest does not set the session cookie again");
}

void attested_session_returns_stored_token(CaseContext& ctx) {
  auto g = ctx.guest();
  auto first = attest_or_fail(ctx, *g);
  auto again = g->attest_with(*g->challenge());
  if (!again) ctx.fail_refused("a second /attest in an attested session", again.error());
  ctx.expect(again->token == first.token,
             "a second /attest in an attested session issued a new token; Trustee returns the stored one");
}

void resource_content_type(CaseContext& ctx) {
  auto g = ctx.guest();
  auto v = g->get_resource("default/kbsres1/key1");
  if (!v) ctx.fail_refused("the trusted guest", v.error());
  ctx.remember_secret(*v);
  const HttpResponse& r = ctx.responses().back();
  ctx.expect(content_type(r).rfind("application/json", 0) == 0,
             "the JWE's Content-Type is " + content_type(r));
}

void error_body_shape(CaseContext& ctx) {
  auto r = ctx.http("GET", "/kbs/v0/resource/default/kbsres1/key1");
  const std::string want =
      R"({"type":"https://github.com/confidential-containers/kbs/errors/TokenNotFound","detail":"Attestation Token not found"})";
  ctx.expect(r.body == want, "the error body is " + r.body + "; Trustee sends exactly " + want);
}

// Trustee answers 401 for a policy denial; its protocol document says 403 (issue 1419).
void policy_deny_status(CaseContext& ctx) {
  ctx.set_resource_policy("package policy\n\ndefault allow = false\n");
  auto g = ctx.guest();
  auto v = g->get_resource("default/kbsres1/key1");
  ctx.expect_denial(v ? std::nullopt : g->last_http_error(), {trustee::policy_deny(), ""},
                    "GET under deny_all");
}

void missing_resource_status(CaseContext& ctx) {
  auto g = ctx.guest();
  auto v = g->get_resource("default/kbsres1/never-stored");
  ctx.expect_denial(v ? std::nullopt : g->last_http_error(),
                    {trustee::plugin_internal("", PluginFailure::not_found), ""}, "GET a missing resource");
}

// guest-components takes every 401 on a resource GET for an expired token and re-attests (up to 3 GETs):
// under Trustee's mapping a missing resource costs three attestations.
void client_retries_on_401(CaseContext& ctx) {
  GuestOptions o;
  o.max_attempts = 3;
  auto g = ctx.guest(o);
  auto v = g->get_resource("default/kbsres1/never-stored");
  ctx.expect(!v, "a missing resource was released");
  const int expected = ctx.target().status_mapping == trustee::StatusMapping::trustee ? 3 : 1;
  ctx.expect(g->attestations() == expected, "the guest attested " + std::to_string(g->attestations()) +
                                                " times, expected " + std::to_string(expected) +
                                                " (every 401 re-attests; Trustee issue 1419)");
}

void healthz(CaseContext& ctx) {
  auto r = ctx.http("GET", "/healthz");
  ctx.expect(r.status == 200, "/healthz answered " + std::to_string(r.status));
}

void unmatched_method(CaseContext& ctx) {
  ctx.expect_denial(ctx.http("GET", "/kbs/v0/auth"), {trustee::plugin_not_found("auth"), ""},
                    "GET /kbs/v0/auth");
}

void admin_without_token(CaseContext& ctx) {
  // The pattern's own policy, so a target that wrongly accepts the request is left as it was.
  const std::string body =
      nlohmann::json{{"policy", base64url_encode(as_bytes(ctx.baseline().resource_policy))}}.dump();
  ctx.expect_denial(ctx.http("POST", "/kbs/v0/resource-policy", body, {{"Content-Type", "application/json"}}),
                    {trustee::admin_access("resource-policy", "Failed to parse HTTP Auth Bearer header"), ""},
                    "POST resource-policy without a token");
}

void admin_resource_write_quirk(CaseContext& ctx) {
  ctx.expect_denial(ctx.http("POST", "/kbs/v0/resource/default/coco-harness-probe/unauthenticated",
                             "overwritten", {{"Content-Type", "application/octet-stream"}}),
                    {trustee::admin_auth_initialization("Failed to parse HTTP Auth Bearer header"), ""},
                    "POST a resource without a token");
}

void admin_untrusted_key(CaseContext& ctx) {
  const Key stranger = jose::ed25519_key_from_seed(as_bytes(std::string("not the admin")), "admin");
  guest::KbsAdminClient admin(ctx.target().url, ctx.target().ca_pem, stranger);
  auto st = admin.set_resource_policy(ctx.baseline().resource_policy);
  ctx.expect(!st, "an admin token signed by an unknown key changed the resource policy");
  const auto& e = admin.last_http_error();
  ctx.expect_denial(
      e, {trustee::admin_access("resource-policy", "Cannot verify token with any of the issuers"), ""},
      "POST resource-policy with an unknown key");
}

void session_expiry_not_extended(CaseContext& ctx) {
  auto g = ctx.guest();
  ctx.need(g->auth(), "/auth");
  ctx.advance_clock(240s);
  auto r = g->attest_with(*g->challenge());
  if (!r) ctx.fail_refused("attestation 4 minutes into the session", r.error());
  ctx.advance_clock(61s);  // 5 min 1 s after /auth: the session is gone, /attest did not extend it
  auto v =
      ctx.http("GET", "/kbs/v0/resource/default/kbsres1/key1", {},
               {{"Cookie", std::string(guest::kSessionCookieName) + "=" + g->session_cookie().value_or("")}});
  ctx.expect_denial(v, {trustee::token_not_found(), ""}, "GET with the expired session's cookie");
}

}  // namespace

void add_protocol_cases(CaseList& cases) {
  add_case(cases, "protocol.auth_challenge",
           "/auth answers {nonce (base64 of 32 bytes), extra-params \"\"} and a kbs-session-id cookie "
           "(simple UUID, "
           "Expires, no Path/Secure/HttpOnly)",
           {}, {}, auth_challenge);
  add_case(cases, "protocol.fresh_nonce_per_session", "Every session gets its own nonce and session id", {},
           {}, fresh_nonce_per_session);
  add_case(cases, "protocol.attest_response",
           "/attest answers application/json {\"token\"} and sets the cookie again", {}, {}, attest_response);
  add_case(cases, "protocol.attested_session_returns_stored_token",
           "A second /attest in an attested session returns the stored token without re-verifying", {}, {},
           attested_session_returns_stored_token);
  add_case(cases, "protocol.resource_content_type",
           "A released resource is an application/json flattened JWE", {}, {}, resource_content_type);
  add_case(
      cases, "protocol.error_body_shape",
      "Errors are the JSON {\"type\":\".../kbs/errors/<Variant>\",\"detail\"}, compact, in that order (actix "
      "sends them without a Content-Type)",
      {}, {}, error_body_shape);
  add_case(cases, "protocol.policy_deny_status",
           "A policy denial is 401 PolicyDeny as Trustee answers (the protocol document says 403: known "
           "deviation, "
           "Trustee issue 1419)",
           {.admin = true}, {}, policy_deny_status);
  add_case(cases, "protocol.missing_resource_status",
           "A missing resource is 401 PluginInternalError as Trustee answers (the protocol document says "
           "404: known "
           "deviation, Trustee issue 1419)",
           {}, {}, missing_resource_status);
  add_case(cases, "protocol.client_retries_on_401",
           "A guest-components client re-attests on every 401, so a missing resource costs 3 attestations "
           "(Trustee "
           "issue 1419)",
           {}, {}, client_retries_on_401);
  add_case(cases, "protocol.healthz", "GET /healthz answers 200", {}, {}, healthz);
  add_case(cases, "protocol.unmatched_method",
           "GET /kbs/v0/auth falls through to the plugins: 404 PluginNotFound", {}, {}, unmatched_method);
  add_case(cases, "protocol.admin_without_token", "Admin endpoints refuse a request without a bearer token",
           {}, {}, admin_without_token);
  add_case(cases, "protocol.admin_resource_write_quirk",
           "A resource write without a token is refused as AdminAuthInitialization (Trustee's "
           "From<admin::Error> quirk)",
           {}, {}, admin_resource_write_quirk);
  add_case(cases, "protocol.admin_untrusted_key",
           "An admin token signed by a key the KBS does not know is refused", {}, {}, admin_untrusted_key);
  add_case(cases, "protocol.session_expiry_not_extended",
           "/attest does not extend the session: 5 minutes after /auth the cookie no longer works",
           {.clock = true}, {}, session_expiry_not_extended);
}

}  // namespace coco::conformance
