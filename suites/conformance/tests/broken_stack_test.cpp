// The suites must catch a broken stack and say why: a verifier that skips the report signature check,
// and a KBS that releases resources whatever its resource policy says. Each broken stack runs the whole
// policy_denial suite; exactly the cases that depend on the broken check fail, each with a reason naming
// what the KBS did wrong.
#include <set>

#include "conformance/runner.h"
#include "embedded_fixture.h"

namespace coco::conformance {
namespace {

std::map<std::string, std::string> failures(EmbeddedStack& stack, const std::string& attester_name,
                                            const std::string& prefix) {
  Target target = stack.target();
  auto attester = test::attester_for(stack, attester_name);
  RunOptions o;
  o.only = {prefix};
  std::map<std::string, std::string> out;
  for (const auto& r : run_cases(target, *attester, o)) {
    if (r.verdict == reports::Verdict::fail) out[r.id] = r.reason;
  }
  return out;
}

TEST(BrokenStack, HealthyStackPassesPolicyDenial) {
  auto stack = test::start_stack();
  EXPECT_EQ(failures(*stack, "snp", "policy_denial."), (std::map<std::string, std::string>{}));
}

TEST(BrokenStack, VerifierSkippingSignatureCheckIsCaught) {
  EmbeddedStackOptions o;
  o.ignored_snp_failures = {"snp.signature_invalid"};
  auto stack = test::start_stack(o);
  const auto failed = failures(*stack, "snp", "policy_denial.");
  ASSERT_EQ(failed.size(), 1u) << ::testing::PrintToString(failed);
  const auto it = failed.find("policy_denial.forged_report_signature");
  ASSERT_NE(it, failed.end());
  EXPECT_NE(it->second.find("POST /attest: expected 401 AttestationError"), std::string::npos) << it->second;
  EXPECT_NE(it->second.find("the KBS granted it"), std::string::npos) << it->second;
}

TEST(BrokenStack, ResourcePolicyBypassIsCaught) {
  EmbeddedStackOptions o;
  o.faults.bypass_resource_policy = true;
  auto stack = test::start_stack(o);
  const auto failed = failures(*stack, "snp", "policy_denial.");
  std::set<std::string> ids;
  for (const auto& [id, reason] : failed) {
    ids.insert(id);
    // Either the denial was expected and the KBS granted the secret, or a secret reached the guest.
    EXPECT_TRUE(reason.find("PolicyDeny") != std::string::npos || reason.find("secret") != std::string::npos)
        << id << ": " << reason;
  }
  const std::set<std::string> expected = {"policy_denial.measurement_not_in_reference_values",
                                          "policy_denial.debug_policy_bit",
                                          "policy_denial.tcb_below_reference",
                                          "policy_denial.init_data_not_in_reference_values",
                                          "policy_denial.deny_all_resource_policy",
                                          "policy_denial.contraindicated_under_affirming_policy",
                                          "policy_denial.resource_path_not_allowed"};
  EXPECT_EQ(ids, expected);
}

}  // namespace
}  // namespace coco::conformance
