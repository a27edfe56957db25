// TEE keys: names, the public JWK the KBS receives, and every key type opening a JWE that the JOSE layer
// (the same code the simulated KBS uses) encrypted to that JWK.
#include "guest/tee_key.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "jose/jose.h"

namespace coco::guest {
namespace {

constexpr TeeKeyType kAllTypes[] = {TeeKeyType::ec_p256, TeeKeyType::ec_p521, TeeKeyType::rsa_oaep_256,
                                    TeeKeyType::rsa1_5};

TEST(TeeKeyType, NamesRoundTrip) {
  for (TeeKeyType t : kAllTypes) {
    auto parsed = parse_tee_key_type(tee_key_type_name(t));
    ASSERT_TRUE(parsed) << tee_key_type_name(t);
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(*parse_tee_key_type("EC-P256"), TeeKeyType::ec_p256);
  EXPECT_EQ(*parse_tee_key_type("rsa1_5"), TeeKeyType::rsa1_5);
  auto bad = parse_tee_key_type("ec-p384");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "guest.bad_key_type");
  EXPECT_FALSE(parse_tee_key_type(""));
}

TEST(TeeKey, DefaultIsP256WithEcdhEsA256Kw) {
  TeeKey key = TeeKey::generate();
  EXPECT_EQ(key.type(), TeeKeyType::ec_p256);
  const auto jwk = key.public_jwk();
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(jwk.at("alg"), "ECDH-ES+A256KW");
  EXPECT_EQ(jwk.at("x").get<std::string>().size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(jwk.at("y").get<std::string>().size(), 43u);
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(jwk.size(), 5u);
}

TEST(TeeKey, PublicJwkShapes) {
  const auto p521 = TeeKey::generate(TeeKeyType::ec_p521).public_jwk();
  EXPECT_EQ(p521.at("crv"), "P-521");
  EXPECT_EQ(p521.at("alg"), "ECDH-ES+A256KW");
  EXPECT_EQ(p521.at("x").get<std::string>().size(), 88u);  // 66 bytes

  const TeeKey rsa = TeeKey::generate(TeeKeyType::rsa_oaep_256);
  EXPECT_EQ(rsa.key().bits(), 2048);
  const auto jwk = rsa.public_jwk();
  EXPECT_EQ(jwk.at("kty"), "RSA");
  EXPECT_EQ(jwk.at("alg"), "RSA-OAEP-256");
  EXPECT_EQ(jwk.at("e"), "AQAB");
  EXPECT_EQ(base64url_decode(jwk.at("n").get<std::string>())->size(), 256u);
  EXPECT_FALSE(jwk.contains("d"));

  EXPECT_EQ(TeeKey::generate(TeeKeyType::rsa1_5).public_jwk().at("alg"), "RSA1_5");
}

class TeeKeyRoundTrip : public ::testing::TestWithParam<TeeKeyType> {};

TEST_P(TeeKeyRoundTrip, DecryptsWhatTheJoseLayerEncryptsToItsJwk) {
  const TeeKey key = TeeKey::generate(GetParam());
  EXPECT_EQ(key.type(), GetParam());
  const std::string secret = "a resource: \x01\x02 and more bytes";
  auto jwe = jose::jwe_encrypt(as_bytes(secret), key.public_jwk());
  ASSERT_TRUE(jwe) << jwe.error().code << ": " << jwe.error().message;
  // Through the wire form, as the client receives it.
  const auto wire = nlohmann::json::parse(jwe->to_json_text());
  const auto header =
      nlohmann::json::parse(to_string(*base64url_decode(wire.at("protected").get<std::string>())));
  EXPECT_EQ(header.at("alg"), std::string(key.alg()));
  EXPECT_EQ(header.at("enc"), "A256GCM");
  auto plain = key.decrypt(wire);
  ASSERT_TRUE(plain) << plain.error().code << ": " << plain.error().message;
  EXPECT_EQ(to_string(*plain), secret);

  // Another key of the same type cannot open it.
  const TeeKey other = TeeKey::generate(GetParam());
  auto wrong = other.decrypt(wire);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "guest.decrypt");

  // A flipped ciphertext byte fails the tag.
  auto tampered = wire;
  auto ct = *base64url_decode(tampered.at("ciphertext").get<std::string>());
  ct[0] ^= 1;
  tampered["ciphertext"] = base64url_encode(ct);
  auto bad = key.decrypt(tampered);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "guest.decrypt");
}

std::string type_test_name(const ::testing::TestParamInfo<TeeKeyType>& p) {
  std::string n(tee_key_type_name(p.param));
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, TeeKeyRoundTrip, ::testing::ValuesIn(kAllTypes), type_test_name);

TEST(TeeKey, DecryptRejectsNonJweWithoutThrowing) {
  const TeeKey key = TeeKey::generate();
  for (const auto& j :
       {nlohmann::json(), nlohmann::json(42), nlohmann::json::array(), nlohmann::json::object(),
        nlohmann::json{{"protected", 1}, {"ciphertext", "x"}},
        nlohmann::json{
            {"protected", "!!"}, {"encrypted_key", ""}, {"iv", ""}, {"ciphertext", ""}, {"tag", ""}}}) {
    auto r = key.decrypt(j);
    ASSERT_FALSE(r) << j.dump();
    EXPECT_EQ(r.error().code, "guest.decrypt") << j.dump();
  }
}

TEST(TeeKey, RsaKeyRefusesEcJwe) {
  const TeeKey ec = TeeKey::generate(TeeKeyType::ec_p256);
  const TeeKey rsa = TeeKey::generate(TeeKeyType::rsa_oaep_256);
  auto jwe = jose::jwe_encrypt(as_bytes(std::string("x")), ec.public_jwk());
  ASSERT_TRUE(jwe);
  auto r = rsa.decrypt(*jwe);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.decrypt");
}

TEST(TeeKey, FromKeyChecksTheType) {
  auto p256 = TeeKey::from_key(jose::generate_ec_key(Curve::p256), TeeKeyType::ec_p256);
  ASSERT_TRUE(p256);
  EXPECT_EQ(p256->type(), TeeKeyType::ec_p256);
  auto mismatch = TeeKey::from_key(jose::generate_ec_key(Curve::p384), TeeKeyType::ec_p256);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, "guest.bad_key_type");
  EXPECT_FALSE(TeeKey::from_key(jose::generate_ec_key(Curve::p256), TeeKeyType::rsa1_5));
  EXPECT_FALSE(TeeKey::from_key(Key{}, TeeKeyType::ec_p256));
}

}  // namespace
}  // namespace coco::guest
