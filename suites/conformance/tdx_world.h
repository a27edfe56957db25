// The simulated Intel TDX side the suites run against: the pattern's TDX platform and TD, one platform
// whose TCB is behind, and the PCS content (TCB info, QE identity) that judges both. The embedded stack
// serves that content from its fake PCS and the TDX attester quotes on those platforms, so both agree:
//
//   reference platform  tdx::default_pck_request() (FMSPC 90c06f000000, PCESVN 13), TD QE ISVSVN 8,
//                       a TDX 1.5 module (TEE_TCB_SVN 0b 01 04 ..)            -> UpToDate
//   outdated platform   the same with PCESVN 12 (a PCE update not applied)     -> OutOfDate
//
// The TD is the peer-pod VM: a fixed MRTD, XFAM e702060000000000, SEPT_VE_DISABLE, no debug, and a TDVF
// direct-boot CC event log (kernel, command line, initrd) whose RTMR1/RTMR2 and kernel/command-line
// event digests Trustee's default_cpu checks.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/x509.h"
#include "tdx/boot_log.h"
#include "tdx/collateral.h"
#include "tdx/intel_sim.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"

namespace coco::conformance {

tdx::PlatformSpec tdx_reference_platform();
tdx::PlatformSpec tdx_outdated_platform();
// The peer-pod TD; mr_config_id and report_data are set per guest.
tdx::TdDescription tdx_pattern_td();
// tdx::simulated_pcs_content for the reference platform: UpToDate at PCESVN 13 and QE ISVSVN 8,
// OutOfDate below, signed by `intel`'s TCB Signing key, issued at `now` and valid 30 days.
tdx::PcsContent tdx_pcs_content(const tdx::IntelAuthority& intel, SysTime now);
// Trustee's default_cpu reference values for `td`: mr_td, xfam, rtmr_1, rtmr_2 and the event digests
// tdvfkernel / tdvfkernelparams found in its event log as the policy finds them.
nlohmann::json tdx_default_cpu_reference_values(const tdx::TdDescription& td);

}  // namespace coco::conformance
