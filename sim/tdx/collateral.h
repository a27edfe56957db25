// Intel PCS v4 TDX collateral, both sides: the TCB info ("tcbInfo", id "TDX", version 3) and the TD QE
// identity ("enclaveIdentity", id "TD_QE", version 2) as the PCS serves them (evidence.md 2.7), their
// signatures by the "Intel SGX TCB Signing" certificate, TCB level matching against a quote and its PCK,
// status convergence as Intel's QVL does it, and the simulated PCS side that serialises and signs
// collateral in Intel's compact JSON form.
//
// Intel signs the raw bytes of the inner JSON object as they appear in the response body, not a
// re-serialisation: split_signed_body finds those bytes with a bounds-checked scan that respects JSON
// strings and escapes, and the parsers read the same bytes, so what is checked is what is signed.
//
// Parsing never throws and rejects anything off-shape (missing fields, wrong JSON types, bad or
// wrong-length hex, numbers out of range, unknown statuses, malformed dates) with a message naming the
// field. Unknown fields are ignored (Intel adds fields across versions).
//
// Error codes (Error::code):
//   tdx.collateral_invalid         a body, field or status string is malformed
//   tdx.tcb_level_not_found        no platform TCB level matches ("TCB not supported" in QVL); also no
//                                  TDX module TCB level for the module's ISVSVN
//   tdx.module_identity_not_found  TEE_TCB_SVN[1] > 0 and tdxModuleIdentities has no "TDX_%02X"
//   tdx.module_identity_mismatch   MRSIGNERSEAM or masked SEAMATTRIBUTES differ from the module identity
//   tdx.qe_identity_mismatch       QE MRSIGNER, ISVPRODID, masked MISCSELECT or ATTRIBUTES differ
//   tdx.qe_tcb_level_not_found     no QE identity TCB level has isvsvn <= the QE's ISVSVN
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"
#include "core/x509.h"
#include "tdx/intel_sim.h"
#include "tdx/quote.h"

