// TDREPORT <-> TD quote body: the two halves of local attestation on a simulated TDX platform.
//
// A TD asks the TDX module for a TDREPORT (TDG.MR.REPORT, 1024 bytes, evidence.md 2.6) and hands it to the
// Quoting Enclave, which checks that the report was produced on this platform and turns it into the body
// of a DCAP quote. On Azure the guest cannot reach a QE: the paravisor puts the TDREPORT into the HCL
// report and the host's QE quotes it through IMDS POST /acc/tdquote (evidence.md 3.3).
//
//   make_tdreport            what the TDX module returns for a TD with a given quote body
//   quote_body_from_tdreport what the QE does with it: check type, hashes and MAC, map the fields
//   quote_body_fields        the mapping alone, without any check (for real reports, whose MAC key no one
//                            outside the CPU knows)
//
// The MAC. On real hardware REPORTMACSTRUCT.MAC is an HMAC-SHA-256 over REPORTMACSTRUCT[0x00..0xE0) with
// a key that never leaves the CPU; only an enclave on the same platform can check it (EVERIFYREPORT2 /
// the QE), so no verifier off the platform ever checks a TDREPORT: it checks the quote instead. The
// simulation uses the same construction with a key only the simulated platform holds
// (platform_report_mac_key). REPORTMACSTRUCT binds the rest of the report through TEE_TCB_INFO_HASH =
// SHA-384(TEE_TCB_INFO, 239 bytes) and TEE_INFO_HASH = SHA-384(TDINFO, 512 bytes); both hashes agree with a
// real Azure TDREPORT (corpus test), and quote_body_from_tdreport checks them as the QE does.
//
// Field mapping (quote body <- TDREPORT):
//   tee_tcb_svn, mr_seam, mrsigner_seam, seam_attributes  <- TEE_TCB_INFO (0x100 + 0x08, 0x18, 0x48, 0x78)
//   td_attributes, xfam, mr_td, mr_config_id, mr_owner,
//   mr_owner_config, rtmr[0..3]                           <- TDINFO (0x200 + ...)
//   report_data                                           <- REPORTMACSTRUCT.REPORTDATA (0x80)
//   tee_tcb_svn2 (TDX 1.5)                                <- TEE_TCB_INFO 0x80 (first 16 reserved bytes)
//   mr_servicetd (TDX 1.5)                                <- TDINFO 0x190 (SERVTD_HASH), report version 1
// make_tdreport sets REPORTTYPE {0x81, 0, version, 0} with version 1 when mr_servicetd is non-zero (TDX 1.5
// with a service-TD binding) and 0 otherwise, and the TEE_TCB_INFO valid mask as a TDX module does: one bit
// per 8-byte unit of the fields it reports (VALID, TEE_TCB_SVN and MRSEAM always; MRSIGNERSEAM, ATTRIBUTES
// and TEE_TCB_SVN_2 when non-zero), which reproduces the ff0103.. mask of the Azure corpus report.
// The round trip quote_body_from_tdreport(make_tdreport(b, k), k) == b holds for every body.
//
// Error codes (Error::code):
//   tdx.tdreport_size         a TDREPORT that is not 1024 bytes (from parse_tdreport)
//   tdx.tdreport_invalid      REPORTTYPE is not TDX (type 0x81, subtype 0, version 0 or 1)
//   tdx.tdreport_mac_invalid  the MAC does not verify under the platform's key, or TEE_TCB_INFO_HASH /
//                             TEE_INFO_HASH does not match the bytes it covers (the MAC binds those only
//                             through the hashes)
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "tdx/intel_sim.h"
#include "tdx/qe.h"
#include "tdx/quote.h"

namespace coco::tdx {

inline constexpr std::size_t kTdReportMacedSize = 0xE0;  // REPORTMACSTRUCT bytes the MAC covers

// The report MAC key of a simulated platform: HMAC-SHA-256(seed, "coco-harness/tdx/report-mac-key/" +
// hex(PPID)). Deterministic from the IntelAuthority's seed and the platform, never carried in evidence.
Bytes platform_report_mac_key(const IntelAuthority& intel, const PckRequest& pck = default_pck_request());

// The 1024-byte TDREPORT for a TD with `body`. CPUSVN is not part of a quote body; it defaults to the
// default platform's (default_pck_request().cpusvn).
TdReport make_tdreport(const TdQuoteBody& body, ByteView report_mac_key);
TdReport make_tdreport(const TdQuoteBody& body, ByteView report_mac_key,
                       const std::array<std::uint8_t, 16>& cpusvn);

// Recomputes TEE_TCB_INFO_HASH, TEE_INFO_HASH and the MAC of an edited report (for precise negatives).
void reseal_tdreport(TdReport& report, ByteView report_mac_key);
// HMAC-SHA-256 over the first 0xE0 bytes of REPORTMACSTRUCT.
std::array<std::uint8_t, 32> tdreport_mac(const TdReport& report, ByteView report_mac_key);

// The field mapping alone, no check (see above). TDX 1.5 fields: tee_tcb_svn2 always, mr_servicetd only
// from a version 1 report.
TdQuoteBody quote_body_fields(const TdReport& report);

// What the QE does: type, hashes, MAC, then the mapping. Errors: tdx.tdreport_invalid,
// tdx.tdreport_mac_invalid; the byte overload also tdx.tdreport_size.
Result<TdQuoteBody> quote_body_from_tdreport(const TdReport& report, ByteView report_mac_key);
Result<TdQuoteBody> quote_body_from_tdreport(ByteView tdreport, ByteView report_mac_key);

// The whole local-attestation step of a simulated platform: check `tdreport` with the platform's key and
// have `qe` quote its body (version 4, or 5 with body_type 2 or 3; as QuotingEnclave::quote). Errors: those
// of quote_body_from_tdreport; tdx.td_description_invalid for a bad version or body type.
Result<Bytes> quote_from_tdreport(const QuotingEnclave& qe, ByteView tdreport, ByteView report_mac_key,
                                  int version = 4, std::uint16_t body_type = kBodyTypeTdx10);

}  // namespace coco::tdx
