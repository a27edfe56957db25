// The `pattern` suite: the validated pattern's own behaviour, judged on a deployment brought up from a
// scenario (sim/pattern) against the embedded stack's KBS: kbs-access reads its secret, exec into the
// secure pod is denied, changed init-data needs new reference values, cloud faults surface as pod failures
// with cloud-api-adaptor's messages, and so on (suites/pattern/pattern_cases.cpp).
//
// Every case gets a deployment of its own (its own fake compute API and cluster, the scenario's policies,
// reference values and secrets installed afresh into the KBS), so cases do not see each other's changes.
// The suite needs the embedded stack: its VMs' evidence is signed by the simulated AMD and Intel roots that
// only the embedded KBS trusts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "conformance/case.h"
#include "conformance/embedded_stack.h"
#include "pattern/deployment.h"
#include "reports/run_report.h"

namespace coco::conformance {

class PatternContext {
 public:
  PatternContext(EmbeddedStack& stack, pattern::Deployment& deployment)
      : stack_(stack), deployment_(deployment) {}
  EmbeddedStack& stack() { return stack_; }
  pattern::Deployment& deployment() { return deployment_; }
  pattern::Cluster& cluster() { return deployment_.cluster(); }

  [[noreturn]] void fail(const std::string& reason);
  [[noreturn]] void skip(const std::string& reason);
  void expect(bool ok, const std::string& reason_if_not) {
    if (!ok) fail(reason_if_not);
  }
  template <typename T>
  T need(Result<T> r, const std::string& what) {
    if (!r) fail(what + " failed: " + r.error().message + " [" + r.error().code + "]");
    return std::move(r).value();
  }
  // The pod's status; fails when it does not exist.
  pattern::PodStatus pod(const std::string& ns, const std::string& name);
  // The pod must be Running (else fail with its message).
  pattern::PodStatus running(const std::string& ns, const std::string& name);
  // `oc exec`; fails when the pod or container does not exist.
  pattern::ExecResult exec(const std::string& ns, const std::string& pod,
                           const std::vector<std::string>& args);
  // One pod from a manifest text, created in the cluster.
  pattern::PodStatus create(const std::string& manifest_yaml);
  // The KBS's failure causes logged since the case began.
  std::string kbs_failure_log() const;

 private:
  EmbeddedStack& stack_;
  pattern::Deployment& deployment_;
};

struct PatternCase {
  std::string id;  // "pattern.<case>"
  std::string title;
  std::function<void(PatternContext&)> body;
  // Changes to the scenario this case needs before it is brought up (e.g. no NAT gateway); may be empty.
  std::function<void(pattern::Scenario&)> adjust_scenario;
};
using PatternCaseList = std::vector<PatternCase>;
void add_pattern_cases(PatternCaseList& cases);  // suites/pattern
const PatternCaseList& pattern_cases();

struct PatternRunOptions {
  pattern::Scenario scenario;
  std::vector<std::string> only;  // as RunOptions::only
  std::string seed = "coco-harness";
  std::function<void(const reports::CaseResult&, std::size_t done, std::size_t total)> on_result;
  std::function<void(const std::string&)> progress;
};

// The peer-pod hardware the stack's KBS trusts: its simulated AMD, and a TDX platform of its Intel.
pattern::PodvmPlatforms pattern_platforms(EmbeddedStack& stack);
// Brings `scenario` up against the stack. Errors: Deployment::up's.
Result<std::unique_ptr<pattern::Deployment>> deploy(EmbeddedStack& stack, const pattern::Scenario& scenario,
                                                    const std::string& seed,
                                                    std::function<void(const std::string&)> progress = {});
// The suite's results; the attester column is the TEE of the scenario's default size ("az-snp-vtpm").
std::vector<reports::CaseResult> run_pattern_suite(EmbeddedStack& stack, const PatternRunOptions& options);
// The ids the `only` filter selects (for `run --only` and `--list`).
std::vector<const PatternCase*> select_pattern_cases(const std::vector<std::string>& only);

}  // namespace coco::conformance
