// Fuzz target: the TDX quote, QE report and TDREPORT parsers, and the claims built from a parsed quote.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "tdx/quote.h"

namespace {

void check_same(const coco::Bytes& back, const std::uint8_t* data, std::size_t size) {
  if (back.size() != size || !std::equal(back.begin(), back.end(), data)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::tdx;
  coco::ByteView in(data, size);
  if (auto q = parse_quote(in)) {
    // Lossless: a parsed quote encodes back to the input, padding included.
    check_same(encode_quote(*q), data, size);
    if (signed_part(*q).size() > size) std::abort();
    (void)trustee_quote_claims(*q).dump();
    (void)decode_td_attributes(q->body.td_attributes);
    (void)pck_chain_encoding(q->signed_data.certification.cert_data);
  }
  if (auto r = parse_tdreport(in)) check_same(encode_tdreport(*r), data, size);
  if (auto s = parse_sgx_report_body(in)) check_same(encode_sgx_report_body(*s), data, size);
  return 0;
}
