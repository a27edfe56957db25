// Internal to sim/core: small RAII and conversion helpers shared by the OpenSSL-based sources
// (crypto.cpp, x509.cpp, crl.cpp). Not a public header.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/x509.h"

namespace coco::ossl {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

inline Bio mem_bio() {
  return Bio(BIO_new(BIO_s_mem()));
}
inline Bio mem_bio(std::string_view data) {
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}
// Everything written to a memory BIO, as a string.
std::string bio_text(BIO* bio);

// The first CN of a name ("" when absent), and every RDN as (short name, UTF-8 value) in order.
std::string name_cn(const X509_NAME* name);
std::vector<std::pair<std::string, std::string>> name_rdns(const X509_NAME* name);
SysTime asn1_to_time(const ASN1_TIME* t);
// The OpenSSL digest for a HashAlg.
const EVP_MD* evp_md(HashAlg alg);

}  // namespace coco::ossl
