#include "snp/trust.h"

#include <stdexcept>

#include "snp/embedded_roots.h"

namespace coco::snp {
namespace {

AmdRoots load_bundle(const char* pem) {
  // The bundle order is Trustee's: ASK, ARK, ASVK.
  auto certs = certs_from_pem(pem);
  if (!certs || certs->size() != 3) throw std::logic_error("embedded AMD root bundle is malformed");
  return AmdRoots{(*certs)[1], (*certs)[0], (*certs)[2]};
}

}  // namespace

const TrustedRoots& real_amd_roots() {
  static const TrustedRoots roots = {
      {Product::milan, load_bundle(embedded::kAmdMilanBundle)},
      {Product::genoa, load_bundle(embedded::kAmdGenoaBundle)},
      {Product::turin, load_bundle(embedded::kAmdTurinBundle)},
  };
  return roots;
}

TrustedRoots simulated_roots(AmdAuthority& authority) {
  TrustedRoots out;
  for (Product p : {Product::milan, Product::genoa, Product::turin}) {
    const AmdCa& ca = authority.ca(p);
    out[p] = AmdRoots{ca.ark, ca.ask, ca.asvk};
  }
  return out;
}

}  // namespace coco::snp
