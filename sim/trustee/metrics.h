// The KBS's Prometheus metrics with Trustee's names (kbs/docs/metrics.md), rendered in the text exposition
// format at /metrics. Only requests under /kbs are counted, as Trustee's middleware does.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace coco::trustee {

class Metrics {
 public:
  enum Counter {
    http_requests,
    policy_evaluations,
    policy_approvals,
    policy_violations,
    policy_errors,
    attestation_requests,
    attestation_errors,
    auth_requests,
    auth_successes,
    auth_errors,
    kCounterCount,
  };

  void inc(Counter c) { counters_[c].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t get(Counter c) const { return counters_[c].load(std::memory_order_relaxed); }
  void attestation_result(const std::string& tee, bool success);
  void resource_read(const std::string& path);
  void resource_write(const std::string& path);
  void request_done(double seconds, std::size_t request_bytes, std::size_t response_bytes);
  void connection_delta(int d) { active_.fetch_add(d, std::memory_order_relaxed); }

  std::string render(const std::string& version) const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;  // per bucket (non-cumulative), plus +Inf last
    double sum = 0;
    std::uint64_t n = 0;
    void observe(double v);
  };
  std::array<std::atomic<std::uint64_t>, kCounterCount> counters_{};
  std::atomic<std::int64_t> active_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> successes_, failures_, reads_, writes_;
  Histogram duration_{{0.0005, 0.001, 0.005, 0.01, 0.05, 0.5, 1}, std::vector<std::uint64_t>(8), 0, 0};
  Histogram request_size_{{32, 128, 512, 2048, 8192}, std::vector<std::uint64_t>(6), 0, 0};
  Histogram response_size_{{32, 128, 512, 2048, 8192}, std::vector<std::uint64_t>(6), 0, 0};
};

}  // namespace coco::trustee
