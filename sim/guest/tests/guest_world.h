// Test-only: the simulated AMD world the guest tests share. The seed is the SNP tests' ("snp-tests"), so a
// build that runs both generates the RSA-4096 ARK/ASK/ASVK keys once (cached in the build tree).
#pragma once

#include <memory>

#include "core/test_support.h"
#include "snp/snp.h"

namespace coco::guest::test_world {

inline std::shared_ptr<snp::AmdAuthority> authority() {
  static std::shared_ptr<snp::AmdAuthority> a =
      std::make_shared<snp::AmdAuthority>("snp-tests", coco::test::key_cache_dir());
  return a;
}

inline const snp::TrustedRoots& roots() {
  static snp::TrustedRoots r = snp::simulated_roots(*authority());
  return r;
}

}  // namespace coco::guest::test_world
