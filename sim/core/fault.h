// Fault injection for the fake vendor services (KDS, PCS, IMDS, ...): a thread-safe switch that a test or
// the CLI flips while a server runs, so clients can be exercised against an unreachable, slow, throttling,
// failing or lying service. HttpServer applies the transport-level faults (down, slow, status codes)
// itself; `wrong_answer` is left to each service, which knows what a plausible wrong answer looks like.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coco {

enum class Fault {
  none,
  down,          // the connection is closed without an answer
  slow,          // the answer is delayed by FaultSwitch::slow_delay()
  status_404,    // answer 404 with a short text body
  status_429,    // answer 429 (Retry-After: 1) with a short text body
  status_500,    // answer 500 with a short text body
  wrong_answer,  // the service answers 200 with plausible but wrong content
};

// "none", "down", "slow", "404", "429", "500", "wrong".
std::string_view fault_name(Fault f);
// Accepts the names above and the enumerator spellings ("status_429", "wrong_answer"), case-insensitive.
// Error: fault.unknown_name.
Result<Fault> parse_fault(std::string_view name);
// The HTTP status a status fault answers with; 0 for the others.
int fault_status(Fault f);

class FaultSwitch {
 public:
  // A slow fault longer than this would only make tests and shutdown wait for nothing.
  static constexpr std::chrono::milliseconds kMaxSlowDelay{60'000};
  static constexpr std::chrono::milliseconds kDefaultSlowDelay{2'000};

  FaultSwitch() = default;
  explicit FaultSwitch(Fault f) : fault_(f) {}
  FaultSwitch(const FaultSwitch&) = delete;
  FaultSwitch& operator=(const FaultSwitch&) = delete;

  void set(Fault f) { fault_.store(f, std::memory_order_relaxed); }
  Fault get() const { return fault_.load(std::memory_order_relaxed); }
  void clear() { set(Fault::none); }
  // Clamped to [0, kMaxSlowDelay].
  void set_slow_delay(std::chrono::milliseconds d);
  std::chrono::milliseconds slow_delay() const { return std::chrono::milliseconds(delay_ms_.load()); }

 private:
  std::atomic<Fault> fault_{Fault::none};
  std::atomic<std::int64_t> delay_ms_{kDefaultSlowDelay.count()};
};

}  // namespace coco
