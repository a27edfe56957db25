// The fake Azure compute API and CAA's client side of it, over real HTTP on loopback.
#include "azure/compute.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/encoding.h"

namespace coco::azure {
namespace {

using nlohmann::json;

constexpr const char* kImage =
    "/CommunityGalleries/cocopodvm-d0e4f35f-5530-4b9c/Images/podvm_image0/Versions/0.13.0";
constexpr const char* kUserData =
    "#cloud-config\nwrite_files:\n- path: /run/peerpod/daemon.json\n  content: '{}'\n";

class ComputeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = simulated_cloud_conf("coco-abc12", "eastus", "compute-test");
    creds_ = simulated_cloud_credentials(conf_, "compute-test");
    const std::map<std::string, std::string> existing{{"AZURE_IMAGE_ID", kImage}};
    cm_ = peer_pods_cm(conf_, PatternAzureValues{}, "H4sIAAAA", &existing);
    secret_ = peer_pods_secret(creds_);
    fake_ = std::make_unique<FakeCompute>(FakeComputeOptions::for_credentials(creds_));
    ASSERT_TRUE(fake_->start().ok());
  }

  AzureComputeClient client(const std::map<std::string, std::string>& cm_overrides = {},
                            const std::map<std::string, std::string>& secret_overrides = {}) {
    auto cm = cm_;
    for (const auto& [k, v] : cm_overrides) cm[k] = v;
    auto secret = secret_;
    for (const auto& [k, v] : secret_overrides) secret[k] = v;
    auto cfg = caa_azure_config(cm, secret);
    EXPECT_TRUE(cfg.ok()) << cfg.error().message;
    AzureComputeClientOptions o;
    o.poll_interval = std::chrono::milliseconds(5);
    return AzureComputeClient(fake_->url(), cfg.ok() ? *cfg : CaaAzureConfig{}, o);
  }

  std::string vm_url(const std::string& name) const {
    return fake_->url() + "/subscriptions/" + conf_.subscription_id +
           "/resourceGroups/coco-abc12-rg/providers/Microsoft.Compute/virtualMachines/" + name;
  }

