// Asymmetric keys and signatures on OpenSSL 3: ECDSA (P-256, P-384) and RSA, deterministic key
// derivation from a seed (simulations must be reproducible), PEM/DER I/O, and raw (r, s) ECDSA.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/result.h"

using EVP_PKEY = struct evp_pkey_st;

namespace coco {

// A shared handle on an OpenSSL key (public, or private with public).
class Key {
 public:
  Key() = default;
  explicit Key(EVP_PKEY* owned);  // takes ownership
  EVP_PKEY* get() const { return k_.get(); }
  explicit operator bool() const { return static_cast<bool>(k_); }
  bool is_ec() const;
  bool is_rsa() const;
  int bits() const;
  std::string curve_name() const;  // "secp384r1", "prime256v1", or "" for non-EC keys
  bool same_public(const Key& other) const;

 private:
  std::shared_ptr<EVP_PKEY> k_;
};

enum class Curve { p256, p384, p521 };

// Deterministic keys: the same (seed, label) always yields the same key.
Key ec_key_from_seed(Curve curve, ByteView seed, std::string_view label);
Key rsa_key_from_seed(int bits, ByteView seed, std::string_view label);

Result<Key> private_key_from_pem(std::string_view pem);  // key.pem_invalid
Result<Key> public_key_from_pem(std::string_view pem);
Result<Key> public_key_from_der(ByteView spki_der);
std::string private_key_to_pem(const Key& key);  // PKCS#8
std::string public_key_to_pem(const Key& key);
Bytes public_key_to_der(const Key& key);  // SubjectPublicKeyInfo
// Uncompressed EC point (04 || X || Y) and its affine coordinates, big-endian and fixed width.
Bytes ec_public_point(const Key& key);
// The public key of an uncompressed point (04 || X || Y) on `curve`, as quotes carry attestation keys.
// Error key.point_invalid when the bytes are not a point on the curve.
Result<Key> ec_public_key_from_point(Curve curve, ByteView point);

// ECDSA over a precomputed digest, (r, s) as fixed-width big-endian integers (48 bytes each for P-384).
struct EcdsaSignature {
  Bytes r;
  Bytes s;
};
// Deterministic signing (RFC 6979 with HMAC of the curve's natural hash) so simulated evidence is
// reproducible from a seed.
EcdsaSignature ecdsa_sign_digest(const Key& priv, ByteView digest);
bool ecdsa_verify_digest(const Key& pub, ByteView digest, const EcdsaSignature& sig);
// DER form (ECDSA-Sig-Value) for interop.
Bytes ecdsa_signature_to_der(const EcdsaSignature& sig);

// RSA-PSS and PKCS#1 v1.5 over a message (hashing included).
bool rsa_pss_verify(const Key& pub, HashAlg alg, ByteView msg, ByteView sig, int salt_len);
bool rsa_pkcs1_verify(const Key& pub, HashAlg alg, ByteView msg, ByteView sig);
Bytes rsa_pkcs1_sign(const Key& priv, HashAlg alg, ByteView msg);

// The most recent OpenSSL error queue entry as text (clears the queue).
std::string openssl_error();

}  // namespace coco
