// The verifier with the fake KDS: a report whose evidence carries no VCEK is verified with one fetched
// from the KDS (and from the on-disk cache the second time); KDS faults and wrong answers become named
// verification failures; a CRL from the KDS revokes.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/test_support.h"
#include "sim_world.h"
#include "snp/snp.h"

using namespace coco;
using namespace coco::snp;

namespace {

using test_world::authority;
using test_world::codes;

class VerifyWithKds : public ::testing::Test {
 protected:
  void SetUp() override {
    roots_ = simulated_roots(authority());
    kds_ = std::make_unique<FakeKds>(authority());
    ASSERT_TRUE(kds_->start());
    cache_ = std::filesystem::temp_directory_path() /
             ("coco-kds-cache-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(cache_);
    LaunchDescription d;
    d.product = Product::genoa;
    signed_ = *sign_report(authority(), d);
  }
  void TearDown() override {
    kds_->stop();
    std::filesystem::remove_all(cache_);
  }
  VerifyOptions options() {
    VerifyOptions o;
    o.roots = &roots_;
    o.fetch_vcek = make_kds_fetcher(kds_->url(), cache_);
    return o;
  }
  SnpEvidence bare() const { return SnpEvidence{signed_.report, std::nullopt}; }

  TrustedRoots roots_;
  std::unique_ptr<FakeKds> kds_;
  std::filesystem::path cache_;
  SignedReport signed_;
};

}  // namespace

TEST_F(VerifyWithKds, FetchesMissingVcekThenUsesTheCache) {
  auto res = verify_evidence(bare(), options());
  EXPECT_TRUE(res.ok()) << codes(res);
  EXPECT_TRUE(res.vek_fetched);
  EXPECT_EQ(kds_->counters().vcek, 1u);
  // The cache answers the second time, even with the KDS down.
  kds_->faults().set(Fault::down);
  auto again = verify_evidence(bare(), options());
  EXPECT_TRUE(again.ok()) << codes(again);
  EXPECT_EQ(kds_->counters().vcek, 1u);
}

TEST_F(VerifyWithKds, KdsFaultsAreNamed) {
  for (Fault f : {Fault::down, Fault::status_404, Fault::status_429}) {
    kds_->faults().set(f);
    auto res = verify_evidence(bare(), options());
    EXPECT_TRUE(res.has("snp.vek_unavailable")) << fault_name(f) << "\n" << codes(res);
    EXPECT_FALSE(res.ok());
  }
}

TEST_F(VerifyWithKds, WrongVcekFromKdsIsCaught) {
  kds_->faults().set(Fault::wrong_answer);  // a VCEK for another chip
  auto res = verify_evidence(bare(), options());
  EXPECT_TRUE(res.has("snp.chip_id_mismatch")) << codes(res);
  EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
}

TEST_F(VerifyWithKds, CrlRevokesTheVcek) {
  KdsClientOptions co;
  co.base_url = kds_->url();
  KdsClient client(co);
  auto clean = client.fetch_crl(Product::genoa, false, false);
  ASSERT_TRUE(clean) << clean.error().message;
  auto o = options();
  o.crl_der = clean->der();
  EXPECT_TRUE(verify_evidence(signed_.evidence(), o).ok());
  kds_->revoke(Product::genoa, Bytes{});  // VCEK serial 0
  auto revoked = client.fetch_crl(Product::genoa, false, false);
  ASSERT_TRUE(revoked);
  o.crl_der = revoked->der();
  auto res = verify_evidence(signed_.evidence(), o);
  EXPECT_TRUE(res.has("snp.cert_revoked")) << codes(res);
  // A CRL the ARK did not sign (the KDS's wrong answer is one signed by the ASK) is not trusted. The
  // KdsClient itself refuses it, so fetch the raw bytes.
  kds_->faults().set(Fault::wrong_answer);
  auto forged = HttpClient().get(kds_->url() + crl_path(Product::genoa, false));
  ASSERT_TRUE(forged);
  ASSERT_EQ(forged->status, 200);
  o.crl_der = to_bytes(as_bytes(forged->body));
  auto res2 = verify_evidence(signed_.evidence(), o);
  EXPECT_TRUE(res2.has("snp.crl_invalid")) << codes(res2);
  o.crl_der = Bytes{1, 2, 3};
  EXPECT_TRUE(verify_evidence(signed_.evidence(), o).has("snp.crl_invalid"));
}
