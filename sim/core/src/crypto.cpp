#include "core/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "ossl.h"

namespace coco {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;

Bn bn() {
  return Bn(BN_new());
}
Bn bn_from(ByteView be) {
  return Bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}
Bytes bn_to_fixed(const BIGNUM* b, std::size_t width) {
  Bytes out(width);
  if (BN_bn2binpad(b, out.data(), static_cast<int>(width)) < 0) throw std::logic_error("BN too wide");
  return out;
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + openssl_error());
}

// An HMAC-SHA512 counter-mode byte stream keyed by (seed, label): the deterministic randomness
// behind simulated keys.
class SeedStream {
 public:
  SeedStream(ByteView seed, std::string_view label) : key_(seed.begin(), seed.end()) {
    key_.insert(key_.end(), label.begin(), label.end());
    key_ = sha512(key_);
  }
  Bytes next(std::size_t n) {
    Bytes out;
    while (out.size() < n) {
      std::uint8_t ctr[8];
      for (int i = 0; i < 8; ++i) ctr[i] = static_cast<std::uint8_t>(counter_ >> (8 * (7 - i)));
      ++counter_;
      auto block = hmac(HashAlg::sha512, key_, ByteView(ctr, 8));
      out.insert(out.end(), block.begin(), block.end());
    }
    out.resize(n);
    return out;
  }

 private:
  Bytes key_;
  std::uint64_t counter_ = 0;
};

const char* curve_sn(Curve c) {
  switch (c) {
    case Curve::p256:
      return "prime256v1";
    case Curve::p384:
      return "secp384r1";
    case Curve::p521:
      return "secp521r1";
  }
  return "";
}
int curve_nid(Curve c) {
  switch (c) {
    case Curve::p256:
      return NID_X9_62_prime256v1;
    case Curve::p384:
      return NID_secp384r1;
    case Curve::p521:
      return NID_secp521r1;
  }
  return 0;
}

Key key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1) {
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    fail("EVP_PKEY_fromdata");
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return Key(pkey);
}

struct EcGroupInfo {
  EC_GROUP* group;
  std::size_t width;
  HashAlg hash;
};
EcGroupInfo group_of(const Key& key) {
  std::string name = key.curve_name();
  int nid = OBJ_sn2nid(name.c_str());
  EC_GROUP* g = EC_GROUP_new_by_curve_name(nid);
  if (!g) throw std::invalid_argument("not an EC key with a named curve");
  std::size_t width = static_cast<std::size_t>((EC_GROUP_order_bits(g) + 7) / 8);
  HashAlg h = width <= 32 ? HashAlg::sha256 : width <= 48 ? HashAlg::sha384 : HashAlg::sha512;
  return {g, width, h};
}

// bits2int of RFC 6979 section 2.3.2: the leftmost qlen bits of the input as an integer.
Bn bits2int(ByteView in, int qbits) {
  Bn v = bn_from(in);
  int excess = static_cast<int>(in.size()) * 8 - qbits;
  if (excess > 0) BN_rshift(v.get(), v.get(), excess);
  return v;
}

}  // namespace

Key::Key(EVP_PKEY* owned) : k_(owned, EVP_PKEY_free) {}
bool Key::is_ec() const {
  return k_ && EVP_PKEY_base_id(k_.get()) == EVP_PKEY_EC;
}
bool Key::is_rsa() const {
  return k_ && (EVP_PKEY_base_id(k_.get()) == EVP_PKEY_RSA || EVP_PKEY_base_id(k_.get()) == EVP_PKEY_RSA_PSS);
}
int Key::bits() const {
  return k_ ? EVP_PKEY_get_bits(k_.get()) : 0;
}
std::string Key::curve_name() const {
  if (!is_ec()) return "";
  char name[64] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k_.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1)
    return "";
  return std::string(name, len);
}
bool Key::same_public(const Key& other) const {
  return k_ && other.k_ && EVP_PKEY_eq(k_.get(), other.k_.get()) == 1;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  std::string out;
  if (e == 0) return "no OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  out = buf;
  ERR_clear_error();
  return out;
}

Key ec_key_from_seed(Curve curve, ByteView seed, std::string_view label) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(curve_nid(curve));
  BnCtx ctx(BN_CTX_new());
  const BIGNUM* order = EC_GROUP_get0_order(group);
  SeedStream stream(seed, label);
  std::size_t width = static_cast<std::size_t>((BN_num_bits(order) + 7) / 8);
  Bn priv = bn();
  // 16 extra bytes make the modular bias negligible; retry on the (astronomically rare) zero.
  do {
    Bn wide = bn_from(stream.next(width + 16));
    BN_nnmod(priv.get(), wide.get(), order, ctx.get());
  } while (BN_is_zero(priv.get()));
  EC_POINT* pub = EC_POINT_new(group);
  EC_POINT_mul(group, pub, priv.get(), nullptr, nullptr, ctx.get());
  Bytes pub_oct(1 + 2 * width);
  EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, pub_oct.data(), pub_oct.size(), ctx.get());
  EC_POINT_free(pub);
  EC_GROUP_free(group);

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve_sn(curve), 0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_oct.data(), pub_oct.size());
  Key key = key_from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

