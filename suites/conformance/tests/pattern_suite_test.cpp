// The `pattern` suite against the embedded stack with the default scenario, one GoogleTest test per case; and
// the suite with a user's scenario file (no NAT gateway: the KBS is out of reach, kbs-access gets no key).
#include "conformance/pattern_suite.h"

#include <unistd.h>

#include <fstream>

#include "embedded_fixture.h"

namespace coco::conformance {
namespace {

EmbeddedStack& stack() {
  static std::unique_ptr<EmbeddedStack> s = test::start_stack();
  return *s;
}

class PatternSuite : public ::testing::TestWithParam<const PatternCase*> {};

TEST_P(PatternSuite, Case) {
  PatternRunOptions o;
  o.scenario = pattern::default_scenario();
  o.only = {GetParam()->id};
  const auto results = run_pattern_suite(stack(), o);
  ASSERT_EQ(results.size(), 1u);
  if (results[0].verdict == reports::Verdict::skip) GTEST_SKIP() << results[0].reason;
  EXPECT_EQ(results[0].verdict, reports::Verdict::pass) << results[0].id << ": " << results[0].reason;
}

std::vector<const PatternCase*> all() {
  return select_pattern_cases({});
}

INSTANTIATE_TEST_SUITE_P(Pattern, PatternSuite, ::testing::ValuesIn(all()),
                         [](const ::testing::TestParamInfo<const PatternCase*>& p) {
                           return p.param->id.substr(p.param->id.find('.') + 1);
                         });

// Attestation denied (init-data changed, reference values not updated), as the pod's user and the KBS's
// log show it.
TEST(PatternScenario, AttestationDeniedMessages) {
  auto d = deploy(stack(), pattern::default_scenario(), "denied");
  ASSERT_TRUE(d) << d.error().message;
  pattern::Deployment& dep = *d.value();
  const std::string toml =
      pattern::render_initdata({stack().url(), stack().ca_pem()}, pattern::InitDataFlavour::debug, "reject");
  ASSERT_TRUE(dep.update_initdata("debug-initdata", toml, false));
  ASSERT_TRUE(dep.cluster().restart_pod("hello-openshift", "insecure-policy"));
  stack().clear_failure_causes();
  const std::string url = "http://127.0.0.1:8006/cdh/resource/default/kbsres1/key1";
  auto r = dep.cluster().exec("hello-openshift", "insecure-policy", "", {"curl", "-s", url});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().exit_code, 0);
  EXPECT_EQ(r.value().out, "ttrpc request error");
  r = dep.cluster().exec("hello-openshift", "insecure-policy", "", {"curl", "-f", "-s", "-S", url});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().exit_code, 22);
  EXPECT_EQ(r.value().err,
            "curl: (22) The requested URL returned error: 500\ncommand terminated with exit code 22\n");
  auto direct = dep.cluster()
                    .podvm("hello-openshift", "insecure-policy")
                    ->api()
                    ->get_resource("kbs:///default/kbsres1/key1");
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().message, "KBS answered 401 PolicyDeny: Access denied by policy");
  const auto causes = stack().failure_causes();
  ASSERT_FALSE(causes.empty());
  EXPECT_EQ(causes.back(), "PolicyDeny: Access denied by policy");
}

TEST(PatternScenario, UsersOwnScenarioFileWorksTheSameWay) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("coco-user-scenario-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pods.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: reader\n  namespace: kbs-access\n"
         "  annotations: {coco.io/initdata-configmap: initdata}\nspec:\n  runtimeClassName: kata-remote\n"
         "  initContainers:\n    - name: curl\n      image: ubi\n      command: [sh, -c, 'curl -s "
         "http://127.0.0.1:8006/cdh/resource/default/team/token > /output/token']\n"
         "  containers:\n    - {name: app, image: ubi}\n";
  std::ofstream(dir / "scenario.yaml")
      << "name: team\nsecrets: {team: {token: s3cr3t}}\nmanifests: [pods.yaml]\n";
  auto scenario = pattern::load_scenario(dir / "scenario.yaml");
  ASSERT_TRUE(scenario) << scenario.error().message;
  auto d = deploy(stack(), scenario.value(), "user-scenario");
  ASSERT_TRUE(d) << d.error().message;
  auto pod = d.value()->cluster().pod("kbs-access", "reader");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->phase, "Running") << pod->message;
  auto token = d.value()->cluster().read_file("kbs-access", "reader", "/output/token");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token.value(), "s3cr3t");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coco::conformance
