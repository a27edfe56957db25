// Flattened JWE (RFC 7516 7.2.2) with ECDH-ES+A256KW / ECDH-ES+A128KW (RFC 7518 4.6), RSA-OAEP-256,
// RSA-OAEP and RSA1_5 (RFC 7518 4.2/4.3) key management and A256GCM / A128GCM content encryption
// (RFC 7518 5.3), as Trustee's KBS protocol uses it.
#include <openssl/rsa.h>

#include <array>
#include <stdexcept>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"
#include "internal.h"
#include "jose/jose.h"

namespace coco::jose {
namespace {

using detail::b64u_decode;
using detail::CipherCtx;
using detail::jose_error;
using detail::PkeyCtx;

constexpr std::size_t kGcmIvLen = 12;
constexpr std::size_t kGcmTagLen = 16;
constexpr std::size_t kKeyWrapOverhead = 8;  // RFC 3394 integrity block
// OpenSSL's cipher calls take int lengths; refuse anything near that limit instead of truncating.
constexpr std::size_t kMaxLength = std::size_t{1} << 30;

struct EncSpec {
  const char* name;
  std::size_t key_len;
  const EVP_CIPHER* (*cipher)();
};
constexpr EncSpec kEncs[] = {
    {"A256GCM", 32, EVP_aes_256_gcm},
    {"A128GCM", 16, EVP_aes_128_gcm},
};
const EncSpec* find_enc(std::string_view name) {
  for (const auto& e : kEncs)
    if (name == e.name) return &e;
  return nullptr;
}

enum class KeyMgmt { ecdh_es_kw, rsa_oaep_256, rsa_oaep, rsa1_5 };
struct AlgSpec {
  const char* name;
  KeyMgmt kind;
  std::size_t kek_len;  // ECDH-ES+AxxxKW: the wrapping key size in bytes
};
constexpr AlgSpec kAlgs[] = {
    {"ECDH-ES+A256KW", KeyMgmt::ecdh_es_kw, 32},
    {"ECDH-ES+A128KW", KeyMgmt::ecdh_es_kw, 16},
    {"RSA-OAEP-256", KeyMgmt::rsa_oaep_256, 0},
    {"RSA-OAEP", KeyMgmt::rsa_oaep, 0},
    {"RSA1_5", KeyMgmt::rsa1_5, 0},
};
const AlgSpec* find_alg(std::string_view name) {
  for (const auto& a : kAlgs)
    if (name == a.name) return &a;
  return nullptr;
}

Error unsupported(std::string message) {
  return jose_error("jwe_unsupported", std::move(message));
}
Error malformed(std::string message) {
  return jose_error("jwe_malformed", std::move(message));
}
Error decrypt_failed(std::string message) {
  return jose_error("jwe_decrypt_failed", std::move(message));
}

struct Sealed {
  Bytes ciphertext;
  Bytes tag;
};

Sealed gcm_seal(const EncSpec& enc, ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Sealed out;
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(kGcmTagLen);
  int len = 0;
  int fin = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), enc.cipher(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagLen), out.tag.data()) != 1)
    throw std::runtime_error("AES-GCM encryption failed: " + openssl_error());
  return out;
}

std::optional<Bytes> gcm_open(const EncSpec& enc, ByteView key, ByteView iv, ByteView aad,
                              ByteView ciphertext, ByteView tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes plain(ciphertext.size());
  Bytes tag_copy(tag.begin(), tag.end());  // the ctrl takes a non-const pointer
  int len = 0;
  int fin = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), enc.cipher(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
      (aad.empty() ||
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_copy.size()),
                          tag_copy.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &fin) == 1;
  detail::clear_openssl_errors();
  if (!ok) return std::nullopt;
  return plain;
}

const EVP_CIPHER* key_wrap_cipher(std::size_t kek_len) {
  return kek_len == 32 ? EVP_aes_256_wrap() : EVP_aes_128_wrap();
}

