// The TEE key pair of the guest side of RCAR (guest-components' kbs_protocol `TeeKeyPair`): generated fresh
// per client, its public half sent to the KBS as `runtime-data.tee-pubkey` (bound into the evidence's
// report_data), its private half used to open the flattened JWE the KBS wraps every resource in
// (trustee.md 1.4 and 1.8).
//
// Key types as guest-components offers them: EC P-256 with "ECDH-ES+A256KW" (the default), EC P-521 with the
// same alg, RSA 2048 with "RSA-OAEP-256", and RSA 2048 with the deprecated "RSA1_5" (which Trustee still
// accepts, and which guest-components still decrypts).
//
// Errors: guest.bad_key_type, guest.decrypt.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"
#include "jose/jose.h"

namespace coco::guest {

enum class TeeKeyType { ec_p256, ec_p521, rsa_oaep_256, rsa1_5 };

// "ec-p256", "ec-p521", "rsa-oaep-256", "rsa1_5".
std::string_view tee_key_type_name(TeeKeyType type);
// The JWK/JWE "alg" the key is announced with: "ECDH-ES+A256KW", "RSA-OAEP-256" or "RSA1_5".
std::string_view tee_key_alg(TeeKeyType type);
// Accepts the names above, case-insensitively. Error: guest.bad_key_type.
Result<TeeKeyType> parse_tee_key_type(std::string_view name);

class TeeKey {
 public:
  // A fresh random key: P-256 / P-521 for the EC types, RSA 2048 for the RSA types.
  static TeeKey generate(TeeKeyType type = TeeKeyType::ec_p256);
  // Wraps an existing private key (passport mode reuses a key across clients). The key must suit the
  // type: a P-256 / P-521 EC key for the EC types, an RSA key for the RSA types. Error: guest.bad_key_type.
  static Result<TeeKey> from_key(Key private_key, TeeKeyType type);

  TeeKeyType type() const { return type_; }
  std::string_view alg() const { return tee_key_alg(type_); }
  // {"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x","y"} or {"kty":"RSA","alg":"RSA-OAEP-256","n","e"}.
  nlohmann::json public_jwk() const;
  // Opens a flattened JWE (Trustee's resource response). Errors: guest.decrypt (not a JWE object, or the
  // JOSE layer refused it; the message carries the jose.* code).
  Result<Bytes> decrypt(const nlohmann::json& flattened_jwe) const;
  Result<Bytes> decrypt(const jose::Jwe& jwe) const;
  const Key& key() const { return key_; }

 private:
  TeeKey(TeeKeyType type, Key key) : type_(type), key_(std::move(key)) {}
  TeeKeyType type_;
  Key key_;
};

}  // namespace coco::guest
