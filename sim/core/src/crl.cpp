#include "core/crl.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <climits>
#include <cstdint>
#include <ctime>

#include "ossl.h"

namespace coco {
namespace {

using ossl::asn1_to_time;

// Minimal big-endian magnitude: leading zero bytes dropped, so 0 is empty.
Bytes strip_leading_zeros(ByteView b) {
  std::size_t i = 0;
  while (i < b.size() && b[i] == 0) ++i;
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(i), b.end());
}

Bytes asn1_integer_magnitude(const ASN1_INTEGER* ai) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(ai, nullptr);
  if (!bn) return {};
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

}  // namespace

Crl::Crl(X509_CRL* owned) : c_(owned, X509_CRL_free) {}

Bytes Crl::der() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509_CRL(c_.get(), &buf);
  if (len <= 0) return {};
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string Crl::pem() const {
  auto bio = ossl::mem_bio();
  PEM_write_bio_X509_CRL(bio.get(), c_.get());
  return ossl::bio_text(bio.get());
}

int Crl::version() const {
  return static_cast<int>(X509_CRL_get_version(c_.get())) + 1;
}

std::string Crl::issuer_cn() const {
  return ossl::name_cn(X509_CRL_get_issuer(c_.get()));
}

std::vector<std::pair<std::string, std::string>> Crl::issuer_rdns() const {
  return ossl::name_rdns(X509_CRL_get_issuer(c_.get()));
}

bool Crl::issued_by(const Cert& issuer) const {
  if (!issuer) return false;
  return X509_NAME_cmp(X509_CRL_get_issuer(c_.get()), X509_get_subject_name(issuer.get())) == 0;
}

SysTime Crl::this_update() const {
  return asn1_to_time(X509_CRL_get0_lastUpdate(c_.get()));
}

std::optional<SysTime> Crl::next_update() const {
  const ASN1_TIME* t = X509_CRL_get0_nextUpdate(c_.get());
  if (!t) return std::nullopt;
  return asn1_to_time(t);
}

std::string Crl::signature_algorithm() const {
  const X509_ALGOR* alg = nullptr;
  X509_CRL_get0_signature(c_.get(), nullptr, &alg);
  if (!alg) return "";
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  const char* ln = OBJ_nid2ln(OBJ_obj2nid(obj));
  return ln ? ln : "";
}

bool Crl::verify_signature(const Key& issuer_public) const {
  if (!issuer_public) return false;
  bool ok = X509_CRL_verify(c_.get(), issuer_public.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::vector<Bytes> Crl::revoked_serials() const {
  std::vector<Bytes> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(c_.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    out.push_back(asn1_integer_magnitude(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  return out;
}

bool Crl::is_revoked(ByteView serial_be) const {
  Bytes want = strip_leading_zeros(serial_be);
  for (const auto& s : revoked_serials()) {
    if (s == want) return true;
  }
  return false;
}

bool Crl::is_revoked(const Cert& cert) const {
  if (!cert) return false;
  return is_revoked(asn1_integer_magnitude(X509_get0_serialNumber(cert.get())));
}

std::optional<std::uint64_t> Crl::crl_number() const {
  int crit = 0;
  auto* num = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(c_.get(), NID_crl_number, &crit, nullptr));
  if (!num) return std::nullopt;
  std::uint64_t v = 0;
  bool ok = ASN1_INTEGER_get_uint64(&v, num) == 1;
  ASN1_INTEGER_free(num);
  ERR_clear_error();
  if (!ok) return std::nullopt;
  return v;
}

Result<Crl> crl_from_der(ByteView der) {
  if (der.empty()) return make_error("crl.der_invalid", "empty CRL");
  const unsigned char* p = der.data();
  X509_CRL* c = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (!c) {
    std::string why = openssl_error();
    return make_error("crl.der_invalid", "not a DER X.509 CRL (" + why + ")");
  }
  Crl crl(c);
  // Trailing bytes mean the input is something else that happens to start with a CRL.
  if (p != der.data() + der.size()) return make_error("crl.der_invalid", "trailing bytes after the CRL");
  return crl;
}

Result<Crl> crl_from_pem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT32_MAX))
    return make_error("crl.pem_invalid", "CRL PEM too large");
  auto bio = ossl::mem_bio(pem);
  X509_CRL* c = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (!c) return make_error("crl.pem_invalid", "no PEM X509 CRL block found");
  return Crl(c);
}

Result<Crl> crl_from_pem_or_der(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN") != std::string_view::npos) return crl_from_pem(text);
  return crl_from_der(data);
}

Result<Crl> build_crl(const Cert& issuer, const Key& issuer_key, const std::vector<Bytes>& revoked_serials,
                      SysTime this_update, SysTime next_update, const CrlOptions& options) {
  if (!issuer || !issuer_key) return make_error("crl.build_failed", "no issuer certificate or key");
  X509_CRL* raw = X509_CRL_new();
  if (!raw) return make_error("crl.build_failed", "out of memory");
  Crl crl(raw);
  bool ok = X509_CRL_set_version(raw, 1) == 1 &&  // v2
            X509_CRL_set_issuer_name(raw, X509_get_subject_name(issuer.get())) == 1;
  ASN1_TIME* last = ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(this_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(next_update));
  ok = ok && last && next && X509_CRL_set1_lastUpdate(raw, last) == 1 &&
       X509_CRL_set1_nextUpdate(raw, next) == 1;
  for (const auto& serial : revoked_serials) {
    if (!ok) break;
    Bytes mag = strip_leading_zeros(serial);
    X509_REVOKED* rev = X509_REVOKED_new();
    BIGNUM* bn = BN_bin2bn(mag.data(), static_cast<int>(mag.size()), nullptr);
    ASN1_INTEGER* ai = bn ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
    ok = rev && ai && X509_REVOKED_set_serialNumber(rev, ai) == 1 &&
         X509_REVOKED_set_revocationDate(rev, last) == 1 && X509_CRL_add0_revoked(raw, rev) == 1;
    if (!ok && rev) X509_REVOKED_free(rev);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
  }
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (ok) X509_CRL_sort(raw);
  if (ok && options.crl_number) {
    ASN1_INTEGER* num = ASN1_INTEGER_new();
    ok = num && ASN1_INTEGER_set_uint64(num, *options.crl_number) == 1 &&
         X509_CRL_add1_ext_i2d(raw, NID_crl_number, num, 0, 0) == 1;
    ASN1_INTEGER_free(num);
  }
  if (!ok) return make_error("crl.build_failed", "cannot assemble the CRL: " + openssl_error());

  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = (options.alg == SigAlg::ecdsa_sha256 || options.alg == SigAlg::rsa_pkcs1_sha256)
                         ? EVP_sha256()
                         : EVP_sha384();
  ok = mctx && EVP_DigestSignInit(mctx, &pctx, md, nullptr, issuer_key.get()) == 1;
  if (ok && options.alg == SigAlg::rsa_pss_sha384) {
    // The parameters AMD uses for every signature in the SEV chain.
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1;
  }
  ok = ok && X509_CRL_sign_ctx(raw, mctx) > 0;
  EVP_MD_CTX_free(mctx);
  if (!ok) return make_error("crl.build_failed", "signing failed: " + openssl_error());
  return crl;
}

}  // namespace coco
