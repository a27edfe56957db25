// cloud.conf, azure-cloud-credentials and the pattern's peer-pods-cm / peer-pods-secret policies.
#include "azure/cloud_config.h"

#include <gtest/gtest.h>

namespace coco::azure {
namespace {

// An OpenShift cloud.conf as the CCM writes it, with the vnet in a resource group of its own (a cluster
// installed into an existing vnet), so the subnet id must use vnetResourceGroup and the NSG id resourceGroup.
constexpr const char* kCloudConf = R"({
	"cloud": "AzurePublicCloud",
	"tenantId": "6f2d8c1e-3b4a-4f5e-9a8b-7c6d5e4f3a2b",
	"aadClientId": "",
	"aadClientSecret": "",
	"aadClientCertPath": "",
	"aadClientCertPassword": "",
	"useManagedIdentityExtension": true,
	"userAssignedIdentityID": "",
	"subscriptionId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	"resourceGroup": "coco-x7k2p-rg",
	"location": "eastasia",
	"vnetName": "coco-vnet",
	"vnetResourceGroup": "shared-network-rg",
	"subnetName": "coco-x7k2p-worker-subnet",
	"securityGroupName": "coco-x7k2p-nsg",
	"routeTableName": "coco-x7k2p-node-routetable",
	"vmType": "standard",
	"loadBalancerSku": "standard",
	"cloudProviderBackoff": true,
	"cloudProviderBackoffDuration": 6,
	"putVMSSVMBatchSize": 0
})";

TEST(CloudConf, PeerPodsCmIsThePatternTableKeyByKey) {
  auto conf = parse_cloud_conf(kCloudConf);
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  const std::map<std::string, std::string> cm =
      peer_pods_cm(*conf, PatternAzureValues{}, "H4sIAAAAAAAA/initdata", nullptr);
  const std::map<std::string, std::string> expected{
      {"CLOUD_PROVIDER", "azure"},
      {"VXLAN_PORT", "9000"},
      {"AZURE_IMAGE_ID", ""},
      {"AZURE_INSTANCE_SIZE", "Standard_DC2as_v5"},
      {"AZURE_INSTANCE_SIZES", "Standard_DC2as_v5,Standard_DC4as_v5,Standard_DC8as_v5,Standard_DC16as_v5"},
      {"AZURE_RESOURCE_GROUP", "coco-x7k2p-rg"},
      {"AZURE_REGION", "eastasia"},
      {"AZURE_SUBNET_ID",
       "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/shared-network-rg/providers/"
       "Microsoft.Network/virtualNetworks/coco-vnet/subnets/coco-x7k2p-worker-subnet"},
      {"AZURE_NSG_ID",
       "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/coco-x7k2p-rg/providers/"
       "Microsoft.Network/networkSecurityGroups/coco-x7k2p-nsg"},
      {"DISABLECVM", "false"},
      {"PROXY_TIMEOUT", "5m"},
      {"INITDATA", "H4sIAAAAAAAA/initdata"},
  };
  EXPECT_EQ(cm, expected);  // mustonlyhave: the same keys, nothing more
}

TEST(CloudConf, ImageIdComesFromTheExistingConfigMap) {
  auto conf = parse_cloud_conf(kCloudConf);
  ASSERT_TRUE(conf.ok());
  const std::map<std::string, std::string> existing{
      {"AZURE_IMAGE_ID", "/CommunityGalleries/cococommunity-42d8/Images/peerpod-podvm/Versions/1.12.0"},
      {"SOMETHING_ELSE", "dropped"}};
  PatternAzureValues values;
  values.default_vm_flavour = "Standard_DC4as_v5";
  values.vm_flavours = "Standard_DC4as_v5,Standard_DC2es_v6";
  auto cm = peer_pods_cm(*conf, values, "x", &existing);
  EXPECT_EQ(cm.at("AZURE_IMAGE_ID"),
            "/CommunityGalleries/cococommunity-42d8/Images/peerpod-podvm/Versions/1.12.0");
  EXPECT_EQ(cm.at("AZURE_INSTANCE_SIZE"), "Standard_DC4as_v5");
  EXPECT_EQ(cm.at("AZURE_INSTANCE_SIZES"), "Standard_DC4as_v5,Standard_DC2es_v6");
  EXPECT_EQ(cm.count("SOMETHING_ELSE"), 0u);
  EXPECT_EQ(cm.size(), 12u);

  const std::map<std::string, std::string> without_key{{"CLOUD_PROVIDER", "azure"}};
  EXPECT_EQ(peer_pods_cm(*conf, values, "x", &without_key).at("AZURE_IMAGE_ID"), "");
}

