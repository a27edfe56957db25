// Trustee's `tdx` verifier in the Attestation Service: TDX evidence JSON in, Trustee's claims out, with
// report_data padded to 64 bytes, MRCONFIGID = init-data digest padded to 48, the CC event log replayed
// against the RTMRs, collateral fetched for the quote's own FMSPC, and named reasons for what fails.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/boot_log.h"
#include "tdx/qe.h"
#include "trustee/verifier.h"

using namespace coco;
using namespace coco::trustee;
using namespace std::chrono_literals;

namespace {

tdx::IntelAuthority& intel() {
  static tdx::IntelAuthority a("tdx-verifier-test");
  return a;
}

// PCS content judging the default platform UpToDate, built in-process (the fetcher below plays the PCS).
tdx::CollateralSet collateral() {
  const SysTime now = std::chrono::system_clock::now();
  tdx::FakePcs pcs(intel(), [&] {
    tdx::PcsContent c;
    const auto fmspc = tdx::default_pck_request().fmspc;
    c.tcb_info_by_fmspc[hex_encode(fmspc)] = tdx::sign_tcb_info(
        tdx::simulated_tcb_info(fmspc, {{0, 13, 4, tdx::TcbStatus::up_to_date, "", {}}}, now - 1h, now + 24h),
        intel().tcb_signing_key());
    c.qe_identity = tdx::sign_qe_identity(
        tdx::simulated_qe_identity({{8, "", tdx::TcbStatus::up_to_date, {}}}, now - 1h, now + 24h),
        intel().tcb_signing_key());
    return c;
  }());
  EXPECT_TRUE(pcs.start());
  auto set = tdx::PcsClient(pcs.url()).fetch(tdx::default_pck_request().fmspc, tdx::PckCa::platform);
  EXPECT_TRUE(set) << set.error().message;
  pcs.stop();
  return *set;
}

struct Guest {
  tdx::TdDescription td;
  Bytes digest = sha384(as_bytes(std::string("runtime data")));
  Bytes init_data = sha256(as_bytes(std::string("init-data")));

  Guest() {
    td.ccel = tdx::simulated_tdvf_ccel({to_bytes(as_bytes(std::string("kernel"))), "console=hvc0", {}});
    std::copy(digest.begin(), digest.end(), td.report_data.begin());
    std::copy(init_data.begin(), init_data.end(), td.mr_config_id.begin());
  }
  nlohmann::json evidence() const {
    tdx::QuotingEnclave qe(intel(), tdx::PlatformSpec{});
    auto q = tdx::generate_quote(qe, td);
    EXPECT_TRUE(q);
    return {{"cc_eventlog", td.ccel ? nlohmann::json(base64_encode(*td.ccel)) : nlohmann::json(nullptr)},
            {"quote", base64_encode(tdx::encode_quote(*q))}};
  }
};

std::shared_ptr<const Verifier> verifier(bool with_collateral) {
  TdxVerifierOptions o;
  o.trusted_roots = {intel().root()};
  if (with_collateral) {
    static const tdx::CollateralSet set = collateral();
    o.fetch_collateral = [](std::array<std::uint8_t, 6> fmspc, tdx::PckCa ca) -> Result<tdx::CollateralSet> {
      EXPECT_EQ(fmspc, tdx::default_pck_request().fmspc);
      EXPECT_EQ(ca, tdx::PckCa::platform);
      return set;
    };
  }
  return make_tdx_verifier(o);
}

}  // namespace

TEST(TdxVerifier, ClaimsInTrusteesShape) {
  Guest g;
  const nlohmann::json ev = g.evidence();
  auto claims = verifier(true)->evaluate({ev, g.digest, g.init_data});
  ASSERT_TRUE(claims) << claims.error().code << ": " << claims.error().message;
  const nlohmann::json& c = *claims;
  EXPECT_EQ(c["report_data"], hex_encode(g.digest) + std::string(32, '0'));   // padded to 64 bytes
  EXPECT_EQ(c["init_data"], hex_encode(g.init_data) + std::string(32, '0'));  // padded to 48 bytes
  EXPECT_EQ(c["quote"]["header"]["tee_type"], "81000000");
  EXPECT_EQ(c["td_attributes"]["debug"], false);
  EXPECT_EQ(c["tcb_status"], "UpToDate");
  EXPECT_EQ(c["collateral_expiration_status"], "0");
  ASSERT_TRUE(c["uefi_event_logs"].is_array());
  EXPECT_EQ(c["uefi_event_logs"].size(), 5U);
  EXPECT_EQ(c["uefi_event_logs"][1]["details"]["device_paths"][0], "File(kernel)");
  // Without a collateral source: chain and signatures only, no DCAP claims.
  auto bare = verifier(false)->evaluate({ev, g.digest, g.init_data});
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_FALSE(bare->contains("tcb_status"));
  // No event log: null is allowed and there are no uefi_event_logs.
  Guest no_log;
  no_log.td.ccel.reset();
  auto without = verifier(true)->evaluate({no_log.evidence(), no_log.digest, no_log.init_data});
  ASSERT_TRUE(without) << without.error().message;
  EXPECT_FALSE(without->contains("uefi_event_logs"));
}

TEST(TdxVerifier, BindingFailuresAreNamed) {
  Guest g;
  const nlohmann::json ev = g.evidence();
  auto wrong_runtime = verifier(true)->evaluate({ev, sha384(as_bytes(std::string("other"))), g.init_data});
  ASSERT_FALSE(wrong_runtime);
  EXPECT_EQ(wrong_runtime.error().code, "tdx.report_data_mismatch");
  auto wrong_init = verifier(true)->evaluate({ev, g.digest, sha256(as_bytes(std::string("other")))});
  ASSERT_FALSE(wrong_init);
  EXPECT_EQ(wrong_init.error().code, "tdx.mr_config_id_mismatch");
  // An event log that is not the one measured into the RTMRs.
  nlohmann::json swapped = ev;
  swapped["cc_eventlog"] =
      base64_encode(tdx::simulated_tdvf_ccel({to_bytes(as_bytes(std::string("evil"))), "", {}}));
  auto replay = verifier(true)->evaluate({swapped, g.digest, g.init_data});
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, "tdx.eventlog_rtmr_mismatch");
}

TEST(TdxVerifier, MalformedEvidenceIsRefusedByName) {
  Guest g;
  const auto v = verifier(false);
  for (const nlohmann::json& bad :
       {nlohmann::json::array(), nlohmann::json{{"quote", 5}}, nlohmann::json{{"quote", "!!"}},
        nlohmann::json{{"quote", "AAAA"}, {"cc_eventlog", 3}}}) {
    auto r = v->evaluate({bad, g.digest, std::nullopt});
    ASSERT_FALSE(r) << bad.dump();
    EXPECT_TRUE(r.error().code == "trustee.evidence_invalid" || r.error().code.rfind("tdx.", 0) == 0)
        << bad.dump() << " -> " << r.error().code;
  }
  Bytes truncated = *base64_decode(g.evidence()["quote"].get<std::string>());
  truncated.resize(100);
  auto short_quote =
      v->evaluate({nlohmann::json{{"quote", base64_encode(truncated)}}, g.digest, std::nullopt});
  ASSERT_FALSE(short_quote);
  EXPECT_EQ(short_quote.error().code, "tdx.quote_truncated");
  // Signed under another root: the first failure names it.
  TdxVerifierOptions real_root;  // Intel's real root pinned
  auto untrusted = make_tdx_verifier(real_root)->evaluate({g.evidence(), g.digest, g.init_data});
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, "tdx.pck_chain_untrusted");
}
