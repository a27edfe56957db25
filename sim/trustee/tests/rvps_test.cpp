// RVPS: registration messages (sample extractor), the LocalJson file format, persistence, expiration
// arithmetic and concurrent use.
#include "trustee/rvps.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/bytes.h"
#include "core/encoding.h"
#include "core/test_support.h"

namespace coco::trustee {
namespace {

namespace fs = std::filesystem;

// 2026-08-21T10:20:30Z
constexpr std::int64_t kNow = 1787307630;

std::string sample_message(const std::string& payload_json, const std::string& extra = "") {
  return R"({"version":"0.1.0","type":"sample","payload":")" + base64_encode(as_bytes(payload_json)) + "\"" +
         extra + "}";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST(RvpsTime, FormatParseAndTwelveMonths) {
  EXPECT_EQ(rvps_format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rvps_format_time(kNow), "2026-08-21T10:20:30Z");
  EXPECT_EQ(rvps_expiration_for(kNow), "2027-08-21T10:20:30Z");
  // 2024-02-29T12:00:00Z -> 2025-02-28T12:00:00Z (chrono clamps to the month's last day).
  EXPECT_EQ(rvps_format_time(1709208000), "2024-02-29T12:00:00Z");
  EXPECT_EQ(rvps_expiration_for(1709208000), "2025-02-28T12:00:00Z");
  EXPECT_EQ(rvps_expiration_for(1767225599), "2026-12-31T23:59:59Z");  // 2025-12-31T23:59:59Z
  EXPECT_EQ(rvps_parse_time("2026-08-21T10:20:30Z"), kNow);
  EXPECT_EQ(rvps_parse_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(rvps_parse_time("2027-12-12T00:00:00Z"), 1828569600);
  for (const char* bad : {"2026-08-21 10:20:30Z", "2026-08-21T10:20:30", "2026-02-30T00:00:00Z",
                          "2026-8-21T10:20:30Z", "2026-08-21T24:00:00Z", "2026-08-21T10:20:30+00:00", ""})
    EXPECT_FALSE(rvps_parse_time(bad).has_value()) << bad;
}

TEST(Rvps, RegisterSampleMessage) {
  Rvps rvps;
  ASSERT_TRUE(rvps.load_error().ok());
  const std::string payload =
      R"({"svn":["1"],"launch_digest":["abcde"],"major_version":1,"device_svn":["2"]})";
  auto s = rvps.register_message(sample_message(payload), kNow);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(rvps.query("svn"), nlohmann::json::array({"1"}));
  EXPECT_EQ(rvps.query("major_version"), nlohmann::json(1));
  EXPECT_EQ(rvps.query("launch_digest"), nlohmann::json::array({"abcde"}));
  EXPECT_FALSE(rvps.query("minimum_minor_version").has_value());
  auto rv = rvps.get("device_svn");
  ASSERT_TRUE(rv.has_value());
  EXPECT_EQ(rv->version, "0.1.0");
  EXPECT_EQ(rv->name, "device_svn");
  EXPECT_EQ(rv->expiration, "2027-08-21T10:20:30Z");
  EXPECT_EQ(rv->value, nlohmann::json::array({"2"}));
  EXPECT_EQ(rvps.all().size(), 4u);

  // Re-registering replaces the value and the expiration; version may be omitted (defaults to 0.1.0).
  const std::string again =
      R"({"type":"sample","payload":")" + base64_encode(as_bytes(R"({"svn":["3"]})")) + "\"}";
  ASSERT_TRUE(rvps.register_message(again, kNow + 86400).ok());
  EXPECT_EQ(rvps.query("svn"), nlohmann::json::array({"3"}));
  EXPECT_EQ(rvps.get("svn")->expiration, "2027-08-22T10:20:30Z");
  EXPECT_EQ(rvps.all().size(), 4u);

  // An empty object registers nothing and succeeds.
  EXPECT_TRUE(rvps.register_message(sample_message("{}"), kNow).ok());
  // Unknown message fields are ignored, as by serde.
  EXPECT_TRUE(rvps.register_message(sample_message(R"({"x":null})", R"(,"note":"hi")"), kNow).ok());
  EXPECT_EQ(rvps.query("x"), nlohmann::json(nullptr));
}

TEST(Rvps, MessageErrors) {
  Rvps rvps;
  struct Case {
    std::string message;
    std::string code;
    std::string expect;
  };
  const std::string good_payload = base64_encode(as_bytes(R"({"a":1})"));
  const std::vector<Case> cases = {
      {"not json", "trustee.rvps_message_invalid", "not a JSON object"},
      {"[1]", "trustee.rvps_message_invalid", "not a JSON object"},
      {R"({"version":"0.1.0","type":"sample"})", "trustee.rvps_message_invalid", "`payload` is missing"},
      {R"({"version":"0.1.0","payload":")" + good_payload + "\"}", "trustee.rvps_message_invalid",
       "`type` is missing"},
      {R"({"version":1,"type":"sample","payload":")" + good_payload + "\"}", "trustee.rvps_message_invalid",
       "`version` must be a string"},
      {R"({"version":"0.2.0","type":"sample","payload":")" + good_payload + "\"}",
       "trustee.rvps_version_unmatched", "Version unmatched! Need 0.1.0, given 0.2.0."},
      {R"({"version":"0.1.0","type":"swid","payload":")" + good_payload + "\"}",
       "trustee.rvps_type_unsupported", "\"swid\" is a Trustee extractor this simulator does not implement"},
      {R"({"version":"0.1.0","type":"corim","payload":")" + good_payload + "\"}",
       "trustee.rvps_type_unsupported", "\"corim\""},
      {R"({"version":"0.1.0","type":"Sample","payload":")" + good_payload + "\"}",
       "trustee.rvps_type_unsupported", "\"Sample\" is not known"},
      {R"({"version":"0.1.0","type":"sample","payload":"%%%"})", "trustee.rvps_message_invalid", "base64"},
      // URL-safe alphabet and missing padding are refused by Trustee's STANDARD engine.
      {R"({"version":"0.1.0","type":"sample","payload":"eyJhIjoxfQ"})", "trustee.rvps_message_invalid",
       "base64"},
      {R"({"version":"0.1.0","type":"sample","payload":")" + base64_encode(as_bytes("[1,2]")) + "\"}",
       "trustee.rvps_message_invalid", "must decode to a JSON object"},
      {R"({"version":"0.1.0","type":"sample","payload":")" + base64_encode(as_bytes("{bad")) + "\"}",
       "trustee.rvps_message_invalid", "must decode to a JSON object"},
  };
  for (const auto& tc : cases) {
    auto s = rvps.register_message(tc.message, kNow);
    ASSERT_FALSE(s.ok()) << tc.message;
    EXPECT_EQ(s.error().code, tc.code) << tc.message;
    EXPECT_NE(s.error().message.find(tc.expect), std::string::npos)
        << tc.message << " -> " << s.error().message;
  }
  // The version is checked before the type.
  auto s = rvps.register_message(R"({"version":"1.0.0","type":"swid","payload":"x"})", kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "trustee.rvps_version_unmatched");
  EXPECT_TRUE(rvps.all().empty());
  // Deep nesting is refused, not crashed on.
  const std::string deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_FALSE(rvps.register_message(sample_message(deep), kNow).ok());
  EXPECT_FALSE(rvps.register_message(std::string(100000, '['), kNow).ok());
}