TEST(CloudConf, RoundTripKeepsUnknownKeys) {
  auto conf = parse_cloud_conf(kCloudConf);
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(conf->cloud, "AzurePublicCloud");
  EXPECT_EQ(conf->tenant_id, "6f2d8c1e-3b4a-4f5e-9a8b-7c6d5e4f3a2b");
  EXPECT_EQ(conf->route_table_name, "coco-x7k2p-node-routetable");
  EXPECT_EQ(conf->extra.at("cloudProviderBackoffDuration"), 6);
  EXPECT_EQ(conf->extra.at("useManagedIdentityExtension"), true);
  EXPECT_EQ(conf->extra.count("tenantId"), 0u);

  const std::string text = cloud_conf_json(*conf);
  auto again = parse_cloud_conf(text);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(nlohmann::json::parse(text), nlohmann::json::parse(kCloudConf));
  EXPECT_EQ(again->extra, conf->extra);
  EXPECT_EQ(again->vnet_resource_group, "shared-network-rg");
}

TEST(CloudConf, OptionalKeysMayBeAbsent) {
  auto doc = nlohmann::json::parse(kCloudConf);
  doc.erase("cloud");
  doc.erase("aadClientId");
  doc.erase("routeTableName");
  auto conf = parse_cloud_conf(doc.dump());
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  EXPECT_EQ(conf->cloud, "AzurePublicCloud");
  EXPECT_EQ(conf->route_table_name, "");
}

TEST(CloudConf, ErrorsNameTheKey) {
  auto expect_error = [](const std::string& text, const std::string& message) {
    auto r = parse_cloud_conf(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, "azure.cloud_conf_invalid");
    EXPECT_EQ(r.error().message, message);
  };
  expect_error("{\"tenantId\": ", "cloud.conf: not valid JSON");
  expect_error("[1, 2]", "cloud.conf: not a JSON object");
  for (const char* key : {"tenantId", "subscriptionId", "resourceGroup", "location", "vnetName",
                          "vnetResourceGroup", "subnetName", "securityGroupName"}) {
    auto doc = nlohmann::json::parse(kCloudConf);
    doc.erase(key);
    expect_error(doc.dump(), std::string("cloud.conf: missing key \"") + key + "\"");
  }
  auto doc = nlohmann::json::parse(kCloudConf);
  doc["location"] = 7;
  expect_error(doc.dump(), "cloud.conf: key \"location\" is not a string");
  doc = nlohmann::json::parse(kCloudConf);
  doc["routeTableName"] = nullptr;
  expect_error(doc.dump(), "cloud.conf: key \"routeTableName\" is not a string");
  // Nesting beyond serde_json's limit is refused, not recursed into.
  expect_error(std::string(200, '[') + std::string(200, ']'), "cloud.conf: not valid JSON");
}

TEST(CloudConf, SimulatedClusterLooksLikeOpenShift) {
  const CloudConf c = simulated_cloud_conf("coco-abc12", "westeurope", "seed-1");
  EXPECT_EQ(c.resource_group, "coco-abc12-rg");
  EXPECT_EQ(c.vnet_resource_group, "coco-abc12-rg");
  EXPECT_EQ(c.vnet_name, "coco-abc12-vnet");
  EXPECT_EQ(c.subnet_name, "coco-abc12-worker-subnet");
  EXPECT_EQ(c.security_group_name, "coco-abc12-nsg");
  EXPECT_EQ(c.route_table_name, "coco-abc12-node-routetable");
  EXPECT_EQ(c.location, "westeurope");
  // A version-4 GUID: 8-4-4-4-12 lower-case hex, version nibble 4, variant 8..b.
  auto is_guid = [](const std::string& g) {
    if (g.size() != 36 || g[14] != '4' || std::string("89ab").find(g[19]) == std::string::npos) return false;
    for (std::size_t i = 0; i < g.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? g[i] != '-' : std::string("0123456789abcdef").find(g[i]) == std::string::npos) return false;
    }
    return true;
  };
  EXPECT_TRUE(is_guid(c.tenant_id)) << c.tenant_id;
  EXPECT_TRUE(is_guid(c.subscription_id)) << c.subscription_id;
  EXPECT_NE(c.tenant_id, c.subscription_id);
  // Same seed, same cluster; another seed, another subscription.
  EXPECT_EQ(simulated_cloud_conf("coco-abc12", "westeurope", "seed-1").subscription_id, c.subscription_id);
  EXPECT_NE(simulated_cloud_conf("coco-abc12", "westeurope", "seed-2").subscription_id, c.subscription_id);
  // What the CCM would write parses back, and the policy builds its ids from it.
  auto parsed = parse_cloud_conf(cloud_conf_json(c));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(
      peer_pods_cm(*parsed, {}, "", nullptr).at("AZURE_SUBNET_ID"),
      "/subscriptions/" + c.subscription_id +
          "/resourceGroups/coco-abc12-rg/providers/Microsoft.Network/virtualNetworks/coco-abc12-vnet/subnets/"
          "coco-abc12-worker-subnet");
}

