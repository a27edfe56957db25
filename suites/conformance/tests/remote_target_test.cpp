// The suites as `run --kbs-url` uses them: the target is only a URL, a CA and an admin key (here the
// embedded stack's, reached over HTTPS like any Trustee), with no simulation hooks and no knowledge of the
// deployment's secret values. Every case must pass or skip with a reason; none may depend on the hooks.
// Without an admin key only attesters the chart's policy trusts can pass (the sample TEE is not one).
#include "conformance/runner.h"
#include "embedded_fixture.h"

namespace coco::conformance {
namespace {

Target remote_view(EmbeddedStack& stack, bool with_admin) {
  Target t;
  t.name = stack.url();
  t.url = stack.url();
  t.ca_pem = stack.ca_pem();
  if (with_admin) t.admin_key = stack.admin_key();
  t.baseline = make_pattern_baseline("https://kbs.apps.coco-harness.example", stack.ca_pem(), "coco-harness");
  t.baseline.resources.clear();
  return t;
}

TEST(RemoteTarget, EveryCasePassesOrSkipsWithAReason) {
  auto stack = test::start_stack();
  for (bool with_admin : {true, false}) {
    Target target = remote_view(*stack, with_admin);
    for (const std::string& name : attester_names()) {
      // Without admin access nothing installs a policy that trusts the sample TEE, and the chart's does not.
      if (!with_admin && name == "sample") continue;
      auto attester = test::attester_for(*stack, name);
      int passed = 0;
      for (const auto& r : run_cases(target, *attester, {})) {
        EXPECT_NE(r.verdict, reports::Verdict::fail)
            << r.id << " [" << name << "] admin=" << with_admin << ": " << r.reason;
        if (r.verdict == reports::Verdict::skip) {
          EXPECT_FALSE(r.reason.empty()) << r.id;
        } else {
          ++passed;
        }
      }
      EXPECT_GT(passed, 20) << name;
      if (!with_admin) continue;
      // The clock cases skip on a real target, and say why.
      RunOptions only_clock;
      only_clock.only = {"policy_denial.session_expired"};
      auto r = run_cases(target, *attester, only_clock);
      ASSERT_EQ(r.size(), 1u);
      EXPECT_EQ(r[0].verdict, reports::Verdict::skip);
      EXPECT_NE(r[0].reason.find("clock"), std::string::npos) << r[0].reason;
    }
  }
}

}  // namespace
}  // namespace coco::conformance
