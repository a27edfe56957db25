// Synthetic TDX quotes and reports: field offsets, lossless round trip, and a named rejection (never a
// crash) for every truncation and every inconsistent length or type tag.
#include "tdx/quote.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

using namespace coco;
using namespace coco::tdx;

namespace {

template <std::size_t N>
void fill(std::array<std::uint8_t, N>& a, std::uint8_t seed) {
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(seed + i);
}

// A quote whose every byte is distinguishable, so an offset error shows up as a field mismatch.
Quote sample_quote(std::uint16_t version, std::uint16_t body_type) {
  Quote q;
  q.header.version = version;
  fill(q.header.reserved, 0x01);
  fill(q.header.qe_vendor_id, 0x10);
  fill(q.header.user_data, 0x20);
  q.body_type = body_type;
  fill(q.body.tee_tcb_svn, 0x30);
  fill(q.body.mr_seam, 0x40);
  fill(q.body.mrsigner_seam, 0x50);
  fill(q.body.seam_attributes, 0x60);
  fill(q.body.td_attributes, 0x68);
  fill(q.body.xfam, 0x70);
  fill(q.body.mr_td, 0x80);
  fill(q.body.mr_config_id, 0x90);
  fill(q.body.mr_owner, 0xA0);
  fill(q.body.mr_owner_config, 0xB0);
  for (std::size_t i = 0; i < 4; ++i) fill(q.body.rtmr[i], static_cast<std::uint8_t>(0xC0 + i));
  fill(q.body.report_data, 0xD0);
  if (q.is_tdx15()) {
    fill(q.body.tee_tcb_svn2, 0xE0);
    fill(q.body.mr_servicetd, 0xF0);
  }
  auto& s = q.signed_data;
  fill(s.signature, 0x11);
  fill(s.attestation_key, 0x22);
  fill(s.certification.qe_report.cpusvn, 0x33);
  s.certification.qe_report.isvprodid = 2;
  s.certification.qe_report.isvsvn = 7;
  fill(s.certification.qe_report.report_data, 0x44);
  fill(s.certification.qe_report_signature, 0x55);
  s.certification.qe_auth_data = Bytes(32, 0x66);
  std::string pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  s.certification.cert_data = to_bytes(as_bytes(pem));
  s.certification.cert_data.push_back(0);
  q.trailing = Bytes(39, 0);
  return q;
}

std::size_t signed_data_offset(const Quote& q) {
  return q.header.version == 5 ? 0x36 + q.body_size() : kHeaderSize + kBody10Size;
}

}  // namespace

TEST(TdxQuote, V4LayoutMatchesTheReferenceOffsets) {
  Quote q = sample_quote(4, kBodyTypeTdx10);
  Bytes b = encode_quote(q);
  EXPECT_EQ(load_le16(b, 0x00), 4);
  EXPECT_EQ(load_le16(b, 0x02), 2);
  EXPECT_EQ(load_le32(b, 0x04), 0x81u);
  EXPECT_EQ(b[0x0C], 0x10);   // qe_vendor_id
  EXPECT_EQ(b[0x1C], 0x20);   // user_data
  EXPECT_EQ(b[0x30], 0x30);   // TEE_TCB_SVN
  EXPECT_EQ(b[0x40], 0x40);   // MRSEAM
  EXPECT_EQ(b[0xA8], 0x68);   // TDATTRIBUTES
  EXPECT_EQ(b[0xB8], 0x80);   // MRTD
  EXPECT_EQ(b[0x178], 0xC0);  // RTMR0
  EXPECT_EQ(b[0x178 + 3 * 48], 0xC3);
  EXPECT_EQ(b[0x238], 0xD0);  // REPORTDATA
  EXPECT_EQ(signed_part(q).size(), 632u);
  std::uint32_t signed_size = load_le32(b, 0x278);
  EXPECT_EQ(b.size(), 0x27C + signed_size + 39);
  EXPECT_EQ(b[0x27C], 0x11);         // signature
  EXPECT_EQ(b[0x27C + 0x40], 0x22);  // attestation key
  EXPECT_EQ(load_le16(b, 0x27C + 0x80), 6);
  std::size_t qe = 0x27C + 0x86;
  EXPECT_EQ(b[qe], 0x33);                       // QE report CPUSVN
  EXPECT_EQ(load_le16(b, qe + 0x100), 2);       // ISVPRODID
  EXPECT_EQ(b[qe + 0x180], 0x55);               // QE report signature
  EXPECT_EQ(load_le16(b, qe + 0x1C0), 32);      // QE auth data size
  EXPECT_EQ(load_le16(b, qe + 0x1C2 + 32), 5);  // PCK chain type
}