// RFC 3394 AES key wrap with the default IV. OpenSSL refuses wrap-mode ciphers unless the context allows
// them explicitly (they are not general-purpose ciphers).
Bytes aes_key_wrap(ByteView kek, ByteView cek) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(cek.size() + kKeyWrapOverhead);
  int len = 0;
  int fin = 0;
  if (!ctx) throw std::bad_alloc();
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_EncryptInit_ex(ctx.get(), key_wrap_cipher(kek.size()), nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, cek.data(), static_cast<int>(cek.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1)
    throw std::runtime_error("AES key wrap failed: " + openssl_error());
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

std::optional<Bytes> aes_key_unwrap(ByteView kek, ByteView wrapped) {
  if (wrapped.size() < 16 + kKeyWrapOverhead || wrapped.size() % 8 != 0) return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(wrapped.size());
  int len = 0;
  int fin = 0;
  if (!ctx) throw std::bad_alloc();
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), key_wrap_cipher(kek.size()), nullptr, kek.data(), nullptr) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, wrapped.data(), static_cast<int>(wrapped.size())) > 0 &&
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) == 1;
  detail::clear_openssl_errors();
  if (!ok) return std::nullopt;
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

// The ECDH shared secret Z: the x coordinate, left-padded to the field width (RFC 7518 4.6.2).
std::optional<Bytes> ecdh(const Key& priv, const Key& peer) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
  std::size_t len = 0;
  // EVP_PKEY_derive_set_peer validates the peer's public key, so an off-curve epk cannot leak bits of
  // the recipient's scalar.
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  Bytes z(len);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  z.resize(len);
  return z;
}

bool set_rsa_padding(EVP_PKEY_CTX* ctx, KeyMgmt kind) {
  switch (kind) {
    case KeyMgmt::rsa_oaep_256:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1;
    case KeyMgmt::rsa_oaep:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1;
    case KeyMgmt::rsa1_5:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    case KeyMgmt::ecdh_es_kw:
      break;
  }
  return false;
}

std::optional<Bytes> rsa_encrypt(const Key& key, KeyMgmt kind, ByteView cek) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !set_rsa_padding(ctx.get(), kind) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, cek.data(), cek.size()) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, cek.data(), cek.size()) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::optional<Bytes> rsa_decrypt(const Key& key, KeyMgmt kind, ByteView encrypted) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !set_rsa_padding(ctx.get(), kind) ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, encrypted.data(), encrypted.size()) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  Bytes out(len);
  const bool ok = EVP_PKEY_decrypt(ctx.get(), out.data(), &len, encrypted.data(), encrypted.size()) == 1;
  detail::clear_openssl_errors();
  if (!ok) return std::nullopt;
  out.resize(len);
  return out;
}

// The optional base64url "apu"/"apv" header members that feed the Concat KDF.
Result<Bytes> party_info(const nlohmann::json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end()) return Bytes{};
  if (!it->is_string()) return malformed(std::string("\"") + name + "\" is not a string");
  auto bytes = b64u_decode(it->get_ref<const std::string&>());
  if (!bytes) return malformed(std::string("\"") + name + "\" is not base64url");
  return std::move(*bytes);
}

}  // namespace

