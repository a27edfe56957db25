// Tests for the run report: summary arithmetic, and that each rendering (JUnit, JSON, HTML) carries the
// right counts and stays well-formed whatever bytes a reason holds.
#include "reports/run_report.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>

#include "core/test_support.h"

namespace coco::reports {
namespace {

using nlohmann::json;

CaseResult make_case(std::string suite, std::string name, std::string attester, Verdict verdict,
                     std::string reason = "", double duration_s = 0.25, bool required = true) {
  CaseResult c;
  c.id = suite + "." + name;
  c.suite = std::move(suite);
  c.title = "case " + name;
  c.target = "embedded";
  c.attester = std::move(attester);
  c.verdict = verdict;
  c.reason = std::move(reason);
  c.duration_s = duration_s;
  c.required = required;
  return c;
}

// 2 suites x 2 attesters that ran, plus "tdx", listed but with no cases. Cells:
// attestation[sample] 1/0/1, policy_denial[sample] 0/0/2, attestation[snp] 1/1/0, policy_denial[snp] 1/1/0.
RunReport sample_report() {
  RunReport r;
  r.target = "embedded";
  r.attesters = {"sample", "snp", "tdx"};
  r.versions = {{"coco-harness", "0.1.0"}, {"kbs-protocol", "0.4.0"}};
  r.started_at = "2026-12-02T04:13:14Z";
  r.duration_s = 12.5;
  r.cases = {
      make_case("attestation", "sample_evidence", "sample", Verdict::pass, "", 0.125),
      make_case("attestation", "tcb_version", "sample", Verdict::skip, "sample attester reports no TCB"),
      make_case("policy_denial", "forged_report_signature", "sample", Verdict::skip, "needs a signed report"),
      make_case("policy_denial", "debug_policy", "sample", Verdict::skip, "no debug bit"),
      make_case("attestation", "sample_evidence", "snp", Verdict::pass, "", 1.5),
      make_case("attestation", "tcb_version", "snp", Verdict::fail, "TCB <1.2> & \"quoted\" 'x'"),
      make_case("policy_denial", "forged_report_signature", "snp", Verdict::fail, "<script>alert(1)</script>",
                0.25, /*required=*/false),
      make_case("policy_denial", "debug_policy", "snp", Verdict::pass),
  };
  return r;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// The text of the element with id="<id>" up to its closing tag (enough for one table or paragraph).
std::string element(const std::string& html, const std::string& id, const std::string& end = "</table>") {
  const auto start = html.find("id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  const auto stop = html.find(end, start);
  return html.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
}

// Independent of the implementation under test: strict UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
      cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool same_case(const CaseResult& a, const CaseResult& b) {
  return std::tie(a.id, a.suite, a.title, a.target, a.attester, a.verdict, a.reason, a.duration_s,
                  a.required) == std::tie(b.id, b.suite, b.title, b.target, b.attester, b.verdict, b.reason,
                                          b.duration_s, b.required);
}

void expect_same_report(const RunReport& a, const RunReport& b) {
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.attesters, b.attesters);
  EXPECT_EQ(a.versions, b.versions);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.duration_s, b.duration_s);
  ASSERT_EQ(a.cases.size(), b.cases.size());
  for (std::size_t i = 0; i < a.cases.size(); ++i)
    EXPECT_TRUE(same_case(a.cases[i], b.cases[i])) << "case " << i;
}

const std::string kReplacement = "\xEF\xBF\xBD";

// --- verdicts and summaries ---

TEST(Verdict, NamesRoundTrip) {
  for (Verdict v : {Verdict::pass, Verdict::fail, Verdict::skip}) {
    auto parsed = parse_verdict(verdict_name(v));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, v);
  }
  EXPECT_EQ(verdict_name(Verdict::skip), "skip");
  auto bad = parse_verdict("PASS");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "reports.invalid");
  EXPECT_NE(bad.error().message.find("PASS"), std::string::npos);
}

TEST(Summary, CountsAndRequiredFailures) {
  const Summary s = summarize(sample_report());
  EXPECT_EQ(s.total, 8);
  EXPECT_EQ(s.passed, 3);
  EXPECT_EQ(s.failed, 2);
  EXPECT_EQ(s.skipped, 3);
  EXPECT_EQ(s.required_failed, 1);
  EXPECT_FALSE(s.ok());
}

TEST(Summary, OnlyOptionalFailuresIsOk) {
  RunReport r = sample_report();
  r.cases[5].required = false;
  const Summary s = summarize(r);
  EXPECT_EQ(s.failed, 2);
  EXPECT_EQ(s.required_failed, 0);
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(summarize(RunReport{}).ok());
}