  // A bearer token fetched over the wire, for the raw-protocol tests.
  std::string token() {
    HttpClient http;
    auto r = http.post(fake_->url() + "/" + creds_.tenant_id + "/oauth2/v2.0/token",
                       "grant_type=client_credentials&client_id=" + url_encode(creds_.client_id) +
                           "&client_secret=" + url_encode(creds_.client_secret) +
                           "&scope=" + url_encode("https://management.azure.com/.default"),
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_TRUE(r.ok());
    return json::parse(r->body).at("access_token").get<std::string>();
  }

  HttpResponse raw(std::string_view method, const std::string& url, std::string body, bool auth = true) {
    HttpClient http;
    HttpHeaders h;
    if (auth) h.set("Authorization", "Bearer " + token());
    if (!body.empty()) h.set("Content-Type", "application/json");
    auto r = http.request(method, url, std::move(body), h);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : HttpResponse{};
  }

  static std::string arm_code(const HttpResponse& r) {
    return json::parse(r.body).at("error").at("code").get<std::string>();
  }
  static std::string arm_message(const HttpResponse& r) {
    return json::parse(r.body).at("error").at("message").get<std::string>();
  }

  CloudConf conf_;
  CloudCredentials creds_;
  std::map<std::string, std::string> cm_, secret_;
  std::unique_ptr<FakeCompute> fake_;
};

TEST_F(ComputeTest, CreateGetDeleteRoundTripWithConfidentialVmProfile) {
  auto c = client();
  auto vm = c.create_instance("hello-openshift-7d9c", "4f2a9b1c0d3e5f6789", kUserData, InstanceTypeRequest{});
  ASSERT_TRUE(vm.ok()) << vm.error().message;
  EXPECT_EQ(vm->name, "podvm-hello-openshift-7d9c-4f2a9b1c");
  EXPECT_EQ(vm->id, "/subscriptions/" + conf_.subscription_id +
                        "/resourceGroups/coco-abc12-rg/providers/Microsoft.Compute/virtualMachines/"
                        "podvm-hello-openshift-7d9c-4f2a9b1c");
  EXPECT_EQ(vm->size, "Standard_DC2as_v5");
  EXPECT_EQ(vm->provisioning_state, "Succeeded");
  EXPECT_EQ(vm->ips, std::vector<std::string>{"10.0.128.4"});

  auto rec = fake_->vm(vm->name);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->location, "eastus");
  EXPECT_EQ(rec->tee, "snp");
  EXPECT_EQ(rec->security_type, "ConfidentialVM");
  EXPECT_TRUE(rec->vtpm);
  EXPECT_FALSE(rec->secure_boot);  // CAA's default: measured boot, not secure boot
  EXPECT_EQ(rec->disk_encryption_type, "VMGuestStateOnly");
  EXPECT_EQ(rec->storage_account_type, "Standard_LRS");
  EXPECT_EQ(rec->os_disk_name, vm->name + "-disk");
  EXPECT_EQ(rec->nic_name, vm->name + "-net");
  EXPECT_EQ(rec->image_id, kImage);
  EXPECT_TRUE(rec->community_gallery_image);
  EXPECT_EQ(rec->user_data, kUserData);
  EXPECT_EQ(rec->subnet_id, pattern_subnet_id(conf_));
  EXPECT_EQ(rec->nsg_id, pattern_nsg_id(conf_));
  EXPECT_EQ(rec->admin_username, "peerpod");
  EXPECT_TRUE(rec->password_authentication_disabled);
  EXPECT_TRUE(rec->ssh_public_key.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
  EXPECT_TRUE(rec->boot_diagnostics);
  EXPECT_FALSE(rec->outbound);  // no NAT gateway yet
  EXPECT_EQ(rec->provisioning_state, "Succeeded");

  auto got = c.get_instance(vm->id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->provisioning_state, "Succeeded");
  EXPECT_EQ(got->size, "Standard_DC2as_v5");

  ASSERT_TRUE(c.delete_instance(vm->id).ok());
  EXPECT_FALSE(fake_->vm(vm->name).has_value());
  EXPECT_EQ(fake_->counters().deleted, 1u);
  auto gone = c.get_instance(vm->id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "azure.compute_not_found");
  EXPECT_EQ(
      gone.error().message,
      "GET " + vm_url(vm->name) +
          ": RESPONSE 404: 404 Not Found: ERROR CODE: ResourceNotFound: The Resource "
          "'Microsoft.Compute/virtualMachines/podvm-hello-openshift-7d9c-4f2a9b1c' under resource group "
          "'coco-abc12-rg' was not found. For more details please go to "
          "https://aka.ms/ARMResourceNotFoundFix");
  // Deleting what is gone is not an error on ARM (204).
  EXPECT_TRUE(c.delete_instance(vm->id).ok());
}

TEST_F(ComputeTest, RequestBodyIsCaasCreateInstance) {
  auto c = client({{"TAGS", "owner=coco,env=test"}, {"ROOT_VOLUME_SIZE", "30"}});
  const json body = c.vm_parameters("podvm-x-12345678", "Standard_DC4as_v5", "I2Nsb3VkLWNvbmZpZw==");
  const json expected = json::parse(R"({
    "location": "eastus",
    "tags": {"env": "test", "owner": "coco"},
    "properties": {
      "hardwareProfile": {"vmSize": "Standard_DC4as_v5"},
      "storageProfile": {
        "imageReference": {"communityGalleryImageId": ")" +
                                    std::string(kImage) + R"("},
        "osDisk": {"name": "podvm-x-12345678-disk", "createOption": "FromImage", "caching": "ReadWrite",
                   "deleteOption": "Delete", "diskSizeGB": 30,
                   "managedDisk": {"storageAccountType": "Standard_LRS",
                                   "securityProfile": {"securityEncryptionType": "VMGuestStateOnly"}}}
      },
      "osProfile": {"adminUsername": "peerpod", "computerName": "podvm-x-12345678",
                    "linuxConfiguration": {"disablePasswordAuthentication": true,
                      "ssh": {"publicKeys": [{"path": "/home/peerpod/.ssh/authorized_keys",
                                              "keyData": ")" +
                                    c.config().ssh_public_key + R"("}]}}},
      "networkProfile": {"networkApiVersion": "2020-11-01", "networkInterfaceConfigurations": [
        {"name": "podvm-x-12345678-net", "properties": {"deleteOption": "Delete",
          "ipConfigurations": [{"name": "ip-config", "properties": {"subnet": {"id": ")" +
                                    pattern_subnet_id(conf_) + R"("}}}],
          "networkSecurityGroup": {"id": ")" +
                                    pattern_nsg_id(conf_) + R"("}}}]},
      "securityProfile": {"securityType": "ConfidentialVM",
                          "uefiSettings": {"secureBootEnabled": false, "vTpmEnabled": true}},
      "diagnosticsProfile": {"bootDiagnostics": {"enabled": true}},
      "userData": "I2Nsb3VkLWNvbmZpZw=="
    }
  })");
  EXPECT_EQ(body, expected) << body.dump(2);

