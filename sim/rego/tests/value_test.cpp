#include "rego/value.h"

#include <gtest/gtest.h>

using namespace coco::rego;

TEST(RegoValue, TotalOrderAcrossKinds) {
  std::vector<Value> ordered = {
      Value::null(),        Value::boolean(false),
      Value::boolean(true), Value::integer(-1),
      Value::real(0.5),     Value::integer(1),
      Value::string(""),    Value::string("a"),
      Value::array({}),     Value::array({Value::integer(1)}),
      Value::object({}),    Value::object({{Value::string("a"), Value::integer(1)}}),
      Value::set({}),       Value::set({Value::integer(1)})};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i)
    EXPECT_LT(compare(ordered[i], ordered[i + 1]), 0)
        << ordered[i].to_term_string() << " vs " << ordered[i + 1].to_term_string();
}

TEST(RegoValue, NumbersCompareByValue) {
  EXPECT_EQ(Value::integer(1), Value::real(1.0));
  EXPECT_TRUE(Value::real(1.0).as_number().is_int);
  EXPECT_EQ(Value::real(1.5).as_number().to_string(), "1.5");
  EXPECT_EQ(Value::real(0.1).as_number().to_string(), "0.1");
  Set s{Value::integer(1), Value::real(1.0)};
  EXPECT_EQ(s.size(), 1u);
}

TEST(RegoValue, JsonAndTermForms) {
  auto v = Value::from_json(nlohmann::json::parse(R"({"b": [1, 2.5, "x"], "a": null, "c": {"d": true}})"));
  EXPECT_EQ(v.to_json_text(), R"({"a":null,"b":[1,2.5,"x"],"c":{"d":true}})");
  EXPECT_EQ(v.to_term_string(), R"({"a": null, "b": [1, 2.5, "x"], "c": {"d": true}})");
  EXPECT_EQ(Value::set({}).to_term_string(), "set()");
  EXPECT_EQ(Value::set({Value::string("b"), Value::string("a")}).to_term_string(), R"({"a", "b"})");
  EXPECT_EQ(Value::set({Value::integer(2), Value::integer(1)}).to_json_text(), "[1,2]");
  EXPECT_EQ(v.to_json(), nlohmann::json::parse(R"({"b": [1, 2.5, "x"], "a": null, "c": {"d": true}})"));
}

TEST(RegoValue, IndexingAndSize) {
  auto arr = Value::array({Value::string("x"), Value::string("y")});
  EXPECT_EQ(*arr.get(Value::integer(1)), Value::string("y"));
  EXPECT_FALSE(arr.get(Value::integer(2)));
  EXPECT_FALSE(arr.get(Value::real(0.5)));
  EXPECT_EQ(*arr.get(Value::real(1.0)), Value::string("y"));
  EXPECT_EQ(Value::string("héllo").size(), 5u);
  auto s = Value::set({Value::integer(3)});
  EXPECT_EQ(*s.get(Value::integer(3)), Value::integer(3));
  EXPECT_EQ(Value::integer(3).type_name(), "number");
  EXPECT_EQ(s.type_name(), "set");
}
