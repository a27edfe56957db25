// Test-only: the simulated AMD world the SNP tests share (one seed, keys cached in the build tree).
#pragma once

#include "core/test_support.h"
#include "snp/snp.h"

namespace coco::snp::test_world {

inline AmdAuthority& authority() {
  static AmdAuthority a("snp-tests", coco::test::key_cache_dir());
  return a;
}

inline std::string codes(const VerifyResult& r) {
  std::string s;
  for (const auto& f : r.failures) s += f.code + " (" + f.message + ")\n";
  return s;
}

}  // namespace coco::snp::test_world
