// JWK import and export (RFC 7517, RFC 7518 section 6, RFC 8037 for Ed25519), RFC 7638 thumbprints and
// key generation, on OpenSSL 3's provider API (EVP_PKEY_fromdata / EVP_PKEY_get_*_param).
#include <openssl/core_names.h>

#include <stdexcept>

#include "core/encoding.h"
#include "core/hash.h"
#include "internal.h"
#include "jose/jose.h"

namespace coco::jose {
namespace {

using detail::b64u_decode;
using detail::Bn;
using detail::bn_bytes;
using detail::bn_bytes_fixed;
using detail::bn_from_bytes;
using detail::jose_error;
using detail::ParamBld;
using detail::Params;
using detail::PkeyCtx;

constexpr std::size_t kEd25519Len = 32;
// Smaller moduli are refused outright; RFC 7518 asks for 2048 bits but the simulation accepts 1024 so
// fast test keys still work.
constexpr int kMinRsaBits = 1024;

Error invalid(std::string message) {
  return jose_error("jwk_invalid", std::move(message));
}

// A base64url member: nullopt when absent, an error when present but not a well-formed string.
Result<std::optional<Bytes>> b64_member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) return std::optional<Bytes>{};
  if (!it->is_string()) return invalid(std::string("member \"") + name + "\" is not a string");
  auto bytes = b64u_decode(it->get_ref<const std::string&>());
  if (!bytes) return invalid(std::string("member \"") + name + "\" is not base64url");
  return std::optional<Bytes>(std::move(*bytes));
}

Result<Bytes> required_b64(const nlohmann::json& jwk, const char* name) {
  auto m = b64_member(jwk, name);
  if (!m) return m.error();
  if (!*m) return invalid(std::string("missing member \"") + name + "\"");
  return std::move(**m);
}

Result<Key> key_from_params(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
    detail::clear_openssl_errors();
    return invalid(std::string("OpenSSL rejected the ") + type + " key parameters");
  }
  return Key(pkey);
}

