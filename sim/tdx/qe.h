// The simulated TDX Quoting Enclave and the quote generator: a TD description (measurements, attributes,
// RTMRs given directly or replayed from a CCEL event log) becomes a TD quote body, and the QE of a
// simulated platform turns that body into a DCAP ECDSA quote (v4, or v5 with a TDX 1.0 or 1.5 body)
// signed the way Intel's TD QE signs one (shared/reference/evidence.md 2.1-2.5):
//
//   header       version, att_key_type 2, tee_type 0x81, Intel's QE vendor id, user_data = QE identifier
//                (16 bytes derived from the seed and PPID) + 4 zero bytes
//   signature    ECDSA P-256 SHA-256 by the QE attestation key over signed_part() (header and body)
//   QE report    the TD QE's SGX REPORT; REPORTDATA = SHA-256(attestation key X||Y || qe_auth_data) || 32
//   zero QE report signature by the PCK leaf key (from IntelAuthority::issue_pck) over the 384-byte QE report
//   PCK chain    leaf || PCK Platform/Processor CA || Intel SGX Root CA, PEM with a trailing NUL byte as
//                real quotes carry it, or concatenated DER as Intel QVL's synthetic sample
//
// Everything is deterministic from the IntelAuthority's seed: the same seed, platform and TD give a
// byte-identical quote (ECDSA is RFC 6979). The defaults reproduce what a real TDX 1.5 platform reports;
// each names the real quote it comes from (shared/corpus/tdx).
//
// Descriptions come from code or YAML (fixtures/tdx/*.yaml, see td_description_from_yaml).
//
// Error codes (Error::code):
//   tdx.td_description_invalid  a description that cannot be turned into a quote (both RTMRs and a CCEL,
//                               bad YAML, a field of the wrong type or size, an unsupported version);
//                               the message names the field
//   tdx.eventlog_*              a CCEL that does not parse (passed through from eventlog.h)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"
#include "tdx/eventlog.h"
#include "tdx/intel_sim.h"
#include "tdx/quote.h"

namespace coco::tdx {

// The TD QE's ISVPRODID and ATTRIBUTES, as in every real quote (vendor id and MRSIGNER: tdx/quote.h).
inline constexpr std::uint16_t kTdQeIsvProdId = 2;
// INIT | MODE64BIT | PROVISIONKEY (0x15), XFRM 0xe7: the QE report ATTRIBUTES of every corpus quote.
inline constexpr std::array<std::uint8_t, 16> kTdQeAttributes = {0x15, 0, 0, 0, 0, 0, 0, 0,
                                                                 0xe7, 0, 0, 0, 0, 0, 0, 0};

// The PCK request of the default platform: a TDX 1.5 server as in go-tdx-guest's v5 sample quote
// (shared/corpus/tdx/go-tdx-guest_quote_v5_sample.dat): FMSPC 90c06f000000, SGX TCB components
// 04 04 02 02 04 01 00 05 0.., CPUSVN equal to them, PCESVN 13, PCEID 0000, issued by the PCK Platform
// CA (SGX Type Scalable), as every real TDX quote in the corpus is. The PPID is fixed: the first 16 bytes
// of SHA-256("coco-harness/tdx/ppid").
PckRequest default_pck_request();

// A simulated TDX platform and its TD Quoting Enclave.
struct PlatformSpec {
  PckRequest pck = default_pck_request();
  std::array<std::uint8_t, 16> qe_vendor_id = kIntelQeVendorId;
  std::uint16_t qe_isvsvn = 8;  // TD QE ISVSVN (4..7 in the corpus; 8 is the current TD QE)
  std::array<std::uint8_t, 32> qe_mrsigner = kIntelTdQeMrSigner;
  // All zero: SHA-256("coco-harness/td-qe/mrenclave/<isvsvn>"). MRENCLAVE is a property of the QE build,
  // so it depends on the ISVSVN only, not on the seed or the platform (real quotes agree: the same
  // MRENCLAVE on different platforms for one ISVSVN). Intel's QE identity does not constrain it.
  std::array<std::uint8_t, 32> qe_mrenclave{};
  std::array<std::uint8_t, 16> qe_attributes = kTdQeAttributes;
  std::uint32_t qe_miscselect = 0;
  // The QE report's CPUSVN. Default: pck.cpusvn. (Real QE reports carry the raw CPUSVN, which differs
  // from the TCB level in the PCK; set it to reproduce that.)
  std::optional<std::array<std::uint8_t, 16>> qe_cpusvn;
  // QE auth data: 32 bytes 00 01 02 .. 1f, byte for byte what every real quote in the corpus carries.
  Bytes qe_auth_data = default_qe_auth_data();
  // PEM with a trailing NUL as real quotes, or DER (leaf || intermediate || root) as Intel's QVL sample.
  PckChainEncoding chain_encoding = PckChainEncoding::pem;

  static Bytes default_qe_auth_data();
};

class QuotingEnclave {
 public:
  // Issues the platform's PCK from `intel` and derives the attestation key from the seed and the
  // platform (PPID, PCEID, QE ISVSVN). Throws std::invalid_argument for an `unknown` chain encoding or
  // a QE auth data longer than 65535 bytes (programming errors).
  QuotingEnclave(IntelAuthority& intel, PlatformSpec spec);

