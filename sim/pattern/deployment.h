// A scenario brought up: what `./pattern.sh make install` and the operators would have produced, on loopback.
//
//   1 the simulated subscription: a fake Azure compute API (azure/compute.h) with the scenario's quota,
//     unavailable sizes, provisioning delay and NAT gateway;
//   2 OpenShift's cloud.conf and azure-cloud-credentials; the ACM policies turn them into peer-pods-cm and
//     peer-pods-secret (azure/cloud_config.h);
//   3 the init-data-gzipper job renders the init-data templates for the KBS route and certificate into the
//     `imperative` ConfigMaps (pattern/initdata.h); Kyverno propagates them;
//   4 Trustee gets the chart's (or the scenario's) attestation and resource policies, the reference values
//     rvps-policy builds from those ConfigMaps and pcr-stash (the peer-pod image's PCRs), and the secrets
//     Vault and External Secrets would deliver, all through the KBS admin API, so the same steps configure
//     the embedded KBS or a test Trustee;
//   5 the scenario's manifests are applied: pods become peer-pod VMs (pattern/cluster.h).
//
// The deployment also does what a user does afterwards: change a secret in Vault, re-render init-data (with
// or without updating the reference values), restart a pod.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "azure/cloud_config.h"
#include "azure/compute.h"
#include "core/crypto.h"
#include "guest/rcar_client.h"
#include "pattern/cluster.h"
#include "pattern/initdata.h"
#include "pattern/scenario.h"

namespace coco::pattern {

struct DeploymentOptions {
  Scenario scenario;
  KbsEndpoint kbs;  // the URL and certificate init-data names (the guests connect there)
  Key admin_key;    // the KBS admin (kbsPrivateKey)
  PodvmPlatforms platforms;
  std::string seed = "coco-harness";  // generated secrets and simulated ids
  std::function<void(const std::string&)> progress;
};

class Deployment {
 public:
  // Errors: a scenario the ACM policies or the templates cannot use, the fake API not starting, the KBS
  // admin API refusing a step (named), a manifest that does not parse.
  static Result<std::unique_ptr<Deployment>> up(DeploymentOptions options);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  Cluster& cluster() { return *cluster_; }
  azure::FakeCompute& compute() { return *compute_; }
  const Scenario& scenario() const { return opts_.scenario; }
  const azure::CloudConf& cloud_conf() const { return cloud_conf_; }
  const std::map<std::string, std::string>& peer_pods_cm() const { return cluster_->peer_pods_cm(); }
  const nlohmann::json& reference_values() const { return reference_values_; }  // the chart's list form
  guest::KbsAdminClient& admin() { return *admin_; }
  // The secret values delivered to the KBS: "default/kbsres1/key3" -> value.
  const std::map<std::string, std::string>& secrets() const { return secrets_; }
  // The init-data TOML a ConfigMap (initdata, debug-initdata) holds.
  std::string initdata_toml(const std::string& configmap) const;

  // A secret changed in Vault reaches the KBS (External Secrets refresh); pods see it when they ask again.
  Status set_secret(const std::string& name, const std::string& key, const std::string& value);
  // The gzipper job re-renders ConfigMap `configmap` with `toml`; with update_reference_values the
  // rvps-policy runs again (PCR8 and init_data entries follow), otherwise Trustee keeps the old ones.
  Status update_initdata(const std::string& configmap, const std::string& toml, bool update_reference_values);
  // A summary for `pattern status` and reports: cloud, peer-pods-cm, init-data digests, pods and VMs.
  nlohmann::json status() const;

 private:
  Deployment() = default;
  Status install_trustee();
  Status install_reference_values();

  DeploymentOptions opts_;
  azure::CloudConf cloud_conf_;
  std::unique_ptr<azure::FakeCompute> compute_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<guest::KbsAdminClient> admin_;
  std::map<std::string, std::string> secrets_;
  nlohmann::json reference_values_;
};

// The peer-pod image's measurements as the pattern's get-pcr.sh stores them in pcr-stash:
// {"measurements":{"sha256":{"pcr00":"<hex>",...}}} (the image's PCRs before init-data).
std::string podvm_pcr_stash_json();

}  // namespace coco::pattern
