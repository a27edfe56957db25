// The DCAP verifier on real quotes (shared/corpus): every quote verifies under Intel's real root at a time
// its MANIFEST.json entry allows, none verifies once its PCK has expired, byte mutations are rejected with
// the right reasons, go-tdx-guest's canned CRLs check out, and Trustee's parse_tdx_claims_expected.json is
// reproduced for tdx_quote_4.dat with CCEL_data.
#include <gtest/gtest.h>

#include <fstream>

#include "core/encoding.h"
#include "core/test_support.h"
#include "tdx/eventlog.h"
#include "tdx/verify.h"

using namespace coco;
using namespace coco::tdx;
using test::corpus_file;

namespace {

struct CorpusQuote {
  const char* path;
  SysTime when;  // a time the PCK chain is valid (the MANIFEST's test time for old ones)
};

const std::vector<CorpusQuote>& quotes() {
  static const std::vector<CorpusQuote> q = {
      {"tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat", utc_time(2023, 7, 1)},  // go-tdx-guest's test time
      {"tdx/go-tdx-guest_quote_v5_sample.dat", utc_time(2026, 2, 3)},        // its v5 test time
      {"tdx/go-tdx-guest_ccel/cos-113-tdx-quote.dat", utc_time(2026, 12, 1)},
      {"tdx/trustee_tdx_quote_4.dat", utc_time(2026, 12, 1)},
      {"tdx/trustee_tdx_quote_5.dat", utc_time(2026, 12, 1)},
      {"tdx/trustee_tdx_quote_6.dat", utc_time(2026, 12, 1)},
      {"azure/tdx-vtpm/td-quote.bin", utc_time(2026, 12, 1)},
  };
  return q;
}

VerifyOptions at(SysTime t) {
  VerifyOptions o;  // Intel's real SGX Root CA pinned
  o.now = t;
  return o;
}

std::string codes(const VerifyResult& r) {
  std::string out;
  for (const auto& e : r.failures) out += e.code + " (" + e.message + ") ";
  return out;
}

Quote load(const std::string& path) {
  auto q = parse_quote(corpus_file(path));
  EXPECT_TRUE(q) << path;
  return *q;
}

}  // namespace

TEST(TdxVerifyCorpus, EveryRealQuoteVerifiesUnderIntelsRoot) {
  COCO_REQUIRE_CORPUS();
  for (const auto& c : quotes()) {
    const VerifyResult r = verify_quote(load(c.path), at(c.when));
    EXPECT_TRUE(r.ok()) << c.path << ": " << codes(r);
    EXPECT_TRUE(r.chain_verified) << c.path;
    EXPECT_TRUE(r.signatures_verified) << c.path;
    ASSERT_TRUE(r.pck_extensions) << c.path;
  }
}

TEST(TdxVerifyCorpus, NoRealQuoteVerifiesAfterItsPckExpired) {
  COCO_REQUIRE_CORPUS();
  // go-tdx-guest: "certificate has expired" at 2053; every PCK in the corpus ends by 2033.
  for (const auto& c : quotes()) {
    const VerifyResult r = verify_quote(load(c.path), at(utc_time(2053, 1, 1)));
    EXPECT_TRUE(r.has("tdx.pck_expired")) << c.path << ": " << codes(r);
    EXPECT_TRUE(r.signatures_verified) << c.path;  // only the time is wrong
  }
}

