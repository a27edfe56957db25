// Trust roots for SNP verification: per product line the ARK that is pinned, and the ASK and ASVK to
// use when the evidence does not carry them. The real AMD roots are compiled in from
// fixtures/trust/amd_*_ask_ark_asvk.pem (public certificates; sources in fixtures/trust/SOURCES.md);
// the simulated roots come from an AmdAuthority.
#pragma once

#include <map>

#include "core/x509.h"
#include "snp/amd_sim.h"
#include "snp/report.h"

namespace coco::snp {

struct AmdRoots {
  Cert ark;
  Cert ask;
  Cert asvk;
};
using TrustedRoots = std::map<Product, AmdRoots>;

// AMD's real roots for Milan, Genoa and Turin.
const TrustedRoots& real_amd_roots();
// The simulated world's roots (creates them if needed).
TrustedRoots simulated_roots(AmdAuthority& authority);

}  // namespace coco::snp
