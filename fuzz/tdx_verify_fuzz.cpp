// Fuzz target: tdx::verify_quote_bytes on the input against a fixed simulated Intel root
// (fuzz/tdx_fuzz_common.h) at a fixed time, without collateral (chain, PCK extension, QE report, QE binding
// and quote signatures). Inputs of odd length use a TdxChainCache shared across inputs, even lengths none,
// so both paths run. Asserts: no throw; every failure has a tdx.* code and a message; a verified quote
// parses, has its chain and signatures verified, a three-certificate chain ending at the pinned root and
// the PCK extensions; the JSON result and Trustee claims serialise. Seeds (fuzz/run.sh tdx_verify): quotes
// of the same simulated QE (fuzz/tdx_seeds.cpp), which verify, plus the real quotes of ../shared/corpus/tdx.
// COCO_FUZZ_VERBOSE=1 prints each verdict and its failures (for replaying an input).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "tdx/verify.h"
#include "tdx_fuzz_common.h"

using namespace coco;
using namespace coco::tdx;
using coco::fuzz::tdx_fuzz_fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static TdxChainCache cache(256);
  static const VerifyOptions base = [] {
    VerifyOptions o;
    o.trusted_roots = {coco::fuzz::tdx_fuzz_intel().root()};
    o.now = coco::fuzz::tdx_fuzz_now();
    return o;
  }();
  VerifyOptions o = base;
  if (size % 2 == 1) o.chain_cache = &cache;
  const ByteView in(data, size);
  try {
    VerifyResult r = verify_quote_bytes(in, o);
    static const bool verbose = std::getenv("COCO_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
      std::fprintf(stderr, "tdx_verify: %zu bytes: %s\n", size, r.ok() ? "verified" : "failed");
      for (const Error& e : r.failures) std::fprintf(stderr, "  %s: %s\n", e.code.c_str(), e.message.c_str());
    }
    for (const Error& e : r.failures)
      if (!coco::fuzz::starts_with(e.code, "tdx.") || e.message.empty()) tdx_fuzz_fail();
    (void)result_to_json(r).dump();
    if (r.ok()) {
      auto q = parse_quote(in);
      if (!q || !r.chain_verified || !r.signatures_verified || !r.pck_extensions) tdx_fuzz_fail();
      if (r.pck_chain.size() != 3 || r.pck_chain[2].der() != o.trusted_roots[0].der()) tdx_fuzz_fail();
      (void)trustee_claims(*q, r).dump();
    }
  } catch (...) {
    tdx_fuzz_fail();
  }
  return 0;
}
