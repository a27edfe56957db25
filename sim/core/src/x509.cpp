#include "core/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>

#include "core/encoding.h"
#include "core/hash.h"
#include "ossl.h"

namespace coco {
namespace {

using ossl::asn1_to_time;
using ossl::name_cn;
using ossl::name_rdns;

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

X509_NAME* make_name(const std::vector<std::pair<std::string, std::string>>& rdns) {
  X509_NAME* name = X509_NAME_new();
  for (const auto& [k, v] : rdns) {
    // AMD certificates use PrintableString for C and UTF8String elsewhere; OpenSSL's default string
    // mask (utf8only) gives exactly that when we pass MBSTRING_UTF8 and C is restricted to printable.
    int type = (k == "C") ? V_ASN1_PRINTABLESTRING : MBSTRING_UTF8;
    X509_NAME_add_entry_by_txt(name, k.c_str(), type, reinterpret_cast<const unsigned char*>(v.data()),
                               static_cast<int>(v.size()), -1, 0);
  }
  return name;
}

Bytes der_tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes len;
    while (n > 0) {
      len.insert(len.begin(), static_cast<std::uint8_t>(n & 0xff));
      n >>= 8;
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Reads one DER TLV with the given tag spanning the whole input; returns its contents.
std::optional<ByteView> der_read(ByteView der, std::uint8_t tag) {
  if (der.size() < 2 || der[0] != tag) return std::nullopt;
  std::size_t len = der[1];
  std::size_t hdr = 2;
  if (len & 0x80) {
    std::size_t nlen = len & 0x7f;
    if (nlen == 0 || nlen > 4 || der.size() < 2 + nlen) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < nlen; ++i) len = (len << 8) | der[2 + i];
    hdr = 2 + nlen;
  }
  if (der.size() != hdr + len) return std::nullopt;
  return der.subspan(hdr, len);
}

}  // namespace

Cert::Cert(X509* owned) : c_(owned, X509_free) {}

Bytes Cert::der() const {
  unsigned char* buf = nullptr;
  int len = i2d_X509(c_.get(), &buf);
  if (len <= 0) return {};
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string Cert::pem() const {
  auto bio = ossl::mem_bio();
  PEM_write_bio_X509(bio.get(), c_.get());
  return ossl::bio_text(bio.get());
}

Bytes Cert::sha256_fingerprint() const {
  return sha256(der());
}
int Cert::version() const {
  return static_cast<int>(X509_get_version(c_.get())) + 1;
}

std::string Cert::serial_hex() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c_.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string Cert::subject_cn() const {
  return name_cn(X509_get_subject_name(c_.get()));
}
std::string Cert::issuer_cn() const {
  return name_cn(X509_get_issuer_name(c_.get()));
}
std::vector<std::pair<std::string, std::string>> Cert::subject_rdns() const {
  return name_rdns(X509_get_subject_name(c_.get()));
}
std::vector<std::pair<std::string, std::string>> Cert::issuer_rdns() const {
  return name_rdns(X509_get_issuer_name(c_.get()));
}
SysTime Cert::not_before() const {
  return asn1_to_time(X509_get0_notBefore(c_.get()));
}
SysTime Cert::not_after() const {
  return asn1_to_time(X509_get0_notAfter(c_.get()));
}

Key Cert::public_key() const {
  EVP_PKEY* k = X509_get_pubkey(c_.get());  // up-ref'd copy
  ERR_clear_error();
  return k ? Key(k) : Key();
}

std::string Cert::signature_algorithm() const {
  int nid = X509_get_signature_nid(c_.get());
  const char* ln = OBJ_nid2ln(nid);
  if (nid == NID_rsassaPss) return "rsassaPss";
  return ln ? ln : "unknown";
}

std::optional<Cert::PssParams> Cert::pss_params() const {
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(nullptr, &alg, c_.get());
  if (!alg || OBJ_obj2nid(alg->algorithm) != NID_rsassaPss) return std::nullopt;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE) return std::nullopt;
  const ASN1_STRING* seq = static_cast<const ASN1_STRING*>(pval);
  const unsigned char* p = ASN1_STRING_get0_data(seq);
  RSA_PSS_PARAMS* pss = d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq));
  if (!pss) {
    ERR_clear_error();
    return std::nullopt;
  }
  PssParams out;
  // Absent fields take their ASN.1 defaults: SHA-1, MGF1-SHA-1, salt 20.
  out.hash = pss->hashAlgorithm ? OBJ_nid2sn(OBJ_obj2nid(pss->hashAlgorithm->algorithm)) : "SHA1";
  out.mgf1_hash = "SHA1";
  if (pss->maskGenAlgorithm && pss->maskGenAlgorithm->parameter &&
      pss->maskGenAlgorithm->parameter->type == V_ASN1_SEQUENCE) {
    const ASN1_STRING* mseq = pss->maskGenAlgorithm->parameter->value.sequence;
    const unsigned char* mp = ASN1_STRING_get0_data(mseq);
    X509_ALGOR* mgf_md = d2i_X509_ALGOR(nullptr, &mp, ASN1_STRING_length(mseq));
    if (mgf_md) out.mgf1_hash = OBJ_nid2sn(OBJ_obj2nid(mgf_md->algorithm));
    X509_ALGOR_free(mgf_md);
  }
  out.salt_len = pss->saltLength ? static_cast<int>(ASN1_INTEGER_get(pss->saltLength)) : 20;
  RSA_PSS_PARAMS_free(pss);
  return out;
}

