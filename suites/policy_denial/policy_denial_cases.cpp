// Suite `policy_denial`: every way a secret must not leave the KBS. Each case asserts Trustee's exact
// status, error type and detail (trustee.md 1.9, built from trustee/errors.h), on the embedded stack also
// the cause the KBS logged (so a denial for the wrong reason fails), and that no known secret appears in
// any response the case received.
#include <string>

#include "conformance/ear.h"
#include "conformance/runner.h"
#include "core/encoding.h"
#include "jose/jose.h"
#include "pattern/initdata.h"
#include "trustee/default_policies.h"

namespace coco::conformance {
namespace {

using namespace std::chrono_literals;
using trustee::PluginFailure;

const std::string kSecretPath = "default/kbsres1/key1";

ExpectedDenial attest_refused(std::string cause = {}) {
  return {trustee::attest_failed(""), std::move(cause)};
}
ExpectedDenial policy_denied() {
  return {trustee::policy_deny(), "PolicyDeny"};
}
ExpectedDenial token_rejected(std::string cause = {}) {
  return {trustee::token_verifier_error(""), std::move(cause)};
}

// A guest whose attestation must be refused; then also no resource may be released to it.
void expect_attest_refused(CaseContext& ctx, const GuestOptions& o, const std::string& cause) {
  auto g = ctx.guest(o);
  auto r = g->attest();
  ctx.expect_denial(r ? std::nullopt : g->last_http_error(), attest_refused(cause), "POST /attest");
  auto res = g->get_resource(kSecretPath);
  ctx.expect(!res, "GET " + kSecretPath + " after a refused attestation released the secret");
  ctx.expect_no_secret_leak();
}

// A guest that attests but must be denied the secret by the resource policy.
void expect_policy_deny(CaseContext& ctx, const GuestOptions& o, const std::string& path = kSecretPath) {
  auto g = ctx.guest(o);
  auto res = g->get_resource(path);
  ctx.expect_denial(res ? std::nullopt : g->last_http_error(), policy_denied(), "GET " + path);
}

GuestOptions with_defect(Defect d) {
  GuestOptions o;
  o.defect = d;
  return o;
}

// Trustee's default_cpu with the attester's reference values: the policy that judges measurement, TCB
// and policy bits (the chart's judges only init-data).
void install_default_cpu(CaseContext& ctx) {
  ctx.set_attestation_policy(trustee::default_cpu_policy());
  ctx.set_reference_values(ctx.attester().default_cpu_reference_values());
}

// A trusted guest's token, for the token cases.
struct Attested {
  std::unique_ptr<guest::KbsClient> guest;
  guest::AttestResult result;
};
Attested attested(CaseContext& ctx) {
  Attested a;
  a.guest = ctx.guest();
  a.result = attest_or_fail(ctx, *a.guest);
  return a;
}

// GET with Authorization: Bearer <token> from a fresh guest with the same TEE key and no session.
void expect_bearer_rejected(CaseContext& ctx, const Attested& a, const std::string& token,
                            const std::string& cause) {
  GuestOptions o;
  o.tee_key = a.guest->tee_key();
  auto g = ctx.guest(o);
  auto res = g->get_resource_with_token(kSecretPath, token);
  ctx.expect_denial(res ? std::nullopt : g->last_http_error(), token_rejected(cause),
                    "GET with a bearer token");
}

std::string cookie_header(const guest::KbsClient& g) {
  return std::string(guest::kSessionCookieName) + "=" + g.session_cookie().value_or("");
}

// An attested session's cookie, for requests that must fail after the token check.
HttpResponse attested_get(CaseContext& ctx, const std::string& target_path) {
  Attested a = attested(ctx);
  return ctx.http("GET", "/kbs/v0/" + target_path, {}, {{"Cookie", cookie_header(*a.guest)}});
}

std::string nested_json(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

}  // namespace

void add_policy_denial_cases(CaseList& cases) {
  // ---- evidence the verifier must refuse: POST /attest fails ----
  add_case(cases, "policy_denial.forged_report_signature",
           "Evidence whose report signature is forged is refused", {.defect = Defect::forged_signature}, {},
           [](CaseContext& ctx) {
             expect_attest_refused(ctx, with_defect(Defect::forged_signature), "signature");
           });
  add_case(cases, "policy_denial.report_data_not_bound",
           "Evidence whose report_data is not the hash of this session's nonce and TEE key is refused", {},
           {}, [](CaseContext& ctx) {
             GuestOptions o;
             o.bind_wrong_runtime_data = true;
             expect_attest_refused(ctx, o, "report_data");
           });
  add_case(cases, "policy_denial.nonce_replayed_from_other_session",
           "Evidence bound to another session's nonce is refused", {}, {}, [](CaseContext& ctx) {
             auto victim = ctx.guest();
             auto challenge = ctx.need(victim->auth(), "the first session's /auth");
             auto g = ctx.guest();
             ctx.need(g->auth(), "the second session's /auth");
             auto r = g->attest_with(challenge);
             ctx.expect_denial(r ? std::nullopt : g->last_http_error(), attest_refused(), "POST /attest");
           });
  add_case(cases, "policy_denial.session_expired",
           "A session older than [attestation_service] timeout (5 min) cannot attest", {.clock = true}, {},
           [](CaseContext& ctx) {
             auto g = ctx.guest();
             auto challenge = ctx.need(g->auth(), "/auth");
             ctx.advance_clock(301s);
             auto r = g->attest_with(challenge);
             ctx.expect_denial(r ? std::nullopt : g->last_http_error(), attest_refused(), "POST /attest");
           });
  add_case(cases, "policy_denial.attest_without_session",
           "POST /attest without the kbs-session-id cookie is refused", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/attest", "{}", {{"Content-Type", "application/json"}}),
                 attest_refused(), "POST /attest");
           });
  add_case(cases, "policy_denial.attest_unknown_session",
           "POST /attest with a session id the KBS never issued is refused", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(ctx.http("POST", "/kbs/v0/attest", "{}",
                                        {{"Content-Type", "application/json"},
                                         {"Cookie", std::string(guest::kSessionCookieName) +
                                                        "=0123456789abcdef0123456789abcdef"}}),
                               attest_refused(), "POST /attest");
           });
  add_case(cases, "policy_denial.vmpl_not_zero",
           "A report requested from VMPL 1 is refused (Trustee requires VMPL 0)",
           {.defect = Defect::vmpl_not_zero}, {},
           [](CaseContext& ctx) { expect_attest_refused(ctx, with_defect(Defect::vmpl_not_zero), "vmpl"); });
  add_case(cases, "policy_denial.untrusted_chain",
           "Evidence signed under an untrusted root (SNP: a VCEK, TDX: a PCK chain) is refused",
           {.defect = Defect::untrusted_chain}, {}, [](CaseContext& ctx) {
             // The hardware verifier's reason: snp.chain_untrusted, tdx.pck_chain_untrusted (also under
             // Azure).
             expect_attest_refused(ctx, with_defect(Defect::untrusted_chain), "untrusted");
           });
  add_case(cases, "policy_denial.vlek_wrong_asvk",
           "A report signed by a VLEK that AMD's ASVK did not issue is refused",
           {.defect = Defect::vlek_wrong_asvk}, {}, [](CaseContext& ctx) {
             expect_attest_refused(ctx, with_defect(Defect::vlek_wrong_asvk), "snp.");
           });
  add_case(cases, "policy_denial.host_data_not_init_data_digest",
           "Evidence whose HOST_DATA is not the digest of the init-data sent is refused",
           {.defect = Defect::host_data_mismatch}, {}, [](CaseContext& ctx) {
             expect_attest_refused(ctx, with_defect(Defect::host_data_mismatch), "data");
           });
  add_case(cases, "policy_denial.init_data_unknown_algorithm", "Init-data with algorithm sha1 is refused", {},
           {}, [](CaseContext& ctx) {
             GuestOptions o;
             std::string toml = ctx.baseline().initdata_toml;
             toml.replace(toml.find("sha256"), 6, "sha1");
             o.init_data = toml;
             expect_attest_refused(ctx, o, "algorithm");
           });
  add_case(cases, "policy_denial.init_data_not_toml", "Init-data that is not TOML is refused", {}, {},
           [](CaseContext& ctx) {
             GuestOptions o;
             o.init_data = "algorithm = sha256\n[[[data";
             expect_attest_refused(ctx, o, "");
           });
  add_case(cases, "policy_denial.attest_body_not_json", "A /attest body that is not JSON is refused", {}, {},
           [](CaseContext& ctx) {
             auto g = ctx.guest();
             ctx.need(g->auth(), "/auth");
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/attest", "{\"runtime-data\":",
                          {{"Content-Type", "application/json"}, {"Cookie", cookie_header(*g)}}),
                 attest_refused(), "POST /attest");
           });
  add_case(cases, "policy_denial.attest_without_evidence", "A /attest body without tee-evidence is refused",
           {}, {}, [](CaseContext& ctx) {
             auto g = ctx.guest();
             auto challenge = ctx.need(g->auth(), "/auth");
             nlohmann::json body = {
                 {"runtime-data",
                  {{"nonce", challenge.value("nonce", "")}, {"tee-pubkey", g->tee_key().public_jwk()}}}};
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/attest", body.dump(),
                          {{"Content-Type", "application/json"}, {"Cookie", cookie_header(*g)}}),
                 attest_refused(), "POST /attest");
           });

  // ---- evidence that verifies but must not be trusted: the resource policy denies ----
  add_case(cases, "policy_denial.measurement_not_in_reference_values",
           "Under Trustee's default_cpu, a launch measurement the reference values do not list is denied",
           {.admin = true, .defect = Defect::unknown_measurement}, {}, [](CaseContext& ctx) {
             install_default_cpu(ctx);
             expect_policy_deny(ctx, with_defect(Defect::unknown_measurement));
           });
  add_case(cases, "policy_denial.debug_policy_bit",
           "Under Trustee's default_cpu, a debug-enabled launch is denied",
           {.admin = true, .defect = Defect::debug_policy}, {}, [](CaseContext& ctx) {
             install_default_cpu(ctx);
             expect_policy_deny(ctx, with_defect(Defect::debug_policy));
           });
  add_case(cases, "policy_denial.tcb_below_reference",
           "Under Trustee's default_cpu, a reported TCB below the reference values is denied",
           {.admin = true, .defect = Defect::tcb_below_reference}, {}, [](CaseContext& ctx) {
             install_default_cpu(ctx);
             expect_policy_deny(ctx, with_defect(Defect::tcb_below_reference));
           });
  add_case(cases, "policy_denial.init_data_not_in_reference_values",
           "Under the chart's policy, init-data that reference value init_data does not list is denied", {},
           {}, [](CaseContext& ctx) {
             if (!ctx.attester().pattern_policy_covers()) {
               ctx.skip("the chart's policy has no rule for " + ctx.attester().tee());
             }
             GuestOptions o;
             o.init_data = pattern::render_initdata_with_policy(
                 {"https://kbs.attacker.example", ""},
                 "package agent_policy\n\ndefault ExecProcessRequest := true\n");
             expect_policy_deny(ctx, o);
           });
  add_case(cases, "policy_denial.deny_all_resource_policy",
           "Trustee's deny_all resource policy releases nothing", {.admin = true}, {}, [](CaseContext& ctx) {
             ctx.set_resource_policy(trustee::deny_all_resource_policy());
             expect_policy_deny(ctx, {});
           });
  add_case(cases, "policy_denial.default_policy_sample_tee",
           "Trustee's default resource policy denies the sample TEE whatever its status", {.admin = true},
           {"sample"}, [](CaseContext& ctx) {
             ctx.set_resource_policy(trustee::default_resource_policy());
             expect_policy_deny(ctx, {});
           });
  add_case(
      cases, "policy_denial.contraindicated_under_affirming_policy",
      "A contraindicated token is denied by the affirming resource policy", {.admin = true}, {},
      [](CaseContext& ctx) {
        // Trustee's integration test policy_contraindicated: every claim at its contraindicated value.
        ctx.set_attestation_policy(
            "package policy\n\nimport rego.v1\n\ndefault executables := 33\ndefault hardware := 97\n"
            "default configuration := 36\n\ntrust_claims := {\"executables\": executables, \"hardware\": "
            "hardware, \"configuration\": configuration}\n");
        expect_policy_deny(ctx, {});
      });
  add_case(cases, "policy_denial.resource_path_not_allowed",
           "A resource policy that allows one path denies the others", {.admin = true}, {},
           [](CaseContext& ctx) {
             ctx.set_resource_policy(
                 "package policy\n\nimport rego.v1\n\ndefault allow := false\n\nallow if {\n"
                 "\tdata[\"resource-path\"] == [\"kbsres1\", \"key1\"]\n}\n\nallow if {\n"
                 "\tinput.submods.cpu0[\"ear.status\"] == \"affirming\"\n"
                 "\tconcat(\"/\", data[\"resource-path\"]) == \"kbsres1/key1\"\n}\n");
             expect_policy_deny(ctx, {}, "default/kbsres1/key2");
           });

  // ---- tokens the KBS must not accept ----
  add_case(cases, "policy_denial.token_expired", "A token past exp (5 min + 60 s leeway) is rejected",
           {.clock = true}, {}, [](CaseContext& ctx) {
             Attested a = attested(ctx);
             ctx.advance_clock(362s);
             expect_bearer_rejected(ctx, a, a.result.token, "");
           });
  add_case(cases, "policy_denial.token_signed_by_untrusted_key",
           "A token with the right claims signed by a key the KBS does not trust is rejected", {}, {},
           [](CaseContext& ctx) {
             Attested a = attested(ctx);
             const Key rogue = jose::generate_ec_key(Curve::p256);
             nlohmann::json header = {{"typ", "JWT"}, {"alg", "ES256"}, {"jwk", jose::public_jwk(rogue)}};
             header["jwk"]["alg"] = "ES256";
             auto forged =
                 ctx.need(jose::jws_sign(header, a.result.claims.dump(), rogue), "signing the forged token");
             expect_bearer_rejected(ctx, a, forged, "");
           });
  add_case(cases, "policy_denial.token_payload_tampered",
           "A genuine token whose payload was edited is rejected", {}, {}, [](CaseContext& ctx) {
             Attested a = attested(ctx);
             const std::string& t = a.result.token;
             const auto dot1 = t.find('.'), dot2 = t.rfind('.');
             nlohmann::json claims = a.result.claims;
             claims["exp"] = claims.value("exp", 0) + 86400;
             const std::string edited =
                 t.substr(0, dot1 + 1) + base64url_encode(as_bytes(claims.dump())) + t.substr(dot2);
             expect_bearer_rejected(ctx, a, edited, "");
           });
  add_case(cases, "policy_denial.token_alg_none", "An unsigned token (alg none) is rejected", {}, {},
           [](CaseContext& ctx) {
             Attested a = attested(ctx);
             const std::string unsigned_token =
                 base64url_encode(as_bytes(std::string(R"({"typ":"JWT","alg":"none"})"))) + "." +
                 base64url_encode(as_bytes(a.result.claims.dump())) + ".";
             expect_bearer_rejected(ctx, a, unsigned_token, "");
           });
  add_case(cases, "policy_denial.no_token", "A resource GET with no session and no bearer token is refused",
           {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(ctx.http("GET", "/kbs/v0/resource/" + kSecretPath),
                               {trustee::token_not_found(), "TokenNotFound"}, "GET without a token");
           });

  // ---- the handshake itself ----
  add_case(cases, "policy_denial.wrong_protocol_version", "/auth with protocol version 0.2.0 is refused", {},
           {}, [](CaseContext& ctx) {
             GuestOptions o;
             o.protocol_version = "0.2.0";
             auto g = ctx.guest(o);
             auto r = g->auth();
             ctx.expect_denial(
                 r ? std::nullopt : g->last_http_error(),
                 {trustee::auth_failed(
                      "KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is 0.2.0"),
                  ""},
                 "POST /auth");
           });
  add_case(cases, "policy_denial.unknown_tee", "/auth naming a TEE kbs-types does not know is refused", {},
           {}, [](CaseContext& ctx) {
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/auth", R"({"version":"0.4.0","tee":"quantum","extra-params":{}})",
                          {{"Content-Type", "application/json"}}),
                 {trustee::auth_failed("deserialize Request"), ""}, "POST /auth");
           });
  add_case(cases, "policy_denial.auth_body_not_json", "An /auth body that is not JSON is refused", {}, {},
           [](CaseContext& ctx) {
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/auth", "{\"version\":", {{"Content-Type", "application/json"}}),
                 {trustee::auth_failed("deserialize Request"), ""}, "POST /auth");
           });
  add_case(cases, "policy_denial.auth_body_too_deep",
           "An /auth body nested deeper than serde_json's 128 is refused", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(
                 ctx.http("POST", "/kbs/v0/auth", nested_json(200), {{"Content-Type", "application/json"}}),
                 {trustee::auth_failed("deserialize Request"), ""}, "POST /auth");
           });
  add_case(cases, "policy_denial.oversized_body",
           "A body over payload_request_size (2 MiB) is answered 413 before the KBS reads it", {}, {},
           [](CaseContext& ctx) {
             auto r = ctx.http("POST", "/kbs/v0/auth", std::string(3u << 20, 'x'),
                               {{"Content-Type", "application/json"}});
             ctx.expect(r.status == 413,
                        "a 3 MiB /auth body got " + std::to_string(r.status) + ", expected 413");
             ctx.expect_no_secret_leak();
           });

  // ---- resource paths ----
  add_case(cases, "policy_denial.path_traversal", "A resource path with .. segments releases nothing", {}, {},
           [](CaseContext& ctx) {
             ctx.expect_denial(attested_get(ctx, "resource/default/../kbsres1/key1"),
                               {trustee::plugin_internal("", PluginFailure::bad_request), ""},
                               "GET resource/default/../kbsres1/key1");
           });
  add_case(cases, "policy_denial.path_traversal_encoded",
           "A resource tag of %2e%2e%2f segments releases nothing", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(attested_get(ctx, "resource/default/kbsres1/%2e%2e%2fpassphrase"),
                               {trustee::plugin_internal("", PluginFailure::bad_request), ""},
                               "GET an encoded traversal");
           });
  add_case(cases, "policy_denial.invalid_resource_path", "A resource path of two segments is refused", {}, {},
           [](CaseContext& ctx) {
             ctx.expect_denial(attested_get(ctx, "resource/default/kbsres1"),
                               {trustee::plugin_internal("", PluginFailure::bad_request), ""},
                               "GET resource/default/kbsres1");
           });
  add_case(cases, "policy_denial.missing_resource",
           "A resource nobody stored is refused (after the policy allowed it)", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(attested_get(ctx, "resource/default/kbsres1/no-such-key"),
                               {trustee::plugin_internal("", PluginFailure::not_found), ""},
                               "GET resource/default/kbsres1/no-such-key");
           });
  add_case(cases, "policy_denial.unknown_plugin",
           "A path under a plugin the KBS does not have is 404 PluginNotFound", {}, {}, [](CaseContext& ctx) {
             ctx.expect_denial(attested_get(ctx, "vault/default/kbsres1/key1"),
                               {trustee::plugin_not_found("vault"), ""}, "GET /kbs/v0/vault/...");
           });
}

}  // namespace coco::conformance
