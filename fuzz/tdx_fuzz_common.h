// What the TDX fuzz targets and their seed writer (fuzz/tdx_seeds.cpp) share: one simulated Intel PKI
// from a fixed seed, a fixed verification time inside every certificate's validity, and the platform and
// TD the seeds are made from, so that the seed quotes verify in fuzz_tdx_verify and the seed collateral
// matches them.
#pragma once

#include <cstdlib>
#include <exception>
#include <string_view>

#include "core/x509.h"
#include "tdx/intel_sim.h"
#include "tdx/qe.h"

namespace coco::fuzz {

inline constexpr const char* kTdxFuzzSeed = "coco-harness/fuzz/tdx";

inline tdx::IntelAuthority& tdx_fuzz_intel() {
  static tdx::IntelAuthority intel(kTdxFuzzSeed);
  return intel;
}

// 2027-01-01: the simulated PCK (2025..2032) and TCB Signing (2024..2031) certificates are valid.
inline SysTime tdx_fuzz_now() {
  return utc_time(2027, 1, 1);
}

inline const tdx::QuotingEnclave& tdx_fuzz_qe() {
  static const tdx::QuotingEnclave qe(tdx_fuzz_intel(), tdx::PlatformSpec{});
  return qe;
}

// An invariant broke: stop with a crash libFuzzer records.
[[noreturn]] inline void tdx_fuzz_fail() {
  __builtin_trap();
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace coco::fuzz
