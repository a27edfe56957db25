// The simulated AMD secure processor: builds an ATTESTATION_REPORT from a launch description and signs
// it with a VCEK or VLEK issued by the simulated AMD root of trust, as firmware would. Descriptions come
// from code, command-line flags or YAML (fixtures/launch/*.yaml); everything not given gets the value a
// real guest on that product would report, derived from the seed where it is per-chip.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "snp/amd_sim.h"
#include "snp/certs.h"
#include "snp/evidence_json.h"
#include "snp/report.h"

namespace coco::snp {

struct LaunchDescription {
  std::uint32_t version = 3;  // 2, 3 or 5
  Product product = Product::milan;
  int stepping = 1;  // CPUID stepping (Milan B1 = 1)
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0x30000;  // SMT allowed + reserved bit 17
  Bytes family_id;                 // 16 bytes, zero-padded
  Bytes image_id;                  // 16 bytes
  std::uint32_t vmpl = 0;
  Bytes report_data;  // up to 64 bytes, zero-padded
  Bytes measurement;  // 48 bytes; default: SHA-384 of "coco-harness launch"
  Bytes host_data;    // up to 32 bytes
  Bytes id_key_digest;
  Bytes author_key_digest;
  Bytes report_id;     // default derived from the seed
  Bytes report_id_ma;  // default all 0xFF (no migration agent)
  std::optional<Tcb>
      tcb;  // default: default_tcb(product); current = reported = committed = launch unless overridden
  std::optional<Tcb> reported_tcb;
  std::optional<Tcb> committed_tcb;
  std::optional<Tcb> launch_tcb;
  Bytes chip_id;  // default derived from the seed (Turin: 8 meaningful bytes)
  std::uint64_t platform_info = 0x25;
  bool vlek = false;  // sign with a VLEK (chip id is then zero, as real VLEK reports show)
  bool mask_chip_id = false;
  bool author_key_en = false;
  FirmwareVersion current_fw{40, 55, 1};
  FirmwareVersion committed_fw{40, 55, 1};
  std::uint64_t launch_mit_vector = 0;             // v5
  std::uint64_t current_mit_vector = 0;            // v5
  std::string csp_id = "CN=coco-harness.example";  // VLEK
};

// The default TCB of a simulated product (close to current real firmware).
Tcb default_tcb(Product product);
// Loads a description from YAML (keys as the struct fields; bytes as hex; tcb as {fmc, bl, tee, snp, ucode}).
// Errors: snp.launch_invalid.
Result<LaunchDescription> launch_from_yaml(std::string_view yaml_text);

struct SignedReport {
  Report report;
  Bytes raw;                               // 1184 bytes
  IssuedVek vek;                           // VCEK or VLEK that signed it (with its private key)
  std::string chain_pem;                   // ASK/ASVK then ARK
  std::vector<CertTableEntry> cert_table;  // VCEK|VLEK, ASK|ASVK, ARK as an extended report carries them
  SnpEvidence evidence() const;            // Trustee's JSON form, with cert_chain = [VCEK|VLEK]
};

// Errors: snp.launch_invalid (field too long, unknown product, unsupported version).
Result<SignedReport> sign_report(AmdAuthority& authority, const LaunchDescription& launch);
// Re-signs an edited report with the given key (used to build precise negative cases).
void resign(Report& report, const Key& vek_key);

}  // namespace coco::snp
