// Case selection, the baseline, and one case's run with its verdict and timing.
#include "conformance/runner.h"

#include <chrono>

#include "conformance/embedded_stack.h"
#include "core/x509.h"
#include "trustee/default_policies.h"

namespace coco::conformance {

const std::vector<std::string>& suite_names() {
  static const std::vector<std::string> names = {"attestation", "secret_release", "policy_denial",
                                                 "protocol"};
  return names;
}

const CaseList& all_cases() {
  static const CaseList cases = [] {
    CaseList c;
    add_attestation_cases(c);
    add_secret_release_cases(c);
    add_policy_denial_cases(c);
    add_protocol_cases(c);
    return c;
  }();
  return cases;
}

void add_case(CaseList& cases, std::string id, std::string title, Needs needs,
              std::set<std::string> attesters, std::function<void(CaseContext&)> body) {
  Case c;
  c.suite = id.substr(0, id.find('.'));
  c.id = std::move(id);
  c.title = std::move(title);
  c.needs = needs;
  c.attesters = std::move(attesters);
  c.body = std::move(body);
  cases.push_back(std::move(c));
}

std::vector<const Case*> select_cases(const CaseList& cases, const Attester& attester,
                                      const std::vector<std::string>& only) {
  std::vector<const Case*> out;
  for (const Case& c : cases) {
    if (!c.attesters.empty() && c.attesters.count(attester.name()) == 0) continue;
    bool wanted = only.empty();
    for (const std::string& o : only) {
      wanted = wanted || c.id == o || (!o.empty() && o.back() == '.' && c.id.rfind(o, 0) == 0);
    }
    if (wanted) out.push_back(&c);
  }
  return out;
}

Status apply_baseline(Target& target, Attester& attester) {
  if (!target.admin_key) return ok_status();
  guest::KbsAdminClient admin(target.url, target.ca_pem, target.admin_key);
  const std::string policy = attester.pattern_policy_covers() ? target.baseline.attestation_policy
                                                              : std::string(trustee::default_cpu_policy());
  if (auto st = admin.set_attestation_policy(policy); !st) return st;
  if (auto st = admin.set_resource_policy(target.baseline.resource_policy); !st) return st;
  nlohmann::json values = target.baseline.reference_values;
  values.update(attester.default_cpu_reference_values());
  for (const auto& [name, value] : values.items()) {
    if (auto st = admin.set_reference_value(name, value); !st) return st;
  }
  for (const auto& [path, value] : target.baseline.resources) {
    if (auto st = admin.set_resource(path, value); !st) return st;
  }
  return ok_status();
}

reports::CaseResult run_case(const Case& c, Target& target, Attester& attester, RunState& state) {
  reports::CaseResult r;
  r.id = c.id;
  r.suite = c.suite;
  r.title = c.title;
  r.target = target.name;
  r.attester = attester.name();
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](reports::Verdict v, std::string reason) {
    r.verdict = v;
    r.reason = std::move(reason);
    r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  if (c.needs.admin && !target.admin_key) {
    return finish(reports::Verdict::skip,
                  "needs admin access to the KBS (policies, reference values or "
                  "resources): pass --admin-key");
  }
  if (c.needs.clock && !target.embedded) {
    return finish(reports::Verdict::skip,
                  "moves the KBS clock (expiry), which only the embedded stack allows");
  }
  if (!attester.supports(c.needs.defect)) {
    return finish(reports::Verdict::skip, unsupported_defect_reason(attester, c.needs.defect));
  }
  if (target.embedded) {
    target.embedded->reset_clock();
    target.embedded->clear_failure_causes();
  }
  if (state.baseline_dirty) {
    if (auto st = apply_baseline(target, attester); !st) {
      return finish(reports::Verdict::fail,
                    "could not restore the baseline before the case: " + st.error().message);
    }
    for (const auto& [path, value] : target.baseline.resources) state.secrets.insert(to_string(value));
    state.baseline_dirty = false;
  }
  try {
    CaseContext ctx(target, attester, state);
    c.body(ctx);
    return finish(reports::Verdict::pass, "");
  } catch (const CaseEnd& end) {
    return finish(end.verdict, end.reason);
  } catch (const std::exception& e) {
    return finish(reports::Verdict::fail, std::string("the case threw: ") + e.what());
  }
}

std::vector<reports::CaseResult> run_cases(Target& target, Attester& attester, const RunOptions& options) {
  RunState state;
  const auto selected = select_cases(all_cases(), attester, options.only);
  std::vector<reports::CaseResult> results;
  for (const Case* c : selected) {
    results.push_back(run_case(*c, target, attester, state));
    if (options.on_result) options.on_result(results.back(), results.size(), selected.size());
  }
  return results;
}

reports::RunReport run_report(Target& target, const std::vector<Attester*>& attesters,
                              const RunOptions& options) {
  reports::RunReport report;
  report.target = target.name;
  report.versions = {{"coco-harness", COCO_VERSION},
                     {"kbs-protocol", "0.4.0"},
                     {"status-mapping",
                      target.status_mapping == trustee::StatusMapping::trustee ? "trustee" : "issue-1419"}};
  report.started_at = format_utc(std::chrono::system_clock::now());
  const auto start = std::chrono::steady_clock::now();
  for (Attester* a : attesters) {
    report.attesters.push_back(a->name());
    auto results = run_cases(target, *a, options);
    report.cases.insert(report.cases.end(), results.begin(), results.end());
  }
  report.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace coco::conformance
