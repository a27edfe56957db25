// Intel TDX CC event log (the CCEL ACPI table's log area): the TCG PC Client crypto-agile event log, its
// RTMR replay, and Trustee's `uefi_event_logs` claims (shared/reference/hw.md 3.3, trustee.md 3.1).
//
// Layout: one SHA-1 format TCG_PCR_EVENT carrying the "Spec ID Event03" header (EV_NO_ACTION; it lists the
// digest algorithms and their sizes), then TCG_PCR_EVENT2 entries. A CCEL area is a fixed-size buffer, so
// the log ends where the buffer ends or at the padding after the last event: an event header whose first
// 8 bytes (index and type) are all 0xFF or all 0x00, as OVMF, td-shim and Trustee's parser treat it.
//
// The event's index is the CC measurement register index, not a TPM PCR: 0 = MRTD, 1..4 = RTMR0..3.
// Parsing is bounds-checked and never throws.
//
// Error codes (Error::code):
//   tdx.eventlog_truncated  the buffer ends inside the header event or an event entry
//   tdx.eventlog_invalid    the first event is not a Spec ID Event03 header, the header is inconsistent,
//                           or an event carries a digest algorithm the header does not list
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace coco::tdx {

// TPM_ALG_ID values used in event logs.
inline constexpr std::uint16_t kTpmAlgSha1 = 0x0004;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000B;
inline constexpr std::uint16_t kTpmAlgSha384 = 0x000C;
inline constexpr std::uint16_t kTpmAlgSha512 = 0x000D;

// Event types this module names or decodes (TCG PC Client PFP, section 10.4.1).
inline constexpr std::uint32_t kEvNoAction = 0x3;
inline constexpr std::uint32_t kEvSeparator = 0x4;
inline constexpr std::uint32_t kEvEfiBootServicesApplication = 0x80000003;

struct SpecIdAlgorithm {
  std::uint16_t alg = 0;
  std::uint16_t digest_size = 0;
  bool operator==(const SpecIdAlgorithm&) const = default;
};

// The first event: TCG_PCR_EVENT wrapping TCG_EfiSpecIDEventStruct.
struct SpecIdEvent {
  std::uint32_t index = 0;                       // 0 in td-shim logs, 1 in OVMF ones: nothing depends on it
  std::array<std::uint8_t, 20> legacy_digest{};  // SHA-1 format digest field; zero in real logs, kept
  std::uint32_t platform_class = 0;
  std::uint8_t spec_version_minor = 0;
  std::uint8_t spec_version_major = 2;
  std::uint8_t spec_errata = 0;
  std::uint8_t uintn_size = 2;
  std::vector<SpecIdAlgorithm> algorithms;
  Bytes vendor_info;
  bool operator==(const SpecIdEvent&) const = default;
};

struct EventDigest {
  std::uint16_t alg = 0;
  Bytes digest;
  bool operator==(const EventDigest&) const = default;
};

// One TCG_PCR_EVENT2.
struct Event {
  std::uint32_t index = 0;  // CC MR index: 0 = MRTD, 1..4 = RTMR0..3
  std::uint32_t type = 0;
  std::vector<EventDigest> digests;
  Bytes data;
  bool operator==(const Event&) const = default;
};

struct EventLog {
  SpecIdEvent spec_id;
  std::vector<Event> events;
  std::size_t size = 0;  // bytes the log occupies in the buffer; padding starts here
};

using Rtmr = std::array<std::uint8_t, 48>;

Result<EventLog> parse_eventlog(ByteView buffer);

// The serialized log (header event and entries, no padding). parse_eventlog(encode_eventlog(l)) == l.
Bytes encode_eventlog(const EventLog& log);

// RTMR[i] = SHA-384(RTMR[i] || digest) from 48 zero bytes, over the SHA-384 digests of the events with
// index i + 1, in log order. EV_NO_ACTION events are informational and never extended (TCG PFP 10.4.1).
std::array<Rtmr, 4> replay_rtmrs(const EventLog& log);

// "EV_SEPARATOR" etc. as Trustee prints them; types it does not know give "EV_UNKNOWN_0x<8 hex>".
std::string event_type_name(std::uint32_t type);
// "SHA-384" etc.; others give "0x<4 hex>".
std::string digest_alg_name(std::uint16_t alg);

// Trustee's `uefi_event_logs` array: one object per TCG_PCR_EVENT2 (the Spec ID header is not listed),
// {"index","type_name","digests":[{"alg","digest"}],"event":<base64>,"details":{...},
//  "digest_matches_event"}. See event_details for what `details` reproduces.
nlohmann::json trustee_eventlog_claims(const EventLog& log);

// Trustee's `details` for one event. Decoded: EV_SEPARATOR and undecoded types ({}), EV_POST_CODE,
// EV_ACTION, EV_COMPACT_HASH, EV_OMIT_BOOT_DEVICE_EVENTS, EV_EFI_ACTION (UTF-8 text), EV_EVENT_TAG, EV_IPL,
// EV_PLATFORM_CONFIG_FLAGS, EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV_EFI_HANDOFF_TABLES2 (description),
// the EFI variable events, and EV_EFI_BOOT_SERVICES_APPLICATION device paths (File and VenMedia nodes
// as text, other nodes as "Path(type,subtype,<hex>)"). Where Trustee would reject the event data
// (invalid UTF-8, short structures), this gives {} instead of failing the whole log.
nlohmann::json trustee_event_details(const Event& event);

}  // namespace coco::tdx
