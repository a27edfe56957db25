#include "core/crl.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

using namespace coco;

namespace {
struct Ca {
  Key key;
  Cert cert;
};
Ca make_ca(const std::string& cn) {
  Ca ca;
  ca.key = rsa_key_from_seed(2048, as_bytes("crl-test"), cn);
  CertSpec s;
  s.subject = {{"OU", "Engineering"}, {"O", "Advanced Micro Devices"}, {"CN", cn}};
  s.serial = {0x01};
  s.not_before = utc_time(2024, 1, 1);
  s.not_after = utc_time(2049, 1, 1);
  s.subject_key = ca.key;
  s.extensions = {{"keyUsage", false, {}, "critical,keyCertSign,cRLSign"},
                  {"basicConstraints", false, {}, "critical,CA:TRUE"}};
  auto c = build_cert(s, ca.key, SigAlg::rsa_pss_sha384);
  EXPECT_TRUE(c) << c.error().message;
  ca.cert = *c;
  return ca;
}
}  // namespace

TEST(Crl, BuildParseVerify) {
  Ca ca = make_ca("ARK-Test");
  Ca other = make_ca("ARK-Other");
  std::vector<Bytes> revoked = {{0x02}, {0x00, 0x7f, 0x10}, {}};
  auto crl =
      build_crl(ca.cert, ca.key, revoked, utc_time(2025, 3, 1), utc_time(2025, 3, 8), {.crl_number = 7});
  ASSERT_TRUE(crl) << crl.error().message;

  auto parsed = crl_from_der(crl->der());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->version(), 2);
  EXPECT_EQ(parsed->issuer_cn(), "ARK-Test");
  EXPECT_EQ(parsed->issuer_rdns().front(), (std::pair<std::string, std::string>{"OU", "Engineering"}));
  EXPECT_TRUE(parsed->issued_by(ca.cert));
  EXPECT_FALSE(parsed->issued_by(other.cert));
  EXPECT_EQ(parsed->signature_algorithm(), "rsassaPss");
  EXPECT_TRUE(parsed->verify_signature(ca.cert.public_key()));
  EXPECT_FALSE(parsed->verify_signature(other.cert.public_key()));
  EXPECT_EQ(parsed->this_update(), utc_time(2025, 3, 1));
  ASSERT_TRUE(parsed->next_update());
  EXPECT_EQ(*parsed->next_update(), utc_time(2025, 3, 8));
  EXPECT_EQ(parsed->crl_number(), 7u);
  EXPECT_EQ(parsed->revoked_serials().size(), 3u);
  EXPECT_TRUE(parsed->is_revoked(Bytes{0x02}));
  EXPECT_TRUE(parsed->is_revoked(Bytes{0x00, 0x02}));  // leading zeros do not matter
  EXPECT_TRUE(parsed->is_revoked(Bytes{0x7f, 0x10}));
  EXPECT_TRUE(parsed->is_revoked(Bytes{}));  // serial 0, as on AMD VCEKs
  EXPECT_FALSE(parsed->is_revoked(Bytes{0x03}));
  EXPECT_FALSE(parsed->is_revoked(ca.cert));  // the CA's serial 1 is not listed
}

TEST(Crl, CertLookupAndPem) {
  Ca ca = make_ca("ARK-Test");
  auto crl = build_crl(ca.cert, ca.key, {{0x01}}, utc_time(2025, 1, 1), utc_time(2025, 2, 1));
  ASSERT_TRUE(crl);
  EXPECT_TRUE(crl->is_revoked(ca.cert));  // the CA's own serial is 1
  EXPECT_FALSE(crl->crl_number());
  auto pem = crl_from_pem_or_der(as_bytes(crl->pem()));
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_EQ(pem->der(), crl->der());
  auto empty = build_crl(ca.cert, ca.key, {}, utc_time(2025, 1, 1), utc_time(2025, 2, 1));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(crl_from_der(empty->der())->revoked_serials().empty());
}

TEST(Crl, BadInputIsRejected) {
  for (const Bytes& bad : {Bytes{}, Bytes{0x30}, Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, Bytes(100, 0xff)}) {
    auto r = crl_from_der(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "crl.der_invalid");
  }
  Ca ca = make_ca("ARK-Test");
  auto crl = build_crl(ca.cert, ca.key, {}, utc_time(2025, 1, 1), utc_time(2025, 2, 1));
  Bytes trailing = crl->der();
  trailing.push_back(0);
  EXPECT_FALSE(crl_from_der(trailing));
  Bytes truncated = crl->der();
  truncated.resize(truncated.size() - 10);
  EXPECT_FALSE(crl_from_der(truncated));
  EXPECT_EQ(crl_from_pem("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").error().code,
            "crl.pem_invalid");
}
