// Compact JWS and JWT claim validation: the RFC 7515 / RFC 8037 / RFC 7520 examples, tampering, algorithm
// confusion and the jsonwebtoken-style claim checks.
#include <gtest/gtest.h>

#include <limits>

#include "core/encoding.h"
#include "core/hash.h"
#include "jose/jose.h"

using namespace coco;
using namespace coco::jose;

namespace {

// RFC 8037 appendix A.1 and A.4.
const char* const kEd25519Jwk =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
const char* const kEd25519Token =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 appendix A.2 (RS256) and A.3 (ES256): the payload with its CR LF line breaks.
const char* const kRfc7515Payload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
const char* const kRfc7515RsaJwk =
    R"({"kty":"RSA",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",)"
    R"("e":"AQAB",)"
    R"("d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",)"
    R"("p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",)"
    R"("q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",)"
    R"("dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",)"
    R"("dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",)"
    R"("qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";
const char* const kRfc7515RsaToken =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQ"
    "jbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
    "xi12jzDwusC-eOkHWEsqt"
    "FZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const char* const kRfc7515EcJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
const char* const kRfc7515EcToken =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 7520 section 4.1: RS256 with a "kid" (key of section 3.4, payload of section 4).
const char* const kRfc7520RsaJwk =
    R"({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig",)"
    R"("n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw",)"
    R"("e":"AQAB",)"
    R"("d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ",)"
    R"("p":"3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k",)"
    R"("q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc",)"
    R"("dp":"B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik",)"
    R"("dq":"CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8",)"
    R"("qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4"})";
const char* const kRfc7520Payload =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9h"
    "ZCwgYW5kIGlm"
    "IHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0"
    "by4";
const char* const kRfc7520Token =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9h"
    "ZCwgYW5kIGlm"
    "IHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0"
    "by4."
    "MRjdkly7_-"
    "oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-"
    "BDkoBwA78185hX-"
    "Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_"
    "qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrD"
    "aLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";

Key load(const char* jwk_text) {
  auto k = key_from_jwk(nlohmann::json::parse(jwk_text));
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().message);
  return k.ok() ? *k : Key();
}

Key public_of(const Key& key) {
  auto k = key_from_jwk(public_jwk(key));
  EXPECT_TRUE(k.ok());
  return k.ok() ? *k : Key();
}

CompactJws parsed(std::string_view token) {
  auto r = jws_parse(token);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : CompactJws{};
}

std::string verify_code(std::string_view token, const Key& key) {
  auto jws = jws_parse(token);
  if (!jws) return jws.error().code;
  auto st = jws_verify(*jws, key);
  return st.ok() ? "ok" : st.error().code;
}

// Replaces the character at `pos` by another base64url character, keeping the token well-formed.
std::string flip_char(std::string token, std::size_t pos) {
  token[pos] = token[pos] == 'A' ? 'B' : 'A';
  return token;
}

std::string sign(const nlohmann::json& header, std::string_view payload, const Key& key) {
  auto r = jws_sign(header, payload, key);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? *r : "";
}

}  // namespace

// RFC 8037 A.4: Ed25519 is deterministic, so signing reproduces the published token byte for byte.
TEST(Jws, Rfc8037Ed25519SignAndVerify) {
  Key key = load(kEd25519Jwk);
  ASSERT_TRUE(is_ed25519(key));
  EXPECT_EQ(sign({{"alg", "EdDSA"}}, "Example of Ed25519 signing", key), kEd25519Token);
  CompactJws jws = parsed(kEd25519Token);
  EXPECT_EQ(jws.payload, "Example of Ed25519 signing");
  EXPECT_EQ(jws.header, nlohmann::json({{"alg", "EdDSA"}}));
  EXPECT_EQ(jws.signature.size(), 64u);
  EXPECT_TRUE(jws_verify(jws, public_of(key)).ok());
}

TEST(Jws, Rfc7515A3Es256Verify) {
  Key key = public_of(load(kRfc7515EcJwk));
  CompactJws jws = parsed(kRfc7515EcToken);
  EXPECT_EQ(jws.payload, kRfc7515Payload);
  EXPECT_EQ(jws.signature.size(), 64u);
  EXPECT_TRUE(jws_verify(jws, key).ok());
}

TEST(Jws, Rfc7515A2Rs256VerifyAndReproduce) {
  Key key = load(kRfc7515RsaJwk);
  EXPECT_TRUE(jws_verify(parsed(kRfc7515RsaToken), public_of(key)).ok());
  // PKCS#1 v1.5 signatures are deterministic.
  EXPECT_EQ(sign({{"alg", "RS256"}}, kRfc7515Payload, key), kRfc7515RsaToken);
}

