// Property and mutation tests: canonical JSON is a fixed point and round-trips every double; mutated
// tokens, JWEs and JWKs come back as the documented error codes and never crash. Seeded, so reproducible.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <random>
#include <set>

#include "core/encoding.h"
#include "jose/jose.h"

using namespace coco;
using namespace coco::jose;

namespace {

std::string mutate(std::string s, std::mt19937_64& rng) {
  if (s.empty()) return s;
  switch (rng() % 4) {
    case 0:  // overwrite a byte with any value
      s[rng() % s.size()] = static_cast<char>(rng() % 256);
      break;
    case 1:  // overwrite with a printable character, more likely to stay parseable
      s[rng() % s.size()] = static_cast<char>(' ' + rng() % 95);
      break;
    case 2:  // truncate
      s.resize(rng() % s.size());
      break;
    default:  // delete one byte
      s.erase(rng() % s.size(), 1);
  }
  return s;
}

double random_double(std::mt19937_64& rng) {
  for (;;) {
    double d = std::bit_cast<double>(static_cast<std::uint64_t>(rng()));
    if (std::isfinite(d)) return d;
  }
}

nlohmann::json random_value(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 3 ? 5 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return random_double(rng);
    case 3:
      return static_cast<std::int64_t>(rng());
    case 4: {
      std::u32string text;
      const std::size_t len = rng() % 6;
      for (std::size_t i = 0; i < len; ++i) {
        char32_t cp = static_cast<char32_t>(rng() % 0x110000);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x41;
        text.push_back(rng() % 3 == 0 ? static_cast<char32_t>(rng() % 0x80) : cp);
      }
      std::string utf8;
      for (char32_t cp : text) {
        if (cp < 0x80) {
          utf8 += static_cast<char>(cp);
        } else if (cp < 0x800) {
          utf8 += static_cast<char>(0xC0 | (cp >> 6));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          utf8 += static_cast<char>(0xE0 | (cp >> 12));
          utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          utf8 += static_cast<char>(0xF0 | (cp >> 18));
          utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        }
      }
      return utf8;
    }
    case 5: {
      nlohmann::json a = nlohmann::json::array();
      for (std::size_t i = rng() % 4; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      nlohmann::json o = nlohmann::json::object();
      for (std::size_t i = rng() % 4; i > 0; --i) {
        nlohmann::json key = random_value(rng, 10);
        o[key.is_string() ? key.get<std::string>() : key.dump()] = random_value(rng, depth + 1);
      }
      return o;
    }
  }
}

}  // namespace

TEST(Robustness, CanonicalJsonIsAFixedPointAndRoundTripsDoubles) {
  std::mt19937_64 rng(8785);
  for (int i = 0; i < 2000; ++i) {
    const nlohmann::json value = random_value(rng, 0);
    auto once = jcs_canonicalize(value);
    ASSERT_TRUE(once.ok()) << value.dump();
    auto reparsed = nlohmann::json::parse(*once, nullptr, false);
    ASSERT_FALSE(reparsed.is_discarded()) << *once;
    auto twice = jcs_canonicalize(reparsed);
    ASSERT_TRUE(twice.ok());
    EXPECT_EQ(*once, *twice);
  }
  for (int i = 0; i < 20000; ++i) {
    const double d = random_double(rng);
    auto text = jcs_canonicalize(nlohmann::json(d));
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(std::strtod(text->c_str(), nullptr), d == 0 ? 0.0 : d) << *text;
  }
}