// The shape the trustee-chart's rvps-values-policies.yaml writes into reference-values.json.
constexpr const char* kChartReferenceValues = R"([
  {"name": "init_data", "expiration": "2027-12-12T00:00:00Z",
   "value": ["a1b2", "c3d4"]},
  {"name": "snp_pcr03", "expiration": "2027-12-12T00:00:00Z", "value": ["3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"]},
  {"version": "0.1.0", "name": "obj", "expiration": "2020-01-01T00:00:00Z", "value": {"b": 1, "a": [true]}}
])";

TEST(RvpsFile, ParseChartFormat) {
  auto r = parse_reference_values_json(kChartReferenceValues);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "init_data");
  EXPECT_EQ((*r)[0].version, "0.1.0");
  EXPECT_EQ((*r)[0].expiration, "2027-12-12T00:00:00Z");
  EXPECT_EQ((*r)[0].value, nlohmann::json::array({"a1b2", "c3d4"}));
  EXPECT_EQ((*r)[2].value, (nlohmann::json{{"a", {true}}, {"b", 1}}));
  EXPECT_EQ(
      serialize_reference_values_json(*r),
      R"([{"version":"0.1.0","name":"init_data","expiration":"2027-12-12T00:00:00Z","value":["a1b2","c3d4"]},)"
      R"({"version":"0.1.0","name":"snp_pcr03","expiration":"2027-12-12T00:00:00Z","value":["3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"]},)"
      R"({"version":"0.1.0","name":"obj","expiration":"2020-01-01T00:00:00Z","value":{"a":[true],"b":1}}])");
  EXPECT_TRUE(parse_reference_values_json("[]")->empty());
}

