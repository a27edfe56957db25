// Trustee's Azure verifiers on simulated Azure confidential VMs (azure/cvm.h): SNP- and TDX-based evidence
// passes the same verifiers as the real files, with the in-process vTPM and with swtpm; init-data in PCR8
// matches or is refused; the evidence versions all verify; tampering gives the named reasons.
#include "azure/verify.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "azure/cvm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"
#include "snp/trust.h"
#include "tdx/tdreport_sim.h"

using namespace coco;
using namespace coco::azure;

namespace {

snp::AmdAuthority& amd() {
  static snp::AmdAuthority a("coco-harness", test::key_cache_dir());  // the seed other tests cache keys for
  return a;
}
tdx::IntelAuthority& intel() {
  static tdx::IntelAuthority a("azure-verify-test");
  return a;
}
const snp::TrustedRoots& amd_roots() {
  static const snp::TrustedRoots r = snp::simulated_roots(amd());
  return r;
}

const Bytes kNonce = sha384(as_bytes(std::string("runtime data")));
const Bytes kInitData = sha256(as_bytes(std::string("init-data toml")));

std::unique_ptr<SimulatedCvm> snp_cvm(std::unique_ptr<Vtpm> tpm) {
  SnpCvm hw;
  hw.amd = std::shared_ptr<snp::AmdAuthority>(&amd(), [](snp::AmdAuthority*) {});
  hw.launch.product = snp::Product::milan;
  hw.launch.policy = 0x3001f;
  return std::make_unique<SimulatedCvm>(std::move(tpm), std::move(hw));
}

std::unique_ptr<SimulatedCvm> tdx_cvm(std::unique_ptr<Vtpm> tpm) {
  TdxCvm hw;
  hw.qe = std::make_shared<const tdx::QuotingEnclave>(intel(), tdx::PlatformSpec{});
  hw.report_mac_key = tdx::platform_report_mac_key(intel());
  return std::make_unique<SimulatedCvm>(std::move(tpm), std::move(hw));
}

AzVerifyOptions options(std::optional<Bytes> init_data = std::nullopt) {
  AzVerifyOptions o;
  o.report_data = kNonce;
  o.init_data_hash = std::move(init_data);
  o.snp.roots = &amd_roots();
  o.tdx.trusted_roots = {intel().root()};
  return o;
}

std::string codes(const AzVerifyResult& r) {
  std::string out;
  for (const auto& e : r.failures) out += e.code + " (" + e.message + ") ";
  return out;
}

// Both kinds of VM on one vTPM: the checks every simulated Azure evidence must pass.
void expect_verifies(SimulatedCvm& cvm) {
  ASSERT_TRUE(cvm.measure_init_data(kInitData));
  if (cvm.is_tdx()) {
    auto ev = cvm.tdx_evidence(kNonce);
    ASSERT_TRUE(ev) << ev.error().message;
    const AzVerifyResult r = verify_az_tdx_evidence(*ev, options(kInitData));
    EXPECT_TRUE(r.ok()) << codes(r);
    const nlohmann::json claims = trustee_az_tdx_claims(*ev, r);
    EXPECT_EQ(claims["init_data"], hex_encode(init_data_pcr8(kInitData)));
    EXPECT_EQ(claims["report_data"], hex_encode(kNonce));
    // Through JSON, as a KBS receives it.
    auto back = az_tdx_evidence_from_json(az_tdx_evidence_to_json(*ev));
    ASSERT_TRUE(back);
    EXPECT_TRUE(verify_az_tdx_evidence(*back, options(kInitData)).ok());
  } else {
    auto ev = cvm.snp_evidence(kNonce);
    ASSERT_TRUE(ev) << ev.error().message;
    const AzVerifyResult r = verify_az_snp_evidence(*ev, options(kInitData));
    EXPECT_TRUE(r.ok()) << codes(r);
    const nlohmann::json claims = trustee_az_snp_claims(*ev, r);
    EXPECT_EQ(claims["init_data"], hex_encode(init_data_pcr8(kInitData)));
    EXPECT_EQ(claims["report_data"], hex_encode(kNonce));
    for (int version : {0, 1, 2}) {
      AzSnpEvidence other = *ev;
      other.version = version;
      auto back = az_snp_evidence_from_json(az_snp_evidence_to_json(other));
      ASSERT_TRUE(back) << version;
      EXPECT_TRUE(verify_az_snp_evidence(*back, options(kInitData)).ok()) << "v" << version;
    }
  }
}

}  // namespace

TEST(AzureVerifySimulated, SnpCvmWithInProcessVtpm) {
  auto cvm = snp_cvm(make_in_process_vtpm("snp-cvm"));
  expect_verifies(*cvm);
}

TEST(AzureVerifySimulated, TdxCvmWithInProcessVtpm) {
  auto cvm = tdx_cvm(make_in_process_vtpm("tdx-cvm"));
  expect_verifies(*cvm);
}

