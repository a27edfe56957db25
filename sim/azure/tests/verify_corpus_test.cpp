// Trustee's Azure verifiers on the real evidence of shared/corpus/azure: every evidence file gives the
// verdict and claims MANIFEST.json records (report_data = the nonce, tpm.pcr00, PCR8 as init_data), and
// Trustee's own negative cases (a flipped TPM signature, a changed PCR, HCL variable data that no longer
// matches the SNP report, a broken AK, a reversed nonce, a changed SNP TCB byte, user-data that does not
// start with report_data) fail with the matching reasons.
#include <gtest/gtest.h>

#include <fstream>

#include "azure/verify.h"
#include "core/encoding.h"
#include "core/test_support.h"

using namespace coco;
using namespace coco::azure;
using test::corpus_file;

namespace {

nlohmann::json load_json(const std::string& rel) {
  std::ifstream in(test::shared_dir() / "corpus" / rel);
  return nlohmann::json::parse(in);
}

Bytes text(std::string_view s) {
  return to_bytes(as_bytes(s));
}

AzSnpEvidence snp_evidence(const std::string& rel) {
  auto ev = az_snp_evidence_from_json(load_json(rel));
  EXPECT_TRUE(ev) << rel << ": " << ev.error().message;
  return *ev;
}

AzVerifyOptions nonce(Bytes n) {
  AzVerifyOptions o;  // AMD's and Intel's real roots, the current time
  o.report_data = std::move(n);
  return o;
}

std::string codes(const AzVerifyResult& r) {
  std::string out;
  for (const auto& e : r.failures) out += e.code + " (" + e.message + ") ";
  return out;
}

}  // namespace

TEST(AzureVerifyCorpus, SnpEvidenceVerifiesWithItsNonceAndGivesTrusteesClaims) {
  COCO_REQUIRE_CORPUS();
  struct Case {
    const char* path;
    Bytes nonce;
    const char* pcr00;
  };
  const std::vector<Case> cases = {
      {"azure/snp-vtpm/evidence-v0.json", text("challenge"),
       "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"},
      {"azure/snp-vtpm/evidence-v1.json", text("challenge"),
       "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"},
      {"azure/snp-vtpm/evidence-v2.json",
       *hex_decode("982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f"
                   "5f819ef"),
       "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7"},
      {"azure/snp-vtpm/evidence-genoa.json",
       *hex_decode("0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea"
                   "35d950f"),
       "afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338"},
  };
  for (const Case& c : cases) {
    const AzSnpEvidence ev = snp_evidence(c.path);
    const AzVerifyResult r = verify_az_snp_evidence(ev, nonce(c.nonce));
    EXPECT_TRUE(r.ok()) << c.path << ": " << codes(r);
    const nlohmann::json claims = trustee_az_snp_claims(ev, r);
    EXPECT_EQ(claims["report_data"], hex_encode(c.nonce)) << c.path;
    EXPECT_EQ(claims["tpm"]["pcr00"], c.pcr00) << c.path;
    EXPECT_EQ(claims["init_data"], claims["tpm"]["pcr08"]) << c.path;
    EXPECT_EQ(claims["tpm"].size(), 24U) << c.path;
    EXPECT_TRUE(claims["policy_abi_major"].is_string()) << c.path;  // all strings, as Trustee's
    EXPECT_TRUE(claims["platform_smt_enabled"] == "true" || claims["platform_smt_enabled"] == "false");
    EXPECT_TRUE(base64_decode(claims["measurement"].get<std::string>())) << c.path;  // base64, not hex
  }
  // The Genoa evidence verifies under the Genoa roots, chosen by the report's CPUID.
  const AzVerifyResult genoa =
      verify_az_snp_evidence(snp_evidence("azure/snp-vtpm/evidence-genoa.json"),
                             nonce(*hex_decode("0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f29"
                                               "38ca05475f8b46094de6b64270ea35d950f")));
  ASSERT_TRUE(genoa.snp);
  EXPECT_EQ(genoa.snp->product, snp::Product::genoa);
}

