// Fuzz target: reports::from_json, the reader of results.json that release gates and re-rendering use.
// Any input either fails with reports.invalid or yields a report that renders (JUnit XML, HTML) without
// throwing, whose JSON form reads back to the same JSON (a fixed point), and whose renderings are valid
// UTF-8. Nothing may throw or crash. Seeds: fuzz/run.sh reports_json writes a real results.json.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "reports/run_report.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "reports_json_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return 0;
    auto report = coco::reports::from_json(j);
    if (!report) {
      if (report.error().code != "reports.invalid") fail("error code", report.error().code);
      return 0;
    }
    const nlohmann::json once = coco::reports::to_json(*report);
    auto again = coco::reports::from_json(once);
    if (!again) fail("to_json output does not read back:", again.error().message);
    if (coco::reports::to_json(*again) != once) fail("to_json is not a fixed point");
    if (!valid_utf8(coco::reports::to_junit_xml(*report))) fail("JUnit XML is not valid UTF-8");
    if (!valid_utf8(coco::reports::to_html(*report))) fail("HTML is not valid UTF-8");
  } catch (const std::exception& e) {
    fail("exception:", e.what());
  }
  return 0;
}
