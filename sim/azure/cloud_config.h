// The Azure cloud information the validated pattern feeds to peer pods, and how it gets there.
//
// On an OpenShift cluster on Azure nothing about the cloud is typed in by hand: the cloud controller
// manager's ConfigMap openshift-cloud-controller-manager/cloud-conf (key cloud.conf, JSON) names the
// subscription, resource groups, vnet, subnet and NSG, and the Secret azure-cloud-credentials in the same
// namespace holds the service principal. The pattern's ACM policies turn those into the two objects
// cloud-api-adaptor (CAA) reads (pattern.md 1.9 and 2.1):
//   - peerpods-cm-policy (mustonlyhave) builds ConfigMap peer-pods-cm: fixed values, the resource ids
//     assembled from cloud.conf, the VM sizes of values-global.yaml, the image id kept from an existing
//     peer-pods-cm (OSC fills it in), and the cluster's default initdata;
//   - peer-pods-secret-policy copies the four service-principal values into Secret peer-pods-secret.
// This module is that policy logic, exactly (key names, value formats, nothing extra), so the harness can
// check a cluster's peer-pods-cm against what the pattern would have produced, and feed the simulated
// cloud (azure/compute.h) the same values a real cluster would.
//
// Error codes: azure.cloud_conf_invalid (not JSON, not an object, a required key missing, a key of the
// wrong type; the message names the key), azure.cloud_credentials_invalid (a key the pattern reads is
// missing from azure-cloud-credentials; the message names it).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coco::azure {

inline constexpr std::string_view kCloudConfNamespace = "openshift-cloud-controller-manager";
inline constexpr std::string_view kCloudConfConfigMap = "cloud-conf";
inline constexpr std::string_view kCloudConfKey = "cloud.conf";
inline constexpr std::string_view kCloudCredentialsSecret = "azure-cloud-credentials";
inline constexpr std::string_view kOscNamespace = "openshift-sandboxed-containers-operator";
inline constexpr std::string_view kPeerPodsConfigMap = "peer-pods-cm";
inline constexpr std::string_view kPeerPodsSecret = "peer-pods-secret";

// ConfigMap openshift-cloud-controller-manager/cloud-conf, key cloud.conf (JSON, OpenShift's key names in
// the comments). Required when parsing: the eight keys the pattern and its NAT-gateway job read
// (tenantId, subscriptionId, resourceGroup, location, vnetName, vnetResourceGroup, subnetName,
// securityGroupName). Optional: cloud (default AzurePublicCloud), aadClientId, routeTableName.
struct CloudConf {
  std::string cloud = "AzurePublicCloud";           // cloud
  std::string tenant_id;                            // tenantId
  std::string subscription_id;                      // subscriptionId
  std::string aad_client_id;                        // aadClientId (present, not used by the pattern)
  std::string resource_group;                       // resourceGroup
  std::string location;                             // location
  std::string vnet_name;                            // vnetName
  std::string vnet_resource_group;                  // vnetResourceGroup
  std::string subnet_name;                          // subnetName
  std::string security_group_name;                  // securityGroupName
  std::string route_table_name;                     // routeTableName
  nlohmann::json extra = nlohmann::json::object();  // every other key, kept so a round trip loses nothing
};

// Errors: azure.cloud_conf_invalid.
Result<CloudConf> parse_cloud_conf(std::string_view json_text);
// JSON with OpenShift's key names; the known keys always written, then `extra`.
std::string cloud_conf_json(const CloudConf& conf);

// A realistic cloud.conf for a simulated cluster (infra id `cluster`) in `location`: resource group and
// vnet resource group "<cluster>-rg", vnet "<cluster>-vnet", subnet "<cluster>-worker-subnet", NSG
// "<cluster>-nsg", route table "<cluster>-node-routetable"; tenant, subscription and client ids derived
// from `seed`; the CCM's other keys (useManagedIdentityExtension, vmType, loadBalancerSku, ...) in extra.
CloudConf simulated_cloud_conf(const std::string& cluster, const std::string& location,
                               const std::string& seed);

// A GUID-formatted id (version 4 bits set) derived from seed and label: the same inputs give the same id.
std::string simulated_uuid(std::string_view seed, std::string_view label);

// The resource ids the pattern assembles (pattern.md 2.1):
//   /subscriptions/<subscriptionId>/resourceGroups/<vnetResourceGroup>/providers/Microsoft.Network/
//     virtualNetworks/<vnetName>/subnets/<subnetName>
//   /subscriptions/<subscriptionId>/resourceGroups/<resourceGroup>/providers/Microsoft.Network/
//     networkSecurityGroups/<securityGroupName>
std::string pattern_subnet_id(const CloudConf& conf);
std::string pattern_nsg_id(const CloudConf& conf);

struct CloudCredentials {
  std::string client_id, client_secret, tenant_id, subscription_id, region, resource_group, resource_prefix;
};

// Secret openshift-cloud-controller-manager/azure-cloud-credentials: keys azure_client_id,
// azure_client_secret, azure_tenant_id, azure_subscription_id, azure_region, azure_resourcegroup,
// azure_resource_prefix; values raw (a Secret's data is base64 on the wire; these are the decoded values).
std::map<std::string, std::string> cloud_credentials_secret(const CloudCredentials& creds);
// Requires the four keys the pattern reads (azure_client_id, azure_client_secret, azure_tenant_id,
// azure_subscription_id); the other three are optional. Errors: azure.cloud_credentials_invalid.
Result<CloudCredentials> parse_cloud_credentials_secret(const std::map<std::string, std::string>& data);
// The credentials of the simulated cluster of simulated_cloud_conf: its tenant and subscription, a client id
// and secret derived from `seed`, region = location, resource group, prefix = the resource group without -rg.
CloudCredentials simulated_cloud_credentials(const CloudConf& conf, const std::string& seed);

// values-global.yaml global.coco.azure.
struct PatternAzureValues {
  std::string default_vm_flavour = "Standard_DC2as_v5";
  std::string vm_flavours = "Standard_DC2as_v5,Standard_DC4as_v5,Standard_DC8as_v5,Standard_DC16as_v5";
};

// Policy peerpods-cm-policy, ConfigMap peer-pods-cm: exactly CLOUD_PROVIDER "azure", VXLAN_PORT "9000",
// AZURE_IMAGE_ID (the existing peer-pods-cm's value, "" when there is none or it lacks the key),
// AZURE_INSTANCE_SIZE, AZURE_INSTANCE_SIZES, AZURE_RESOURCE_GROUP (cloud.conf resourceGroup), AZURE_REGION
// (location), AZURE_SUBNET_ID, AZURE_NSG_ID, DISABLECVM "false", PROXY_TIMEOUT "5m", INITDATA (the
// imperative/initdata ConfigMap's INITDATA). mustonlyhave: nothing else.
std::map<std::string, std::string> peer_pods_cm(const CloudConf& conf, const PatternAzureValues& values,
                                                std::string_view initdata,
                                                const std::map<std::string, std::string>* existing_cm);

// Policy peer-pods-secret-policy, Secret peer-pods-secret: AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID from azure-cloud-credentials.
std::map<std::string, std::string> peer_pods_secret(const CloudCredentials& creds);

}  // namespace coco::azure
