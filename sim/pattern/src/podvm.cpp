// A peer-pod VM from the inside (pattern/podvm.h).
#include "pattern/podvm.h"

#include <yaml-cpp/yaml.h>

#include "azure/compute.h"
#include "core/encoding.h"
#include "guest/evidence_provider.h"
#include "pattern/initdata.h"
#include "trustee/initdata.h"

namespace coco::pattern {
namespace {

// The files process-user-data writes out of init-data (CAA pkg/userdata/provision.go InitdDataFilesList).
constexpr const char* kInitDataFiles[] = {"aa.toml", "cdh.toml", "policy.rego"};

// The image's stand-in when a pod brings no init-data (pattern.md 3.3 step 4).
constexpr std::string_view kDummyInitData =
    "algorithm = \"sha256\"\nversion = \"0.1.0\"\n\n[data]\n\"aa.toml\" = '''\n'''\n";

// A connection to this port on loopback is refused: what a VM without outbound route gets from the KBS.
constexpr std::string_view kNoRouteUrl = "https://127.0.0.1:1";

}  // namespace

Result<PodvmTee> tee_for_instance_size(std::string_view size) {
  // Azure's size catalogue (azure/compute.h) knows which sizes are confidential, and of which TEE.
  const azure::VmSizeInfo* info = azure::find_vm_size(size);
  if (info && info->tee == "snp") return PodvmTee::snp;
  if (info && info->tee == "tdx") return PodvmTee::tdx;
  return Error{"pattern.not_confidential_size",
               "instance size " + std::string(size) +
                   " is not an Azure confidential VM size (DCas/DCads/ECas/ECads v5 for SEV-SNP, "
                   "DCes v5/v6 for TDX); the peer-pod image needs one"};
}

std::string_view evidence_tee_name(PodvmTee tee) {
  return tee == PodvmTee::tdx ? "az-tdx-vtpm" : "az-snp-vtpm";
}

std::string cloud_config_yaml(const std::vector<CloudConfigFile>& files) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "write_files" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : files) {
    out << YAML::BeginMap << YAML::Key << "path" << YAML::Value << f.path << YAML::Key << "content"
        << YAML::Value << YAML::Literal << f.content << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return "#cloud-config\n" + std::string(out.c_str()) + "\n";
}

Result<std::vector<CloudConfigFile>> parse_cloud_config(std::string_view user_data) {
  auto bad = [](const std::string& why) { return Error{"pattern.user_data_invalid", "userData: " + why}; };
  if (user_data.rfind("#cloud-config", 0) != 0) return bad("not a cloud-config (no #cloud-config line)");
  try {
    const YAML::Node root = YAML::Load(std::string(user_data));
    std::vector<CloudConfigFile> files;
    if (!root.IsMap()) return bad("not a YAML map");
    const YAML::Node wf = root["write_files"];
    if (!wf) return files;
    if (!wf.IsSequence()) return bad("write_files is not a list");
    for (const auto& f : wf) {
      if (!f.IsMap() || !f["path"] || !f["path"].IsScalar()) return bad("a write_files entry has no path");
      CloudConfigFile file{f["path"].as<std::string>(), ""};
      if (f["content"] && f["content"].IsScalar()) file.content = f["content"].as<std::string>();
      files.push_back(std::move(file));
    }
    return files;
  } catch (const YAML::Exception& e) {
    return bad(std::string("not YAML: ") + e.what());
  }
}

Podvm::~Podvm() = default;

