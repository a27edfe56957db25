#include "guest/sealed_secret.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "core/encoding.h"
#include "jose/jose.h"

namespace coco::guest {
namespace {

using nlohmann::json;

constexpr std::size_t kGcmIv = 12;
constexpr std::size_t kGcmTag = 16;
constexpr std::size_t kAes256Key = 32;

Error invalid(const std::string& reason) {
  return make_error("guest.sealed_secret_invalid", "parse SealedSecret failed: " + reason);
}
Error signature_error(const std::string& message) {
  return make_error("guest.sealed_secret_signature", message);
}
Error unseal_error(const std::string& message) {
  return make_error("guest.sealed_secret_unseal", message);
}

std::string_view strip_prefix(std::string_view text) {
  while (text.starts_with(kSealedPrefix)) text.remove_prefix(kSealedPrefix.size());
  return text;
}

struct JwsParts {
  json header;
  std::string header_b64, payload_b64;
  std::string payload;
  Bytes signature;
};

// jose_jws's Flattened::from_str on a compact JWS: three base64url parts, the header a JSON object.
Result<JwsParts> parse_jws(std::string_view text) {
  const auto d1 = text.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : text.find('.', d1 + 1);
  if (d2 == std::string_view::npos || text.find('.', d2 + 1) != std::string_view::npos) {
    return invalid("Failed to parse JWS");
  }
  JwsParts p;
  p.header_b64 = std::string(text.substr(0, d1));
  p.payload_b64 = std::string(text.substr(d1 + 1, d2 - d1 - 1));
  auto h = base64url_decode(p.header_b64);
  auto pl = base64url_decode(p.payload_b64);
  auto sig = base64url_decode(text.substr(d2 + 1));
  if (!h || !pl || !sig) return invalid("Failed to parse JWS");
  p.header = json::parse(h->begin(), h->end(), nullptr, false);
  if (!p.header.is_object()) return invalid("Failed to parse JWS");
  p.payload.assign(pl->begin(), pl->end());
  p.signature = std::move(*sig);
  return p;
}

bool is_string_member(const json& j, const char* name) {
  return j.contains(name) && j[name].is_string();
}
bool is_object_member(const json& j, const char* name) {
  return j.contains(name) && j[name].is_object();
}

// serde's view of Secret: version, the "type" tag, and every field of the variant (none has a default).
Result<json> parse_payload(std::string_view payload) {
  const Error bad = invalid("malformed input sealed secret format (json deserialization failed)");
  json j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !is_string_member(j, "version") || !is_string_member(j, "type")) return bad;
  const std::string type = j["type"].get<std::string>();
  std::vector<const char*> strings, objects = {"provider_settings", "annotations"};
  if (type == "vault") {
    strings = {"provider", "name"};
  } else if (type == "envelope") {
    strings = {"key_id", "encrypted_key", "encrypted_data", "wrap_type", "iv", "provider"};
  } else {
    return bad;
  }
  for (const char* s : strings) {
    if (!is_string_member(j, s)) return bad;
  }
  for (const char* o : objects) {
    if (!is_object_member(j, o)) return bad;
  }
  return j;
}

// ---- A256GCM ------------------------------------------------------------------------------------
struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter>;

// ciphertext || tag
Bytes gcm_seal(ByteView key, ByteView iv, ByteView plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(plaintext.size() + kGcmTag);
  int len = 0, fin = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTag),
                          out.data() + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<Bytes> gcm_open(ByteView key, ByteView iv, ByteView sealed) {
  if (key.size() != kAes256Key || iv.empty() || sealed.size() < kGcmTag) return std::nullopt;
  const std::size_t n = sealed.size() - kGcmTag;
  Bytes tag(sealed.begin() + static_cast<std::ptrdiff_t>(n), sealed.end());
  Bytes out(n);
  int len = 0, fin = 0;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data(), static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTag), tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) == 1;
  if (!ok) return std::nullopt;
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return b;
}