TEST(Summary, MatrixPerSuiteAndAttester) {
  const auto m = matrix(sample_report());
  ASSERT_EQ(m.size(), 4u);
  const Summary& as = m.at({"attestation", "sample"});
  EXPECT_EQ(std::tie(as.total, as.passed, as.failed, as.skipped), std::make_tuple(2, 1, 0, 1));
  const Summary& ps = m.at({"policy_denial", "sample"});
  EXPECT_EQ(std::tie(ps.total, ps.passed, ps.failed, ps.skipped), std::make_tuple(2, 0, 0, 2));
  const Summary& pn = m.at({"policy_denial", "snp"});
  EXPECT_EQ(std::tie(pn.passed, pn.failed, pn.required_failed), std::make_tuple(1, 1, 0));
  EXPECT_EQ(m.at({"attestation", "snp"}).required_failed, 1);
  EXPECT_EQ(m.count({"attestation", "tdx"}), 0u);
}

// --- JUnit ---

TEST(Junit, CountsAndStructure) {
  const std::string xml = to_junit_xml(sample_report());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(
      xml.find("<testsuites name=\"coco-harness\" tests=\"8\" failures=\"2\" errors=\"0\" skipped=\"3\" "
               "time=\"12.500\">"),
      std::string::npos)
      << xml;
  EXPECT_EQ(occurrences(xml, "<testsuite "), 4u);
  EXPECT_EQ(occurrences(xml, "</testsuite>"), 4u);
  EXPECT_EQ(occurrences(xml, "<testcase "), 8u);
  EXPECT_EQ(occurrences(xml, "<failure "), 2u);
  EXPECT_EQ(occurrences(xml, "<skipped "), 3u);
  EXPECT_NE(xml.find("<testsuite name=\"attestation[sample]\" tests=\"2\" failures=\"0\" errors=\"0\" "
                     "skipped=\"1\" time=\"0.375\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"policy_denial[snp]\" tests=\"2\" failures=\"1\" errors=\"0\" "
                     "skipped=\"0\" time=\"0.500\">"),
            std::string::npos);
  // Run order of first appearance.
  const auto a_sample = xml.find("name=\"attestation[sample]\"");
  const auto p_sample = xml.find("name=\"policy_denial[sample]\"");
  const auto a_snp = xml.find("name=\"attestation[snp]\"");
  const auto p_snp = xml.find("name=\"policy_denial[snp]\"");
  EXPECT_LT(a_sample, p_sample);
  EXPECT_LT(p_sample, a_snp);
  EXPECT_LT(a_snp, p_snp);
  EXPECT_NE(xml.find("<property name=\"target\" value=\"embedded\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"version.coco-harness\" value=\"0.1.0\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"version.kbs-protocol\" value=\"0.4.0\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"attestation\" name=\"attestation.sample_evidence[snp]\" "
                     "time=\"1.500\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"sample attester reports no TCB\"/>"), std::string::npos);
  EXPECT_EQ(xml.substr(xml.size() - 14), "</testsuites>\n");
}

