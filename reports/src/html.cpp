// The report page for people: one self-contained file (inline CSS, no scripts, no external resources) so
// it opens from a CI artifact store or an e-mail attachment exactly as it was written. Element ids
// (banner, summary, matrix, failures, skipped, cases) are stable for tests and tooling.
#include <string>

#include "internal.h"

namespace coco::reports {

namespace {

using detail::escape_markup;

constexpr std::string_view kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1f2328; }
h1 { margin-bottom: 0.5rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.25rem; }
table { border-collapse: collapse; margin-top: 0.5rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
table.kv th { background: #f6f8fa; font-weight: 600; }
.banner { display: inline-block; font-size: 1.5rem; font-weight: 700; padding: 0.3rem 1.2rem;
  border-radius: 0.3rem; color: #fff; }
.banner.pass { background: #1a7f37; }
.banner.fail { background: #cf222e; }
td.cell { text-align: center; white-space: nowrap; }
td.cell.pass { background: #dafbe1; color: #116329; }
td.cell.fail { background: #ffebe9; color: #a40e26; font-weight: 600; }
td.cell.skip { background: #eaeef2; color: #57606a; }
td.cell.none { color: #8c959f; }
td.reason { white-space: pre-wrap; font-family: ui-monospace, monospace; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td.verdict { color: #a40e26; font-weight: 600; }
tr.pass td.verdict { color: #116329; }
tr.skip td.verdict { color: #57606a; }
.tag { font-size: 0.75rem; background: #eaeef2; border-radius: 0.2rem; padding: 0 0.3rem; margin-left: 0.4rem; }
p.none { color: #57606a; font-style: italic; }
)";

std::string esc(std::string_view s) {
  return escape_markup(s);
}

std::string td(std::string_view text, std::string_view cls = "") {
  std::string out = "<td";
  if (!cls.empty()) out += " class=\"" + std::string(cls) + "\"";
  return out + ">" + esc(text) + "</td>";
}

std::string cell_text(const Summary& s) {
  return std::to_string(s.passed) + " passed / " + std::to_string(s.failed) + " failed / " +
         std::to_string(s.skipped) + " skipped";
}

// Red when anything failed, green when something passed, grey when everything was skipped.
std::string_view cell_class(const Summary& s) {
  if (s.failed > 0) return "cell fail";
  if (s.passed > 0) return "cell pass";
  return "cell skip";
}

void header(std::string& out, const RunReport& report, const Summary& total) {
  out += "<header id=\"header\">\n<h1>coco-harness conformance run</h1>\n";
  out += total.ok() ? "<div id=\"banner\" class=\"banner pass\">PASS</div>\n"
                    : "<div id=\"banner\" class=\"banner fail\">FAIL</div>\n";
  out += "<table id=\"run\" class=\"kv\">\n";
  out += "<tr><th>Target</th>" + td(report.target) + "</tr>\n";
  out += "<tr><th>Attesters</th><td>";
  for (std::size_t i = 0; i < report.attesters.size(); ++i) {
    out += (i ? ", " : "") + esc(report.attesters[i]);
  }
  out += "</td></tr>\n";
  out += "<tr><th>Started</th>" + td(report.started_at) + "</tr>\n";
  out += "<tr><th>Duration</th>" + td(detail::fixed(report.duration_s, 3) + " s", "num") + "</tr>\n";
  out += "<tr><th>Summary</th><td id=\"summary\">" + std::to_string(total.total) +
         " cases: " + std::to_string(total.passed) + " passed, " + std::to_string(total.failed) +
         " failed (" + std::to_string(total.required_failed) + " required), " +
         std::to_string(total.skipped) + " skipped</td></tr>\n";
  out += "</table>\n";
  out += "<table id=\"versions\" class=\"kv\">\n";
  for (const auto& [tool, version] : report.versions) {
    out += "<tr><th>" + esc(tool) + "</th>" + td(version) + "</tr>\n";
  }
  out += "</table>\n</header>\n";
}

void matrix_table(std::string& out, const RunReport& report) {
  out += "<section>\n<h2>Suite \u00d7 attester</h2>\n";
  const auto suites = detail::suites_in_run_order(report);
  const auto columns = detail::attester_columns(report);
  if (suites.empty()) {
    out += "<p id=\"matrix\" class=\"none\">No cases ran</p>\n</section>\n";
    return;
  }
  const auto cells = matrix(report);
  out += "<table id=\"matrix\">\n<thead><tr><th>Suite</th>";
  for (const auto& a : columns) out += "<th>" + esc(a) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& suite : suites) {
    out += "<tr><th scope=\"row\">" + esc(suite) + "</th>";
    for (const auto& a : columns) {
      auto it = cells.find({suite, a});
      out +=
          it == cells.end() ? td("\u2014", "cell none") : td(cell_text(it->second), cell_class(it->second));
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

// Failures and skips: id, attester, reason. A failure of a non-required case is tagged, since it explains
// a PASS banner above a non-empty failures table.
void reason_table(std::string& out, const RunReport& report, Verdict verdict, std::string_view id,
                  std::string_view title, std::string_view empty) {
  out += "<section>\n<h2>" + std::string(title) + "</h2>\n";
  std::string rows;
  for (const auto& c : report.cases) {
    if (verdict_name(c.verdict) != verdict_name(verdict)) continue;
    rows += "<tr><td>" + esc(c.id);
    if (verdict == Verdict::fail && !c.required) rows += "<span class=\"tag\">not required</span>";
    rows += "</td>" + td(c.attester) + td(c.reason, "reason") + "</tr>\n";
  }
  if (rows.empty()) {
    out += "<p id=\"" + std::string(id) + "\" class=\"none\">" + std::string(empty) + "</p>\n</section>\n";
    return;
  }
  out +=
      "<table id=\"" + std::string(id) + "\">\n<thead><tr><th>Case</th><th>Attester</th><th>Reason</th></tr>";
  out += "</thead>\n<tbody>\n" + rows + "</tbody>\n</table>\n</section>\n";
}

void cases_table(std::string& out, const RunReport& report) {
  out += "<section>\n<h2>All cases</h2>\n";
  out +=
      "<table id=\"cases\">\n<thead><tr><th>#</th><th>Case</th><th>Title</th><th>Attester</th>"
      "<th>Verdict</th><th>Duration (ms)</th></tr></thead>\n<tbody>\n";
  std::size_t n = 0;
  for (const auto& c : report.cases) {
    const std::string_view verdict = verdict_name(c.verdict);
    out += "<tr class=\"" + std::string(verdict) + "\">" + td(std::to_string(++n), "num") + td(c.id) +
           td(c.title) + td(c.attester) + td(verdict, "verdict") +
           td(detail::fixed(c.duration_s * 1000.0, 1), "num") + "</tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string to_html(const RunReport& report) {
  const Summary total = summarize(report);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>coco-harness " + std::string(total.ok() ? "PASS" : "FAIL") + ": " + esc(report.target) +
         "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  header(out, report, total);
  out += "<main>\n";
  matrix_table(out, report);
  reason_table(out, report, Verdict::fail, "failures", "Failures", "No failures");
  reason_table(out, report, Verdict::skip, "skipped", "Skipped", "No skipped cases");
  cases_table(out, report);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace coco::reports
