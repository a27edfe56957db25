// JWK import/export, RFC 7638 thumbprints and key generation, against published RFC keys.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "jose/jose.h"

using namespace coco;
using namespace coco::jose;

namespace {

// RFC 7638 section 3.1.
const char* const kRfc7638Jwk =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",)"
    R"("e":"AQAB","alg":"RS256","kid":"2011-04-29"})";

// RFC 8037 appendix A.1 / A.2.
const char* const kEd25519D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const char* const kEd25519X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

// RFC 7515 appendix A.2 (RSA, with CRT members).
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

// RFC 7515 appendix A.3 (P-256).
const char* const kRfc7515EcJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";

// RFC 7520 section 3.2 (P-521: 66-byte members whose first byte is zero or one).
const char* const kRfc7520P521Jwk =
    R"({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521",)"
    R"("x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",)"
    R"("y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",)"
    R"("d":"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"})";

nlohmann::json parse(const char* text) {
  return nlohmann::json::parse(text);
}

Key load(const nlohmann::json& jwk) {
  auto k = key_from_jwk(jwk);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().code + ": " + k.error().message);
  return k.ok() ? *k : Key();
}

void expect_error(const nlohmann::json& jwk, const std::string& code) {
  auto k = key_from_jwk(jwk);
  ASSERT_FALSE(k.ok()) << jwk.dump();
  EXPECT_EQ(k.error().code, code) << jwk.dump() << ": " << k.error().message;
}

std::string b64u(const Bytes& b) {
  return base64url_encode(b);
}

Bytes unb64u(const std::string& s) {
  auto b = base64url_decode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b.value_or(Bytes{});
}

}  // namespace

