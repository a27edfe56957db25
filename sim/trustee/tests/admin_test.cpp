// Admin authorization reasons, word for word as Trustee's admin module gives them (trustee.md 1.9, 2).
#include "trustee/admin.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "core/test_support.h"
#include "jose/jose.h"

namespace coco::trustee {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class AdminAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(write_file(dir_ / "admin.pub", as_bytes(public_key_to_pem(key_)))); }

  AdminConfig authenticated(std::optional<std::string> issuer = "issuer",
                            std::optional<std::string> aud = "kbs") {
    AdminConfig c;
    c.mode = AdminMode::authenticated;
    IdentityProvider idp;
    idp.issuer = issuer;
    idp.audience = aud;
    idp.public_key_uri = (dir_ / "admin.pub").string();
    c.identity_providers.push_back(idp);
    c.acls = {{"admin", "^/kbs/.+$"}, {"tester", "^/kbs/v0/resource-policy$"}};
    return c;
  }

  std::string token(const nlohmann::json& claims, const Key& k) {
    return *jose::jws_sign({{"alg", "EdDSA"}, {"typ", "JWT"}}, claims.dump(), k);
  }
  nlohmann::json claims(const std::string& role = "admin") {
    return {{"iss", "issuer"}, {"role", role}, {"aud", {"kbs"}}, {"iat", kNow}, {"exp", kNow + 3600}};
  }
  HttpRequest request(const std::string& target, const std::optional<std::string>& bearer) {
    HttpRequest r{"POST", target, {}, {}};
    if (bearer) r.headers.set("Authorization", "Bearer " + *bearer);
    return r;
  }

  coco::test::TempDir tmp_{"coco-admin-test"};
  const std::filesystem::path& dir_ = tmp_.path();
  Key key_ = jose::ed25519_key_from_seed(as_bytes(std::string("admin")), "test");
};

TEST_F(AdminAuthTest, Reasons) {
  auto auth = AdminAuth::create(authenticated());
  ASSERT_TRUE(auth) << auth.error().message;
  const std::string ep = "/kbs/v0/attestation-policy";
  EXPECT_EQ(auth->check(request(ep, token(claims(), key_)), kNow), std::nullopt);
  EXPECT_EQ(auth->check(request(ep, std::nullopt), kNow), "Failed to parse HTTP Auth Bearer header");
  EXPECT_EQ(auth->check(request(ep, "garbage"), kNow), "Failed to parse HTTP Auth Bearer header");
  Key stranger = jose::ed25519_key_from_seed(as_bytes(std::string("stranger")), "test");
  EXPECT_EQ(auth->check(request(ep, token(claims(), stranger)), kNow),
            "Cannot verify token with any of the issuers");
  // Expired (beyond the 60 s leeway), wrong issuer, wrong audience: not verifiable by this provider.
  EXPECT_EQ(auth->check(request(ep, token(claims(), key_)), kNow + 3600 + 61),
            "Cannot verify token with any of the issuers");
  auto wrong_iss = claims();
  wrong_iss["iss"] = "someone";
  EXPECT_EQ(auth->check(request(ep, token(wrong_iss, key_)), kNow),
            "Cannot verify token with any of the issuers");
  auto wrong_aud = claims();
  wrong_aud["aud"] = "other";
  EXPECT_EQ(auth->check(request(ep, token(wrong_aud, key_)), kNow),
            "Cannot verify token with any of the issuers");
  auto no_role = claims();
  no_role.erase("role");
  EXPECT_EQ(auth->check(request(ep, token(no_role, key_)), kNow), "Missing required `role` claim in JWT");
  EXPECT_EQ(auth->check(request(ep, token(claims("tester"), key_)), kNow),
            "Role tester not allowed for path /kbs/v0/attestation-policy");
  EXPECT_EQ(auth->check(request("/kbs/v0/resource-policy", token(claims("tester"), key_)), kNow),
            std::nullopt);
  // The ACL matches the whole URI, query string included.
  EXPECT_EQ(auth->check(request("/kbs/v0/resource-policy?x=1", token(claims("tester"), key_)), kNow),
            "Role tester not allowed for path /kbs/v0/resource-policy?x=1");
}

TEST_F(AdminAuthTest, ModesAndLegacyPersonas) {
  AdminConfig deny;
  deny.mode = AdminMode::deny_all;
  EXPECT_EQ(AdminAuth::create(deny)->check(request("/kbs/v0/x", std::nullopt), kNow),
            "Admin access denied as DenyAll authorization_mode is enabled");
  AdminConfig allow;
  EXPECT_EQ(AdminAuth::create(allow)->check(request("/kbs/v0/x", std::nullopt), kNow), std::nullopt);
  // Older Trustee personas: any token the persona key verifies, no role needed.
  AdminConfig persona = authenticated(std::nullopt, std::nullopt);
  persona.acls.clear();
  persona.require_role = false;
  auto a = AdminAuth::create(persona);
  nlohmann::json bare = {{"exp", kNow + 60}};
  EXPECT_EQ(a->check(request("/kbs/v0/resource/a/b/c", token(bare, key_)), kNow), std::nullopt);
  AdminConfig missing = authenticated();
  missing.identity_providers[0].public_key_uri = (dir_ / "nope.pub").string();
  auto m = AdminAuth::create(missing);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "trustee.admin_config_invalid");
}

}  // namespace
}  // namespace coco::trustee