std::optional<Bytes> Cert::extension_value(std::string_view dotted_oid) const {
  for (int i = 0; i < X509_get_ext_count(c_.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(c_.get(), i);
    if (oid_text(X509_EXTENSION_get_object(ext)) == dotted_oid) {
      ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
      const unsigned char* d = ASN1_STRING_get0_data(v);
      return Bytes(d, d + ASN1_STRING_length(v));
    }
  }
  return std::nullopt;
}

int Cert::extension_count(std::string_view dotted_oid) const {
  int n = 0;
  for (int i = 0; i < X509_get_ext_count(c_.get()); ++i)
    if (oid_text(X509_EXTENSION_get_object(X509_get_ext(c_.get(), i))) == dotted_oid) ++n;
  return n;
}

std::vector<std::string> Cert::extension_oids() const {
  std::vector<std::string> out;
  for (int i = 0; i < X509_get_ext_count(c_.get()); ++i)
    out.push_back(oid_text(X509_EXTENSION_get_object(X509_get_ext(c_.get(), i))));
  return out;
}

std::vector<std::pair<std::string, Bytes>> Cert::extensions() const {
  std::vector<std::pair<std::string, Bytes>> out;
  for (int i = 0; i < X509_get_ext_count(c_.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(c_.get(), i);
    ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
    const unsigned char* d = ASN1_STRING_get0_data(v);
    out.emplace_back(oid_text(X509_EXTENSION_get_object(ext)), Bytes(d, d + ASN1_STRING_length(v)));
  }
  return out;
}

std::vector<std::string> Cert::crl_distribution_points() const {
  std::vector<std::string> out;
  auto* dps = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(c_.get(), NID_crl_distribution_points, nullptr, nullptr));
  if (!dps) {
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_DIST_POINT_num(dps); ++i) {
    DIST_POINT* dp = sk_DIST_POINT_value(dps, i);
    if (!dp->distpoint || dp->distpoint->type != 0) continue;
    GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
      if (gn->type == GEN_URI) {
        const unsigned char* d = ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
        out.emplace_back(reinterpret_cast<const char*>(d),
                         static_cast<std::size_t>(ASN1_STRING_length(gn->d.uniformResourceIdentifier)));
      }
    }
  }
  CRL_DIST_POINTS_free(dps);
  return out;
}

bool Cert::verify_signature(const Key& issuer_public) const {
  if (!issuer_public) return false;
  bool ok = X509_verify(c_.get(), issuer_public.get()) == 1;
  ERR_clear_error();
  return ok;
}

bool Cert::is_ca() const {
  bool ca = X509_check_ca(c_.get()) > 0;
  ERR_clear_error();
  return ca;
}

Result<Cert> cert_from_der(ByteView der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) {
    std::string why = openssl_error();
    return make_error("x509.der_invalid", "not a DER X.509 certificate (" + why + ")");
  }
  return Cert(x);
}

Result<std::vector<Cert>> certs_from_pem(std::string_view pem) {
  auto bio = ossl::mem_bio(pem);
  std::vector<Cert> out;
  for (;;) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!x) break;
    out.emplace_back(x);
  }
  unsigned long err = ERR_peek_last_error();
  bool clean_eof = ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (out.empty()) return make_error("x509.pem_invalid", "no PEM certificate found");
  if (!clean_eof && err != 0) return make_error("x509.pem_invalid", "a PEM certificate block is damaged");
  return out;
}

Result<std::vector<Cert>> certs_from_pem_or_der(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN") != std::string_view::npos) return certs_from_pem(text);
  auto c = cert_from_der(data);
  if (!c) return c.error();
  return std::vector<Cert>{*c};
}

