#include "tdx/sim_collateral.h"

#include <chrono>

#include "core/crl.h"
#include "core/encoding.h"
#include "tdx/collateral.h"

namespace coco::tdx {

namespace {
constexpr std::chrono::hours kCollateralValidity{24 * 30};
}  // namespace

PcsContent simulated_pcs_content(const IntelAuthority& intel, const PckRequest& reference, SysTime now) {
  const SysTime next = now + kCollateralValidity;
  // Every SGX component level 0, so PCESVN decides between the two platform levels.
  const std::vector<SimTcbLevelSpec> levels = {
      {0, reference.pcesvn, 4, TcbStatus::up_to_date, "", {}},
      {0, 0, 0, TcbStatus::out_of_date, "", {"INTEL-SA-00837"}},
  };
  PcsContent content;
  content.tcb_info_by_fmspc[hex_encode(reference.fmspc)] =
      sign_tcb_info(simulated_tcb_info(reference.fmspc, levels, now, next), intel.tcb_signing_key());
  const std::vector<QeTcbLevel> qe_levels = {{8, "", TcbStatus::up_to_date, {}},
                                             {0, "", TcbStatus::out_of_date, {"INTEL-SA-00615"}}};
  content.qe_identity =
      sign_qe_identity(simulated_qe_identity(qe_levels, now, next), intel.tcb_signing_key());
  return content;
}

Result<CollateralSet> simulated_collateral(const IntelAuthority& intel, PckCa ca,
                                           const std::array<std::uint8_t, 6>& fmspc,
                                           const PcsContent& content, SysTime now) {
  const auto tcb = content.tcb_info_by_fmspc.find(hex_encode(fmspc));
  if (tcb == content.tcb_info_by_fmspc.end())
    return make_error("tdx.collateral_invalid", "no TCB info for FMSPC " + hex_encode(fmspc));
  if (content.qe_identity.empty()) return make_error("tdx.collateral_invalid", "no QE identity");
  const SysTime this_update = now - std::chrono::hours(1);
  CrlOptions o;
  o.alg = SigAlg::ecdsa_sha256;
  o.crl_number = 1;
  const Key& ca_key = ca == PckCa::platform ? intel.platform_ca_key() : intel.processor_ca_key();
  auto pck_crl = build_crl(intel.intermediate(ca), ca_key, content.revoked_pck_serials, this_update,
                           this_update + kCollateralValidity, o);
  if (!pck_crl) return pck_crl.error();
  auto root_crl = build_crl(intel.root(), intel.root_key(), content.revoked_ca_serials, this_update,
                            this_update + kCollateralValidity, o);
  if (!root_crl) return root_crl.error();
  CollateralSet set;
  set.tcb_info = tcb->second;
  set.tcb_info_issuer_chain = intel.tcb_signing_chain_pem();
  set.qe_identity = content.qe_identity;
  set.qe_identity_issuer_chain = intel.tcb_signing_chain_pem();
  set.pck_crl = pck_crl->der();
  set.pck_crl_issuer_chain = intel.intermediate(ca).pem() + intel.root().pem();
  set.root_crl = root_crl->der();
  return set;
}

}  // namespace coco::tdx
