// Sealed secrets: vault and envelope round trips with keys made here, every refusal CDH names, the old
// unsigned form, and the agent's env unsealing.
#include "guest/sealed_secret.h"

#include <gtest/gtest.h>

#include <map>

#include "core/encoding.h"
#include "jose/jose.h"

namespace coco::guest {
namespace {

using nlohmann::json;

constexpr const char* kKid = "kbs:///default/signing-key/sealed-secret";
constexpr const char* kSecretUri = "kbs:///default/sealed-secret/test";
constexpr const char* kKekUri = "kbs:///default/kek/key1";

class SealedSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signing_key_ = ec_key_from_seed(Curve::p256, as_bytes("sealed-secret-tests"), "signing");
    resources_[kKid] = to_bytes(as_bytes(jose::public_jwk(signing_key_).dump()));
    resources_[kSecretUri] = to_bytes(as_bytes("my vault secret"));
    kek_ = Bytes(32, 0x42);
    resources_[kKekUri] = kek_;
  }

  ResourceGetter getter() {
    return [this](const std::string& uri) -> Result<Bytes> {
      fetched_.push_back(uri);
      auto it = resources_.find(uri);
      if (it == resources_.end())
        return make_error("guest.kbs_error", "KBS answered 401 PolicyDeny: Access denied by policy");
      return it->second;
    };
  }

  std::string seal(const json& payload) {
    auto s = seal_secret(payload, signing_key_, kKid);
    EXPECT_TRUE(s) << s.error().message;
    return *s;
  }

  // Rebuilds "sealed.h.p.s" with one part replaced.
  static std::string with_part(const std::string& sealed, int index, const std::string& part) {
    std::string body = sealed.substr(std::string(kSealedPrefix).size());
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (true) {
      auto dot = body.find('.', pos);
      parts.push_back(body.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
      if (dot == std::string::npos) break;
      pos = dot + 1;
    }
    parts.at(static_cast<std::size_t>(index)) = part;
    return std::string(kSealedPrefix) + parts[0] + "." + parts[1] + "." + parts[2];
  }

  Key signing_key_;
  Bytes kek_;
  std::map<std::string, Bytes> resources_;
  std::vector<std::string> fetched_;
};

TEST_F(SealedSecretTest, VaultRoundTrip) {
  const std::string sealed = seal(vault_payload(kSecretUri));
  ASSERT_TRUE(sealed.starts_with("sealed."));
  auto parsed = parse_sealed_secret(sealed);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->type, "vault");
  EXPECT_EQ(parsed->header, json({{"alg", "ES256"}, {"kid", kKid}}));
  EXPECT_EQ(parsed->payload["name"], kSecretUri);
  EXPECT_EQ(parsed->signature.size(), 64u);

  auto plain = unseal_secret(sealed, getter());
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(to_string(*plain), "my vault secret");
  EXPECT_EQ(fetched_, (std::vector<std::string>{kKid, kSecretUri}));  // the key first, then the secret
}

TEST_F(SealedSecretTest, EnvelopeRoundTrip) {
  auto payload = envelope_payload(as_bytes("envelope secret"), kek_, kKekUri);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ((*payload)["wrap_type"], "A256GCM");
  auto plain = unseal_secret(seal(*payload), getter());
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(to_string(*plain), "envelope secret");

  resources_[kKekUri] = Bytes(32, 0x43);  // another KEK
  auto wrong = unseal_secret(seal(*payload), getter());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "guest.sealed_secret_unseal");
  EXPECT_EQ(
      wrong.error().message,
      "unseal envelope secret failed: kms interface when decrypt encryption key: the key encryption key does "
      "not open encrypted_key");

  auto short_kek = envelope_payload(as_bytes("x"), Bytes(16, 1), kKekUri);
  ASSERT_FALSE(short_kek);
  EXPECT_EQ(short_kek.error().message, "the key encryption key must be 32 bytes");
}