TEST(RvpsFile, ParseLegacyHashValueForm) {
  auto r = parse_reference_values_json(
      R"([{"version":"0.1.0","name":"artifact","expired":"1970-01-01T00:00:00Z","hash-value":[{"alg":"sha512","value":"123"},{"alg":"sha256","value":"456"}]}])");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].expiration, "1970-01-01T00:00:00Z");
  EXPECT_EQ((*r)[0].value, nlohmann::json::array({"123", "456"}));
}

TEST(RvpsFile, ParseErrors) {
  struct Case {
    const char* json;
    const char* expect;
  };
  for (const Case& tc :
       {Case{"{", "not valid JSON"}, Case{"{}", "must be a JSON list"}, Case{"[1]", "entry 0: not an object"},
        Case{R"([{"expiration":"2027-12-12T00:00:00Z","value":1}])", "entry 0: `name` must be a string"},
        Case{R"([{"name":"a","value":1}])", "`expiration` must be a string"},
        Case{R"([{"name":"a","expiration":"2027-12-12","value":1}])", "is not in the form"},
        Case{R"([{"name":"a","expiration":"2027-12-12T00:00:00Z"}])", "`value` is missing"},
        Case{R"([{"name":"a","expiration":"2027-12-12T00:00:00Z","value":1,"version":2}])",
             "`version` must be a string"},
        Case{R"([{"name":"a","expiration":"2027-12-12T00:00:00Z","value":1},{"name":5}])", "entry 1"}}) {
    auto r = parse_reference_values_json(tc.json);
    ASSERT_FALSE(r.ok()) << tc.json;
    EXPECT_EQ(r.error().code, "trustee.rvps_file_invalid");
    EXPECT_NE(r.error().message.find(tc.expect), std::string::npos) << tc.json << " -> " << r.error().message;
  }
}

