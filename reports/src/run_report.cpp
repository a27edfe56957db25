// Verdicts, summaries and writing the report folder; the renderings live in junit.cpp, json.cpp and
// html.cpp.
#include "reports/run_report.h"

#include <system_error>

#include "core/bytes.h"
#include "internal.h"

namespace coco::reports {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::skip:
      return "skip";
    case Verdict::fail:
      break;
  }
  // Matches detail::count, which counts an out-of-range value as a failure.
  return "fail";
}

Result<Verdict> parse_verdict(std::string_view name) {
  if (name == "pass") return Verdict::pass;
  if (name == "fail") return Verdict::fail;
  if (name == "skip") return Verdict::skip;
  return make_error("reports.invalid",
                    "unknown verdict \"" + detail::valid_utf8(name) + "\" (expected pass, fail or skip)");
}

Summary summarize(const RunReport& report) {
  Summary s;
  for (const auto& c : report.cases) detail::count(s, c);
  return s;
}

std::map<std::pair<std::string, std::string>, Summary> matrix(const RunReport& report) {
  std::map<std::pair<std::string, std::string>, Summary> cells;
  for (const auto& c : report.cases) detail::count(cells[{c.suite, c.attester}], c);
  return cells;
}

Status write_reports(const RunReport& report, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // create_directories succeeds quietly on an existing path, which may be a file.
  if (!ec && !std::filesystem::is_directory(dir, ec) && !ec) {
    ec = std::make_error_code(std::errc::not_a_directory);
  }
  if (ec) return make_error("io.write_failed", "cannot create " + dir.string() + ": " + ec.message());

  const std::string junit = to_junit_xml(report);
  // `replace` is a second guard: to_json already sanitises, and dump must never throw here.
  const std::string json =
      to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string html = to_html(report);
  const std::pair<std::string_view, const std::string*> files[] = {
      {kJunitFile, &junit}, {kJsonFile, &json}, {kHtmlFile, &html}};
  for (const auto& [name, text] : files) {
    if (auto st = write_file(dir / name, as_bytes(*text)); !st) return st;
  }
  return ok_status();
}

}  // namespace coco::reports