TEST(AzureVerifySimulated, SnpAndTdxCvmsWithSwtpm) {
  if (find_swtpm_binary("swtpm").empty() || find_swtpm_binary("swtpm_setup").empty()) {
    GTEST_SKIP() << "swtpm / swtpm_setup not installed (Debian packages swtpm swtpm-tools; run ci/setup)";
  }
  test::TempDir dir("azure-verify-swtpm");
  for (bool tdx : {false, true}) {
    auto tpm = start_swtpm_vtpm(dir.path() / (tdx ? "tdx" : "snp"));
    ASSERT_TRUE(tpm) << tpm.error().code << ": " << tpm.error().message;
    auto cvm = tdx ? tdx_cvm(std::move(*tpm)) : snp_cvm(std::move(*tpm));
    EXPECT_EQ(cvm->tpm().kind(), "swtpm");
    expect_verifies(*cvm);
  }
}

TEST(AzureVerifySimulated, FailuresHaveTheirReasons) {
  auto cvm = snp_cvm(make_in_process_vtpm("snp-cvm-negative"));
  ASSERT_TRUE(cvm->measure_init_data(kInitData));
  auto ev = cvm->snp_evidence(kNonce);
  ASSERT_TRUE(ev);
  // Another init-data, another nonce, under another AMD root.
  EXPECT_TRUE(verify_az_snp_evidence(*ev, options(sha256(as_bytes(std::string("other")))))
                  .has("azure.init_data_mismatch"));
  AzVerifyOptions wrong_nonce = options();
  wrong_nonce.report_data = sha384(as_bytes(std::string("other")));
  const AzVerifyResult r = verify_az_snp_evidence(*ev, wrong_nonce);
  EXPECT_TRUE(r.has("azure.nonce_mismatch")) << codes(r);
  EXPECT_TRUE(r.has("azure.user_data_mismatch")) << codes(r);  // v2 binds report_data into user-data too
  AzVerifyOptions real_amd = options();
  real_amd.snp.roots = nullptr;
  EXPECT_TRUE(verify_az_snp_evidence(*ev, real_amd).has("snp.chain_untrusted"));
  // Tampering with each part.
  AzSnpEvidence sig = *ev;
  sig.tpm_quote.signature[10] ^= 1;
  EXPECT_TRUE(verify_az_snp_evidence(sig, options()).has("azure.tpm_signature_invalid"));
  AzSnpEvidence pcrs = *ev;
  pcrs.tpm_quote.pcrs[11][0] ^= 1;
  EXPECT_TRUE(verify_az_snp_evidence(pcrs, options()).has("azure.pcr_digest_mismatch"));
  AzSnpEvidence var = *ev;
  var.hcl_report.var_data.back() = ' ';  // still JSON-ish bytes, no longer what the SNP report binds
  var.hcl_report_bytes = encode_hcl_report(var.hcl_report);
  var.hcl_report_bytes.resize(ev->hcl_report_bytes.size(), 0);
  const AzVerifyResult v = verify_az_snp_evidence(var, options());
  EXPECT_TRUE(v.has("azure.report_data_mismatch")) << codes(v);
  // A TDX CVM's evidence offered as SNP evidence.
  auto tdx = tdx_cvm(make_in_process_vtpm("tdx-cvm-negative"));
  auto tdx_ev = tdx->tdx_evidence(kNonce);
  ASSERT_TRUE(tdx_ev);
  AzSnpEvidence mixed = *ev;
  mixed.hcl_report_bytes = tdx_ev->hcl_report_bytes;
  EXPECT_FALSE(verify_az_snp_evidence(mixed, options()).ok());
  // TD quote that does not carry the HCL binding.
  AzTdxEvidence other_quote = *tdx_ev;
  auto second = tdx->tdx_evidence(sha384(as_bytes(std::string("second"))));
  ASSERT_TRUE(second);
  other_quote.td_quote = second->td_quote;
  EXPECT_TRUE(verify_az_tdx_evidence(other_quote, options()).has("azure.report_data_mismatch"));
}

// The guest fetches the VCEK (THIM) and the TD quote (/acc/tdquote) from the host's IMDS over HTTP, with the
// Metadata header, as on Azure; the evidence verifies the same.
TEST(AzureVerifySimulated, EvidenceThroughTheFakeImds) {
  for (bool tdx : {false, true}) {
    auto cvm = tdx ? tdx_cvm(make_in_process_vtpm("imds-tdx")) : snp_cvm(make_in_process_vtpm("imds-snp"));
    ASSERT_TRUE(cvm->refresh_hcl_report(kNonce));  // so the host knows this chip's VCEK
    FakeImds imds(cvm->imds_content(), cvm->td_quote_service());
    ASSERT_TRUE(imds.start());
    cvm->use_imds(imds.url());
    expect_verifies(*cvm);
    EXPECT_GT(tdx ? imds.counters().td_quote : imds.counters().thim, 0U);
    imds.stop();
  }
}