// RFC 7520 4.1: the header carries a "kid"; nlohmann's sorted members give the RFC's "alg","kid" order.
TEST(Jws, Rfc7520RsaWithKidReproduce) {
  Key key = load(kRfc7520RsaJwk);
  auto payload = base64url_decode(kRfc7520Payload);
  ASSERT_TRUE(payload);
  EXPECT_EQ(sign({{"alg", "RS256"}, {"kid", "bilbo.baggins@hobbiton.example"}}, to_string(*payload), key),
            kRfc7520Token);
  EXPECT_TRUE(jws_verify(parsed(kRfc7520Token), public_of(key)).ok());
}

TEST(Jws, EcdsaRoundTripUsesRawSignatures) {
  const std::tuple<Curve, const char*, std::size_t, HashAlg> cases[] = {
      {Curve::p256, "ES256", 32, HashAlg::sha256},
      {Curve::p384, "ES384", 48, HashAlg::sha384},
  };
  for (const auto& [curve, alg, width, hash] : cases) {
    Key key = generate_ec_key(curve);
    const std::string token = sign({{"alg", alg}, {"typ", "JWT"}}, R"({"sub":"tee"})", key);
    CompactJws jws = parsed(token);
    ASSERT_EQ(jws.signature.size(), 2 * width) << alg;
    EXPECT_TRUE(jws_verify(jws, public_of(key)).ok()) << alg;
    // Cross-check the r || s layout with core's independent ECDSA verifier.
    EcdsaSignature rs{Bytes(jws.signature.begin(), jws.signature.begin() + static_cast<long>(width)),
                      Bytes(jws.signature.begin() + static_cast<long>(width), jws.signature.end())};
    EXPECT_TRUE(ecdsa_verify_digest(key, digest(hash, as_bytes(jws.signing_input())), rs)) << alg;
  }
  // Core's deterministic seeded keys sign too.
  Key seeded = ec_key_from_seed(Curve::p384, as_bytes("seed"), "as");
  EXPECT_EQ(verify_code(sign({{"alg", "ES384"}}, "x", seeded), seeded), "ok");
}

TEST(Jws, TamperingIsDetected) {
  Key ed = load(kEd25519Jwk);
  Key ec = generate_ec_key(Curve::p256);
  Key rsa = load(kRfc7515RsaJwk);
  const std::pair<std::string, Key> tokens[] = {
      {kEd25519Token, ed},
      {sign({{"alg", "ES256"}}, "payload bytes", ec), ec},
      {kRfc7515RsaToken, rsa},
  };
  for (const auto& [token, key] : tokens) {
    ASSERT_EQ(verify_code(token, key), "ok");
    const std::size_t d1 = token.find('.'), d2 = token.rfind('.');
    EXPECT_EQ(verify_code(flip_char(token, d1 + 1), key), "jose.jws_signature_invalid") << token;  // payload
    EXPECT_EQ(verify_code(flip_char(token, d2 + 5), key), "jose.jws_signature_invalid")
        << token;  // signature
    // A different, still valid, header.
    CompactJws jws = parsed(token);
    jws.header_b64 = base64url_encode(as_bytes(jws.header.dump() + " "));
    EXPECT_EQ(jws_verify(jws, key).error().code, "jose.jws_signature_invalid");
    // Truncated and empty signatures.
    jws = parsed(token);
    jws.signature.pop_back();
    EXPECT_EQ(jws_verify(jws, key).error().code, "jose.jws_signature_invalid");
    jws.signature.clear();
    EXPECT_EQ(jws_verify(jws, key).error().code, "jose.jws_signature_invalid");
  }
}

TEST(Jws, RejectsUnsupportedAlgorithms) {
  Key ec = generate_ec_key(Curve::p256);
  // RFC 7515 A.5's unsecured JWS: "none" must never verify.
  const std::string none_token =
      "eyJhbGciOiJub25lIn0."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
  EXPECT_EQ(verify_code(none_token, ec), "jose.jws_alg_unsupported");
  const std::string hs = base64url_encode(as_bytes(R"({"alg":"HS256"})")) + ".e30.AAAA";
  EXPECT_EQ(verify_code(hs, ec), "jose.jws_alg_unsupported");
  for (const char* alg : {"none", "HS256", "PS256", "ES512", "es256", ""}) {
    auto r = jws_sign({{"alg", alg}}, "x", ec);
    ASSERT_FALSE(r.ok()) << alg;
    EXPECT_EQ(r.error().code, "jose.jws_alg_unsupported") << alg;
  }
  auto no_alg = jws_sign({{"typ", "JWT"}}, "x", ec);
  ASSERT_FALSE(no_alg.ok());
  EXPECT_EQ(no_alg.error().code, "jose.jws_alg_unsupported");
  CompactJws manual;
  manual.header = {{"alg", 7}};
  EXPECT_EQ(jws_verify(manual, ec).error().code, "jose.jws_alg_unsupported");
}

