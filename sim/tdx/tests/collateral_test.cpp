// PCS v4 TDX collateral on simulated data: signing and signature checks, parse/sign round trips, every
// TCB status reachable through TCB level matching, the TDX module identity path, QE identity matching,
// QVL's status convergence, and malformed bodies rejected with tdx.collateral_invalid.
#include "tdx/collateral.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/encoding.h"

using namespace coco;
using namespace coco::tdx;

namespace {

const std::array<std::uint8_t, 6> kFmspc = {0x90, 0xC0, 0x6F, 0x00, 0x00, 0x00};
const SysTime kIssue = utc_time(2026, 2, 1, 14, 49, 26);
const SysTime kNext = utc_time(2026, 3, 3, 14, 49, 26);

// Highest first. Each row differs from the one above in exactly one way so that a PCK / TEE_TCB_SVN
// choice lands on it: PCESVN for the first four, then the TDX SVN, the SGX SVN, and a floor.
std::vector<SimTcbLevelSpec> all_status_levels() {
  return {
      {5, 13, 5, TcbStatus::up_to_date, "2024-11-13T00:00:00Z", {}},
      {5, 12, 5, TcbStatus::sw_hardening_needed, "2024-08-14T00:00:00Z", {"INTEL-SA-00615"}},
      {5, 11, 5, TcbStatus::configuration_needed, "2024-08-14T00:00:00Z", {"INTEL-SA-00828"}},
      {5, 10, 5, TcbStatus::configuration_and_sw_hardening_needed, "", {"INTEL-SA-00615", "INTEL-SA-00828"}},
      {4, 9, 4, TcbStatus::out_of_date_configuration_needed, "2024-03-13T00:00:00Z", {"INTEL-SA-01036"}},
      {3, 8, 3, TcbStatus::out_of_date, "2023-08-09T00:00:00Z", {"INTEL-SA-01036", "INTEL-SA-01099"}},
      {1, 1, 1, TcbStatus::revoked, "2018-01-04T00:00:00Z", {"INTEL-SA-00106"}},
  };
}

TcbInfo sim_info() {
  return simulated_tcb_info(kFmspc, all_status_levels(), kIssue, kNext);
}

QeIdentity sim_qe() {
  return simulated_qe_identity({{4, "2024-03-13T00:00:00Z", TcbStatus::up_to_date, {}},
                                {2, "2023-08-09T00:00:00Z", TcbStatus::out_of_date, {"INTEL-SA-00837"}},
                                {1, "2018-01-04T00:00:00Z", TcbStatus::revoked, {"INTEL-SA-00106"}}},
                               kIssue, kNext);
}

SgxExtensions pck(std::uint8_t sgx_svn, std::uint16_t pcesvn) {
  SgxExtensions e;
  e.tcb_comp_svn.fill(sgx_svn);
  e.pcesvn = pcesvn;
  e.fmspc = kFmspc;
  return e;
}

TdQuoteBody td_body(std::uint8_t svn0, std::uint8_t major, std::uint8_t svn2) {
  TdQuoteBody b;
  b.tee_tcb_svn[0] = svn0;
  b.tee_tcb_svn[1] = major;
  b.tee_tcb_svn[2] = svn2;
  return b;
}

SgxReportBody qe_report(std::uint16_t isvsvn) {
  SgxReportBody r;
  r.mrsigner = kIntelTdQeMrSigner;
  r.isvprodid = 2;
  r.isvsvn = isvsvn;
  r.attributes[0] = 0x11;
  return r;
}

void expect_invalid(std::string_view body, const std::string& what) {
  auto t = parse_tcb_info(body);
  ASSERT_FALSE(t) << what;
  EXPECT_EQ(t.error().code, "tdx.collateral_invalid") << what;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

TEST(TdxCollateral, StatusNamesRoundTrip) {
  const char* names[] = {"UpToDate",
                         "SWHardeningNeeded",
                         "ConfigurationNeeded",
                         "ConfigurationAndSWHardeningNeeded",
                         "OutOfDate",
                         "OutOfDateConfigurationNeeded",
                         "Revoked"};
  std::size_t i = 0;
  for (TcbStatus s : kAllTcbStatuses) {
    EXPECT_EQ(tcb_status_name(s), names[i++]);
    auto p = parse_tcb_status(tcb_status_name(s));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, s);
  }
  for (const char* bad : {"", "uptodate", "UpToDate ", "Unknown", "OutOfDateConfigurationNeededX"}) {
    auto p = parse_tcb_status(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, "tdx.collateral_invalid");
  }
}

TEST(TdxCollateral, SignedTcbInfoVerifiesAndRoundTrips) {
  IntelAuthority a("seed");
  const TcbInfo info = sim_info();
  const std::string body = sign_tcb_info(info, a.tcb_signing_key());
  EXPECT_EQ(body, sign_tcb_info(info, a.tcb_signing_key()));  // RFC 6979: reproducible
  EXPECT_EQ(
      body.rfind("{\"tcbInfo\":{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2026-02-01T14:49:26Z\","
                 "\"nextUpdate\":\"2026-03-03T14:49:26Z\",\"fmspc\":\"90c06f000000\",\"pceId\":\"0000\","
                 "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"",
                 0),
      0u)
      << body.substr(0, 300);

  auto split = split_signed_body(body, "tcbInfo");
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->signed_bytes, tcb_info_json(info));
  EXPECT_TRUE(verify_collateral_signature(*split, a.tcb_signing()));
  EXPECT_FALSE(verify_collateral_signature(*split, a.root()));  // another key
  EXPECT_FALSE(verify_collateral_signature(*split, IntelAuthority("other").tcb_signing()));

