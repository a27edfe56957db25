// Compact JWS (RFC 7515) with ES256, ES384, RS256 and EdDSA (RFC 7518 3, RFC 8037 3.1), and JWT claim
// validation following the Rust jsonwebtoken crate (version 9), which Trustee and guest-components use.
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include <limits>

#include "core/encoding.h"
#include "core/json_text.h"
#include "internal.h"
#include "jose/jose.h"

namespace coco::jose {
namespace {

using detail::jose_error;
using detail::MdCtx;

enum class SigKind { ecdsa, rsa_pkcs1, eddsa };

struct AlgSpec {
  const char* name;
  SigKind kind;
  const EVP_MD* (*md)();  // nullptr for EdDSA, which hashes internally
  Curve curve;            // ECDSA only
};

constexpr AlgSpec kAlgs[] = {
    {"ES256", SigKind::ecdsa, EVP_sha256, Curve::p256},
    {"ES384", SigKind::ecdsa, EVP_sha384, Curve::p384},
    {"RS256", SigKind::rsa_pkcs1, EVP_sha256, Curve::p256},
    {"EdDSA", SigKind::eddsa, nullptr, Curve::p256},
};

// Only these algorithms exist here; "none" and the HMAC family are deliberately absent so that a token
// can never choose an unauthenticated or symmetric check against a public key.
const AlgSpec* find_alg(std::string_view name) {
  for (const auto& a : kAlgs)
    if (name == a.name) return &a;
  return nullptr;
}

bool key_suits(const AlgSpec& alg, const Key& key) {
  switch (alg.kind) {
    case SigKind::ecdsa: {
      const detail::CurveInfo* c = detail::curve_of(key);
      return c && c->curve == alg.curve;
    }
    case SigKind::rsa_pkcs1:
      return detail::is_rsa_key(key);
    case SigKind::eddsa:
      return is_ed25519(key);
  }
  return false;
}

// One-shot EVP_DigestSign: the only form EdDSA supports, and fine for the others.
std::optional<Bytes> evp_sign(const AlgSpec& alg, const Key& key, ByteView msg) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, alg.md ? alg.md() : nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) != 1) {
    detail::clear_openssl_errors();
    return std::nullopt;
  }
  sig.resize(len);
  return sig;
}

bool evp_verify(const AlgSpec& alg, const Key& key, ByteView msg, ByteView sig) {
  MdCtx ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, alg.md ? alg.md() : nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  detail::clear_openssl_errors();
  return ok;
}

// OpenSSL speaks DER ECDSA-Sig-Value; JWS wants r || s, each left-padded to the curve width.
std::optional<Bytes> der_to_raw(ByteView der, std::size_t width) {
  const unsigned char* p = der.data();
  detail::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  auto rb = detail::bn_bytes_fixed(r, width), sb = detail::bn_bytes_fixed(s, width);
  if (!rb || !sb) return std::nullopt;
  rb->insert(rb->end(), sb->begin(), sb->end());
  return rb;
}

std::optional<Bytes> raw_to_der(ByteView raw, std::size_t width) {
  if (raw.size() != 2 * width) return std::nullopt;
  detail::EcdsaSig sig(ECDSA_SIG_new());
  detail::Bn r = detail::bn_from_bytes(raw.first(width)), s = detail::bn_from_bytes(raw.subspan(width));
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::optional<Bytes> sign_bytes(const AlgSpec& alg, const Key& key, ByteView msg) {
  auto sig = evp_sign(alg, key, msg);
  if (!sig || alg.kind != SigKind::ecdsa) return sig;
  return der_to_raw(*sig, detail::curve_info(alg.curve).width);
}

bool verify_bytes(const AlgSpec& alg, const Key& key, ByteView msg, ByteView sig) {
  if (alg.kind != SigKind::ecdsa) return evp_verify(alg, key, msg, sig);
  auto der = raw_to_der(sig, detail::curve_info(alg.curve).width);
  return der && evp_verify(alg, key, msg, *der);
}

// A NumericDate as jsonwebtoken reads it (serde into u64): a non-negative integer; anything else counts as
// absent.
std::optional<std::uint64_t> numeric_date(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(it->get<std::int64_t>());
  return std::nullopt;
}

// a + b for a non-negative b, saturating instead of overflowing.
std::int64_t sat_add(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b)
    return std::numeric_limits<std::int64_t>::max();
  if (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b)
    return std::numeric_limits<std::int64_t>::min();
  return a + b;
}

// Compare an unsigned claim with a signed bound without overflow: claim < bound.
bool claim_less(std::uint64_t claim, std::int64_t bound) {
  return bound > 0 && claim < static_cast<std::uint64_t>(bound);
}

