// Fuzz target: the Azure HCL report parser and the runtime-data JSON of its variable data.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "azure/hcl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::azure;
  coco::ByteView in(data, size);
  // The variable data parser on the raw input too (JSON seeds reach it directly).
  if (auto rt = parse_runtime_data(in)) {
    if (!rt->ak_pub) std::abort();
    // What runtime_data_json writes parses back to the same keys.
    auto again = parse_runtime_data(
        coco::as_bytes(runtime_data_json(rt->ak_pub, rt->ek_pub, rt->vm_configuration, rt->user_data)));
    if (!again || !again->ak_pub.same_public(rt->ak_pub) || again->user_data != rt->user_data) std::abort();
  }
  auto r = parse_hcl_report(in);
  if (!r) {
    if (r.error().code != "azure.hcl_truncated" && r.error().code != "azure.hcl_invalid") std::abort();
    return 0;
  }
  // Lossless: a parsed report encodes back to the input, padding included.
  auto back = encode_hcl_report(*r);
  if (back.size() != size || !std::equal(back.begin(), back.end(), data)) std::abort();
  if (hcl_hw_report_data(*r).size() != 64) std::abort();
  if (hcl_var_data_digest(*r).size() < 32) std::abort();
  (void)hcl_hw_report(*r);
  (void)parse_runtime_data(r->var_data);
  return 0;
}
