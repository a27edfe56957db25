// X.509 certificate revocation lists (RFC 5280 v2 CRLs): build one signed by a CA (RSA-PSS SHA-384 as AMD's
// KDS does, or ECDSA / RSA PKCS#1), and parse one back to check its issuer, its signature, its update
// times and whether a serial number is revoked. Built on OpenSSL 3. Serial numbers are big-endian
// magnitudes, so serial 0 (which AMD's VCEKs carry) is the empty or all-zero byte string.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"
#include "core/x509.h"

using X509_CRL = struct X509_crl_st;

namespace coco {

class Crl {
 public:
  Crl() = default;
  explicit Crl(X509_CRL* owned);  // takes ownership
  X509_CRL* get() const { return c_.get(); }
  explicit operator bool() const { return static_cast<bool>(c_); }

  Bytes der() const;
  std::string pem() const;
  int version() const;  // 2 for a v2 CRL
  std::string issuer_cn() const;
  std::vector<std::pair<std::string, std::string>> issuer_rdns() const;
  // True when the CRL's issuer name equals the certificate's subject name.
  bool issued_by(const Cert& issuer) const;
  SysTime this_update() const;
  std::optional<SysTime> next_update() const;
  std::string signature_algorithm() const;  // "rsassaPss", "ecdsa-with-SHA384", ...
  bool verify_signature(const Key& issuer_public) const;
  // Revoked serials as minimal big-endian magnitudes (serial 0 is an empty vector), in CRL order.
  std::vector<Bytes> revoked_serials() const;
  bool is_revoked(ByteView serial_be) const;
  bool is_revoked(const Cert& cert) const;
  std::optional<std::uint64_t> crl_number() const;

 private:
  std::shared_ptr<X509_CRL> c_;
};

// Errors: crl.der_invalid, crl.pem_invalid.
Result<Crl> crl_from_der(ByteView der);
Result<Crl> crl_from_pem(std::string_view pem);
Result<Crl> crl_from_pem_or_der(ByteView data);

struct CrlOptions {
  SigAlg alg = SigAlg::rsa_pss_sha384;
  std::optional<std::uint64_t> crl_number;  // the cRLNumber extension, when set
};

// A v2 CRL naming `issuer`'s subject as its issuer, signed with `issuer_key`, listing `revoked_serials`
// (big-endian magnitudes) revoked at `this_update`. Error: crl.build_failed.
Result<Crl> build_crl(const Cert& issuer, const Key& issuer_key, const std::vector<Bytes>& revoked_serials,
                      SysTime this_update, SysTime next_update, const CrlOptions& options = {});

}  // namespace coco