  // One flipped byte anywhere in the signed bytes, or in the signature, fails.
  for (std::size_t i = 0; i < split->signed_bytes.size(); i += 97) {
    SignedBody bad = *split;
    bad.signed_bytes[i] = static_cast<char>(bad.signed_bytes[i] ^ 0x01);
    EXPECT_FALSE(verify_collateral_signature(bad, a.tcb_signing())) << i;
  }
  SignedBody bad_sig = *split;
  bad_sig.signature[40] ^= 0x80;
  EXPECT_FALSE(verify_collateral_signature(bad_sig, a.tcb_signing()));

  auto parsed = parse_tcb_info(body);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, info);
  EXPECT_EQ(sign_tcb_info(*parsed, a.tcb_signing_key()), body);
  // The builder's fill-ins.
  ASSERT_TRUE(parsed->tdx_module);
  EXPECT_EQ(parsed->tdx_module->mrsigner, Bytes(48, 0));
  EXPECT_EQ(parsed->tdx_module->attributes_mask, Bytes(8, 0xFF));
  ASSERT_EQ(parsed->tdx_module_identities.size(), 2u);
  EXPECT_EQ(parsed->tdx_module_identities[0].id, "TDX_03");
  EXPECT_EQ(parsed->tdx_module_identities[1].id, "TDX_01");
  EXPECT_EQ(parsed->tcb_levels[3].tcb_date, "2026-02-01T00:00:00Z");  // empty date: issue date at midnight
  EXPECT_EQ(parsed->tcb_levels[0].sgx_components[0].category, "BIOS");
  EXPECT_EQ(parsed->tcb_levels[0].sgx_components[7].type, "SEAMLDR ACM");
  EXPECT_EQ(parsed->tcb_levels[0].tdx_components[2].type, "TDX Late Microcode Update");
  EXPECT_EQ(parsed->tcb_levels[0].tdx_components[1].svn, 0);
  EXPECT_EQ(parsed->tcb_levels[0].tdx_components[3].svn, 0);
  EXPECT_EQ(parsed->tcb_levels[0].sgx_components[15].svn, 5);
}