TEST(Junit, EscapesReasons) {
  const std::string xml = to_junit_xml(sample_report());
  const std::string escaped = "TCB &lt;1.2&gt; &amp; &quot;quoted&quot; &#39;x&#39;";
  EXPECT_NE(xml.find("<failure message=\"" + escaped + "\" type=\"fail\">" + escaped + "</failure>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(Junit, ControlCharactersAndLineBreaks) {
  RunReport r = sample_report();
  r.cases[5].reason = "line one\nline two\x01\x1b[31m";
  const std::string xml = to_junit_xml(r);
  // Attributes keep the line break as a reference (XML would normalise a raw one to a space); the
  // element text keeps it raw. Controls that XML 1.0 forbids become U+FFFD.
  EXPECT_NE(xml.find("message=\"line one&#10;line two" + kReplacement + kReplacement + "[31m\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find(">line one\nline two" + kReplacement + kReplacement + "[31m</failure>"),
            std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
}

TEST(Junit, EmptyReport) {
  const std::string xml = to_junit_xml(RunReport{});
  EXPECT_NE(xml.find("tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\""),
            std::string::npos);
  EXPECT_EQ(occurrences(xml, "<testsuite "), 0u);
}

// --- JSON ---

TEST(Json, Schema) {
  const json j = to_json(sample_report());
  EXPECT_EQ(j.at("schema"), "coco-harness/run-report/v1");
  EXPECT_EQ(j.at("target"), "embedded");
  EXPECT_EQ(j.at("attesters"), json({"sample", "snp", "tdx"}));
  EXPECT_EQ(j.at("versions").at("kbs-protocol"), "0.4.0");
  EXPECT_EQ(j.at("started_at"), "2026-12-02T04:13:14Z");
  ASSERT_TRUE(j.at("duration_s").is_number());
  EXPECT_EQ(j.at("duration_s").get<double>(), 12.5);
  const json& s = j.at("summary");
  EXPECT_EQ(s, json({{"total", 8},
                     {"passed", 3},
                     {"failed", 2},
                     {"skipped", 3},
                     {"required_failed", 1},
                     {"ok", false}}));
  ASSERT_EQ(j.at("cases").size(), 8u);
  const json& c = j.at("cases").at(6);
  EXPECT_EQ(c.size(), 9u);
  EXPECT_EQ(c.at("id"), "policy_denial.forged_report_signature");
  EXPECT_EQ(c.at("suite"), "policy_denial");
  EXPECT_EQ(c.at("title"), "case forged_report_signature");
  EXPECT_EQ(c.at("target"), "embedded");
  EXPECT_EQ(c.at("attester"), "snp");
  EXPECT_EQ(c.at("verdict"), "fail");
  EXPECT_EQ(c.at("reason"), "<script>alert(1)</script>");
  EXPECT_TRUE(c.at("duration_s").is_number());
  EXPECT_EQ(c.at("required"), false);
  EXPECT_EQ(j.at("cases").at(1).at("verdict"), "skip");
  EXPECT_EQ(j.at("cases").at(0).at("verdict"), "pass");
}

TEST(Json, RoundTrip) {
  RunReport r = sample_report();
  r.cases[0].duration_s = 0.1 + 0.2;  // not exactly representable: must survive text unchanged
  r.cases[1].reason = "tab\there, newline\nthere, unicode caf\u00e9 \U0001F512";
  auto back = from_json(to_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same_report(r, *back);

  // Through text too, as a gate reads the file.
  auto text = json::parse(to_json(r).dump(2));
  auto from_text = from_json(text);
  ASSERT_TRUE(from_text.ok()) << from_text.error().message;
  expect_same_report(r, *from_text);
  EXPECT_EQ(to_json(*from_text), to_json(r));

  auto empty = from_json(to_json(RunReport{}));
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->cases.empty());
}

struct BadJson {
  const char* name;
  void (*mutate)(json&);
  const char* field;  // must appear in the message
};

class FromJsonErrors : public testing::TestWithParam<BadJson> {};

TEST_P(FromJsonErrors, NamesTheField) {
  json j = to_json(sample_report());
  GetParam().mutate(j);
  auto r = from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "reports.invalid");
  EXPECT_NE(r.error().message.find(GetParam().field), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Reports, FromJsonErrors,
    testing::Values(
        BadJson{"missing_target", [](json& j) { j.erase("target"); }, "`target`"},
        BadJson{"schema_other", [](json& j) { j["schema"] = "coco-harness/run-report/v2"; }, "`schema`"},
        BadJson{"schema_number", [](json& j) { j["schema"] = 1; }, "`schema`"},
        BadJson{"attesters_string", [](json& j) { j["attesters"] = "sample"; }, "`attesters`"},
        BadJson{"attester_number", [](json& j) { j["attesters"][1] = 3; }, "`attesters[1]`"},
        BadJson{"version_number", [](json& j) { j["versions"]["kbs-protocol"] = 4; },
                "`versions.kbs-protocol`"},
        BadJson{"started_missing", [](json& j) { j.erase("started_at"); }, "`started_at`"},
        BadJson{"duration_string", [](json& j) { j["duration_s"] = "12s"; }, "`duration_s`"},
        BadJson{"duration_null", [](json& j) { j["duration_s"] = nullptr; }, "`duration_s`"},
        BadJson{"cases_missing", [](json& j) { j.erase("cases"); }, "`cases`"},
        BadJson{"case_not_object", [](json& j) { j["cases"][0] = 5; }, "`cases[0]`"},
        BadJson{"case_id_missing", [](json& j) { j["cases"][3].erase("id"); }, "`cases[3].id`"},
        BadJson{"verdict_unknown", [](json& j) { j["cases"][1]["verdict"] = "maybe"; }, "`cases[1].verdict`"},
        BadJson{"verdict_bool", [](json& j) { j["cases"][1]["verdict"] = true; }, "`cases[1].verdict`"},
        BadJson{"case_duration", [](json& j) { j["cases"][0]["duration_s"] = "fast"; },
                "`cases[0].duration_s`"},
        BadJson{"case_required", [](json& j) { j["cases"][2]["required"] = "yes"; }, "`cases[2].required`"},
        BadJson{"case_reason_missing", [](json& j) { j["cases"][7].erase("reason"); }, "`cases[7].reason`"},
        BadJson{"summary_missing", [](json& j) { j.erase("summary"); }, "`summary`"},
        BadJson{"summary_count_type", [](json& j) { j["summary"]["passed"] = 3.5; }, "`summary.passed`"},
        BadJson{"summary_inconsistent", [](json& j) { j["summary"]["failed"] = 7; }, "`summary.failed`"},
        BadJson{"summary_ok_wrong", [](json& j) { j["summary"]["ok"] = true; }, "`summary.ok`"},
        BadJson{"not_an_object", [](json& j) { j = json::array(); }, "JSON object"}),
    [](const testing::TestParamInfo<BadJson>& p) { return std::string(p.param.name); });

// --- HTML ---

TEST(Html, SelfContainedAndEscaped) {
  const std::string html = to_html(sample_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("TCB &lt;1.2&gt; &amp; &quot;quoted&quot; &#39;x&#39;"), std::string::npos);
}

TEST(Html, HeaderAndBanner) {
  const std::string html = to_html(sample_report());
  EXPECT_NE(html.find("<div id=\"banner\" class=\"banner fail\">FAIL</div>"), std::string::npos);
  const std::string head = element(html, "header", "</header>");
  EXPECT_NE(head.find("embedded"), std::string::npos);
  EXPECT_NE(head.find("2026-12-02T04:13:14Z"), std::string::npos);
  EXPECT_NE(head.find("12.500 s"), std::string::npos);
  EXPECT_NE(head.find("<th>coco-harness</th><td>0.1.0</td>"), std::string::npos);
  EXPECT_NE(head.find("<th>kbs-protocol</th><td>0.4.0</td>"), std::string::npos);
  EXPECT_NE(head.find("id=\"summary\">8 cases: 3 passed, 2 failed (1 required), 3 skipped<"),
            std::string::npos);

  RunReport ok = sample_report();
  ok.cases[5].required = false;
  EXPECT_NE(to_html(ok).find("<div id=\"banner\" class=\"banner pass\">PASS</div>"), std::string::npos);
}

TEST(Html, Matrix) {
  const std::string m = element(to_html(sample_report()), "matrix");
  ASSERT_FALSE(m.empty());
  EXPECT_NE(m.find("<thead><tr><th>Suite</th><th>sample</th><th>snp</th><th>tdx</th></tr></thead>"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("<tr><th scope=\"row\">attestation</th>"
                   "<td class=\"cell pass\">1 passed / 0 failed / 1 skipped</td>"
                   "<td class=\"cell fail\">1 passed / 1 failed / 0 skipped</td>"
                   "<td class=\"cell none\">\u2014</td></tr>"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("<tr><th scope=\"row\">policy_denial</th>"
                   "<td class=\"cell skip\">0 passed / 0 failed / 2 skipped</td>"
                   "<td class=\"cell fail\">1 passed / 1 failed / 0 skipped</td>"
                   "<td class=\"cell none\">\u2014</td></tr>"),
            std::string::npos)
      << m;
  EXPECT_LT(m.find("attestation"), m.find("policy_denial"));
}

TEST(Html, FailuresSkippedAndCases) {
  const std::string html = to_html(sample_report());
  const std::string failures = element(html, "failures");
  EXPECT_EQ(occurrences(failures, "<tr>"), 3u);  // header + 2
  EXPECT_NE(failures.find("<td>attestation.tcb_version</td><td>snp</td>"), std::string::npos) << failures;
  EXPECT_NE(failures.find("policy_denial.forged_report_signature<span class=\"tag\">not required</span>"),
            std::string::npos);

  const std::string skipped = element(html, "skipped");
  EXPECT_EQ(occurrences(skipped, "<tr>"), 4u);  // header + 3
  EXPECT_NE(skipped.find("<td class=\"reason\">sample attester reports no TCB</td>"), std::string::npos);

  const std::string cases = element(html, "cases");
  EXPECT_EQ(occurrences(cases, "<tr class=\""), 8u);
  EXPECT_EQ(occurrences(cases, "<tr class=\"fail\">"), 2u);
  // As run, durations in ms.
  EXPECT_LT(cases.find("attestation.sample_evidence</td><td>case sample_evidence</td><td>sample</td>"),
            cases.find("attestation.sample_evidence</td><td>case sample_evidence</td><td>snp</td>"));
  EXPECT_NE(cases.find("<td class=\"num\">125.0</td>"), std::string::npos) << cases;
  EXPECT_NE(cases.find("<td class=\"num\">1500.0</td>"), std::string::npos);
}

TEST(Html, NoFailuresAndNoCases) {
  RunReport r = sample_report();
  r.cases.erase(r.cases.begin() + 5, r.cases.begin() + 7);
  const std::string html = to_html(r);
  EXPECT_NE(html.find("<p id=\"failures\" class=\"none\">No failures</p>"), std::string::npos);
  EXPECT_NE(html.find("class=\"banner pass\">PASS<"), std::string::npos);

  const std::string empty = to_html(RunReport{});
  EXPECT_NE(empty.find("<p id=\"matrix\" class=\"none\">No cases ran</p>"), std::string::npos);
  EXPECT_NE(empty.find("id=\"skipped\""), std::string::npos);
  EXPECT_NE(empty.find("id=\"cases\""), std::string::npos);
}

// --- text safety across all three ---

TEST(Reports, InvalidUtf8BecomesReplacementCharacter) {
  RunReport r = sample_report();
  r.cases[5].reason = "bad \xff byte, cut \xe2\x82 then ok, overlong \xc0\xaf, surrogate \xed\xa0\x80.";
  r.cases[5].title = "caf\u00e9 \xf5";
  r.versions["tool\xfe"] = "1.0\x80";
  r.cases.push_back(make_case("protocol", "unicode", "snp", Verdict::skip, "fine: \u00e9 \u2713 \U0001F512"));

  const std::string xml = to_junit_xml(r);
  EXPECT_TRUE(valid_utf8(xml));
  EXPECT_NE(xml.find("bad " + kReplacement + " byte, cut " + kReplacement + " then ok"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("fine: \u00e9 \u2713 \U0001F512"), std::string::npos);

  const std::string html = to_html(r);
  EXPECT_TRUE(valid_utf8(html));
  EXPECT_NE(html.find("caf\u00e9 " + kReplacement), std::string::npos);
  EXPECT_NE(html.find("fine: \u00e9 \u2713 \U0001F512"), std::string::npos);

  const json j = to_json(r);
  std::string text;
  ASSERT_NO_THROW(text = j.dump());
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_EQ(j.at("versions").at("tool" + kReplacement), "1.0" + kReplacement);
  auto back = from_json(json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->cases[5].reason.find('\xff'), std::string::npos);
  EXPECT_EQ(back->cases[8].reason, "fine: \u00e9 \u2713 \U0001F512");
}

TEST(Reports, NonFiniteDurationsStayReadable) {
  RunReport r = sample_report();
  r.duration_s = std::numeric_limits<double>::quiet_NaN();
  r.cases[0].duration_s = std::numeric_limits<double>::infinity();
  EXPECT_EQ(to_junit_xml(r).find("nan"), std::string::npos);
  EXPECT_EQ(to_junit_xml(r).find("inf"), std::string::npos);
  auto back = from_json(json::parse(to_json(r).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->cases[0].duration_s, 0.0);
}

// --- writing the folder ---

TEST(WriteReports, WritesThreeFiles) {
  test::TempDir tmp("coco-reports", /*create=*/false);
  const auto dir = tmp.path() / "runs" / "2026-12-02";
  const RunReport r = sample_report();
  auto st = write_reports(r, dir);
  ASSERT_TRUE(st.ok()) << st.error().message;

  const std::string xml = slurp(dir / kJunitFile);
  const std::string text = slurp(dir / kJsonFile);
  const std::string html = slurp(dir / kHtmlFile);
  EXPECT_EQ(xml, to_junit_xml(r));
  EXPECT_EQ(html, to_html(r));
  EXPECT_EQ(text, to_json(r).dump(2) + "\n");
  EXPECT_EQ(text.rfind("{\n  \"", 0), 0u);
  auto back = from_json(json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same_report(r, *back);

  // Writing again replaces the files.
  RunReport empty;
  ASSERT_TRUE(write_reports(empty, dir).ok());
  EXPECT_EQ(slurp(dir / kJunitFile), to_junit_xml(empty));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 3u);
}

TEST(WriteReports, UnwritableDirectoryIsAnError) {
  test::TempDir tmp("coco-reports");
  const auto file = tmp.path() / "not-a-dir";
  std::ofstream(file) << "x";
  for (const auto& dir : {file, file / "below"}) {
    auto st = write_reports(sample_report(), dir);
    ASSERT_FALSE(st.ok()) << dir;
    EXPECT_EQ(st.error().code, "io.write_failed");
    EXPECT_NE(st.error().message.find(dir.string()), std::string::npos) << st.error().message;
  }
}

}  // namespace
}  // namespace coco::reports
