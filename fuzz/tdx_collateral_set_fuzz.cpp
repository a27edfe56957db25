// Fuzz target: a saved collateral set (tdx/pcs.h collateral_from_json), as `coco-harness` and Trustee's
// file:// collateral read it. The input is parsed as JSON without exceptions (an input that is not JSON is
// skipped); collateral_from_json never throws and fails only with tdx.collateral_invalid; an accepted set
// survives collateral_to_json -> collateral_from_json unchanged.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "tdx/pcs.h"

using namespace coco::tdx;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    auto set = collateral_from_json(j);
    if (!set) {
      if (set.error().code != "tdx.collateral_invalid") __builtin_trap();
      return 0;
    }
    auto back = collateral_from_json(collateral_to_json(*set));
    if (!back || !(*back == *set)) __builtin_trap();
  } catch (...) {
    __builtin_trap();
  }
  return 0;
}
