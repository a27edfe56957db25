// Our default policies decide exactly as Trustee's shipped ones: both run on the same inputs and reference
// values, and their trust vectors, extensions and allow verdicts must be equal.
#include "trustee/default_policies.h"

#include <gtest/gtest.h>

#include "core/test_support.h"
#include "rego/engine.h"

namespace coco::trustee {
namespace {

using rego::Value;

std::shared_ptr<const rego::Policy> compile(const std::string& text, const nlohmann::json& rvs) {
  rego::PolicyBuilder b;
  EXPECT_TRUE(b.add_module("p.rego", text));
  b.add_host_function("query_reference_value", 1, [rvs](std::span<const Value> args) -> std::optional<Value> {
    const std::string& id = args[0].as_string();
    return rvs.contains(id) ? Value::from_json(rvs[id]) : Value::null();
  });
  auto p = b.compile();
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return *p;
}

std::string trustee_policy(const std::string& rel) {
  return to_string(coco::test::read_or_die(coco::test::shared_dir() / "rego-corpus/policies/trustee" / rel));
}

nlohmann::json eval(const rego::Policy& p, const char* path, const nlohmann::json& input) {
  auto v = p.eval(path, Value::from_json(input));
  EXPECT_TRUE(v) << (v ? "" : v.error().message);
  return v && *v ? (*v)->to_json() : nlohmann::json("<undefined>");
}

nlohmann::json snp_claims() {
  return {{"measurement", "aa"},        {"reported_tcb_bootloader", 9}, {"reported_tcb_microcode", 72},
          {"reported_tcb_snp", 23},     {"reported_tcb_tee", 0},        {"policy_debug_allowed", false},
          {"policy_migrate_ma", false}, {"platform_smt_enabled", true}, {"platform_tsme_enabled", false},
          {"policy_abi_major", 0},      {"policy_abi_minor", 0},        {"policy_single_socket", false},
          {"policy_smt_allowed", true}};
}

nlohmann::json tdx_claims(const std::string& tcb_status) {
  return {{"quote",
           {{"header", {{"tee_type", "81000000"}, {"vendor_id", "939a7233f79c4ca9940a0db3957f0607"}}},
            {"body", {{"rtmr_1", "r1"}, {"rtmr_2", "r2"}, {"mr_td", "td"}, {"xfam", "e7"}}}}},
          {"td_attributes", {{"debug", false}}},
          {"tcb_status", tcb_status},
          {"collateral_expiration_status", "0"},
          {"uefi_event_logs",
           {{{"type_name", "EV_EFI_BOOT_SERVICES_APPLICATION"},
             {"details", {{"device_paths", {"PciRoot(0x0)", "File(kernel)"}}}},
             {"digests", {{{"alg", "SHA-384"}, {"digest", "k1"}}}}},
            {{"type_name", "EV_EVENT_TAG"},
             {"details", {{"string", "LOADED_IMAGE::LoadOptions"}}},
             {"digests", {{{"alg", "SHA-384"}, {"digest", "p1"}}}}}}}};
}

TEST(DefaultPolicies, CpuPolicyMatchesTrustee) {
  COCO_REQUIRE_CORPUS();
  const std::string theirs = trustee_policy("attestation-service/src/ear_token/ear_default_policy_cpu.rego");
  const nlohmann::json all_rvs = {{"launch_digest", {"abcde"}},
                                  {"svn", {"1"}},
                                  {"major_version", 1},
                                  {"minimum_minor_version", 1},
                                  {"snp_launch_measurement", {"aa"}},
                                  {"snp_bootloader", {9}},
                                  {"snp_microcode", {72}},
                                  {"snp_snp_svn", {23}},
                                  {"snp_tee_svn", {0}},
                                  {"snp_smt_enabled", true},
                                  {"snp_tsme_enabled", false},
                                  {"snp_guest_abi_major", 0},
                                  {"snp_guest_abi_minor", 0},
                                  {"snp_single_socket", false},
                                  {"snp_smt_allowed", true},
                                  {"rtmr_1", {"r1"}},
                                  {"rtmr_2", {"r2"}},
                                  {"tdvfkernel", "k1"},
                                  {"tdvfkernelparams", "p1"},
                                  {"mr_td", {"td"}},
                                  {"xfam", {"e7"}},
                                  {"measurement", {"aa"}},
                                  {"snp_pcr11", {"p11"}},
                                  {"tdx_pcr11", {"p11"}},
                                  {"tcb_bootloader", {"9"}},
                                  {"tcb_microcode", {"72"}},
                                  {"tcb_snp", {"23"}},
                                  {"tcb_tee", {"0"}},
                                  {"smt_enabled", {"true"}},
                                  {"tsme_enabled", {"false"}},
                                  {"abi_major", {"0"}},
                                  {"abi_minor", {"0"}},
                                  {"single_socket", {"false"}},
                                  {"smt_allowed", {"true"}},
                                  {"tpm_pcr11", {"p11"}},
                                  {"trusted_aks", {"ak"}}};
  nlohmann::json partial_rvs = all_rvs;
  partial_rvs.erase("tdvfkernel");
  partial_rvs.erase("snp_guest_abi_minor");
  partial_rvs.erase("svn");

  nlohmann::json snp = snp_claims();
  nlohmann::json snp_debug = snp;
  snp_debug["policy_debug_allowed"] = true;
  nlohmann::json az_snp = {{"measurement", "aa"},
                           {"tpm", {{"pcr11", "p11"}}},
                           {"reported_tcb_bootloader", "9"},
                           {"reported_tcb_microcode", "72"},
                           {"reported_tcb_snp", "23"},
                           {"reported_tcb_tee", "0"},
                           {"platform_smt_enabled", "true"},
                           {"platform_tsme_enabled", "false"},
                           {"policy_abi_major", "0"},
                           {"policy_abi_minor", "0"},
                           {"policy_single_socket", "false"},
                           {"policy_smt_allowed", "true"}};
  nlohmann::json az_tdx = tdx_claims("UpToDate");
  az_tdx["tpm"] = {{"pcr11", "p11"}};
  nlohmann::json containers = {
      {"containers",
       {{{"OCI",
          {{"Annotations", {{"io.kubernetes.cri.image-name", "nginx"}}},
           {"Process", {{"User", {{"UID", 65535}}}}}}}},
        {{"OCI", {{"Annotations", nlohmann::json::object()}, {"Process", {{"User", {{"UID", 1001}}}}}}}}}}};
  const std::vector<nlohmann::json> inputs{
      {{"sample",
        {{"svn", "1"},
         {"launch_digest", "abcde"},
         {"platform_version", {{"major", 1}, {"minor", 4}}},
         {"debug", false}}}},
      {{"sample",
        {{"svn", "2"},
         {"launch_digest", "x"},
         {"platform_version", {{"major", 1}, {"minor", 0}}},
         {"debug", true}}}},
      {{"snp", snp}},
      {{"snp", snp_debug}},
      {{"tdx", tdx_claims("UpToDate")}},
      {{"tdx", tdx_claims("OutOfDate")}},
      {{"az-snp-vtpm", az_snp}},
      {{"az-tdx-vtpm", az_tdx}},
      {{"tpm", {{"pcr11", "p11"}, {"ak_public", "ak"}}}},
      {{"se", nlohmann::json::object()}},
      {{"snp", snp}, {"init_data_claims", {{"agent_policy_claims", containers}}}},
      {{"snp", snp},
       {"init_data_claims", {{"agent_policy_claims", {{"containers", nlohmann::json::array()}}}}}},
      nlohmann::json::object(),
  };
  for (const auto& rvs : {all_rvs, partial_rvs, nlohmann::json::object()}) {
    auto ours = compile(std::string(default_cpu_policy()), rvs);
    auto trustee = compile(theirs, rvs);
    for (const auto& in : inputs) {
      SCOPED_TRACE(in.dump() + " with " + std::to_string(rvs.size()) + " reference values");
      EXPECT_EQ(eval(*ours, "data.policy.trust_claims", in), eval(*trustee, "data.policy.trust_claims", in));
      EXPECT_EQ(eval(*ours, "data.policy.extensions", in), eval(*trustee, "data.policy.extensions", in));
    }
  }
}

TEST(DefaultPolicies, PatternPoliciesMatchTheChart) {
  COCO_REQUIRE_CORPUS();
  auto chart = [](const std::string& rel) {
    return to_string(coco::test::read_or_die(coco::test::shared_dir() /
                                             "rego-corpus/policies/trustee-chart/extracted" / rel));
  };
  nlohmann::json pcrs = {{"pcr03", "a3"}, {"pcr08", "a8"}, {"pcr09", "a9"}, {"pcr11", "b1"}, {"pcr12", "b2"}};
  nlohmann::json pcrs_off = pcrs;
  pcrs_off["pcr08"] = "ff";
  const nlohmann::json rvs = {{"snp_pcr03", {"a3"}}, {"snp_pcr08", {"a8"}}, {"snp_pcr09", {"a9"}},
                              {"snp_pcr11", {"b1"}}, {"snp_pcr12", {"b2"}}, {"tdx_pcr03", {"a3"}},
                              {"tdx_pcr08", {"a8"}}, {"tdx_pcr09", {"a9"}}, {"tdx_pcr11", {"b1"}},
                              {"tdx_pcr12", {"b2"}}, {"init_data", {"1d"}}};
  nlohmann::json tdx_quote = {
      {"header", {{"tee_type", "81000000"}, {"vendor_id", "939a7233f79c4ca9940a0db3957f0607"}}}};
  nlohmann::json foreign_quote = {{"header", {{"tee_type", "00000000"}}}};
  const std::vector<nlohmann::json> inputs{{{"az-snp-vtpm", {{"tpm", pcrs}}}},
                                           {{"az-snp-vtpm", {{"tpm", pcrs_off}}}},
                                           {{"az-tdx-vtpm", {{"tpm", pcrs}, {"quote", tdx_quote}}}},
                                           {{"az-tdx-vtpm", {{"tpm", pcrs}, {"quote", foreign_quote}}}},
                                           {{"snp", snp_claims()}, {"init_data", "1d"}},
                                           {{"snp", snp_claims()}, {"init_data", "2e"}},
                                           {{"tdx", tdx_claims("UpToDate")}, {"init_data", "1d"}},
                                           {{"sample", {{"svn", "1"}}}},
                                           nlohmann::json::object()};
  for (const auto& rv : {rvs, nlohmann::json::object()}) {
    auto ours = compile(std::string(pattern_cpu_policy()), rv);
    auto theirs = compile(chart("default_cpu.gpu-disabled.rego"), rv);
    for (const auto& in : inputs) {
      SCOPED_TRACE(in.dump());
      EXPECT_EQ(eval(*ours, "data.policy.trust_claims", in), eval(*theirs, "data.policy.trust_claims", in));
    }
  }
  auto ours = compile(std::string(pattern_resource_policy()), {});
  auto theirs = compile(chart("resource-policy.rego"), {});
  for (const char* status : {"affirming", "warning"}) {
    nlohmann::json in = {{"submods", {{"cpu0", {{"ear.status", status}}}}}};
    EXPECT_EQ(eval(*ours, "data.policy.allow", in), eval(*theirs, "data.policy.allow", in));
  }
  EXPECT_EQ(eval(*ours, "data.policy.allow", {{"submods", nlohmann::json::object()}}),
            eval(*theirs, "data.policy.allow", {{"submods", nlohmann::json::object()}}));
}

TEST(DefaultPolicies, ResourcePoliciesMatchTrustee) {
  COCO_REQUIRE_CORPUS();
  const std::vector<std::pair<std::string_view, std::string>> pairs{
      {default_resource_policy(), "kbs/sample_policies/default.rego"},
      {allow_all_resource_policy(), "kbs/sample_policies/allow_all.rego"},
      {deny_all_resource_policy(), "kbs/sample_policies/deny_all.rego"},
      {affirming_resource_policy(), "kbs/sample_policies/affirming.rego"}};
  auto submod = [](const char* tee, const char* status) {
    return nlohmann::json{{"ear.status", status},
                          {"ear.veraison.annotated-evidence", {{tee, {{"svn", "1"}}}}}};
  };
  const std::vector<nlohmann::json> inputs{
      {{"submods", {{"cpu0", submod("sample", "affirming")}}}},
      {{"submods", {{"cpu0", submod("snp", "affirming")}}}},
      {{"submods", {{"cpu0", submod("snp", "contraindicated")}}}},
      {{"submods", {{"cpu0", submod("snp", "affirming")}, {"gpu0", submod("sampledevice", "warning")}}}},
      {{"submods", nlohmann::json::object()}},
      nlohmann::json::object()};
  for (const auto& [ours_text, rel] : pairs) {
    for (const char* plugin : {"resource", "other"}) {
      nlohmann::json data = {
          {"plugin", plugin}, {"resource-path", {"a", "b", "c"}}, {"query", nlohmann::json::object()}};
      auto build = [&](const std::string& text) {
        rego::PolicyBuilder b;
        EXPECT_TRUE(b.add_module("p.rego", text));
        EXPECT_TRUE(b.add_data(Value::from_json(data)));
        return *b.compile();
      };
      auto ours = build(std::string(ours_text));
      auto trustee = build(trustee_policy(rel));
      for (const auto& in : inputs) {
        SCOPED_TRACE(rel + " plugin=" + plugin + " input=" + in.dump());
        EXPECT_EQ(eval(*ours, "data.policy.allow", in), eval(*trustee, "data.policy.allow", in));
      }
    }
  }
}

}  // namespace
}  // namespace coco::trustee
