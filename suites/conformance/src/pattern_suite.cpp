// The `pattern` suite's framework (conformance/pattern_suite.h).
#include "conformance/pattern_suite.h"

#include <chrono>

#include "conformance/tdx_world.h"
#include "pattern/k8s.h"

namespace coco::conformance {

void PatternContext::fail(const std::string& reason) {
  throw CaseEnd{reports::Verdict::fail, reason};
}
void PatternContext::skip(const std::string& reason) {
  throw CaseEnd{reports::Verdict::skip, reason};
}

pattern::PodStatus PatternContext::pod(const std::string& ns, const std::string& name) {
  auto p = cluster().pod(ns, name);
  if (!p) fail("pod " + ns + "/" + name + " does not exist");
  return *p;
}

pattern::PodStatus PatternContext::running(const std::string& ns, const std::string& name) {
  pattern::PodStatus p = pod(ns, name);
  if (p.phase != "Running") fail("pod " + ns + "/" + name + " is " + p.phase + ": " + p.message);
  return p;
}

pattern::ExecResult PatternContext::exec(const std::string& ns, const std::string& pod,
                                         const std::vector<std::string>& args) {
  return need(cluster().exec(ns, pod, "", args), "oc exec -n " + ns + " " + pod);
}

pattern::PodStatus PatternContext::create(const std::string& manifest_yaml) {
  auto objects = need(pattern::parse_manifests(manifest_yaml), "parsing the case's manifest");
  for (auto& obj : objects) {
    if (auto* p = std::get_if<pattern::Pod>(&obj)) return need(cluster().create_pod(*p), "creating the pod");
  }
  fail("the case's manifest holds no pod");
}

std::string PatternContext::kbs_failure_log() const {
  std::string log;
  for (const auto& c : stack_.failure_causes()) log += (log.empty() ? "" : "; ") + c;
  return log;
}

const PatternCaseList& pattern_cases() {
  static const PatternCaseList cases = [] {
    PatternCaseList c;
    add_pattern_cases(c);
    return c;
  }();
  return cases;
}

std::vector<const PatternCase*> select_pattern_cases(const std::vector<std::string>& only) {
  std::vector<const PatternCase*> out;
  for (const PatternCase& c : pattern_cases()) {
    bool wanted = only.empty();
    for (const std::string& o : only) {
      wanted = wanted || c.id == o || (!o.empty() && o.back() == '.' && c.id.rfind(o, 0) == 0);
    }
    if (wanted) out.push_back(&c);
  }
  return out;
}

pattern::PodvmPlatforms pattern_platforms(EmbeddedStack& stack) {
  pattern::PodvmPlatforms p;
  p.amd = stack.amd();
  p.qe = std::make_shared<const tdx::QuotingEnclave>(*stack.intel(), tdx_reference_platform());
  p.tdx_report_mac_key = to_bytes(as_bytes(std::string("coco-harness/azure-tdx/report-mac-key")));
  return p;
}

Result<std::unique_ptr<pattern::Deployment>> deploy(EmbeddedStack& stack, const pattern::Scenario& scenario,
                                                    const std::string& seed,
                                                    std::function<void(const std::string&)> progress) {
  pattern::DeploymentOptions o;
  o.scenario = scenario;
  o.kbs = {stack.url(), stack.ca_pem()};
  o.admin_key = stack.admin_key();
  o.platforms = pattern_platforms(stack);
  o.seed = seed;
  o.progress = std::move(progress);
  return pattern::Deployment::up(std::move(o));
}

std::vector<reports::CaseResult> run_pattern_suite(EmbeddedStack& stack, const PatternRunOptions& options) {
  const auto selected = select_pattern_cases(options.only);
  std::vector<reports::CaseResult> results;
  auto tee = pattern::tee_for_instance_size(options.scenario.default_vm_flavour);
  const std::string attester =
      tee ? std::string(pattern::evidence_tee_name(tee.value())) : std::string("az-snp-vtpm");
  for (const PatternCase* c : selected) {
    reports::CaseResult r;
    r.id = c->id;
    r.suite = "pattern";
    r.title = c->title;
    r.target = "embedded";
    r.attester = attester;
    const auto start = std::chrono::steady_clock::now();
    stack.reset_clock();
    stack.clear_failure_causes();
    pattern::Scenario scenario = options.scenario;
    if (c->adjust_scenario) c->adjust_scenario(scenario);
    auto d = deploy(stack, scenario, options.seed);
    if (!d) {
      r.verdict = reports::Verdict::fail;
      r.reason = "bringing the scenario up failed: " + d.error().message + " [" + d.error().code + "]";
    } else {
      stack.clear_failure_causes();
      PatternContext ctx(stack, *d.value());
      try {
        c->body(ctx);
      } catch (const CaseEnd& end) {
        r.verdict = end.verdict;
        r.reason = end.reason;
      } catch (const std::exception& e) {
        r.verdict = reports::Verdict::fail;
        r.reason = std::string("unexpected exception: ") + e.what();
      }
    }
    r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    results.push_back(r);
    if (options.on_result) options.on_result(r, results.size(), selected.size());
  }
  return results;
}

}  // namespace coco::conformance
