// SEV-SNP ATTESTATION_REPORT (1184 bytes) codec for report versions 2 to 5, with decoders for the
// TCB_VERSION (Milan/Genoa and Turin layouts), guest POLICY, PLATFORM_INFO and signer info.
// Byte offsets follow the SNP firmware ABI (shared/reference/evidence.md section 1.1). Parsing is
// bounds-checked and lossless: encode(parse(b)) == b for every 1184-byte input with a known version,
// reserved bytes included, so must-be-zero violations are reported rather than silently dropped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace coco::snp {

inline constexpr std::size_t kReportSize = 0x4A0;
inline constexpr std::size_t kSignedSize = 0x2A0;  // signature covers bytes [0, 0x2A0)
inline constexpr std::uint32_t kSigAlgoEcdsaP384Sha384 = 1;

enum class Product { unknown, milan, genoa, turin };
std::string product_name(Product p);                              // "Milan", "Genoa", "Turin", "unknown"
std::optional<Product> product_from_name(std::string_view name);  // case-insensitive, "Milan-B0" ok
// Product line from CPUID family and model (report v3+), as go-sev-guest, virtee and Trustee do.
Product product_from_cpuid(std::uint8_t family, std::uint8_t model);

// TCB_VERSION. Milan/Genoa: [bl, tee, 0, 0, 0, 0, snp, ucode]; Turin: [fmc, bl, tee, snp, 0, 0, 0, ucode].
struct Tcb {
  std::optional<std::uint8_t> fmc;  // Turin only
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;
  bool operator==(const Tcb&) const = default;
};
Tcb decode_tcb(std::uint64_t raw, Product product);
std::uint64_t encode_tcb(const Tcb& tcb, Product product);
// Every component of `a` is >= the same component of `b` (fmc compared when both have it).
bool tcb_at_least(const Tcb& a, const Tcb& b);
std::string tcb_to_string(const Tcb& tcb);  // "fmc=1 bl=3 tee=0 snp=8 ucode=115"

struct GuestPolicy {
  std::uint8_t abi_minor = 0;
  std::uint8_t abi_major = 0;
  bool smt = false;
  bool reserved_one = false;  // bit 17, must be 1
  bool migrate_ma = false;
  bool debug = false;
  bool single_socket = false;
  bool cxl_allow = false;
  bool mem_aes_256_xts = false;
  bool rapl_dis = false;
  bool ciphertext_hiding = false;
  bool page_swap_disable = false;
  std::uint64_t reserved_high = 0;  // bits 63:26, must be zero
};
GuestPolicy decode_policy(std::uint64_t raw);

struct PlatformInfo {
  bool smt_enabled = false;
  bool tsme_enabled = false;
  bool ecc_enabled = false;
  bool rapl_disabled = false;
  bool ciphertext_hiding_enabled = false;
  bool alias_check_complete = false;
  bool tio_enabled = false;
  std::uint64_t reserved = 0;  // bit 6 and bits above 7
};
PlatformInfo decode_platform_info(std::uint64_t raw);

enum class SigningKey { vcek = 0, vlek = 1, none = 7, reserved };
struct SignerInfo {
  bool author_key_en = false;
  bool mask_chip_key = false;
  SigningKey signing_key = SigningKey::vcek;
  std::uint32_t signing_key_raw = 0;
  std::uint32_t reserved = 0;  // bits 31:5
};
SignerInfo decode_signer_info(std::uint32_t raw);
std::string signing_key_name(SigningKey k);  // "VCEK", "VLEK", "none", "reserved"

struct FirmwareVersion {
  std::uint8_t build = 0;
  std::uint8_t minor = 0;
  std::uint8_t major = 0;
  bool operator==(const FirmwareVersion&) const = default;
};

// Every field at its ABI offset. Reserved ranges are kept so that encoding is byte-identical.
struct Report {
  std::uint32_t version = 0;                         // 0x000
  std::uint32_t guest_svn = 0;                       // 0x004
  std::uint64_t policy = 0;                          // 0x008
  std::array<std::uint8_t, 16> family_id{};          // 0x010
  std::array<std::uint8_t, 16> image_id{};           // 0x020
  std::uint32_t vmpl = 0;                            // 0x030
  std::uint32_t signature_algo = 0;                  // 0x034
  std::uint64_t current_tcb = 0;                     // 0x038
  std::uint64_t platform_info = 0;                   // 0x040
  std::uint32_t signer_info = 0;                     // 0x048
  std::uint32_t reserved_04c = 0;                    // 0x04C
  std::array<std::uint8_t, 64> report_data{};        // 0x050
  std::array<std::uint8_t, 48> measurement{};        // 0x090
  std::array<std::uint8_t, 32> host_data{};          // 0x0C0
  std::array<std::uint8_t, 48> id_key_digest{};      // 0x0E0
  std::array<std::uint8_t, 48> author_key_digest{};  // 0x110
  std::array<std::uint8_t, 32> report_id{};          // 0x140
  std::array<std::uint8_t, 32> report_id_ma{};       // 0x160
  std::uint64_t reported_tcb = 0;                    // 0x180
  std::uint8_t cpuid_fam_id = 0;                     // 0x188 (v3+; reserved in v2)
  std::uint8_t cpuid_mod_id = 0;                     // 0x189
  std::uint8_t cpuid_step = 0;                       // 0x18A
  std::array<std::uint8_t, 21> reserved_18b{};       // 0x18B
  std::array<std::uint8_t, 64> chip_id{};            // 0x1A0
  std::uint64_t committed_tcb = 0;                   // 0x1E0
  FirmwareVersion current;                           // 0x1E8 build, minor, major
  std::uint8_t reserved_1eb = 0;
  FirmwareVersion committed;  // 0x1EC
  std::uint8_t reserved_1ef = 0;
  std::uint64_t launch_tcb = 0;                    // 0x1F0
  std::uint64_t launch_mit_vector = 0;             // 0x1F8 (v5+; reserved before)
  std::uint64_t current_mit_vector = 0;            // 0x200 (v5+)
  std::array<std::uint8_t, 0x98> reserved_208{};   // 0x208
  std::array<std::uint8_t, 72> signature_r{};      // 0x2A0, little-endian, zero-padded
  std::array<std::uint8_t, 72> signature_s{};      // 0x2E8
  std::array<std::uint8_t, 0x170> reserved_330{};  // 0x330

  bool has_cpuid() const { return version >= 3; }
  bool has_mitigation_vectors() const { return version >= 5; }
  // Product from CPUID (v3+); unknown for v2, where the caller must supply it.
  Product product() const;
  GuestPolicy decoded_policy() const { return decode_policy(policy); }
  PlatformInfo decoded_platform_info() const { return decode_platform_info(platform_info); }
  SignerInfo decoded_signer() const { return decode_signer_info(signer_info); }

  Bytes encode() const;        // 1184 bytes
  Bytes signed_bytes() const;  // the first 0x2A0 bytes of encode()
  // Names of the must-be-zero / must-be-one rules this report breaks, e.g. "reserved 0x330..0x4A0".
  std::vector<std::string> mbz_violations() const;
};

// Errors: snp.report_size (not 1184 bytes), snp.report_version_unknown (not 2..5).
Result<Report> parse_report(ByteView bytes);

// R and S between the report's 72-byte little-endian fields and 48-byte big-endian integers.
void set_signature(Report& report, ByteView r_be48, ByteView s_be48);
Bytes signature_r_be(const Report& report);  // 48 bytes
Bytes signature_s_be(const Report& report);
// True when bytes 48..71 of R and S are zero, as the ABI requires.
bool signature_padding_zero(const Report& report);

}  // namespace coco::snp
