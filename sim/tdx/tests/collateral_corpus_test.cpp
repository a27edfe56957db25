// Real Intel PCS collateral from shared/corpus (go-tdx-guest's canned responses and Trustee's fixtures):
// the facts MANIFEST.json records, Intel's exact signed bytes reproduced by the serialiser, and TCB / QE
// matching of the corpus quotes against the collateral for their FMSPC. Skipped without the corpus.
//
// The Intel TCB Signing certificate that signed these bodies came in an HTTP header and is not in the
// corpus, so signatures are not checked here (the simulated tests cover verify_collateral_signature).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/test_support.h"
#include "tdx/collateral.h"

using namespace coco;
using namespace coco::tdx;
using test::corpus_file;

namespace {

const char* const kTcbInfos[] = {
    "intel/go-tdx-guest_sample_tcbInfo_response",
    "intel/go-tdx-guest_sample_tcbinfo_response_v5",
    "tdx/trustee_tcbInfo.json",
};
const char* const kQeIdentities[] = {
    "intel/go-tdx-guest_sample_qeIdentity_response",
    "tdx/trustee_enclaveIdentity.json",
};

std::string text(const std::string& rel) {
  return to_string(corpus_file(rel));
}

nlohmann::json facts_of(const std::string& path) {
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  const nlohmann::json m = nlohmann::json::parse(in);
  for (const auto& e : m["entries"])
    if (e["path"] == path) return e["facts"];
  return nullptr;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// The TCB info with its "fmspc" value in lower case, as the serialiser writes it.
std::string replace_fmspc_case(std::string s) {
  const std::string key = "\"fmspc\":\"";
  const auto at = s.find(key);
  if (at != std::string::npos && s.size() >= at + key.size() + 12)
    s.replace(at + key.size(), 12, lower(s.substr(at + key.size(), 12)));
  return s;
}

struct QuoteParts {
  Quote quote;
  SgxExtensions pck;
};

QuoteParts quote_parts(const std::string& rel) {
  auto q = parse_quote(corpus_file(rel));
  if (!q) throw std::runtime_error(rel + ": " + q.error().message);
  auto certs = certs_from_pem(to_string(q->signed_data.certification.cert_data));
  if (!certs || certs->size() != 3) throw std::runtime_error("no 3-certificate PEM chain in " + rel);
  auto ext = parse_sgx_extensions((*certs)[0]);
  if (!ext) throw std::runtime_error(rel + ": " + ext.error().message);
  return {*q, *ext};
}

}  // namespace

TEST(TdxCollateralCorpus, TcbInfosMatchTheManifest) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kTcbInfos) {
    SCOPED_TRACE(path);
    const auto f = facts_of(path);
    ASSERT_TRUE(f.is_object());
    auto info = parse_tcb_info(text(path));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->id, f["id"]);
    EXPECT_EQ(info->version, f["version"].get<int>());
    EXPECT_EQ(format_utc(info->issue_date), f["issueDate"]);
    EXPECT_EQ(format_utc(info->next_update), f["nextUpdate"]);
    EXPECT_EQ(info->tcb_evaluation_data_number, f["tcbEvaluationDataNumber"].get<std::uint32_t>());
    EXPECT_EQ(hex_encode(info->fmspc), lower(f["fmspc"]));
    EXPECT_EQ(hex_encode(info->pce_id), "0000");
    EXPECT_EQ(info->tcb_type, 0);
    EXPECT_EQ(info->tcb_levels.size(), f["tcb_levels"].get<std::size_t>());
    EXPECT_EQ(!info->tdx_module_identities.empty(), f["has_tdxModuleIdentities"].get<bool>());
    ASSERT_TRUE(info->tdx_module);
    EXPECT_EQ(info->tdx_module->mrsigner, Bytes(48, 0));
    EXPECT_EQ(info->tdx_module->attributes_mask, Bytes(8, 0xFF));
    for (const auto& l : info->tcb_levels) {
      EXPECT_EQ(l.tdx_components[0].type, "TDX Module");
      EXPECT_EQ(l.sgx_components[0].category, "BIOS");
      EXPECT_TRUE(l.sgx_components[6].category.empty());
    }
  }
  auto v5 = parse_tcb_info(text("intel/go-tdx-guest_sample_tcbinfo_response_v5"));
  ASSERT_TRUE(v5);
  ASSERT_EQ(v5->tdx_module_identities.size(), 2u);
  EXPECT_EQ(v5->tdx_module_identities[1].id, "TDX_01");
  ASSERT_EQ(v5->tdx_module_identities[1].tcb_levels.size(), 3u);
  EXPECT_EQ(v5->tdx_module_identities[1].tcb_levels[1].isvsvn, 4);
  EXPECT_EQ(v5->tdx_module_identities[1].tcb_levels[1].status, TcbStatus::out_of_date);
  EXPECT_EQ(v5->tcb_levels[2].advisory_ids.size(), 19u);
  EXPECT_EQ(v5->tcb_levels[2].tcb_date, "2018-01-04T00:00:00Z");
}

