// The simulated Intel SGX/TDX root of trust: the Intel SGX Root CA, the PCK Platform and Processor CAs,
// the TCB Signing certificate (which signs TCB info and QE identity collateral) and PCK leaf
// certificates carrying the SGX extension (OID 1.2.840.113741.1.13.1). Names, extension sets and
// extension order follow Intel's real certificates (fixtures/trust/intel_sgx_root_ca.pem and the PCK
// chains inside shared/corpus/tdx quotes); every key is ECDSA P-256 and every signature ECDSA-SHA256 as
// in Intel's PKI. Keys are derived from a seed and signatures are RFC 6979 deterministic, so the same
// seed gives byte-identical certificates.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/result.h"
#include "core/x509.h"

namespace coco::tdx {

// Fixed times so that simulated certificates are reproducible. The root and CA dates are the real
// ones; the TCB Signing and PCK dates are chosen to be valid now (Intel's PCKs are valid for 7 years).
struct IntelValidity {
  SysTime root_not_before = utc_time(2018, 5, 21, 10, 45, 10);
  SysTime root_not_after = utc_time(2049, 12, 31, 23, 59, 59);
  SysTime ca_not_before = utc_time(2018, 5, 21, 10, 50, 10);
  SysTime ca_not_after = utc_time(2033, 5, 21, 10, 50, 10);
  SysTime tcb_signing_not_before = utc_time(2024, 1, 1);
  SysTime tcb_signing_not_after = utc_time(2031, 1, 1);
  SysTime pck_not_before = utc_time(2025, 1, 1);
  SysTime pck_not_after = utc_time(2032, 1, 1);
};

// Which intermediate issues a PCK: the Processor CA (single-socket, SGX Type Standard) or the Platform
// CA (multi-package platforms, SGX Type Scalable, with PlatformInstanceID and Configuration).
enum class PckCa { processor, platform };

// The Configuration sub-sequence (OID ...13.1.7) of platform-CA PCKs.
struct PckConfiguration {
  bool dynamic_platform = true;
  bool cached_keys = true;
  bool smt_enabled = true;
  bool operator==(const PckConfiguration&) const = default;
};

// The decoded SGX extension of a PCK leaf certificate.
struct SgxExtensions {
  std::array<std::uint8_t, 16> ppid{};
  std::array<std::uint8_t, 16> tcb_comp_svn{};  // sgxTcbComp01Svn .. sgxTcbComp16Svn
  std::uint16_t pcesvn = 0;
  std::array<std::uint8_t, 16> cpusvn{};
  std::array<std::uint8_t, 2> pceid{};
  std::array<std::uint8_t, 6> fmspc{};
  std::uint32_t sgx_type = 0;  // 0 Standard, 1 Scalable, 2 Scalable with integrity
  std::optional<std::array<std::uint8_t, 16>> platform_instance_id;
  std::optional<PckConfiguration> configuration;
  bool operator==(const SgxExtensions&) const = default;
};

struct PckRequest {
  std::array<std::uint8_t, 16> ppid{};
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pceid{};
  std::array<std::uint8_t, 16> tcb_comp_svn{};
  std::uint16_t pcesvn = 0;
  std::array<std::uint8_t, 16> cpusvn{};
  PckCa ca = PckCa::processor;
  std::optional<std::uint32_t> sgx_type;  // default: 0 for the Processor CA, 1 for the Platform CA
  // Platform CA only (ignored for the Processor CA); the instance ID defaults to one derived from the
  // seed and PPID.
  std::optional<std::array<std::uint8_t, 16>> platform_instance_id;
  PckConfiguration configuration;
};

struct IssuedPck {
  Key key;  // private key: signs the QE report
  Cert cert;
};

class IntelAuthority {
 public:
  // `cache_dir` is accepted for symmetry with snp::AmdAuthority but unused: P-256 keys are derived
  // in microseconds, so there is nothing worth caching.
  explicit IntelAuthority(std::string seed, std::filesystem::path cache_dir = {},
                          IntelValidity validity = {});

  const std::string& seed() const { return seed_; }
  const IntelValidity& validity() const { return validity_; }
  const Cert& root() const { return root_; }
  const Key& root_key() const { return root_key_; }
  const Cert& platform_ca() const { return platform_ca_; }
  const Key& platform_ca_key() const { return platform_ca_key_; }
  const Cert& processor_ca() const { return processor_ca_; }
  const Key& processor_ca_key() const { return processor_ca_key_; }
  const Cert& intermediate(PckCa ca) const { return ca == PckCa::platform ? platform_ca_ : processor_ca_; }
  const Cert& tcb_signing() const { return tcb_signing_; }
  const Key& tcb_signing_key() const { return tcb_signing_key_; }

  // Issues the PCK for a (platform, TCB level). The key is derived from the seed and the request (a
  // real PCE derives it from the platform's secrets and its CPUSVN/PCESVN); the certificate is issued
  // once per request and then reused. Thread-safe. Throws std::runtime_error if building fails.
  IssuedPck issue_pck(const PckRequest& req);

  // PEM chains as Intel serves them: the quote's PCK chain (leaf, intermediate, root) and the
  // TCB-Info-Issuer-Chain / SGX-Enclave-Identity-Issuer-Chain header value (TCB Signing, root).
  std::string pck_chain_pem(PckCa ca, const Cert& leaf) const;
  std::string tcb_signing_chain_pem() const;

 private:
  std::string seed_;
  std::filesystem::path cache_dir_;
  IntelValidity validity_;
  Key root_key_, platform_ca_key_, processor_ca_key_, tcb_signing_key_;
  Cert root_, platform_ca_, processor_ca_, tcb_signing_;
  std::mutex mu_;
  std::map<std::string, IssuedPck> pcks_;  // by request
};

// The Intel subject/issuer RDNs in Intel's order: CN, O, L, ST, C.
std::vector<std::pair<std::string, std::string>> intel_name(const std::string& cn);
// The PCS CRL distribution point of a PCK intermediate ("...pckcrl?ca=processor&encoding=der").
std::string pck_crl_url(PckCa ca);
// The root CA's CRL distribution point.
std::string intel_root_crl_url();

// The SGX extension value (DER SEQUENCE) in Intel's layout: PPID, TCB (18 entries), PCE-ID, FMSPC,
// SGX Type and, when set, PlatformInstanceID and Configuration.
Bytes encode_sgx_extensions(const SgxExtensions& ext);
// Decodes the SGX extension of a PCK leaf. Every length is bounds-checked; a missing, duplicated or
// malformed mandatory entry fails with tdx.pck_extensions_invalid. Unknown entries are skipped (Intel
// may add fields).
Result<SgxExtensions> parse_sgx_extensions(const Cert& pck);
Result<SgxExtensions> parse_sgx_extensions_der(ByteView der);

}  // namespace coco::tdx
