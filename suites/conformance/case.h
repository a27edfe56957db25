// A conformance case: a stable id, what it needs from the target, and a body that talks to the KBS only
// over HTTP(S), so the same case judges the embedded stack and a real Trustee. The body reads top to
// bottom: it calls ctx.expect(...) / ctx.fail(...) / ctx.skip(...), which end the case by throwing
// CaseEnd; whatever the body does not reject is a pass. Cases are listed by functions, not static
// registration, so linking a suite library never silently drops cases.
//
// Ids are "<suite>.<case>" and never change meaning: reports and release gates match on them. A case runs
// once per attester it applies to (empty `attesters` = every attester).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "conformance/attester.h"
#include "reports/run_report.h"

namespace coco::conformance {

class CaseContext;

struct Needs {
  bool admin = false;  // changes policies, resources or reference values (a real target needs --admin-key)
  bool clock = false;  // moves the KBS clock (expired sessions and tokens): the embedded stack only
  // Evidence with this defect (forged, debug, other TCB, ...): attesters that cannot make it skip.
  Defect defect = Defect::none;
};

struct Case {
  std::string id;     // "policy_denial.forged_report_signature"
  std::string suite;  // the part of id before the dot
  std::string title;  // one line: what must hold
  Needs needs;
  std::set<std::string> attesters;  // empty: all
  std::function<void(CaseContext&)> body;
};

// Thrown by CaseContext to end a case with a verdict other than pass.
struct CaseEnd {
  reports::Verdict verdict;
  std::string reason;
};

using CaseList = std::vector<Case>;

// Each suite folder (suites/<suite>/) defines one of these; all_cases() calls them in this order.
void add_attestation_cases(CaseList& cases);
void add_secret_release_cases(CaseList& cases);
void add_policy_denial_cases(CaseList& cases);
void add_protocol_cases(CaseList& cases);

// Every case of every suite, built once, in report order.
const CaseList& all_cases();
// Suites in report order: attestation, secret_release, policy_denial, protocol.
const std::vector<std::string>& suite_names();
// Appends a case; the suite is the id's part before the first dot.
void add_case(CaseList& cases, std::string id, std::string title, Needs needs,
              std::set<std::string> attesters, std::function<void(CaseContext&)> body);

}  // namespace coco::conformance
