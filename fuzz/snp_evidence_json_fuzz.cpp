// Fuzz target: Trustee's SNP evidence JSON decoder.
#include <cstdint>
#include <string_view>

#include "snp/evidence_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto ev = coco::snp::evidence_from_text(std::string_view(reinterpret_cast<const char*>(data), size));
  if (ev) (void)coco::snp::evidence_to_json(*ev);
  return 0;
}