TEST(CloudCredentials, SecretRoundTripAndPeerPodsSecret) {
  CloudCredentials creds{"c1d2e3f4-0000-4000-8000-000000000001",
                         "s3cr3t~value",
                         "tenant-1",
                         "sub-1",
                         "eastus",
                         "coco-abc12-rg",
                         "coco-abc12"};
  const auto secret = cloud_credentials_secret(creds);
  const std::map<std::string, std::string> expected_secret{
      {"azure_client_id", "c1d2e3f4-0000-4000-8000-000000000001"},
      {"azure_client_secret", "s3cr3t~value"},
      {"azure_tenant_id", "tenant-1"},
      {"azure_subscription_id", "sub-1"},
      {"azure_region", "eastus"},
      {"azure_resourcegroup", "coco-abc12-rg"},
      {"azure_resource_prefix", "coco-abc12"}};
  EXPECT_EQ(secret, expected_secret);
  auto back = parse_cloud_credentials_secret(secret);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->client_secret, "s3cr3t~value");
  EXPECT_EQ(back->resource_prefix, "coco-abc12");

  const std::map<std::string, std::string> expected_pp{
      {"AZURE_CLIENT_ID", "c1d2e3f4-0000-4000-8000-000000000001"},
      {"AZURE_CLIENT_SECRET", "s3cr3t~value"},
      {"AZURE_TENANT_ID", "tenant-1"},
      {"AZURE_SUBSCRIPTION_ID", "sub-1"}};
  EXPECT_EQ(peer_pods_secret(*back), expected_pp);
}

TEST(CloudCredentials, MissingKeysAreNamed) {
  const std::map<std::string, std::string> full{{"azure_client_id", "a"},
                                                {"azure_client_secret", "b"},
                                                {"azure_tenant_id", "c"},
                                                {"azure_subscription_id", "d"}};
  auto ok = parse_cloud_credentials_secret(full);  // region, resource group and prefix are optional
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->region, "");
  for (const char* key :
       {"azure_client_id", "azure_client_secret", "azure_tenant_id", "azure_subscription_id"}) {
    auto data = full;
    data.erase(key);
    auto r = parse_cloud_credentials_secret(data);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().code, "azure.cloud_credentials_invalid");
    EXPECT_EQ(r.error().message, std::string("Secret azure-cloud-credentials: missing key \"") + key + "\"");
  }
}

TEST(CloudCredentials, SimulatedCredentialsMatchTheCluster) {
  const CloudConf c = simulated_cloud_conf("coco-abc12", "eastus", "seed-1");
  const CloudCredentials creds = simulated_cloud_credentials(c, "seed-1");
  EXPECT_EQ(creds.tenant_id, c.tenant_id);
  EXPECT_EQ(creds.subscription_id, c.subscription_id);
  EXPECT_EQ(creds.resource_group, "coco-abc12-rg");
  EXPECT_EQ(creds.resource_prefix, "coco-abc12");
  EXPECT_EQ(creds.region, "eastus");
  EXPECT_EQ(creds.client_secret.size(), 40u);
  EXPECT_EQ(simulated_cloud_credentials(c, "seed-1").client_secret, creds.client_secret);
}

}  // namespace
}  // namespace coco::azure
