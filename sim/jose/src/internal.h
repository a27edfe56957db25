// Internal to sim/jose: OpenSSL RAII handles, curve tables and small JSON helpers shared by jwk.cpp,
// jws.cpp and jwe.cpp. Not a public header.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::jose::detail {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// The three NIST curves JOSE names, with the fixed coordinate width RFC 7518 6.2.1.2 requires.
struct CurveInfo {
  Curve curve;
  const char* jwk_name;   // "P-256"
  const char* ossl_name;  // "prime256v1"
  std::size_t width;      // bytes per coordinate / scalar
};
const CurveInfo* curve_by_jwk_name(std::string_view name);
const CurveInfo& curve_info(Curve curve);
// The curve of an EC key, nullptr for other keys or curves JOSE does not name.
const CurveInfo* curve_of(const Key& key);

inline bool is_rsa_key(const Key& key) {
  // RSA-PSS-restricted keys cannot do PKCS#1 v1.5 or OAEP, so only plain RSA keys qualify.
  return key && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA;
}

// base64url as JOSE uses it (RFC 7515 2): no padding, canonical trailing bits.
std::optional<Bytes> b64u_decode(std::string_view s);

// The string member `name` of a JSON object, or nullptr when the value is not an object, the member is
// absent or it is not a string. Never throws.
const std::string* string_member(const nlohmann::json& obj, const char* name);

// nlohmann's dump throws on invalid UTF-8; this reports it instead.
std::optional<std::string> dump_json(const nlohmann::json& value);

// A BIGNUM as big-endian bytes: minimal (no leading zeros, one zero byte for zero) or fixed width.
Bytes bn_bytes(const BIGNUM* bn);
std::optional<Bytes> bn_bytes_fixed(const BIGNUM* bn, std::size_t width);
Bn bn_from_bytes(ByteView be);

Bytes random_bytes(std::size_t n);

// Drops whatever OpenSSL queued, so one failure does not leak into an unrelated later error report.
inline void clear_openssl_errors() {
  ERR_clear_error();
}

inline Error jose_error(std::string code, std::string message) {
  return make_error("jose." + code, std::move(message));
}

}  // namespace coco::jose::detail
