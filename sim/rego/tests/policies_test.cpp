// Real policies from shared/rego-corpus judged by the engine: Trustee's EAR default CPU policy with
// query_reference_value backed by a reference-value map (trust vectors as trustee.md 3.6 describes), and
// the KBS sample resource policies (allow_all, deny_all, default, affirming).
#include <gtest/gtest.h>

#include "core/test_support.h"
#include "rego/engine.h"

using namespace coco;
using namespace coco::rego;

namespace {

std::string policy_text(const std::string& rel) {
  return to_string(test::read_or_die(test::shared_dir() / "rego-corpus" / "policies" / "trustee" / rel));
}

Value J(const char* text) {
  return Value::from_json(nlohmann::json::parse(text));
}

// The EAR CPU policy compiled with a reference-value store.
std::shared_ptr<const Policy> ear_policy(const nlohmann::json& reference_values) {
  PolicyBuilder b;
  auto st = b.add_module("ear_default_policy_cpu.rego",
                         policy_text("attestation-service/src/ear_token/ear_default_policy_cpu.rego"));
  EXPECT_TRUE(st) << st.error().message;
  auto rv = std::make_shared<nlohmann::json>(reference_values);
  // Trustee's extension: the stored value, or null when the id has none.
  b.add_host_function("query_reference_value", 1, [rv](std::span<const Value> args) -> std::optional<Value> {
    if (!args[0].is_string() || !rv->contains(args[0].as_string())) return Value::null();
    return Value::from_json((*rv)[args[0].as_string()]);
  });
  auto p = b.compile();
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

struct Vector {
  std::int64_t executables, hardware, configuration;
};

Vector trust_vector(const Policy& p, const Value& input) {
  auto r = p.eval("data.policy.trust_claims", input);
  EXPECT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->has_value());
  const Value& tc = **r;
  for (const char* zero :
       {"file-system", "instance-identity", "runtime-opaque", "storage-opaque", "sourced-data"})
    EXPECT_EQ(*tc.get(Value::string(zero)), Value::integer(0)) << zero;
  return {tc.get(Value::string("executables"))->as_number().i,
          tc.get(Value::string("hardware"))->as_number().i,
          tc.get(Value::string("configuration"))->as_number().i};
}

void expect_vector(const Vector& got, Vector want, const std::string& what) {
  EXPECT_EQ(got.executables, want.executables) << what << ": executables";
  EXPECT_EQ(got.hardware, want.hardware) << what << ": hardware";
  EXPECT_EQ(got.configuration, want.configuration) << what << ": configuration";
}

const char* kSnpClaims = R"({"snp": {
  "measurement": "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e",
  "reported_tcb_bootloader": 10, "reported_tcb_microcode": 84, "reported_tcb_snp": 23, "reported_tcb_tee": 0,
  "policy_debug_allowed": false, "policy_migrate_ma": false, "platform_smt_enabled": true,
  "platform_tsme_enabled": false, "policy_abi_major": 0, "policy_abi_minor": 31, "policy_single_socket": false,
  "policy_smt_allowed": true, "report_data": "00", "init_data": "00", "chip_id": "00"}})";

const char* kSnpRvs = R"({
  "snp_launch_measurement": ["6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e"],
  "snp_bootloader": [10], "snp_microcode": [84], "snp_snp_svn": [23], "snp_tee_svn": [0],
  "snp_smt_enabled": true, "snp_tsme_enabled": false, "snp_guest_abi_major": 0, "snp_guest_abi_minor": 31,
  "snp_single_socket": false, "snp_smt_allowed": true})";

}  // namespace

TEST(TrusteeEarPolicy, SampleTee) {
  COCO_REQUIRE_CORPUS();
  auto p = ear_policy(nlohmann::json::parse(
      R"({"launch_digest": ["abcde"], "svn": ["1"], "major_version": 1, "minimum_minor_version": 0})"));
  auto sample = J(R"({"sample": {"svn": "1", "report_data": "", "launch_digest": "abcde",
                      "platform_version": {"major": 1, "minor": 4}, "debug": false}})");
  expect_vector(trust_vector(*p, sample), {3, 2, 2}, "sample with reference values");
  // Without reference values only the debug check holds (contraindicated executables and hardware).
  expect_vector(trust_vector(*ear_policy(nlohmann::json::object()), sample), {33, 97, 2},
                "sample without RVs");
}

