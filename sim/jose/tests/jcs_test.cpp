// RFC 8785 (JCS) against the RFC's own examples and Trustee's runtime-data binding vector.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/encoding.h"
#include "core/hash.h"
#include "jose/jose.h"

using namespace coco;
using namespace coco::jose;

namespace {

std::string canon(const nlohmann::json& j) {
  auto r = jcs_canonicalize(j);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : "";
}

std::string canon_text(std::string_view text) {
  return canon(nlohmann::json::parse(text));
}

}  // namespace

// RFC 8785 section 3.2.2 / 3.2.3: the sample input and its canonical form.
TEST(Jcs, Rfc8785SampleObject) {
  const std::string input =
      R"({"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],)"
      R"("string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]})";
  const std::string expected =
      "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
      "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
  EXPECT_EQ(canon_text(input), expected);
}

// The Trustee vector: the runtime-data hash a KBS client binds into its evidence.
TEST(Jcs, TrusteeRuntimeDataVector) {
  const std::string out = canon_text(R"({"b":1,"a":"test","c":{"d":"e"}})");
  EXPECT_EQ(out, R"({"a":"test","b":1,"c":{"d":"e"}})");
  EXPECT_EQ(
      hex_encode(sha384(as_bytes(out))),
      "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c813ca941da78870c3");
}

// RFC 8785 section 3.2.3 sorting example: UTF-16 code unit order puts the emoji (surrogate pair D83D DE00)
// before U+FB33, where UTF-8 byte order would do the opposite.
TEST(Jcs, SortsByUtf16CodeUnits) {
  const std::string input =
      R"({"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh",)"
      R"("1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control",)"
      R"("\u00f6":"Latin Small Letter O With Diaeresis"})";
  const std::string expected =
      "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
      "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
      "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\",\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}";
  EXPECT_EQ(canon_text(input), expected);
}

// RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript serialization.
TEST(Jcs, Rfc8785NumberTable) {
  const std::pair<std::uint64_t, const char*> cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, text] : cases) {
    EXPECT_EQ(canon(nlohmann::json(std::bit_cast<double>(bits))), text) << std::hex << bits;
  }
}

TEST(Jcs, NumberFormsAroundTheExponentThresholds) {
  EXPECT_EQ(canon(nlohmann::json(1e21)), "1e+21");
  EXPECT_EQ(canon(nlohmann::json(1e20)), "100000000000000000000");
  EXPECT_EQ(canon(nlohmann::json(1e-7)), "1e-7");
  EXPECT_EQ(canon(nlohmann::json(0.000001)), "0.000001");
  EXPECT_EQ(canon(nlohmann::json(-0.0)), "0");
  EXPECT_EQ(canon(nlohmann::json(4.0)), "4");
  EXPECT_EQ(canon(nlohmann::json(-1.5)), "-1.5");
  EXPECT_EQ(canon(nlohmann::json(123.456)), "123.456");
  EXPECT_EQ(canon(nlohmann::json(1.5e-10)), "1.5e-10");
  EXPECT_EQ(canon(nlohmann::json(2.5e300)), "2.5e+300");
}

TEST(Jcs, IntegersPrintExactly) {
  EXPECT_EQ(canon(nlohmann::json(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(canon(nlohmann::json(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(canon_text("[0,-1,42]"), "[0,-1,42]");
}

TEST(Jcs, StringEscapes) {
  nlohmann::json j = std::string("\b\f\n\r\t\"\\/\x01\x1f\x7f");
  EXPECT_EQ(canon(j), "\"\\b\\f\\n\\r\\t\\\"\\\\/\\u0001\\u001f\x7f\"");
  EXPECT_EQ(canon(nlohmann::json(std::string("a\0b", 3))), "\"a\\u0000b\"");
}

TEST(Jcs, NestedStructuresAndEmptyContainers) {
  EXPECT_EQ(canon_text(R"( { "z" : [ ] , "a" : { } , "m" : [ { "y" : 1 , "x" : [ true ] } ] } )"),
            R"({"a":{},"m":[{"x":[true],"y":1}],"z":[]})");
  EXPECT_EQ(canon_text("null"), "null");
  EXPECT_EQ(canon_text(R"("text")"), R"("text")");
}

TEST(Jcs, RejectsNonFiniteNumbers) {
  for (double d : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    auto r = jcs_canonicalize(nlohmann::json::array({1, d}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "jose.jcs_invalid");
  }
}

TEST(Jcs, RejectsIllFormedUtf8) {
  for (const std::string& bad :
       {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),
        std::string("\xE2\x82"), std::string("\xFF")}) {
    auto as_value = jcs_canonicalize(nlohmann::json(bad));
    ASSERT_FALSE(as_value.ok());
    EXPECT_EQ(as_value.error().code, "jose.jcs_invalid");
    nlohmann::json obj = nlohmann::json::object();
    obj[bad] = 1;
    auto as_key = jcs_canonicalize(obj);
    ASSERT_FALSE(as_key.ok());
    EXPECT_EQ(as_key.error().code, "jose.jcs_invalid");
  }
}

TEST(Jcs, RejectsBinaryAndExcessiveNesting) {
  auto bin = jcs_canonicalize(nlohmann::json::binary({1, 2, 3}));
  ASSERT_FALSE(bin.ok());
  EXPECT_EQ(bin.error().code, "jose.jcs_invalid");

  std::string deep(100000, '[');
  deep.append(100000, ']');
  auto parsed = nlohmann::json::parse(deep, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  auto r = jcs_canonicalize(parsed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "jose.jcs_invalid");
}
