#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "ossl.h"

namespace coco {
const EVP_MD* ossl::evp_md(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha256:
      return EVP_sha256();
    case HashAlg::sha384:
      return EVP_sha384();
    case HashAlg::sha512:
      return EVP_sha512();
  }
  throw std::logic_error("unknown hash");
}

std::size_t digest_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha256:
      return 32;
    case HashAlg::sha384:
      return 48;
    case HashAlg::sha512:
      return 64;
  }
  return 0;
}

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha256:
      return "sha256";
    case HashAlg::sha384:
      return "sha384";
    case HashAlg::sha512:
      return "sha512";
  }
  return "";
}

Bytes digest(HashAlg alg, ByteView data) {
  Bytes out(digest_size(alg));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ossl::evp_md(alg), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed");
  return out;
}

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  Bytes out(digest_size(alg));
  unsigned int len = 0;
  if (!HMAC(ossl::evp_md(alg), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
            &len))
    throw std::runtime_error("HMAC failed");
  return out;
}

}  // namespace coco
