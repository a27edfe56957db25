// Intel TDX evidence, format layer: the DCAP ECDSA quote (v4 and v5), the SGX REPORT body the Quoting
// Enclave signs (QE report), and the 1024-byte TDREPORT a guest hands to the QE. Byte offsets follow
// shared/reference/evidence.md sections 2.1-2.6 (go-tdx-guest abi/, Intel QVL).
//
// This layer only moves bytes: it checks structure (sizes, versions, type tags) but no signature, chain
// or policy; those belong to the trust and verification layers. Parsing is bounds-checked, never throws,
// and is lossless: encode_quote(parse_quote(b)) == b for every accepted input, reserved bytes, the PCK
// chain's exact bytes (PEM, PEM with a trailing NUL, or the DER of Intel's synthetic samples) and the
// padding real quotes carry after the signed data included. Length fields are not stored: the encoder
// derives them from the contents, and the parser rejects a quote whose lengths disagree, so both
// directions agree on one layout.
//
// Error codes (Error::code):
//   tdx.quote_truncated              the buffer ends before a fixed part or a declared length
//   tdx.quote_version_unsupported    header version is not 4 or 5 (SGX quotes are 3)
//   tdx.quote_key_type_unsupported   att_key_type is not 2 (ECDSA P-256)
//   tdx.quote_tee_type_unsupported   tee_type is not 0x81 (TDX)
//   tdx.quote_body_type_unsupported  v5 body type is not 2 (TDX 1.0) or 3 (TDX 1.5)
//   tdx.quote_cert_data_unsupported  outer certification data type is not 6 (QE report certification data)
//   tdx.quote_invalid                lengths inside the quote disagree with each other
//   tdx.tdreport_size                a TDREPORT that is not 1024 bytes
//   tdx.qe_report_size               an SGX report body that is not 384 bytes
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace coco::tdx {

inline constexpr std::size_t kHeaderSize = 48;
inline constexpr std::size_t kBody10Size = 584;  // TDX 1.0 TD quote body
inline constexpr std::size_t kBody15Size = 648;  // TDX 1.5: + TEE_TCB_SVN_2 and MRSERVICETD
inline constexpr std::size_t kQeReportSize = 384;
inline constexpr std::size_t kTdReportSize = 1024;

inline constexpr std::uint16_t kAttKeyTypeEcdsaP256 = 2;
inline constexpr std::uint32_t kTeeTypeTdx = 0x81;
inline constexpr std::uint16_t kBodyTypeTdx10 = 2;  // v5 body descriptor types
inline constexpr std::uint16_t kBodyTypeTdx15 = 3;
inline constexpr std::uint16_t kCertDataQeReport = 6;
inline constexpr std::uint16_t kCertDataPckChain = 5;

// Intel's QE vendor id (evidence.md 2.1) and the TD Quoting Enclave's MRSIGNER (2.5), in every real quote.
inline constexpr std::array<std::uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
inline constexpr std::array<std::uint8_t, 32> kIntelTdQeMrSigner = {
    0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
    0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5};

// Quote header (48 bytes, identical in v4 and v5).
struct QuoteHeader {
  std::uint16_t version = 4;                          // 0x00
  std::uint16_t att_key_type = kAttKeyTypeEcdsaP256;  // 0x02
  std::uint32_t tee_type = kTeeTypeTdx;               // 0x04
  std::array<std::uint8_t, 4> reserved{};             // 0x08: PCE SVN, QE SVN in go-tdx-guest; zero
  std::array<std::uint8_t, 16> qe_vendor_id{};        // 0x0C
  std::array<std::uint8_t, 20> user_data{};           // 0x1C: QE identifier (16) + 4 zero bytes
  bool operator==(const QuoteHeader&) const = default;
};

// TD quote body. The last two fields exist only in a TDX 1.5 body (v5 body type 3).
struct TdQuoteBody {
  std::array<std::uint8_t, 16> tee_tcb_svn{};          // 0x000
  std::array<std::uint8_t, 48> mr_seam{};              // 0x010
  std::array<std::uint8_t, 48> mrsigner_seam{};        // 0x040
  std::array<std::uint8_t, 8> seam_attributes{};       // 0x070
  std::array<std::uint8_t, 8> td_attributes{};         // 0x078
  std::array<std::uint8_t, 8> xfam{};                  // 0x080
  std::array<std::uint8_t, 48> mr_td{};                // 0x088
  std::array<std::uint8_t, 48> mr_config_id{};         // 0x0B8
  std::array<std::uint8_t, 48> mr_owner{};             // 0x0E8
  std::array<std::uint8_t, 48> mr_owner_config{};      // 0x118
  std::array<std::array<std::uint8_t, 48>, 4> rtmr{};  // 0x148 + 48 * i
  std::array<std::uint8_t, 64> report_data{};          // 0x208
  std::array<std::uint8_t, 16> tee_tcb_svn2{};         // 0x248 (TDX 1.5)
  std::array<std::uint8_t, 48> mr_servicetd{};         // 0x258 (TDX 1.5)
  bool operator==(const TdQuoteBody&) const = default;
};

// SGX REPORT body (384 bytes): the QE report inside a quote's certification data.
struct SgxReportBody {
  std::array<std::uint8_t, 16> cpusvn{};        // 0x000
  std::uint32_t miscselect = 0;                 // 0x010
  std::array<std::uint8_t, 28> reserved_014{};  // 0x014
  std::array<std::uint8_t, 16> attributes{};    // 0x030
  std::array<std::uint8_t, 32> mrenclave{};     // 0x040
  std::array<std::uint8_t, 32> reserved_060{};  // 0x060
  std::array<std::uint8_t, 32> mrsigner{};      // 0x080
  std::array<std::uint8_t, 96> reserved_0a0{};  // 0x0A0
  std::uint16_t isvprodid = 0;                  // 0x100 (TD QE: 2)
  std::uint16_t isvsvn = 0;                     // 0x102
  std::array<std::uint8_t, 60> reserved_104{};  // 0x104
  std::array<std::uint8_t, 64> report_data{};   // 0x140
  bool operator==(const SgxReportBody&) const = default;
};
Result<SgxReportBody> parse_sgx_report_body(ByteView bytes);  // exactly 384 bytes
Bytes encode_sgx_report_body(const SgxReportBody& report);

// Certification data type 6: the QE report, its signature by the PCK leaf key, the QE auth data and an
// inner certification data block (type 5 = the PCK chain; other types are kept as opaque bytes).
struct QeCertificationData {
  SgxReportBody qe_report;
  std::array<std::uint8_t, 64> qe_report_signature{};  // r || s, big-endian
  Bytes qe_auth_data;                                  // 32 bytes in real quotes
  std::uint16_t cert_data_type = kCertDataPckChain;
  Bytes cert_data;  // the PCK chain bytes exactly as carried (trailing NUL included)
  bool operator==(const QeCertificationData&) const = default;
};

// The "ECDSA 256-bit Quote Auth Data" after the body.
struct SignedData {
  std::array<std::uint8_t, 64> signature{};        // r || s, big-endian, over signed_part()
  std::array<std::uint8_t, 64> attestation_key{};  // X || Y, big-endian, no 0x04 prefix
  QeCertificationData certification;
  bool operator==(const SignedData&) const = default;
};

struct Quote {
  QuoteHeader header;
  std::uint16_t body_type = kBodyTypeTdx10;  // v5 descriptor; v4 quotes always carry a TDX 1.0 body
  TdQuoteBody body;
  SignedData signed_data;
  Bytes trailing;  // bytes after the signed data (zero padding in real quotes), kept for round trip
  bool operator==(const Quote&) const = default;

  bool is_tdx15() const { return header.version == 5 && body_type == kBodyTypeTdx15; }
  std::size_t body_size() const { return is_tdx15() ? kBody15Size : kBody10Size; }
};

Result<Quote> parse_quote(ByteView bytes);
Bytes encode_quote(const Quote& quote);
// The bytes the quote signature covers: the header and body (v4, 632 bytes) or the header, body
// descriptor and body (v5, 0x36 + body size).
Bytes signed_part(const Quote& quote);
// Encoded signed data (without its u32 length prefix), as the encoder lays it out.
Bytes encode_signed_data(const SignedData& data);

enum class PckChainEncoding { pem, der, unknown };
// PEM as in real quotes, DER as in Intel QVL's synthetic sample (evidence.md 2.4, 4.3).
PckChainEncoding pck_chain_encoding(ByteView chain);

// TD_ATTRIBUTES bits Trustee reports (trustee.md 3.1); `raw` keeps every bit.
struct TdAttributes {
  bool debug = false;            // bit 0
  bool septve_disable = false;   // bit 28
  bool protection_keys = false;  // bit 30
  bool key_locker = false;       // bit 31
  bool perfmon = false;          // bit 63
  std::uint64_t raw = 0;
};
TdAttributes decode_td_attributes(const std::array<std::uint8_t, 8>& le);

// Trustee's TDX claims for the quote: {"quote": {"header": {...}, "body": {...}}}, plus "type" and
// "size" for v5, every value the lowercase hex of the field's bytes as they sit in the quote (so version
// 4 is "0400"). Keys as in Trustee's deps/verifier/src/tdx/claims.rs; TEE_TCB_SVN is "tcb_svn".
nlohmann::json trustee_quote_claims(const Quote& quote);
// Trustee's "td_attributes" object: {"debug", "key_locker", "perfmon", "protection_keys", "septve_disable"}.
nlohmann::json trustee_td_attributes_claims(const TdAttributes& attributes);

// TDREPORT (1024 bytes): REPORTMACSTRUCT, TEE_TCB_INFO, TDINFO (evidence.md 2.6).
struct ReportMacStruct {
  std::array<std::uint8_t, 4> report_type{};         // 0x00: type (0x81 = TDX), subtype, version, reserved
  std::array<std::uint8_t, 12> reserved_004{};       // 0x04
  std::array<std::uint8_t, 16> cpusvn{};             // 0x10
  std::array<std::uint8_t, 48> tee_tcb_info_hash{};  // 0x20
  std::array<std::uint8_t, 48> tee_info_hash{};      // 0x50
  std::array<std::uint8_t, 64> report_data{};        // 0x80
  std::array<std::uint8_t, 32> reserved_0c0{};       // 0xC0
  std::array<std::uint8_t, 32> mac{};                // 0xE0
  bool operator==(const ReportMacStruct&) const = default;
};

// TEE_TCB_INFO is 239 bytes; the reference names only its size, the split below is the TDX module ABI
// (valid mask, TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, ATTRIBUTES, then TEE_TCB_SVN_2 on TDX 1.5). The Azure
// HCL report's TDREPORT agrees with its paired quote at these offsets (corpus test).
struct TeeTcbInfo {
  std::array<std::uint8_t, 8> valid{};           // 0x00
  std::array<std::uint8_t, 16> tee_tcb_svn{};    // 0x08
  std::array<std::uint8_t, 48> mr_seam{};        // 0x18
  std::array<std::uint8_t, 48> mrsigner_seam{};  // 0x48
  std::array<std::uint8_t, 8> attributes{};      // 0x78
  std::array<std::uint8_t, 111> reserved_080{};  // 0x80 (TEE_TCB_SVN_2 in its first 16 on TDX 1.5)
  bool operator==(const TeeTcbInfo&) const = default;
};

struct TdInfo {
  std::array<std::uint8_t, 8> attributes{};            // 0x000
  std::array<std::uint8_t, 8> xfam{};                  // 0x008
  std::array<std::uint8_t, 48> mr_td{};                // 0x010
  std::array<std::uint8_t, 48> mr_config_id{};         // 0x040
  std::array<std::uint8_t, 48> mr_owner{};             // 0x070
  std::array<std::uint8_t, 48> mr_owner_config{};      // 0x0A0
  std::array<std::array<std::uint8_t, 48>, 4> rtmr{};  // 0x0D0 + 48 * i
  std::array<std::uint8_t, 112> reserved_190{};        // 0x190
  bool operator==(const TdInfo&) const = default;
};

struct TdReport {
  ReportMacStruct mac_struct;                   // 0x000
  TeeTcbInfo tee_tcb_info;                      // 0x100
  std::array<std::uint8_t, 17> reserved_1ef{};  // 0x1EF
  TdInfo td_info;                               // 0x200
  bool operator==(const TdReport&) const = default;

  bool type_is_tdx() const { return mac_struct.report_type[0] == kTeeTypeTdx; }
};

// Only the size is checked: the REPORTMACSTRUCT type is left to the caller (go-tdx-guest's sample does
// not carry 0x81 there, see the corpus tests).
Result<TdReport> parse_tdreport(ByteView bytes);
Bytes encode_tdreport(const TdReport& report);

}  // namespace coco::tdx
