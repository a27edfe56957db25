// JUnit XML in the shape CI systems (GitLab, Jenkins, GitHub test reporters) read: one <testsuite> per
// (suite, attester), so a failure shows which attester it failed on.
#include <string>

#include "internal.h"

namespace coco::reports {

namespace {

using detail::escape_markup;

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + escape_markup(value, true) + "\"";
}

std::string counts(const Summary& s) {
  return attr("tests", std::to_string(s.total)) + attr("failures", std::to_string(s.failed)) +
         attr("errors", "0") + attr("skipped", std::to_string(s.skipped));
}

void property(std::string& out, std::string_view name, std::string_view value) {
  out += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
}

}  // namespace

std::string to_junit_xml(const RunReport& report) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "coco-harness") + counts(summarize(report)) +
         attr("time", detail::fixed(report.duration_s, 3)) + ">\n";
  for (const auto& g : detail::groups_in_run_order(report)) {
    Summary s;
    double time = 0;
    for (const CaseResult* c : g.cases) {
      detail::count(s, *c);
      time += detail::finite_or_zero(c->duration_s);
    }
    out += "  <testsuite" + attr("name", g.suite + "[" + g.attester + "]") + counts(s) +
           attr("time", detail::fixed(time, 3)) + ">\n";
    out += "    <properties>\n";
    property(out, "target", report.target);
    property(out, "attester", g.attester);
    for (const auto& [tool, version] : report.versions) property(out, "version." + tool, version);
    out += "    </properties>\n";
    for (const CaseResult* c : g.cases) {
      out += "    <testcase" + attr("classname", c->suite) + attr("name", c->id + "[" + c->attester + "]") +
             attr("time", detail::fixed(c->duration_s, 3));
      switch (c->verdict) {
        case Verdict::pass:
          out += "/>\n";
          continue;
        case Verdict::skip:
          out += ">\n      <skipped" + attr("message", c->reason) + "/>\n";
          break;
        case Verdict::fail:
        default:
          out += ">\n      <failure" + attr("message", c->reason) + attr("type", "fail") + ">" +
                 escape_markup(c->reason) + "</failure>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace coco::reports