  // A managed image id goes in imageReference.id.
  auto managed = client(
      {{"AZURE_IMAGE_ID", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/podvm"}});
  EXPECT_EQ(
      managed.vm_parameters("n", "Standard_DC2as_v5", "")["properties"]["storageProfile"]["imageReference"],
      json::parse(R"({"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/podvm"})"));
}

TEST_F(ComputeTest, DisableCvmCreatesAPlainVm) {
  auto c = client({{"DISABLECVM", "true"},
                   {"AZURE_INSTANCE_SIZE", "Standard_D2s_v5"},
                   {"AZURE_INSTANCE_SIZES", "Standard_D2s_v5"}});
  const json body = c.vm_parameters("n", "Standard_D2s_v5", "");
  EXPECT_FALSE(body["properties"].contains("securityProfile"));
  EXPECT_FALSE(body["properties"]["storageProfile"]["osDisk"]["managedDisk"].contains("securityProfile"));
  auto vm = c.create_instance("plain", "aaaabbbbcccc", kUserData, "");
  ASSERT_TRUE(vm.ok()) << vm.error().message;
  auto rec = fake_->vm(vm->name);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->size, "Standard_D2s_v5");
  EXPECT_EQ(rec->security_type, "");
  EXPECT_FALSE(rec->vtpm);
  EXPECT_EQ(rec->disk_encryption_type, "");
}

TEST_F(ComputeTest, SecureBootFollowsEnableSecureBoot) {
  auto c = client({{"ENABLE_SECURE_BOOT", "True"}});
  auto vm = c.create_instance("sb", "0123456789", kUserData, "");
  ASSERT_TRUE(vm.ok()) << vm.error().message;
  EXPECT_TRUE(fake_->vm(vm->name)->secure_boot);
}

// pattern.md 5.3: the instance-type e2e cases, with CAA's exact strings.
TEST_F(ComputeTest, InstanceSelectionAsCaa) {
  auto c = client();
  auto sizes = c.instance_sizes();
  ASSERT_TRUE(sizes.ok()) << sizes.error().message;
  const std::vector<VmSize> expected{{"Standard_DC2as_v5", 2, 8192},
                                     {"Standard_DC4as_v5", 4, 16384},
                                     {"Standard_DC8as_v5", 8, 32768},
                                     {"Standard_DC16as_v5", 16, 65536}};
  EXPECT_EQ(*sizes, expected);

  EXPECT_EQ(*c.select({}), "Standard_DC2as_v5");                                // no annotations
  EXPECT_EQ(*c.select({"Standard_DC8as_v5", 0, 0}), "Standard_DC8as_v5");       // machine_type
  EXPECT_EQ(*c.select({"", 2, 12288}), "Standard_DC4as_v5");                    // vcpus + memory
  EXPECT_EQ(*c.select({"", 4, 0}), "Standard_DC2as_v5");                        // one of them: default
  EXPECT_EQ(*c.select({"Standard_DC16as_v5", 2, 8192}), "Standard_DC16as_v5");  // machine_type wins

  auto invalid = c.select({"Standard_D2s_v5", 0, 0});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, "azure.compute_instance_type");
  EXPECT_EQ(invalid.error().message,
            "failed to verify instance type: requested instance type (\"Standard_D2s_v5\") is not part of "
            "supported "
            "instance types list");
  // The pod never gets a VM.
  auto pod =
      c.create_instance("annotations-invalid-instance-type", "0123456789", kUserData, "Standard_D2s_v5");
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error().message, invalid.error().message);
  EXPECT_EQ(fake_->counters().create_requests, 0u);
}

TEST_F(ComputeTest, InstanceSelectionTooLargeRequests) {
  auto small = client({{"AZURE_INSTANCE_SIZES", "Standard_DC2as_v5,Standard_DC4as_v5"}});
  auto mem = small.create_instance("annotations-too-big-mem", "0123456789", kUserData,
                                   InstanceTypeRequest{"", 2, 18432});
  ASSERT_FALSE(mem.ok());
  EXPECT_EQ(mem.error().code, "azure.compute_instance_type");
  EXPECT_EQ(mem.error().message,
            "failed to get instance type based on vCPU and memory annotations: no instance type found for "
            "the given "
            "vcpus (2) and memory (18432)");

  auto mixed = client({{"AZURE_INSTANCE_SIZES", "Standard_DC2as_v5,Standard_EC2as_v5"}});
  auto cpu = mixed.create_instance("annotations-too-big-cpu", "0123456789", kUserData,
                                   InstanceTypeRequest{"", 3, 12288});
  ASSERT_FALSE(cpu.ok());
  EXPECT_EQ(cpu.error().message,
            "failed to get instance type based on vCPU and memory annotations: no instance type found for "
            "the given "
            "vcpus (3) and memory (12288)");
  EXPECT_EQ(fake_->counters().create_requests, 0u);
}

TEST(InstanceSelection, PureFunctionCases) {
  const std::vector<VmSize> list = sort_vm_sizes(
      {{"Standard_DC4as_v5", 4, 16384}, {"Standard_EC2as_v5", 2, 16384}, {"Standard_DC2as_v5", 2, 8192}});
  EXPECT_EQ(list[0].name, "Standard_DC2as_v5");
  EXPECT_EQ(list[1].name, "Standard_EC2as_v5");  // equal memory: fewer vCPUs first
  EXPECT_EQ(list[2].name, "Standard_DC4as_v5");

  auto empty = select_instance_type({"Standard_DC4as_v5", 0, 0}, {}, {}, "Standard_DC2as_v5");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message,
            "failed to verify instance type: requested instance type (\"Standard_DC4as_v5\") is not default "
            "(\"Standard_DC2as_v5\") and supported instance types list is empty");
  EXPECT_EQ(*select_instance_type({"Standard_DC2as_v5", 0, 0}, {}, {}, "Standard_DC2as_v5"),
            "Standard_DC2as_v5");
  // Go's %q escaping of what an annotation may hold.
  auto odd = select_instance_type({"a\"b", 0, 0}, {}, {"x"}, "x");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message,
            "failed to verify instance type: requested instance type (\"a\\\"b\") is not part of supported "
            "instance "
            "types list");

  // CAA finds the fit with sort.Search, which assumes "false then true"; where a list breaks that, CAA's
  // answer (not a linear scan's) is what a pod gets.
  const std::vector<VmSize> odd_list{{"many-cores", 8, 4096}, {"few-cores", 2, 8192}, {"big", 16, 16384}};
  EXPECT_EQ(*select_instance_type({"", 4, 4096}, odd_list, {"many-cores", "few-cores", "big"}, "few-cores"),
            "big");
}

