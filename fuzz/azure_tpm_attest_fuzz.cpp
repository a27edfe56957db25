// Fuzz target: TPMS_ATTEST (TPM2_Quote output) and the bincode TPM quote of trustee's quote.bin.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "azure/tpm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::azure;
  coco::ByteView in(data, size);
  if (auto a = parse_tpms_attest(in)) {
    // Lossless: a parsed attest encodes back to the input.
    auto back = encode_tpms_attest(*a);
    if (back.size() != size || !std::equal(back.begin(), back.end(), data)) std::abort();
    for (const PcrSelection& sel : a->pcr_select) (void)selected_pcrs(sel);
  } else if (a.error().code != "azure.tpm_attest_truncated" && a.error().code != "azure.tpm_attest_invalid") {
    std::abort();
  }
  if (auto q = parse_bincode_quote(in)) {
    auto back = encode_bincode_quote(*q);
    if (back.size() != size || !std::equal(back.begin(), back.end(), data)) std::abort();
    if (!q->pcrs.empty()) (void)pcr_digest(q->pcrs, all_sha256_pcrs());
    if (q->pcrs.size() > kInitDataPcr) (void)init_data_pcr8(q->pcrs[kInitDataPcr]);
    if (auto inner = parse_tpms_attest(q->message)) (void)encode_tpms_attest(*inner);
  } else if (q.error().code != "azure.tpm_quote_invalid") {
    std::abort();
  }
  return 0;
}