TEST(Jwk, Rfc7638ThumbprintAndPublicMembers) {
  Key key = load(parse(kRfc7638Jwk));
  ASSERT_TRUE(key.is_rsa());
  EXPECT_EQ(jwk_thumbprint(key), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  nlohmann::json pub = public_jwk(key);
  nlohmann::json want = parse(kRfc7638Jwk);
  want.erase("alg");
  want.erase("kid");
  EXPECT_EQ(pub, want);
  // The RFC 7638 member order and no whitespace.
  EXPECT_EQ(pub.dump().substr(0, 24), R"({"e":"AQAB","kty":"RSA",)");
}

TEST(Jwk, Rfc8037Ed25519ThumbprintAndPrivateKey) {
  Key pub = load({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", kEd25519X}});
  EXPECT_TRUE(is_ed25519(pub));
  EXPECT_EQ(jwk_thumbprint(pub), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(public_jwk(pub), nlohmann::json({{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", kEd25519X}}));
  EXPECT_FALSE(private_jwk(pub).contains("d"));

  Key priv = load({{"kty", "OKP"}, {"crv", "Ed25519"}, {"d", kEd25519D}, {"x", kEd25519X}});
  EXPECT_TRUE(priv.same_public(pub));
  EXPECT_EQ(private_jwk(priv),
            nlohmann::json({{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", kEd25519X}, {"d", kEd25519D}}));
}

TEST(Jwk, Ed25519RejectsMismatchedOrMissizedMembers) {
  // x from another key: d and x disagree.
  Key other = ed25519_key_from_seed(as_bytes("seed"), "other");
  const std::string other_x = public_jwk(other)["x"];
  expect_error({{"kty", "OKP"}, {"crv", "Ed25519"}, {"d", kEd25519D}, {"x", other_x}}, "jose.jwk_invalid");
  expect_error({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", b64u(Bytes(31, 1))}}, "jose.jwk_invalid");
  expect_error({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", kEd25519X}, {"d", b64u(Bytes(33, 1))}},
               "jose.jwk_invalid");
  expect_error({{"kty", "OKP"}, {"x", kEd25519X}}, "jose.jwk_invalid");
  expect_error({{"kty", "OKP"}, {"crv", "X25519"}, {"x", kEd25519X}}, "jose.jwk_unsupported");
  expect_error({{"kty", "OKP"}, {"crv", "Ed448"}, {"x", kEd25519X}}, "jose.jwk_unsupported");
}

TEST(Jwk, EcRoundTripOnEveryCurve) {
  const std::pair<Curve, std::size_t> curves[] = {{Curve::p256, 32}, {Curve::p384, 48}, {Curve::p521, 66}};
  for (const auto& [curve, width] : curves) {
    Key key = generate_ec_key(curve);
    nlohmann::json pub = public_jwk(key);
    ASSERT_EQ(pub.size(), 4u);
    EXPECT_EQ(pub["kty"], "EC");
    EXPECT_EQ(unb64u(pub["x"]).size(), width);
    EXPECT_EQ(unb64u(pub["y"]).size(), width);
    Key back = load(pub);
    EXPECT_TRUE(back.same_public(key));
    EXPECT_EQ(jwk_thumbprint(back), jwk_thumbprint(key));
    EXPECT_FALSE(private_jwk(back).contains("d"));

    nlohmann::json priv = private_jwk(key);
    ASSERT_TRUE(priv.contains("d"));
    EXPECT_EQ(unb64u(priv["d"]).size(), width);
    Key back_priv = load(priv);
    EXPECT_EQ(private_jwk(back_priv), priv);
  }
}

TEST(Jwk, PublishedEcKeysLoad) {
  Key p256 = load(parse(kRfc7515EcJwk));
  EXPECT_EQ(p256.curve_name(), "prime256v1");
  Key p521 = load(parse(kRfc7520P521Jwk));
  EXPECT_EQ(p521.curve_name(), "secp521r1");
  nlohmann::json want = parse(kRfc7520P521Jwk);
  want.erase("kid");
  want.erase("use");
  EXPECT_EQ(private_jwk(p521), want);
  EXPECT_EQ(public_jwk(p521)["crv"], "P-521");
}

TEST(Jwk, EcRejectsWrongWidths) {
  nlohmann::json jwk = parse(kRfc7520P521Jwk);
  // The same x without its leading zero byte is 65 bytes: RFC 7518 requires the full width.
  Bytes x = unb64u(jwk["x"]);
  ASSERT_EQ(x[0], 0);
  nlohmann::json short_x = jwk;
  short_x["x"] = b64u(Bytes(x.begin() + 1, x.end()));
  expect_error(short_x, "jose.jwk_invalid");
  nlohmann::json long_d = jwk;
  Bytes d = unb64u(jwk["d"]);
  d.insert(d.begin(), 0);
  long_d["d"] = b64u(d);
  expect_error(long_d, "jose.jwk_invalid");

  nlohmann::json p256 = parse(kRfc7515EcJwk);
  p256["crv"] = "P-384";
  expect_error(p256, "jose.jwk_invalid");
}

TEST(Jwk, EcRejectsPointsOffTheCurve) {
  nlohmann::json jwk = parse(kRfc7515EcJwk);
  jwk.erase("d");
  Bytes y = unb64u(jwk["y"]);
  y.back() ^= 1;
  jwk["y"] = b64u(y);
  expect_error(jwk, "jose.jwk_invalid");
  // The all-zero "point" is not on P-256 either.
  expect_error({{"kty", "EC"}, {"crv", "P-256"}, {"x", b64u(Bytes(32, 0))}, {"y", b64u(Bytes(32, 0))}},
               "jose.jwk_invalid");
}

TEST(Jwk, EcRejectsPrivateScalarForAnotherPoint) {
  nlohmann::json jwk = parse(kRfc7515EcJwk);
  jwk["d"] = private_jwk(generate_ec_key(Curve::p256))["d"];
  expect_error(jwk, "jose.jwk_invalid");
  // Zero is not a valid scalar.
  jwk["d"] = b64u(Bytes(32, 0));
  expect_error(jwk, "jose.jwk_invalid");
}

TEST(Jwk, RsaPrivateKeyRoundTrips) {
  nlohmann::json jwk = parse(kRfc7515RsaJwk);
  Key key = load(jwk);
  ASSERT_TRUE(key.is_rsa());
  EXPECT_EQ(key.bits(), 2048);
  EXPECT_EQ(private_jwk(key), jwk);
  nlohmann::json pub = public_jwk(key);
  EXPECT_EQ(pub, nlohmann::json({{"e", "AQAB"}, {"kty", "RSA"}, {"n", jwk["n"]}}));
  Key pub_key = load(pub);
  EXPECT_TRUE(pub_key.same_public(key));
  EXPECT_FALSE(private_jwk(pub_key).contains("d"));
}

TEST(Jwk, RsaRejectsInconsistentOrPartialKeys) {
  nlohmann::json jwk = parse(kRfc7515RsaJwk);
  nlohmann::json partial = jwk;
  partial.erase("qi");
  expect_error(partial, "jose.jwk_invalid");
  nlohmann::json crt_without_d = jwk;
  crt_without_d.erase("d");
  expect_error(crt_without_d, "jose.jwk_invalid");
  nlohmann::json swapped = jwk;
  swapped["p"] = parse(kRfc7638Jwk)["n"];
  expect_error(swapped, "jose.jwk_invalid");
  nlohmann::json tiny = {{"kty", "RSA"}, {"n", b64u(Bytes(64, 0xff))}, {"e", "AQAB"}};
  expect_error(tiny, "jose.jwk_invalid");
  nlohmann::json even_e = {{"kty", "RSA"}, {"n", jwk["n"]}, {"e", "AQA"}};
  expect_error(even_e, "jose.jwk_invalid");
  nlohmann::json multi_prime = jwk;
  multi_prime["oth"] = nlohmann::json::array();
  expect_error(multi_prime, "jose.jwk_unsupported");
  // d alone (no CRT members) is a valid, if slower, private key.
  nlohmann::json d_only = {{"kty", "RSA"}, {"n", jwk["n"]}, {"e", "AQAB"}, {"d", jwk["d"]}};
  Key key = load(d_only);
  EXPECT_TRUE(key.is_rsa());
}

TEST(Jwk, RejectsMalformedJwks) {
  expect_error(nlohmann::json::array(), "jose.jwk_invalid");
  expect_error("EC", "jose.jwk_invalid");
  expect_error(nlohmann::json::object(), "jose.jwk_invalid");
  expect_error({{"kty", 3}}, "jose.jwk_invalid");
  expect_error({{"kty", "oct"}, {"k", "AAAA"}}, "jose.jwk_unsupported");
  expect_error({{"kty", "EC"}, {"crv", "P-192"}, {"x", "AA"}, {"y", "AA"}}, "jose.jwk_unsupported");
  expect_error({{"kty", "EC"}, {"x", "AA"}, {"y", "AA"}}, "jose.jwk_invalid");
  nlohmann::json ec = parse(kRfc7515EcJwk);
  nlohmann::json missing_y = ec;
  missing_y.erase("y");
  expect_error(missing_y, "jose.jwk_invalid");
  nlohmann::json numeric_x = ec;
  numeric_x["x"] = 12;
  expect_error(numeric_x, "jose.jwk_invalid");
  nlohmann::json padded = ec;
  padded["x"] = ec["x"].get<std::string>() + "=";
  expect_error(padded, "jose.jwk_invalid");
  nlohmann::json bad_alphabet = ec;
  bad_alphabet["y"] = "x+FEzRu9m36HLN/tue659LNpXW6pCyStikYjKIWI5a0";
  expect_error(bad_alphabet, "jose.jwk_invalid");
  nlohmann::json rsa = parse(kRfc7638Jwk);
  rsa.erase("n");
  expect_error(rsa, "jose.jwk_invalid");
}

TEST(Jwk, Ed25519FromSeedIsDeterministic) {
  Key a = ed25519_key_from_seed(as_bytes("seed"), "tee");
  Key b = ed25519_key_from_seed(as_bytes("seed"), "tee");
  Key c = ed25519_key_from_seed(as_bytes("seed"), "kbs");
  Key d = ed25519_key_from_seed(as_bytes("other seed"), "tee");
  EXPECT_TRUE(is_ed25519(a));
  EXPECT_TRUE(a.same_public(b));
  EXPECT_EQ(private_jwk(a), private_jwk(b));
  EXPECT_FALSE(a.same_public(c));
  EXPECT_FALSE(a.same_public(d));
  EXPECT_FALSE(is_ed25519(generate_ec_key(Curve::p256)));
  EXPECT_FALSE(is_ed25519(Key()));
  // A private JWK reloads to the same key.
  Key back = load(private_jwk(a));
  EXPECT_TRUE(back.same_public(a));
}

TEST(Jwk, GeneratedRsaKey) {
  Key key = generate_rsa_key(2048);
  ASSERT_TRUE(key.is_rsa());
  EXPECT_EQ(key.bits(), 2048);
  nlohmann::json priv = private_jwk(key);
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_TRUE(priv.contains(m)) << m;
  EXPECT_EQ(priv["e"], "AQAB");
  Key back = load(priv);
  EXPECT_EQ(private_jwk(back), priv);
}

TEST(Jwk, EmptyKeyExportsNothing) {
  EXPECT_EQ(public_jwk(Key()), nlohmann::json::object());
  EXPECT_EQ(private_jwk(Key()), nlohmann::json::object());
}
