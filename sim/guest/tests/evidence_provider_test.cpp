// Evidence providers: the sample attester's shape, simulated SNP evidence that verifies against the
// simulated AMD roots and binds the digest as Trustee pads it, and the tampering wrapper.
#include "guest/evidence_provider.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "guest_world.h"
#include "snp/snp.h"

namespace coco::guest {
namespace {

Bytes test_digest() {
  return sha384(as_bytes(std::string("runtime data")));
}

TEST(SampleProvider, ReportDataIsBase64OfTheDigest) {
  auto p = make_sample_provider();
  EXPECT_EQ(p->tee(), "sample");
  EXPECT_EQ(p->additional_evidence(), "");
  const Bytes d = test_digest();
  auto ev = p->evidence(d);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->size(), 2u);
  EXPECT_EQ(ev->at("svn"), "1");
  EXPECT_EQ(ev->at("report_data"), base64_encode(d));
  EXPECT_EQ(*base64_decode(ev->at("report_data").get<std::string>()), d);  // 48 bytes, no padding
  EXPECT_EQ(ev->at("report_data").get<std::string>().size(), 64u);

  auto p2 = make_sample_provider("7");
  EXPECT_EQ(p2->evidence(d)->at("svn"), "7");
}

snp::VerifyOptions sim_options(const Bytes& digest) {
  snp::VerifyOptions o = snp::VerifyOptions::trustee();
  o.roots = &test_world::roots();
  o.report_data = digest;  // zero-padded to 64 by the verifier, as Trustee does
  return o;
}

std::string codes(const snp::VerifyResult& r) {
  std::string s;
  for (const auto& f : r.failures) s += f.code + " (" + f.message + ")\n";
  return s;
}

TEST(SimulatedSnpProvider, EvidenceVerifiesAndBindsTheDigest) {
  SimulatedSnpOptions o;
  o.authority = test_world::authority();
  o.launch.product = snp::Product::genoa;
  o.launch.host_data = Bytes(32, 0xab);
  auto p = make_simulated_snp_provider(o);
  EXPECT_EQ(p->tee(), "snp");
  const Bytes d = test_digest();
  auto ev = p->evidence(d);
  ASSERT_TRUE(ev) << ev.error().code << ": " << ev.error().message;
  ASSERT_TRUE(ev->contains("attestation_report"));
  ASSERT_TRUE(ev->at("cert_chain").is_array());
  EXPECT_EQ(ev->at("cert_chain").size(), 1u);
  EXPECT_EQ(ev->at("cert_chain")[0].at("cert_type"), "VCEK");

  auto parsed = snp::evidence_from_json(*ev, snp::Product::genoa);
  ASSERT_TRUE(parsed) << parsed.error().message;
  Bytes expected = d;
  expected.resize(64, 0);
  EXPECT_EQ(Bytes(parsed->report.report_data.begin(), parsed->report.report_data.end()), expected);
  auto res = snp::verify_evidence(*parsed, sim_options(d));
  EXPECT_TRUE(res.ok()) << codes(res);
  EXPECT_TRUE(res.signature_verified);
  EXPECT_EQ(res.product, snp::Product::genoa);

  // A different digest does not verify against this one.
  auto other = snp::verify_evidence(*parsed, sim_options(sha384(as_bytes(std::string("other")))));
  EXPECT_FALSE(other.ok());
}

TEST(SimulatedSnpProvider, WithoutCertChainSendsNull) {
  SimulatedSnpOptions o;
  o.authority = test_world::authority();
  o.include_cert_chain = false;
  auto p = make_simulated_snp_provider(o);
  auto ev = p->evidence(test_digest());
  ASSERT_TRUE(ev);
  ASSERT_TRUE(ev->contains("cert_chain"));
  EXPECT_TRUE(ev->at("cert_chain").is_null());
  auto parsed = snp::evidence_from_json(*ev);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->cert_chain.has_value());
}

TEST(SimulatedSnpProvider, FailuresAreResults) {
  SimulatedSnpOptions none;
  auto p = make_simulated_snp_provider(none);
  auto r = p->evidence(test_digest());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.evidence");

  SimulatedSnpOptions o;
  o.authority = test_world::authority();
  auto q = make_simulated_snp_provider(o);
  auto too_long = q->evidence(Bytes(65, 1));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, "guest.evidence");
  // SHA-512 digests (IBM SE's algorithm) fill the field exactly.
  EXPECT_TRUE(q->evidence(Bytes(64, 1)));
}

TEST(TamperingProvider, EditsDigestAndEvidence) {
  EvidenceTamper t;
  t.edit_digest = [](Bytes& d) { d[0] ^= 0xff; };
  t.edit_evidence = [](nlohmann::json& ev) { ev["svn"] = "9"; };
  auto p = make_tampering_provider(make_sample_provider(), t);
  EXPECT_EQ(p->tee(), "sample");
  const Bytes d = test_digest();
  auto ev = p->evidence(d);
  ASSERT_TRUE(ev);
  Bytes flipped = d;
  flipped[0] ^= 0xff;
  EXPECT_EQ(ev->at("report_data"), base64_encode(flipped));
  EXPECT_EQ(ev->at("svn"), "9");

  // Empty hooks pass through untouched.
  auto plain = make_tampering_provider(make_sample_provider(), {});
  EXPECT_EQ(plain->evidence(d)->at("report_data"), base64_encode(d));

  // No inner provider is a failure, not a crash.
  auto empty = make_tampering_provider(nullptr, {});
  auto r = empty->evidence(d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.evidence");
}

}  // namespace
}  // namespace coco::guest
