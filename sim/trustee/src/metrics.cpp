#include "trustee/metrics.h"

#include <sstream>
#include <vector>

namespace coco::trustee {

void Metrics::Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++n;
}

void Metrics::attestation_result(const std::string& tee, bool success) {
  std::lock_guard lock(mu_);
  ++(success ? successes_ : failures_)[tee];
}

void Metrics::resource_read(const std::string& path) {
  std::lock_guard lock(mu_);
  ++reads_[path];
}

void Metrics::resource_write(const std::string& path) {
  std::lock_guard lock(mu_);
  ++writes_[path];
}

void Metrics::request_done(double seconds, std::size_t request_bytes, std::size_t response_bytes) {
  std::lock_guard lock(mu_);
  duration_.observe(seconds);
  request_size_.observe(static_cast<double>(request_bytes));
  response_size_.observe(static_cast<double>(response_bytes));
}

namespace {

void counter(std::ostringstream& o, const char* name, const char* help, std::uint64_t v) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
}

void labelled(std::ostringstream& o, const char* name, const char* help, const char* label,
              const std::map<std::string, std::uint64_t>& values) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
  for (const auto& [k, v] : values) o << name << '{' << label << "=\"" << k << "\"} " << v << '\n';
}

template <typename H>
void histogram(std::ostringstream& o, const char* name, const char* help, const H& h) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    o << name << "_bucket{le=\"" << h.bounds[i] << "\"} " << cumulative << '\n';
  }
  o << name << "_bucket{le=\"+Inf\"} " << h.n << '\n'
    << name << "_sum " << h.sum << '\n'
    << name << "_count " << h.n << '\n';
}

}  // namespace

std::string Metrics::render(const std::string& version) const {
  std::ostringstream o;
  o << "# HELP kbs_build_info KBS binary build information\n# TYPE kbs_build_info gauge\n"
    << "kbs_build_info{build_date=\"\",git_hash=\"coco-harness\",version=\"" << version << "\"} 1\n";
  counter(o, "kbs_http_requests_total", "Total count of HTTP requests to KBS protocol endpoints",
          get(http_requests));
  o << "# HELP kbs_http_active_connections Count of HTTP connections currently being processed\n"
    << "# TYPE kbs_http_active_connections gauge\nkbs_http_active_connections " << active_.load() << '\n';
  std::lock_guard lock(mu_);
  histogram(o, "kbs_http_request_duration_seconds", "Distribution of request handling duration", duration_);
  histogram(o, "kbs_http_request_size_bytes", "Distribution of request body sizes", request_size_);
  histogram(o, "kbs_http_response_size_bytes", "Distribution of response body sizes", response_size_);
  labelled(o, "kbs_resource_reads_total", "Count of resource read operations", "resource_path", reads_);
  labelled(o, "kbs_resource_writes_total", "Count of resource write operations", "resource_path", writes_);
  counter(o, "kbs_policy_evaluations_total", "Total count of KBS policy evaluations",
          get(policy_evaluations));
  counter(o, "kbs_policy_approvals_total", "Total count of requests approved by KBS policy",
          get(policy_approvals));
  counter(o, "kbs_policy_violations_total", "Total count of requests denied by KBS policy",
          get(policy_violations));
  counter(o, "kbs_policy_errors_total", "Total count of errors during KBS policy evaluation",
          get(policy_errors));
  counter(o, "kbs_attestation_requests_total", "Total count of attestation requests",
          get(attestation_requests));
  labelled(o, "kbs_attestation_successes_total", "Total count of successful attestations", "tee_type",
           successes_);
  labelled(o, "kbs_attestation_failures_total", "Total count of failed attestations", "tee_type", failures_);
  counter(o, "kbs_attestation_errors_total", "Total count of errors during attestation processing",
          get(attestation_errors));
  counter(o, "kbs_auth_requests_total", "Total count of authentication requests", get(auth_requests));
  counter(o, "kbs_auth_successes_total", "Total count of successful authentication requests",
          get(auth_successes));
  counter(o, "kbs_auth_errors_total", "Total count of errors during authentication processing",
          get(auth_errors));
  return o.str();
}

}  // namespace coco::trustee