TEST(TrusteeEarPolicy, Snp) {
  COCO_REQUIRE_CORPUS();
  auto p = ear_policy(nlohmann::json::parse(kSnpRvs));
  expect_vector(trust_vector(*p, J(kSnpClaims)), {3, 2, 2}, "snp matching");
  // A configuration field off the reference values: the else branch gives 3 (no known vulnerabilities).
  auto claims = nlohmann::json::parse(kSnpClaims);
  claims["snp"]["policy_single_socket"] = true;
  expect_vector(trust_vector(*p, Value::from_json(claims)), {3, 2, 3}, "snp single_socket differs");
  claims["snp"]["policy_debug_allowed"] = true;
  expect_vector(trust_vector(*p, Value::from_json(claims)), {3, 2, 36}, "snp debug");
  claims = nlohmann::json::parse(kSnpClaims);
  claims["snp"]["reported_tcb_microcode"] = 83;
  claims["snp"]["measurement"] = "00";
  expect_vector(trust_vector(*p, Value::from_json(claims)), {33, 97, 2}, "snp unknown measurement and TCB");
}

TEST(TrusteeEarPolicy, Tdx) {
  COCO_REQUIRE_CORPUS();
  auto rvs = nlohmann::json::parse(
      R"({"rtmr_1": ["r1"], "rtmr_2": ["r2"], "mr_td": ["td"], "xfam": ["e718060000000000"],
                                       "tdvfkernel": "k", "tdvfkernelparams": "kp"})");
  auto p = ear_policy(rvs);
  auto claims = nlohmann::json::parse(R"J({"tdx": {
    "quote": {"header": {"tee_type": "81000000", "vendor_id": "939a7233f79c4ca9940a0db3957f0607"},
              "body": {"rtmr_1": "r1", "rtmr_2": "r2", "mr_td": "td", "xfam": "e718060000000000"}},
    "tcb_status": "UpToDate", "collateral_expiration_status": "0", "td_attributes": {"debug": false},
    "uefi_event_logs": [
      {"type_name": "EV_EFI_BOOT_SERVICES_APPLICATION", "details": {"device_paths": ["File(kernel)"]},
       "digests": [{"alg": "SHA-384", "digest": "k"}]},
      {"type_name": "EV_EVENT_TAG", "details": {"string": "LOADED_IMAGE::LoadOptions"},
       "digests": [{"alg": "SHA-384", "digest": "kp"}]}]}})J");
  expect_vector(trust_vector(*p, Value::from_json(claims)), {3, 2, 2}, "tdx with kernel events");
  claims["tdx"]["uefi_event_logs"] = nlohmann::json::array();
  expect_vector(trust_vector(*p, Value::from_json(claims)), {4, 2, 2}, "tdx without kernel events");
  claims["tdx"]["tcb_status"] = "OutOfDate";
  claims["tdx"]["td_attributes"]["debug"] = true;
  expect_vector(trust_vector(*p, Value::from_json(claims)), {4, 97, 36}, "tdx out of date, debug");
}

TEST(TrusteeEarPolicy, AzureSnpAndTdxVtpm) {
  COCO_REQUIRE_CORPUS();
  auto p = ear_policy(nlohmann::json::parse(R"({
    "measurement": ["bWVhc3VyZW1lbnQ="], "snp_pcr11": ["aa"], "tcb_bootloader": ["10"], "tcb_microcode": ["84"],
    "tcb_snp": ["23"], "tcb_tee": ["0"], "smt_enabled": ["true"], "tsme_enabled": ["false"], "abi_major": ["0"],
    "abi_minor": ["31"], "single_socket": ["false"], "smt_allowed": ["true"], "tdx_pcr11": ["bb"], "mr_td": ["td"],
    "xfam": ["x"]})"));
  // az-snp-vtpm claims are all strings (trustee.md 3.1).
  auto az_snp = J(R"({"az-snp-vtpm": {"measurement": "bWVhc3VyZW1lbnQ=", "tpm": {"pcr11": "aa"},
    "reported_tcb_bootloader": "10", "reported_tcb_microcode": "84", "reported_tcb_snp": "23", "reported_tcb_tee": "0",
    "platform_smt_enabled": "true", "platform_tsme_enabled": "false", "policy_abi_major": "0", "policy_abi_minor": "31",
    "policy_single_socket": "false", "policy_smt_allowed": "true"}})");
  expect_vector(trust_vector(*p, az_snp), {3, 2, 2}, "az-snp-vtpm");
  auto az_tdx = J(R"({"az-tdx-vtpm": {"tpm": {"pcr11": "bb"},
    "quote": {"header": {"tee_type": "81000000", "vendor_id": "939a7233f79c4ca9940a0db3957f0607"},
              "body": {"mr_td": "td", "xfam": "x"}}, "tcb_status": "UpToDate"}})");
  expect_vector(trust_vector(*p, az_tdx), {3, 2, 2}, "az-tdx-vtpm");
  auto wrong = J(R"({"az-tdx-vtpm": {"tpm": {"pcr11": "cc"}, "quote": {"header": {"tee_type": "81000000",
    "vendor_id": "939a7233f79c4ca9940a0db3957f0607"}, "body": {"mr_td": "td", "xfam": "y"}}, "tcb_status": "UpToDate"}})");
  expect_vector(trust_vector(*p, wrong), {33, 2, 36}, "az-tdx-vtpm unknown pcr11 and xfam");
}