TEST(InstanceName, GenerateInstanceNameAsCaa) {
  EXPECT_EQ(generate_instance_name("hello-openshift", "0123456789abcdef"), "podvm-hello-openshift-01234567");
  EXPECT_EQ(generate_instance_name("My_Pod.v2", "ABCDEF0123"), "podvm-my-pod-v2-abcdef01");
  EXPECT_EQ(generate_instance_name("caf\xc3\xa9", "12"), "podvm-caf--12");  // one '-' per rune
  const std::string long_name(80, 'p');
  const std::string name = generate_instance_name(long_name, "0123456789abcdef");
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name, "podvm-" + std::string(48, 'p') + "-01234567");
}

TEST(CaaConfig, ReadsThePeerPodsObjectsAsCaa) {
  const CloudConf conf = simulated_cloud_conf("coco-abc12", "eastus", "cfg");
  const CloudCredentials creds = simulated_cloud_credentials(conf, "cfg");
  std::map<std::string, std::string> existing{{"AZURE_IMAGE_ID", kImage}};
  auto cm = peer_pods_cm(conf, {}, "", &existing);
  cm["TAGS"] = "owner=coco, team = ccp ,broken,later=lost";
  cm["ROOT_VOLUME_SIZE"] = "30GB";
  cm["DISABLECVM"] = "TRUE";
  cm["USE_PUBLIC_IP"] = "yes";
  auto cfg = caa_azure_config(cm, peer_pods_secret(creds));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->subscription_id, conf.subscription_id);
  EXPECT_EQ(cfg->client_secret, creds.client_secret);
  EXPECT_EQ(cfg->region, "eastus");
  EXPECT_EQ(cfg->resource_group, "coco-abc12-rg");
  EXPECT_EQ(cfg->instance_size, "Standard_DC2as_v5");
  EXPECT_EQ(cfg->instance_sizes, (std::vector<std::string>{"Standard_DC2as_v5", "Standard_DC4as_v5",
                                                           "Standard_DC8as_v5", "Standard_DC16as_v5"}));
  EXPECT_EQ(cfg->tags, (std::map<std::string, std::string>{{"owner", "coco"}, {"team", "ccp"}}));
  EXPECT_EQ(cfg->root_volume_size_gb, 30);
  EXPECT_TRUE(cfg->disable_cvm);
  EXPECT_FALSE(cfg->use_public_ip);  // only "1" and "true" are true
  EXPECT_EQ(cfg->ssh_username, "peerpod");

  cm["ROOT_VOLUME_SIZE"] = "big";
  EXPECT_EQ(caa_azure_config(cm, peer_pods_secret(creds))->root_volume_size_gb, 0);
}

TEST(CaaConfig, MissingValuesAndEmptyImage) {
  const CloudConf conf = simulated_cloud_conf("coco-abc12", "eastus", "cfg");
  const CloudCredentials creds = simulated_cloud_credentials(conf, "cfg");
  // The pattern's peer-pods-cm before OSC has filled in an image.
  auto fresh = caa_azure_config(peer_pods_cm(conf, {}, "", nullptr), peer_pods_secret(creds));
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().code, "azure.compute_image_empty");
  EXPECT_EQ(fresh.error().message, "ImageId is empty");

  std::map<std::string, std::string> existing{{"AZURE_IMAGE_ID", kImage}};
  for (const char* key : {"AZURE_REGION", "AZURE_RESOURCE_GROUP", "AZURE_SUBNET_ID"}) {
    auto cm = peer_pods_cm(conf, {}, "", &existing);
    cm.erase(key);
    auto r = caa_azure_config(cm, peer_pods_secret(creds));
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().code, "azure.compute_config_missing");
    EXPECT_EQ(r.error().message,
              std::string(key) + " is required but not set in peer-pods-cm or peer-pods-secret");
  }
  auto secret = peer_pods_secret(creds);
  secret["AZURE_SUBSCRIPTION_ID"] = "";
  auto r = caa_azure_config(peer_pods_cm(conf, {}, "", &existing), secret);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "AZURE_SUBSCRIPTION_ID is required but not set in peer-pods-cm or peer-pods-secret");
}

TEST_F(ComputeTest, UserDataOver64KiBIsRefusedBeforeAnyRequest) {
  auto c = client();
  // 49152 bytes encode to exactly 65536 base64 characters: allowed; one more byte is not.
  auto at_limit = c.create_instance("limit", "0123456789", std::string(49152, 'a'), "");
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().message;
  EXPECT_EQ(fake_->vm(at_limit->name)->user_data.size(), 49152u);
  const auto before = fake_->counters().create_requests;
  auto over = c.create_instance("over", "0123456789", std::string(49153, 'a'), "");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "azure.compute_userdata_too_large");
  EXPECT_EQ(over.error().message, "base64 encoded userData is greater than 64KB");
  EXPECT_EQ(fake_->counters().create_requests, before);
}

