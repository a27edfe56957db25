// The simulated Azure attesters: a peer pod as a DCasv5 (SEV-SNP) or DCesv5 (TDX) confidential VM whose
// evidence is a vTPM quote plus the HCL report (azure/cvm.h), with init-data in PCR8. Each guest is a fresh
// VM (one pod, one VM) booting the simulated peer-pod image (azure::measure_podvm_boot) with an in-process
// vTPM (azure/vtpm.h; swtpm gives the same format and is tested in sim/azure), so the PCR values the
// pattern's `pcr-stash` would hold are known (azure::podvm_pcrs): they become the reference values.
#include <algorithm>

#include "attester_support.h"
#include "azure/cvm.h"
#include "azure/tpm.h"
#include "azure/verify.h"
#include "conformance/attester.h"
#include "conformance/tdx_world.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "snp/snp.h"
#include "tdx/sim_collateral.h"

namespace coco::conformance {
namespace {

class SimulatedAzureAttester final : public Attester {
 public:
  explicit SimulatedAzureAttester(SimulatedAzureAttesterOptions o) : opts_(std::move(o)) {}
  std::string name() const override { return opts_.tdx ? "az-tdx-vtpm" : "az-snp-vtpm"; }
  std::string tee() const override { return name(); }
  bool supports(Defect d) const override {
    switch (d) {
      case Defect::none:
      case Defect::forged_signature:
      case Defect::unknown_measurement:
      case Defect::tcb_below_reference:
      case Defect::host_data_mismatch:
        return true;
      case Defect::untrusted_chain:
        return opts_.tdx ? opts_.rogue_intel != nullptr : opts_.rogue_amd != nullptr;
      case Defect::vmpl_not_zero:
        return !opts_.tdx;
      case Defect::debug_policy:     // the paravisor launches the VM: no debug policy a host could set, and
                                     // Trustee's policies do not judge one for Azure
      case Defect::vlek_wrong_asvk:  // Azure's SNP VMs are signed by VCEKs
        return false;
    }
    return false;
  }

  Result<std::unique_ptr<guest::EvidenceProvider>> provider(const GuestEvidence& spec) override {
    if (!supports(spec.defect) || (opts_.tdx ? !opts_.intel : !opts_.amd))
      return unsupported(*this, spec.defect);
    std::string uki(azure::kPodvmKernel);
    Bytes init_data = spec.init_data_digest;
    guest::EvidenceTamper tamper;
    std::shared_ptr<azure::SimulatedCvm> cvm;
    auto vtpm = azure::make_in_process_vtpm("coco-harness/" + name());
    switch (spec.defect) {
      case Defect::forged_signature:
        tamper.edit_evidence = [](nlohmann::json& ev) {
          std::string sig = ev["tpm_quote"]["signature"].get<std::string>();
          sig[0] = sig[0] == '0' ? '1' : '0';
          ev["tpm_quote"]["signature"] = sig;
        };
        break;
      case Defect::unknown_measurement:
        uki = "a kernel nobody registered";
        break;
      case Defect::host_data_mismatch:
        init_data = sha256(as_bytes(std::string("init-data of some other pod")));
        break;
      default:
        break;
    }
    if (opts_.tdx) {
      azure::TdxCvm hw;
      tdx::IntelAuthority* intel =
          spec.defect == Defect::untrusted_chain ? opts_.rogue_intel.get() : opts_.intel.get();
      const tdx::PlatformSpec platform =
          spec.defect == Defect::tcb_below_reference ? tdx_outdated_platform() : tdx_reference_platform();
      hw.qe = std::make_shared<const tdx::QuotingEnclave>(*intel, platform);
      hw.td = azure::podvm_td();
      hw.report_mac_key = to_bytes(as_bytes(std::string("coco-harness/azure-tdx/report-mac-key")));
      cvm = std::make_shared<azure::SimulatedCvm>(std::move(vtpm), std::move(hw));
    } else {
      azure::SnpCvm hw;
      hw.amd = spec.defect == Defect::untrusted_chain ? opts_.rogue_amd : opts_.amd;
      hw.launch = azure::podvm_snp_launch();
      if (spec.defect == Defect::tcb_below_reference) {
        snp::Tcb t = reference_tcb();
        t.snp = static_cast<std::uint8_t>(t.snp - 1);
        hw.launch.tcb = t;
      }
      if (spec.defect == Defect::vmpl_not_zero) hw.launch.vmpl = 1;
      if (spec.defect == Defect::unknown_measurement) {
        hw.launch.measurement = sha384(as_bytes(std::string("an image nobody registered")));
      }
      cvm = std::make_shared<azure::SimulatedCvm>(std::move(vtpm), std::move(hw));
    }
    if (auto st = azure::measure_podvm_boot(cvm->tpm(), uki); !st) return st.error();
    if (!init_data.empty()) {
      if (auto st = cvm->measure_init_data(init_data); !st) return st.error();
    }
    auto p = guest::make_simulated_azure_provider(std::move(cvm));
    if (!tamper.edit_evidence) return p;
    return guest::make_tampering_provider(std::move(p), std::move(tamper));
  }

