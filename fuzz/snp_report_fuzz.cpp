// Fuzz target: the SNP ATTESTATION_REPORT parser and everything that reads a parsed report.
#include <cstdint>
#include <cstdlib>

#include "snp/evidence_json.h"
#include "snp/report.h"
#include "snp/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::snp;
  auto r = parse_report(coco::ByteView(data, size));
  if (!r) return 0;
  // Lossless: a parsed report encodes back to the input.
  auto back = r->encode();
  if (back.size() != size || !std::equal(back.begin(), back.end(), data)) std::abort();
  (void)r->mbz_violations();
  for (Product p : {Product::milan, Product::turin}) {
    auto j = report_to_json(*r, p);
    auto again = report_from_json(j, p);
    if (!again) std::abort();
  }
  (void)trustee_claims(*r, r->product());
  // Verification against no certificates must fail cleanly, never crash.
  auto res = verify_report(*r, {}, VerifyOptions::crypto_only());
  if (res.ok()) std::abort();
  return 0;
}
