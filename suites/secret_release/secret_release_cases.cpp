// Suite `secret_release`: a trusted guest gets the pattern's secrets, wrapped in a JWE to its TEE key for
// every key type guest-components offers, and sees a secret changed through the admin API at once.
#include "conformance/ear.h"
#include "conformance/runner.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "jose/jose.h"

namespace coco::conformance {
namespace {

// Fetches `path` with a fresh trusted guest; fails with the KBS's answer when it is not released.
Bytes fetch(CaseContext& ctx, guest::KbsClient& g, const std::string& path) {
  auto r = g.get_resource(path);
  if (!r) ctx.fail_refused("GET " + path, r.error());
  ctx.remember_secret(*r);
  return *r;
}

void expect_value(CaseContext& ctx, const std::string& path, const Bytes& got) {
  const auto it = ctx.baseline().resources.find(path);
  if (it == ctx.baseline().resources.end()) {
    ctx.expect(!got.empty(), path + " was released empty");
    return;
  }
  ctx.expect(got == it->second, path + " decrypted to " + std::to_string(got.size()) +
                                    " bytes that differ from the value the pattern stored");
}

void jwe_key_type(CaseContext& ctx, guest::TeeKeyType type) {
  GuestOptions o;
  o.key_type = type;
  auto g = ctx.guest(o);
  const std::string path = "default/kbsres1/key1";
  const Bytes value = fetch(ctx, *g, path);
  expect_value(ctx, path, value);
  // The JWE as it came over the wire: Trustee's alg for the key, A256GCM, an epk for ECDH-ES.
  const auto body = nlohmann::json::parse(ctx.responses().back().body, nullptr, false);
  auto jwe = ctx.need(jose::Jwe::from_json(body), "reading the resource response as a flattened JWE");
  auto header_text = ctx.need(base64url_decode(jwe.protected_b64), "decoding the JWE protected header");
  const auto header = nlohmann::json::parse(to_string(header_text), nullptr, false);
  const std::string want_alg(guest::tee_key_alg(type));
  ctx.expect(header.value("alg", "") == want_alg,
             "JWE alg is " + header.value("alg", "(none)") + ", expected " + want_alg);
  ctx.expect(header.value("enc", "") == "A256GCM",
             "JWE enc is " + header.value("enc", "(none)") + ", expected A256GCM");
  if (want_alg == "ECDH-ES+A256KW") {
    const std::string crv = type == guest::TeeKeyType::ec_p521 ? "P-521" : "P-256";
    ctx.expect(
        header.contains("epk") && header["epk"].value("crv", "") == crv,
        "JWE epk is not an ephemeral " + crv + " key: " + header.value("epk", nlohmann::json()).dump());
  }
  ctx.expect(!body.contains("aad"), "the JWE carries an aad member; Trustee omits it");
}

void pattern_resource(CaseContext& ctx, const std::string& path) {
  auto g = ctx.guest();
  expect_value(ctx, path, fetch(ctx, *g, path));
}

void session_reused(CaseContext& ctx) {
  auto g = ctx.guest();
  fetch(ctx, *g, "default/kbsres1/key1");
  fetch(ctx, *g, "default/kbsres1/key2");
  ctx.expect(g->attestations() == 1, "two GETs in one attested session cost " +
                                         std::to_string(g->attestations()) +
                                         " attestations; the session's token should serve both");
}

void passport_mode(CaseContext& ctx) {
  auto first = ctx.guest();
  auto r = attest_or_fail(ctx, *first);
  GuestOptions o;
  o.tee_key = first->tee_key();
  auto second = ctx.guest(o);
  const std::string path = "default/kbsres1/key2";
  auto value = second->get_resource_with_token(path, r.token);
  if (!value) ctx.fail_refused("GET with Authorization: Bearer <token>", value.error());
  ctx.remember_secret(*value);
  expect_value(ctx, path, *value);
  ctx.expect(second->attestations() == 0, "passport mode must not attest again");
}

void admin_update_seen(CaseContext& ctx) {
  // kbs-access serves default/kbsres1/key3; a rotated secret must reach the next fetch, not a cached one.
  const std::string path = "default/kbsres1/key3";
  auto g = ctx.guest();
  const Bytes before = fetch(ctx, *g, path);
  const Bytes rotated = to_bytes(as_bytes("rotated-" + hex_encode(sha256(before)).substr(0, 24)));
  ctx.set_resource(path, rotated);
  const Bytes after = fetch(ctx, *g, path);
  ctx.expect(after == rotated,
             "after the admin API changed " + path + ", the next fetch still returned the old value");
  ctx.set_resource(path, before);
}

}  // namespace

void add_secret_release_cases(CaseList& cases) {
  using guest::TeeKeyType;
  for (auto [type, name] :
       {std::pair{TeeKeyType::ec_p256, "ec_p256"}, std::pair{TeeKeyType::ec_p521, "ec_p521"},
        std::pair{TeeKeyType::rsa_oaep_256, "rsa_oaep_256"}, std::pair{TeeKeyType::rsa1_5, "rsa1_5"}}) {
    const TeeKeyType t = type;
    add_case(cases, std::string("secret_release.jwe_") + name,
             std::string("A secret is released as a JWE to a ") + std::string(guest::tee_key_type_name(t)) +
                 " TEE key (alg " + std::string(guest::tee_key_alg(t)) +
                 ", A256GCM) and decrypts to its value",
             {}, {}, [t](CaseContext& ctx) { jwe_key_type(ctx, t); });
  }
  for (auto [id, path] :
       {std::pair{"kbsres1_key1", "default/kbsres1/key1"}, std::pair{"kbsres1_key2", "default/kbsres1/key2"},
        std::pair{"kbsres1_key3", "default/kbsres1/key3"},
        std::pair{"passphrase", "default/passphrase/passphrase"},
        std::pair{"attestation_status", "default/attestation-status/status"},
        std::pair{"attestation_status_random", "default/attestation-status/random"}}) {
    const std::string p = path;
    add_case(cases, std::string("secret_release.") + id,
             "The pattern's secret " + p + " is served to a trusted guest", {}, {},
             [p](CaseContext& ctx) { pattern_resource(ctx, p); });
  }
  add_case(cases, "secret_release.session_reused",
           "Two GETs in one attested session need one attestation (the session keeps the token)", {}, {},
           session_reused);
  add_case(cases, "secret_release.passport_mode",
           "A token from one handshake releases a secret as Authorization: Bearer to the same TEE key", {},
           {}, passport_mode);
  add_case(cases, "secret_release.admin_update_seen_by_next_fetch",
           "A secret changed through the admin API is what the next fetch returns (the kbs-access app)",
           {.admin = true}, {}, admin_update_seen);
}

}  // namespace coco::conformance
