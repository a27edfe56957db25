// EAR tiers and status (rust-ear's tier(), trustee.md 3.4) and trust vectors read from policy values.
#include "trustee/ear.h"

#include <gtest/gtest.h>

namespace coco::trustee {
namespace {

TEST(Ear, Tiers) {
  EXPECT_EQ(tier_name(0), "none");
  EXPECT_EQ(tier_name(1), "none");
  EXPECT_EQ(tier_name(-1), "none");
  EXPECT_EQ(tier_name(2), "affirming");
  EXPECT_EQ(tier_name(31), "affirming");
  EXPECT_EQ(tier_name(-32), "affirming");
  EXPECT_EQ(tier_name(32), "warning");
  EXPECT_EQ(tier_name(33), "warning");
  EXPECT_EQ(tier_name(95), "warning");
  EXPECT_EQ(tier_name(-96), "warning");
  EXPECT_EQ(tier_name(96), "contraindicated");
  EXPECT_EQ(tier_name(97), "contraindicated");
  EXPECT_EQ(tier_name(-97), "contraindicated");
  EXPECT_EQ(tier_name(-128), "contraindicated");
}

rego::Value obj(const nlohmann::json& j) {
  return rego::Value::from_json(j);
}

TEST(Ear, StatusIsTheWorstTier) {
  auto tv = trust_vector_from_policy(obj({{"executables", 3}, {"hardware", 2}, {"configuration", 36}}));
  ASSERT_TRUE(tv);
  EXPECT_EQ(ear_status(*tv), "warning");
  tv = trust_vector_from_policy(obj({{"executables", 33}, {"hardware", 97}, {"configuration", 36}}));
  EXPECT_EQ(ear_status(*tv), "contraindicated");
  tv = trust_vector_from_policy(obj({{"executables", 3}, {"hardware", 2}, {"file-system", 0}}));
  EXPECT_EQ(ear_status(*tv), "affirming");
  auto j = tv->to_json();
  EXPECT_EQ(j.dump(),
            R"({"instance-identity":0,"configuration":0,"executables":3,"file-system":0,"hardware":2,)"
            R"("runtime-opaque":0,"storage-opaque":0,"sourced-data":0})");
  // Undefined trust_claims: every claim 0, status none.
  tv = trust_vector_from_policy(std::nullopt);
  ASSERT_TRUE(tv);
  EXPECT_EQ(ear_status(*tv), "none");
}

TEST(Ear, InvalidClaims) {
  auto empty = trust_vector_from_policy(obj(nlohmann::json::object()));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "At least one policy claim must be set.");
  EXPECT_FALSE(trust_vector_from_policy(obj({{"executables", 128}})));
  EXPECT_FALSE(trust_vector_from_policy(obj({{"executables", "3"}})));
  EXPECT_FALSE(trust_vector_from_policy(obj({{"firmware", 3}})));
  EXPECT_FALSE(trust_vector_from_policy(obj({1, 2})));
}

TEST(Ear, Extensions) {
  auto e = extensions_from_policy(
      obj({{{"name", "ear.trustee.identifiers"}, {"key", -18}, {"value", {{"validated", {}}}}}}));
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ((*e)[0].key, -18);
  EXPECT_FALSE(extensions_from_policy(obj({{{"key", -18}}})));
  EXPECT_TRUE(extensions_from_policy(std::nullopt)->empty());
}

}  // namespace
}  // namespace coco::trustee