  const Key& attestation_key() const { return ak_; }
  const IssuedPck& pck() const { return pck_; }
  const PlatformSpec& spec() const { return spec_; }
  // The QE identifier carried in the first 16 bytes of the header's user_data.
  const std::array<std::uint8_t, 16>& qe_id() const { return qe_id_; }
  // The QE report certification data every quote of this QE carries (report, signature, chain).
  const QeCertificationData& certification() const { return certification_; }

  // A signed quote over `body`. version 4 (body_type is then ignored: v4 carries a TDX 1.0 body) or 5
  // with body_type 2 (TDX 1.0) or 3 (TDX 1.5). For a TDX 1.0 body, the TDX 1.5 fields of `body` are
  // zeroed in the result so that it equals parse_quote(encode_quote(result)). Throws
  // std::invalid_argument for another version or body type.
  Quote quote(const TdQuoteBody& body, int version = 4, std::uint16_t body_type = kBodyTypeTdx10) const;
  Bytes quote_bytes(const TdQuoteBody& body, int version = 4,
                    std::uint16_t body_type = kBodyTypeTdx10) const {
    return encode_quote(quote(body, version, body_type));
  }

  // Re-signs an edited quote's header and body with this QE's attestation key (for precise negatives).
  void resign(Quote& quote) const;

 private:
  PlatformSpec spec_;
  IssuedPck pck_;
  Key ak_;
  std::array<std::uint8_t, 64> ak_xy_{};
  std::array<std::uint8_t, 16> qe_id_{};
  QeCertificationData certification_;
};

// A TD as the TDX module would report it.
struct TdDescription {
  std::array<std::uint8_t, 48> mr_td{};
  std::array<std::uint8_t, 48> mr_config_id{};  // CoCo: the init-data digest, zero-padded to 48 bytes
  std::array<std::uint8_t, 48> mr_owner{};
  std::array<std::uint8_t, 48> mr_owner_config{};
  // RTMR0..3 given directly, or replayed from a CCEL event log (replay_rtmrs). Neither: all zero.
  std::optional<std::array<std::array<std::uint8_t, 48>, 4>> rtmrs;
  std::optional<Bytes> ccel;
  // TD_ATTRIBUTES = debug (bit 0) | septve_disable (bit 28) | extra_attributes (OR-ed in as is).
  bool debug = false;
  bool septve_disable = true;
  std::uint64_t extra_attributes = 0;
  // XFAM e702060000000000 (x87, SSE, AVX, AVX-512, PK, AMX...), as go-tdx-guest's v5 sample and
  // Trustee's tdx_quote_6 report.
  std::array<std::uint8_t, 8> xfam = {0xe7, 0x02, 0x06, 0, 0, 0, 0, 0};
  // A TDX 1.5 module: minor SVN 0x0b, major version 1, byte 2 = 4 (go-tdx-guest's v5 sample).
  std::array<std::uint8_t, 16> tee_tcb_svn = {0x0b, 0x01, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Default: SHA-384("coco-harness/tdx-module/" + hex(tee_tcb_svn)), one MRSEAM per module version.
  std::optional<std::array<std::uint8_t, 48>> mr_seam;
  std::array<std::uint8_t, 48> mrsigner_seam{};  // zero: a module signed by Intel
  std::array<std::uint8_t, 64> report_data{};
  // TDX 1.5 body (v5 body type 3) only.
  std::array<std::uint8_t, 16> tee_tcb_svn2{};
  std::array<std::uint8_t, 48> mr_servicetd{};
  // The quote to generate from this TD (generate_quote): version 4 or 5; body type 0 = the default
  // (TDX 1.0 for v4, TDX 1.5 for v5, as real v5 quotes carry), else 2 or 3 (v5 only).
  int version = 4;
  std::uint16_t body_type = 0;
};

// Errors: tdx.td_description_invalid (both rtmrs and ccel), tdx.eventlog_* from parsing the CCEL.
Result<TdQuoteBody> make_td_body(const TdDescription& td);

// make_td_body, then QuotingEnclave::quote with the description's version and body type.
// Errors: those of make_td_body; tdx.td_description_invalid for a bad version or body type.
Result<Quote> generate_quote(const QuotingEnclave& qe, const TdDescription& td);

// Parses a TD description from a YAML map. Keys (all optional):
//   mr_td, rtmr0..rtmr3, mr_seam, mrsigner_seam, mr_servicetd   hex, exactly 48 bytes
//   mr_config_id, mr_owner, mr_owner_config                     hex, up to 48 bytes, zero-padded
//   report_data (up to 64), xfam (up to 8), tee_tcb_svn, tee_tcb_svn2 (up to 16)   hex, zero-padded
//   ccel: <path>            a CCEL file, relative to base_dir (an error together with any rtmrN)
//   debug, septve_disable   booleans
//   extra_attributes        number (decimal or 0x...)
//   version: 4|5, body_type: 2|3
// Hex may carry a 0x prefix. Unknown keys are errors. Errors: tdx.td_description_invalid naming the field.
Result<TdDescription> td_description_from_yaml(std::string_view yaml, const std::filesystem::path& base_dir);

}  // namespace coco::tdx