Status Podvm::process_user_data() {
  auto files = parse_cloud_config(opts_.user_data);
  if (!files) return files.error();
  std::string initdata_value;
  for (const auto& f : files.value()) {
    files_[f.path] = f.content;
    if (f.path == kInitDataPath) initdata_value = f.content;
  }
  if (initdata_value.empty()) {
    log_.push_back("no initdata in userData: using a dummy initdata");
    initdata_toml_ = std::string(kDummyInitData);
  } else {
    auto toml = decode_initdata(initdata_value);
    if (!toml) return Error{"pattern.initdata_invalid", "process-user-data: " + toml.error().message};
    initdata_toml_ = std::move(toml).value();
  }
  auto parsed = trustee::parse_initdata_toml(initdata_toml_);
  if (!parsed) return Error{"pattern.initdata_invalid", "process-user-data: " + parsed.error().message};
  for (const auto& [key, value] : parsed.value().data) {
    if (std::find(std::begin(kInitDataFiles), std::end(kInitDataFiles), key) == std::end(kInitDataFiles)) {
      log_.push_back("File: " + key + " is not allowed in initdata.");
      continue;
    }
    files_["/run/peerpod/" + key] = value;
  }
  digest_ = trustee::initdata_digest(parsed.value());
  files_[std::string(kInitDataDigestPath)] = hex_encode(digest_);
  return ok_status();
}

Result<std::unique_ptr<Podvm>> Podvm::boot(PodvmOptions options) {
  std::unique_ptr<Podvm> vm(new Podvm());
  vm->opts_ = std::move(options);
  auto tee = tee_for_instance_size(vm->opts_.instance_size);
  if (!tee) return tee.error();
  vm->tee_ = tee.value();
  const PodvmPlatforms& hw = vm->opts_.platforms;
  auto vtpm = azure::make_in_process_vtpm("coco-harness/podvm/" + vm->opts_.name);
  if (vm->tee_ == PodvmTee::tdx) {
    if (!hw.qe) return Error{"pattern.no_platform", "no TDX platform for " + vm->opts_.instance_size};
    azure::TdxCvm cvm{hw.qe, azure::podvm_td(), hw.tdx_report_mac_key};
    vm->cvm_ = std::make_shared<azure::SimulatedCvm>(std::move(vtpm), std::move(cvm),
                                                     azure::default_vm_configuration(vm->opts_.name));
  } else {
    if (!hw.amd) return Error{"pattern.no_platform", "no SEV-SNP platform for " + vm->opts_.instance_size};
    azure::SnpCvm cvm{hw.amd, azure::podvm_snp_launch()};
    vm->cvm_ = std::make_shared<azure::SimulatedCvm>(std::move(vtpm), std::move(cvm),
                                                     azure::default_vm_configuration(vm->opts_.name));
  }
  if (auto st = azure::measure_podvm_boot(vm->cvm_->tpm()); !st) return st.error();
  if (auto st = vm->process_user_data(); !st) return st.error();
  // process-user-data.service's ExecStartPost: tpm2_pcrextend 8:sha256=$(head -c64 initdata.digest).
  if (auto st = vm->cvm_->measure_init_data(vm->digest_); !st) return st.error();

  if (auto it = vm->files_.find("/run/peerpod/policy.rego"); it != vm->files_.end()) {
    auto policy = guest::AgentPolicy::load(it->second);
    if (!policy) return policy.error();
    vm->policy_ = std::make_unique<guest::AgentPolicy>(std::move(policy).value());
  } else {
    vm->policy_ = std::make_unique<guest::AgentPolicy>(guest::AgentPolicy::allow_all());
  }

  std::map<std::string, std::string> config_files;
  for (const char* name : {"aa.toml", "cdh.toml"}) {
    if (auto it = vm->files_.find("/run/peerpod/" + std::string(name)); it != vm->files_.end())
      config_files[name] = it->second;
  }
  auto config = guest::guest_config_from_initdata(config_files);
  if (!config) {
    vm->log_.push_back("confidential-data-hub: " + config.error().message);
    return vm;
  }
  guest::ApiServerOptions api;
  api.config = std::move(config).value();
  if (!vm->opts_.outbound) api.config.kbs_url = std::string(kNoRouteUrl);
  api.init_data_toml = vm->initdata_toml_;
  std::shared_ptr<azure::SimulatedCvm> cvm = vm->cvm_;
  api.make_provider = [cvm]() { return guest::make_simulated_azure_provider(cvm); };
  auto server = guest::ApiServer::start(std::move(api));
  if (!server) return server.error();
  vm->api_ = std::move(server).value();
  return vm;
}

}  // namespace coco::pattern
