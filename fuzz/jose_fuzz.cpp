// Fuzz target: the JOSE parsers of sim/jose, all on the same input.
//   jws_parse: what parses has a string "alg", its payload is the decoded payload part, and the token
//     rebuilt from the parts (signature re-encoded canonically) parses to the same header, payload and
//     signature. jws_verify then runs with fixed P-256, RSA-2048 and Ed25519 keys: a success needs the alg
//     of that key type (ES256 / RS256 / EdDSA) and must fail with a second key of the same type; when the
//     payload is JSON, jwt_validate runs on it.
//   The input parsed as JSON (when it is JSON) then goes to:
//   Jwe::from_json + jwe_decrypt with a fixed P-256 key (and the RSA key): a parsed JWE survives
//     to_json_text() -> from_json unchanged, and a successful decryption gives the same plaintext after that
//     round trip and fails with another P-256 key;
//   key_from_jwk: an accepted key re-exports as a public JWK that is accepted and names the same key (and
//     as a private JWK when the input had "d"), with a 43-character RFC 7638 thumbprint;
//   jcs_canonicalize: the canonical text parses, and canonicalizing that parse gives the same text.
// Anything else, or an exception, is __builtin_trap(). Seeds: fuzz/run.sh jose writes tokens, JWEs and
// JWKs made with these fixed keys (so the success paths are in the corpus) and copies
// ../shared/corpus/kbs/jwk when present.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "jose/jose.h"

namespace {

using namespace coco;
using namespace coco::jose;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "jose_fuzz: invariant violated: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  __builtin_trap();
}

struct Keys {
  Key ec = ec_key_from_seed(Curve::p256, as_bytes("jose-fuzz"), "recipient");
  Key ec_other = ec_key_from_seed(Curve::p256, as_bytes("jose-fuzz"), "other");
  Key rsa = rsa_key_from_seed(2048, as_bytes("jose-fuzz"), "rsa");
  Key rsa_other = rsa_key_from_seed(2048, as_bytes("jose-fuzz"), "rsa-other");
  Key ed = ed25519_key_from_seed(as_bytes("jose-fuzz"), "ed25519");
  Key ed_other = ed25519_key_from_seed(as_bytes("jose-fuzz"), "ed25519-other");
};

void check_jws(std::string_view text, const Keys& k) {
  auto jws = jws_parse(text);
  if (!jws) {
    if (jws.error().code != "jose.jws_malformed") fail("jws_parse error code", jws.error().code);
    return;
  }
  if (!jws->header.is_object() || !jws->header.contains("alg") || !jws->header["alg"].is_string()) {
    fail("parsed JWS header without a string alg");
  }
  auto payload = base64url_decode(jws->payload_b64);
  if (!payload || to_string(*payload) != jws->payload) fail("payload is not the decoded payload part");
  auto again = jws_parse(jws->signing_input() + "." + base64url_encode(jws->signature));
  if (!again || again->header != jws->header || again->payload != jws->payload ||
      again->signature != jws->signature) {
    fail("rebuilt JWS does not parse the same");
  }
  const std::string alg = jws->header["alg"].get<std::string>();
  const struct {
    const Key& key;
    const Key& other;
    const char* alg;
  } tries[] = {{k.ec, k.ec_other, "ES256"}, {k.rsa, k.rsa_other, "RS256"}, {k.ed, k.ed_other, "EdDSA"}};
  for (const auto& t : tries) {
    if (jws_verify(*jws, t.key)) {
      if (alg != t.alg) fail("JWS verified under another alg", alg);
      if (jws_verify(*jws, t.other)) fail("JWS verified with two different keys");
    }
  }
  auto claims = nlohmann::json::parse(jws->payload, nullptr, false);
  if (!claims.is_discarded()) {
    JwtValidation v;
    v.now = 1'800'000'000;
    v.issuer = "issuer";
    v.audience = "kbs";
    v.validate_nbf = true;
    (void)jwt_validate(claims, v);
  }
}

bool same_jwe(const Jwe& a, const Jwe& b) {
  return a.protected_b64 == b.protected_b64 && a.encrypted_key == b.encrypted_key && a.iv == b.iv &&
         a.ciphertext == b.ciphertext && a.tag == b.tag && a.aad == b.aad;
}

void check_jwe(const nlohmann::json& j, const Keys& k) {
  auto jwe = Jwe::from_json(j);
  if (!jwe) {
    if (jwe.error().code != "jose.jwe_malformed") fail("Jwe::from_json error code", jwe.error().code);
    return;
  }
  auto back = Jwe::from_json(nlohmann::json::parse(jwe->to_json_text(), nullptr, false));
  if (!back || !same_jwe(*back, *jwe)) fail("JWE does not survive to_json_text", jwe->to_json_text());
  for (const Key* key : {&k.ec, &k.rsa}) {
    auto plain = jwe_decrypt(*jwe, *key);
    if (!plain) {
      const std::string& c = plain.error().code;
      if (c != "jose.jwe_malformed" && c != "jose.jwe_unsupported" && c != "jose.jwe_decrypt_failed" &&
          c != "jose.jwk_invalid") {
        fail("jwe_decrypt error code", c);
      }
      continue;
    }
    auto plain2 = jwe_decrypt(*back, *key);
    if (!plain2 || *plain2 != *plain) fail("round-tripped JWE decrypts differently");
    if (key == &k.ec && jwe_decrypt(*jwe, k.ec_other)) fail("JWE decrypts with two different keys");
  }
}

void check_jwk(const nlohmann::json& j) {
  auto key = key_from_jwk(j);
  if (!key) {
    const std::string& c = key.error().code;
    if (c != "jose.jwk_invalid" && c != "jose.jwk_unsupported") fail("key_from_jwk error code", c);
    return;
  }
  const nlohmann::json pub = public_jwk(*key);
  auto again = key_from_jwk(pub);
  if (!again || !again->same_public(*key)) fail("public JWK does not name the same key", pub.dump());
  if (jwk_thumbprint(*key).size() != 43) fail("thumbprint is not 43 characters");
  if (j.is_object() && j.contains("d")) {
    const nlohmann::json priv = private_jwk(*key);
    auto p = key_from_jwk(priv);
    if (!p || !p->same_public(*key)) fail("private JWK does not name the same key");
  }
}

void check_jcs(const nlohmann::json& j) {
  auto c = jcs_canonicalize(j);
  if (!c) {
    if (c.error().code != "jose.jcs_invalid") fail("jcs error code", c.error().code);
    return;
  }
  auto reparsed = nlohmann::json::parse(*c, nullptr, false);
  if (reparsed.is_discarded()) fail("canonical text is not JSON", *c);
  auto c2 = jcs_canonicalize(reparsed);
  if (!c2 || *c2 != *c) fail("canonicalization is not idempotent", *c + "\n" + (c2 ? *c2 : "(error)"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Keys keys;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_jws(text, keys);
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return 0;
    check_jwe(j, keys);
    check_jwk(j);
    check_jcs(j);
  } catch (const std::exception& e) {
    fail("exception:", e.what());
  }
  return 0;
}
