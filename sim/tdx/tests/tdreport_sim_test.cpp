// TDREPORT <-> quote body: make_tdreport lays the body out as a TDX module does (type, valid mask,
// hashes, MAC), the QE side checks and maps it back (round trip), every tampering is refused under its
// name, and a TDREPORT checked this way quotes into a quote whose body is the report's. The corpus case
// maps a real Azure TDREPORT (from the HCL report) to the body of the TD quote Azure's QE made from it.
#include "tdx/tdreport_sim.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"

using namespace coco;
using namespace coco::tdx;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t start) {
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(start + i);
  return a;
}

// A TDX 1.0 body with every field distinct.
TdQuoteBody sample_body() {
  TdQuoteBody b;
  b.tee_tcb_svn = {0x03, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  b.mr_seam = filled<48>(0x10);
  b.td_attributes = {0, 0, 0, 0x10, 0, 0, 0, 0};
  b.xfam = {0xe7, 0x02, 0x06, 0, 0, 0, 0, 0};
  b.mr_td = filled<48>(0x40);
  b.mr_config_id = filled<48>(0x70);
  b.mr_owner = filled<48>(0xa0);
  b.mr_owner_config = filled<48>(0xd0);
  for (std::size_t i = 0; i < 4; ++i) b.rtmr[i] = filled<48>(static_cast<std::uint8_t>(0x20 + 0x30 * i));
  b.report_data = filled<64>(0x80);
  return b;
}

const Bytes kKey = Bytes(32, 0x5a);

TEST(TdReportSim, LayoutOfASimulatedReport) {
  const TdQuoteBody body = sample_body();
  const TdReport r = make_tdreport(body, kKey);
  const Bytes raw = encode_tdreport(r);
  ASSERT_EQ(raw.size(), kTdReportSize);
  EXPECT_EQ(hex_encode(ByteView(raw).first(4)), "81000000");
  EXPECT_EQ(hex_encode(r.mac_struct.cpusvn), hex_encode(default_pck_request().cpusvn));
  EXPECT_EQ(hex_encode(r.tee_tcb_info.valid), "ff01000000000000");  // VALID, TEE_TCB_SVN, MRSEAM
  // Offsets as evidence.md 2.6 gives them.
  EXPECT_EQ(Bytes(raw.begin() + 0x80, raw.begin() + 0xC0),
            Bytes(body.report_data.begin(), body.report_data.end()));
  EXPECT_EQ(Bytes(raw.begin() + 0x108, raw.begin() + 0x118),
            Bytes(body.tee_tcb_svn.begin(), body.tee_tcb_svn.end()));
  EXPECT_EQ(Bytes(raw.begin() + 0x210, raw.begin() + 0x240), Bytes(body.mr_td.begin(), body.mr_td.end()));
  EXPECT_EQ(Bytes(raw.begin() + 0x2D0 + 48 * 3, raw.begin() + 0x2D0 + 48 * 4),
            Bytes(body.rtmr[3].begin(), body.rtmr[3].end()));
  // Hashes over the exact bytes; MAC over REPORTMACSTRUCT[0, 0xE0).
  EXPECT_EQ(Bytes(raw.begin() + 0x20, raw.begin() + 0x50), sha384(ByteView(raw).subspan(0x100, 239)));
  EXPECT_EQ(Bytes(raw.begin() + 0x50, raw.begin() + 0x80), sha384(ByteView(raw).subspan(0x200, 512)));
  EXPECT_EQ(Bytes(raw.begin() + 0xE0, raw.begin() + 0x100),
            hmac(HashAlg::sha256, kKey, ByteView(raw).first(0xE0)));
  // Deterministic.
  EXPECT_EQ(encode_tdreport(make_tdreport(body, kKey)), raw);
}

TEST(TdReportSim, RoundTripIsTheIdentity) {
  const TdQuoteBody body = sample_body();
  auto back = quote_body_from_tdreport(make_tdreport(body, kKey), kKey);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, body);
  // Through bytes, too.
  auto back2 = quote_body_from_tdreport(encode_tdreport(make_tdreport(body, kKey)), kKey);
  ASSERT_TRUE(back2) << back2.error().message;
  EXPECT_EQ(*back2, body);
}

