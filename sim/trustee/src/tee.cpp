#include "trustee/tee.h"

#include <array>
#include <utility>

namespace coco::trustee {
namespace {

constexpr std::array<std::pair<Tee, std::string_view>, 14> kNames{{
    {Tee::az_snp_vtpm, "az-snp-vtpm"},
    {Tee::az_tdx_vtpm, "az-tdx-vtpm"},
    {Tee::nvidia, "nvidia"},
    {Tee::sgx, "sgx"},
    {Tee::snp, "snp"},
    {Tee::tdx, "tdx"},
    {Tee::cca, "cca"},
    {Tee::csv, "csv"},
    {Tee::se, "se"},
    {Tee::hygondcu, "hygondcu"},
    {Tee::tpm, "tpm"},
    {Tee::sample, "sample"},
    {Tee::sampledevice, "sampledevice"},
    {Tee::nvidia_dpu, "nvidia-dpu"},
}};

}  // namespace

std::string_view tee_name(Tee tee) {
  for (const auto& [t, name] : kNames) {
    if (t == tee) return name;
  }
  return "unknown";
}

std::optional<Tee> parse_tee(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view tee_class(Tee tee) {
  switch (tee) {
    case Tee::sampledevice:
    case Tee::nvidia:
    case Tee::hygondcu:
      return "gpu";
    default:
      return "cpu";
  }
}

}  // namespace coco::trustee