TEST_F(SealedSecretTest, EnvelopeTamperedData) {
  auto payload = envelope_payload(as_bytes("envelope secret"), kek_, kKekUri);
  ASSERT_TRUE(payload);
  auto data = base64_decode((*payload)["encrypted_data"].get<std::string>());
  (*data)[0] ^= 1;
  (*payload)["encrypted_data"] = base64_encode(*data);
  auto r = unseal_secret(seal(*payload), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "unseal envelope secret failed: decrypt envelope: A256GCM authentication failed");

  (*payload)["iv"] = "***";
  r = unseal_secret(seal(*payload), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unseal envelope secret failed: base64 decoding failed when decode `iv`");

  (*payload)["wrap_type"] = "A256CTR";
  r = unseal_secret(seal(*payload), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "unseal envelope secret failed: decrypt envelope: unsupported wrap_type A256CTR");
}

TEST_F(SealedSecretTest, WrongSignature) {
  const Key other = ec_key_from_seed(Curve::p256, as_bytes("sealed-secret-tests"), "attacker");
  auto forged = seal_secret(vault_payload(kSecretUri), other, kKid);
  ASSERT_TRUE(forged);
  auto r = unseal_secret(*forged, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.sealed_secret_signature");
  EXPECT_EQ(r.error().message, "Signature Error: signature error");
  EXPECT_EQ(fetched_, std::vector<std::string>{kKid});  // the secret itself is never fetched

  // A payload swapped under a valid header and signature.
  const std::string good = seal(vault_payload(kSecretUri));
  const std::string swapped =
      with_part(good, 1, base64url_encode(as_bytes(vault_payload("kbs:///default/other/x").dump())));
  r = unseal_secret(swapped, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Signature Error: signature error");

  r = unseal_secret(with_part(good, 2, base64url_encode(Bytes(10, 1))), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Signature Error: signature error");
}

TEST_F(SealedSecretTest, VerificationKeyProblems) {
  const std::string sealed = seal(vault_payload(kSecretUri));
  resources_[kKid] = to_bytes(as_bytes("not json"));
  auto r = unseal_secret(sealed, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "JSON Parsing Error: the verification key is not JSON");

  resources_[kKid] =
      to_bytes(as_bytes(jose::public_jwk(ec_key_from_seed(Curve::p384, as_bytes("s"), "k")).dump()));
  r = unseal_secret(sealed, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Signing key error: Key must be P256");

  json bad_point = jose::public_jwk(signing_key_);
  bad_point["x"] = base64url_encode(Bytes(32, 0));
  resources_[kKid] = to_bytes(as_bytes(bad_point.dump()));
  r = unseal_secret(sealed, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Signing key error: Could not parse verification key.");

  resources_.erase(kKid);
  r = unseal_secret(sealed, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.sealed_secret_unseal");
  EXPECT_EQ(r.error().message,
            "Failed to get key from KMS: KBS answered 401 PolicyDeny: Access denied by policy");
}

TEST_F(SealedSecretTest, HeaderProblems) {
  const std::string good = seal(vault_payload(kSecretUri));
  auto header = [&](const json& h) { return with_part(good, 0, base64url_encode(as_bytes(h.dump()))); };

  auto r = unseal_secret(header({{"alg", "ES256"}}), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.sealed_secret_invalid");
  EXPECT_EQ(r.error().message, "parse SealedSecret failed: Could not find kid");

  r = unseal_secret(header({{"kid", kKid}}), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "parse SealedSecret failed: Could not get algorithm");

  r = unseal_secret(header({{"alg", "ES384"}, {"kid", kKid}}), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.sealed_secret_signature");
  EXPECT_EQ(r.error().message, "Signing key error: JWS algorithm must be ES256");

  r = unseal_secret(header({{"alg", "ES256"}, {"kid", "local-key"}}), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "parse SealedSecret failed: KID is invalid. Must be a KBS URI or a credential path.");
}

TEST_F(SealedSecretTest, MalformedInputs) {
  const std::string jws_error = "parse SealedSecret failed: Failed to parse JWS";
  for (const std::string& text :
       std::vector<std::string>{"", "sealed.", "sealed.a.b", "sealed.a.b.c.d", "sealed.!!!.e30.AA",
                                "sealed." + base64url_encode(as_bytes("[1]")) + ".e30.AA"}) {
    SCOPED_TRACE(text);
    auto p = parse_sealed_secret(text);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, "guest.sealed_secret_invalid");
    EXPECT_EQ(p.error().message, jws_error);
    auto u = unseal_secret(text, getter());
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().message, jws_error);
  }
  const std::string json_error =
      "parse SealedSecret failed: malformed input sealed secret format (json deserialization failed)";
  json no_name = vault_payload(kSecretUri);
  no_name.erase("name");
  json unknown_type = vault_payload(kSecretUri);
  unknown_type["type"] = "plain";
  for (const json& payload :
       std::vector<json>{no_name, unknown_type, json::array(), json({{"version", "0.1.0"}})}) {
    SCOPED_TRACE(payload.dump());
    auto p = parse_sealed_secret(seal(payload));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, json_error);
    auto u = unseal_secret(seal(payload), getter());
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().message, json_error);
  }
  json v2 = vault_payload(kSecretUri);
  v2["version"] = "0.2.0";
  auto u = unseal_secret(seal(v2), getter());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "version not supported, only 0.1.0 supported");

  json vault_other = vault_payload(kSecretUri, "aliyun");
  u = unseal_secret(seal(vault_other), getter());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "unseal vault secret failed: unsupported provider aliyun");

  auto bad_key =
      seal_secret(vault_payload(kSecretUri), ec_key_from_seed(Curve::p384, as_bytes("s"), "k"), kKid);
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().message, "Signing key error: Key must be EC P256 private key");
}

TEST_F(SealedSecretTest, VaultSecretDeniedByTheKbs) {
  resources_.erase(kSecretUri);
  auto r = unseal_secret(seal(vault_payload(kSecretUri)), getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "unseal vault secret failed: KBS answered 401 PolicyDeny: Access denied by policy");
}

TEST_F(SealedSecretTest, OldUnsignedFormNeedsSkipVerification) {
  const std::string old = seal_secret_unsigned(vault_payload(kSecretUri));
  ASSERT_TRUE(old.starts_with("sealed.fakejwsheader."));
  auto r = unseal_secret(old, getter());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "parse SealedSecret failed: Failed to parse JWS");
  auto skipped = unseal_secret(old, getter(), {.skip_verification = true});
  ASSERT_TRUE(skipped) << skipped.error().message;
  EXPECT_EQ(to_string(*skipped), "my vault secret");

  auto three = unseal_secret("sealed.a.b", getter(), {.skip_verification = true});
  ASSERT_FALSE(three);
  EXPECT_EQ(three.error().message, "parse SealedSecret failed: malformed input sealed secret");
  auto padded = unseal_secret("sealed.x.e30=.y", getter(), {.skip_verification = true});
  ASSERT_FALSE(padded);
  EXPECT_EQ(padded.error().message,
            "parse SealedSecret failed: failed to decode secret body as base64 (URL-safe without padding)");
}

TEST_F(SealedSecretTest, EnvUnsealing) {
  const std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", "/usr/bin"}, {"PROTECTED_SECRET", seal(vault_payload(kSecretUri))}, {"PLAIN", "sealed"}};
  auto out = unseal_env(env, getter());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, (std::vector<std::pair<std::string, std::string>>{
                      {"PATH", "/usr/bin"}, {"PROTECTED_SECRET", "my vault secret"}, {"PLAIN", "sealed"}}));

  auto bad = unseal_env({{"A", "x"}, {"MY_SECRET", "sealed.nope"}}, getter());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "guest.sealed_secret_invalid");
  EXPECT_EQ(bad.error().message, "env MY_SECRET: parse SealedSecret failed: Failed to parse JWS");
}

}  // namespace
}  // namespace coco::guest
