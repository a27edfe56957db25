// Seed writer for the TDX fuzz targets (not a fuzzer): `fuzz_tdx_seeds <target> <dir>` writes inputs made
// with the fixed simulated Intel PKI of fuzz/tdx_fuzz_common.h, so that they get past the signature checks:
//   tdx_verify           quotes of the fixed QE: v4, v5 with a TDX 1.0 and a TDX 1.5 body, a DER-chain
//                        platform, a debug TD with RTMRs (all verify against the fuzz root)
//   tdx_collateral       signed TCB info and QE identity bodies (with and without tdxModuleIdentities,
//                        every status, advisory IDs) and their inner objects alone
//   tdx_collateral_set   collateral_to_json of a full set (TCB info, QE identity, PCK and root CRLs, chains)
//   tdx_td_yaml          TD descriptions in YAML covering every key
// Exit 0 on success, 2 on usage errors.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/crl.h"
#include "tdx/collateral.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx_fuzz_common.h"

using namespace coco;
using namespace coco::tdx;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& name, std::string_view content) {
  std::ofstream(dir / name, std::ios::binary)
      .write(content.data(), static_cast<std::streamsize>(content.size()));
}
void write(const fs::path& dir, const std::string& name, const Bytes& content) {
  write(dir, name, std::string_view(reinterpret_cast<const char*>(content.data()), content.size()));
}

void verify_seeds(const fs::path& dir) {
  IntelAuthority& intel = fuzz::tdx_fuzz_intel();
  const QuotingEnclave& qe = fuzz::tdx_fuzz_qe();
  TdDescription td;
  td.mr_td[0] = 0x11;
  td.report_data[0] = 0x22;
  write(dir, "quote_v4.dat", encode_quote(generate_quote(qe, td).value()));
  td.version = 5;
  td.body_type = 2;
  write(dir, "quote_v5_tdx10.dat", encode_quote(generate_quote(qe, td).value()));
  td.body_type = 3;
  write(dir, "quote_v5_tdx15.dat", encode_quote(generate_quote(qe, td).value()));
  PlatformSpec der;
  der.chain_encoding = PckChainEncoding::der;
  der.pck.ca = PckCa::processor;
  const QuotingEnclave qe_der(intel, der);
  td.version = 4;
  td.body_type = 0;
  td.debug = true;
  td.rtmrs = std::array<std::array<std::uint8_t, 48>, 4>{};
  (*td.rtmrs)[0][0] = 0x33;
  write(dir, "quote_v4_der_processor_debug.dat", encode_quote(generate_quote(qe_der, td).value()));
}

std::vector<SimTcbLevelSpec> levels() {
  const PckRequest pck = default_pck_request();
  return {
      {0, pck.pcesvn, 4, TcbStatus::up_to_date, "", {}},
      {0, pck.pcesvn, 2, TcbStatus::sw_hardening_needed, "", {"INTEL-SA-00960"}},
      {0, 11, 0, TcbStatus::configuration_and_sw_hardening_needed, "", {"INTEL-SA-00837", "INTEL-SA-00615"}},
      {0, 0, 0, TcbStatus::revoked, "2023-02-15T00:00:00Z", {}}};
}
std::vector<QeTcbLevel> qe_levels() {
  return {{8, "2024-03-13T00:00:00Z", TcbStatus::up_to_date, {}},
          {4, "", TcbStatus::out_of_date, {"INTEL-SA-00615"}},
          {0, "", TcbStatus::revoked, {}}};
}