TEST(Jws, RejectsKeysThatDoNotSuitTheAlgorithm) {
  Key p256 = generate_ec_key(Curve::p256);
  Key p384 = generate_ec_key(Curve::p384);
  Key rsa = load(kRfc7515RsaJwk);
  Key ed = load(kEd25519Jwk);
  const std::string es256 = sign({{"alg", "ES256"}}, "x", p256);
  EXPECT_EQ(verify_code(es256, p384), "jose.jws_key_mismatch");
  EXPECT_EQ(verify_code(es256, rsa), "jose.jws_key_mismatch");
  EXPECT_EQ(verify_code(es256, ed), "jose.jws_key_mismatch");
  EXPECT_EQ(verify_code(kRfc7515RsaToken, p256), "jose.jws_key_mismatch");
  EXPECT_EQ(verify_code(kEd25519Token, rsa), "jose.jws_key_mismatch");
  EXPECT_EQ(verify_code(kEd25519Token, Key()), "jose.jws_key_mismatch");
  for (const auto& [alg, key] : std::initializer_list<std::pair<const char*, Key>>{
           {"ES384", p256}, {"ES256", p384}, {"RS256", ed}, {"EdDSA", p256}, {"ES256", rsa}}) {
    auto r = jws_sign({{"alg", alg}}, "x", key);
    ASSERT_FALSE(r.ok()) << alg;
    EXPECT_EQ(r.error().code, "jose.jws_key_mismatch") << alg;
  }
  // A public key cannot sign.
  auto pub_sign = jws_sign({{"alg", "ES256"}}, "x", public_of(p256));
  ASSERT_FALSE(pub_sign.ok());
  EXPECT_EQ(pub_sign.error().code, "jose.jws_key_mismatch");
  // The right alg but another key of the same type.
  EXPECT_EQ(verify_code(es256, generate_ec_key(Curve::p256)), "jose.jws_signature_invalid");
}

TEST(Jws, ParseRejectsMalformedTokens) {
  const std::string h = base64url_encode(as_bytes(R"({"alg":"ES256"})"));
  const std::string bad[] = {
      "",
      "abc",
      h + ".e30",
      h + ".e30.AAAA.AAAA",
      h + ".e30.AA=A",                                                 // padding
      h + "=.e30.AAAA",                                                // padding in the header
      h + ".e3+0.AAAA",                                                // not base64url
      h + ".e30.A",                                                    // impossible length
      base64url_encode(as_bytes("not json")) + ".e30.AAAA",            // header not JSON
      base64url_encode(as_bytes("[1,2]")) + ".e30.AAAA",               // header not an object
      base64url_encode(as_bytes(R"({"alg":5})")) + ".e30.AAAA",        // alg not a string
      base64url_encode(as_bytes(R"({"typ":"JWT"})")) + ".e30.AAAA",    // no alg
      base64url_encode(as_bytes("{\"alg\":\"\xff\"}")) + ".e30.AAAA",  // invalid UTF-8
  };
  for (const auto& token : bad) {
    auto r = jws_parse(token);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.error().code, "jose.jws_malformed") << token;
  }
  // An empty payload is fine.
  auto ok = jws_parse(h + "..AAAA");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->payload, "");
  EXPECT_EQ(ok->signing_input(), h + ".");
}

TEST(Jws, SignRejectsHeaderWithInvalidUtf8) {
  auto r = jws_sign({{"alg", "ES256"}, {"kid", "\xff"}}, "x", generate_ec_key(Curve::p256));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "jose.jws_malformed");
}

// ---- JWT claims --------------------------------------------------------------------------------

namespace {

std::string jwt_code(const nlohmann::json& claims, const JwtValidation& v) {
  auto st = jwt_validate(claims, v);
  return st.ok() ? "ok" : st.error().code;
}

JwtValidation at(std::int64_t now) {
  JwtValidation v;
  v.now = now;
  return v;
}

}  // namespace

TEST(Jwt, ExpIsRequiredByDefault) {
  EXPECT_EQ(jwt_code(nlohmann::json::object(), at(1000)), "jose.jwt_exp_missing");
  EXPECT_EQ(jwt_code({{"exp", "2000"}}, at(1000)), "jose.jwt_exp_missing");
  EXPECT_EQ(jwt_code({{"exp", nullptr}}, at(1000)), "jose.jwt_exp_missing");
  // jsonwebtoken reads exp as u64: negative and fractional values do not count as present.
  EXPECT_EQ(jwt_code({{"exp", -5}}, at(1000)), "jose.jwt_exp_missing");
  EXPECT_EQ(jwt_code({{"exp", 2000.5}}, at(1000)), "jose.jwt_exp_missing");
  JwtValidation optional = at(1000);
  optional.require_exp = false;
  EXPECT_EQ(jwt_code(nlohmann::json::object(), optional), "ok");
  // Still checked when present.
  EXPECT_EQ(jwt_code({{"exp", 100}}, optional), "jose.jwt_expired");
}

