// JOSE as Trustee and guest-components use it: RFC 8785 JSON canonicalization (the runtime-data binding),
// JWKs for EC (P-256, P-384, P-521), RSA and Ed25519 keys, compact JWS/JWT (ES256, ES384, RS256, EdDSA)
// with claim validation as the Rust `jsonwebtoken` crate does it, and flattened JWE with ECDH-ES+A256KW /
// ECDH-ES+A128KW, RSA-OAEP-256, RSA-OAEP and RSA1_5 key management and A256GCM / A128GCM content
// encryption. All on OpenSSL 3; no JOSE library.
//
// Error codes: jose.jwk_invalid, jose.jwk_unsupported, jose.jws_malformed, jose.jws_alg_unsupported,
// jose.jws_key_mismatch, jose.jws_signature_invalid, jose.jwt_expired, jose.jwt_exp_missing,
// jose.jwt_not_yet_valid, jose.jwt_issuer_mismatch, jose.jwt_audience_mismatch, jose.jwe_malformed,
// jose.jwe_unsupported, jose.jwe_decrypt_failed, jose.jcs_invalid.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::jose {

// ---- RFC 8785 (JCS) ----------------------------------------------------------------------------
// Object members sorted by their UTF-16 code units, no whitespace, strings with the minimal JSON escapes
// (\b \f \n \r \t \" \\ and \u00XX lowercase hex for other controls), numbers in ECMAScript
// Number.prototype.toString form (integers stored as int64/uint64 print exactly; doubles shortest
// round-trip, exponent form outside [1e-6, 1e21)). Error jose.jcs_invalid for NaN/Infinity.
Result<std::string> jcs_canonicalize(const nlohmann::json& value);

// ---- JWK ---------------------------------------------------------------------------------------
// Public (or private, with "d") key from a JWK: kty EC (crv P-256/P-384/P-521, fixed-width x,y),
// RSA (n, e; with d, p, q, dp, dq, qi for private), OKP (crv Ed25519, x; d for private).
// Errors: jose.jwk_invalid (missing/ill-formed members, point not on the curve), jose.jwk_unsupported.
Result<Key> key_from_jwk(const nlohmann::json& jwk);
// Public JWK members only, in RFC 7638 member names: {"crv","kty","x","y"} / {"e","kty","n"} /
// {"crv","kty","x"}. The caller adds "alg" when the protocol wants it.
nlohmann::json public_jwk(const Key& key);
// Private JWK (public members plus "d", and the CRT members for RSA).
nlohmann::json private_jwk(const Key& key);
// RFC 7638 thumbprint (SHA-256, base64url without padding).
std::string jwk_thumbprint(const Key& key);

// Ed25519 keys (OpenSSL EVP_PKEY_ED25519), deterministic from a seed like core's EC/RSA keys.
Key ed25519_key_from_seed(ByteView seed, std::string_view label);
bool is_ed25519(const Key& key);
// Fresh random keys (for TEE keys and ephemeral ECDH).
Key generate_ec_key(Curve curve);
Key generate_rsa_key(int bits);

// ---- JWS / JWT ---------------------------------------------------------------------------------
// alg names as they appear in headers. ES256 needs a P-256 key, ES384 P-384, RS256 RSA, EdDSA Ed25519.
// ECDSA signatures are the JWS raw r||s form (RFC 7518 3.4), not DER.
struct CompactJws {
  nlohmann::json header;    // decoded protected header
  std::string header_b64;   // as received
  std::string payload_b64;  // as received
  std::string payload;      // decoded payload bytes
  Bytes signature;          // decoded
  std::string signing_input() const { return header_b64 + "." + payload_b64; }
};