TEST(AzureVerifyCorpus, TdxEvidenceVerifiesWithItsNonce) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : {"azure/tdx-vtpm/evidence-v0.json", "azure/tdx-vtpm/evidence-v1.json"}) {
    auto ev = az_tdx_evidence_from_json(load_json(path));
    ASSERT_TRUE(ev) << path << ": " << ev.error().message;
    const AzVerifyResult r = verify_az_tdx_evidence(*ev, nonce(text("challenge")));
    EXPECT_TRUE(r.ok()) << path << ": " << codes(r);
    const nlohmann::json claims = trustee_az_tdx_claims(*ev, r);
    EXPECT_EQ(claims["report_data"], "6368616c6c656e6765") << path;
    EXPECT_EQ(claims["tpm"]["pcr00"], "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273")
        << path;
    EXPECT_EQ(claims["quote"]["header"]["tee_type"], "81000000") << path;
    EXPECT_FALSE(claims.contains("uefi_event_logs")) << path;  // Trustee parses no event log for Azure
  }
}

TEST(AzureVerifyCorpus, TrusteesNegativeCasesFailWithTheirReasons) {
  COCO_REQUIRE_CORPUS();
  const AzSnpEvidence good = snp_evidence("azure/snp-vtpm/evidence-v1.json");
  ASSERT_TRUE(verify_az_snp_evidence(good, nonce(text("challenge"))).ok());
  auto with = [&](const std::function<void(AzSnpEvidence&)>& edit, Bytes n = text("challenge")) {
    AzSnpEvidence ev = good;
    edit(ev);
    if (auto hcl = parse_hcl_report(ev.hcl_report_bytes)) ev.hcl_report = *hcl;
    return verify_az_snp_evidence(ev, nonce(std::move(n)));
  };
  EXPECT_TRUE(
      with([](AzSnpEvidence& e) { e.tpm_quote.signature[0] ^= 1; }).has("azure.tpm_signature_invalid"));
  EXPECT_TRUE(with([](AzSnpEvidence& e) { e.tpm_quote.pcrs[0][0] ^= 1; }).has("azure.pcr_digest_mismatch"));
  Bytes reversed = text("challenge");
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_TRUE(with([](AzSnpEvidence&) {}, reversed).has("azure.nonce_mismatch"));
  // Trustee's byte edits of hcl-report.bin: 0x06e0 (variable data), 0x0540 (the AK's modulus text),
  // 0x01a6 (the SNP report's reported TCB).
  const AzVerifyResult var_data = with([](AzSnpEvidence& e) { e.hcl_report_bytes[0x06e0] += 1; });
  EXPECT_TRUE(var_data.has("azure.report_data_mismatch")) << codes(var_data);
  const AzVerifyResult ak = with([](AzSnpEvidence& e) { e.hcl_report_bytes[0x0540] = 0; });
  EXPECT_TRUE(ak.has("azure.ak_invalid") || ak.has("azure.tpm_signature_invalid")) << codes(ak);
  const AzVerifyResult tcb = with([](AzSnpEvidence& e) { e.hcl_report_bytes[0x01a6] = 0; });
  EXPECT_TRUE(tcb.has("snp.tcb_mismatch") || tcb.has("snp.signature_invalid")) << codes(tcb);
  // v2: the HCL user-data must start with report_data.
  const AzSnpEvidence v2 = snp_evidence("azure/snp-vtpm/evidence-v2.json");
  Bytes other = *hex_decode(
      "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef");
  other.back() ^= 1;
  AzVerifyOptions o = nonce(other);
  const AzVerifyResult user = verify_az_snp_evidence(v2, o);
  EXPECT_TRUE(user.has("azure.user_data_mismatch")) << codes(user);
  // PCR8 is zero in these captures: any init-data digest is refused with Trustee's message.
  AzVerifyOptions init = nonce(text("challenge"));
  init.init_data_hash = Bytes(32, 0x11);
  const AzVerifyResult pcr8 = verify_az_snp_evidence(good, init);
  ASSERT_TRUE(pcr8.has("azure.init_data_mismatch")) << codes(pcr8);
  EXPECT_EQ(pcr8.failures.back().message, "Expected init_data digest is different from the content of PCR8");
}