TEST_F(ComputeTest, QuotaExceeded) {
  fake_->set_quota("standardDCASv5Family", 4);
  auto c = client();
  ASSERT_TRUE(c.create_instance("p1", "1111111111", kUserData, "").ok());
  ASSERT_TRUE(c.create_instance("p2", "2222222222", kUserData, "").ok());
  EXPECT_EQ(fake_->cores_in_use("standardDCASv5Family", "eastus"), 4);
  auto third = c.create_instance("p3", "3333333333", kUserData, "");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "azure.compute_operation_not_allowed");
  const std::string sub = conf_.subscription_id;
  EXPECT_EQ(
      third.error().message,
      "Creating instance (<nil>): beginning VM creation or update: PUT " + vm_url("podvm-p3-33333333") +
          ": RESPONSE 409: 409 Conflict: ERROR CODE: OperationNotAllowed: Operation could not be completed "
          "as "
          "it results in exceeding approved standardDCASv5Family Cores quota. Additional details - "
          "Deployment "
          "Model: Resource Manager, Location: eastus, Current Limit: 4, Current Usage: 4, Additional "
          "Required: "
          "2, (Minimum) New Limit Required: 6. Setup Alerts when Quota reaches threshold. Learn more at "
          "https://aka.ms/quotamonitoringalerting . Submit a request for Quota increase at "
          "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/"
          "%7B%22subscriptionId%22:%22" +
          sub +
          "%22,%22command%22:%22openQuotaApprovalBlade%22,%22quotas%22:[%7B%22location%22:%22eastus%22,"
          "%22providerId%22:%22Microsoft.Compute%22,%22resourceName%22:%22standardDCASv5Family%22,"
          "%22quotaRequest%22:%7B%22properties%22:%7B%22limit%22:6,%22unit%22:%22Count%22,%22name%22:%7B"
          "%22value%22:%22standardDCASv5Family%22%7D%7D%7D%7D]%7D by specifying parameters listed in the "
          "\xe2\x80\x98"
          "Details\xe2\x80\x99 section for deployment to succeed. Please read more about quota "
          "limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests");
  EXPECT_FALSE(fake_->vm("podvm-p3-33333333").has_value());
  // Another family is not limited; freeing cores lets the pod through.
  auto tdx = client({{"AZURE_INSTANCE_SIZES", "Standard_DC2as_v5,Standard_DC2es_v6"}});
  auto t = tdx.create_instance("p4", "4444444444", kUserData, "Standard_DC2es_v6");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(fake_->vm(t->name)->tee, "tdx");
  ASSERT_TRUE(c.delete_instance(fake_->vm("podvm-p1-11111111")->id).ok());
  EXPECT_TRUE(c.create_instance("p3", "3333333333", kUserData, "").ok());
}

TEST_F(ComputeTest, SizeNotAvailableInRegion) {
  fake_->set_size_unavailable("Standard_DC2as_v5", "eastus");
  auto c = client();
  auto r = c.create_instance("p", "0123456789", kUserData, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "azure.compute_sku_not_available");
  EXPECT_EQ(
      r.error().message,
      "Creating instance (<nil>): beginning VM creation or update: PUT " + vm_url("podvm-p-01234567") +
          ": RESPONSE 409: 409 Conflict: ERROR CODE: SkuNotAvailable: The requested VM size for resource "
          "'Following SKUs have failed for Capacity Restrictions: Standard_DC2as_v5' is currently not "
          "available in location 'eastus'. Please try another size or deploy to a different location or "
          "different zone. See https://aka.ms/azureskunotavailable for details.");
  fake_->set_size_unavailable("Standard_DC2as_v5", "eastus", false);
  EXPECT_TRUE(c.create_instance("p", "0123456789", kUserData, "").ok());
}

