// CC event log on synthetic logs: parse/encode round trip, the padding that ends a CCEL area, RTMR
// replay against a hand-computed extend chain, truncation at every length, and the claims' shape.
#include "tdx/eventlog.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"

using namespace coco;
using namespace coco::tdx;

namespace {

Bytes text(std::string_view s) {
  return to_bytes(as_bytes(s));
}

Event measured(std::uint32_t index, std::uint32_t type, Bytes data) {
  Event e;
  e.index = index;
  e.type = type;
  e.digests.push_back({kTpmAlgSha384, sha384(data)});
  e.data = std::move(data);
  return e;
}

EventLog sample_log() {
  EventLog log;
  log.spec_id.algorithms = {{kTpmAlgSha384, 48}};
  log.spec_id.vendor_info = text("test");
  log.events.push_back(measured(1, 0x80000007, text("Calling EFI Application from Boot Option")));
  log.events.push_back(measured(1, kEvSeparator, Bytes(4, 0)));
  log.events.push_back(measured(2, kEvSeparator, Bytes(4, 0)));
  Event tag = measured(3, 0x6, {});
  // TCG_PCClientTaggedEvent: id, size, "Linux initrd\0"; its digest is of the initrd, not this data.
  tag.data = {0xec, 0x22, 0x3b, 0x8f, 13, 0, 0, 0};
  for (char c : std::string_view("Linux initrd\0", 13)) tag.data.push_back(static_cast<std::uint8_t>(c));
  tag.digests[0].digest = sha384(text("initrd"));
  log.events.push_back(tag);
  log.events.push_back(measured(4, kEvNoAction, text("not extended")));
  log.events.push_back(measured(0, kEvSeparator, Bytes(4, 0)));  // MRTD: not an RTMR
  return log;
}

Rtmr extend(const Rtmr& m, const Bytes& digest) {
  Bytes in(m.begin(), m.end());
  in.insert(in.end(), digest.begin(), digest.end());
  Rtmr out{};
  const Bytes h = sha384(in);
  std::copy(h.begin(), h.end(), out.begin());
  return out;
}

}  // namespace

TEST(TdxEventLog, RoundTripsAndStopsAtPadding) {
  const EventLog log = sample_log();
  const Bytes raw = encode_eventlog(log);
  for (std::uint8_t pad : {std::uint8_t{0x00}, std::uint8_t{0xFF}}) {
    Bytes area = raw;
    area.resize(raw.size() + 4096, pad);
    auto back = parse_eventlog(area);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->spec_id, log.spec_id);
    EXPECT_EQ(back->events, log.events);
    EXPECT_EQ(back->size, raw.size());
    EXPECT_EQ(encode_eventlog(*back), raw);
  }
  auto exact = parse_eventlog(raw);  // a log that fills its buffer exactly
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->events.size(), log.events.size());
}

TEST(TdxEventLog, ReplayExtendsSha384FromZeroPerRtmr) {
  const EventLog log = sample_log();
  Rtmr r0{}, r1{}, r2{};
  r0 = extend(r0, log.events[0].digests[0].digest);
  r0 = extend(r0, log.events[1].digests[0].digest);
  r1 = extend(r1, log.events[2].digests[0].digest);
  r2 = extend(r2, log.events[3].digests[0].digest);
  const auto got = replay_rtmrs(log);
  EXPECT_EQ(got[0], r0);
  EXPECT_EQ(got[1], r1);
  EXPECT_EQ(got[2], r2);
  EXPECT_EQ(got[3], Rtmr{});  // only an EV_NO_ACTION event at index 4
}

TEST(TdxEventLog, TruncationAtEveryLengthIsNamedOrABoundary) {
  const EventLog log = sample_log();
  const Bytes raw = encode_eventlog(log);
  for (std::size_t n = 0; n < raw.size(); ++n) {
    auto r = parse_eventlog(ByteView(raw).first(n));
    if (r) {
      // Only a cut at an event boundary parses (or one leaving a few zero bytes, which read as padding:
      // the MRTD event starts with index 0): a prefix of the events.
      EXPECT_LE(r->size, n);
      EXPECT_LT(n - r->size, 8u);
      ASSERT_LT(r->events.size(), log.events.size());
      EXPECT_TRUE(std::equal(r->events.begin(), r->events.end(), log.events.begin()));
    } else {
      EXPECT_EQ(r.error().code, "tdx.eventlog_truncated") << n << ": " << r.error().message;
    }
  }
}