TEST(TdxCollateral, SignedQeIdentityVerifiesAndRoundTrips) {
  IntelAuthority a("seed");
  const QeIdentity qe = sim_qe();
  const std::string body = sign_qe_identity(qe, a.tcb_signing_key());
  auto split = split_signed_body(body, "enclaveIdentity");
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_TRUE(verify_collateral_signature(*split, a.tcb_signing()));
  SignedBody bad = *split;
  bad.signed_bytes[bad.signed_bytes.size() / 2] ^= 0x20;
  EXPECT_FALSE(verify_collateral_signature(bad, a.tcb_signing()));
  // Intel's field spelling and case.
  EXPECT_NE(split->signed_bytes.find(
                "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                "\"attributes\":\"11000000000000000000000000000000\","
                "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
                "\"mrsigner\":\"DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5\","
                "\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},"),
            std::string::npos)
      << split->signed_bytes;
  auto parsed = parse_qe_identity(body);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, qe);
  EXPECT_EQ(sign_qe_identity(*parsed, a.tcb_signing_key()), body);
  // A TCB info body is not a QE identity body.
  auto wrong = parse_qe_identity(sign_tcb_info(sim_info(), a.tcb_signing_key()));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "tdx.collateral_invalid");
}

TEST(TdxCollateral, SplitFindsTheRawInnerText) {
  // Whitespace, member order, and braces / quotes / escapes inside strings must not confuse the scan.
  const std::string inner = "{ \"a\" : \"}{\\\"]\" , \"b\":[1,{\"c\":\"\\\\\"}] }";
  const std::string sig(128, 'a');
  const std::string body =
      " {\n \"signature\" : \"" + sig + "\" ,\n \"tcbInfo\" :" + inner + " , \"x\":null}\n";
  auto s = split_signed_body(body, "tcbInfo");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->signed_bytes, inner);
  EXPECT_EQ(s->signature[0], 0xAA);

  for (const std::string& bad : {
           std::string("{\"tcbInfo\":{},\"tcbInfo\":{},\"signature\":\"" + sig + "\"}"),  // duplicate
           std::string("{\"tcbInfo\":[],\"signature\":\"" + sig + "\"}"),                 // not an object
           std::string("{\"tcbInfo\":{},\"signature\":\"" + sig + "\"} x"),               // trailing data
           std::string("{\"tcbInfo\":{},\"signature\":\"" + sig.substr(2) + "\"}"),       // short signature
           std::string("{\"tcbInfo\":{},\"signature\":\"" + std::string(128, 'g') + "\"}"),
           std::string("{\"tcbInfo\":{},\"signature\":12}"),
           std::string("{\"tcbInfo\":{}}"),
           std::string("{\"signature\":\"" + sig + "\"}"),
           std::string("{\"tcbInfo\":{\"a\":\"\\\"},\"signature\":\"" + sig + "\"}"),  // unterminated string
           std::string("{\"tcbInfo\":{]}, \"signature\":\"" + sig + "\"}"),
           std::string("{\"tcbInfo\" {},\"signature\":\"" + sig + "\"}"),
           std::string(""),
           std::string("{"),
           std::string("{}"),
           std::string("[]"),
           std::string("\"tcbInfo\""),
       }) {
    auto r = split_signed_body(bad, "tcbInfo");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "tdx.collateral_invalid") << bad;
  }
}