TEST(TrusteeEarPolicy, IdentifiersExtension) {
  COCO_REQUIRE_CORPUS();
  auto p = ear_policy(nlohmann::json::object());
  auto input = J(R"({"sample": {"debug": false}, "init_data_claims": {"agent_policy_claims": {"containers": [
    {"OCI": {"Annotations": {"io.kubernetes.cri.image-name": "bitnami/nginx:latest"}, "Process": {"User": {"UID": 65535}}}},
    {"OCI": {"Annotations": {"io.kubernetes.cri.image-name": "bitnami/nginx:latest"}, "Process": {"User": {"UID": 1001}}}}]}}})");
  auto r = p->eval("data.policy.extensions", input);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->has_value());
  auto ext = (**r).as_array().at(0);
  EXPECT_EQ(*ext.get(Value::string("key")), Value::integer(-18));
  EXPECT_EQ(
      ext.get(Value::string("value"))->get(Value::string("validated"))->to_json_text(),
      R"({"container_images":["bitnami/nginx:latest","bitnami/nginx:latest"],"container_uids":[65535,1001]})");
}

TEST(KbsSamplePolicies, Verdicts) {
  COCO_REQUIRE_CORPUS();
  auto verdict = [](const std::string& file, const char* data, const char* input) {
    PolicyBuilder b;
    auto st = b.add_module(file, policy_text("kbs/sample_policies/" + file));
    EXPECT_TRUE(st) << st.error().message;
    EXPECT_TRUE(b.add_data(J(data)));
    auto p = b.compile();
    EXPECT_TRUE(p) << p.error().message;
    auto r = (*p)->eval("data.policy.allow", J(input));
    EXPECT_TRUE(r) << r.error().message;
    return r->has_value() && (**r).as_bool();
  };
  const char* resource =
      R"({"plugin": "resource", "resource-path": ["default", "kbsres1", "key1"], "query": {}})";
  const char* other_plugin = R"({"plugin": "nebula-ca", "resource-path": ["x"], "query": {}})";
  const char* snp_affirming =
      R"({"submods": {"cpu0": {"ear.status": "affirming", "ear.veraison.annotated-evidence": {"snp": {}}}}})";
  const char* sample_affirming =
      R"({"submods": {"cpu0": {"ear.status": "affirming", "ear.veraison.annotated-evidence": {"sample": {}}}}})";
  const char* snp_warning =
      R"({"submods": {"cpu0": {"ear.status": "warning", "ear.veraison.annotated-evidence": {"snp": {}}}}})";
  EXPECT_TRUE(verdict("allow_all.rego", resource, snp_warning));
  EXPECT_FALSE(verdict("allow_all.rego", other_plugin, snp_affirming));
  EXPECT_FALSE(verdict("deny_all.rego", resource, snp_affirming));
  EXPECT_TRUE(verdict("default.rego", resource, snp_warning));  // default.rego does not look at ear.status
  EXPECT_FALSE(verdict("default.rego", resource, sample_affirming));  // ... but denies the sample TEE
  EXPECT_TRUE(verdict("affirming.rego", resource, snp_affirming));
  EXPECT_FALSE(verdict("affirming.rego", resource, snp_warning));
  EXPECT_FALSE(verdict("affirming.rego", resource, R"({"submods": {}})"));
}