TEST(TdxEventLog, RejectsBadHeadersAndUnknownDigestAlgorithms) {
  const Bytes raw = encode_eventlog(sample_log());
  Bytes not_no_action = raw;
  not_no_action[4] = 0x04;
  EXPECT_EQ(parse_eventlog(not_no_action).error().code, "tdx.eventlog_invalid");
  Bytes bad_signature = raw;
  bad_signature[32 + 8] ^= 0x01;  // "Spec ID Event03" -> "Spec ID Event13"
  EXPECT_EQ(parse_eventlog(bad_signature).error().code, "tdx.eventlog_invalid");

  EventLog other = sample_log();
  other.events[0].digests[0].alg = kTpmAlgSha256;  // not in the header's list
  EXPECT_EQ(parse_eventlog(encode_eventlog(other)).error().code, "tdx.eventlog_invalid");

  EventLog none = sample_log();
  none.spec_id.algorithms.clear();
  EXPECT_EQ(parse_eventlog(encode_eventlog(none)).error().code, "tdx.eventlog_invalid");
}

TEST(TdxEventLog, ClaimsShape) {
  const auto claims = trustee_eventlog_claims(sample_log());
  ASSERT_EQ(claims.size(), 6u);
  const auto& a = claims[0];
  EXPECT_EQ(a["index"], 1);
  EXPECT_EQ(a["type_name"], "EV_EFI_ACTION");
  EXPECT_EQ(a["digests"][0]["alg"], "SHA-384");
  EXPECT_EQ(a["digests"][0]["digest"], hex_encode(sample_log().events[0].digests[0].digest));
  EXPECT_EQ(a["event"], base64_encode(text("Calling EFI Application from Boot Option")));
  EXPECT_EQ(a["details"], (nlohmann::json{{"string", "Calling EFI Application from Boot Option"}}));
  EXPECT_EQ(a["digest_matches_event"], true);
  EXPECT_EQ(claims[1]["details"], nlohmann::json::object());
  EXPECT_EQ(claims[3]["details"], (nlohmann::json{{"string", "Linux initrd"}}));
  EXPECT_EQ(claims[3]["digest_matches_event"], false);
  EXPECT_EQ(event_type_name(0x12345678), "EV_UNKNOWN_0x12345678");
}

TEST(TdxEventLog, DetailsOfMalformedEventDataAreEmptyNotFatal) {
  for (std::uint32_t type : {0x6u, 0xAu, 0xDu, 0x8000000Au, 0x80000001u, 0x80000003u, 0x80000007u}) {
    for (std::size_t n = 0; n < 40; ++n) {
      Event e;
      e.type = type;
      e.data.assign(n, 0xFF);
      EXPECT_TRUE(trustee_event_details(e).is_object());
    }
  }
}

TEST(TdxEventLog, IplDetailsForShimGrubAndGceForms) {
  auto details = [](Bytes data) {
    Event e;
    e.type = 0xD;
    e.data = std::move(data);
    return trustee_event_details(e);
  };
  EXPECT_EQ(details(text(std::string_view("MokList\0", 8))), (nlohmann::json{{"string", "MokList"}}));
  EXPECT_EQ(details(text("grub_cmd: set timeout=0")),
            (nlohmann::json{{"string", "grub_cmd: set timeout=0"}}));
  // GCE: ".\0" then UTF-16LE "linux" and a UTF-16 NUL.
  EXPECT_EQ(details({0x2e, 0, 'l', 0, 'i', 0, 'n', 0, 'u', 0, 'x', 0, 0, 0}),
            (nlohmann::json{{"string", "linux"}}));
  EXPECT_EQ(details({0xff, 0xfe, 0x00}), (nlohmann::json{{"string", "fffe00"}}));  // not UTF-8: hex
  EXPECT_EQ(details({0x2e, 0, 0}), nlohmann::json::object());                      // odd UTF-16 length
  EXPECT_EQ(details({0x41}), nlohmann::json::object());
}
