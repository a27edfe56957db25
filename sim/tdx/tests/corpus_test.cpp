// Real TDX quotes and a TDREPORT from shared/corpus: byte-identical round trip, the field values that
// MANIFEST.json records for each file, truncation at every length, and Trustee's quote claims for
// tdx_quote_4.dat (its parse_tdx_claims_expected.json; the event-log and DCAP parts are not this layer's).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/encoding.h"
#include "core/test_support.h"
#include "tdx/quote.h"

using namespace coco;
using namespace coco::tdx;
using test::corpus_file;

namespace {

const char* const kQuotes[] = {
    "tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat",
    "tdx/go-tdx-guest_quote_v5_sample.dat",
    "tdx/go-tdx-guest_ccel/cos-113-tdx-quote.dat",
    "tdx/trustee_tdx_quote_4.dat",
    "tdx/trustee_tdx_quote_5.dat",
    "tdx/trustee_tdx_quote_6.dat",
    "azure/tdx-vtpm/td-quote.bin",
};

nlohmann::json manifest() {
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  return nlohmann::json::parse(in);
}

nlohmann::json facts_of(const std::string& path) {
  const nlohmann::json m = manifest();  // kept alive for the loop: operator[] returns into it
  for (const auto& e : m["entries"])
    if (e["path"] == path) return e["facts"];
  return nullptr;
}

// Where the signed data ends: the corpus facts give the padding after it.
std::size_t signed_end(const Quote& q) {
  return encode_quote(q).size() - q.trailing.size();
}

}  // namespace

TEST(TdxCorpus, EveryQuoteInTheManifestIsCovered) {
  COCO_REQUIRE_CORPUS();
  std::set<std::string> covered(std::begin(kQuotes), std::end(kQuotes));
  const nlohmann::json m = manifest();
  for (const auto& e : m["entries"])
    if (e["kind"] == "tdx-quote") {
      EXPECT_TRUE(covered.count(e["path"])) << e["path"];
    }
}

TEST(TdxCorpus, QuotesRoundTripByteIdentically) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kQuotes) {
    Bytes raw = corpus_file(path);
    auto q = parse_quote(raw);
    ASSERT_TRUE(q) << path << ": " << q.error().message;
    EXPECT_EQ(encode_quote(*q), raw) << path;
  }
}

TEST(TdxCorpus, FieldsMatchTheManifest) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kQuotes) {
    SCOPED_TRACE(path);
    auto f = facts_of(path);
    ASSERT_TRUE(f.is_object());
    auto q = parse_quote(corpus_file(path));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->header.version, f["version"].get<int>());
    EXPECT_EQ(q->header.att_key_type, f["att_key_type"].get<int>());
    EXPECT_EQ(q->header.tee_type, 0x81u);
    EXPECT_EQ(hex_encode(q->header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
    if (q->header.version == 5) {
      EXPECT_EQ(q->body_type, f["body_type"].get<int>());
    }
    const auto& b = q->body;
    EXPECT_EQ(hex_encode(b.tee_tcb_svn), f["tee_tcb_svn"]);
    EXPECT_EQ(hex_encode(b.td_attributes), f["td_attributes"]);
    EXPECT_EQ(hex_encode(b.xfam), f["xfam"]);
    EXPECT_EQ(hex_encode(b.mr_td), f["mr_td"]);
    EXPECT_EQ(hex_encode(b.mr_config_id), f["mr_config_id"]);
    std::string rd = f["report_data"];
    if (rd.size() == 128) {  // one entry describes it in words instead
      EXPECT_EQ(hex_encode(b.report_data), rd);
    }
    if (f.contains("tee_tcb_svn2")) {
      EXPECT_TRUE(q->is_tdx15());
      EXPECT_EQ(hex_encode(b.tee_tcb_svn2), f["tee_tcb_svn2"]);
      EXPECT_EQ(hex_encode(b.mr_servicetd), f["mr_servicetd"]);
      EXPECT_EQ(signed_part(*q).size(), 702u);
    } else {
      EXPECT_EQ(signed_part(*q).size(), q->header.version == 4 ? 632u : 0x36u + kBody10Size);
    }
    EXPECT_EQ(q->trailing.size(), f["trailing_bytes"].get<std::size_t>());
    // evidence.md 2.4 calls the trailing bytes zero padding; go-tdx-guest's SPR E4 sample carries text.
    if (std::string(path) == "tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat") {
      EXPECT_EQ(to_string(q->trailing), "\nextra bytes(only for testing purpose)\n");
    } else {
      EXPECT_TRUE(all_zero(q->trailing));
    }
    const auto& c = q->signed_data.certification;
    EXPECT_EQ(encode_signed_data(q->signed_data).size(), f["sig_data_len"].get<std::size_t>());
    EXPECT_EQ(c.qe_auth_data.size(), f["qe_auth_len"].get<std::size_t>());
    EXPECT_EQ(c.qe_report.isvsvn, f["qe_isvsvn"].get<int>());
    EXPECT_EQ(c.qe_report.isvprodid, 2);  // TD_QE
    EXPECT_EQ(hex_encode(c.qe_report.mrsigner),
              "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
    EXPECT_EQ(c.cert_data_type, kCertDataPckChain);
    EXPECT_EQ(pck_chain_encoding(c.cert_data), PckChainEncoding::pem);
    EXPECT_EQ(!c.cert_data.empty() && c.cert_data.back() == 0, f["pck_chain_pem_nul_terminated"].get<bool>());
  }
}

TEST(TdxCorpus, TdAttributesOfTheTrusteeQuotes) {
  COCO_REQUIRE_CORPUS();
  auto q4 = parse_quote(corpus_file("tdx/trustee_tdx_quote_4.dat"));
  ASSERT_TRUE(q4);
  auto a = decode_td_attributes(q4->body.td_attributes);
  EXPECT_TRUE(a.debug);
  EXPECT_TRUE(a.septve_disable);
  auto spr = parse_quote(corpus_file("tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat"));
  ASSERT_TRUE(spr);
  auto s = decode_td_attributes(spr->body.td_attributes);
  EXPECT_FALSE(s.debug);
  EXPECT_TRUE(s.protection_keys);
}

TEST(TdxCorpus, EveryTruncationIsRejectedWithANamedError) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : {"tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat", "tdx/trustee_tdx_quote_5.dat"}) {
    Bytes raw = corpus_file(path);
    auto q = parse_quote(raw);
    ASSERT_TRUE(q);
    std::size_t end = signed_end(*q);
    for (std::size_t n = 0; n < raw.size(); ++n) {
      auto r = parse_quote(ByteView(raw.data(), n));
      if (n < end) {
        ASSERT_FALSE(r) << path << " at " << n;
        ASSERT_EQ(r.error().code, "tdx.quote_truncated") << path << " at " << n;
      } else {
        // Cutting into the padding only shortens it.
        ASSERT_TRUE(r) << path << " at " << n;
        EXPECT_EQ(r->trailing.size(), n - end);
      }
    }
  }
}