TEST(TdxCollateral, EveryPlatformStatusIsReachable) {
  const TcbInfo info = sim_info();
  struct Case {
    std::uint8_t sgx;
    std::uint16_t pce;
    std::uint8_t tdx;
    TcbStatus want;
    std::size_t level;
  };
  const Case cases[] = {
      {5, 13, 5, TcbStatus::up_to_date, 0},
      {9, 99, 9, TcbStatus::up_to_date, 0},  // higher than every level
      {5, 12, 5, TcbStatus::sw_hardening_needed, 1},
      {5, 11, 5, TcbStatus::configuration_needed, 2},
      {5, 10, 5, TcbStatus::configuration_and_sw_hardening_needed, 3},
      {5, 13, 4, TcbStatus::out_of_date_configuration_needed, 4},  // TDX SVN below the first four
      {4, 13, 5, TcbStatus::out_of_date_configuration_needed, 4},  // SGX SVN below the first four
      {3, 8, 3, TcbStatus::out_of_date, 5},
      {5, 8, 5, TcbStatus::out_of_date, 5},
      {1, 1, 1, TcbStatus::revoked, 6},
      {2, 7, 9, TcbStatus::revoked, 6},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.sgx) + "/" + std::to_string(c.pce) + "/" + std::to_string(c.tdx));
    auto m = match_tcb_level(info, pck(c.sgx, c.pce), td_body(c.tdx, 0, c.tdx));
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->platform_status, c.want);
    EXPECT_EQ(m->level_index, c.level);
    EXPECT_EQ(m->tcb_date, info.tcb_levels[c.level].tcb_date);
    EXPECT_EQ(m->advisory_ids, info.tcb_levels[c.level].advisory_ids);
    EXPECT_FALSE(m->module_status);  // TEE_TCB_SVN[1] == 0: no module identity
  }
  // One SGX component below every level, PCESVN 0, or a TDX SVN 0: no level.
  SgxExtensions one_low = pck(9, 99);
  one_low.tcb_comp_svn[11] = 0;
  for (auto [p, b] : {std::pair{pck(0, 13), td_body(5, 0, 5)}, std::pair{pck(5, 0), td_body(5, 0, 5)},
                      std::pair{pck(5, 13), td_body(0, 0, 0)}, std::pair{one_low, td_body(5, 0, 5)}}) {
    auto m = match_tcb_level(info, p, b);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, "tdx.tcb_level_not_found");
  }
  // With TEE_TCB_SVN[1] == 0, index 0 (module SVN) counts: [4,0,5] misses the first four levels.
  auto m = match_tcb_level(info, pck(5, 13), td_body(4, 0, 5));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->level_index, 4u);
}

TEST(TdxCollateral, ModuleIdentityPath) {
  const TcbInfo info = sim_info();
  struct Case {
    std::uint8_t svn0, major;
    TcbStatus want;
    const char* date;
  };
  // TDX_01: isvsvn 4 UpToDate, 2 OutOfDate, 0 Revoked; TDX_03: isvsvn 3 UpToDate.
  const Case cases[] = {
      {4, 1, TcbStatus::up_to_date, "2026-02-01T00:00:00Z"},
      {200, 1, TcbStatus::up_to_date, "2026-02-01T00:00:00Z"},
      {3, 1, TcbStatus::out_of_date, "2023-08-09T00:00:00Z"},
      {2, 1, TcbStatus::out_of_date, "2023-08-09T00:00:00Z"},
      {1, 1, TcbStatus::revoked, "2018-01-04T00:00:00Z"},
      {0, 1, TcbStatus::revoked, "2018-01-04T00:00:00Z"},
      {3, 3, TcbStatus::up_to_date, "2026-02-01T00:00:00Z"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.svn0) + "/" + std::to_string(c.major));
    // Index 0 is below every platform level's TDX component 0, but with a module major version > 0 it is
    // skipped: the platform level is still the first.
    auto m = match_tcb_level(info, pck(5, 13), td_body(c.svn0, c.major, 5));
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->level_index, 0u);
    EXPECT_EQ(m->platform_status, TcbStatus::up_to_date);
    ASSERT_TRUE(m->module_status);
    EXPECT_EQ(*m->module_status, c.want);
    EXPECT_EQ(m->module_tcb_date, c.date);
  }
  auto adv = match_tcb_level(info, pck(5, 13), td_body(2, 1, 5));
  ASSERT_TRUE(adv);
  EXPECT_EQ(adv->module_advisory_ids, std::vector<std::string>{"INTEL-SA-01036"});
  // Index 2 still counts.
  auto low2 = match_tcb_level(info, pck(5, 13), td_body(9, 1, 4));
  ASSERT_TRUE(low2);
  EXPECT_EQ(low2->level_index, 4u);

  auto no_id = match_tcb_level(info, pck(5, 13), td_body(4, 2, 5));
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().code, "tdx.module_identity_not_found");
  EXPECT_NE(no_id.error().message.find("TDX_02"), std::string::npos);
  auto no_level = match_tcb_level(info, pck(5, 13), td_body(2, 3, 5));  // TDX_03 starts at isvsvn 3
  ASSERT_FALSE(no_level);
  EXPECT_EQ(no_level.error().code, "tdx.tcb_level_not_found");
  // The identity id matches case-insensitively (QVL upper-cases it).
  TcbInfo lower = info;
  lower.tdx_module_identities[1].id = "tdx_01";
  EXPECT_TRUE(match_tcb_level(lower, pck(5, 13), td_body(4, 1, 5)));
  // Without module identities (the 2023 TCB info shape) a module major version cannot be matched.
  TcbInfo old = info;
  old.tdx_module_identities.clear();
  auto none = match_tcb_level(old, pck(5, 13), td_body(4, 1, 5));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "tdx.module_identity_not_found");

  // MRSIGNERSEAM and masked SEAMATTRIBUTES, against the identity (major > 0) or tdxModule (major 0).
  for (int major_i : {0, 1}) {
    const auto major = static_cast<std::uint8_t>(major_i);
    TdQuoteBody b = td_body(5, major, 5);
    b.mrsigner_seam[47] = 1;
    auto m = match_tcb_level(info, pck(5, 13), b);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, "tdx.module_identity_mismatch");
    b = td_body(5, major, 5);
    b.seam_attributes[7] = 0x80;
    m = match_tcb_level(info, pck(5, 13), b);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, "tdx.module_identity_mismatch");
    TcbInfo masked = info;
    masked.tdx_module->attributes_mask[7] = 0x7F;
    masked.tdx_module_identities[1].attributes_mask[7] = 0x7F;
    EXPECT_TRUE(match_tcb_level(masked, pck(5, 13), b)) << "bit outside the mask";
  }
}