Result<Cert> build_cert(const CertSpec& spec, const Key& issuer_key, SigAlg alg, const Cert* issuer_cert) {
  X509* x = X509_new();
  Cert cert(x);
  X509_set_version(x, 2);
  {
    BIGNUM* bn = BN_bin2bn(spec.serial.data(), static_cast<int>(spec.serial.size()), nullptr);
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    X509_set_serialNumber(x, serial);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
  }
  X509_NAME* subject = make_name(spec.subject);
  X509_NAME* issuer = make_name(spec.issuer.empty() ? spec.subject : spec.issuer);
  X509_set_subject_name(x, subject);
  X509_set_issuer_name(x, issuer);
  X509_NAME_free(subject);
  X509_NAME_free(issuer);
  ASN1_TIME_set(X509_getm_notBefore(x), std::chrono::system_clock::to_time_t(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), std::chrono::system_clock::to_time_t(spec.not_after));
  X509_set_pubkey(x, spec.subject_key.get());

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer_cert ? issuer_cert->get() : x, x, nullptr, nullptr, 0);
  for (const auto& e : spec.extensions) {
    X509_EXTENSION* ext = nullptr;
    if (!e.conf.empty()) {
      ext = X509V3_EXT_nconf(nullptr, &v3, e.oid.c_str(), e.conf.c_str());
    } else {
      ASN1_OBJECT* obj = OBJ_txt2obj(e.oid.c_str(), 1);
      ASN1_OCTET_STRING* val = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(val, e.der_value.data(), static_cast<int>(e.der_value.size()));
      ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, e.critical ? 1 : 0, val);
      ASN1_OBJECT_free(obj);
      ASN1_OCTET_STRING_free(val);
    }
    if (!ext) return make_error("x509.build_failed", "extension " + e.oid + ": " + openssl_error());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }

  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md =
      (alg == SigAlg::ecdsa_sha256 || alg == SigAlg::rsa_pkcs1_sha256) ? EVP_sha256() : EVP_sha384();
  bool ok = EVP_DigestSignInit(mctx, &pctx, md, nullptr, issuer_key.get()) == 1;
  if (ok && alg == SigAlg::rsa_pss_sha384) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1;
  }
  ok = ok && X509_sign_ctx(x, mctx) > 0;
  EVP_MD_CTX_free(mctx);
  if (!ok) return make_error("x509.build_failed", "signing failed: " + openssl_error());
  return cert;
}

Bytes der_integer(std::uint64_t v) {
  Bytes mag;
  do {
    mag.insert(mag.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v > 0);
  if (mag[0] & 0x80) mag.insert(mag.begin(), 0x00);  // keep it non-negative
  return der_tlv(0x02, mag);
}
Bytes der_ia5string(std::string_view s) {
  return der_tlv(0x16, as_bytes(s));
}
Bytes der_octet_string(ByteView b) {
  return der_tlv(0x04, b);
}

std::optional<std::uint64_t> parse_der_uint(ByteView der) {
  auto c = der_read(der, 0x02);
  if (!c || c->empty() || ((*c)[0] & 0x80)) return std::nullopt;
  ByteView mag = *c;
  if (mag.size() > 1 && mag[0] == 0) mag = mag.subspan(1);
  if (mag.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (auto b : mag) v = (v << 8) | b;
  return v;
}

std::optional<std::string> parse_der_string(ByteView der) {
  if (der.empty()) return std::nullopt;
  if (der[0] != 0x16 && der[0] != 0x0c && der[0] != 0x13) return std::nullopt;
  auto c = der_read(der, der[0]);
  if (!c) return std::nullopt;
  return std::string(c->begin(), c->end());
}

std::optional<Bytes> parse_der_octet_string(ByteView der) {
  auto c = der_read(der, 0x04);
  if (!c) return std::nullopt;
  return Bytes(c->begin(), c->end());
}

SysTime utc_time(int year, int month, int day, int hour, int minute, int second) {
  struct tm t {};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return from_unix_seconds(timegm(&t));
}

SysTime from_unix_seconds(std::int64_t seconds) {
  using std::chrono::duration_cast;
  using Seconds = std::chrono::duration<std::int64_t>;
  constexpr std::int64_t kMax = duration_cast<Seconds>(SysTime::duration::max()).count() - 1;
  constexpr std::int64_t kMin = duration_cast<Seconds>(SysTime::duration::min()).count() + 1;
  if (seconds >= kMax) return SysTime::max();
  if (seconds <= kMin) return SysTime::min();
  return SysTime(duration_cast<SysTime::duration>(Seconds(seconds)));
}

std::string format_utc(SysTime tp) {
  std::time_t t = std::chrono::system_clock::to_time_t(tp);
  struct tm tmv {};
  gmtime_r(&t, &tmv);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tmv);
  return buf;
}

std::optional<SysTime> parse_utc(std::string_view iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string str(iso);
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  if (n != 3 && n != 6) return std::nullopt;
  if (n == 3 && str.size() != 10) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return utc_time(y, mo, d, h, mi, s);
}

}  // namespace coco