TEST(TdxCollateralCorpus, QeIdentitiesMatchTheManifest) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kQeIdentities) {
    SCOPED_TRACE(path);
    const auto f = facts_of(path);
    ASSERT_TRUE(f.is_object());
    auto qe = parse_qe_identity(text(path));
    ASSERT_TRUE(qe) << qe.error().message;
    EXPECT_EQ(qe->id, f["id"]);
    EXPECT_EQ(qe->version, f["version"].get<int>());
    EXPECT_EQ(format_utc(qe->issue_date), f["issueDate"]);
    EXPECT_EQ(format_utc(qe->next_update), f["nextUpdate"]);
    EXPECT_EQ(qe->tcb_evaluation_data_number, f["tcbEvaluationDataNumber"].get<std::uint32_t>());
    EXPECT_EQ(hex_encode(qe->mrsigner), lower(f["mrsigner"]));
    EXPECT_EQ(qe->mrsigner, kIntelTdQeMrSigner);
    EXPECT_EQ(qe->isvprodid, f["isvprodid"].get<int>());
    // simulated_qe_identity claims Intel's constants: check them against the real documents.
    const QeIdentity sim = simulated_qe_identity(qe->tcb_levels, qe->issue_date, qe->next_update);
    EXPECT_EQ(sim.miscselect, qe->miscselect);
    EXPECT_EQ(sim.miscselect_mask, qe->miscselect_mask);
    EXPECT_EQ(sim.attributes, qe->attributes);
    EXPECT_EQ(sim.attributes_mask, qe->attributes_mask);
    EXPECT_EQ(sim.isvprodid, qe->isvprodid);
    ASSERT_EQ(qe->tcb_levels.size(), 1u);
    EXPECT_EQ(qe->tcb_levels[0].isvsvn, 4);
    EXPECT_EQ(qe->tcb_levels[0].status, TcbStatus::up_to_date);
  }
}

TEST(TdxCollateralCorpus, SplitGivesTheRawInnerTextAndTheSerialiserReproducesIt) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kTcbInfos) {
    SCOPED_TRACE(path);
    const std::string body = text(path);
    auto s = split_signed_body(body, "tcbInfo");
    ASSERT_TRUE(s) << s.error().message;
    // The inner text is the body between the member name and ",\"signature\"".
    const std::string prefix = "{\"tcbInfo\":";
    ASSERT_EQ(body.rfind(prefix, 0), 0u);
    const auto sig_at = body.find(",\"signature\":\"");
    ASSERT_NE(sig_at, std::string::npos);
    EXPECT_EQ(s->signed_bytes, body.substr(prefix.size(), sig_at - prefix.size()));
    EXPECT_EQ(hex_encode(s->signature), body.substr(sig_at + 14, 128));

    auto info = parse_tcb_info(body);
    ASSERT_TRUE(info);
    const std::string again = tcb_info_json(*info);
    if (std::string(path).rfind("intel/", 0) == 0) {
      // go-tdx-guest's samples: Intel's exact bytes (lowercase fmspc).
      EXPECT_EQ(again, s->signed_bytes);
    } else {
      // Trustee's copy spells the FMSPC in upper case; everything else is byte-identical.
      EXPECT_EQ(again, replace_fmspc_case(s->signed_bytes));
    }
    auto reparsed = parse_tcb_info_object(again);
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(*reparsed, *info);
  }
  for (const char* path : kQeIdentities) {
    SCOPED_TRACE(path);
    auto s = split_signed_body(text(path), "enclaveIdentity");
    ASSERT_TRUE(s);
    auto qe = parse_qe_identity_object(s->signed_bytes);
    ASSERT_TRUE(qe);
    EXPECT_EQ(qe_identity_json(*qe), s->signed_bytes);
  }
}

