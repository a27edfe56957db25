// TPM 2.0 quote formats as an Azure vTPM (and swtpm, and Trustee) use them: TPMS_ATTEST of a TPM2_Quote
// (TPM2 Part 2 section 10.12), the PCR selection, the PCR digest, the RSASSA-PKCS1-v1_5 SHA-256
// signature by the AK over the marshalled TPMS_ATTEST, and Trustee's TPM quote shape
// {signature, message, pcrs[24]}. Marshalling is big-endian as the TPM's; parsing is bounds-checked and
// lossless (encode_tpms_attest(parse_tpms_attest(b)) == b).
//
// Error codes: azure.tpm_attest_truncated, azure.tpm_attest_invalid (magic not 0xFF544347, type not
// TPM_ST_ATTEST_QUOTE 0x8018, a selection or digest larger than the TPM allows, trailing bytes),
// azure.tpm_quote_invalid (the bincode form of a TpmQuote: truncated, or bytes after it).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::azure {

inline constexpr std::uint32_t kTpmGeneratedValue = 0xFF544347;
inline constexpr std::uint16_t kTpmStAttestQuote = 0x8018;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000B;
inline constexpr std::size_t kPcrCount = 24;
inline constexpr std::uint32_t kInitDataPcr = 8;

struct PcrSelection {
  std::uint16_t hash = kTpmAlgSha256;
  Bytes select;  // sizeofSelect bytes of bitmap, PCR i = bit (i % 8) of byte i / 8
  bool operator==(const PcrSelection&) const = default;
};

struct TpmsAttest {
  std::uint32_t magic = kTpmGeneratedValue;
  std::uint16_t type = kTpmStAttestQuote;
  Bytes qualified_signer;  // TPM2B_NAME
  Bytes extra_data;        // TPM2B_DATA: the nonce (qualifyingData)
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = true;
  std::uint64_t firmware_version = 0;
  std::vector<PcrSelection> pcr_select;  // TPML_PCR_SELECTION
  Bytes pcr_digest;                      // TPM2B_DIGEST
  bool operator==(const TpmsAttest&) const = default;
};

Result<TpmsAttest> parse_tpms_attest(ByteView bytes);
Bytes encode_tpms_attest(const TpmsAttest& attest);

// The selection of all 24 sha256 PCRs (bitmap ff ff ff), as the Azure attester quotes them.
PcrSelection all_sha256_pcrs();
// The PCR indices a selection names, ascending.
std::vector<std::uint32_t> selected_pcrs(const PcrSelection& selection);
// SHA-256 over the selected PCR values in index order (how TPM2_Quote computes pcrDigest).
Bytes pcr_digest(const std::vector<Bytes>& pcrs, const PcrSelection& selection);
// SHA-256(value || data): one PCR extend.
Bytes pcr_extend(ByteView value, ByteView data);
// What the peer-pod image extends into PCR 8 for init-data: SHA-256(32 zero bytes || digest[0..32]).
Bytes init_data_pcr8(ByteView init_data_digest);

// A TPM2_Quote's outputs as Trustee ships them next to the HCL report.
struct TpmQuote {
  Bytes signature;          // RSASSA-PKCS1-v1_5 SHA-256 by the AK (256 bytes for RSA-2048)
  Bytes message;            // the marshalled TPMS_ATTEST
  std::vector<Bytes> pcrs;  // PCR 0..23 sha256 values, read separately
  bool operator==(const TpmQuote&) const = default;
};
bool verify_quote_signature(const TpmQuote& quote, const Key& ak_pub);

// The bincode (1.x, default options) serialisation of az-cvm-vtpm's Quote, as trustee's quote.bin test
// vectors hold it: u64 LE length + signature, u64 LE length + message, u64 LE count + count PCRs of 32
// bytes each. Bincode accepts trailing bytes; this parser rejects them (so the codec stays lossless).
Result<TpmQuote> parse_bincode_quote(ByteView bytes);
// Requires every PCR to be 32 bytes (the form has no per-PCR length); others are written
// truncated/zero-padded.
Bytes encode_bincode_quote(const TpmQuote& quote);

}  // namespace coco::azure
