#include "conformance/tdx_world.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/eventlog.h"
#include "tdx/sim_collateral.h"

namespace coco::conformance {
namespace {

constexpr std::uint16_t kReferencePcesvn = 13;

template <std::size_t N>
std::array<std::uint8_t, N> first_bytes(const Bytes& b) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

// The digest of the first event Trustee's default_cpu would pick: type `type_name` and `matches(details)`.
template <class Match>
std::optional<std::string> event_digest(const nlohmann::json& logs, const std::string& type_name,
                                        Match matches) {
  for (const auto& e : logs) {
    if (e.value("type_name", "") != type_name || !matches(e.value("details", nlohmann::json::object())))
      continue;
    for (const auto& d : e.value("digests", nlohmann::json::array())) return d.value("digest", "");
  }
  return std::nullopt;
}

}  // namespace

tdx::PlatformSpec tdx_reference_platform() {
  tdx::PlatformSpec p;
  p.pck.pcesvn = kReferencePcesvn;
  return p;
}

tdx::PlatformSpec tdx_outdated_platform() {
  tdx::PlatformSpec p = tdx_reference_platform();
  p.pck.pcesvn = kReferencePcesvn - 1;
  return p;
}

tdx::TdDescription tdx_pattern_td() {
  tdx::TdDescription td;
  td.mr_td = first_bytes<48>(sha384(as_bytes(std::string("coco-harness peer-pod TDVF"))));
  tdx::TdvfBootSpec boot;
  boot.kernel = sha384(as_bytes(std::string("coco-harness peer-pod kernel")));
  boot.cmdline = "console=hvc0 root=/dev/vda1 rw agent.config_file=/run/peerpod/agent-config.toml";
  boot.initrd = sha384(as_bytes(std::string("coco-harness peer-pod initrd")));
  td.ccel = tdx::simulated_tdvf_ccel(boot);
  return td;
}

tdx::PcsContent tdx_pcs_content(const tdx::IntelAuthority& intel, SysTime now) {
  return tdx::simulated_pcs_content(intel, tdx_reference_platform().pck, now);
}

nlohmann::json tdx_default_cpu_reference_values(const tdx::TdDescription& td) {
  nlohmann::json rv = {{"mr_td", {hex_encode(td.mr_td)}}, {"xfam", {hex_encode(td.xfam)}}};
  auto body = tdx::make_td_body(td);
  if (body) {
    rv["rtmr_1"] = {hex_encode(body->rtmr[1])};
    rv["rtmr_2"] = {hex_encode(body->rtmr[2])};
  }
  if (td.ccel) {
    if (auto log = tdx::parse_eventlog(*td.ccel)) {
      const nlohmann::json logs = tdx::trustee_eventlog_claims(*log);
      auto kernel = event_digest(logs, "EV_EFI_BOOT_SERVICES_APPLICATION", [](const nlohmann::json& d) {
        const auto paths = d.value("device_paths", nlohmann::json::array());
        return std::find(paths.begin(), paths.end(), "File(kernel)") != paths.end();
      });
      auto params = event_digest(logs, "EV_EVENT_TAG", [](const nlohmann::json& d) {
        return d.value("string", "") == "LOADED_IMAGE::LoadOptions";
      });
      if (kernel) rv["tdvfkernel"] = *kernel;
      if (params) rv["tdvfkernelparams"] = *params;
    }
  }
  return rv;
}

}  // namespace coco::conformance
