// A scenario brought up (pattern/deployment.h).
#include "pattern/deployment.h"

#include "azure/cvm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "trustee/default_policies.h"

namespace coco::pattern {
namespace {

constexpr std::string_view kOscNamespace = "openshift-sandboxed-containers-operator";
constexpr std::string_view kCcmNamespace = "openshift-cloud-controller-manager";

// The image OSC publishes for peer pods (an Azure community gallery image).
constexpr std::string_view kPodvmImageId =
    "/CommunityGalleries/cocopodvm-d0e4f35f-5530-4b9c-8596-112487cdea85/Images/podvm_image0/Versions/0.13.0";

}  // namespace

std::string podvm_pcr_stash_json() {
  nlohmann::json sha = nlohmann::json::object();
  const std::vector<Bytes> pcrs = azure::podvm_pcrs();
  for (std::size_t i = 0; i < pcrs.size(); ++i) {
    sha[std::string(i < 10 ? "pcr0" : "pcr") + std::to_string(i)] = "0x" + hex_encode(pcrs[i]);
  }
  return nlohmann::json{{"measurements", {{"sha256", sha}}}}.dump();
}

Deployment::~Deployment() {
  cluster_.reset();  // deletes the VMs through the compute API first
  if (compute_) compute_->stop();
}

std::string Deployment::initdata_toml(const std::string& configmap) const {
  const ConfigMap* cm = cluster_->configmap("imperative", configmap);
  if (!cm) return "";
  auto it = cm->data.find("INITDATA");
  if (it == cm->data.end()) return "";
  auto toml = decode_initdata(it->second);
  return toml ? toml.value() : "";
}

Result<std::unique_ptr<Deployment>> Deployment::up(DeploymentOptions options) {
  std::unique_ptr<Deployment> d(new Deployment());
  d->opts_ = std::move(options);
  const Scenario& sc = d->opts_.scenario;
  auto say = [&d](const std::string& line) {
    if (d->opts_.progress) d->opts_.progress(line);
  };

  // 2 (cloud side first: the fake API must know the subscription and the service principal).
  if (sc.cloud_conf_json) {
    auto cc = azure::parse_cloud_conf(*sc.cloud_conf_json);
    if (!cc) return cc.error();
    d->cloud_conf_ = std::move(cc).value();
  } else {
    d->cloud_conf_ = azure::simulated_cloud_conf(sc.cluster_name, sc.location, d->opts_.seed);
  }
  // The service principal OpenShift's installer created (Secret azure-cloud-credentials).
  const azure::CloudCredentials creds = azure::simulated_cloud_credentials(d->cloud_conf_, d->opts_.seed);

  // 1
  azure::FakeComputeOptions co = azure::FakeComputeOptions::for_credentials(creds);
  co.provisioning_delay = std::chrono::milliseconds(sc.provisioning_delay_ms);
  co.images = {std::string(kPodvmImageId)};
  d->compute_ = std::make_unique<azure::FakeCompute>(std::move(co));
  if (auto st = d->compute_->start(); !st) return st.error();
  for (const auto& [family, cores] : sc.quota) d->compute_->set_quota(family, cores);
  for (const auto& size : sc.unavailable_sizes)
    d->compute_->set_size_unavailable(size, d->cloud_conf_.location);
  say("fake Azure compute API at " + d->compute_->url() + " (subscription " + d->cloud_conf_.subscription_id +
      ", " + d->cloud_conf_.location + ")");

  // 3
  std::map<std::string, std::string> rendered;
  for (const auto& [name, spec] : sc.initdata) {
    if (spec == "pattern-secure") {
      rendered[name] = render_initdata(d->opts_.kbs, InitDataFlavour::secure, sc.security_policy_flavour);
    } else if (spec == "pattern-debug") {
      rendered[name] = render_initdata(d->opts_.kbs, InitDataFlavour::debug, sc.security_policy_flavour);
    } else {
      rendered[name] = spec;
    }
  }
  if (!rendered.count("initdata"))
    return Error{"pattern.scenario_invalid",
                 "scenario: initdata: the ConfigMap `initdata` is required (peer-pods-cm INITDATA)"};

  azure::PatternAzureValues values;
  values.default_vm_flavour = sc.default_vm_flavour;
  values.vm_flavours = sc.vm_flavours;
  ClusterOptions copts;
  copts.compute_url = d->compute_->url();
  copts.compute = d->compute_.get();
  copts.platforms = d->opts_.platforms;
  copts.peer_pods_secret = azure::peer_pods_secret(creds);
  d->cluster_ = std::make_unique<Cluster>(std::move(copts));
  Cluster& cluster = *d->cluster_;

  ConfigMap cloud_conf_cm;
  cloud_conf_cm.meta = {"cloud-conf", std::string(kCcmNamespace), {}, {}};
  cloud_conf_cm.data["cloud.conf"] = azure::cloud_conf_json(d->cloud_conf_);
  cluster.apply(cloud_conf_cm);
  Secret creds_secret;
  creds_secret.meta = {"azure-cloud-credentials", std::string(kCcmNamespace), {}, {}};
  creds_secret.data = azure::cloud_credentials_secret(creds);
  cluster.apply(creds_secret);

  for (const auto& [name, toml] : rendered) {
    auto cm = initdata_configmap(name, toml);
    if (!cm) return cm.error();
    cluster.apply(cm.value());
    for (const std::string& v : validate_initdata_configmap(cm.value()))
      say("kyverno audit: ConfigMap imperative/" + name + ": " + v);
  }
  // peerpods-cm-policy reads cloud.conf (through the ConfigMap, as the policy template does) and INITDATA.
  auto cc = azure::parse_cloud_conf(
      cluster.configmap(std::string(kCcmNamespace), "cloud-conf")->data.at("cloud.conf"));
  if (!cc) return cc.error();
  const ConfigMap* initdata_cm = cluster.configmap("imperative", "initdata");
  // OSC has already published the peer-pod image into the ConfigMap; the policy keeps AZURE_IMAGE_ID.
  const std::map<std::string, std::string> osc_cm = {{"AZURE_IMAGE_ID", std::string(kPodvmImageId)}};
  cluster.set_peer_pods_cm(
      azure::peer_pods_cm(cc.value(), values, initdata_cm->data.at("INITDATA"), &osc_cm));
  // The imperative job configure-azure-nat-gateway: a NAT gateway on the worker subnet.
  if (sc.nat_gateway) d->compute_->configure_nat_gateway(cluster.peer_pods_cm().at("AZURE_SUBNET_ID"));
  ConfigMap ppcm;
  ppcm.meta = {"peer-pods-cm", std::string(kOscNamespace), {}, {}};
  ppcm.data = cluster.peer_pods_cm();
  cluster.apply(ppcm);
  Secret pps;
  pps.meta = {"peer-pods-secret", std::string(kOscNamespace), {}, {}};
  pps.data = azure::peer_pods_secret(creds);
  cluster.apply(pps);

  // 4
  d->admin_ =
      std::make_unique<guest::KbsAdminClient>(d->opts_.kbs.url, d->opts_.kbs.cert_pem, d->opts_.admin_key);
  if (auto st = d->install_trustee(); !st) return st.error();
  say("Trustee configured: attestation policy, resource policy, " +
      std::to_string(d->reference_values_.size()) + " reference values, " +
      std::to_string(d->secrets_.size()) + " secrets");

  // 5
  for (const std::string& text : sc.manifests) {
    auto objects = parse_manifests(text);
    if (!objects) return objects.error();
    for (auto& obj : objects.value()) {
      if (auto* cm = std::get_if<ConfigMap>(&obj)) cluster.apply(*cm);
      if (auto* s = std::get_if<Secret>(&obj)) cluster.apply(*s);
    }
    for (auto& obj : objects.value()) {
      auto* pod = std::get_if<Pod>(&obj);
      if (!pod) continue;
      auto st = cluster.create_pod(*pod);
      if (!st) return st.error();
      say("pod " + pod->meta.ns + "/" + pod->meta.name + ": " + st.value().phase +
          (st.value().peer_pod ? " on " + st.value().instance_size + " (" + st.value().tee + ")"
                               : " (runc)") +
          (st.value().message.empty() ? "" : ": " + st.value().message));
    }
  }
  return d;
}

Status Deployment::install_trustee() {
  const Scenario& sc = opts_.scenario;
  const std::string attestation =
      sc.attestation_policy ? *sc.attestation_policy : std::string(trustee::pattern_cpu_policy());
  if (auto st = admin_->set_attestation_policy(attestation, "default_cpu"); !st)
    return Error{st.error().code, "installing the attestation policy: " + st.error().message};
  const std::string resource =
      sc.resource_policy ? *sc.resource_policy : std::string(trustee::pattern_resource_policy());
  if (auto st = admin_->set_resource_policy(resource); !st)
    return Error{st.error().code, "installing the resource policy: " + st.error().message};
  if (auto st = install_reference_values(); !st) return st;
  for (const auto& [name, keys] : sc.secrets) {
    for (const auto& [key, value] : keys) {
      const std::string v = value == "generate" ? generated_secret(opts_.seed, name + "/" + key) : value;
      if (auto st = set_secret(name, key, v); !st) return st;
    }
  }
  return ok_status();
}

Status Deployment::install_reference_values() {
  const Scenario& sc = opts_.scenario;
  if (sc.reference_values) {
    try {
      reference_values_ = nlohmann::json::parse(*sc.reference_values);
    } catch (const nlohmann::json::exception& e) {
      return Error{"pattern.scenario_invalid",
                   std::string("scenario: trustee.reference_values: not JSON: ") + e.what()};
    }
  } else {
    const ConfigMap* a = cluster_->configmap("imperative", "initdata");
    const ConfigMap* b = cluster_->configmap("imperative", "debug-initdata");
    if (!b) b = a;
    auto rv = rvps_reference_values(*a, *b, podvm_pcr_stash_json());
    if (!rv) return rv.error();
    reference_values_ = std::move(rv).value();
  }
  auto entries = reference_value_entries(reference_values_);
  if (!entries) return entries.error();
  for (const auto& [name, value] : entries.value()) {
    if (auto st = admin_->set_reference_value(name, value); !st)
      return Error{st.error().code, "installing reference value " + name + ": " + st.error().message};
  }
  return ok_status();
}

Status Deployment::set_secret(const std::string& name, const std::string& key, const std::string& value) {
  const std::string path = "default/" + name + "/" + key;
  if (auto st = admin_->set_resource(path, as_bytes(value)); !st)
    return Error{st.error().code, "delivering secret " + path + " to the KBS: " + st.error().message};
  secrets_[path] = value;
  return ok_status();
}

Status Deployment::update_initdata(const std::string& configmap, const std::string& toml,
                                   bool update_reference_values) {
  auto cm = initdata_configmap(configmap, toml);
  if (!cm) return cm.error();
  cluster_->apply(cm.value());
  if (configmap == "initdata") {
    auto ppcm = cluster_->peer_pods_cm();
    ppcm["INITDATA"] = cm.value().data.at("INITDATA");
    cluster_->set_peer_pods_cm(std::move(ppcm));
  }
  if (!update_reference_values || opts_.scenario.reference_values) return ok_status();
  return install_reference_values();
}

nlohmann::json Deployment::status() const {
  nlohmann::json pods = nlohmann::json::array();
  for (const PodStatus& p : cluster_->pods()) {
    nlohmann::json j = {{"namespace", p.ns}, {"name", p.name}, {"phase", p.phase}, {"peer_pod", p.peer_pod}};
    if (!p.message.empty()) j["message"] = p.message;
    if (p.peer_pod && !p.instance_name.empty()) {
      j["vm"] = {{"name", p.instance_name}, {"size", p.instance_size}, {"tee", p.tee}};
    }
    pods.push_back(j);
  }
  nlohmann::json initdata = nlohmann::json::object();
  for (const char* name : {"initdata", "debug-initdata"}) {
    const ConfigMap* cm = cluster_->configmap("imperative", name);
    if (!cm) continue;
    initdata[name] = {{"RAW_HASH", cm->data.count("RAW_HASH") ? cm->data.at("RAW_HASH") : ""},
                      {"PCR8_HASH", cm->data.count("PCR8_HASH") ? cm->data.at("PCR8_HASH") : ""}};
  }
  return {{"scenario", opts_.scenario.name},
          {"kbs_url", opts_.kbs.url},
          {"compute_api", compute_->url()},
          {"subscription", cloud_conf_.subscription_id},
          {"region", cloud_conf_.location},
          {"peer_pods_cm", cluster_->peer_pods_cm()},
          {"initdata", initdata},
          {"pods", pods}};
}

}  // namespace coco::pattern
