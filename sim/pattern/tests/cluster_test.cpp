// The cluster's user-visible errors, message for message: exec denied by the agent policy, Azure quota and
// region capacity through CAA, userData over 64 KiB, an instance type outside the list; and the cluster's
// plumbing without a KBS: Kyverno's injection at admission, runc pods, restart, the VM's view of init-data.
#include "pattern/cluster.h"

#include <gtest/gtest.h>

#include "azure/cloud_config.h"
#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"
#include "pattern/initdata.h"

namespace coco::pattern {
namespace {

constexpr const char* kImage = "/CommunityGalleries/test/Images/podvm/Versions/1.0.0";

struct World {
  azure::CloudConf cc = azure::simulated_cloud_conf("t", "eastus", "cluster-test");
  azure::CloudCredentials creds = azure::simulated_cloud_credentials(cc, "cluster-test");
  std::unique_ptr<azure::FakeCompute> compute;
  std::unique_ptr<Cluster> cluster;
  KbsEndpoint kbs{"https://127.0.0.1:1", ""};

  World() {
    auto o = azure::FakeComputeOptions::for_credentials(creds);
    o.images = {kImage};
    compute = std::make_unique<azure::FakeCompute>(o);
    EXPECT_TRUE(compute->start());
    ClusterOptions co;
    co.compute_url = compute->url();
    co.compute = compute.get();
    co.platforms.amd = std::make_shared<snp::AmdAuthority>("cluster-test", coco::test::key_cache_dir());
    co.peer_pods_secret = azure::peer_pods_secret(creds);
    const std::map<std::string, std::string> osc = {{"AZURE_IMAGE_ID", kImage}};
    auto secure = initdata_configmap("initdata", render_initdata(kbs, InitDataFlavour::secure));
    auto debug = initdata_configmap("debug-initdata", render_initdata(kbs, InitDataFlavour::debug));
    co.peer_pods_cm = azure::peer_pods_cm(cc, {}, secure.value().data.at("INITDATA"), &osc);
    compute->configure_nat_gateway(co.peer_pods_cm.at("AZURE_SUBNET_ID"));
    cluster = std::make_unique<Cluster>(co);
    cluster->apply(secure.value());
    cluster->apply(debug.value());
  }
  ~World() {
    cluster.reset();
    compute->stop();
  }
  PodStatus create(const std::string& name, const std::string& annotations,
                   const std::string& runtime = "kata-remote") {
    Pod p;
    p.meta.name = name;
    p.meta.ns = "hello-openshift";
    p.meta.annotations = {{"coco.io/initdata-configmap", "initdata"}};
    if (!annotations.empty()) p.meta.annotations[std::string(kMachineTypeAnnotation)] = annotations;
    p.runtime_class = runtime;
    p.containers = {Container{"app", "quay.io/openshift/origin-hello-openshift", {}, {}, {}}};
    auto st = cluster->create_pod(p);
    EXPECT_TRUE(st) << (st ? "" : st.error().message);
    return st ? st.value() : PodStatus{};
  }
  std::string vm_url() const {
    return "PUT " + compute->url() + "/subscriptions/" + cc.subscription_id + "/resourceGroups/" +
           cc.resource_group + "/providers/Microsoft.Compute/virtualMachines/";
  }
};

TEST(Cluster, PeerPodGetsAConfidentialVmWithItsInitDataInPcr8) {
  World w;
  const PodStatus p = w.create("secure", "");
  ASSERT_EQ(p.phase, "Running") << p.message;
  EXPECT_EQ(p.tee, "az-snp-vtpm");
  EXPECT_EQ(p.instance_size, "Standard_DC2as_v5");
  Podvm* vm = w.cluster->podvm("hello-openshift", "secure");
  ASSERT_NE(vm, nullptr);
  const ConfigMap* cm = w.cluster->configmap("hello-openshift", "initdata");  // propagated by Kyverno
  ASSERT_NE(cm, nullptr);
  // process-user-data: the three files, the digest file, PCR8 (computed here from the TOML bytes).
  const std::string toml = decode_initdata(cm->data.at("INITDATA")).value();
  const Bytes raw = sha256(as_bytes(toml));
  EXPECT_EQ(vm->files().at("/run/peerpod/initdata.digest"), hex_encode(raw));
  Bytes pcr8_input(32, 0);
  pcr8_input.insert(pcr8_input.end(), raw.begin(), raw.end());
  EXPECT_EQ(hex_encode(vm->cvm().tpm().read_pcrs().value()[8]), hex_encode(sha256(pcr8_input)));
  EXPECT_EQ(cm->data.at("PCR8_HASH"), hex_encode(sha256(pcr8_input)));
  EXPECT_TRUE(vm->files().count("/run/peerpod/policy.rego"));
  EXPECT_TRUE(vm->files().count("/run/peerpod/cdh.toml"));
  ASSERT_NE(vm->api(), nullptr);
  auto record = w.compute->vm(p.instance_name);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->security_type, "ConfidentialVM");
  EXPECT_TRUE(record->vtpm);
  EXPECT_NE(record->user_data.find("/run/peerpod/initdata"), std::string::npos);
}

TEST(Cluster, ExecDeniedAsOcExecShowsIt) {
  World w;
  ASSERT_EQ(w.create("secure", "").phase, "Running");
  auto r = w.cluster->exec("hello-openshift", "secure", "", {"ls", "/"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().exit_code, 1);
  EXPECT_EQ(r.value().out, "");
  EXPECT_EQ(r.value().err,
            "error: Internal error occurred: error executing command in container: rpc error: code = "
            "PermissionDenied desc = ExecProcessRequest is blocked by policy: ");
}

TEST(Cluster, ExecWithStdinDeniedByWriteStream) {
  // An allow-listed command passes ExecProcessRequest; with `oc exec -i` its stdin needs WriteStreamRequest,
  // which the secure policy denies.
  World w;
  ASSERT_EQ(w.create("secure", "").phase, "Running");
  const std::vector<std::string> curl = {
      "curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"};
  auto r = w.cluster->exec("hello-openshift", "secure", "", curl, std::string("input"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().exit_code, 1);
  EXPECT_EQ(r.value().err,
            "error: Internal error occurred: error executing command in container: rpc error: code = "
            "PermissionDenied desc = WriteStreamRequest is blocked by policy: ");
  r = w.cluster->exec("hello-openshift", "secure", "", curl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().err.find("blocked by policy"), std::string::npos) << r.value().err;
}

TEST(Cluster, RuncPodExecRunsAndPeerPodDebugPolicyAllows) {
  World w;
  ASSERT_EQ(w.create("standard", "", "").phase, "Running");
  auto r = w.cluster->exec("hello-openshift", "standard", "", {"echo", "hi"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().out, "hi\n");
  // A runc pod has no CDH on 127.0.0.1:8006.
  r = w.cluster->exec("hello-openshift", "standard", "", {"curl", "http://127.0.0.1:8006/info"});
  EXPECT_EQ(r.value().exit_code, 7);
  EXPECT_EQ(r.value().err,
            "curl: (7) Failed to connect to 127.0.0.1 port 8006: Connection refused\ncommand terminated with "
            "exit code 7\n");
  EXPECT_FALSE(w.cluster->exec("hello-openshift", "nope", "", {"ls"}));
  auto missing = w.cluster->exec("hello-openshift", "standard", "sidecar", {"ls"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "error: unable to upgrade connection: container not found (\"sidecar\")");
}

// A failed pod's event, with the one part that varies (the VM name's sandbox-id suffix, 8 hex digits) checked
// for shape: "<head><vm name prefix><8 hex><tail>".
void expect_event(const std::string& got, const std::string& head, const std::string& tail) {
  ASSERT_GE(got.size(), head.size() + 8 + tail.size()) << got;
  EXPECT_EQ(got.substr(0, head.size()), head);
  const std::string suffix = got.substr(head.size(), 8);
  EXPECT_EQ(suffix.find_first_not_of("0123456789abcdef"), std::string::npos) << suffix;
  EXPECT_EQ(got.substr(head.size() + 8), tail);
}

constexpr const char* kSandboxFailed =
    "Failed to create pod sandbox: rpc error: code = Unknown desc = creating an instance : ";

TEST(Cluster, QuotaExceededMessage) {
  World w;
  w.compute->set_quota("standardDCASv5Family", 2);
  ASSERT_EQ(w.create("first", "").phase, "Running");
  const PodStatus p = w.create("second", "");
  EXPECT_EQ(p.phase, "Failed");
  const std::string sub = w.cc.subscription_id;
  expect_event(
      p.message,
      kSandboxFailed + std::string("Creating instance (<nil>): beginning VM creation or update: ") +
          w.vm_url() + "podvm-second-",
      ": RESPONSE 409: 409 Conflict: ERROR CODE: OperationNotAllowed: Operation could not be completed as "
      "it results in exceeding approved standardDCASv5Family Cores quota. Additional details - Deployment "
      "Model: Resource Manager, Location: eastus, Current Limit: 2, Current Usage: 2, Additional Required: "
      "2, (Minimum) New Limit Required: 4. Setup Alerts when Quota reaches threshold. Learn more at "
      "https://aka.ms/quotamonitoringalerting . Submit a request for Quota increase at "
      "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/"
      "%7B%22subscriptionId%22:%22" +
          sub +
          "%22,%22command%22:%22openQuotaApprovalBlade%22,%22quotas%22:[%7B%22location%22:%22eastus%22,"
          "%22providerId%22:%22Microsoft.Compute%22,%22resourceName%22:%22standardDCASv5Family%22,"
          "%22quotaRequest%22:%7B%22properties%22:%7B%22limit%22:4,%22unit%22:%22Count%22,%22name%22:"
          "%7B%22value%22:%22standardDCASv5Family%22%7D%7D%7D%7D]%7D by specifying parameters listed in the "
          "\xE2\x80\x98"
          "Details\xE2\x80\x99 section for deployment to succeed. Please read more about quota limits at "
          "https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests");
}

TEST(Cluster, SizeNotAvailableMessage) {
  World w;
  w.compute->set_size_unavailable("Standard_DC2as_v5", "eastus");
  const PodStatus p = w.create("pod", "");
  EXPECT_EQ(p.phase, "Failed");
  expect_event(
      p.message,
      kSandboxFailed + std::string("Creating instance (<nil>): beginning VM creation or update: ") +
          w.vm_url() + "podvm-pod-",
      ": RESPONSE 409: 409 Conflict: ERROR CODE: SkuNotAvailable: The requested VM size for resource "
      "'Following SKUs have failed for Capacity Restrictions: Standard_DC2as_v5' is currently not available "
      "in location 'eastus'. Please try another size or deploy to a different location or different zone. "
      "See https://aka.ms/azureskunotavailable for details.");
}

TEST(Cluster, InstanceTypeNotListedMessage) {
  World w;
  const PodStatus p = w.create("pod", "Standard_D2s_v5");
  EXPECT_EQ(p.phase, "Failed");
  EXPECT_EQ(p.message,
            kSandboxFailed + std::string("failed to verify instance type: requested instance type "
                                         "(\"Standard_D2s_v5\") is not part of supported instance types "
                                         "list"));
}

TEST(Cluster, UserDataTooLargeMessage) {
  World w;
  std::string policy = "package agent_policy\n";
  for (int i = 0; policy.size() < 80 * 1024; ++i)
    policy += "# " + hex_encode(sha256(as_bytes(std::to_string(i)))) + "\n";
  Pod p;
  p.meta.name = "big";
  p.meta.ns = "hello-openshift";
  p.meta.annotations = {
      {std::string(kInitDataAnnotation), encode_initdata(render_initdata_with_policy(w.kbs, policy))}};
  p.runtime_class = "kata-remote";
  p.containers = {Container{"app", "img", {}, {}, {}}};
  auto st = w.cluster->create_pod(p);
  ASSERT_TRUE(st);
  EXPECT_EQ(st.value().phase, "Failed");
  EXPECT_EQ(st.value().message, kSandboxFailed + std::string("base64 encoded userData is greater than 64KB"));
}

TEST(Cluster, InitDataAnnotationThatDoesNotDecode) {
  World w;
  Pod p;
  p.meta.name = "bad";
  p.meta.ns = "hello-openshift";
  // base64 of "not gzip": accepted as the older pattern's plain base64 TOML, then not TOML inside the VM,
  // whose agent never answers.
  p.meta.annotations = {{std::string(kInitDataAnnotation), "bm90IGd6aXA="}};
  p.runtime_class = "kata-remote";
  p.containers = {Container{"app", "img", {}, {}, {}}};
  auto st = w.cluster->create_pod(p);
  ASSERT_TRUE(st);
  EXPECT_EQ(st.value().phase, "Failed");
  EXPECT_EQ(
      st.value().message,
      "Failed to create pod sandbox: rpc error: code = Unknown desc = error running agent proxy: "
      "process-user-data: init-data is not valid TOML at line 1, column 5: Error while parsing key-value "
      "pair: expected '=', saw 'g'");
  p.meta.name = "bad2";
  p.meta.annotations = {{std::string(kInitDataAnnotation), "%%%"}};
  st = w.cluster->create_pod(p);
  ASSERT_TRUE(st);
  EXPECT_EQ(st.value().message,
            "Failed to create pod sandbox: rpc error: code = Unknown desc = error decoding initdata: "
            "init-data value "
            "is not base64 (expected the output of `gzip | base64 -w0`)");
}

TEST(Cluster, AdmissionAndRestart) {
  World w;
  Pod p;
  p.meta.name = "x";
  p.meta.ns = "hello-openshift";
  p.runtime_class = "kata-fc";
  auto refused = w.cluster->create_pod(p);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "pods \"x\" is forbidden: pod rejected: RuntimeClass \"kata-fc\" not found");
  ASSERT_EQ(w.create("secure", "").phase, "Running");
  auto dup = w.cluster->create_pod(*w.cluster->pod_manifest("hello-openshift", "secure"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "pods \"secure\" already exists in namespace hello-openshift");
  const std::string first_vm = w.cluster->pod("hello-openshift", "secure")->instance_name;
  auto restarted = w.cluster->restart_pod("hello-openshift", "secure");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted.value().phase, "Running");
  EXPECT_NE(restarted.value().instance_name, first_vm);
  EXPECT_FALSE(w.compute->vm(first_vm).has_value());  // the old VM was deleted
}

}  // namespace
}  // namespace coco::pattern
