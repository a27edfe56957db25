#include "core/fault.h"

#include <algorithm>
#include <cctype>

namespace coco {

std::string_view fault_name(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::down:
      return "down";
    case Fault::slow:
      return "slow";
    case Fault::status_404:
      return "404";
    case Fault::status_429:
      return "429";
    case Fault::status_500:
      return "500";
    case Fault::wrong_answer:
      return "wrong";
  }
  return "none";
}

Result<Fault> parse_fault(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "none" || n.empty()) return Fault::none;
  if (n == "down") return Fault::down;
  if (n == "slow") return Fault::slow;
  if (n == "404" || n == "status_404") return Fault::status_404;
  if (n == "429" || n == "status_429") return Fault::status_429;
  if (n == "500" || n == "status_500") return Fault::status_500;
  if (n == "wrong" || n == "wrong_answer") return Fault::wrong_answer;
  return make_error("fault.unknown_name",
                    "unknown fault \"" + std::string(name) + "\" (none, down, slow, 404, 429, 500, wrong)");
}

int fault_status(Fault f) {
  switch (f) {
    case Fault::status_404:
      return 404;
    case Fault::status_429:
      return 429;
    case Fault::status_500:
      return 500;
    default:
      return 0;
  }
}

void FaultSwitch::set_slow_delay(std::chrono::milliseconds d) {
  d = std::clamp(d, std::chrono::milliseconds(0), kMaxSlowDelay);
  delay_ms_.store(d.count());
}

}  // namespace coco
