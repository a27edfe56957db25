// The simulated AMD root of trust: per product line (Milan, Genoa, Turin) an ARK (self-signed), an ASK
// and an ASVK (RSA-4096, RSASSA-PSS SHA-384 / MGF1 SHA-384 / salt 48) and the VCEK and VLEK
// certificates (ECDSA P-384) the KDS would issue, with names, serial numbers, validity and KDS
// extensions laid out as in AMD's real certificates (shared/corpus/amd and snp). Keys are derived from a
// seed, so the same seed gives the same keys; RSA-4096 keys are cached as PEM in a directory because
// generating them takes seconds.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "core/x509.h"
#include "snp/report.h"

namespace coco::snp {

// Fixed times so that simulated certificates are reproducible (AMD's real ARKs date from 2020-2023
// and are valid for 25 years; VCEKs for 7).
struct AmdValidity {
  SysTime ca_not_before = utc_time(2024, 1, 1);
  SysTime ca_not_after = utc_time(2049, 1, 1);
  SysTime vek_not_before = utc_time(2025, 1, 1);
  SysTime vek_not_after = utc_time(2032, 1, 1);
};

// One product line's CA: ARK, ASK, ASVK with their keys.
struct AmdCa {
  Product product = Product::unknown;
  Key ark_key, ask_key, asvk_key;
  Cert ark, ask, asvk;
};

struct VekRequest {
  Product product = Product::milan;
  Tcb tcb;                                         // reported TCB the key is derived from (fmc used on Turin)
  Bytes chip_id;                                   // VCEK: 64 bytes (Turin: first 8 used); ignored for VLEK
  std::string csp_id = "CN=coco-harness.example";  // VLEK only
  std::optional<std::string> product_name;         // overrides the default "Milan-B0"/"Genoa"/"Turin"
  int stepping = 0;                                // used for the default Milan product name suffix
};

struct IssuedVek {
  Key key;  // private key, to sign reports
  Cert cert;
};

class AmdAuthority {
 public:
  // `cache_dir` may be empty (no caching). The seed selects the whole simulated world.
  AmdAuthority(std::string seed, std::filesystem::path cache_dir, AmdValidity validity = {});

  const std::string& seed() const { return seed_; }
  // Lazily creates (or loads from the cache) the product's ARK/ASK/ASVK. Thread-safe.
  const AmdCa& ca(Product product);
  // Issue a VCEK for (chip_id, tcb), or a VLEK for (csp, tcb). Keys are derived from the seed and the
  // request, so the same request always gives the same key; the certificate is issued once per request
  // and then reused, as a real chip keeps its VCEK for a TCB (and a verifier's chain cache can work).
  IssuedVek issue_vcek(const VekRequest& req);
  IssuedVek issue_vlek(const VekRequest& req);
  // The KDS `cert_chain` PEM: ASK (or ASVK) first, then ARK.
  std::string cert_chain_pem(Product product, bool vlek);
  const AmdValidity& validity() const { return validity_; }

 private:
  Key load_or_make_rsa(Product product, const std::string& role);
  IssuedVek issue_vek(const VekRequest& req, bool vlek);
  std::string seed_;
  std::filesystem::path cache_dir_;
  AmdValidity validity_;
  std::mutex mu_;
  std::map<Product, std::unique_ptr<AmdCa>> cas_;
  std::mutex vek_mu_;
  std::map<std::string, IssuedVek> veks_;  // by request (role, product, hwID or CSP, TCB, product name)
};

// Default simulated product name in the VCEK productName extension.
std::string default_product_name(Product product, int stepping, bool vlek);
// The ARK CRL distribution point for a product ("https://kdsintf.amd.com/vcek/v1/Milan/crl").
std::string kds_crl_url(Product product, bool vlek);
// The AMD subject/issuer RDNs in AMD's order: OU, C, L, ST, O, CN.
std::vector<std::pair<std::string, std::string>> amd_name(const std::string& cn);

}  // namespace coco::snp