Bytes concat_kdf_sha256(ByteView z, std::string_view algorithm_id, ByteView apu, ByteView apv,
                        std::uint32_t key_bits) {
  // NIST SP 800-56A Concat KDF as RFC 7518 4.6.2 profiles it: OtherInfo = AlgorithmID || PartyUInfo ||
  // PartyVInfo || SuppPubInfo, the first three length-prefixed, SuppPubInfo the key length in bits.
  auto be32 = [](Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  auto with_len = [&](Bytes& out, ByteView data) {
    be32(out, static_cast<std::uint32_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
  };
  Bytes other;
  with_len(other, as_bytes(algorithm_id));
  with_len(other, apu);
  with_len(other, apv);
  be32(other, key_bits);

  const std::size_t out_len = (static_cast<std::size_t>(key_bits) + 7) / 8;
  Bytes out;
  for (std::uint32_t counter = 1; out.size() < out_len; ++counter) {
    Bytes block;
    be32(block, counter);
    block.insert(block.end(), z.begin(), z.end());
    block.insert(block.end(), other.begin(), other.end());
    Bytes h = sha256(block);
    out.insert(out.end(), h.begin(), h.end());
  }
  out.resize(out_len);
  return out;
}

std::string Jwe::to_json_text() const {
  nlohmann::ordered_json j;
  j["protected"] = protected_b64;
  j["encrypted_key"] = encrypted_key;
  j["iv"] = iv;
  j["ciphertext"] = ciphertext;
  j["tag"] = tag;
  if (aad) j["aad"] = *aad;
  // Members are base64url in practice; replace keeps dump() from throwing on arbitrary bytes.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<Jwe> Jwe::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return malformed("JWE is not a JSON object");
  Jwe jwe;
  auto take = [&](const char* name, std::string& dst, bool required) -> bool {
    auto it = j.find(name);
    if (it == j.end()) return !required;
    if (!it->is_string()) return false;
    dst = it->get<std::string>();
    return true;
  };
  if (!take("protected", jwe.protected_b64, true) || !take("iv", jwe.iv, true) ||
      !take("ciphertext", jwe.ciphertext, true) || !take("tag", jwe.tag, true))
    return malformed("JWE needs string members protected, iv, ciphertext and tag");
  if (j.contains("encrypted_key")) {
    if (!take("encrypted_key", jwe.encrypted_key, true))
      return malformed("JWE encrypted_key is not a string");
  } else if (j.contains("recipients")) {
    // The general serialization with a single recipient carries the same information.
    const auto& r = j.at("recipients");
    if (!r.is_array() || r.size() != 1 || !r[0].is_object())
      return malformed("JWE recipients must be an array of exactly one object");
    const std::string* ek = detail::string_member(r[0], "encrypted_key");
    if (!ek) return malformed("JWE recipient has no string encrypted_key");
    jwe.encrypted_key = *ek;
  }
  if (j.contains("aad")) {
    std::string aad;
    if (!take("aad", aad, true)) return malformed("JWE aad is not a string");
    jwe.aad = std::move(aad);
  }
  return jwe;
}

Result<Jwe> jwe_encrypt(ByteView plaintext, const nlohmann::json& recipient_jwk,
                        const JweEncryptOptions& options) {
  if (!recipient_jwk.is_object()) return jose_error("jwk_invalid", "recipient JWK is not a JSON object");
  const std::string* alg_name = detail::string_member(recipient_jwk, "alg");
  if (!alg_name) return unsupported("recipient JWK carries no string \"alg\"");
  const AlgSpec* alg = find_alg(*alg_name);
  if (!alg) return unsupported("JWE alg " + *alg_name + " is not supported");
  const EncSpec* enc = find_enc(options.enc);
  if (!enc) return unsupported("JWE enc " + options.enc + " is not supported");
  if (plaintext.size() > kMaxLength) return unsupported("JWE plaintext is too large");
  auto recipient = key_from_jwk(recipient_jwk);
  if (!recipient) {
    if (recipient.error().code == "jose.jwk_unsupported") return unsupported(recipient.error().message);
    return recipient.error();
  }

  Bytes cek = options.cek.empty() ? detail::random_bytes(enc->key_len) : options.cek;
  if (cek.size() != enc->key_len) return unsupported("fixed CEK length does not match " + options.enc);
  Bytes iv = options.iv.empty() ? detail::random_bytes(kGcmIvLen) : options.iv;
  if (iv.size() != kGcmIvLen) return unsupported("fixed IV must be 12 bytes for AES-GCM");

  nlohmann::ordered_json header;
  header["alg"] = alg->name;
  header["enc"] = enc->name;
  for (const auto& [name, value] : options.extra_header) {
    if (name == "alg" || name == "enc" || name == "epk")
      return unsupported("extra header member " + name + " would override a computed one");
  }
  Bytes encrypted_key;
  if (alg->kind == KeyMgmt::ecdh_es_kw) {
    const detail::CurveInfo* curve = detail::curve_of(*recipient);
    if (!curve) return unsupported(*alg_name + " needs an EC recipient key");
    Key ephemeral = options.ephemeral_key ? *options.ephemeral_key : generate_ec_key(curve->curve);
    const detail::CurveInfo* eph_curve = detail::curve_of(ephemeral);
    if (!eph_curve || eph_curve->curve != curve->curve)
      return unsupported("ephemeral key must be an EC key on the recipient's curve");
    // apu/apv given as extra header members take part in the KDF, as the recipient will expect.
    Bytes apu, apv;
    for (const auto& [name, value] : options.extra_header) {
      if (name != "apu" && name != "apv") continue;
      auto bytes = value.is_string() ? b64u_decode(value.get_ref<const std::string&>()) : std::nullopt;
      if (!bytes) return unsupported(name + " must be a base64url string");
      (name == "apu" ? apu : apv) = std::move(*bytes);
    }
    auto z = ecdh(ephemeral, *recipient);
    if (!z) return unsupported("ECDH with the recipient key failed (ephemeral key without private part?)");
    Bytes kek = concat_kdf_sha256(*z, alg->name, apu, apv, static_cast<std::uint32_t>(alg->kek_len * 8));
    encrypted_key = aes_key_wrap(kek, cek);
    const nlohmann::json epk = public_jwk(ephemeral);
    nlohmann::ordered_json epk_ordered;
    for (const char* member : {"crv", "kty", "x", "y"}) {
      if (!epk.contains(member)) return unsupported("could not export the ephemeral public key");
      epk_ordered[member] = epk[member];
    }
    header["epk"] = std::move(epk_ordered);
  } else {
    if (!detail::is_rsa_key(*recipient)) return unsupported(*alg_name + " needs an RSA recipient key");
    auto wrapped = rsa_encrypt(*recipient, alg->kind, cek);
    if (!wrapped) return unsupported("RSA encryption of the CEK failed");
    encrypted_key = std::move(*wrapped);
  }
  for (const auto& [name, value] : options.extra_header) header[name] = value;

  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const nlohmann::json::exception&) {
    return unsupported("extra header members are not valid UTF-8 JSON");
  }
  Jwe jwe;
  jwe.protected_b64 = base64url_encode(as_bytes(header_text));
  Sealed sealed = gcm_seal(*enc, cek, iv, as_bytes(jwe.protected_b64), plaintext);
  jwe.encrypted_key = base64url_encode(encrypted_key);
  jwe.iv = base64url_encode(iv);
  jwe.ciphertext = base64url_encode(sealed.ciphertext);
  jwe.tag = base64url_encode(sealed.tag);
  return jwe;
}

Result<Bytes> jwe_decrypt(const Jwe& jwe, const Key& private_key) {
  if (jwe.protected_b64.size() + jwe.ciphertext.size() + (jwe.aad ? jwe.aad->size() : 0) > kMaxLength)
    return malformed("JWE is too large");
  auto header_bytes = b64u_decode(jwe.protected_b64);
  if (!header_bytes) return malformed("JWE protected header is not base64url");
  const auto header = parse_json_limited(to_string(*header_bytes));
  if (header.is_discarded() || !header.is_object())
    return malformed("JWE protected header is not a JSON object");
  const std::string* alg_name = detail::string_member(header, "alg");
  const std::string* enc_name = detail::string_member(header, "enc");
  if (!alg_name || !enc_name) return malformed("JWE protected header needs string alg and enc");
  const AlgSpec* alg = find_alg(*alg_name);
  if (!alg) return unsupported("JWE alg " + *alg_name + " is not supported");
  const EncSpec* enc = find_enc(*enc_name);
  if (!enc) return unsupported("JWE enc " + *enc_name + " is not supported");
  // Compression and critical extensions would change how the plaintext must be read; refuse rather than
  // hand back something the sender did not mean.
  if (header.contains("zip")) return unsupported("JWE compression (zip) is not supported");
  if (header.contains("crit")) return unsupported("JWE critical header extensions are not supported");

  auto encrypted_key = b64u_decode(jwe.encrypted_key);
  auto iv = b64u_decode(jwe.iv);
  auto ciphertext = b64u_decode(jwe.ciphertext);
  auto tag = b64u_decode(jwe.tag);
  if (!encrypted_key || !iv || !ciphertext || !tag) return malformed("JWE member is not base64url");
  if (iv->size() != kGcmIvLen) return malformed("JWE iv must be 12 bytes for AES-GCM");
  if (tag->size() != kGcmTagLen) return malformed("JWE tag must be 16 bytes for AES-GCM");
  if (jwe.aad && !b64u_decode(*jwe.aad)) return malformed("JWE aad is not base64url");

  Bytes cek;
  if (alg->kind == KeyMgmt::ecdh_es_kw) {
    const detail::CurveInfo* curve = detail::curve_of(private_key);
    if (!curve) return unsupported(*alg_name + " needs an EC private key");
    auto epk_it = header.find("epk");
    if (epk_it == header.end() || !epk_it->is_object()) return malformed("ECDH-ES JWE without an epk object");
    const std::string* epk_kty = detail::string_member(*epk_it, "kty");
    if (!epk_kty || *epk_kty != "EC") return malformed("JWE epk is not an EC key");
    auto epk = key_from_jwk(*epk_it);
    if (!epk) return malformed("JWE epk: " + epk.error().message);
    const detail::CurveInfo* epk_curve = detail::curve_of(*epk);
    if (!epk_curve || epk_curve->curve != curve->curve)
      return decrypt_failed("JWE epk is on another curve than the private key");
    auto apu = party_info(header, "apu");
    if (!apu) return apu.error();
    auto apv = party_info(header, "apv");
    if (!apv) return apv.error();
    auto z = ecdh(private_key, *epk);
    if (!z) return decrypt_failed("ECDH with the epk failed (no private key?)");
    Bytes kek = concat_kdf_sha256(*z, alg->name, *apu, *apv, static_cast<std::uint32_t>(alg->kek_len * 8));
    if (encrypted_key->size() != enc->key_len + kKeyWrapOverhead)
      return decrypt_failed("JWE encrypted_key has the wrong length for " + *enc_name);
    auto unwrapped = aes_key_unwrap(kek, *encrypted_key);
    if (!unwrapped) return decrypt_failed("AES key unwrap failed");
    cek = std::move(*unwrapped);
  } else {
    if (!detail::is_rsa_key(private_key)) return unsupported(*alg_name + " needs an RSA private key");
    auto decrypted = rsa_decrypt(private_key, alg->kind, *encrypted_key);
    if (decrypted && decrypted->size() == enc->key_len) {
      cek = std::move(*decrypted);
    } else if (alg->kind == KeyMgmt::rsa1_5) {
      // RFC 7516 11.5: on a PKCS#1 v1.5 padding failure carry on with a random CEK, so that the failure
      // shows only as the tag check failing and the padding oracle (Bleichenbacher) stays closed.
      cek = detail::random_bytes(enc->key_len);
    } else {
      return decrypt_failed("RSA decryption of the CEK failed");
    }
  }

  std::string aad = jwe.protected_b64;
  if (jwe.aad) aad += "." + *jwe.aad;
  auto plain = gcm_open(*enc, cek, *iv, as_bytes(aad), *ciphertext, *tag);
  if (!plain) return decrypt_failed("AES-GCM authentication failed");
  return std::move(*plain);
}

}  // namespace coco::jose
