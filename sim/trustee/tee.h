// The TEE names of kbs-types (the `tee` of an RCAR Request, the keys of additional evidence and the
// `input.<tee>` key of policy input) and the TEE class each belongs to (cpu/gpu submods of an EAR).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coco::trustee {

enum class Tee {
  az_snp_vtpm,
  az_tdx_vtpm,
  nvidia,
  sgx,
  snp,
  tdx,
  cca,
  csv,
  se,
  hygondcu,
  tpm,
  sample,
  sampledevice,
  nvidia_dpu,
};

// "az-snp-vtpm", "snp", "sampledevice", ... exactly as serde writes them.
std::string_view tee_name(Tee tee);
// nullopt for a name kbs-types does not know (deserialization fails there too).
std::optional<Tee> parse_tee(std::string_view name);
// "cpu" or "gpu" (sampledevice, nvidia, hygondcu); the EAR submod is "<class><index>".
std::string_view tee_class(Tee tee);

}  // namespace coco::trustee