TEST(Jwt, ExpiryHonoursTheLeewayBoundary) {
  const nlohmann::json claims = {{"exp", 1000}};
  EXPECT_EQ(jwt_code(claims, at(999)), "ok");
  EXPECT_EQ(jwt_code(claims, at(1000)), "ok");
  EXPECT_EQ(jwt_code(claims, at(1060)), "ok");  // now == exp + 60
  EXPECT_EQ(jwt_code(claims, at(1061)), "jose.jwt_expired");
  JwtValidation strict = at(1001);
  strict.leeway_seconds = 0;
  EXPECT_EQ(jwt_code(claims, strict), "jose.jwt_expired");
  strict.now = 1000;
  EXPECT_EQ(jwt_code(claims, strict), "ok");
  // Extreme values neither overflow nor wrap.
  EXPECT_EQ(jwt_code({{"exp", std::numeric_limits<std::uint64_t>::max()}},
                     at(std::numeric_limits<std::int64_t>::max())),
            "ok");
  EXPECT_EQ(jwt_code({{"exp", 0}}, at(std::numeric_limits<std::int64_t>::max())), "jose.jwt_expired");
  EXPECT_EQ(jwt_code({{"exp", 0}}, at(std::numeric_limits<std::int64_t>::min())), "ok");
}

TEST(Jwt, NotBeforeOnlyWhenAsked) {
  const nlohmann::json claims = {{"exp", 10000}, {"nbf", 1000}};
  EXPECT_EQ(jwt_code(claims, at(0)), "ok");  // nbf not validated by default
  JwtValidation v = at(940);                 // now == nbf - 60
  v.validate_nbf = true;
  EXPECT_EQ(jwt_code(claims, v), "ok");
  v.now = 939;
  EXPECT_EQ(jwt_code(claims, v), "jose.jwt_not_yet_valid");
  v.now = 5000;
  EXPECT_EQ(jwt_code(claims, v), "ok");
  EXPECT_EQ(jwt_code({{"exp", 10000}}, v), "ok");  // absent nbf passes
}

TEST(Jwt, IssuerAndAudience) {
  JwtValidation v = at(0);
  v.issuer = "CoCo-Attestation-Service";
  v.audience = "kbs";
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "CoCo-Attestation-Service"}, {"aud", "kbs"}}, v), "ok");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "CoCo-Attestation-Service"}, {"aud", {"x", "kbs"}}}, v), "ok");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "other"}, {"aud", "kbs"}}, v), "jose.jwt_issuer_mismatch");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"aud", "kbs"}}, v), "jose.jwt_issuer_mismatch");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", 5}, {"aud", "kbs"}}, v), "jose.jwt_issuer_mismatch");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "CoCo-Attestation-Service"}, {"aud", "as"}}, v),
            "jose.jwt_audience_mismatch");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "CoCo-Attestation-Service"}, {"aud", {"as", 1}}}, v),
            "jose.jwt_audience_mismatch");
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", "CoCo-Attestation-Service"}}, v), "jose.jwt_audience_mismatch");
  // Unconfigured checks ignore the claims entirely.
  EXPECT_EQ(jwt_code({{"exp", 10}, {"iss", 5}, {"aud", {1, 2}}}, at(0)), "ok");
}

TEST(Jwt, ClaimsMustBeAnObject) {
  EXPECT_EQ(jwt_code(nlohmann::json::array(), at(0)), "jose.jws_malformed");
  EXPECT_EQ(jwt_code("claims", at(0)), "jose.jws_malformed");
}

TEST(Jwt, SignedTokenEndToEnd) {
  Key key = ed25519_key_from_seed(as_bytes("seed"), "as-token");
  const nlohmann::json claims = {{"iss", "as"}, {"exp", 2000}, {"tcb-status", {{"x", 1}}}};
  const std::string token = sign({{"alg", "EdDSA"}, {"typ", "JWT"}}, claims.dump(), key);
  CompactJws jws = parsed(token);
  ASSERT_TRUE(jws_verify(jws, public_of(key)).ok());
  JwtValidation v = at(1500);
  v.issuer = "as";
  EXPECT_EQ(jwt_code(nlohmann::json::parse(jws.payload), v), "ok");
}
