// Fuzz target: TD descriptions from YAML (tdx::td_description_from_yaml, base dir "/nonexistent" so a
// `ccel:` key never reads a file). Asserts: no throw (yaml-cpp exceptions are caught inside); failures are
// tdx.td_description_invalid or tdx.eventlog_*; an accepted description gives a TD body, and a quote from
// the fixed simulated QE that parses back to itself.
#include <cstdint>
#include <string_view>

#include "tdx/qe.h"
#include "tdx_fuzz_common.h"

using namespace coco;
using namespace coco::tdx;
using coco::fuzz::starts_with;
using coco::fuzz::tdx_fuzz_fail;

namespace {

void expect_description_error(const Error& e) {
  if (e.code != "tdx.td_description_invalid" && !starts_with(e.code, "tdx.eventlog_")) tdx_fuzz_fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    auto td = td_description_from_yaml(in, "/nonexistent");
    if (!td) return expect_description_error(td.error()), 0;
    if (td->ccel) tdx_fuzz_fail();  // nothing is readable under /nonexistent
    auto body = make_td_body(*td);
    if (!body) return expect_description_error(body.error()), 0;
    auto q = generate_quote(coco::fuzz::tdx_fuzz_qe(), *td);
    if (!q) return expect_description_error(q.error()), 0;
    auto back = parse_quote(encode_quote(*q));
    if (!back || !(*back == *q)) tdx_fuzz_fail();
    if (back->body.report_data != td->report_data || back->body.mr_td != td->mr_td) tdx_fuzz_fail();
  } catch (...) {
    tdx_fuzz_fail();
  }
  return 0;
}