TEST(TdxQuote, V5DescriptorAndTdx15Body) {
  Quote q = sample_quote(5, kBodyTypeTdx15);
  Bytes b = encode_quote(q);
  EXPECT_EQ(load_le16(b, 0x30), 3);
  EXPECT_EQ(load_le32(b, 0x32), 648u);
  EXPECT_EQ(b[0x36], 0x30);          // body starts after the descriptor
  EXPECT_EQ(b[0x36 + 0x248], 0xE0);  // TEE_TCB_SVN_2
  EXPECT_EQ(b[0x36 + 0x258], 0xF0);  // MRSERVICETD
  EXPECT_EQ(signed_part(q).size(), 702u);
  Quote t10 = sample_quote(5, kBodyTypeTdx10);
  EXPECT_EQ(load_le32(encode_quote(t10), 0x32), 584u);
}

TEST(TdxQuote, RoundTripIsLossless) {
  for (auto [v, t] : {std::pair{4, 2}, std::pair{5, 2}, std::pair{5, 3}}) {
    Quote q = sample_quote(static_cast<std::uint16_t>(v), static_cast<std::uint16_t>(t));
    Bytes b = encode_quote(q);
    auto p = parse_quote(b);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(*p, q);
    EXPECT_EQ(encode_quote(*p), b);
  }
}

TEST(TdxQuote, EveryTruncationIsANamedError) {
  for (auto [v, t] : {std::pair{4, 2}, std::pair{5, 3}}) {
    Quote q = sample_quote(static_cast<std::uint16_t>(v), static_cast<std::uint16_t>(t));
    q.trailing.clear();
    Bytes b = encode_quote(q);
    for (std::size_t n = 0; n < b.size(); ++n) {
      auto r = parse_quote(ByteView(b.data(), n));
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code, "tdx.quote_truncated") << n;
    }
  }
}

TEST(TdxQuote, HeaderChecks) {
  Bytes b = encode_quote(sample_quote(4, kBodyTypeTdx10));
  auto code = [](Bytes x) {
    auto r = parse_quote(x);
    return r ? std::string("ok") : r.error().code;
  };
  Bytes v3 = b;
  store_le16(v3, 0, 3);
  EXPECT_EQ(code(v3), "tdx.quote_version_unsupported");
  Bytes p384 = b;
  store_le16(p384, 2, 3);
  EXPECT_EQ(code(p384), "tdx.quote_key_type_unsupported");
  Bytes sgx = b;
  store_le32(sgx, 4, 0);
  EXPECT_EQ(code(sgx), "tdx.quote_tee_type_unsupported");
}

TEST(TdxQuote, V5DescriptorChecks) {
  Bytes b = encode_quote(sample_quote(5, kBodyTypeTdx15));
  Bytes sgx_body = b;
  store_le16(sgx_body, 0x30, 1);
  EXPECT_EQ(parse_quote(sgx_body).error().code, "tdx.quote_body_type_unsupported");
  Bytes wrong_size = b;
  store_le32(wrong_size, 0x32, 584);
  EXPECT_EQ(parse_quote(wrong_size).error().code, "tdx.quote_invalid");
}

TEST(TdxQuote, InconsistentInnerLengthsAreInvalid) {
  Quote q = sample_quote(4, kBodyTypeTdx10);
  q.trailing.clear();
  Bytes b = encode_quote(q);
  std::size_t sd = signed_data_offset(q) + 4;
  std::size_t qe = sd + 0x86;
  auto code = [](const Bytes& x) {
    auto r = parse_quote(x);
    return r ? std::string("ok") : r.error().code;
  };
  Bytes bad_type = b;
  store_le16(bad_type, sd + 0x80, 5);
  EXPECT_EQ(code(bad_type), "tdx.quote_cert_data_unsupported");
  for (std::uint32_t delta : {1u, 0xFFFFFFFFu}) {  // one more, one less
    Bytes cert_size = b;
    store_le32(cert_size, sd + 0x82, load_le32(b, sd + 0x82) + delta);
    EXPECT_EQ(code(cert_size), "tdx.quote_invalid");
    Bytes chain_size = b;
    store_le32(chain_size, qe + 0x1C4 + 32, load_le32(b, qe + 0x1C4 + 32) + delta);
    EXPECT_EQ(code(chain_size), "tdx.quote_invalid");
  }
  Bytes auth_size = b;
  store_le16(auth_size, qe + 0x1C0, 0xFFFF);
  EXPECT_EQ(code(auth_size), "tdx.quote_invalid");
  // A shorter signed data size leaves the rest as trailing bytes, but then the certification data
  // overruns it.
  Bytes signed_size = b;
  store_le32(signed_size, sd - 4, load_le32(b, sd - 4) - 1);
  EXPECT_EQ(code(signed_size), "tdx.quote_invalid");
  Bytes huge = b;
  store_le32(huge, sd - 4, 0xFFFFFFFF);
  EXPECT_EQ(code(huge), "tdx.quote_truncated");
}