  nlohmann::json default_cpu_reference_values() const override {
    const std::vector<Bytes> pcrs = azure::podvm_pcrs();
    const std::string prefix = opts_.tdx ? "tdx_pcr" : "snp_pcr";
    nlohmann::json rv = nlohmann::json::object();
    // The pattern's pcr-stash (pcr08 is the baseline's: the init-data it lists).
    for (std::size_t n : {3, 9, 11, 12}) {
      rv[prefix + (n < 10 ? "0" : "") + std::to_string(n)] = {hex_encode(pcrs[n])};
    }
    if (opts_.tdx) {
      // Trustee's default_cpu for az-tdx-vtpm: PCR11, the TD's MRTD and XFAM (tdx_platform_genuine).
      const tdx::TdDescription td = azure::podvm_td();
      rv["mr_td"] = {hex_encode(td.mr_td)};
      rv["xfam"] = {hex_encode(td.xfam)};
      return rv;
    }
    // Trustee's default_cpu for az-snp-vtpm: measurement (base64), PCR11, TCB and policy as strings.
    const snp::LaunchDescription l = azure::podvm_snp_launch();
    const snp::Tcb t = reference_tcb();
    const snp::GuestPolicy p = snp::decode_policy(l.policy);
    auto str = [](auto v) { return nlohmann::json(v).dump(); };
    rv["measurement"] = {base64_encode(l.measurement)};
    rv["tcb_bootloader"] = {str(t.bootloader)};
    rv["tcb_microcode"] = {str(t.microcode)};
    rv["tcb_snp"] = {str(t.snp)};
    rv["tcb_tee"] = {str(t.tee)};
    rv["smt_enabled"] = {str((l.platform_info & 1) != 0)};
    rv["tsme_enabled"] = {str((l.platform_info & 2) != 0)};
    rv["abi_major"] = {str(p.abi_major)};
    rv["abi_minor"] = {str(p.abi_minor)};
    rv["single_socket"] = {str(p.single_socket)};
    rv["smt_allowed"] = {str(p.smt)};
    return rv;
  }

  std::vector<std::string> claim_mismatches(const nlohmann::json& sent,
                                            const nlohmann::json& annotated) const override {
    std::vector<std::string> out;
    // What the evidence itself fixes: the TPM claims (and for TDX the quote), recomputed here.
    nlohmann::json expected;
    if (opts_.tdx) {
      auto ev = azure::az_tdx_evidence_from_json(sent);
      if (!ev) return {"the evidence sent does not parse: " + ev.error().message};
      azure::AzVerifyResult r;
      r.attest = *azure::parse_tpms_attest(ev->tpm_quote.message);
      expected = azure::trustee_az_tdx_claims(*ev, r);
    } else {
      auto ev = azure::az_snp_evidence_from_json(sent);
      if (!ev) return {"the evidence sent does not parse: " + ev.error().message};
      azure::AzVerifyResult r;
      r.hcl = ev->hcl_report;
      r.attest = *azure::parse_tpms_attest(ev->tpm_quote.message);
      expected = azure::trustee_az_snp_claims(*ev, r);
    }
    nlohmann::json top = nlohmann::json::object();
    for (const char* lifted : {"report_data", "init_data"}) {
      if (expected.contains(lifted)) {
        top[lifted] = expected[lifted];
        expected.erase(lifted);
      }
    }
    for (const char* dcap :
         {"tcb_status", "collateral_expiration_status", "tcb_date", "advisory_ids", "earliest_issue_date",
          "latest_issue_date", "earliest_expiration_date", "pck_crl_num", "root_ca_crl_num", "tcb_eval_num",
          "platform_provider_id", "sgx_type", "is_dynamic_platform", "is_cached_keys", "is_smt_enabled",
          "root_key_id"}) {
      expected.erase(dcap);  // depend on the collateral, not on the evidence
    }
    compare(expected, annotated.value(name(), nlohmann::json::object()), name() + ".", out);
    compare(top, annotated, "", out);
    return out;
  }
  std::string init_data_claim(ByteView digest) const override {
    return hex_encode(azure::init_data_pcr8(digest));
  }
  // Trustee's az verifiers expose PCR8 as init_data: the chart lists its PCR8 hashes.
  bool pattern_policy_covers() const override { return true; }

 private:
  static snp::Tcb reference_tcb() { return snp::default_tcb(snp::Product::milan); }
  SimulatedAzureAttesterOptions opts_;
};

}  // namespace

std::unique_ptr<Attester> make_simulated_azure_attester(SimulatedAzureAttesterOptions options) {
  return std::make_unique<SimulatedAzureAttester>(std::move(options));
}

}  // namespace coco::conformance