TEST(TdReportSim, Tdx15FieldsRoundTripAndSetVersionAndMask) {
  TdQuoteBody body = sample_body();
  body.mrsigner_seam = filled<48>(0x33);
  body.seam_attributes = {1, 0, 0, 0, 0, 0, 0, 0};
  body.tee_tcb_svn2 = {0x05, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  body.mr_servicetd = filled<48>(0x99);
  const TdReport r = make_tdreport(body, kKey);
  EXPECT_EQ(r.mac_struct.report_type[2], 1);
  EXPECT_EQ(hex_encode(r.tee_tcb_info.valid), "ffff030000000000");
  auto back = quote_body_from_tdreport(r, kKey);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, body);
}

TEST(TdReportSim, WrongKeyOrTamperingIsRefused) {
  const TdReport good = make_tdreport(sample_body(), kKey);
  auto wrong_key = quote_body_from_tdreport(good, Bytes(32, 0x5b));
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, "tdx.tdreport_mac_invalid");

  TdReport r = good;
  r.mac_struct.mac[0] ^= 1;
  EXPECT_EQ(quote_body_from_tdreport(r, kKey).error().code, "tdx.tdreport_mac_invalid");

  r = good;
  r.mac_struct.report_data[0] ^= 1;  // covered by the MAC directly
  EXPECT_EQ(quote_body_from_tdreport(r, kKey).error().code, "tdx.tdreport_mac_invalid");

  r = good;
  r.td_info.rtmr[2][5] ^= 1;  // covered through TEE_INFO_HASH
  auto e = quote_body_from_tdreport(r, kKey);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "tdx.tdreport_mac_invalid");
  EXPECT_NE(e.error().message.find("TEE_INFO_HASH"), std::string::npos);

  r = good;
  r.tee_tcb_info.mr_seam[0] ^= 1;  // covered through TEE_TCB_INFO_HASH
  e = quote_body_from_tdreport(r, kKey);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("TEE_TCB_INFO_HASH"), std::string::npos);

  // Resealed with the platform key, the edit goes through (it is what the module would report).
  r = good;
  r.td_info.rtmr[2][5] ^= 1;
  reseal_tdreport(r, kKey);
  auto ok = quote_body_from_tdreport(r, kKey);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->rtmr[2][5], good.td_info.rtmr[2][5] ^ 1);
}

TEST(TdReportSim, TypeIsChecked) {
  for (auto type : {std::array<std::uint8_t, 4>{0x00, 0, 0, 0}, std::array<std::uint8_t, 4>{0x81, 1, 0, 0},
                    std::array<std::uint8_t, 4>{0x81, 0, 2, 0}}) {
    TdReport r = make_tdreport(sample_body(), kKey);
    r.mac_struct.report_type = type;
    reseal_tdreport(r, kKey);  // a correct MAC: only the type is wrong
    auto e = quote_body_from_tdreport(r, kKey);
    ASSERT_FALSE(e) << hex_encode(type);
    EXPECT_EQ(e.error().code, "tdx.tdreport_invalid");
  }
  auto size = quote_body_from_tdreport(Bytes(1023), kKey);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, "tdx.tdreport_size");
}

