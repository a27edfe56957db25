// Azure confidential VMs, format layer: the HCL report the paravisor writes to vTPM NV index 0x01400001
// (an SNP ATTESTATION_REPORT or a TDX TDREPORT binding the "runtime data" JSON), and that JSON (the vTPM's
// AK and EK as JWKs, vm-configuration, user-data). Offsets: shared/reference/evidence.md section 3.1
// (kinvolk/azure-cvm-tooling az-cvm-vtpm/src/hcl).
//
// The codec is lossless: encode_hcl_report(parse_hcl_report(b)) == b, the zero padding after the variable
// data (up to the NV index size, 2600 bytes in real reports, 2048 in an older one) included.
//
// Error codes: azure.hcl_truncated, azure.hcl_invalid (signature not "HCLA", sizes that disagree, an
// unknown report type, a hash type other than 1..3), azure.runtime_data_invalid (the JSON or a key in it).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::azure {

inline constexpr std::uint32_t kHclSignature = 0x414C4348;  // "HCLA"
inline constexpr std::size_t kHclHeaderSize = 0x20;
inline constexpr std::size_t kHclHwReportSize = 1184;  // an SNP report; a TDREPORT (1024) zero-padded
inline constexpr std::size_t kHclVarDataOffset = 0x4D4;
inline constexpr std::uint32_t kNvIndexHclReport = 0x01400001;
inline constexpr std::uint32_t kNvIndexReportData = 0x01400002;
inline constexpr std::uint32_t kAkHandle = 0x81000003;

enum class HclReportType : std::uint32_t { snp = 2, tdx = 4 };

struct HclReport {
  std::uint32_t version = 1;       // 1 (SNP reports seen), 2 (TDX and newer SNP)
  std::uint32_t request_type = 2;  // 0x0C
  std::uint32_t status = 0;        // 0x10
  std::array<std::uint8_t, 12> reserved{};
  Bytes hw_report;                 // kHclHwReportSize bytes as stored (TDX: the TDREPORT then zeros)
  std::uint32_t igvm_version = 1;  // 0x4C4
  HclReportType type = HclReportType::snp;
  std::uint32_t hash_type = 1;  // 1 SHA-256, 2 SHA-384, 3 SHA-512
  Bytes var_data;               // the runtime-data JSON, exactly as stored
  Bytes padding;                // bytes after the variable data (zeros up to the NV size)
  bool operator==(const HclReport&) const = default;

  // The bytes the report's report_data binds: the first 32 of SNP REPORT_DATA / TDREPORT REPORTDATA.
  // report_size (0x08) and data_size (0x4C0) are derived by the encoder.
};

Result<HclReport> parse_hcl_report(ByteView bytes);
Bytes encode_hcl_report(const HclReport& report);
// SNP REPORT_DATA or TDREPORT REPORTDATA (64 bytes) of the hardware report.
Bytes hcl_hw_report_data(const HclReport& report);
// The TDREPORT (first 1024 bytes of hw_report) or the SNP report (all 1184).
ByteView hcl_hw_report(const HclReport& report);
// HASH(var_data) with the report's hash_type (SHA-256 in every real report).
Bytes hcl_var_data_digest(const HclReport& report);

// The runtime data JSON.
struct RuntimeData {
  Key ak_pub;  // HCLAkPub (RSA-2048, key_ops ["sign"]; ["encrypt"] in the older 2048-byte report; not
               // checked)
  Key ek_pub;  // HCLEkPub; an empty Key when absent (the older report has only the AK)
  nlohmann::json vm_configuration;  // kept as is
  std::optional<Bytes> user_data;   // "user-data": 64 bytes as 128 upper-case hex characters
  nlohmann::json json;              // the whole document
};
Result<RuntimeData> parse_runtime_data(ByteView var_data);
// Serialises the runtime data the way the paravisor does: {"keys":[AK, EK],"vm-configuration":{...},
// "user-data":"<HEX>"} with JWKs {"kid","key_ops","kty","e","n"} (base64url n/e), compact JSON.
std::string runtime_data_json(const Key& ak_pub, const Key& ek_pub, const nlohmann::json& vm_configuration,
                              const std::optional<Bytes>& user_data);

}  // namespace coco::azure
