#include "core/x509.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

using namespace coco;

namespace {
CertSpec spec_for(const std::string& cn, Key key) {
  CertSpec s;
  s.subject = {{"OU", "Engineering"}, {"C", "US"}, {"CN", cn}};
  s.serial = {0x01, 0x00, 0x00};
  s.not_before = utc_time(2020, 1, 1);
  s.not_after = utc_time(2045, 1, 1);
  s.subject_key = std::move(key);
  return s;
}
}  // namespace

TEST(X509, BuildPssChainAndInspect) {
  auto root_key = rsa_key_from_seed(2048, as_bytes("t"), "root");
  auto leaf_key = ec_key_from_seed(Curve::p384, as_bytes("t"), "leaf");
  auto rs = spec_for("ROOT", root_key);
  rs.extensions = {{"keyUsage", false, {}, "critical,keyCertSign,cRLSign"},
                   {"subjectKeyIdentifier", false, {}, "hash"},
                   {"basicConstraints", false, {}, "critical,CA:TRUE"}};
  auto root = build_cert(rs, root_key, SigAlg::rsa_pss_sha384);
  ASSERT_TRUE(root) << root.error().message;
  auto ls = spec_for("LEAF", leaf_key);
  ls.issuer = rs.subject;
  ls.serial = {};
  ls.extensions = {{"1.3.6.1.4.1.3704.1.3.8", false, der_integer(219), ""},
                   {"1.3.6.1.4.1.3704.1.2", false, der_ia5string("Milan-B0"), ""}};
  auto leaf = build_cert(ls, root_key, SigAlg::rsa_pss_sha384, &*root);
  ASSERT_TRUE(leaf);

  EXPECT_TRUE(root->verify_signature(root_key));
  EXPECT_TRUE(leaf->verify_signature(root->public_key()));
  EXPECT_FALSE(leaf->verify_signature(leaf_key));
  EXPECT_EQ(leaf->serial_hex(), "0");
  EXPECT_EQ(leaf->subject_cn(), "LEAF");
  EXPECT_EQ(leaf->issuer_cn(), "ROOT");
  EXPECT_EQ(leaf->version(), 3);
  EXPECT_EQ(leaf->signature_algorithm(), "rsassaPss");
  auto pss = leaf->pss_params();
  ASSERT_TRUE(pss);
  EXPECT_EQ(pss->hash, "SHA384");
  EXPECT_EQ(pss->mgf1_hash, "SHA384");
  EXPECT_EQ(pss->salt_len, 48);
  auto ucode = leaf->extension_value("1.3.6.1.4.1.3704.1.3.8");
  ASSERT_TRUE(ucode);
  EXPECT_EQ(hex_encode(*ucode), "020200db");
  EXPECT_EQ(*parse_der_uint(*ucode), 219u);
  EXPECT_EQ(*parse_der_string(*leaf->extension_value("1.3.6.1.4.1.3704.1.2")), "Milan-B0");
  EXPECT_TRUE(root->is_ca());

  auto round = certs_from_pem(root->pem() + leaf->pem());
  ASSERT_TRUE(round);
  ASSERT_EQ(round->size(), 2u);
  EXPECT_EQ((*round)[1].der(), leaf->der());
}

TEST(X509, GarbageIsNamedError) {
  auto a = certs_from_pem("hello");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, "x509.pem_invalid");
  Bytes junk{0x30, 0x82, 0xff, 0xff, 0x00};
  auto b = cert_from_der(junk);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "x509.der_invalid");
}

TEST(Der, Integers) {
  EXPECT_EQ(hex_encode(der_integer(0)), "020100");
  EXPECT_EQ(hex_encode(der_integer(127)), "02017f");
  EXPECT_EQ(hex_encode(der_integer(128)), "02020080");
  EXPECT_FALSE(parse_der_uint(Bytes{0x02, 0x01}));
  EXPECT_FALSE(parse_der_uint(Bytes{0x02, 0x01, 0x80}));  // negative
}

TEST(Time, ParseAndFormat) {
  auto t = parse_utc("2025-06-01");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_utc(*t), "2025-06-01T00:00:00Z");
  EXPECT_EQ(format_utc(*parse_utc("2025-06-01T12:34:56Z")), "2025-06-01T12:34:56Z");
  EXPECT_FALSE(parse_utc("yesterday"));
}

// Years system_clock cannot hold (found by fuzzing TDX collateral dates) clamp instead of overflowing.
TEST(Time, OutOfRangeYearsClamp) {
  EXPECT_EQ(utc_time(9999, 12, 31, 23, 59, 59), SysTime::max());  // RFC 5280's "no expiry" notAfter
  EXPECT_EQ(*parse_utc("2263-01-01T00:00:00Z"), SysTime::max());
  EXPECT_EQ(*parse_utc("0227-01-01T00:00:00Z"), SysTime::min());
  EXPECT_EQ(from_unix_seconds(0), SysTime{});
  EXPECT_EQ(format_utc(*parse_utc("2261-12-31T00:00:00Z")), "2261-12-31T00:00:00Z");
}
