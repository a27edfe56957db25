// The wall clock as protocols count it: whole seconds since the Unix epoch (JWT iat/exp, session expiry).
#pragma once

#include <chrono>
#include <cstdint>

namespace coco {

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace coco
