// Waiting for Ctrl-C in the `serve` commands: SIGINT/SIGTERM are blocked before the server's threads start
// (they inherit the mask) and taken synchronously, so a signal never kills the process mid-response.
#pragma once

#include <pthread.h>

#include <csignal>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

namespace coco::cli {

// Blocks SIGINT/SIGTERM in this thread and in every thread started after (the server's), so that they
// are taken by sigtimedwait below instead of killing the process mid-response.
class SignalGate {
 public:
  SignalGate() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalGate() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalGate(const SignalGate&) = delete;
  SignalGate& operator=(const SignalGate&) = delete;

  // Waits for SIGINT/SIGTERM, or `seconds` (> 0) at most. Returns the signal, or 0 on timeout.
  int wait(double seconds) {
    const bool forever = seconds <= 0;
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += static_cast<time_t>(seconds);
    deadline.tv_nsec +=
        static_cast<long>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9);
    if (deadline.tv_nsec >= 1'000'000'000L) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= 1'000'000'000L;
    }
    // Sliced waits: EINTR (a debugger, SIGCHLD...) only costs a loop turn.
    for (;;) {
      timespec slice{1, 0};
      if (!forever) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left_ns = (static_cast<long long>(deadline.tv_sec) - now.tv_sec) * 1'000'000'000LL +
                            (deadline.tv_nsec - now.tv_nsec);
        if (left_ns <= 0) return 0;
        if (left_ns < 1'000'000'000LL) slice = {0, static_cast<long>(left_ns)};
      }
      int sig = sigtimedwait(&set_, nullptr, &slice);
      if (sig > 0) return sig;
    }
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

// The `serve` commands' announce-and-wait: prints the service's URL (or `json` with --json) so a script can
// read it, says on stderr that `what` listens (with `detail`), waits for a signal or `duration` seconds, and
// returns the line that starts the closing report ("stopped by signal" / "duration elapsed").
std::string announce_and_wait(SignalGate& gate, const std::string& what, const std::string& url,
                              const nlohmann::json& json, double duration);

}  // namespace coco::cli