Result<Key> ec_from_jwk(const nlohmann::json& jwk) {
  const std::string* crv = detail::string_member(jwk, "crv");
  if (!crv) return invalid("EC JWK without a string \"crv\"");
  const detail::CurveInfo* curve = detail::curve_by_jwk_name(*crv);
  if (!curve) return jose_error("jwk_unsupported", "EC curve " + *crv + " is not supported");
  auto x = required_b64(jwk, "x");
  if (!x) return x.error();
  auto y = required_b64(jwk, "y");
  if (!y) return y.error();
  auto d = b64_member(jwk, "d");
  if (!d) return d.error();
  // RFC 7518 6.2.1.2/6.2.1.3/6.2.2.1: coordinates and scalar are exactly the field width, leading zeros kept.
  if (x->size() != curve->width || y->size() != curve->width)
    return invalid("EC coordinates must be " + std::to_string(curve->width) + " bytes for " + *crv);
  if (*d && (*d)->size() != curve->width)
    return invalid("EC private scalar must be " + std::to_string(curve->width) + " bytes for " + *crv);

  Bytes point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::bad_alloc();
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  Bn priv;
  if (*d) {
    priv = bn_from_bytes(**d);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  }
  auto key = key_from_params("EC", bld.get(), *d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  if (!key) return key.error();
  // Import alone does not promise a full check; an off-curve point (invalid-curve attacks on ECDH) or a
  // scalar that does not match the point must be refused here. EVP_PKEY_check covers the public check,
  // the scalar range and the pairwise consistency for key pairs.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  const int ok = !check ? 0 : (*d ? EVP_PKEY_check(check.get()) : EVP_PKEY_public_check(check.get()));
  detail::clear_openssl_errors();
  if (ok != 1) {
    return invalid(*d ? std::string("EC private key does not match its public point")
                      : "EC point is not on " + *crv);
  }
  return key;
}

Result<Key> rsa_from_jwk(const nlohmann::json& jwk) {
  if (jwk.contains("oth")) return jose_error("jwk_unsupported", "multi-prime RSA keys are not supported");
  auto n = required_b64(jwk, "n");
  if (!n) return n.error();
  auto e = required_b64(jwk, "e");
  if (!e) return e.error();
  Bn bn_n = bn_from_bytes(*n), bn_e = bn_from_bytes(*e);
  if (BN_num_bits(bn_n.get()) < kMinRsaBits)
    return invalid("RSA modulus shorter than " + std::to_string(kMinRsaBits) + " bits");
  if (!BN_is_odd(bn_n.get()) || !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()))
    return invalid("RSA modulus and exponent must be odd and the exponent greater than 1");

  auto d = b64_member(jwk, "d");
  if (!d) return d.error();
  static constexpr const char* kCrtNames[] = {"p", "q", "dp", "dq", "qi"};
  static constexpr const char* kCrtParams[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                                               OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                               OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  Bn crt[5];
  int crt_count = 0;
  for (int i = 0; i < 5; ++i) {
    auto m = b64_member(jwk, kCrtNames[i]);
    if (!m) return m.error();
    if (*m) {
      crt[i] = bn_from_bytes(**m);
      ++crt_count;
    }
  }
  // RFC 7518 6.3.2: the CRT members come all together or not at all, and only with "d".
  if (crt_count != 0 && (crt_count != 5 || !*d))
    return invalid("RSA private JWK needs all of p, q, dp, dq, qi together with d");

  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::bad_alloc();
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  Bn bn_d;
  if (*d) {
    bn_d = bn_from_bytes(**d);
    if (BN_is_zero(bn_d.get())) return invalid("RSA private exponent is zero");
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, bn_d.get());
  }
  if (crt_count == 5) {
    // A cheap consistency check: p * q must be n, or every CRT decryption would be garbage.
    Bn prod(BN_new());
    std::unique_ptr<BN_CTX, detail::Deleter<BN_CTX_free>> ctx(BN_CTX_new());
    if (!prod || !ctx || BN_mul(prod.get(), crt[0].get(), crt[1].get(), ctx.get()) != 1)
      throw std::bad_alloc();
    if (BN_cmp(prod.get(), bn_n.get()) != 0) return invalid("RSA p * q does not equal n");
    for (int i = 0; i < 5; ++i) OSSL_PARAM_BLD_push_BN(bld.get(), kCrtParams[i], crt[i].get());
  }
  return key_from_params("RSA", bld.get(), *d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
}

Result<Key> okp_from_jwk(const nlohmann::json& jwk) {
  const std::string* crv = detail::string_member(jwk, "crv");
  if (!crv) return invalid("OKP JWK without a string \"crv\"");
  if (*crv != "Ed25519") return jose_error("jwk_unsupported", "OKP curve " + *crv + " is not supported");
  auto x = required_b64(jwk, "x");
  if (!x) return x.error();
  auto d = b64_member(jwk, "d");
  if (!d) return d.error();
  if (x->size() != kEd25519Len) return invalid("Ed25519 public key must be 32 bytes");
  if (*d) {
    if ((*d)->size() != kEd25519Len) return invalid("Ed25519 private key must be 32 bytes");
    EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, (*d)->data(), (*d)->size());
    if (!pkey) {
      detail::clear_openssl_errors();
      return invalid("OpenSSL rejected the Ed25519 private key");
    }
    Key key(pkey);
    // The public key is a function of the private one; a JWK whose x disagrees is corrupt.
    Bytes pub(kEd25519Len);
    std::size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != kEd25519Len || pub != *x) {
      detail::clear_openssl_errors();
      return invalid("Ed25519 \"x\" does not match \"d\"");
    }
    return key;
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x->data(), x->size());
  if (!pkey) {
    detail::clear_openssl_errors();
    return invalid("OpenSSL rejected the Ed25519 public key");
  }
  return Key(pkey);
}

// A BIGNUM parameter of a key, or nullptr when the key does not carry it (public keys have no "d").
Bn bn_param(const Key& key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1) {
    detail::clear_openssl_errors();
    return Bn();
  }
  return Bn(raw);
}

std::string b64(ByteView b) {
  return base64url_encode(b);
}

}  // namespace

