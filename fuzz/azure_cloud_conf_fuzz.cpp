// Fuzz target: the OpenShift cloud.conf parser and what the pattern's peerpods-cm policy builds from it.
// cloud.conf is read from a ConfigMap anyone with edit rights on openshift-cloud-controller-manager can
// change, so the parser must refuse, never crash on, whatever it holds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "azure/cloud_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::azure;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto conf = parse_cloud_conf(in);
  if (!conf) {
    if (conf.error().code != "azure.cloud_conf_invalid") std::abort();
    return 0;
  }
  // Lossless: what cloud_conf_json writes parses back to the same document, and writing it again gives the
  // same text.
  const std::string text = cloud_conf_json(*conf);
  auto again = parse_cloud_conf(text);
  if (!again) std::abort();
  if (again->subscription_id != conf->subscription_id ||
      again->vnet_resource_group != conf->vnet_resource_group ||
      again->security_group_name != conf->security_group_name || again->cloud != conf->cloud) {
    std::abort();
  }
  if (cloud_conf_json(*again) != text) std::abort();
  // The policy always produces exactly its twelve keys.
  if (peer_pods_cm(*conf, PatternAzureValues{}, "", nullptr).size() != 12) std::abort();
  if (pattern_subnet_id(*conf).find("/subnets/") == std::string::npos) std::abort();
  return 0;
}
