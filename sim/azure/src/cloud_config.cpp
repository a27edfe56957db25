#include "azure/cloud_config.h"

#include <array>

#include "core/bytes.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"

namespace coco::azure {
namespace {

struct ConfKey {
  const char* json;
  std::string CloudConf::*field;
  bool required;
};

// OpenShift's cloud.conf key names. Required: what the pattern's policy and NAT-gateway job read.
constexpr std::array<ConfKey, 11> kConfKeys{{
    {"cloud", &CloudConf::cloud, false},
    {"tenantId", &CloudConf::tenant_id, true},
    {"subscriptionId", &CloudConf::subscription_id, true},
    {"aadClientId", &CloudConf::aad_client_id, false},
    {"resourceGroup", &CloudConf::resource_group, true},
    {"location", &CloudConf::location, true},
    {"vnetName", &CloudConf::vnet_name, true},
    {"vnetResourceGroup", &CloudConf::vnet_resource_group, true},
    {"subnetName", &CloudConf::subnet_name, true},
    {"securityGroupName", &CloudConf::security_group_name, true},
    {"routeTableName", &CloudConf::route_table_name, false},
}};

Error conf_error(const std::string& message) {
  return make_error("azure.cloud_conf_invalid", "cloud.conf: " + message);
}

struct SecretKey {
  const char* name;
  std::string CloudCredentials::*field;
  bool required;
};

constexpr std::array<SecretKey, 7> kSecretKeys{{
    {"azure_client_id", &CloudCredentials::client_id, true},
    {"azure_client_secret", &CloudCredentials::client_secret, true},
    {"azure_tenant_id", &CloudCredentials::tenant_id, true},
    {"azure_subscription_id", &CloudCredentials::subscription_id, true},
    {"azure_region", &CloudCredentials::region, false},
    {"azure_resourcegroup", &CloudCredentials::resource_group, false},
    {"azure_resource_prefix", &CloudCredentials::resource_prefix, false},
}};

}  // namespace

Result<CloudConf> parse_cloud_conf(std::string_view json_text) {
  const nlohmann::json doc = parse_json_limited(json_text);
  if (doc.is_discarded()) return conf_error("not valid JSON");
  if (!doc.is_object()) return conf_error("not a JSON object");
  CloudConf conf;
  conf.extra = nlohmann::json::object();
  for (const auto& key : kConfKeys) {
    auto it = doc.find(key.json);
    if (it == doc.end()) {
      if (key.required) return conf_error(std::string("missing key \"") + key.json + "\"");
      continue;
    }
    if (!it->is_string()) return conf_error(std::string("key \"") + key.json + "\" is not a string");
    conf.*key.field = it->get<std::string>();
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    bool known = false;
    for (const auto& key : kConfKeys) known = known || it.key() == key.json;
    if (!known) conf.extra[it.key()] = it.value();
  }
  return conf;
}

std::string cloud_conf_json(const CloudConf& conf) {
  nlohmann::json doc = conf.extra.is_object() ? conf.extra : nlohmann::json::object();
  for (const auto& key : kConfKeys) doc[key.json] = conf.*key.field;
  // The CCM writes cloud.conf tab-indented. A value set in code that is not UTF-8 is written with U+FFFD
  // rather than throwing.
  return doc.dump(1, '\t', false, nlohmann::json::error_handler_t::replace);
}

std::string simulated_uuid(std::string_view seed, std::string_view label) {
  std::string input(seed);
  input += '/';
  input += label;
  Bytes h = sha256(as_bytes(input));
  h[6] = static_cast<std::uint8_t>((h[6] & 0x0f) | 0x40);  // version 4
  h[8] = static_cast<std::uint8_t>((h[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = hex_encode(ByteView(h).first(16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

CloudConf simulated_cloud_conf(const std::string& cluster, const std::string& location,
                               const std::string& seed) {
  CloudConf c;
  c.tenant_id = simulated_uuid(seed, "tenant");
  c.subscription_id = simulated_uuid(seed, "subscription");
  c.aad_client_id = "";  // OpenShift's CCM uses managed identity; the key is present and empty
  c.resource_group = cluster + "-rg";
  c.location = location;
  c.vnet_name = cluster + "-vnet";
  c.vnet_resource_group = cluster + "-rg";
  c.subnet_name = cluster + "-worker-subnet";
  c.security_group_name = cluster + "-nsg";
  c.route_table_name = cluster + "-node-routetable";
  c.extra = {
      {"aadClientSecret", ""},
      {"aadClientCertPath", ""},
      {"aadClientCertPassword", ""},
      {"useManagedIdentityExtension", true},
      {"userAssignedIdentityID", ""},
      {"primaryAvailabilitySetName", ""},
      {"vmType", "standard"},
      {"primaryScaleSetName", ""},
      {"cloudProviderBackoff", true},
      {"cloudProviderBackoffRetries", 0},
      {"cloudProviderBackoffExponent", 0},
      {"cloudProviderBackoffDuration", 6},
      {"cloudProviderBackoffJitter", 0},
      {"cloudProviderRateLimit", false},
      {"useInstanceMetadata", true},
      {"loadBalancerSku", "standard"},
      {"excludeMasterFromStandardLB", false},
      {"disableOutboundSNAT", false},
      {"maximumLoadBalancerRuleCount", 0},
  };
  return c;
}

std::string pattern_subnet_id(const CloudConf& conf) {
  return "/subscriptions/" + conf.subscription_id + "/resourceGroups/" + conf.vnet_resource_group +
         "/providers/Microsoft.Network/virtualNetworks/" + conf.vnet_name + "/subnets/" + conf.subnet_name;
}

std::string pattern_nsg_id(const CloudConf& conf) {
  return "/subscriptions/" + conf.subscription_id + "/resourceGroups/" + conf.resource_group +
         "/providers/Microsoft.Network/networkSecurityGroups/" + conf.security_group_name;
}

std::map<std::string, std::string> cloud_credentials_secret(const CloudCredentials& creds) {
  std::map<std::string, std::string> out;
  for (const auto& key : kSecretKeys) out[key.name] = creds.*key.field;
  return out;
}

Result<CloudCredentials> parse_cloud_credentials_secret(const std::map<std::string, std::string>& data) {
  CloudCredentials creds;
  for (const auto& key : kSecretKeys) {
    auto it = data.find(key.name);
    if (it == data.end()) {
      if (!key.required) continue;
      return make_error("azure.cloud_credentials_invalid",
                        std::string("Secret azure-cloud-credentials: missing key \"") + key.name + "\"");
    }
    creds.*key.field = it->second;
  }
  return creds;
}

CloudCredentials simulated_cloud_credentials(const CloudConf& conf, const std::string& seed) {
  CloudCredentials c;
  c.client_id = simulated_uuid(seed, "client");
  // AAD client secrets are 40 characters; this one is derived so a seed gives the same cluster every time.
  c.client_secret = base64url_encode(sha256(as_bytes(seed + "/client-secret"))).substr(0, 40);
  c.tenant_id = conf.tenant_id;
  c.subscription_id = conf.subscription_id;
  c.region = conf.location;
  c.resource_group = conf.resource_group;
  c.resource_prefix = conf.resource_group.ends_with("-rg")
                          ? conf.resource_group.substr(0, conf.resource_group.size() - 3)
                          : conf.resource_group;
  return c;
}

std::map<std::string, std::string> peer_pods_cm(const CloudConf& conf, const PatternAzureValues& values,
                                                std::string_view initdata,
                                                const std::map<std::string, std::string>* existing_cm) {
  std::string image_id;
  if (existing_cm) {
    if (auto it = existing_cm->find("AZURE_IMAGE_ID"); it != existing_cm->end()) image_id = it->second;
  }
  return {
      {"CLOUD_PROVIDER", "azure"},
      {"VXLAN_PORT", "9000"},
      {"AZURE_IMAGE_ID", image_id},
      {"AZURE_INSTANCE_SIZE", values.default_vm_flavour},
      {"AZURE_INSTANCE_SIZES", values.vm_flavours},
      {"AZURE_RESOURCE_GROUP", conf.resource_group},
      {"AZURE_REGION", conf.location},
      {"AZURE_SUBNET_ID", pattern_subnet_id(conf)},
      {"AZURE_NSG_ID", pattern_nsg_id(conf)},
      {"DISABLECVM", "false"},
      {"PROXY_TIMEOUT", "5m"},
      {"INITDATA", std::string(initdata)},
  };
}

std::map<std::string, std::string> peer_pods_secret(const CloudCredentials& creds) {
  return {
      {"AZURE_CLIENT_ID", creds.client_id},
      {"AZURE_CLIENT_SECRET", creds.client_secret},
      {"AZURE_TENANT_ID", creds.tenant_id},
      {"AZURE_SUBSCRIPTION_ID", creds.subscription_id},
  };
}

}  // namespace coco::azure