TEST(TdReportSim, QuoteFromTdReportCarriesTheBody) {
  IntelAuthority intel("tdreport-sim-test");
  QuotingEnclave qe(intel, PlatformSpec{});
  const Bytes key = platform_report_mac_key(intel);
  ASSERT_EQ(key.size(), 32u);
  EXPECT_EQ(key, platform_report_mac_key(intel));  // deterministic
  PckRequest other = default_pck_request();
  other.ppid[0] ^= 1;
  EXPECT_NE(key, platform_report_mac_key(intel, other));  // per platform

  const TdQuoteBody body = sample_body();
  const Bytes report = encode_tdreport(make_tdreport(body, key));
  auto quote = quote_from_tdreport(qe, report, key);
  ASSERT_TRUE(quote) << quote.error().message;
  auto q = parse_quote(*quote);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->header.version, 4);
  EXPECT_EQ(q->body, body);
  EXPECT_EQ(*quote, qe.quote_bytes(body));

  auto v5 = quote_from_tdreport(qe, report, key, 5, kBodyTypeTdx15);
  ASSERT_TRUE(v5) << v5.error().message;
  EXPECT_EQ(parse_quote(*v5)->body, body);

  EXPECT_EQ(quote_from_tdreport(qe, report, Bytes(32, 0)).error().code, "tdx.tdreport_mac_invalid");
  EXPECT_EQ(quote_from_tdreport(qe, report, key, 3).error().code, "tdx.td_description_invalid");
  EXPECT_EQ(quote_from_tdreport(qe, report, key, 5, 1).error().code, "tdx.td_description_invalid");
}

TEST(TdReportSim, AzureTdReportMapsToItsQuoteBody) {
  COCO_REQUIRE_CORPUS();
  const Bytes hcl = coco::test::corpus_file("azure/tdx-vtpm/hcl-report.bin");
  ASSERT_GE(hcl.size(), 0x20 + kTdReportSize);
  auto report = parse_tdreport(ByteView(hcl).subspan(0x20, kTdReportSize));
  ASSERT_TRUE(report) << report.error().message;
  auto quote = parse_quote(coco::test::corpus_file("azure/tdx-vtpm/td-quote.bin"));
  ASSERT_TRUE(quote) << quote.error().message;

  const TdQuoteBody fields = quote_body_fields(*report);
  const TdQuoteBody& want = quote->body;
  EXPECT_EQ(hex_encode(fields.mr_td), hex_encode(want.mr_td));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(hex_encode(fields.rtmr[i]), hex_encode(want.rtmr[i])) << i;
  EXPECT_EQ(hex_encode(fields.report_data), hex_encode(want.report_data));
  EXPECT_EQ(hex_encode(fields.xfam), hex_encode(want.xfam));
  EXPECT_EQ(hex_encode(fields.td_attributes), hex_encode(want.td_attributes));
  EXPECT_EQ(hex_encode(fields.tee_tcb_svn), hex_encode(want.tee_tcb_svn));
  EXPECT_EQ(hex_encode(fields.mr_seam), hex_encode(want.mr_seam));
  EXPECT_EQ(hex_encode(fields.mrsigner_seam), hex_encode(want.mrsigner_seam));
  EXPECT_EQ(hex_encode(fields.seam_attributes), hex_encode(want.seam_attributes));
  EXPECT_EQ(hex_encode(fields.mr_config_id), hex_encode(want.mr_config_id));
  EXPECT_EQ(hex_encode(fields.mr_owner), hex_encode(want.mr_owner));
  EXPECT_EQ(hex_encode(fields.mr_owner_config), hex_encode(want.mr_owner_config));

  // The real report's hashes are what make_tdreport computes, and its valid mask is the one
  // make_tdreport derives from the same fields; only the MAC (Azure's CPU key) cannot be reproduced.
  const TdReport sim = make_tdreport(fields, kKey, report->mac_struct.cpusvn);
  EXPECT_EQ(hex_encode(sim.tee_tcb_info.valid), hex_encode(report->tee_tcb_info.valid));
  EXPECT_EQ(sim.tee_tcb_info, report->tee_tcb_info);
  EXPECT_EQ(sim.td_info, report->td_info);
  EXPECT_EQ(hex_encode(sim.mac_struct.tee_tcb_info_hash), hex_encode(report->mac_struct.tee_tcb_info_hash));
  EXPECT_EQ(hex_encode(sim.mac_struct.tee_info_hash), hex_encode(report->mac_struct.tee_info_hash));
  EXPECT_EQ(sim.mac_struct.report_type, report->mac_struct.report_type);
  auto refused = quote_body_from_tdreport(*report, kKey);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "tdx.tdreport_mac_invalid");
}

}  // namespace