Result<Key> ec_public_key_from_point(Curve curve, ByteView point) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(curve_nid(curve));
  EC_POINT* p = EC_POINT_new(group);
  const bool on_curve = EC_POINT_oct2point(group, p, point.data(), point.size(), nullptr) == 1 &&
                        EC_POINT_is_on_curve(group, p, nullptr) == 1 && point.size() > 0 && point[0] == 0x04;
  EC_POINT_free(p);
  EC_GROUP_free(group);
  ERR_clear_error();
  if (!on_curve) return make_error("key.point_invalid", "not an uncompressed point on the curve");
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve_sn(curve), 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  const bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) return make_error("key.point_invalid", "OpenSSL rejected the point: " + openssl_error());
  return Key(pkey);
}

Key rsa_key_from_seed(int bits, ByteView seed, std::string_view label) {
  SeedStream stream(seed, label);
  BnCtx ctx(BN_CTX_new());
  Bn e = bn();
  BN_set_word(e.get(), 65537);
  const int pbits = bits / 2;
  // Incremental prime search from a seeded odd starting point with the top two bits set, so that
  // p*q has exactly `bits` bits. Deterministic for a given seed and label.
  auto next_prime = [&]() {
    Bn p = bn_from(stream.next(static_cast<std::size_t>(pbits / 8)));
    BN_set_bit(p.get(), pbits - 1);
    BN_set_bit(p.get(), pbits - 2);
    BN_set_bit(p.get(), 0);
    Bn pm1 = bn(), g = bn();
    for (;;) {
      if (BN_check_prime(p.get(), ctx.get(), nullptr) == 1) {
        BN_sub(pm1.get(), p.get(), BN_value_one());
        BN_gcd(g.get(), pm1.get(), e.get(), ctx.get());
        if (BN_is_one(g.get())) return p;
      }
      BN_add_word(p.get(), 2);
    }
  };
  Bn p = next_prime();
  Bn q = next_prime();
  if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);  // convention: p > q
  Bn n = bn(), pm1 = bn(), qm1 = bn(), phi = bn(), d = bn(), dmp1 = bn(), dmq1 = bn(), iqmp = bn();
  BN_mul(n.get(), p.get(), q.get(), ctx.get());
  BN_sub(pm1.get(), p.get(), BN_value_one());
  BN_sub(qm1.get(), q.get(), BN_value_one());
  BN_mul(phi.get(), pm1.get(), qm1.get(), ctx.get());
  BN_mod_inverse(d.get(), e.get(), phi.get(), ctx.get());
  BN_mod(dmp1.get(), d.get(), pm1.get(), ctx.get());
  BN_mod(dmq1.get(), d.get(), qm1.get(), ctx.get());
  BN_mod_inverse(iqmp.get(), q.get(), p.get(), ctx.get());

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get());
  Key key = key_from_params("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

Result<Key> private_key_from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!k) return make_error("key.pem_invalid", "not a PEM private key: " + openssl_error());
  return Key(k);
}

Result<Key> public_key_from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!k) return make_error("key.pem_invalid", "not a PEM public key: " + openssl_error());
  return Key(k);
}

Result<Key> public_key_from_der(ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (!k) return make_error("key.der_invalid", "not a DER SubjectPublicKeyInfo: " + openssl_error());
  return Key(k);
}

std::string private_key_to_pem(const Key& key) {
  auto bio = ossl::mem_bio();
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("PEM_write_bio_PrivateKey");
  return ossl::bio_text(bio.get());
}

std::string public_key_to_pem(const Key& key) {
  auto bio = ossl::mem_bio();
  if (PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) fail("PEM_write_bio_PUBKEY");
  return ossl::bio_text(bio.get());
}

Bytes public_key_to_der(const Key& key) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(key.get(), &buf);
  if (len <= 0) fail("i2d_PUBKEY");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Bytes ec_public_point(const Key& key) {
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len);
  Bytes out(len);
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) != 1)
    fail("EC public point");
  out.resize(len);
  return out;
}