// "iss"/"aud": a string equal to `want`, or an array holding such a string.
bool claim_contains(const nlohmann::json& claims, const char* name, const std::string& want) {
  auto it = claims.find(name);
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == want;
  if (it->is_array()) {
    for (const auto& v : *it)
      if (v.is_string() && v.get_ref<const std::string&>() == want) return true;
  }
  return false;
}

}  // namespace

Result<std::string> jws_sign(const nlohmann::json& header, std::string_view payload, const Key& private_key) {
  const std::string* alg_name = detail::string_member(header, "alg");
  if (!alg_name) return jose_error("jws_alg_unsupported", "JWS header needs a string \"alg\"");
  const AlgSpec* alg = find_alg(*alg_name);
  if (!alg) return jose_error("jws_alg_unsupported", "JWS alg " + *alg_name + " is not supported");
  if (!key_suits(*alg, private_key))
    return jose_error("jws_key_mismatch", "the key does not suit JWS alg " + *alg_name);
  auto header_text = detail::dump_json(header);
  if (!header_text) return jose_error("jws_malformed", "JWS header is not valid UTF-8 JSON");
  std::string input = base64url_encode(as_bytes(*header_text)) + "." + base64url_encode(as_bytes(payload));
  auto sig = sign_bytes(*alg, private_key, as_bytes(input));
  if (!sig)
    return jose_error("jws_key_mismatch", "signing with JWS alg " + *alg_name + " failed (no private key?)");
  input += '.';
  input += base64url_encode(*sig);
  return input;
}

Result<CompactJws> jws_parse(std::string_view token) {
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return jose_error("jws_malformed", "a compact JWS has exactly three dot-separated parts");
  CompactJws jws;
  jws.header_b64 = std::string(token.substr(0, d1));
  jws.payload_b64 = std::string(token.substr(d1 + 1, d2 - d1 - 1));
  const std::string_view sig_b64 = token.substr(d2 + 1);
  auto header_bytes = detail::b64u_decode(jws.header_b64);
  auto payload_bytes = detail::b64u_decode(jws.payload_b64);
  auto sig_bytes = detail::b64u_decode(sig_b64);
  if (!header_bytes || !payload_bytes || !sig_bytes)
    return jose_error("jws_malformed", "JWS part is not unpadded base64url");
  jws.header = parse_json_limited(to_string(*header_bytes));
  if (jws.header.is_discarded() || !jws.header.is_object())
    return jose_error("jws_malformed", "JWS header is not a JSON object");
  if (!detail::string_member(jws.header, "alg"))
    return jose_error("jws_malformed", "JWS header has no string alg");
  jws.payload = to_string(*payload_bytes);
  jws.signature = std::move(*sig_bytes);
  return jws;
}

Status jws_verify(const CompactJws& jws, const Key& public_key) {
  const std::string* alg_name = detail::string_member(jws.header, "alg");
  if (!alg_name) return jose_error("jws_alg_unsupported", "JWS header needs a string \"alg\"");
  const AlgSpec* alg = find_alg(*alg_name);
  if (!alg) return jose_error("jws_alg_unsupported", "JWS alg " + *alg_name + " is not supported");
  if (!key_suits(*alg, public_key))
    return jose_error("jws_key_mismatch", "the key does not suit JWS alg " + *alg_name);
  if (!verify_bytes(*alg, public_key, as_bytes(jws.signing_input()), jws.signature))
    return jose_error("jws_signature_invalid", "JWS signature does not verify");
  return ok_status();
}

Status jwt_validate(const nlohmann::json& claims, const JwtValidation& v) {
  if (!claims.is_object()) return jose_error("jws_malformed", "JWT claims are not a JSON object");
  const std::int64_t leeway = v.leeway_seconds < 0 ? 0 : v.leeway_seconds;
  const auto exp = numeric_date(claims, "exp");
  if (v.require_exp && !exp) return jose_error("jwt_exp_missing", "JWT has no numeric \"exp\" claim");
  // jsonwebtoken: expired when exp < now - leeway, i.e. valid while now <= exp + leeway.
  if (exp && claim_less(*exp, sat_add(v.now, -leeway)))
    return jose_error("jwt_expired", "JWT expired at " + std::to_string(*exp));
  if (v.validate_nbf) {
    // Not yet valid when nbf > now + leeway.
    const auto nbf = numeric_date(claims, "nbf");
    const std::int64_t limit = sat_add(v.now, leeway);
    if (nbf && (limit < 0 || *nbf > static_cast<std::uint64_t>(limit)))
      return jose_error("jwt_not_yet_valid", "JWT not valid before " + std::to_string(*nbf));
  }
  if (v.issuer && !claim_contains(claims, "iss", *v.issuer))
    return jose_error("jwt_issuer_mismatch", "JWT \"iss\" is not " + *v.issuer);
  if (v.audience && !claim_contains(claims, "aud", *v.audience))
    return jose_error("jwt_audience_mismatch", "JWT \"aud\" does not include " + *v.audience);
  return ok_status();
}

}  // namespace coco::jose
