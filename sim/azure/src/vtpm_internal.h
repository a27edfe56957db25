// Shared by the two Vtpm implementations (vtpm.cpp, vtpm_swtpm.cpp): argument checks that both apply
// in the same way, so both fail on the same inputs, and RSA key <-> modulus conversion.
#pragma once

#include <cstdint>
#include <string>

#include "azure/tpm.h"
#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::azure::detail {

inline constexpr std::uint32_t kNvIndexFirst = 0x01000000;
inline constexpr std::uint32_t kNvIndexLast = 0x01FFFFFF;
// Indices whose data may exceed one TPM NV index (their continuation lies in the owner range).
inline constexpr std::uint32_t kNvSplitFirst = 0x01400000;
inline constexpr std::uint32_t kNvSplitLast = 0x017FFFFF;

Error argument_invalid(std::string message);
Status check_pcr_index(std::uint32_t index);
Status check_extend(std::uint32_t index, ByteView digest);
Status check_nonce(ByteView nonce);
Status check_selection(const PcrSelection& selection);
Status check_nv_index(std::uint32_t index);
Status check_nv_write(std::uint32_t index, std::size_t size);
Error nv_undefined(std::uint32_t index);
std::string hex32(std::uint32_t v);  // "0x01400001"
// A TPM or TSS response code for messages: "TPM_RC_SIZE (0x2D5): <libtss2-rc's decoding>".
std::string tpm_rc_name(std::uint32_t rc);

// The big-endian modulus of an RSA key, without leading zeros (256 bytes for RSA-2048).
Bytes rsa_modulus(const Key& key);
// An RSA public key from its modulus and exponent (0 means 65537, as in TPMS_RSA_PARMS).
Result<Key> rsa_public_key(ByteView modulus, std::uint32_t exponent);

}  // namespace coco::azure::detail
