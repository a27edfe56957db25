// Rego evaluation of a real genpolicy-generated Kata agent policy (shared/rego-corpus/kata-golden/pod-exec),
// compiled once, evaluating its CreateContainerRequest requests, beside a floor from the same run:
//  - BM_Floor_JsonToValue: converting the request JSON to a Rego value (work any evaluator must do);
//  - BM_KataCreateContainerRequest: data.agent_policy.CreateContainerRequest for one real request,
//    lenient builtin errors and print capture as the agent runs it;
//  - BM_KataParseAndCompile: parsing and compiling the 2,500-line policy (what "compile once" saves).
// Skips with a message when ../shared is absent.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "core/bytes.h"
#include "rego/engine.h"

using namespace coco;
using namespace coco::rego;

namespace {

struct Kata {
  std::string policy_text;
  nlohmann::json request;  // the first CreateContainerRequest input
  bool ok = false;
};

const Kata& kata() {
  static Kata k = [] {
    Kata out;
    const std::string dir = std::string(COCO_SHARED_DIR) + "/rego-corpus/kata-golden/pod-exec/";
    auto policy = read_file(dir + "policy.rego");
    auto inputs = read_file(dir + "inputs.txt");
    if (!policy || !inputs) return out;
    out.policy_text = to_string(*policy);
    std::istringstream lines(to_string(*inputs));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"ep\":\"CreateContainerRequest\"") == std::string::npos) continue;
      line.erase(line.find("\"ep\":"), 5);
      while (!line.empty() && (line.back() == ',' || line.back() == '\r' || line.back() == ' '))
        line.pop_back();
      out.request = nlohmann::json::parse(line)[1];
      out.ok = true;
      break;
    }
    return out;
  }();
  return k;
}

std::shared_ptr<const Policy> compile(const std::string& text) {
  PolicyBuilder b;
  if (!b.add_module("policy.rego", text, Dialect::v0)) return nullptr;
  auto p = b.compile();
  return p ? *p : nullptr;
}

void BM_Floor_JsonToValue(benchmark::State& state) {
  if (!kata().ok) return state.SkipWithError("shared/rego-corpus not found");
  for (auto _ : state) {
    auto v = Value::from_json(kata().request);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_Floor_JsonToValue);

void BM_KataCreateContainerRequest(benchmark::State& state) {
  if (!kata().ok) return state.SkipWithError("shared/rego-corpus not found");
  auto policy = compile(kata().policy_text);
  if (!policy) return state.SkipWithError("policy does not compile");
  EvalOptions opts;
  opts.strict_builtin_errors = false;
  std::vector<std::string> prints;
  for (auto _ : state) {
    auto r = policy->eval("data.agent_policy.CreateContainerRequest", Value::from_json(kata().request), opts,
                          &prints);
    if (!r || !r->has_value() || !(**r).as_bool()) state.SkipWithError("request was not allowed");
    benchmark::DoNotOptimize(r);
  }
  state.counters["prints"] = static_cast<double>(prints.size());
}
BENCHMARK(BM_KataCreateContainerRequest)->Unit(benchmark::kMillisecond);

void BM_KataParseAndCompile(benchmark::State& state) {
  if (!kata().ok) return state.SkipWithError("shared/rego-corpus not found");
  for (auto _ : state) {
    auto p = compile(kata().policy_text);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_KataParseAndCompile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