TEST(TdxCorpus, QuoteClaimsMatchTrustee) {
  COCO_REQUIRE_CORPUS();
  Bytes json = corpus_file("tdx/trustee_parse_tdx_claims_expected.json");
  auto expected = nlohmann::json::parse(json.begin(), json.end());
  auto q = parse_quote(corpus_file("tdx/trustee_tdx_quote_4.dat"));
  ASSERT_TRUE(q);
  auto claims = trustee_quote_claims(*q);
  EXPECT_EQ(claims["quote"], expected["quote"]) << claims.dump(1);
  EXPECT_EQ(trustee_td_attributes_claims(decode_td_attributes(q->body.td_attributes)),
            expected["td_attributes"]);
  EXPECT_EQ(hex_encode(q->body.report_data), expected["report_data"]);
  EXPECT_EQ(hex_encode(q->body.mr_config_id), expected["init_data"]);
}

TEST(TdxCorpus, V5ClaimsCarryTheBodyDescriptor) {
  COCO_REQUIRE_CORPUS();
  auto q = parse_quote(corpus_file("tdx/trustee_tdx_quote_5.dat"));
  ASSERT_TRUE(q);
  auto claims = trustee_quote_claims(*q)["quote"];
  EXPECT_EQ(claims["header"]["version"], "0500");
  EXPECT_EQ(claims["type"], "0300");
  EXPECT_EQ(claims["size"], "88020000");
  EXPECT_EQ(
      claims["body"]["mr_servicetd"],
      "383c87d3bbb047b2d171eaca95312ede99f258088dc788f6ae2ccf8b6dd848fe8d47629e08b3f6cbd4a00dd47a5a033d");
  EXPECT_EQ(claims["body"]["tee_tcb_svn2"], "05010200000000000000000000000000");
}

TEST(TdxCorpus, TdReportParsesAndRoundTrips) {
  COCO_REQUIRE_CORPUS();
  Bytes raw = corpus_file("tdx/go-tdx-guest_report.dat");
  auto r = parse_tdreport(raw);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(encode_tdreport(*r), raw);
  EXPECT_EQ(hex_encode(r->mac_struct.report_type), facts_of("tdx/go-tdx-guest_report.dat")["report_type"]);
  // go-tdx-guest's sample does not start with type 0x81: it reads as a TDREPORT shifted by 0x30 bytes
  // (TEE_TCB_INFO's valid mask and TEE_TCB_SVN sit at 0xD0/0xD8 instead of 0x100/0x108; its MRSEAM equals
  // trustee_tdx_quote_4's). Recorded here so a layout change on either side is noticed.
  EXPECT_FALSE(r->type_is_tdx());
  EXPECT_EQ(hex_encode(ByteView(raw).subspan(0xD8, 16)), "03000500000000000000000000000000");
  EXPECT_EQ(
      hex_encode(ByteView(raw).subspan(0xE8, 48)),
      "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656");
}

TEST(TdxCorpus, AzureTdReportInsideTheHclReport) {
  COCO_REQUIRE_CORPUS();
  // The HCL report carries a real TDREPORT at 0x20 (evidence.md 4.2 / MANIFEST layout), type 0x81.
  Bytes hcl = corpus_file("azure/tdx-vtpm/hcl-report.bin");
  ASSERT_GE(hcl.size(), 0x20 + kTdReportSize);
  auto r = parse_tdreport(ByteView(hcl).subspan(0x20, kTdReportSize));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->type_is_tdx());
  EXPECT_EQ(hex_encode(r->mac_struct.report_data),
            facts_of("azure/tdx-vtpm/hcl-report.bin")["tdreport_reportdata"]);
  auto q = parse_quote(corpus_file("azure/tdx-vtpm/td-quote.bin"));
  ASSERT_TRUE(q);
  EXPECT_EQ(r->td_info.mr_td, q->body.mr_td);
  EXPECT_EQ(r->tee_tcb_info.mr_seam, q->body.mr_seam);
  EXPECT_EQ(r->tee_tcb_info.tee_tcb_svn, q->body.tee_tcb_svn);
}
