// Real CCEL logs from shared/corpus: they parse, replay to the RTMRs MANIFEST.json records (and, for the
// go-tdx-guest COS log, to its quote's RTMRs), and give Trustee's expected uefi_event_logs claims.
// trustee_CCEL_data does NOT replay to trustee_tdx_quote_4.dat's RTMRs (MANIFEST note): Trustee pairs
// them only for claim parsing, so that pair is checked for claims, not RTMRs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/test_support.h"
#include "tdx/eventlog.h"
#include "tdx/quote.h"

using namespace coco;
using namespace coco::tdx;
using test::corpus_file;

namespace {

nlohmann::json read_json(const std::string& rel) {
  std::ifstream in(test::shared_dir() / "corpus" / rel);
  return nlohmann::json::parse(in);
}

nlohmann::json facts_of(const std::string& path) {
  const nlohmann::json m = read_json("MANIFEST.json");
  for (const auto& e : m["entries"])
    if (e["path"] == path) return e["facts"];
  return nullptr;
}

EventLog parse_or_die(const std::string& rel) {
  auto r = parse_eventlog(corpus_file(rel));
  if (!r) throw std::runtime_error(rel + ": " + r.error().message);
  return *r;
}

// Compares entry by entry so a failure names the event and field instead of dumping 14 KiB.
void expect_claims(const nlohmann::json& got, const nlohmann::json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    for (const auto& [key, value] : want[i].items())
      EXPECT_EQ(got[i][key], value) << "event " << i << " (" << want[i]["type_name"] << "), " << key;
  EXPECT_EQ(got, want);
}

}  // namespace

TEST(TdxEventLogCorpus, AllLogsParseAndEndAtPadding) {
  COCO_REQUIRE_CORPUS();
  const std::pair<const char*, std::size_t> logs[] = {
      {"tdx/trustee_CCEL_data", 5},
      {"tdx/trustee_CCEL_data_ovmf", 20},
      {"tdx/go-tdx-guest_ccel/ccel_data.dat", 43},
  };
  for (const auto& [path, count] : logs) {
    SCOPED_TRACE(path);
    const Bytes raw = corpus_file(path);
    auto log = parse_eventlog(raw);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_EQ(log->events.size(), count);
    ASSERT_EQ(log->spec_id.algorithms.size(), 1u);
    EXPECT_EQ(log->spec_id.algorithms[0], (SpecIdAlgorithm{kTpmAlgSha384, 48}));
    // Lossless up to the padding, and everything after it is padding.
    const Bytes enc = encode_eventlog(*log);
    ASSERT_EQ(enc.size(), log->size);
    EXPECT_TRUE(std::equal(enc.begin(), enc.end(), raw.begin()));
    const std::uint8_t pad = raw[log->size];
    EXPECT_TRUE(std::all_of(raw.begin() + static_cast<std::ptrdiff_t>(log->size), raw.end(),
                            [pad](std::uint8_t b) { return b == pad; }));
  }
}

TEST(TdxEventLogCorpus, ReplayMatchesManifest) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : {"tdx/trustee_CCEL_data", "tdx/trustee_CCEL_data_ovmf"}) {
    SCOPED_TRACE(path);
    const auto want = facts_of(path)["expected_rtmr_replay"];
    ASSERT_TRUE(want.is_object());
    const auto got = replay_rtmrs(parse_or_die(path));
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(hex_encode(got[static_cast<std::size_t>(i)]), want["rtmr" + std::to_string(i)]) << i;
  }
}

TEST(TdxEventLogCorpus, CosLogReplaysToItsQuoteRtmrs) {
  COCO_REQUIRE_CORPUS();
  auto quote = parse_quote(corpus_file("tdx/go-tdx-guest_ccel/cos-113-tdx-quote.dat"));
  ASSERT_TRUE(quote) << quote.error().message;
  const auto got = replay_rtmrs(parse_or_die("tdx/go-tdx-guest_ccel/ccel_data.dat"));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i], quote->body.rtmr[i]) << "RTMR" << i;
}

TEST(TdxEventLogCorpus, TrusteeQuote4IsNotTheReplayOfCcelData) {
  // Recorded so nobody "fixes" the replay to match: the pair shares claims tests only.
  COCO_REQUIRE_CORPUS();
  auto quote = parse_quote(corpus_file("tdx/trustee_tdx_quote_4.dat"));
  ASSERT_TRUE(quote) << quote.error().message;
  const auto got = replay_rtmrs(parse_or_die("tdx/trustee_CCEL_data"));
  EXPECT_NE(got[0], quote->body.rtmr[0]);
}

TEST(TdxEventLogCorpus, TrusteeClaimsForCcelData) {
  COCO_REQUIRE_CORPUS();
  const auto got = trustee_eventlog_claims(parse_or_die("tdx/trustee_CCEL_data"));
  expect_claims(got, read_json("tdx/trustee_CCEL_data_out.json")["uefi_event_logs"]);
  // The same array is what Trustee's parse_tdx_claims gives for quote 4 + CCEL_data.
  expect_claims(got, read_json("tdx/trustee_parse_tdx_claims_expected.json")["uefi_event_logs"]);
}

TEST(TdxEventLogCorpus, TrusteeClaimsForOvmfLog) {
  COCO_REQUIRE_CORPUS();
  const auto got = trustee_eventlog_claims(parse_or_die("tdx/trustee_CCEL_data_ovmf"));
  expect_claims(got, read_json("tdx/trustee_CCEL_data_ovmf_out.json")["uefi_event_logs"]);
}

TEST(TdxEventLogCorpus, TruncatedCorpusLogGivesNamedErrors) {
  COCO_REQUIRE_CORPUS();
  const Bytes raw = corpus_file("tdx/trustee_CCEL_data_ovmf");
  const std::size_t end = parse_or_die("tdx/trustee_CCEL_data_ovmf").size;
  for (std::size_t n = 0; n < end; ++n) {
    auto r = parse_eventlog(ByteView(raw).first(n));
    if (!r) {
      EXPECT_EQ(r.error().code, "tdx.eventlog_truncated") << n;
    }
  }
}

TEST(TdxEventLogCorpus, CosLogClaimsDecodeEveryEvent) {
  // No Trustee expected output exists for this log; this pins the decoded forms checked by hand.
  COCO_REQUIRE_CORPUS();
  const auto got = trustee_eventlog_claims(parse_or_die("tdx/go-tdx-guest_ccel/ccel_data.dat"));
  ASSERT_EQ(got.size(), 43u);
  EXPECT_EQ(got[1]["details"], (nlohmann::json{{"string", "Fv(48DB5E17-707C-472D-91CD-1613E7EF51B0)"}}));
  EXPECT_EQ(got[20]["type_name"], "EV_EFI_VARIABLE_AUTHORITY");
  EXPECT_EQ(got[20]["details"]["unicode_name"], "SbatLevel");
  EXPECT_EQ(
      got[23]["details"],
      (nlohmann::json{{"device_paths", nlohmann::json::array({"File(\\EFI\\BOOT\\grub-lakitu.efi)"})}}));
  EXPECT_EQ(got[24]["type_name"], "EV_IPL");
  EXPECT_EQ(got[24]["details"], (nlohmann::json{{"string", "/efi/boot/grub.cfg"}}));
  for (const auto& e : got) EXPECT_FALSE(e["type_name"].get<std::string>().starts_with("EV_UNKNOWN"));
}