TEST(RvpsFile, LoadRegisterAndRewrite) {
  coco::test::TempDir dir("rvps-test");
  const fs::path file = dir.path() / "reference-values" / "reference-values.json";
  fs::create_directories(file.parent_path());
  {
    std::ofstream out(file);
    out << kChartReferenceValues;
  }
  {
    Rvps rvps(file);
    ASSERT_TRUE(rvps.load_error().ok()) << rvps.load_error().error().message;
    EXPECT_EQ(rvps.query("init_data"), nlohmann::json::array({"a1b2", "c3d4"}));
    // Expired, but a query still returns it (Trustee does not enforce expiration on query).
    EXPECT_EQ(rvps.query("obj"), (nlohmann::json{{"a", {true}}, {"b", 1}}));
    EXPECT_EQ(rvps.unexpired_values(kNow),
              (nlohmann::json{
                  {"init_data", {"a1b2", "c3d4"}},
                  {"snp_pcr03", {"3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"}}}));
    ASSERT_TRUE(
        rvps.register_message(sample_message(R"({"init_data":["ffff"],"tdx_pcr08":["0808"]})"), kNow).ok());
  }
  EXPECT_EQ(
      slurp(file),
      R"([{"version":"0.1.0","name":"init_data","expiration":"2027-08-21T10:20:30Z","value":["ffff"]},)"
      R"({"version":"0.1.0","name":"snp_pcr03","expiration":"2027-12-12T00:00:00Z","value":["3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"]},)"
      R"({"version":"0.1.0","name":"obj","expiration":"2020-01-01T00:00:00Z","value":{"a":[true],"b":1}},)"
      R"({"version":"0.1.0","name":"tdx_pcr08","expiration":"2027-08-21T10:20:30Z","value":["0808"]}])");
  // A second instance sees what the first wrote.
  Rvps reloaded(file);
  ASSERT_TRUE(reloaded.load_error().ok());
  EXPECT_EQ(reloaded.query("tdx_pcr08"), nlohmann::json::array({"0808"}));
  EXPECT_EQ(reloaded.all().size(), 4u);
  EXPECT_EQ(reloaded.all()[3].name, "tdx_pcr08");
  ReferenceValue manual;
  manual.name = "manual";
  manual.expiration = "2030-01-01T00:00:00Z";
  manual.value = "x";
  reloaded.set(manual);
  EXPECT_TRUE(reloaded.remove("obj"));
  EXPECT_FALSE(reloaded.remove("obj"));
  Rvps third(file);
  EXPECT_EQ(third.query("manual"), nlohmann::json("x"));
  EXPECT_FALSE(third.query("obj").has_value());
  // No temporary files are left beside it.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(RvpsFile, MissingFileIsCreatedEmpty) {
  coco::test::TempDir dir("rvps-test");
  const fs::path file = dir.path() / "new" / "rv.json";
  Rvps rvps(file);
  ASSERT_TRUE(rvps.load_error().ok());
  EXPECT_EQ(slurp(file), "[]");
  EXPECT_TRUE(rvps.all().empty());
}

TEST(RvpsFile, BadFileIsReportedAndNeverOverwritten) {
  coco::test::TempDir dir("rvps-test");
  const fs::path file = dir.path() / "rv.json";
  {
    std::ofstream out(file);
    out << "[{\"name\": \"a\"}]";
  }
  Rvps rvps(file);
  ASSERT_FALSE(rvps.load_error().ok());
  EXPECT_EQ(rvps.load_error().error().code, "trustee.rvps_file_invalid");
  EXPECT_NE(rvps.load_error().error().message.find(file.string()), std::string::npos);
  auto s = rvps.register_message(sample_message(R"({"a":[1]})"), kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "trustee.storage_failed");
  EXPECT_EQ(rvps.query("a"), nlohmann::json::array({1}));  // kept in memory
  EXPECT_EQ(slurp(file), "[{\"name\": \"a\"}]");
}

TEST(Rvps, ConcurrentRegisterAndQuery) {
  coco::test::TempDir dir("rvps-test");
  Rvps rvps(dir.path() / "rv.json");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string name = "v" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(
            rvps.register_message(sample_message("{\"" + name + "\":[" + std::to_string(i) + "]}"), kNow)
                .ok());
        EXPECT_EQ(rvps.query(name), nlohmann::json::array({i}));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(rvps.all().size(), 100u);
  Rvps reloaded(dir.path() / "rv.json");
  EXPECT_EQ(reloaded.all().size(), 100u);
}

}  // namespace
}  // namespace coco::trustee
