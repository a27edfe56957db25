// Header-jwk trust (Trustee's kbs/test_data/jwk scenarios 01-07) and claim-path lookup of the TEE key.
#include "trustee/token_verifier.h"

#include <gtest/gtest.h>

#include "core/test_support.h"

namespace coco::trustee {
namespace {

TEST(HeaderJwkTrust, TrusteeScenarios) {
  COCO_REQUIRE_CORPUS();
  // 01 self-signed root; 02 x5c leaf is not the jwk; 03 no x5c; 04 wrong anchor; 05-07 intermediates.
  const std::vector<std::pair<int, std::string>> expected{{1, ""},
                                                          {2, "token.x5c_key_mismatch"},
                                                          {3, "token.x5c_missing"},
                                                          {4, "token.chain_untrusted"},
                                                          {5, ""},
                                                          {6, ""},
                                                          {7, ""}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE("scenario0" + std::to_string(n));
    std::string base = "kbs/jwk/scenario0" + std::to_string(n);
    auto jwk = nlohmann::json::parse(to_string(coco::test::corpus_file(base + "-jwk.json")));
    auto trusted = certs_from_pem(to_string(coco::test::corpus_file(base + "-trust.pem")));
    ASSERT_TRUE(trusted);
    Status st = verify_header_jwk_trust(jwk, *trusted);
    if (code.empty()) {
      EXPECT_TRUE(st) << st.error().code << ": " << st.error().message;
    } else {
      ASSERT_FALSE(st);
      EXPECT_EQ(st.error().code, code);
    }
  }
}

TEST(TokenVerifier, RefusesToStartWithoutTrust) {
  AttestationTokenConfig c;
  auto v = TokenVerifier::create(c);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "trustee.token_config_invalid");
  c.insecure_header_jwk = true;
  EXPECT_TRUE(TokenVerifier::create(c));
}

TEST(TokenVerifier, TeeKeyClaimPaths) {
  AttestationTokenConfig c;
  c.insecure_header_jwk = true;
  c.extra_teekey_paths = {"/custom/key", "not a pointer"};
  auto v = TokenVerifier::create(c);
  ASSERT_TRUE(v);
  nlohmann::json key = {{"kty", "EC"}};
  nlohmann::json ear = {
      {"submods",
       {{"cpu0", {{"ear.veraison.annotated-evidence", {{"runtime_data_claims", {{"tee-pubkey", key}}}}}}}}}};
  EXPECT_EQ(*v->extract_tee_public_key(ear), key);
  EXPECT_EQ(*v->extract_tee_public_key({{"custom", {{"key", key}}}}), key);
  EXPECT_EQ(*v->extract_tee_public_key({{"tdx", {{"attester_user_data", {{"tee-pubkey", key}}}}}}), key);
  EXPECT_EQ(*v->extract_tee_public_key({{"tee-pubkey", key}}), key);
  auto none = v->extract_tee_public_key({{"submods", nlohmann::json::object()}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "token.tee_pubkey_missing");
}

}  // namespace
}  // namespace coco::trustee
