// The validated pattern's per-request hot paths, each beside a floor from the same run:
//  - the Kata agent judging `oc exec` under the pattern's secure init-data policy (an exec outside the
//    allow-list, and one of the two allow-listed curls) against BM_Floor_RequestToValue, turning the request
//    JSON into a Rego value (work any evaluator must do);
//  - decoding a pod's cc_init_data annotation (base64 + gunzip, what CAA and process-user-data do per pod)
//    against BM_Floor_Base64Decode, the base64 step alone.
#include <benchmark/benchmark.h>

#include "core/encoding.h"
#include "guest/agent_policy.h"
#include "pattern/initdata.h"
#include "rego/value.h"

using namespace coco;

namespace {

const pattern::KbsEndpoint kKbs{"https://kbs.apps.coco.example.com", ""};

const guest::AgentPolicy& secure_policy() {
  static const guest::AgentPolicy p = [] {
    auto r = guest::AgentPolicy::load(pattern::agent_policy_rego(pattern::InitDataFlavour::secure));
    return r ? std::move(r).value() : guest::AgentPolicy::allow_all();
  }();
  return p;
}

const nlohmann::json& denied_exec() {
  static const nlohmann::json r = guest::exec_process_request("c1", "e1", {"ls", "-l", "/"});
  return r;
}

const nlohmann::json& allowed_exec() {
  static const nlohmann::json r = guest::exec_process_request(
      "c1", "e1", {"curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"});
  return r;
}

void BM_Floor_RequestToValue(benchmark::State& state) {
  for (auto _ : state) {
    auto v = rego::Value::from_json(allowed_exec());
    benchmark::DoNotOptimize(v);
  }
}

void BM_AgentPolicyExecDenied(benchmark::State& state) {
  for (auto _ : state) {
    auto st = secure_policy().check("ExecProcessRequest", denied_exec());
    if (st) return state.SkipWithError("the secure policy allowed ls");
    benchmark::DoNotOptimize(st);
  }
}

void BM_AgentPolicyExecAllowlisted(benchmark::State& state) {
  for (auto _ : state) {
    auto st = secure_policy().check("ExecProcessRequest", allowed_exec());
    if (!st) return state.SkipWithError("the secure policy denied an allow-listed curl");
    benchmark::DoNotOptimize(st);
  }
}

const std::string& annotation() {
  static const std::string a =
      pattern::encode_initdata(pattern::render_initdata(kKbs, pattern::InitDataFlavour::secure));
  return a;
}

void BM_Floor_Base64Decode(benchmark::State& state) {
  for (auto _ : state) {
    auto b = base64_decode(annotation());
    benchmark::DoNotOptimize(b);
  }
}

void BM_InitDataDecode(benchmark::State& state) {
  for (auto _ : state) {
    auto toml = pattern::decode_initdata(annotation());
    if (!toml) return state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(toml);
  }
}

}  // namespace

BENCHMARK(BM_Floor_RequestToValue);
BENCHMARK(BM_AgentPolicyExecDenied);
BENCHMARK(BM_AgentPolicyExecAllowlisted);
BENCHMARK(BM_Floor_Base64Decode);
BENCHMARK(BM_InitDataDecode);
BENCHMARK_MAIN();