TEST(TdxCollateral, QeIdentityMatching) {
  const QeIdentity qe = sim_qe();
  EXPECT_EQ(qe.id, "TD_QE");
  EXPECT_EQ(qe.isvprodid, 2);
  EXPECT_EQ(qe.miscselect_mask, 0xFFFFFFFFu);
  struct Case {
    std::uint16_t isvsvn;
    TcbStatus want;
  };
  for (auto c :
       {Case{4, TcbStatus::up_to_date}, Case{7, TcbStatus::up_to_date}, Case{3, TcbStatus::out_of_date},
        Case{2, TcbStatus::out_of_date}, Case{1, TcbStatus::revoked}}) {
    auto m = match_qe_identity(qe, qe_report(c.isvsvn));
    ASSERT_TRUE(m) << c.isvsvn << ": " << m.error().message;
    EXPECT_EQ(m->status, c.want) << c.isvsvn;
  }
  auto none = match_qe_identity(qe, qe_report(0));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "tdx.qe_tcb_level_not_found");

  SgxReportBody r = qe_report(4);
  r.attributes[0] = 0x15;  // bit 2 of byte 0 is outside the mask FB
  r.attributes[8] = 0xFF;  // bytes 8..15 are not masked in
  EXPECT_TRUE(match_qe_identity(qe, r));
  auto mismatch = [&](auto mutate) {
    SgxReportBody x = qe_report(4);
    mutate(x);
    auto m = match_qe_identity(qe, x);
    return !m && m.error().code == "tdx.qe_identity_mismatch";
  };
  EXPECT_TRUE(mismatch([](SgxReportBody& x) { x.mrsigner[31] ^= 1; }));
  EXPECT_TRUE(mismatch([](SgxReportBody& x) { x.isvprodid = 1; }));
  EXPECT_TRUE(mismatch([](SgxReportBody& x) { x.miscselect = 1; }));
  EXPECT_TRUE(mismatch([](SgxReportBody& x) { x.attributes[0] = 0x13; }));
  EXPECT_TRUE(mismatch([](SgxReportBody& x) { x.attributes[0] = 0x01; }));
}