EcdsaSignature ecdsa_sign_digest(const Key& priv, ByteView digest) {
  // RFC 6979 deterministic k, then the textbook ECDSA equations.
  const EcGroupInfo info = group_of(priv);
  EC_GROUP* group = info.group;
  const std::size_t width = info.width;
  const HashAlg halg = info.hash;
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group_guard(group, EC_GROUP_free);
  BnCtx ctx(BN_CTX_new());
  const BIGNUM* q = EC_GROUP_get0_order(group);
  const int qbits = BN_num_bits(q);
  BIGNUM* x_raw = nullptr;
  if (EVP_PKEY_get_bn_param(priv.get(), OSSL_PKEY_PARAM_PRIV_KEY, &x_raw) != 1) fail("private scalar");
  Bn x(x_raw);

  Bn h = bits2int(digest, qbits);
  Bn h_mod = bn();
  BN_nnmod(h_mod.get(), h.get(), q, ctx.get());
  Bytes x_oct = bn_to_fixed(x.get(), width);
  Bytes h_oct = bn_to_fixed(h_mod.get(), width);

  const std::size_t hlen = digest_size(halg);
  Bytes V(hlen, 0x01), K(hlen, 0x00);
  auto mac = [&](std::initializer_list<ByteView> parts) {
    Bytes msg;
    for (auto p : parts) msg.insert(msg.end(), p.begin(), p.end());
    return hmac(halg, K, msg);
  };
  const std::uint8_t zero = 0x00, one = 0x01;
  K = mac({V, ByteView(&zero, 1), x_oct, h_oct});
  V = hmac(halg, K, V);
  K = mac({V, ByteView(&one, 1), x_oct, h_oct});
  V = hmac(halg, K, V);

  EC_POINT* R = EC_POINT_new(group);
  Bn k = bn(), r = bn(), s = bn(), kinv = bn(), rx = bn(), tmp = bn();
  for (;;) {
    Bytes T;
    while (T.size() * 8 < static_cast<std::size_t>(qbits)) {
      V = hmac(halg, K, V);
      T.insert(T.end(), V.begin(), V.end());
    }
    k = bits2int(T, qbits);
    if (!BN_is_zero(k.get()) && BN_cmp(k.get(), q) < 0) {
      EC_POINT_mul(group, R, k.get(), nullptr, nullptr, ctx.get());
      EC_POINT_get_affine_coordinates(group, R, rx.get(), nullptr, ctx.get());
      BN_nnmod(r.get(), rx.get(), q, ctx.get());
      if (!BN_is_zero(r.get())) {
        BN_mod_inverse(kinv.get(), k.get(), q, ctx.get());
        BN_mod_mul(tmp.get(), r.get(), x.get(), q, ctx.get());
        BN_mod_add(tmp.get(), tmp.get(), h_mod.get(), q, ctx.get());
        BN_mod_mul(s.get(), kinv.get(), tmp.get(), q, ctx.get());
        if (!BN_is_zero(s.get())) break;
      }
    }
    K = mac({V, ByteView(&zero, 1)});
    V = hmac(halg, K, V);
  }
  EC_POINT_free(R);
  return {bn_to_fixed(r.get(), width), bn_to_fixed(s.get(), width)};
}

Bytes ecdsa_signature_to_der(const EcdsaSignature& sig) {
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, bn_from(sig.r).release(), bn_from(sig.s).release());
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  if (len <= 0) fail("i2d_ECDSA_SIG");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

bool ecdsa_verify_digest(const Key& pub, ByteView digest, const EcdsaSignature& sig) {
  if (!pub.is_ec()) return false;
  Bytes der = ecdsa_signature_to_der(sig);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub.get(), nullptr);
  bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_verify(ctx, der.data(), der.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

namespace {

bool rsa_verify(const Key& pub, HashAlg alg, ByteView msg, ByteView sig, int padding, int salt_len) {
  if (!pub.is_rsa()) return false;
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(mctx, &pctx, ossl::evp_md(alg), nullptr, pub.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, padding) == 1;
  if (ok && padding == RSA_PKCS1_PSS_PADDING) {
    ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, ossl::evp_md(alg)) == 1;
  }
  ok = ok && EVP_DigestVerify(mctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  ERR_clear_error();
  return ok;
}
}  // namespace

bool rsa_pss_verify(const Key& pub, HashAlg alg, ByteView msg, ByteView sig, int salt_len) {
  return rsa_verify(pub, alg, msg, sig, RSA_PKCS1_PSS_PADDING, salt_len);
}
bool rsa_pkcs1_verify(const Key& pub, HashAlg alg, ByteView msg, ByteView sig) {
  return rsa_verify(pub, alg, msg, sig, RSA_PKCS1_PADDING, 0);
}

Bytes rsa_pkcs1_sign(const Key& priv, HashAlg alg, ByteView msg) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t len = 0;
  if (EVP_DigestSignInit(mctx, &pctx, ossl::evp_md(alg), nullptr, priv.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(mctx, nullptr, &len, msg.data(), msg.size()) != 1) {
    EVP_MD_CTX_free(mctx);
    fail("RSA sign");
  }
  Bytes out(len);
  if (EVP_DigestSign(mctx, out.data(), &len, msg.data(), msg.size()) != 1) {
    EVP_MD_CTX_free(mctx);
    fail("RSA sign");
  }
  EVP_MD_CTX_free(mctx);
  out.resize(len);
  return out;
}

}  // namespace coco