// ---- Verification -------------------------------------------------------------------------------
Status verify(const JwsParts& jws, const ResourceGetter& get_resource) {
  if (!is_string_member(jws.header, "kid")) return invalid("Could not find kid");
  if (!is_string_member(jws.header, "alg")) return invalid("Could not get algorithm");
  const std::string kid = jws.header["kid"].get<std::string>();
  if (jws.header["alg"].get<std::string>() != "ES256") {
    return signature_error("Signing key error: JWS algorithm must be ES256");
  }
  if (!kid.starts_with("kbs://")) {
    return invalid("KID is invalid. Must be a KBS URI or a credential path.");
  }
  auto key_bytes = get_resource(kid);
  if (!key_bytes) return unseal_error("Failed to get key from KMS: " + key_bytes.error().message);
  json jwk = json::parse(key_bytes->begin(), key_bytes->end(), nullptr, false);
  if (jwk.is_discarded()) return signature_error("JSON Parsing Error: the verification key is not JSON");
  if (!jwk.is_object() || jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256") {
    return signature_error("Signing key error: Key must be P256");
  }
  auto key = jose::key_from_jwk(jwk);
  if (!key) return signature_error("Signing key error: Could not parse verification key.");
  // p256's Signature::from_slice takes exactly 64 bytes; its errors all print "signature error".
  if (jws.signature.size() != 64) return signature_error("Signature Error: signature error");
  jose::CompactJws c;
  c.header = jws.header;
  c.header_b64 = jws.header_b64;
  c.payload_b64 = jws.payload_b64;
  c.payload = jws.payload;
  c.signature = jws.signature;
  if (auto st = jose::jws_verify(c, *key); !st) return signature_error("Signature Error: signature error");
  return ok_status();
}

// ---- Unsealing ----------------------------------------------------------------------------------
Result<Bytes> b64_field(const json& payload, const char* name) {
  auto b = base64_decode(payload[name].get<std::string>());
  if (!b) {
    return unseal_error(std::string("unseal envelope secret failed: base64 decoding failed when decode `") +
                        name + "`");
  }
  return std::move(*b);
}

Result<Bytes> unseal_vault(const json& p, const ResourceGetter& get_resource) {
  const std::string provider = p["provider"].get<std::string>();
  if (provider != "kbs") {
    return unseal_error("unseal vault secret failed: unsupported provider " + provider);
  }
  auto r = get_resource(p["name"].get<std::string>());
  if (!r) return unseal_error("unseal vault secret failed: " + r.error().message);
  return std::move(*r);
}

Result<Bytes> unseal_envelope(const json& p, const ResourceGetter& get_resource) {
  const std::string provider = p["provider"].get<std::string>();
  if (provider != "kbs") {
    return unseal_error(
        "unseal envelope secret failed: kms interface when create KMS provider: unsupported provider " +
        provider);
  }
  if (p["wrap_type"].get<std::string>() != "A256GCM") {
    return unseal_error("unseal envelope secret failed: decrypt envelope: unsupported wrap_type " +
                        p["wrap_type"].get<std::string>());
  }
  auto enc_dek = b64_field(p, "encrypted_key");
  if (!enc_dek) return enc_dek.error();
  auto kek = get_resource(p["key_id"].get<std::string>());
  if (!kek) {
    return unseal_error("unseal envelope secret failed: kms interface when decrypt encryption key: " +
                        kek.error().message);
  }
  std::optional<Bytes> dek;
  if (enc_dek->size() > kGcmIv) {
    dek = gcm_open(*kek, ByteView(enc_dek->data(), kGcmIv),
                   ByteView(enc_dek->data() + kGcmIv, enc_dek->size() - kGcmIv));
  }
  if (!dek) {
    return unseal_error(
        "unseal envelope secret failed: kms interface when decrypt encryption key: the key encryption key "
        "does not open encrypted_key");
  }
  auto iv = b64_field(p, "iv");
  if (!iv) return iv.error();
  auto data = b64_field(p, "encrypted_data");
  if (!data) return data.error();
  auto plain = gcm_open(*dek, *iv, *data);
  if (!plain)
    return unseal_error("unseal envelope secret failed: decrypt envelope: A256GCM authentication failed");
  return std::move(*plain);
}

}  // namespace

Result<SealedSecret> parse_sealed_secret(std::string_view text) {
  auto jws = parse_jws(strip_prefix(text));
  if (!jws) return jws.error();
  if (!is_string_member(jws->header, "kid")) return invalid("Could not find kid");
  if (!is_string_member(jws->header, "alg")) return invalid("Could not get algorithm");
  auto payload = parse_payload(jws->payload);
  if (!payload) return payload.error();
  SealedSecret s;
  s.header = jws->header;
  s.type = (*payload)["type"].get<std::string>();
  s.payload = std::move(*payload);
  s.signing_input = jws->header_b64 + "." + jws->payload_b64;
  s.signature = std::move(jws->signature);
  return s;
}