TEST(TdxCollateral, ConvergenceTable) {
  using S = TcbStatus;
  // QVL convergeTcbStatusWithQeTcbStatus / ...WithTdxModuleStatus when the other status is OutOfDate.
  auto with_out_of_date = [](S s) {
    switch (s) {
      case S::up_to_date:
      case S::sw_hardening_needed:
        return S::out_of_date;
      case S::configuration_needed:
      case S::configuration_and_sw_hardening_needed:
        return S::out_of_date_configuration_needed;
      default:
        return s;
    }
  };
  for (S p : kAllTcbStatuses) {
    SCOPED_TRACE(std::string(tcb_status_name(p)));
    EXPECT_EQ(converge_tcb_status(p, std::nullopt, S::up_to_date), p);
    EXPECT_EQ(converge_tcb_status(p, S::up_to_date, S::up_to_date), p);
    EXPECT_EQ(converge_tcb_status(p, std::nullopt, S::out_of_date), with_out_of_date(p));
    EXPECT_EQ(converge_tcb_status(p, S::out_of_date, S::up_to_date), with_out_of_date(p));
    EXPECT_EQ(converge_tcb_status(p, S::out_of_date, S::out_of_date), with_out_of_date(p));
    EXPECT_EQ(converge_tcb_status(p, std::nullopt, S::revoked), S::revoked);
    EXPECT_EQ(converge_tcb_status(p, S::revoked, S::up_to_date), S::revoked);
    EXPECT_EQ(converge_tcb_status(p, S::up_to_date, S::revoked), S::revoked);
  }
  // Spelled out.
  EXPECT_EQ(converge_tcb_status(S::up_to_date, std::nullopt, S::out_of_date), S::out_of_date);
  EXPECT_EQ(converge_tcb_status(S::sw_hardening_needed, S::out_of_date, S::up_to_date), S::out_of_date);
  EXPECT_EQ(converge_tcb_status(S::configuration_needed, std::nullopt, S::out_of_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_tcb_status(S::configuration_and_sw_hardening_needed, S::out_of_date, S::up_to_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_tcb_status(S::revoked, S::out_of_date, S::out_of_date), S::revoked);
  EXPECT_EQ(converge_tcb_status(S::out_of_date_configuration_needed, S::out_of_date, S::up_to_date),
            S::out_of_date_configuration_needed);
  EXPECT_EQ(converge_tcb_status(S::up_to_date, S::up_to_date, S::up_to_date), S::up_to_date);
}

TEST(TdxCollateral, MalformedBodiesAreRejected) {
  IntelAuthority a("seed");
  const std::string body = sign_tcb_info(sim_info(), a.tcb_signing_key());
  ASSERT_TRUE(parse_tcb_info(body));

  // Every truncation.
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto r = parse_tcb_info(std::string_view(body).substr(0, n));
    ASSERT_FALSE(r) << n;
    ASSERT_EQ(r.error().code, "tdx.collateral_invalid") << n;
  }

  // Field-level corruption: (from, to, what). Each names the field in the message.
  struct Edit {
    std::string from, to, field;
  };
  const Edit edits[] = {
      {"\"version\":3", "\"version\":\"3\"", "version"},
      {"\"version\":3", "\"version\":-3", "version"},
      {"\"version\":3", "\"version\":3.5", "version"},
      {"\"version\":3", "\"version\":99999999999999999999999999", "version"},
      {"\"version\":3", "\"version\":1e400", ""},  // out of double range: not valid JSON for nlohmann
      {"\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":4294967296", "tcbEvaluationDataNumber"},
      {"\"tcbType\":0", "\"tcbType\":null", "tcbType"},
      {"\"fmspc\":\"90c06f000000\"", "\"fmspc\":\"90c06f00000\"", "fmspc"},
      {"\"fmspc\":\"90c06f000000\"", "\"fmspc\":\"90c06f0000zz\"", "fmspc"},
      {"\"fmspc\":\"90c06f000000\"", "\"fmspc\":9", "fmspc"},
      {"\"pceId\":\"0000\"", "\"pceId\":\"000000\"", "pceId"},
      {"\"issueDate\":\"2026-02-01T14:49:26Z\"", "\"issueDate\":\"2026-02-01\"", "issueDate"},
      {"\"issueDate\":\"2026-02-01T14:49:26Z\"", "\"issueDate\":\"2026-13-01T14:49:26Z\"", "issueDate"},
      {"\"nextUpdate\":\"2026-03-03T14:49:26Z\"", "\"nextUpdate\":\"2026-03-03T14:49:26Zjunk\"",
       "nextUpdate"},
      {"\"attributesMask\":\"FFFFFFFFFFFFFFFF\"", "\"attributesMask\":\"FFFF\"", "tdxModule.attributesMask"},
      {"\"tdxModule\":{", "\"tdxModule\":[{", ""},  // breaks the JSON
      {"\"tdxModule\":{\"mrsigner\":\"", "\"tdxModule\":7,\"x\":{\"mrsigner\":\"", "tdxModule"},
      {"\"id\":\"TDX_03\"", "\"id\":3", "tdxModuleIdentities[0].id"},
      {"{\"tcb\":{\"isvsvn\":3}", "{\"tcb\":{\"isvsvn\":256}",
       "tdxModuleIdentities[0].tcbLevels[0].tcb.isvsvn"},
      {"\"pcesvn\":13", "\"pcesvn\":65536", "tcbLevels[0].tcb.pcesvn"},
      {"\"pcesvn\":13", "\"pcesvn\":true", "tcbLevels[0].tcb.pcesvn"},
      {"[{\"svn\":5,", "[{\"svn\":256,", "tcbLevels[0].tcb.sgxtcbcomponents[0].svn"},
      {"[{\"svn\":5,", "[{\"svn\":\"5\",", "tcbLevels[0].tcb.sgxtcbcomponents[0].svn"},
      {"[{\"svn\":5,\"category\":\"BIOS\"", "[{\"svn\":5,\"category\":1", "sgxtcbcomponents[0].category"},
      {"[{\"svn\":5,", "[{\"svm\":5,", "tcbLevels[0].tcb.sgxtcbcomponents[0].svn"},
      {"[{\"svn\":5,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"},", "[", "sgxtcbcomponents"},
      {"\"tcbStatus\":\"UpToDate\"}", "\"tcbStatus\":\"Fine\"}", "tcbStatus"},
      {"\"tcbStatus\":\"UpToDate\"}", "\"tcbStatus\":[]}", "tcbStatus"},
      {"\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":\"INTEL-SA-00615\"", "advisoryIDs"},
      {"\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":[615]", "advisoryIDs[0]"},
      {"\"tcbLevels\":[{\"tcb\":{\"sgx", "\"tcbLevels\":[],\"x\":[{\"tcb\":{\"sgx", "tcbLevels"},
      {"\"tcbLevels\":[{\"tcb\":{\"sgx", "\"tcbLevels\":{},\"x\":[{\"tcb\":{\"sgx", "tcbLevels"},
      {"\"tcbLevels\":[{\"tcb\":{\"sgx", "\"tcbLevels\":[7,{\"tcb\":{\"sgx", "tcbLevels[0]"},
  };
  for (const auto& e : edits) {
    SCOPED_TRACE(e.to);
    const std::string bad = replace_once(body, e.from, e.to);
    auto r = parse_tcb_info(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tdx.collateral_invalid");
    EXPECT_NE(r.error().message.find(e.field), std::string::npos) << r.error().message;
  }

  // Every required member missing (optional: tdxModule, tdxModuleIdentities).
  auto split = split_signed_body(body, "tcbInfo");
  ASSERT_TRUE(split);
  const auto inner = nlohmann::ordered_json::parse(split->signed_bytes);
  for (const auto& [key, value] : inner.items()) {
    auto without = inner;
    without.erase(key);
    const std::string b =
        "{\"tcbInfo\":" + without.dump() + ",\"signature\":\"" + std::string(128, '0') + "\"}";
    auto r = parse_tcb_info(b);
    if (key == "tdxModule" || key == "tdxModuleIdentities") {
      EXPECT_TRUE(r) << key;
    } else {
      ASSERT_FALSE(r) << key;
      EXPECT_EQ(r.error().code, "tdx.collateral_invalid");
      EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
    }
  }
  // The level members, and tdxtcbcomponents is required for a TDX TCB info.
  for (const char* key : {"tcb", "tcbDate", "tcbStatus"}) {
    auto without = inner;
    without["tcbLevels"][0].erase(key);
    const std::string b =
        "{\"tcbInfo\":" + without.dump() + ",\"signature\":\"" + std::string(128, '0') + "\"}";
    expect_invalid(b, key);
  }
  {
    auto without = inner;
    without["tcbLevels"][2]["tcb"].erase("tdxtcbcomponents");
    expect_invalid("{\"tcbInfo\":" + without.dump() + ",\"signature\":\"" + std::string(128, '0') + "\"}",
                   "tdxtcbcomponents");
  }

  // Deep nesting and non-objects never reach a recursive parser.
  expect_invalid("{\"tcbInfo\":" + std::string(100000, '[') + ",\"signature\":\"\"}", "deep");
  expect_invalid("{\"tcbInfo\":{\"x\":" + std::string(200, '[') + std::string(200, ']') +
                     "},\"signature\":\"" + std::string(128, '0') + "\"}",
                 "deep inner");
  expect_invalid(
      std::string("{\"tcbInfo\":{\"id\":\"TDX\xff\"},\"signature\":\"") + std::string(128, '0') + "\"}",
      "invalid UTF-8");

  // QE identity fields.
  const std::string qe = sign_qe_identity(sim_qe(), a.tcb_signing_key());
  ASSERT_TRUE(parse_qe_identity(qe));
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"isvprodid\":2", "\"isvprodid\":65536"},
           {"\"isvprodid\":2", "\"isvprodid\":-2"},
           {"\"miscselect\":\"00000000\"", "\"miscselect\":\"0000000\""},
           {"\"miscselectMask\":\"FFFFFFFF\"", "\"miscselectMask\":\"FFFFFFFG\""},
           {"\"mrsigner\":\"DC9E", "\"mrsigner\":\"DC9EDC9E"},
           {"\"attributes\":\"11", "\"attributes\":\"1"},
           {"{\"tcb\":{\"isvsvn\":4}", "{\"tcb\":{\"isvsvn\":70000}"},
           {"{\"tcb\":{\"isvsvn\":4}", "{\"tcb\":4"},
           {"\"tcbStatus\":\"Revoked\"", "\"tcbStatus\":\"revoked\""},
           {"\"tcbLevels\":[", "\"tcbLevels\":[],\"x\":["},
       }) {
    auto r = parse_qe_identity(replace_once(qe, from, to));
    ASSERT_FALSE(r) << to;
    EXPECT_EQ(r.error().code, "tdx.collateral_invalid") << to;
  }
  for (std::size_t n = 0; n < qe.size(); ++n) {
    auto r = parse_qe_identity(std::string_view(qe).substr(0, n));
    ASSERT_FALSE(r) << n;
    ASSERT_EQ(r.error().code, "tdx.collateral_invalid") << n;
  }
}

TEST(TdxCollateral, UnknownFieldsAreIgnored) {
  IntelAuthority a("seed");
  const std::string body = replace_once(sign_tcb_info(sim_info(), a.tcb_signing_key()), "\"tcbType\":0",
                                        "\"tcbType\":0,\"future\":{\"a\":[1]}");
  auto r = parse_tcb_info(body);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, sim_info());
}

TEST(TdxCollateral, RandomMutationsNeverCrash) {
  IntelAuthority a("seed");
  const std::string bodies[] = {sign_tcb_info(sim_info(), a.tcb_signing_key()),
                                sign_qe_identity(sim_qe(), a.tcb_signing_key())};
  const char alphabet[] = "{}[]\",:\\0123456789-eE.aZ \xff";
  std::uint32_t x = 12345;  // xorshift: deterministic
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  for (const auto& body : bodies) {
    for (int i = 0; i < 3000; ++i) {
      std::string m = body;
      const int edits = 1 + static_cast<int>(next() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = next() % m.size();
        const char c = alphabet[next() % (sizeof(alphabet) - 1)];
        switch (next() % 3) {
          case 0:
            m[at] = c;
            break;
          case 1:
            m.insert(at, 1, c);
            break;
          default:
            m.erase(at, 1 + next() % 8);
            break;
        }
      }
      auto t = parse_tcb_info(m);
      if (!t) {
        EXPECT_EQ(t.error().code, "tdx.collateral_invalid");
      }
      auto q = parse_qe_identity(m);
      if (!q) {
        EXPECT_EQ(q.error().code, "tdx.collateral_invalid");
      }
      for (const char* key : {"tcbInfo", "enclaveIdentity"}) {
        auto s = split_signed_body(m, key);
        if (!s) {
          EXPECT_EQ(s.error().code, "tdx.collateral_invalid");
        }
      }
    }
  }
}