// Matching the corpus quotes against the collateral for their FMSPC. The PCK SGX TCB comes from the PCK
// leaf in each quote (parse_sgx_extensions), TEE_TCB_SVN from the quote body.
TEST(TdxCollateralCorpus, SprE4QuoteHasNoMatchingLevelInThe2023TcbInfo) {
  COCO_REQUIRE_CORPUS();
  const QuoteParts p = quote_parts("tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat");
  auto info = parse_tcb_info(text("intel/go-tdx-guest_sample_tcbInfo_response"));
  ASSERT_TRUE(info);
  EXPECT_EQ(p.pck.fmspc, info->fmspc);
  EXPECT_EQ(hex_encode(p.quote.body.tee_tcb_svn), "03000400000000000000000000000000");
  // The PCK leaf's SGX TCB is 03 03 02 02 02 01 00 02 00.. with PCESVN 11. Both levels of this TCB info
  // require SGX [5,5,2,2,3,1,0,3,0..] (component 0: 3 < 5) and tdxtcbcomponents [3,0,5,0..] while the
  // quote's TEE_TCB_SVN is [3,0,4,0..] with module major version 0 (index 2: 4 < 5). So no level matches on
  // either count: "TCB not supported". (go-tdx-guest reports "no matching TCB level found" for this pair.)
  EXPECT_EQ(hex_encode(p.pck.tcb_comp_svn), "03030202020100020000000000000000");
  EXPECT_EQ(p.pck.pcesvn, 11);
  auto m = match_tcb_level(*info, p.pck, p.quote.body);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "tdx.tcb_level_not_found");
  // Each shortfall alone is enough: raising only TEE_TCB_SVN[2] still fails on the SGX TCB, and an SGX TCB
  // at level 0's values still fails on TEE_TCB_SVN[2]; raising both matches level 0 (PCESVN 11 >= 11).
  TdQuoteBody raised = p.quote.body;
  raised.tee_tcb_svn[2] = 5;
  EXPECT_FALSE(match_tcb_level(*info, p.pck, raised));
  SgxExtensions better = p.pck;
  for (std::size_t i = 0; i < 16; ++i)
    better.tcb_comp_svn[i] = std::max(better.tcb_comp_svn[i], info->tcb_levels[0].sgx_components[i].svn);
  EXPECT_FALSE(match_tcb_level(*info, better, p.quote.body));
  auto both = match_tcb_level(*info, better, raised);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->level_index, 0u);
  EXPECT_EQ(both->platform_status, TcbStatus::up_to_date);

  // QE: TD_QE identity, QE ISVSVN 4 >= level isvsvn 4: UpToDate.
  auto qe = parse_qe_identity(text("intel/go-tdx-guest_sample_qeIdentity_response"));
  ASSERT_TRUE(qe);
  auto q = match_qe_identity(*qe, p.quote.signed_data.certification.qe_report);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->status, TcbStatus::up_to_date);
}

TEST(TdxCollateralCorpus, TrusteeQuote6AgainstTrusteeTcbInfo) {
  COCO_REQUIRE_CORPUS();
  const QuoteParts p = quote_parts("tdx/trustee_tdx_quote_6.dat");
  auto info = parse_tcb_info(text("tdx/trustee_tcbInfo.json"));
  ASSERT_TRUE(info);
  EXPECT_EQ(p.pck.fmspc, info->fmspc);
  // The PCK leaf's SGX TCB is 02 02 07 07 04 01 00 02 00.. with PCESVN 11. Level 0 (SGX
  // [2,2,2,2,4,1,0,2,0..], PCESVN 13, UpToDate) fails on PCESVN 11 < 13; level 1 (same SGX TCB, PCESVN 5,
  // tcbDate 2018-01-04, OutOfDate) matches. TEE_TCB_SVN 05 03 02 00..: module major version 3, so indices
  // 0 and 1 are skipped and index 2 (2) meets tdxtcbcomponents[2] = 2 in both levels. The module is
  // matched in TDX_03 by ISVSVN 5 >= 3: UpToDate.
  EXPECT_EQ(hex_encode(p.pck.tcb_comp_svn), "02020707040100020000000000000000");
  EXPECT_EQ(p.pck.pcesvn, 11);
  auto m = match_tcb_level(*info, p.pck, p.quote.body);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->level_index, 1u);
  EXPECT_EQ(m->platform_status, TcbStatus::out_of_date);
  EXPECT_EQ(m->tcb_date, "2018-01-04T00:00:00Z");
  ASSERT_TRUE(m->module_status);
  EXPECT_EQ(*m->module_status, TcbStatus::up_to_date);
  EXPECT_EQ(m->module_tcb_date, "2024-03-13T00:00:00Z");

  // QE ISVSVN 7 >= 4: UpToDate; converged with the OutOfDate platform: OutOfDate.
  auto qe = parse_qe_identity(text("tdx/trustee_enclaveIdentity.json"));
  ASSERT_TRUE(qe);
  auto q = match_qe_identity(*qe, p.quote.signed_data.certification.qe_report);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->status, TcbStatus::up_to_date);
  EXPECT_EQ(converge_tcb_status(m->platform_status, m->module_status, q->status), TcbStatus::out_of_date);
  // A PCK at PCESVN 13 (the level-0 PCE) would be UpToDate.
  SgxExtensions newer = p.pck;
  newer.pcesvn = 13;
  auto up = match_tcb_level(*info, newer, p.quote.body);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->platform_status, TcbStatus::up_to_date);
}

