// Scenario files (pattern/scenario.h): the built-in default mirrors fixtures/scenarios/simple.yaml, a user's
// file resolves its references, and mistakes are named.
#include "pattern/scenario.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/test_support.h"
#include "pattern/k8s.h"

namespace coco::pattern {
namespace {

TEST(Scenario, DefaultIsThePatternsSimpleClusterGroup) {
  const Scenario s = default_scenario();
  EXPECT_EQ(s.name, "simple");
  EXPECT_EQ(s.default_vm_flavour, "Standard_DC2as_v5");
  EXPECT_EQ(s.vm_flavours, "Standard_DC2as_v5,Standard_DC4as_v5,Standard_DC8as_v5,Standard_DC16as_v5");
  EXPECT_TRUE(s.nat_gateway);
  ASSERT_EQ(s.manifests.size(), 2u);
  EXPECT_EQ(s.secrets.at("kbsres1").size(), 3u);
  EXPECT_EQ(s.secrets.at("attestation-status").at("status"), "attested");
  EXPECT_EQ(s.initdata.at("initdata"), "pattern-secure");
  EXPECT_FALSE(s.attestation_policy.has_value());
  std::vector<std::string> pods;
  for (const auto& m : s.manifests) {
    auto objects = parse_manifests(m);
    ASSERT_TRUE(objects) << objects.error().message;
    for (const auto& o : objects.value()) {
      if (auto* p = std::get_if<Pod>(&o)) pods.push_back(p->meta.ns + "/" + p->meta.name);
    }
  }
  EXPECT_EQ(pods, (std::vector<std::string>{"hello-openshift/standard", "hello-openshift/secure",
                                            "hello-openshift/insecure-policy", "kbs-access/secure"}));
}

TEST(Scenario, TheFixtureFileLoadsLikeTheBuiltIn) {
  auto s = load_scenario(std::filesystem::path(COCO_SOURCE_DIR) / "fixtures/scenarios/simple.yaml");
  ASSERT_TRUE(s) << s.error().message;
  const Scenario d = default_scenario();
  EXPECT_EQ(s.value().manifests, d.manifests);
  EXPECT_EQ(s.value().secrets, d.secrets);
  EXPECT_EQ(s.value().quota, d.quota);
}

TEST(Scenario, UsersFileWithReferencedFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "coco-scenario-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "policy.rego") << "package policy\ndefault allow = true\n";
  std::ofstream(dir / "pod.yaml") << "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n"
                                     "spec: {containers: [{name: c, image: i}]}\n";
  std::ofstream(dir / "s.yaml") << "name: mine\nvalues: {azure: {defaultVMFlavour: Standard_DC2es_v6}}\n"
                                   "azure: {nat_gateway: false, quota: {standardDCESv6Family: 4}}\n"
                                   "trustee: {resource_policy: policy.rego}\nmanifests: [pod.yaml]\n";
  auto s = load_scenario(dir / "s.yaml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value().name, "mine");
  EXPECT_EQ(s.value().default_vm_flavour, "Standard_DC2es_v6");
  EXPECT_FALSE(s.value().nat_gateway);
  EXPECT_EQ(s.value().quota.at("standardDCESv6Family"), 4);
  EXPECT_EQ(*s.value().resource_policy, "package policy\ndefault allow = true\n");
  EXPECT_EQ(s.value().manifests.size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(Scenario, MistakesAreNamed) {
  auto expect_error = [](const std::string& yaml, const std::string& message) {
    auto s = parse_scenario(yaml, std::filesystem::temp_directory_path());
    ASSERT_FALSE(s) << yaml;
    EXPECT_EQ(s.error().code, "pattern.scenario_invalid");
    EXPECT_EQ(s.error().message, message);
  };
  expect_error(
      "nmae: x\n",
      "scenario: nmae: unknown key (known: name, cluster, cloud_conf, values, azure, initdata, trustee, "
      "secrets, manifests)");
  expect_error("values: {securityPolicyFlavour: lax}\n",
               "scenario: values.securityPolicyFlavour: expected insecure, signed or reject");
  expect_error("azure: {quota: 5}\n", "scenario: azure.quota: expected a map of family: cores");
  expect_error("azure: {provisioning_delay_ms: -1}\n",
               "scenario: azure.provisioning_delay_ms: expected 0..60000");
  expect_error("manifests: x\n", "scenario: manifests: expected a list of files");
  expect_error("- a\n", "scenario: (top level): expected a map");
  auto s = parse_scenario("manifests: [does-not-exist.yaml]\n", "/nonexistent-dir");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("scenario: manifests: cannot read /nonexistent-dir/does-not-exist.yaml"),
            std::string::npos);
  EXPECT_FALSE(parse_scenario("a: [", {}));
}

}  // namespace
}  // namespace coco::pattern
