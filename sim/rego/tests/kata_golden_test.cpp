// The Kata agent-policy golden set (shared/rego-corpus/kata-golden, see its FORMAT.md): each scenario's
// genpolicy policy (v0 with future.keywords, lenient builtin errors, print capture) must give the expected
// allow/deny for every request and print exactly the expected lines. The policy is compiled once per
// scenario and evaluated for every request, as the agent does.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/test_support.h"
#include "rego/engine.h"

using namespace coco;
using namespace coco::rego;

namespace {

std::filesystem::path golden() {
  return test::shared_dir() / "rego-corpus" / "kata-golden";
}

std::string normalise(std::string s) {
  for (auto& c : s)
    if (c == '\\') c = '/';
  for (std::size_t p; (p = s.find("//")) != std::string::npos;) s.erase(p, 1);
  for (std::size_t p; (p = s.find("\r\n")) != std::string::npos;) s.erase(p, 1);
  return s;
}

class KataGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(KataGolden, EveryRequestAndPrint) {
  COCO_REQUIRE_CORPUS();
  const std::string scenario = GetParam();
  const auto dir = golden() / scenario;
  PolicyBuilder b;
  // The expected prints name the policy by the path regorus's test driver loaded it from.
  auto st = b.add_module("tests/kata/data/" + scenario + "/policy.rego",
                         to_string(test::read_or_die(dir / "policy.rego")), Dialect::v0);
  ASSERT_TRUE(st) << st.error().message;
  auto policy = b.compile();
  ASSERT_TRUE(policy) << policy.error().message;

  auto outputs = nlohmann::json::parse(to_string(test::read_or_die(dir / "outputs.json")));
  auto prints = nlohmann::json::parse(to_string(test::read_or_die(dir / "prints.json")));
  std::istringstream lines(to_string(test::read_or_die(dir / "inputs.txt")));
  std::string line;
  std::size_t i = 0;
  EvalOptions opts;
  opts.strict_builtin_errors = false;
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    auto ep = line.find("\"ep\":");
    ASSERT_NE(ep, std::string::npos) << line.substr(0, 80);
    line.erase(ep, 5);
    line.pop_back();  // trailing comma
    auto req = nlohmann::json::parse(line);
    ASSERT_LT(i, outputs.size());
    std::vector<std::string> got_prints;
    auto r = (*policy)->eval("data.agent_policy." + req[0].get<std::string>(), Value::from_json(req[1]), opts,
                             &got_prints);
    ASSERT_TRUE(r) << "request " << i << " (" << req[0] << "): " << r.error().message;
    const Value want = Value::from_json(outputs[i]);
    EXPECT_TRUE(r->has_value() && **r == want)
        << "request " << i << " (" << req[0] << "): got "
        << (r->has_value() ? (**r).to_term_string() : "undefined") << ", want " << want.to_term_string();
    std::vector<std::string> want_prints;
    for (const auto& p : prints[i]) want_prints.push_back(normalise(p.get<std::string>()));
    for (auto& p : got_prints) p = normalise(p);
    if (got_prints != want_prints && std::getenv("KATA_DUMP")) {
      std::ofstream g("/tmp/kata_got.txt"), w("/tmp/kata_want.txt");
      for (const auto& x : got_prints) g << x << "\n";
      for (const auto& x : want_prints) w << x << "\n";
    }
    if (got_prints != want_prints) {
      std::size_t d = 0;
      while (d < got_prints.size() && d < want_prints.size() && got_prints[d] == want_prints[d]) ++d;
      ADD_FAILURE() << "request " << i << " (" << req[0] << "): print line " << d << " differs (got "
                    << got_prints.size() << " lines, want " << want_prints.size()
                    << ")\n  got:  " << (d < got_prints.size() ? got_prints[d] : "<none>")
                    << "\n  want: " << (d < want_prints.size() ? want_prints[d] : "<none>");
    }
    ++i;
  }
  EXPECT_EQ(i, outputs.size());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, KataGolden,
                         ::testing::Values("k8s-policy-job", "k8s-policy-pod", "k8s-policy-rc", "pod-cm1",
                                           "pod-cm2", "pod-exec", "pod-lifecycle", "pod-many-layers",
                                           "pod-persistent-volumes", "pod-same-containers", "web", "web2"),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
