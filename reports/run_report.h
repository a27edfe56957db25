// The result of one conformance run and its three renderings: JUnit XML (for CI systems), a JSON result
// file (for gates and tooling; the stable contract) and a self-contained HTML page (for people: matrix of
// suite x attester, failures with reasons, timings). Nothing here runs cases; suites/conformance fills a
// RunReport and hands it over.
//
// Case ids are stable ("policy_denial.forged_report_signature"): reports and release gates match on them.
// One case runs once per attester, so (id, attester) identifies a row.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coco::reports {

enum class Verdict { pass, fail, skip };
std::string_view verdict_name(Verdict v);  // "pass", "fail", "skip"
// Error: reports.invalid ("unknown verdict ...").
Result<Verdict> parse_verdict(std::string_view name);

struct CaseResult {
  std::string id;        // "<suite>.<case>", stable
  std::string suite;     // "attestation", "secret_release", "policy_denial", "protocol"
  std::string title;     // one line for people
  std::string target;    // "embedded" or the KBS URL
  std::string attester;  // "sample", "snp", "tdx", "az-snp-vtpm", ...
  Verdict verdict = Verdict::pass;
  std::string reason;     // why it failed or was skipped; "" on pass
  double duration_s = 0;  // wall time of the case
  bool required = true;   // a failing required case fails the run
};

struct RunReport {
  std::string target;                           // as in CaseResult
  std::vector<std::string> attesters;           // in the order they ran
  std::map<std::string, std::string> versions;  // "coco-harness" -> "0.1.0", "kbs-protocol" -> "0.4.0", ...
  std::string started_at;                       // RFC 3339 UTC, "2026-12-02T04:13:14Z"
  double duration_s = 0;                        // wall time of the whole run
  std::vector<CaseResult> cases;
};

struct Summary {
  int total = 0, passed = 0, failed = 0, skipped = 0;
  int required_failed = 0;
  bool ok() const { return required_failed == 0; }  // the run's exit code is 0 exactly when ok()
};
Summary summarize(const RunReport& report);
// Counts per (suite, attester), for the matrix.
std::map<std::pair<std::string, std::string>, Summary> matrix(const RunReport& report);

// JUnit XML: <testsuites> with one <testsuite name="<suite>[<attester>]"> per (suite, attester) in run
// order, <testcase classname="<suite>" name="<id>[<attester>]" time=...> with <failure message=...> or
// <skipped message=...>; XML-escaped, valid UTF-8 (invalid bytes replaced).
std::string to_junit_xml(const RunReport& report);
// {"schema":"coco-harness/run-report/v1","target","attesters","versions","started_at","duration_s",
//  "summary":{"total","passed","failed","skipped","required_failed","ok"},
//  "cases":[{"id","suite","title","target","attester","verdict","reason","duration_s","required"}]}
nlohmann::json to_json(const RunReport& report);
// Reads what to_json wrote (for gates and re-rendering). Error: reports.invalid naming the bad field.
Result<RunReport> from_json(const nlohmann::json& j);
// One HTML page, no external resources (inline CSS, no scripts needed): header with target, versions,
// start time, duration and summary; a matrix of suite x attester with pass/fail/skip counts; a table of
// failures (id, attester, reason); the skipped cases with reasons; every case with its duration.
std::string to_html(const RunReport& report);

// File names inside the report folder.
inline constexpr std::string_view kJunitFile = "junit.xml";
inline constexpr std::string_view kJsonFile = "results.json";
inline constexpr std::string_view kHtmlFile = "report.html";
// Creates `dir` (and parents) and writes the three files. Error: io.write_failed naming the path.
Status write_reports(const RunReport& report, const std::filesystem::path& dir);

}  // namespace coco::reports