TEST(TdxVerifyCorpus, MutationsOfRealQuotesAreRejected) {
  COCO_REQUIRE_CORPUS();
  const Quote good = load("tdx/trustee_tdx_quote_4.dat");
  const VerifyOptions o = at(utc_time(2026, 12, 1));
  ASSERT_TRUE(verify_quote(good, o).ok());
  auto reasons_of = [&](const std::function<void(Quote&)>& edit) {
    Quote q = good;
    edit(q);
    return verify_quote(q, o);
  };
  EXPECT_TRUE(
      reasons_of([](Quote& q) { q.signed_data.signature[0] ^= 0x80; }).has("tdx.quote_signature_invalid"));
  EXPECT_TRUE(reasons_of([](Quote& q) { q.body.report_data[0] ^= 0x01; }).has("tdx.quote_signature_invalid"));
  EXPECT_TRUE(reasons_of([](Quote& q) {
                q.signed_data.certification.qe_report.cpusvn[0] ^= 0x01;
              }).has("tdx.qe_report_signature_invalid"));
  EXPECT_TRUE(reasons_of([](Quote& q) {
                q.signed_data.certification.qe_auth_data[5] ^= 0x01;
              }).has("tdx.qe_binding_mismatch"));
  // The PCK leaf's signature damaged inside its DER, re-encoded as PEM: the chain no longer verifies.
  const VerifyResult broken_leaf = reasons_of([](Quote& q) {
    auto pck = quote_pck(q);
    ASSERT_TRUE(pck);
    Bytes leaf = pck->chain[0].der();
    leaf[leaf.size() - 5] ^= 0x01;
    auto cert = cert_from_der(leaf);
    ASSERT_TRUE(cert);
    const std::string pem = cert->pem() + pck->chain[1].pem() + pck->chain[2].pem();
    q.signed_data.certification.cert_data = Bytes(pem.begin(), pem.end());
    q.signed_data.certification.cert_data.push_back(0);
  });
  EXPECT_TRUE(broken_leaf.has("tdx.pck_chain_untrusted")) << codes(broken_leaf);
  // Another real platform's PCK chain: trusted, but it did not sign this QE report.
  const VerifyResult other_pck = reasons_of([](Quote& q) {
    q.signed_data.certification.cert_data =
        load("tdx/trustee_tdx_quote_5.dat").signed_data.certification.cert_data;
  });
  EXPECT_TRUE(other_pck.chain_verified);
  EXPECT_TRUE(other_pck.has("tdx.qe_report_signature_invalid")) << codes(other_pck);
  // go-tdx-guest's TestNegativeVerification corrupts a size field: the parser refuses it.
  Bytes sized = corpus_file("tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat");
  sized[0x27C + 0x80 + 2] ^= 0x01;  // certification data size
  EXPECT_FALSE(verify_quote_bytes(sized, at(utc_time(2023, 7, 1))).ok());
}

TEST(TdxVerifyCorpus, GoTdxGuestCannedCollateral) {
  COCO_REQUIRE_CORPUS();
  // go-tdx-guest's canned PCS answers for the SPR_E4 quote at its test time. The TCB Signing chain came in
  // an HTTP header that was not kept, so the TCB info and QE identity signatures cannot be checked
  // (tdx.collateral_invalid, and no TCB status); the CRLs are complete and verify against the quote's own
  // Platform CA and Intel's root, and neither lists the PCK or its CA.
  CollateralSet set;
  const Bytes tcb = corpus_file("intel/go-tdx-guest_sample_tcbInfo_response");
  const Bytes qe = corpus_file("intel/go-tdx-guest_sample_qeIdentity_response");
  set.tcb_info.assign(tcb.begin(), tcb.end());
  set.qe_identity.assign(qe.begin(), qe.end());
  set.pck_crl = corpus_file("intel/go-tdx-guest_pckcrl");
  set.root_crl = corpus_file("intel/go-tdx-guest_rootcrl.der");
  VerifyOptions o = at(utc_time(2023, 7, 1));
  o.collateral = &set;
  const VerifyResult r = verify_quote(load("tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat"), o);
  for (const auto& e : r.failures) EXPECT_EQ(e.code, "tdx.collateral_invalid") << codes(r);
  EXPECT_EQ(r.failures.size(), 2U) << codes(r);
  for (const char* check :
       {"pck_crl_signature", "pck_crl_revocation", "root_crl_signature", "root_crl_revocation"}) {
    EXPECT_NE(std::find(r.passed.begin(), r.passed.end(), check), r.passed.end()) << check;
  }
  ASSERT_TRUE(r.supplemental);
  EXPECT_EQ(r.supplemental->root_ca_crl_num, 1U);  // MANIFEST: crl_number 1
  EXPECT_FALSE(r.supplemental->collateral_expired);
  // A month later the PCK CRL (nextUpdate 2023-07-08) has expired.
  o.now = utc_time(2023, 8, 1);
  EXPECT_TRUE(
      verify_quote(load("tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat"), o).has("tdx.collateral_expired"));
}

TEST(TdxVerifyCorpus, TrusteeClaimsForQuote4WithItsEventLog) {
  COCO_REQUIRE_CORPUS();
  const Quote q = load("tdx/trustee_tdx_quote_4.dat");
  const VerifyResult r = verify_quote(q, at(utc_time(2026, 12, 1)));
  ASSERT_TRUE(r.ok()) << codes(r);
  auto log = parse_eventlog(corpus_file("tdx/trustee_CCEL_data"));
  ASSERT_TRUE(log);
  const nlohmann::json logs = trustee_eventlog_claims(*log);
  const nlohmann::json claims = trustee_claims(q, r, &logs);
  std::ifstream in(test::shared_dir() / "corpus" / "tdx" / "trustee_parse_tdx_claims_expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  EXPECT_TRUE(claims == expected) << nlohmann::json::diff(expected, claims).dump(1).substr(0, 2000);
}