Result<Bytes> unseal_secret(std::string_view text, const ResourceGetter& get_resource,
                            const UnsealOptions& options) {
  std::string payload_text;
  if (options.skip_verification) {
    // CDH splits the whole string (prefix included) and wants exactly four parts.
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (true) {
      const auto dot = text.find('.', pos);
      parts.push_back(text.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
      if (dot == std::string_view::npos) break;
      pos = dot + 1;
    }
    if (parts.size() != 4) return invalid("malformed input sealed secret");
    auto pl = base64url_decode(parts[2]);
    if (!pl || parts[2].find('=') != std::string_view::npos) {
      return invalid("failed to decode secret body as base64 (URL-safe without padding)");
    }
    payload_text.assign(pl->begin(), pl->end());
  } else {
    auto jws = parse_jws(strip_prefix(text));
    if (!jws) return jws.error();
    if (auto st = verify(*jws, get_resource); !st) return st.error();
    payload_text = std::move(jws->payload);
  }
  auto payload = parse_payload(payload_text);
  if (!payload) return payload.error();
  if ((*payload)["version"].get<std::string>() != kSealedSecretVersion) {
    return unseal_error("version not supported, only " + std::string(kSealedSecretVersion) + " supported");
  }
  if ((*payload)["type"] == "vault") return unseal_vault(*payload, get_resource);
  return unseal_envelope(*payload, get_resource);
}

Result<std::vector<std::pair<std::string, std::string>>> unseal_env(
    const std::vector<std::pair<std::string, std::string>>& env, const ResourceGetter& get_resource,
    const UnsealOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) {
    if (!std::string_view(value).starts_with(kSealedPrefix)) {
      out.emplace_back(name, value);
      continue;
    }
    auto plain = unseal_secret(value, get_resource, options);
    if (!plain) return Error{plain.error().code, "env " + name + ": " + plain.error().message};
    out.emplace_back(name, to_string(*plain));
  }
  return out;
}

json vault_payload(const std::string& resource_uri, const std::string& provider) {
  return {{"version", kSealedSecretVersion},
          {"type", "vault"},
          {"provider", provider},
          {"name", resource_uri},
          {"provider_settings", json::object()},
          {"annotations", json::object()}};
}

Result<json> envelope_payload(ByteView plaintext, ByteView kek, const std::string& key_id) {
  if (kek.size() != kAes256Key) return unseal_error("the key encryption key must be 32 bytes");
  const Bytes dek = random_bytes(kAes256Key);
  const Bytes dek_iv = random_bytes(kGcmIv);
  Bytes enc_dek = dek_iv;
  const Bytes wrapped = gcm_seal(kek, dek_iv, dek);
  enc_dek.insert(enc_dek.end(), wrapped.begin(), wrapped.end());
  const Bytes iv = random_bytes(kGcmIv);
  return json{{"version", kSealedSecretVersion},
              {"type", "envelope"},
              {"provider", "kbs"},
              {"key_id", key_id},
              {"encrypted_key", base64_encode(enc_dek)},
              {"encrypted_data", base64_encode(gcm_seal(dek, iv, plaintext))},
              {"wrap_type", "A256GCM"},
              {"iv", base64_encode(iv)},
              {"provider_settings", json::object()},
              {"annotations", json::object()}};
}

Result<std::string> seal_secret(const json& payload, const Key& signing_key, const std::string& kid) {
  if (!signing_key.is_ec() || signing_key.curve_name() != "prime256v1") {
    return signature_error("Signing key error: Key must be EC P256 private key");
  }
  auto jws = jose::jws_sign(json{{"alg", "ES256"}, {"kid", kid}}, payload.dump(), signing_key);
  if (!jws) return signature_error("Signing key error: " + jws.error().message);
  return std::string(kSealedPrefix) + *jws;
}

std::string seal_secret_unsigned(const json& payload) {
  return std::string(kSealedPrefix) + "fakejwsheader." + base64url_encode(as_bytes(payload.dump())) +
         ".fakesignature";
}

}  // namespace coco::guest