TEST(TdxCollateralCorpus, V5SampleAgainstTheV5TcbInfo) {
  COCO_REQUIRE_CORPUS();
  const QuoteParts p = quote_parts("tdx/go-tdx-guest_quote_v5_sample.dat");
  auto info = parse_tcb_info(text("intel/go-tdx-guest_sample_tcbinfo_response_v5"));
  ASSERT_TRUE(info);
  EXPECT_EQ(p.pck.fmspc, info->fmspc);
  // The PCK leaf's SGX TCB is 04 04 02 02 04 01 00 05 00.. with PCESVN 13, which meets level 0
  // (SGX [3,3,2,2,4,1,0,5,0..], PCESVN 13). TEE_TCB_SVN 0b 01 04..: module major 1, so indices 0 and 1
  // are skipped and index 2 (4) meets level 0's 3: platform UpToDate. Module TDX_01, ISVSVN 11: first
  // level with isvsvn <= 11 is isvsvn 6, UpToDate.
  EXPECT_EQ(hex_encode(p.pck.tcb_comp_svn), "04040202040100050000000000000000");
  EXPECT_EQ(p.pck.pcesvn, 13);
  auto m = match_tcb_level(*info, p.pck, p.quote.body);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->level_index, 0u);
  EXPECT_EQ(m->platform_status, TcbStatus::up_to_date);
  EXPECT_EQ(m->tcb_date, "2024-11-13T00:00:00Z");
  ASSERT_TRUE(m->module_status);
  EXPECT_EQ(*m->module_status, TcbStatus::up_to_date);
  EXPECT_EQ(m->module_tcb_date, "2024-11-13T00:00:00Z");
  // An older module (ISVSVN 4) lands on the OutOfDate module level, which turns the platform OutOfDate.
  TdQuoteBody older = p.quote.body;
  older.tee_tcb_svn[0] = 4;
  auto o = match_tcb_level(*info, p.pck, older);
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->module_status);
  EXPECT_EQ(*o->module_status, TcbStatus::out_of_date);
  EXPECT_EQ(o->module_advisory_ids, (std::vector<std::string>{"INTEL-SA-01036", "INTEL-SA-01099"}));
  EXPECT_EQ(converge_tcb_status(o->platform_status, o->module_status, TcbStatus::up_to_date),
            TcbStatus::out_of_date);

  // QE identity: only go-tdx-guest's 2023 TD_QE identity is in the corpus for this quote's era; its single
  // level (isvsvn 4, UpToDate) applies to any QE ISVSVN >= 4.
  auto qe = parse_qe_identity(text("intel/go-tdx-guest_sample_qeIdentity_response"));
  ASSERT_TRUE(qe);
  const auto& qer = p.quote.signed_data.certification.qe_report;
  auto q = match_qe_identity(*qe, qer);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_GE(qer.isvsvn, 4);
  EXPECT_EQ(q->status, TcbStatus::up_to_date);
  EXPECT_EQ(converge_tcb_status(m->platform_status, m->module_status, q->status), TcbStatus::up_to_date);
}
