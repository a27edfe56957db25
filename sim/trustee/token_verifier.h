// How KBS checks an attestation token before releasing a resource (kbs/src/token, crypto/jwt.rs):
//   - a `jwk` in the JWT header is used directly when insecure_header_jwk is set; otherwise its `x5c[0]`
//     must carry the same public key and the x5c chain must verify to one of the trusted certificates;
//   - else the header `kid` is looked up in the trusted JWK sets (file paths or file:// URLs);
//   - the signature must verify and `exp` must hold (60 s leeway; `aud` is not checked).
// Then the TEE public key for the JWE is found at the first of Trustee's claim paths that holds one.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/x509.h"
#include "trustee/config.h"

namespace coco::trustee {

// The x5c rules alone (Trustee's jwk scenarios 01-07): x5c present, x5c[0] key == jwk key, chain to a
// trusted certificate. Errors: token.x5c_missing, token.x5c_key_mismatch, token.chain_untrusted,
// jose.jwk_invalid.
Status verify_header_jwk_trust(const nlohmann::json& jwk, const std::vector<Cert>& trusted);

class TokenVerifier {
 public:
  // Loads trusted_certs_paths and trusted_jwk_sets. `extra_trusted` adds certificates held in memory (the
  // embedded stack's token CA). Error trustee.token_config_invalid when there is no trust material and
  // insecure_header_jwk is false (Trustee refuses to start then), or a file cannot be read.
  static Result<TokenVerifier> create(const AttestationTokenConfig& config,
                                      std::vector<Cert> extra_trusted = {});

  // The verified JWT claims. Errors: token.*, jose.* (signature, exp).
  Result<nlohmann::json> verify(std::string_view token, std::int64_t now) const;
  // The TEE's public JWK from verified claims. Error: token.tee_pubkey_missing.
  Result<nlohmann::json> extract_tee_public_key(const nlohmann::json& claims) const;

 private:
  AttestationTokenConfig config_;
  std::vector<Cert> trusted_;
  std::vector<nlohmann::json> jwks_;  // keys of the trusted JWK sets
};

}  // namespace coco::trustee