CollateralSet collateral(SysTime now) {
  IntelAuthority& intel = fuzz::tdx_fuzz_intel();
  const SysTime next = now + std::chrono::hours(24 * 30);
  CollateralSet c;
  c.tcb_info = sign_tcb_info(simulated_tcb_info(default_pck_request().fmspc, levels(), now, next),
                             intel.tcb_signing_key());
  c.tcb_info_issuer_chain = intel.tcb_signing_chain_pem();
  c.qe_identity = sign_qe_identity(simulated_qe_identity(qe_levels(), now, next), intel.tcb_signing_key());
  c.qe_identity_issuer_chain = intel.tcb_signing_chain_pem();
  const CrlOptions opts{SigAlg::ecdsa_sha256, 7};
  c.pck_crl = build_crl(intel.platform_ca(), intel.platform_ca_key(), {Bytes{0x01, 0x02}}, now, next, opts)
                  .value()
                  .der();
  c.pck_crl_issuer_chain = intel.platform_ca().pem() + intel.root().pem();
  c.root_crl = build_crl(intel.root(), intel.root_key(), {}, now, next, opts).value().der();
  return c;
}

void collateral_seeds(const fs::path& dir) {
  const SysTime now = fuzz::tdx_fuzz_now();
  const CollateralSet c = collateral(now);
  write(dir, "tcb_info.json", c.tcb_info);
  write(dir, "qe_identity.json", c.qe_identity);
  TcbInfo plain = simulated_tcb_info(default_pck_request().fmspc, levels(), now, now + std::chrono::hours(1));
  plain.tdx_module_identities.clear();
  write(dir, "tcb_info_no_module_identities.json",
        sign_tcb_info(plain, fuzz::tdx_fuzz_intel().tcb_signing_key()));
  write(dir, "tcb_info_inner.json", tcb_info_json(plain));
  write(dir, "qe_identity_inner.json", qe_identity_json(simulated_qe_identity(qe_levels(), now, now)));
}

void collateral_set_seeds(const fs::path& dir) {
  write(dir, "collateral.json", collateral_to_json(collateral(fuzz::tdx_fuzz_now())).dump());
  write(dir, "collateral_pretty.json", collateral_to_json(collateral(fuzz::tdx_fuzz_now())).dump(1));
}

void td_yaml_seeds(const fs::path& dir) {
  write(dir, "minimal.yaml", "{}\n");
  write(dir, "v4.yaml",
        "version: 4\nmr_td: 0x" + std::string(96, 'a') +
            "\nmr_config_id: 0102\nreport_data: ff\ndebug: true\n");
  write(dir, "v5_rtmrs.yaml",
        "version: 5\nbody_type: 3\nrtmr0: " + std::string(96, '1') + "\nrtmr1: " + std::string(96, '2') +
            "\nrtmr2: " + std::string(96, '3') + "\nrtmr3: " + std::string(96, '4') +
            "\nmr_seam: " + std::string(96, '5') + "\nmrsigner_seam: " + std::string(96, '6') +
            "\nmr_servicetd: " + std::string(96, '7') +
            "\nmr_owner: 99\nmr_owner_config: 88\nxfam: e702060000000000\n"
            "tee_tcb_svn: 0b01040000\ntee_tcb_svn2: 0b01\nseptve_disable: false\nextra_attributes: "
            "0x10000000\n");
  write(dir, "v5_tdx10.yaml", "version: 5\nbody_type: 2\nextra_attributes: 268435456\n");
  write(dir, "ccel.yaml", "ccel: ccel.bin\n");
  write(dir, "unknown_key.yaml", "mr_td: 00\nfoo: bar\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_tdx_seeds tdx_verify|tdx_collateral|tdx_collateral_set|tdx_td_yaml <dir>\n";
    return 2;
  }
  const std::string target = argv[1];
  const fs::path dir = argv[2];
  fs::create_directories(dir);
  if (target == "tdx_verify")
    verify_seeds(dir);
  else if (target == "tdx_collateral")
    collateral_seeds(dir);
  else if (target == "tdx_collateral_set")
    collateral_set_seeds(dir);
  else if (target == "tdx_td_yaml")
    td_yaml_seeds(dir);
  else {
    std::cerr << "fuzz_tdx_seeds: unknown target " << target << "\n";
    return 2;
  }
  return 0;
}