TEST_F(ComputeTest, WrongClientSecret) {
  auto c = client({}, {{"AZURE_CLIENT_SECRET", "not-the-secret"}});
  auto sizes = c.instance_sizes();
  ASSERT_FALSE(sizes.ok());
  EXPECT_EQ(sizes.error().code, "azure.compute_auth_failed");
  const std::string token_url = fake_->url() + "/" + creds_.tenant_id + "/oauth2/v2.0/token";
  const std::string aad =
      "ClientSecretCredential: authentication failed: POST " + token_url +
      ": RESPONSE 401: 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret "
      "provided. Ensure the secret being sent in the request is the client secret value, not the "
      "client secret ID, for a secret added to app '" +
      creds_.client_id + "'.";
  EXPECT_EQ(sizes.error().message, "getting next page of VM sizes: " + aad);
  auto vm = c.create_instance("p", "0123456789", kUserData, "");
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.error().message, "Creating instance (<nil>): beginning VM creation or update: " + aad);
  EXPECT_EQ(fake_->counters().token_refused, 2u);
  EXPECT_EQ(fake_->counters().created, 0u);

  // On the wire: AAD's error JSON.
  HttpClient http;
  auto r = http.post(token_url,
                     "grant_type=client_credentials&client_id=" + url_encode(creds_.client_id) +
                         "&client_secret=wrong&scope=" + url_encode("https://management.azure.com/.default"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  const json body = json::parse(r->body);
  EXPECT_EQ(body.at("error"), "invalid_client");
  EXPECT_EQ(body.at("error_codes"), json::array({7000215}));
  EXPECT_TRUE(body.at("error_description")
                  .get<std::string>()
                  .starts_with("AADSTS7000215: Invalid client secret provided."));
  EXPECT_EQ(body.at("error_uri"), "https://login.microsoftonline.com/error?code=7000215");
}

TEST_F(ComputeTest, DeleteOfAMalformedIdIsErrNotFound) {
  auto c = client();
  for (const char* id :
       {"not-an-arm-id", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualMachines/x",
        "/subscriptions//resourceGroups/g/providers/Microsoft.Compute/virtualMachines/x"}) {
    auto st = c.delete_instance(id);
    ASSERT_FALSE(st.ok()) << id;
    EXPECT_EQ(st.error().code, "azure.compute_not_found");
    EXPECT_EQ(st.error().message, "VM name not found");
  }
  EXPECT_EQ(fake_->counters().total, 0u);  // no request at all
}

TEST_F(ComputeTest, SlowProvisioningReachesSucceeded) {
  fake_->set_provisioning_delay(std::chrono::milliseconds(150));
  auto c = client();
  auto vm = c.create_instance("slow", "0123456789", kUserData, "");
  ASSERT_TRUE(vm.ok()) << vm.error().message;
  EXPECT_EQ(vm->provisioning_state, "Succeeded");
  EXPECT_EQ(fake_->vm(vm->name)->provisioning_state, "Succeeded");
}

TEST_F(ComputeTest, ProvisioningTimeoutIsNamed) {
  fake_->set_provisioning_delay(std::chrono::milliseconds(60'000));
  auto cfg = caa_azure_config(cm_, secret_);
  ASSERT_TRUE(cfg.ok());
  AzureComputeClientOptions o;
  o.poll_interval = std::chrono::milliseconds(5);
  o.provisioning_timeout = std::chrono::milliseconds(30);
  AzureComputeClient c(fake_->url(), *cfg, o);
  auto vm = c.create_instance("stuck", "0123456789", kUserData, "");
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.error().code, "azure.compute_timeout");
  EXPECT_EQ(vm.error().message,
            "Creating instance (<nil>): waiting for the VM creation: context deadline exceeded");
  EXPECT_EQ(fake_->vm("podvm-stuck-01234567")->provisioning_state, "Creating");
}

TEST_F(ComputeTest, NatGatewayGivesOutbound) {
  auto c = client();
  auto vm = c.create_instance("net", "0123456789", kUserData, "");
  ASSERT_TRUE(vm.ok());
  EXPECT_FALSE(fake_->vm(vm->name)->outbound);
  fake_->configure_nat_gateway(pattern_subnet_id(conf_));
  EXPECT_TRUE(fake_->vm(vm->name)->outbound);
  auto later = c.create_instance("net2", "0123456789", kUserData, "");
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(fake_->vm(later->name)->outbound);
  EXPECT_EQ(later->ips, std::vector<std::string>{"10.0.128.5"});
}

TEST_F(ComputeTest, TransportFaultsAreUnreachable) {
  fake_->faults().set(Fault::down);
  auto c = client();
  auto sizes = c.instance_sizes();
  ASSERT_FALSE(sizes.ok());
  EXPECT_EQ(sizes.error().code, "azure.compute_unreachable");
  EXPECT_TRUE(
      sizes.error().message.starts_with("getting next page of VM sizes: ClientSecretCredential: "
                                        "authentication failed: POST " +
                                        fake_->url()))
      << sizes.error().message;
  fake_->faults().set(Fault::status_500);
  auto again = c.instance_sizes();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "azure.compute_auth_failed");
  fake_->faults().clear();
  EXPECT_TRUE(c.instance_sizes().ok());
}

// ---------------------------------------------------------------------------------------------------------
// The wire protocol, request by request.

TEST_F(ComputeTest, TokenAndAuthentication) {
  HttpClient http;
  auto ok = http.post(fake_->url() + "/" + creds_.tenant_id + "/oauth2/v2.0/token",
                      "grant_type=client_credentials&client_id=" + url_encode(creds_.client_id) +
                          "&client_secret=" + url_encode(creds_.client_secret) +
                          "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  const json t = json::parse(ok->body);
  EXPECT_EQ(t.at("token_type"), "Bearer");
  EXPECT_EQ(t.at("expires_in"), 3599);
  EXPECT_FALSE(t.at("access_token").get<std::string>().empty());

  auto aad = [&](const std::string& tenant, const std::string& form) {
    auto r = http.post(fake_->url() + "/" + tenant + "/oauth2/v2.0/token", form);
    EXPECT_TRUE(r.ok());
    return std::make_pair(r->status, json::parse(r->body));
  };
  const std::string scope = "&scope=" + url_encode("https://management.azure.com/.default");
  auto [s1, b1] = aad("other-tenant", "grant_type=client_credentials&client_id=x&client_secret=y" + scope);
  EXPECT_EQ(s1, 400);
  EXPECT_EQ(b1.at("error_codes"), json::array({90002}));
  auto [s2, b2] =
      aad(creds_.tenant_id, "grant_type=client_credentials&client_id=someone-else&client_secret=y" + scope);
  EXPECT_EQ(s2, 400);
  EXPECT_EQ(b2.at("error"), "unauthorized_client");
  auto [s3, b3] = aad(creds_.tenant_id,
                      "grant_type=client_credentials&client_id=" + url_encode(creds_.client_id) + scope);
  EXPECT_EQ(s3, 401);
  EXPECT_EQ(b3.at("error_codes"), json::array({7000216}));
  auto [s4, b4] = aad(creds_.tenant_id, "grant_type=password&client_id=" + url_encode(creds_.client_id));
  EXPECT_EQ(s4, 400);
  EXPECT_EQ(b4.at("error"), "unsupported_grant_type");
  auto [s5, b5] =
      aad(creds_.tenant_id, "grant_type=client_credentials&client_id=" + url_encode(creds_.client_id) +
                                "&client_secret=" + url_encode(creds_.client_secret) +
                                "&scope=https%3A%2F%2Fgraph.microsoft.com");
  EXPECT_EQ(s5, 400);
  EXPECT_EQ(b5.at("error"), "invalid_scope");

  const std::string sizes = fake_->url() + "/subscriptions/" + conf_.subscription_id +
                            "/providers/Microsoft.Compute/locations/eastus/vmSizes?api-version=2023-09-01";
  auto none = raw("GET", sizes, "", false);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(arm_code(none), "AuthenticationFailed");
  EXPECT_EQ(arm_message(none), "Authentication failed. The 'Authorization' header is missing.");
  auto bogus = http.get(sizes, {{"Authorization", "Bearer eyJ0eXAiOiJKV1QifQ.e30.c2ln"}});
  ASSERT_TRUE(bogus.ok());
  EXPECT_EQ(bogus->status, 401);
  EXPECT_EQ(
      json::parse(bogus->body),
      json::parse(
          R"({"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}})"));
  auto no_version = raw("GET", sizes.substr(0, sizes.find('?')), "");
  EXPECT_EQ(no_version.status, 400);
  EXPECT_EQ(arm_code(no_version), "MissingApiVersionParameter");
  EXPECT_EQ(arm_message(no_version),
            "The api-version query parameter (?api-version=) is required for all requests.");
  auto other_sub = raw("GET",
                       fake_->url() +
                           "/subscriptions/00000000-0000-0000-0000-000000000000/providers/"
                           "Microsoft.Compute/locations/eastus/vmSizes?api-version=2023-09-01",
                       "");
  EXPECT_EQ(other_sub.status, 404);
  EXPECT_EQ(arm_message(other_sub),
            "The subscription '00000000-0000-0000-0000-000000000000' could not be found.");
}

TEST_F(ComputeTest, SizesApiListsTheConfidentialSizes) {
  auto r = raw("GET",
               fake_->url() + "/subscriptions/" + conf_.subscription_id +
                   "/providers/Microsoft.Compute/locations/eastus/vmSizes?api-version=2023-09-01",
               "");
  ASSERT_EQ(r.status, 200);
  std::map<std::string, json> by_name;
  const json doc = json::parse(r.body);
  for (const json& s : doc.at("value")) by_name[s.at("name").get<std::string>()] = s;
  auto check = [&](const std::string& name, int cores, int memory) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_EQ(by_name[name].at("numberOfCores"), cores) << name;
    EXPECT_EQ(by_name[name].at("memoryInMB"), memory) << name;
    EXPECT_TRUE(by_name[name].contains("maxDataDiskCount"));
    EXPECT_TRUE(by_name[name].contains("osDiskSizeInMB"));
    EXPECT_TRUE(by_name[name].contains("resourceDiskSizeInMB"));
  };
  check("Standard_DC2as_v5", 2, 8192);
  check("Standard_DC96as_v5", 96, 393216);
  check("Standard_DC4ads_v5", 4, 16384);
  check("Standard_EC2as_v5", 2, 16384);
  check("Standard_EC96as_v5", 96, 688128);
  check("Standard_DC2es_v5", 2, 8192);
  check("Standard_DC2es_v6", 2, 8192);
  EXPECT_EQ(by_name["Standard_DC2ads_v5"].at("resourceDiskSizeInMB"), 76800);
  EXPECT_EQ(find_vm_size("standard_dc2as_v5")->family, "standardDCASv5Family");
  EXPECT_EQ(find_vm_size("Standard_DC8es_v6")->tee, "tdx");
  EXPECT_EQ(find_vm_size("Standard_D2s_v5")->tee, "");
  EXPECT_EQ(find_vm_size("Standard_B1s"), nullptr);
}

