// Fuzz target: the CC event log parser, RTMR replay and Trustee's event-log claims.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "tdx/eventlog.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::tdx;
  auto log = parse_eventlog(coco::ByteView(data, size));
  if (!log) return 0;
  // Lossless up to the padding: the log re-encodes to the bytes it was parsed from.
  const coco::Bytes back = encode_eventlog(*log);
  if (back.size() != log->size || log->size > size || !std::equal(back.begin(), back.end(), data))
    std::abort();
  (void)replay_rtmrs(*log);
  (void)trustee_eventlog_claims(*log).dump();
  return 0;
}