TEST(Robustness, MutatedTokensFailCleanly) {
  std::mt19937_64 rng(7515);
  const Key keys[] = {generate_ec_key(Curve::p256), generate_ec_key(Curve::p384),
                      ed25519_key_from_seed(as_bytes("seed"), "fuzz")};
  const char* algs[] = {"ES256", "ES384", "EdDSA"};
  const std::set<std::string> allowed = {"jose.jws_malformed", "jose.jws_alg_unsupported",
                                         "jose.jws_key_mismatch", "jose.jws_signature_invalid"};
  for (int k = 0; k < 3; ++k) {
    auto token = jws_sign({{"alg", algs[k]}, {"kid", "k"}}, R"({"exp":1,"nonce":"abc"})", keys[k]);
    ASSERT_TRUE(token.ok());
    for (int i = 0; i < 1500; ++i) {
      const std::string bad = mutate(*token, rng);
      auto jws = jws_parse(bad);
      if (!jws) {
        EXPECT_EQ(jws.error().code, "jose.jws_malformed");
        continue;
      }
      auto st = jws_verify(*jws, keys[k]);
      if (!st) {
        EXPECT_TRUE(allowed.count(st.error().code)) << st.error().code;
      }
      auto claims = nlohmann::json::parse(jws->payload, nullptr, false);
      JwtValidation v;
      (void)jwt_validate(claims, v);
    }
  }
}

TEST(Robustness, MutatedJwesFailCleanly) {
  std::mt19937_64 rng(7516);
  const std::set<std::string> allowed = {"jose.jwe_malformed", "jose.jwe_unsupported",
                                         "jose.jwe_decrypt_failed"};
  Key ec = generate_ec_key(Curve::p256);
  Key rsa = generate_rsa_key(2048);
  const std::pair<Key, const char*> recipients[] = {
      {ec, "ECDH-ES+A128KW"}, {rsa, "RSA1_5"}, {rsa, "RSA-OAEP"}};
  for (const auto& [key, alg] : recipients) {
    nlohmann::json jwk = public_jwk(key);
    jwk["alg"] = alg;
    auto jwe = jwe_encrypt(as_bytes(std::string_view("secret")), jwk);
    ASSERT_TRUE(jwe.ok());
    const std::string text = jwe->to_json_text();
    for (int i = 0; i < 800; ++i) {
      auto doc = nlohmann::json::parse(mutate(text, rng), nullptr, false);
      auto parsed = Jwe::from_json(doc);
      if (!parsed) {
        EXPECT_EQ(parsed.error().code, "jose.jwe_malformed");
        continue;
      }
      auto plain = jwe_decrypt(*parsed, key);
      if (plain) {
        EXPECT_EQ(to_string(*plain), "secret");
      } else {
        EXPECT_TRUE(allowed.count(plain.error().code)) << plain.error().code;
      }
    }
    // Mutating the decoded protected header exercises the header checks directly.
    const std::string header = to_string(*base64url_decode(jwe->protected_b64));
    for (int i = 0; i < 800; ++i) {
      Jwe altered = *jwe;
      altered.protected_b64 = base64url_encode(as_bytes(mutate(header, rng)));
      auto plain = jwe_decrypt(altered, key);
      if (!plain) {
        EXPECT_TRUE(allowed.count(plain.error().code)) << plain.error().code;
      }
    }
  }
}

TEST(Robustness, MutatedJwksFailCleanly) {
  std::mt19937_64 rng(7517);
  const std::set<std::string> allowed = {"jose.jwk_invalid", "jose.jwk_unsupported"};
  const nlohmann::json jwks[] = {private_jwk(generate_ec_key(Curve::p521)),
                                 private_jwk(ed25519_key_from_seed(as_bytes("s"), "jwk")),
                                 public_jwk(generate_rsa_key(2048))};
  for (const auto& jwk : jwks) {
    const std::string text = jwk.dump();
    for (int i = 0; i < 1000; ++i) {
      auto doc = nlohmann::json::parse(mutate(text, rng), nullptr, false);
      auto key = key_from_jwk(doc);
      if (!key) {
        EXPECT_TRUE(allowed.count(key.error().code)) << key.error().code;
        continue;
      }
      (void)jwk_thumbprint(*key);
      (void)private_jwk(*key);
    }
  }
}