Result<Key> key_from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return invalid("JWK is not a JSON object");
  const std::string* kty = detail::string_member(jwk, "kty");
  if (!kty) return invalid("JWK without a string \"kty\"");
  if (*kty == "EC") return ec_from_jwk(jwk);
  if (*kty == "RSA") return rsa_from_jwk(jwk);
  if (*kty == "OKP") return okp_from_jwk(jwk);
  return jose_error("jwk_unsupported", "key type " + *kty + " is not supported");
}

nlohmann::json public_jwk(const Key& key) {
  nlohmann::json out = nlohmann::json::object();
  if (!key) return out;
  if (const detail::CurveInfo* curve = detail::curve_of(key)) {
    // The affine coordinates rather than the encoded point: a key imported from a compressed point
    // would otherwise export in compressed form.
    Bn x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X), y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return out;
    auto xb = bn_bytes_fixed(x.get(), curve->width), yb = bn_bytes_fixed(y.get(), curve->width);
    if (!xb || !yb) return out;
    out["crv"] = curve->jwk_name;
    out["kty"] = "EC";
    out["x"] = b64(*xb);
    out["y"] = b64(*yb);
  } else if (detail::is_rsa_key(key)) {
    Bn n = bn_param(key, OSSL_PKEY_PARAM_RSA_N), e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return out;
    out["e"] = b64(bn_bytes(e.get()));
    out["kty"] = "RSA";
    out["n"] = b64(bn_bytes(n.get()));
  } else if (is_ed25519(key)) {
    Bytes pub(kEd25519Len);
    std::size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != kEd25519Len) {
      detail::clear_openssl_errors();
      return out;
    }
    out["crv"] = "Ed25519";
    out["kty"] = "OKP";
    out["x"] = b64(pub);
  }
  return out;
}

nlohmann::json private_jwk(const Key& key) {
  nlohmann::json out = public_jwk(key);
  if (out.empty()) return out;
  if (const detail::CurveInfo* curve = detail::curve_of(key)) {
    if (Bn d = bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY)) {
      if (auto db = bn_bytes_fixed(d.get(), curve->width)) out["d"] = b64(*db);
    }
  } else if (detail::is_rsa_key(key)) {
    static constexpr std::pair<const char*, const char*> kMembers[] = {
        {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
    };
    for (const auto& [member, param] : kMembers) {
      if (Bn v = bn_param(key, param)) out[member] = b64(bn_bytes(v.get()));
    }
  } else if (is_ed25519(key)) {
    Bytes priv(kEd25519Len);
    std::size_t len = priv.size();
    if (EVP_PKEY_get_raw_private_key(key.get(), priv.data(), &len) == 1 && len == kEd25519Len)
      out["d"] = b64(priv);
    detail::clear_openssl_errors();
  }
  return out;
}

std::string jwk_thumbprint(const Key& key) {
  // RFC 7638 3: the required members only, lexicographically ordered, no whitespace. nlohmann::json's
  // object keeps its members sorted and the values are plain base64url/ASCII strings, so dump() is exactly
  // that form.
  const std::string canonical = public_jwk(key).dump();
  return base64url_encode(sha256(as_bytes(canonical)));
}

Key ed25519_key_from_seed(ByteView seed, std::string_view label) {
  // HMAC-SHA256 keyed by the seed over a domain-separated label: the 32 bytes are the RFC 8032 private key.
  const std::string info = "coco-jose/ed25519/" + std::string(label);
  Bytes priv = hmac(HashAlg::sha256, seed, as_bytes(info));
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv.data(), priv.size());
  if (!pkey) throw std::runtime_error("EVP_PKEY_new_raw_private_key(Ed25519): " + openssl_error());
  return Key(pkey);
}

bool is_ed25519(const Key& key) {
  return key && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
}

Key generate_ec_key(Curve curve) {
  const auto& info = detail::curve_info(curve);
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info.ossl_name);
  if (!pkey) throw std::runtime_error("EC key generation failed: " + openssl_error());
  return Key(pkey);
}

Key generate_rsa_key(int bits) {
  if (bits < kMinRsaBits) throw std::invalid_argument("RSA keys need at least 1024 bits");
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (!pkey) throw std::runtime_error("RSA key generation failed: " + openssl_error());
  return Key(pkey);
}

}  // namespace coco::jose
