// Sealed secrets (guest-components confidential-data-hub/docs/SEALED_SECRET.md, hub/src/secret): a
// Kubernetes Secret whose value is "sealed." + a compact JWS, so the host only ever sees a reference or
// ciphertext and the guest's CDH turns it into the secret after attestation. The kata agent hands every
// container env value that starts with "sealed." to the CDH at CreateContainer (pattern.md 6).
//
// What CDH does, and so what this module does:
//   - strip the leading "sealed." (every repetition, as trim_start_matches does), parse the JWS, read
//     "kid" and "alg" from its protected header;
//   - fetch the verification key: a kid of the form kbs://... is a KBS resource holding an EC P-256 JWK
//     (CAA's e2e uses kbs:///default/signing-key/sealed-secret); any other kid names a file under CDH's
//     local sealed-secret credential directory, which the simulated guest has none of, so it is refused;
//   - only ES256 is accepted; the signature (raw r||s) is checked over "header.payload" before the payload
//     is parsed;
//   - payload {"version":"0.1.0","type":"vault"|"envelope",...}: vault -> the resource named by `name`
//     (provider kbs); envelope -> the key encryption key is the KBS resource `key_id` (provider kbs), it
//     opens `encrypted_key` (base64 of iv(12) || ciphertext || tag(16), A256GCM: a simulation choice, since
//     guest-components' kbs KMS plugin has no decryptor of its own) giving the data key, which opens
//     `encrypted_data` (base64, ciphertext || tag) with `iv` (base64) under `wrap_type` A256GCM.
//
// The pattern's older form "sealed.fakejwsheader.<base64 payload>.fakesignature" (CDH before signature
// checks were added) is refused by current CDH ("Failed to parse JWS": "fakejwsheader" is no JWS header);
// CDH only reads it with SKIP_SEALED_SECRET_VERIFICATION=true, taking the third dot-separated part as
// base64url without padding. UnsealOptions::skip_verification models that switch.
//
// Messages follow CDH's SecretError texts: "parse SealedSecret failed: <reason>", "Signing key error:
// <reason>", "Signature Error: signature error", "version not supported, only 0.1.0 supported",
// "Failed to get key from KMS: <cause>", "unseal vault secret failed: <cause>", "unseal envelope secret
// failed: <cause>" (CDH's Display stops before the cause; we append it after ": ").
// Codes: guest.sealed_secret_invalid (parse), guest.sealed_secret_signature (key or signature),
// guest.sealed_secret_unseal (KMS/KBS or decryption failure, unsupported version/provider/wrap type).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::guest {

inline constexpr std::string_view kSealedPrefix = "sealed.";
inline constexpr std::string_view kSealedSecretVersion = "0.1.0";

// Returns the resource at a kbs:///repo/type/tag URI (ApiServer::get_resource in the guest).
using ResourceGetter = std::function<Result<Bytes>(const std::string& kbs_uri)>;

struct SealedSecret {
  nlohmann::json header;   // protected header
  nlohmann::json payload;  // the secret description
  std::string type;        // "vault" or "envelope"
  std::string signing_input;
  Bytes signature;
};

// Structure only (no key fetch, no signature check). Error guest.sealed_secret_invalid with CDH's reason:
// "Failed to parse JWS", "Could not find kid", "Could not get algorithm", "malformed input sealed secret
// format (json deserialization failed)".
Result<SealedSecret> parse_sealed_secret(std::string_view text);

struct UnsealOptions {
  bool skip_verification = false;  // CDH's SKIP_SEALED_SECRET_VERIFICATION=true
};

Result<Bytes> unseal_secret(std::string_view text, const ResourceGetter& get_resource,
                            const UnsealOptions& options = {});

// The agent's env handling at CreateContainer: values starting with "sealed." are replaced by their
// unsealed text; others pass through. The first failure is returned, naming the variable.
Result<std::vector<std::pair<std::string, std::string>>> unseal_env(
    const std::vector<std::pair<std::string, std::string>>& env, const ResourceGetter& get_resource,
    const UnsealOptions& options = {});

// ---- Sealing (the `secret` CLI's seal) -----------------------------------------------------------
// {"version":"0.1.0","type":"vault","provider":"kbs","name":<uri>,"provider_settings":{},"annotations":{}}
nlohmann::json vault_payload(const std::string& resource_uri, const std::string& provider = "kbs");
// Encrypts `plaintext` under a fresh data key, and the data key under `kek` (32 bytes, the KBS resource
// `key_id`). Error guest.sealed_secret_unseal when kek is not 32 bytes.
Result<nlohmann::json> envelope_payload(ByteView plaintext, ByteView kek, const std::string& key_id);
// "sealed." + JWS{"alg":"ES256","kid":kid}. Error guest.sealed_secret_signature when the key is not an
// EC P-256 private key.
Result<std::string> seal_secret(const nlohmann::json& payload, const Key& signing_key,
                                const std::string& kid);
// The old unsigned form "sealed.fakejwsheader.<base64url payload>.fakesignature".
std::string seal_secret_unsigned(const nlohmann::json& payload);

}  // namespace coco::guest