TEST_F(ComputeTest, PutValidatesLikeAzure) {
  auto c = client();
  const std::string url = vm_url("podvm-v-01234567") + "?api-version=2023-09-01";
  auto put = [&](const std::function<void(json&)>& edit) {
    json body = c.vm_parameters("podvm-v-01234567", "Standard_DC2as_v5", base64_encode(as_bytes(kUserData)));
    edit(body);
    return raw("PUT", url, body.dump());
  };

  auto unknown = put([](json& b) { b["properties"]["hardwareProfile"]["vmSize"] = "Standard_Nope_v9"; });
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(arm_code(unknown), "InvalidParameter");
  EXPECT_TRUE(arm_message(unknown).starts_with(
      "The requested VM size Standard_Nope_v9 is not available in the current "
      "region. The sizes available in the current region are: "
      "Standard_DC2as_v5,Standard_DC4as_v5,"))
      << arm_message(unknown);
  EXPECT_TRUE(arm_message(unknown).ends_with(
      ". Find out more on the available VM sizes in each region at https://aka.ms/azure-regions."));
  EXPECT_EQ(json::parse(unknown.body)["error"]["target"], "vmSize");

  auto general = put([](json& b) { b["properties"]["hardwareProfile"]["vmSize"] = "Standard_D2s_v5"; });
  EXPECT_EQ(general.status, 400);
  EXPECT_EQ(arm_code(general), "BadRequest");
  EXPECT_EQ(arm_message(general),
            "The VM size 'Standard_D2s_v5' is not supported for creation of VMs with 'ConfidentialVM' "
            "security type "
            "and managedDisk.securityProfile.securityEncryptionType set as 'VMGuestStateOnly'");

  auto no_vtpm =
      put([](json& b) { b["properties"]["securityProfile"]["uefiSettings"]["vTpmEnabled"] = false; });
  EXPECT_EQ(no_vtpm.status, 400);
  EXPECT_EQ(arm_code(no_vtpm), "InvalidParameter");
  EXPECT_EQ(
      arm_message(no_vtpm),
      "'securityProfile.uefiSettings.vTpmEnabled' must be true for VMs with 'ConfidentialVM' security type.");

  auto no_encryption = put(
      [](json& b) { b["properties"]["storageProfile"]["osDisk"]["managedDisk"].erase("securityProfile"); });
  EXPECT_EQ(no_encryption.status, 400);
  EXPECT_EQ(arm_message(no_encryption),
            "'managedDisk.securityProfile.securityEncryptionType' must be set to 'VMGuestStateOnly' or "
            "'DiskWithVMGuestState' for VMs with 'ConfidentialVM' security type.");

  auto bad_b64 = put([](json& b) { b["properties"]["userData"] = "not base64!"; });
  EXPECT_EQ(bad_b64.status, 400);
  EXPECT_EQ(arm_message(bad_b64), "The value of parameter userData is invalid.");
  EXPECT_EQ(json::parse(bad_b64.body)["error"]["target"], "userData");

  auto too_big = put([](json& b) { b["properties"]["userData"] = base64_encode(Bytes(49155, 'x')); });
  EXPECT_EQ(too_big.status, 400);
  EXPECT_EQ(arm_message(too_big),
            "The value of parameter userData is invalid. The base64 encoded user data is 65540 bytes; the "
            "maximum is "
            "65536.");

  auto no_image = put([](json& b) { b["properties"]["storageProfile"].erase("imageReference"); });
  EXPECT_EQ(no_image.status, 400);
  EXPECT_EQ(arm_message(no_image), "Required parameter 'imageReference' is missing (null).");

  auto no_location = put([](json& b) { b.erase("location"); });
  EXPECT_EQ(no_location.status, 400);
  EXPECT_EQ(arm_code(no_location), "LocationRequired");
  EXPECT_EQ(arm_message(no_location), "The location property is required for this definition.");

  auto no_admin = put([](json& b) { b["properties"]["osProfile"].erase("adminUsername"); });
  EXPECT_EQ(no_admin.status, 400);
  EXPECT_EQ(arm_message(no_admin), "Required parameter 'adminUsername' is missing (null).");

  auto no_network = put([](json& b) { b["properties"].erase("networkProfile"); });
  EXPECT_EQ(no_network.status, 400);
  EXPECT_EQ(arm_message(no_network), "Required parameter 'networkProfile' is missing (null).");

  auto not_json = raw("PUT", url, "{\"location\":");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(arm_code(not_json), "InvalidRequestContent");
  EXPECT_EQ(arm_message(not_json), "The request content was invalid and could not be deserialized.");

  fake_->add_image("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/known");
  auto unknown_image = put([](json&) {});
  EXPECT_EQ(unknown_image.status, 404);
  EXPECT_EQ(arm_code(unknown_image), "NotFound");
  EXPECT_EQ(arm_message(unknown_image), std::string("The Image ") + kImage + " cannot be found.");

  EXPECT_TRUE(fake_->vms().empty());
  EXPECT_EQ(fake_->counters().created, 0u);

  // A valid body: 201 Creating, then GET; the NIC answers with the private IP.
  fake_->add_image(kImage);
  auto created = put([](json&) {});
  EXPECT_EQ(created.status, 201);
  const json vm = json::parse(created.body);
  EXPECT_EQ(vm["properties"]["provisioningState"], "Creating");
  EXPECT_EQ(vm["properties"]["securityProfile"]["securityType"], "ConfidentialVM");
  EXPECT_FALSE(vm["properties"].contains("userData"));
  const std::string nic_id = vm["properties"]["networkProfile"]["networkInterfaces"][0]["id"];
  EXPECT_EQ(nic_id, "/subscriptions/" + conf_.subscription_id +
                        "/resourceGroups/coco-abc12-rg/providers/Microsoft.Network/networkInterfaces/"
                        "podvm-v-01234567-net");
  auto nic = raw("GET", fake_->url() + nic_id + "?api-version=2023-09-01", "");
  EXPECT_EQ(nic.status, 200);
  EXPECT_EQ(json::parse(nic.body)["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"],
            "10.0.128.4");
  auto again = put([](json&) {});  // CreateOrUpdate of the same VM
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(fake_->vms().size(), 1u);

  auto del = raw("DELETE", url, "");
  EXPECT_EQ(del.status, 202);
  ASSERT_TRUE(del.headers.get("Azure-AsyncOperation").has_value());
  auto op = raw("GET", *del.headers.get("Azure-AsyncOperation"), "");
  EXPECT_EQ(op.status, 200);
  EXPECT_EQ(json::parse(op.body)["status"], "Succeeded");
  EXPECT_EQ(raw("DELETE", url, "").status, 204);
}

}  // namespace
}  // namespace coco::azure
