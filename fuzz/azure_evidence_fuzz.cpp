// Fuzz target: Trustee's az-snp-vtpm and az-tdx-vtpm evidence JSON, parsed as text without exceptions,
// then both evidence decoders; whatever parses re-serialises and parses back to the same evidence.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "azure/evidence_json.h"
#include "core/json_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::azure;
  const nlohmann::json j =
      coco::parse_json_limited(std::string_view(reinterpret_cast<const char*>(data), size));
  if (j.is_discarded()) return 0;
  if (auto ev = az_snp_evidence_from_json(j)) {
    auto again = az_snp_evidence_from_json(az_snp_evidence_to_json(*ev));
    if (!again || !(*again == *ev)) std::abort();
  } else if (!ev.error().code.starts_with("azure.")) {
    std::abort();
  }
  if (auto ev = az_tdx_evidence_from_json(j)) {
    auto again = az_tdx_evidence_from_json(az_tdx_evidence_to_json(*ev));
    if (!again || !(*again == *ev)) std::abort();
  } else if (ev.error().code != "azure.evidence_invalid") {
    std::abort();
  }
  return 0;
}
