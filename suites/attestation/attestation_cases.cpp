// Suite `attestation`: the RCAR handshake yields an EAR token whose claims are the evidence's and whose
// status and trust vector follow the policy and reference values in force.
#include "conformance/ear.h"
#include "conformance/runner.h"
#include "core/encoding.h"
#include "core/x509.h"
#include "jose/jose.h"
#include "pattern/initdata.h"
#include "trustee/default_policies.h"
#include "trustee/initdata.h"

namespace coco::conformance {
namespace {

void ear_token_issued(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  auto jws = ctx.need(jose::jws_parse(r.token), "parsing the token as a compact JWS");
  const auto& h = jws.header;
  ctx.expect(h.value("alg", "") == "ES256",
             "token header alg is " + h.value("alg", "(none)") + ", Trustee signs ES256");
  ctx.expect(h.value("typ", "") == "JWT",
             "token header typ is " + h.value("typ", "(none)") + ", expected JWT");
  ctx.expect(h.contains("jwk") && h["jwk"].is_object(), "token header carries no jwk");
  const auto& jwk = h["jwk"];
  ctx.expect(jwk.value("kty", "") == "EC" && jwk.value("crv", "") == "P-256",
             "token header jwk is not an EC P-256 key: " + jwk.dump());
  auto key = ctx.need(jose::key_from_jwk(jwk), "reading the header jwk");
  auto verified = jose::jws_verify(jws, key);
  ctx.expect(verified.ok(), "the token's signature does not verify with its header jwk");
  const auto& c = r.claims;
  ctx.expect(c.value("eat_profile", "") == "tag:github.com,2024:confidential-containers/Trustee",
             "eat_profile is " + c.value("eat_profile", "(none)"));
  ctx.expect(c.value("iss", "") == "CoCo-Attestation-Service", "iss is " + c.value("iss", "(none)"));
  ctx.expect(
      c.contains("iat") && c.contains("exp") && c["iat"].is_number_integer() && c["exp"].is_number_integer(),
      "the token lacks integer iat/exp");
  const auto lifetime = c["exp"].get<std::int64_t>() - c["iat"].get<std::int64_t>();
  ctx.expect(lifetime == 300, "token lifetime is " + std::to_string(lifetime) +
                                  " s; the chart sets attestation_token_config duration_min = 5 (300 s)");
  ctx.expect(c.contains("ear.verifier-id"), "the token has no ear.verifier-id");
  cpu0(ctx, r);
}

void token_chains_to_signer_cert(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  auto jws = ctx.need(jose::jws_parse(r.token), "parsing the token");
  const auto& jwk = jws.header.value("jwk", nlohmann::json::object());
  ctx.expect(jwk.contains("x5c") && jwk["x5c"].is_array() && !jwk["x5c"].empty(),
             "the token header jwk has no x5c: the chart configures a signer cert_path, so Trustee sends it");
  auto der = ctx.need(base64_decode(jwk["x5c"][0].get<std::string>()), "decoding x5c[0]");
  auto cert = ctx.need(cert_from_der(der), "parsing x5c[0]");
  auto key = ctx.need(jose::key_from_jwk(jwk), "reading the header jwk");
  ctx.expect(cert.public_key().same_public(key), "x5c[0] does not certify the header jwk's key");
  ctx.expect(cert.subject_cn() == "kbs-trustee-operator-system",
             "x5c[0] is CN=" + cert.subject_cn() +
                 ", not the chart's attestation-cert (CN kbs-trustee-operator-system)");
}

void claims_match_evidence(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  const auto& annotated = annotated_evidence(ctx, r);
  const auto mismatches = ctx.attester().claim_mismatches(ctx.last_evidence(), annotated);
  if (!mismatches.empty()) {
    std::string all;
    for (const auto& m : mismatches) all += (all.empty() ? "" : "; ") + m;
    ctx.fail("the EAR's claims differ from the evidence sent: " + all);
  }
}

void runtime_data_bound(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  const auto& a = annotated_evidence(ctx, r);
  ctx.expect(a.contains("runtime_data_claims") && a["runtime_data_claims"].is_object(),
             "annotated evidence has no runtime_data_claims");
  const auto& rd = a["runtime_data_claims"];
  const std::string nonce = g->challenge() ? g->challenge()->value("nonce", "") : "";
  ctx.expect(rd.value("nonce", "") == nonce,
             "runtime_data_claims.nonce is " + rd.value("nonce", "(none)") + ", the challenge was " + nonce);
  const auto want = g->tee_key().public_jwk();
  ctx.expect(rd.contains("tee-pubkey") && rd["tee-pubkey"] == want,
             "runtime_data_claims.tee-pubkey is not the guest's TEE key: " +
                 rd.value("tee-pubkey", nlohmann::json()).dump());
}

void init_data_claims(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  const auto& a = annotated_evidence(ctx, r);
  const Bytes digest = ctx.init_data_digest(ctx.baseline().initdata_toml);
  // The digest in the TEE's field (bare metal) or PCR8 (Azure), as the attester says Trustee reports it.
  const std::string want = ctx.attester().init_data_claim(digest);
  ctx.expect(a.value("init_data", "") == want,
             "init_data is " + a.value("init_data", "(none)") + ", the init-data digest is " + want);
  ctx.expect(a.contains("init_data_claims") && a["init_data_claims"].is_object(),
             "annotated evidence has no init_data_claims object");
  const auto& claims = a["init_data_claims"];
  for (const char* file : {"aa.toml", "cdh.toml"}) {
    ctx.expect(claims.contains(file) && claims[file].is_object(),
               std::string("init_data_claims[\"") + file + "\"] is not the parsed TOML table");
  }
  const auto url = claims["cdh.toml"].value("kbc", nlohmann::json::object()).value("url", "");
  ctx.expect(url == ctx.baseline().kbs_url, "init_data_claims cdh.toml kbc.url is \"" + url +
                                                "\", the init-data sent names " + ctx.baseline().kbs_url);
}

void affirming_under_baseline(CaseContext& ctx) {
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  const auto& s = cpu0(ctx, r);
  ctx.expect(ear_status(s) == "affirming" && trust_claim(s, "executables") == 3 &&
                 trust_claim(s, "hardware") == 2 && trust_claim(s, "configuration") == 2,
             "expected affirming with executables 3, hardware 2, configuration 2; got " + trust_summary(s));
}

void unknown_init_data_not_affirming(CaseContext& ctx) {
  if (!ctx.attester().pattern_policy_covers()) {
    ctx.skip("the chart's policy has no rule for " + ctx.attester().tee() + "; init-data is not judged");
  }
  GuestOptions o;
  o.init_data = pattern::render_initdata_with_policy(
      {"https://kbs.elsewhere.example", ""}, "package agent_policy\n\ndefault ExecProcessRequest := true\n");
  auto g = ctx.guest(o);
  auto r = attest_or_fail(ctx, *g);
  const auto& s = cpu0(ctx, r);
  ctx.expect(
      trust_claim(s, "executables") == 33 && ear_status(s) == "warning",
      "init-data that is not in reference value init_data must leave executables at 33 (status warning, "
      "which the chart's affirming resource policy denies); got " +
          trust_summary(s));
}

void trust_vector_follows_reference_values(CaseContext& ctx) {
  ctx.set_attestation_policy(trustee::default_cpu_policy());
  ctx.set_reference_values(ctx.attester().default_cpu_reference_values());
  {
    auto g = ctx.guest();
    auto r = attest_or_fail(ctx, *g);
    const auto& s = cpu0(ctx, r);
    ctx.expect(
        ear_status(s) == "affirming" && trust_claim(s, "executables") == 3 && trust_claim(s, "hardware") == 2,
        "under Trustee's default_cpu with every reference value registered: expected affirming, executables "
        "3, hardware 2; got " +
            trust_summary(s));
  }
  nlohmann::json none = nlohmann::json::object();
  const nlohmann::json values = ctx.attester().default_cpu_reference_values();
  for (const auto& [name, value] : values.items()) none[name] = nlohmann::json::array();
  ctx.set_reference_values(none);
  auto g = ctx.guest();
  auto r = attest_or_fail(ctx, *g);
  const auto& s = cpu0(ctx, r);
  ctx.expect(
      ear_status(s) == "contraindicated" && trust_claim(s, "executables") == 33 &&
          trust_claim(s, "hardware") == 97,
      "with the reference values emptied: expected contraindicated, executables 33, hardware 97; got " +
          trust_summary(s));
}

}  // namespace

void add_attestation_cases(CaseList& cases) {
  add_case(cases, "attestation.ear_token_issued",
           "The handshake yields an ES256 EAR JWT with its key in the header, Trustee's profile and issuer, "
           "and the chart's 5-minute lifetime",
           {}, {}, ear_token_issued);
  add_case(cases, "attestation.token_chains_to_signer_cert",
           "The token header's x5c certifies its jwk with the chart's attestation-cert", {}, {},
           token_chains_to_signer_cert);
  add_case(cases, "attestation.claims_match_evidence",
           "The EAR's annotated evidence is the evidence sent: measurement, TCB, policy bits, report_data, "
           "init_data",
           {}, {}, claims_match_evidence);
  add_case(cases, "attestation.runtime_data_bound",
           "runtime_data_claims carry the challenge nonce and the guest's TEE public key", {}, {},
           runtime_data_bound);
  add_case(
      cases, "attestation.init_data_claims",
      "init_data is the init-data digest as the TEE carries it; init_data_claims hold the parsed aa.toml "
      "and cdh.toml",
      {}, {}, init_data_claims);
  add_case(cases, "attestation.affirming_under_baseline",
           "Evidence of the pattern's peer pod is affirming (executables 3, hardware 2, configuration 2)", {},
           {}, affirming_under_baseline);
  add_case(
      cases, "attestation.unknown_init_data_not_affirming",
      "Init-data the reference values do not list leaves executables at 33: status warning, not affirming",
      {}, {}, unknown_init_data_not_affirming);
  add_case(cases, "attestation.trust_vector_follows_reference_values",
           "Under Trustee's default_cpu the trust vector follows the registered reference values",
           {.admin = true}, {}, trust_vector_follows_reference_values);
}

}  // namespace coco::conformance
