// Every conformance case x attester against the embedded stack, one GoogleTest test each, named
// "<suite>__<case>__<attester>" so ctest can run a (suite, attester) slice per process. A case's skip is a
// GoogleTest skip and its failure reason is the test's failure message.
#include "conformance/runner.h"
#include "embedded_fixture.h"

namespace coco::conformance {
namespace {

struct Param {
  const Case* c;
  std::string attester;
};

struct World {
  std::unique_ptr<EmbeddedStack> stack = test::start_stack();
  Target target = stack->target();
  std::map<std::string, std::unique_ptr<Attester>> attesters;
  std::map<std::string, RunState> states;  // the baseline differs per attester
  Attester& attester(const std::string& name) {
    auto& a = attesters[name];
    if (!a) a = test::attester_for(*stack, name);
    return *a;
  }
};

World& world() {
  static World w;
  return w;
}

std::vector<Param> params() {
  std::vector<Param> out;
  for (const std::string& name : attester_names()) {
    auto probe = make_attester(name, SimulatedAuthorities{});
    for (const Case* c : select_cases(all_cases(), **probe, {})) out.push_back({c, name});
  }
  return out;
}

void PrintTo(const Param& p, std::ostream* os) {
  *os << p.c->id << " [" << p.attester << "]";
}

class Conformance : public ::testing::TestWithParam<Param> {};

TEST_P(Conformance, Case) {
  const Param& p = GetParam();
  World& w = world();
  auto r = run_case(*p.c, w.target, w.attester(p.attester), w.states[p.attester]);
  if (r.verdict == reports::Verdict::skip) GTEST_SKIP() << r.reason;
  EXPECT_EQ(r.verdict, reports::Verdict::pass) << p.c->id << " [" << p.attester << "]: " << r.reason;
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  std::string id = info.param.c->id;
  id.replace(id.find('.'), 1, "__");
  std::string att = info.param.attester;
  for (char& ch : att) {
    if (ch == '-') ch = '_';
  }
  return id + "__" + att;
}

INSTANTIATE_TEST_SUITE_P(All, Conformance, ::testing::ValuesIn(params()), param_name);

}  // namespace
}  // namespace coco::conformance