// Signs header||payload; header must carry "alg" matching the key. Errors: jose.jws_alg_unsupported,
// jose.jws_key_mismatch. ECDSA signing is randomized (OpenSSL), like jsonwebtoken's.
Result<std::string> jws_sign(const nlohmann::json& header, std::string_view payload, const Key& private_key);
// Splits and decodes "h.p.s" (three parts, base64url without padding, header a JSON object with a string
// "alg"). Errors: jose.jws_malformed.
Result<CompactJws> jws_parse(std::string_view token);
// Verifies the signature with `key` under the header's alg (which must suit the key type).
// Errors: jose.jws_alg_unsupported, jose.jws_key_mismatch, jose.jws_signature_invalid.
Status jws_verify(const CompactJws& jws, const Key& public_key);

struct JwtValidation {
  std::int64_t now = 0;              // unix seconds
  std::int64_t leeway_seconds = 60;  // jsonwebtoken's default
  bool require_exp = true;
  bool validate_nbf = false;
  std::optional<std::string> issuer;    // when set, "iss" must equal it
  std::optional<std::string> audience;  // when set, "aud" (string or array of strings) must contain it
};
// Checks the registered claims of a JWT payload object as jsonwebtoken 9 does: exp required (a number)
// and now <= exp + leeway; nbf (when validated) now >= nbf - leeway; iss/aud only when configured.
// Errors: jose.jwt_exp_missing, jose.jwt_expired, jose.jwt_not_yet_valid, jose.jwt_issuer_mismatch,
// jose.jwt_audience_mismatch, jose.jws_malformed (payload not a JSON object).
Status jwt_validate(const nlohmann::json& claims, const JwtValidation& validation);

// ---- JWE (flattened JSON serialization) ----------------------------------------------------------
struct Jwe {
  std::string protected_b64;  // base64url of the protected header JSON, exactly as sent (it is the AAD)
  std::string encrypted_key;  // base64url
  std::string iv;
  std::string ciphertext;
  std::string tag;
  std::optional<std::string> aad;  // JWE "aad" member; Trustee never sends it

  // {"protected","encrypted_key","iv","ciphertext","tag"} in that order (Trustee's field order), "aad" last
  // only when present.
  std::string to_json_text() const;
  static Result<Jwe> from_json(const nlohmann::json& j);  // jose.jwe_malformed
};

struct JweEncryptOptions {
  // Content encryption; Trustee uses A256GCM only. A128GCM for RFC 7520 5.4.
  std::string enc = "A256GCM";
  // Fixed values for published test vectors; random when empty.
  Bytes cek;
  Bytes iv;
  std::optional<Key> ephemeral_key;  // ECDH-ES
  // Protected header member order: "alg", "enc", then "epk" for ECDH-ES, then these extras in order.
  std::vector<std::pair<std::string, nlohmann::json>> extra_header;
};

// Encrypts `plaintext` to the recipient described by a public JWK carrying "alg":
//   EC + ECDH-ES+A256KW / ECDH-ES+A128KW (P-256, P-384, P-521): ephemeral ECDH, Concat KDF (SHA-256,
//     empty apu/apv, AlgorithmID = alg), AES key wrap of the CEK; header gets
//     "epk":{"crv","kty","x","y"}.
//   RSA + RSA-OAEP-256 (SHA-256/MGF1-SHA-256), RSA-OAEP (SHA-1), RSA1_5.
// Errors: jose.jwe_unsupported (any other kty/crv/alg/enc combination), jose.jwk_invalid.
Result<Jwe> jwe_encrypt(ByteView plaintext, const nlohmann::json& recipient_jwk,
                        const JweEncryptOptions& options = {});
// Decrypts with the recipient's private key: the AAD is the received protected string (plus "." + aad
// when an aad member is present, RFC 7516 5.1 step 14). Errors: jose.jwe_malformed,
// jose.jwe_unsupported, jose.jwe_decrypt_failed (unwrap or tag failure).
Result<Bytes> jwe_decrypt(const Jwe& jwe, const Key& private_key);

// The Concat KDF of RFC 7518 4.6.2 with SHA-256 (exposed for tests and the benchmark floor).
Bytes concat_kdf_sha256(ByteView z, std::string_view algorithm_id, ByteView apu, ByteView apv,
                        std::uint32_t key_bits);

}  // namespace coco::jose