TEST(TdxQuote, QeAuthDataMayBeEmptyAndChainMayBeDer) {
  // Intel QVL's synthetic sample: qe_auth size 0 and a DER chain.
  Quote q = sample_quote(4, kBodyTypeTdx10);
  q.signed_data.certification.qe_auth_data.clear();
  q.signed_data.certification.cert_data = {0x30, 0x82, 0x01, 0x00, 0xAA};
  auto p = parse_quote(encode_quote(q));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, q);
  EXPECT_EQ(pck_chain_encoding(p->signed_data.certification.cert_data), PckChainEncoding::der);
  EXPECT_EQ(pck_chain_encoding(as_bytes("-----BEGIN CERTIFICATE-----")), PckChainEncoding::pem);
  EXPECT_EQ(pck_chain_encoding(as_bytes("x")), PckChainEncoding::unknown);
}

TEST(TdxQuote, TdAttributesFlags) {
  // Bytes as they sit in the quote (little-endian): DEBUG and SEPT_VE_DISABLE, as in trustee_tdx_quote_4.
  auto a = decode_td_attributes({0x01, 0x00, 0x00, 0x10, 0, 0, 0, 0});
  EXPECT_TRUE(a.debug);
  EXPECT_TRUE(a.septve_disable);
  EXPECT_FALSE(a.protection_keys);
  auto pks = decode_td_attributes({0, 0, 0, 0x40, 0, 0, 0, 0});
  EXPECT_TRUE(pks.protection_keys);
  auto high = decode_td_attributes({0, 0, 0, 0x80, 0, 0, 0, 0x80});
  EXPECT_TRUE(high.key_locker);
  EXPECT_TRUE(high.perfmon);
  EXPECT_EQ(high.raw, 0x8000000080000000ull);
  EXPECT_EQ(trustee_td_attributes_claims(high).size(), 5u);
}

TEST(TdxQuote, ClaimsAreLittleEndianHexOfTheFields) {
  auto v4 = trustee_quote_claims(sample_quote(4, kBodyTypeTdx10));
  EXPECT_EQ(v4["quote"]["header"]["version"], "0400");
  EXPECT_EQ(v4["quote"]["header"]["tee_type"], "81000000");
  EXPECT_EQ(v4["quote"]["body"].size(), 15u);
  EXPECT_FALSE(v4["quote"].contains("type"));
  auto v5 = trustee_quote_claims(sample_quote(5, kBodyTypeTdx15));
  EXPECT_EQ(v5["quote"]["header"]["version"], "0500");
  EXPECT_EQ(v5["quote"]["type"], "0300");
  EXPECT_EQ(v5["quote"]["size"], "88020000");
  EXPECT_EQ(v5["quote"]["body"].size(), 17u);
}

TEST(TdxQeReport, FieldOffsetsAndSize) {
  SgxReportBody r;
  r.miscselect = 0x01020304;
  fill(r.mrenclave, 0x40);
  fill(r.mrsigner, 0x80);
  r.isvprodid = 2;
  r.isvsvn = 6;
  fill(r.report_data, 0xC0);
  Bytes b = encode_sgx_report_body(r);
  ASSERT_EQ(b.size(), kQeReportSize);
  EXPECT_EQ(load_le32(b, 0x10), 0x01020304u);
  EXPECT_EQ(b[0x40], 0x40);
  EXPECT_EQ(b[0x80], 0x80);
  EXPECT_EQ(load_le16(b, 0x100), 2);
  EXPECT_EQ(load_le16(b, 0x102), 6);
  EXPECT_EQ(b[0x140], 0xC0);
  auto p = parse_sgx_report_body(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, r);
  EXPECT_EQ(parse_sgx_report_body(ByteView(b.data(), 383)).error().code, "tdx.qe_report_size");
}

TEST(TdxTdReport, OffsetsAndLosslessRoundTrip) {
  Bytes b(kTdReportSize);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 13 + 5);
  auto r = parse_tdreport(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(encode_tdreport(*r), b);
  EXPECT_EQ(r->mac_struct.report_data[0], b[0x80]);
  EXPECT_EQ(r->mac_struct.mac[0], b[0xE0]);
  EXPECT_EQ(r->tee_tcb_info.valid[0], b[0x100]);
  EXPECT_EQ(r->tee_tcb_info.mr_seam[0], b[0x118]);
  EXPECT_EQ(r->reserved_1ef[0], b[0x1EF]);
  EXPECT_EQ(r->td_info.attributes[0], b[0x200]);
  EXPECT_EQ(r->td_info.mr_td[0], b[0x210]);
  EXPECT_EQ(r->td_info.rtmr[3][0], b[0x2D0 + 3 * 48]);
  EXPECT_EQ(r->td_info.reserved_190[0], b[0x390]);
  for (std::size_t n : {0, 1023, 1025}) {
    Bytes x(n);
    EXPECT_EQ(parse_tdreport(x).error().code, "tdx.tdreport_size");
  }
}
