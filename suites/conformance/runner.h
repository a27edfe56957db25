// Runs cases against a target for one attester and turns each into a reports::CaseResult. Before the
// first case, and again after any case that changed the target through the admin API, it puts the target
// back to the pattern baseline (when it has an admin key): the chart's attestation policy (Trustee's
// default_cpu for a TEE the chart has no rule for), the chart's resource policy, the reference values
// (the chart's init_data plus the attester's default_cpu values) and, on the embedded stack, the chart's
// secrets; the embedded stack's clock and failure log are reset before every case. Cases then start from the
// same state wherever they run.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "conformance/attester.h"
#include "conformance/case.h"
#include "conformance/context.h"
#include "conformance/target.h"
#include "reports/run_report.h"

namespace coco::conformance {

struct RunOptions {
  // Case ids to run: each entry matches an id exactly or as a prefix ending in '.' ("policy_denial.");
  // empty: all.
  std::vector<std::string> only;
  // Called after each case (progress).
  std::function<void(const reports::CaseResult&, std::size_t done, std::size_t total)> on_result;
};

// The cases of `cases` that apply to the attester and match `only`.
std::vector<const Case*> select_cases(const CaseList& cases, const Attester& attester,
                                      const std::vector<std::string>& only);
// Puts the target back to the baseline. Error: the admin call that failed.
Status apply_baseline(Target& target, Attester& attester);
reports::CaseResult run_case(const Case& c, Target& target, Attester& attester, RunState& state);
std::vector<reports::CaseResult> run_cases(Target& target, Attester& attester, const RunOptions& options);
// Every selected case for each attester in turn, as a report (versions, start time, wall time filled in).
reports::RunReport run_report(Target& target, const std::vector<Attester*>& attesters,
                              const RunOptions& options);

}  // namespace coco::conformance
