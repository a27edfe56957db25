// AMD certificate formats around an SNP report:
// - the extended-report certificate table (SNP_GET_EXT_REPORT / GHCB): 24-byte {GUID, offset, length}
//   entries ended by an all-zero entry, GUIDs in RFC 4122 byte order;
// - the KDS extensions of a VCEK/VLEK certificate (OIDs 1.3.6.1.4.1.3704.1.*), parsed strictly but
//   tolerant of both hwID encodings real certificates use (raw bytes, or a DER OCTET STRING).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/x509.h"
#include "snp/report.h"

namespace coco::snp {

enum class CertKind { vcek, vlek, ask, ark, asvk, extra_platform_info, unknown };
std::string cert_kind_name(CertKind k);  // "VCEK", "VLEK", "ASK", "ARK", "ASVK", ...
std::optional<CertKind> cert_kind_from_name(std::string_view name);

using Guid = std::array<std::uint8_t, 16>;
Guid guid_of(CertKind kind);  // ASK and ASVK share a GUID
std::string guid_to_string(const Guid& g);
std::optional<Guid> guid_from_string(std::string_view s);

struct CertTableEntry {
  Guid guid{};
  CertKind kind = CertKind::unknown;  // from the GUID (ASK's GUID decodes as ask)
  Bytes data;
};

// Errors: snp.cert_table_truncated, snp.cert_table_bad_entry (offset/length outside the buffer or into
// the header), snp.cert_table_unterminated.
Result<std::vector<CertTableEntry>> parse_cert_table(ByteView table);
Bytes encode_cert_table(const std::vector<CertTableEntry>& entries);

// OIDs of the KDS certificate extensions.
namespace oid {
inline constexpr const char* kStructVersion = "1.3.6.1.4.1.3704.1.1";
inline constexpr const char* kProductName = "1.3.6.1.4.1.3704.1.2";
inline constexpr const char* kBlSpl = "1.3.6.1.4.1.3704.1.3.1";
inline constexpr const char* kTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
inline constexpr const char* kSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
inline constexpr const char* kSpl4 = "1.3.6.1.4.1.3704.1.3.4";
inline constexpr const char* kSpl5 = "1.3.6.1.4.1.3704.1.3.5";
inline constexpr const char* kSpl6 = "1.3.6.1.4.1.3704.1.3.6";
inline constexpr const char* kSpl7 = "1.3.6.1.4.1.3704.1.3.7";
inline constexpr const char* kUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
inline constexpr const char* kFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
inline constexpr const char* kHwId = "1.3.6.1.4.1.3704.1.4";
inline constexpr const char* kCspId = "1.3.6.1.4.1.3704.1.5";
}  // namespace oid

struct KdsExtensions {
  std::optional<std::uint64_t> struct_version;
  std::string product_name;           // "Milan-B0", "Genoa", "Turin", ...
  Tcb tcb;                            // fmc set only when the fmcSPL extension is present
  std::optional<Bytes> hwid;          // VCEK: 64 bytes, or 8 on Turin
  bool hwid_raw = false;              // stored without an OCTET STRING wrapper (older VCEKs)
  std::optional<std::string> csp_id;  // VLEK only
};

// Parses the KDS extensions of a VCEK or VLEK certificate.
// Errors: snp.cert_extension_missing, snp.cert_extension_invalid, snp.cert_extension_duplicate,
// snp.cert_hwid_and_cspid (a certificate must not carry both).
Result<KdsExtensions> parse_kds_extensions(const Cert& cert);
// The same, from the raw extnValue bytes (what the fuzz target drives).
Result<KdsExtensions> parse_kds_extension_values(
    const std::vector<std::pair<std::string, Bytes>>& oid_values);

}  // namespace coco::snp