namespace coco::tdx {

// TCB statuses as Intel's TCB info v3 spells them.
enum class TcbStatus {
  up_to_date,
  sw_hardening_needed,
  configuration_needed,
  configuration_and_sw_hardening_needed,
  out_of_date,
  out_of_date_configuration_needed,
  revoked
};
inline constexpr TcbStatus kAllTcbStatuses[] = {TcbStatus::up_to_date,
                                                TcbStatus::sw_hardening_needed,
                                                TcbStatus::configuration_needed,
                                                TcbStatus::configuration_and_sw_hardening_needed,
                                                TcbStatus::out_of_date,
                                                TcbStatus::out_of_date_configuration_needed,
                                                TcbStatus::revoked};
// "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate",
// "OutOfDateConfigurationNeeded", "Revoked".
std::string_view tcb_status_name(TcbStatus status);
Result<TcbStatus> parse_tcb_status(std::string_view name);  // exact spelling; tdx.collateral_invalid

struct TcbComponent {
  std::uint8_t svn = 0;
  std::string category;  // "" = absent in the JSON
  std::string type;      // "" = absent in the JSON
  bool operator==(const TcbComponent&) const = default;
};

struct TcbLevel {
  std::array<TcbComponent, 16> sgx_components{};  // "sgxtcbcomponents"
  std::uint16_t pcesvn = 0;
  std::array<TcbComponent, 16> tdx_components{};  // "tdxtcbcomponents"
  std::string tcb_date;                           // "2023-02-15T00:00:00Z" as in the JSON
  TcbStatus status = TcbStatus::up_to_date;
  std::vector<std::string> advisory_ids;  // "advisoryIDs", absent when empty
  bool operator==(const TcbLevel&) const = default;
};

struct ModuleTcbLevel {
  std::uint8_t isvsvn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::up_to_date;
  std::vector<std::string> advisory_ids;
  bool operator==(const ModuleTcbLevel&) const = default;
};

// "tdxModule" (id empty, no levels) or one entry of "tdxModuleIdentities".
struct TdxModuleIdentity {
  std::string id;         // "TDX_01"
  Bytes mrsigner;         // 48
  Bytes attributes;       // 8
  Bytes attributes_mask;  // 8
  std::vector<ModuleTcbLevel> tcb_levels;
  bool operator==(const TdxModuleIdentity&) const = default;
};

struct TcbInfo {
  std::string id;  // "TDX"
  int version = 3;
  SysTime issue_date{}, next_update{};
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pce_id{};
  int tcb_type = 0;
  std::uint32_t tcb_evaluation_data_number = 0;
  std::optional<TdxModuleIdentity> tdx_module;           // "tdxModule" {mrsigner, attributes, attributesMask}
  std::vector<TdxModuleIdentity> tdx_module_identities;  // "tdxModuleIdentities"
  std::vector<TcbLevel> tcb_levels;
  bool operator==(const TcbInfo&) const = default;
};

struct QeTcbLevel {
  std::uint16_t isvsvn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::up_to_date;
  std::vector<std::string> advisory_ids;
  bool operator==(const QeTcbLevel&) const = default;
};

struct QeIdentity {
  std::string id;  // "TD_QE"
  int version = 2;
  SysTime issue_date{}, next_update{};
  std::uint32_t tcb_evaluation_data_number = 0;
  // The 4 bytes of "miscselect" in JSON order are the report's MISCSELECT bytes (little-endian u32), as
  // go-tdx-guest reads them.
  std::uint32_t miscselect = 0, miscselect_mask = 0;
  std::array<std::uint8_t, 16> attributes{}, attributes_mask{};
  std::array<std::uint8_t, 32> mrsigner{};
  std::uint16_t isvprodid = 0;
  std::vector<QeTcbLevel> tcb_levels;
  bool operator==(const QeIdentity&) const = default;
};

// A PCS response body: {"tcbInfo":{...},"signature":"<hex r||s>"} or {"enclaveIdentity":{...},...}.
// `signed_bytes` is the exact raw text of the inner object as it appears in the body.
struct SignedBody {
  std::string signed_bytes;
  std::array<std::uint8_t, 64> signature{};
};
// The body must be one JSON object (whitespace around it allowed) with an object member `inner_key`
// and a string member "signature" of 128 hex digits. tdx.collateral_invalid otherwise.
Result<SignedBody> split_signed_body(std::string_view body, std::string_view inner_key);

Result<TcbInfo> parse_tcb_info(std::string_view body);  // whole PCS response
Result<QeIdentity> parse_qe_identity(std::string_view body);
// The inner objects alone (the signed bytes).
Result<TcbInfo> parse_tcb_info_object(std::string_view inner_json);
Result<QeIdentity> parse_qe_identity_object(std::string_view inner_json);

// ECDSA P-256 SHA-256 over signed_bytes with the key of `signer` (the "Intel SGX TCB Signing" leaf). The
// chain of `signer` is the caller's business. false on mismatch.
bool verify_collateral_signature(const SignedBody& body, const Cert& signer);

// ---- matching --------------------------------------------------------------------------------------

// TCB level matching as go-tdx-guest getMatchingTcbLevel / Intel QVL TcbLevelCheck.cpp matchTcbLevels:
// the first level (in JSON order) where every PCK SGX component SVN >= sgx_components[i].svn, PCK PCESVN
// >= pcesvn, and every TEE_TCB_SVN[i] >= tdx_components[i].svn, except that when TEE_TCB_SVN[1] > 0 (TDX
// module major version) indices 0 and 1 are skipped for the platform level and the module is matched
// separately (QVL TdxModuleCheck.cpp): in tdx_module_identities["TDX_%02X" of TEE_TCB_SVN[1]] (id
// compared case-insensitively) by the first module level with isvsvn <= TEE_TCB_SVN[0]. The module's
// MRSIGNERSEAM must equal the identity's mrsigner and (SEAMATTRIBUTES & mask) its attributes; when
// TEE_TCB_SVN[1] == 0 those two checks use "tdxModule" (if present) and module_status stays empty.
// FMSPC and PCE-ID agreement between PCK and TCB info is left to the caller.
struct TcbMatch {
  TcbStatus platform_status = TcbStatus::up_to_date;
  std::string tcb_date;
  std::vector<std::string> advisory_ids;
  std::size_t level_index = 0;
  std::optional<TcbStatus> module_status;
  std::string module_tcb_date;
  std::vector<std::string> module_advisory_ids;
};
Result<TcbMatch> match_tcb_level(const TcbInfo& info, const SgxExtensions& pck, const TdQuoteBody& body);

// QE identity: MRSIGNER, ISVPRODID, (MISCSELECT & mask) and (ATTRIBUTES & mask) must match
// (tdx.qe_identity_mismatch); then the first level with isvsvn <= the QE's ISVSVN gives the QE status
// (tdx.qe_tcb_level_not_found when none).
struct QeMatch {
  TcbStatus status = TcbStatus::up_to_date;
  std::string tcb_date;
  std::vector<std::string> advisory_ids;
};
Result<QeMatch> match_qe_identity(const QeIdentity& identity, const SgxReportBody& qe_report);

// The overall status as Intel's QVL converges platform, TDX module and QE statuses
// (TcbLevelCheck.cpp checkTcbLevel: convergeTcbStatusWithTdxModuleStatus, then
// convergeTcbStatusWithQeTcbStatus). Each step, with `other` the module (when present) then the QE status:
//   other OutOfDate: UpToDate / SWHardeningNeeded -> OutOfDate; ConfigurationNeeded /
//                    ConfigurationAndSWHardeningNeeded -> OutOfDateConfigurationNeeded; others unchanged;
//   other Revoked:   -> Revoked;
//   otherwise:       unchanged.
// So Revoked anywhere gives Revoked.
TcbStatus converge_tcb_status(TcbStatus platform, std::optional<TcbStatus> module, TcbStatus qe);

// ---- simulated side ------------------------------------------------------------------------------

// The inner objects in Intel's compact JSON form and key order (no whitespace; fmspc and pceId lowercase
// hex, mrsigner / attributes / masks / miscselect uppercase, as in the PCS responses; component objects
// {"svn"[,"category"][,"type"]}; "advisoryIDs" only when non-empty; "tdxModule" only when set and
// "tdxModuleIdentities" only when non-empty). For go-tdx-guest's samples this reproduces the signed
// bytes exactly.
std::string tcb_info_json(const TcbInfo& info);
std::string qe_identity_json(const QeIdentity& identity);

// Serialise and sign (RFC 6979 deterministic ECDSA P-256 over SHA-256 of the inner object) with the TCB
// Signing key: {"tcbInfo":<inner>,"signature":"<lowercase hex r||s>"}.
std::string sign_tcb_info(const TcbInfo& info, const Key& tcb_signing_key);
std::string sign_qe_identity(const QeIdentity& identity, const Key& tcb_signing_key);

// One platform level of a simulated TCB info. Rule: all 16 SGX components = sgx_svn; TDX components
// [0] = tdx_svn (TDX module SVN), [1] = 0 (module major version, as in every Intel level), [2] = tdx_svn
// (TDX late microcode update), [3..15] = 0. Category and type names as Intel's. An empty tcb_date is
// filled with the issue date at midnight.
struct SimTcbLevelSpec {
  std::uint8_t sgx_svn = 0;
  std::uint16_t pcesvn = 0;
  std::uint8_t tdx_svn = 0;
  TcbStatus status = TcbStatus::up_to_date;
  std::string tcb_date;
  std::vector<std::string> advisory_ids;
};
// A simulated TCB info for `fmspc` (id TDX, version 3, pceId 0000, tcbType 0, evaluation data number
// 17), with the given platform levels (highest first, as Intel orders them), tdxModule mrsigner zero /
// attributes 0 / mask FFFFFFFFFFFFFFFF, and module identities (same mrsigner/attributes/mask):
//   TDX_03: isvsvn 3 UpToDate;
//   TDX_01: isvsvn 4 UpToDate, isvsvn 2 OutOfDate (INTEL-SA-01036), isvsvn 0 Revoked (simulation only:
//           Intel publishes no Revoked module level, but it makes the module Revoked path reachable).
TcbInfo simulated_tcb_info(std::array<std::uint8_t, 6> fmspc, const std::vector<SimTcbLevelSpec>& levels,
                           SysTime issue_date, SysTime next_update);

// The TD_QE identity as Intel publishes it: MRSIGNER kIntelTdQeMrSigner (tdx/quote.h), isvprodid 2,
// miscselect 0 / mask FFFFFFFF, attributes 11000000000000000000000000000000 / mask
// FBFFFFFFFFFFFFFF0000000000000000, evaluation data number 17, with the given levels (highest isvsvn first).
QeIdentity simulated_qe_identity(const std::vector<QeTcbLevel>& levels, SysTime issue_date,
                                 SysTime next_update);

}  // namespace coco::tdx
