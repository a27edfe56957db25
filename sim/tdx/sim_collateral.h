// The collateral that judges a simulated TDX platform, in one place for everything that needs it (the
// `coco-harness tdx gen --collateral-out` file, `coco-harness pcs serve`, the suites' fake PCS):
//
//   TCB info for the reference PCK's FMSPC, signed by the TCB Signing key:
//     level 0  every SGX component >= 0, PCESVN >= reference.pcesvn, TDX module / microcode SVN >= 4
//              -> UpToDate
//     level 1  anything below                                                 -> OutOfDate (INTEL-SA-00837)
//   TD_QE identity: ISVSVN >= 8 UpToDate, below OutOfDate (INTEL-SA-00615)
//   both issued at `now` and valid 30 days, as Intel's are.
//
// So a platform with the reference PCESVN (13 for default_pck_request()), a TD QE ISVSVN of 8 and a TDX 1.5
// module (TEE_TCB_SVN 0b 01 04 ..) is UpToDate; a lower PCESVN or QE ISVSVN is OutOfDate.
#pragma once

#include "core/result.h"
#include "core/x509.h"
#include "tdx/intel_sim.h"
#include "tdx/pcs.h"

namespace coco::tdx {

// What a FakePcs serves for the reference platform (no revoked serials).
PcsContent simulated_pcs_content(const IntelAuthority& intel, const PckRequest& reference, SysTime now);

// The same content as an offline CollateralSet (tdx/pcs.h), as a PcsClient would fetch it from a FakePcs
// serving `content`: issuer chains from `intel`, the PCK CRL of `ca` (signed ECDSA-SHA256 by that PCK CA)
// and the root CRL (by the root), both listing the content's revoked serials, thisUpdate `now` less one hour,
// valid 30 days, cRLNumber 1. The TCB info served is the one for `fmspc`. Errors: crl.build_failed;
// tdx.collateral_invalid when the content has no TCB info for `fmspc` or no QE identity.
Result<CollateralSet> simulated_collateral(const IntelAuthority& intel, PckCa ca,
                                           const std::array<std::uint8_t, 6>& fmspc,
                                           const PcsContent& content, SysTime now);

}  // namespace coco::tdx
