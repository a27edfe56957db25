// Message digests and HMAC on OpenSSL's EVP interface.
#pragma once

#include <string_view>

#include "core/bytes.h"

namespace coco {

enum class HashAlg { sha256, sha384, sha512 };

std::size_t digest_size(HashAlg alg);
std::string_view hash_name(HashAlg alg);  // "sha256", "sha384", "sha512"
Bytes digest(HashAlg alg, ByteView data);
inline Bytes sha256(ByteView d) {
  return digest(HashAlg::sha256, d);
}
inline Bytes sha384(ByteView d) {
  return digest(HashAlg::sha384, d);
}
inline Bytes sha512(ByteView d) {
  return digest(HashAlg::sha512, d);
}
Bytes hmac(HashAlg alg, ByteView key, ByteView data);

}  // namespace coco
