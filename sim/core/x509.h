// X.509 certificates: parse (DER, PEM bundles), inspect (names, extensions by OID, validity), verify
// signatures, and build certificates with arbitrary extensions and RSA-PSS / ECDSA / RSA signatures.
// Built on OpenSSL 3; tolerant of what real vendor certificates contain (serial 0, raw extensions).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

using X509 = struct x509_st;

namespace coco {

using SysTime = std::chrono::system_clock::time_point;

class Cert {
 public:
  Cert() = default;
  explicit Cert(X509* owned);
  X509* get() const { return c_.get(); }
  explicit operator bool() const { return static_cast<bool>(c_); }

  Bytes der() const;
  std::string pem() const;
  Bytes sha256_fingerprint() const;
  int version() const;  // 3 for X.509 v3
  std::string serial_hex() const;
  std::string subject_cn() const;
  std::string issuer_cn() const;
  // All RDNs of the subject/issuer as (short name, value) in order, e.g. {"OU","Engineering"}.
  std::vector<std::pair<std::string, std::string>> subject_rdns() const;
  std::vector<std::pair<std::string, std::string>> issuer_rdns() const;
  SysTime not_before() const;
  SysTime not_after() const;
  Key public_key() const;
  // "rsassaPss", "ecdsa-with-SHA384", ... (OpenSSL long/short name of the signature algorithm)
  std::string signature_algorithm() const;
  // For RSA-PSS signatures: the (hash, mgf1 hash, salt length), if decodable.
  struct PssParams {
    std::string hash;
    std::string mgf1_hash;
    int salt_len = 0;
  };
  std::optional<PssParams> pss_params() const;
  // The raw extnValue contents of the extension with this dotted OID; nullopt when absent.
  // Error "x509.duplicate_extension" is folded into nullopt + duplicate flag by extension_count.
  std::optional<Bytes> extension_value(std::string_view dotted_oid) const;
  int extension_count(std::string_view dotted_oid) const;
  std::vector<std::string> extension_oids() const;  // in certificate order
  // Every extension as (dotted OID, extnValue contents), in certificate order, in one pass.
  std::vector<std::pair<std::string, Bytes>> extensions() const;
  std::vector<std::string> crl_distribution_points() const;
  bool verify_signature(const Key& issuer_public) const;
  bool is_ca() const;

 private:
  std::shared_ptr<X509> c_;
};

Result<Cert> cert_from_der(ByteView der);                        // x509.der_invalid
Result<std::vector<Cert>> certs_from_pem(std::string_view pem);  // x509.pem_invalid (none found or bad)
// PEM bundle or a single DER certificate, detected from the content.
Result<std::vector<Cert>> certs_from_pem_or_der(ByteView data);

// A certificate to build. Extensions are emitted in the given order.
struct CertExtension {
  std::string oid;  // dotted OID, or an OpenSSL name ("keyUsage") when `conf` is used
  bool critical = false;
  Bytes der_value;   // extnValue contents (ignored when conf is set)
  std::string conf;  // OpenSSL config-style value, e.g. "critical,keyCertSign,cRLSign", "hash"
};

enum class SigAlg { rsa_pss_sha384, ecdsa_sha256, ecdsa_sha384, rsa_pkcs1_sha256 };

struct CertSpec {
  std::vector<std::pair<std::string, std::string>> subject;  // ordered RDNs, short names
  std::vector<std::pair<std::string, std::string>> issuer;   // empty = self-issued (same as subject)
  Bytes serial;                                              // big-endian magnitude; empty means 0
  SysTime not_before;
  SysTime not_after;
  Key subject_key;
  std::vector<CertExtension> extensions;
};

// Signs `spec` with `issuer_key`. `issuer_cert` (optional) provides the AKI for "keyid" extensions.
Result<Cert> build_cert(const CertSpec& spec, const Key& issuer_key, SigAlg alg,
                        const Cert* issuer_cert = nullptr);

// DER helpers for extension values.
Bytes der_integer(std::uint64_t v);
Bytes der_ia5string(std::string_view s);
Bytes der_octet_string(ByteView b);
// Parses a DER INTEGER (non-negative, at most 8 bytes of magnitude).
std::optional<std::uint64_t> parse_der_uint(ByteView der);
// Parses a DER IA5String or UTF8String value.
std::optional<std::string> parse_der_string(ByteView der);
// Parses a DER OCTET STRING and returns its contents.
std::optional<Bytes> parse_der_octet_string(ByteView der);

// Time helpers.
// Seconds since the epoch as a SysTime, clamped to what system_clock can hold (about 1678..2262): an X.509
// "no expiry" notAfter of 9999-12-31 becomes SysTime::max() instead of overflowing.
SysTime from_unix_seconds(std::int64_t seconds);
SysTime utc_time(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);
std::string format_utc(SysTime t);                       // "2025-05-27T17:57:03Z"
std::optional<SysTime> parse_utc(std::string_view iso);  // accepts "YYYY-MM-DD" or full ISO 8601 Z

}  // namespace coco
