// The pattern's cluster, as peer pods see it (pattern/cluster.h).
#include "pattern/cluster.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/hash.h"
#include "guest/sealed_secret.h"
#include "pattern/initdata.h"
#include "pattern/shell.h"

namespace coco::pattern {
namespace {

constexpr std::string_view kInitDataNamespace = "imperative";
constexpr std::string_view kCdhHostPort = "127.0.0.1:8006";

bool is_initdata_configmap(const ConfigMap& cm) {
  auto it = cm.meta.labels.find("coco.io/type");
  return cm.meta.ns == kInitDataNamespace && it != cm.meta.labels.end() && it->second == "initdata";
}

int annotation_int(const Pod& pod, std::string_view key) {
  auto it = pod.meta.annotations.find(std::string(key));
  if (it == pod.meta.annotations.end()) return 0;
  try {
    return std::stoi(it->second);
  } catch (...) {
    return 0;
  }
}

}  // namespace

struct Cluster::PodRecord {
  Pod submitted;  // as the user created it: what a restart submits again
  Pod manifest;   // as admitted
  PodStatus status;
  std::unique_ptr<Podvm> vm;
  std::map<std::string, std::string> volumes;  // emptyDir files shared by the containers
  // Each started container's environment, fixed at creation (sealed values unsealed once, as the agent does).
  std::map<std::string, std::map<std::string, std::string>> env;
  int exec_counter = 0;
};

Cluster::Cluster(ClusterOptions options) : opts_(std::move(options)) {}

Cluster::~Cluster() {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& [k, v] : pods_) keys.push_back(k);
  for (const auto& [ns, name] : keys) (void)delete_pod(ns, name);
}

void Cluster::apply(const ConfigMap& cm) {
  configmaps_[{cm.meta.ns, cm.meta.name}] = cm;
  if (!is_initdata_configmap(cm)) return;
  for (const ConfigMap& copy : propagate_initdata({cm}, opts_.workload_namespaces))
    configmaps_[{copy.meta.ns, copy.meta.name}] = copy;
}

void Cluster::apply(const Secret& secret) {
  secrets_[{secret.meta.ns, secret.meta.name}] = secret;
}

const ConfigMap* Cluster::configmap(const std::string& ns, const std::string& name) const {
  auto it = configmaps_.find({ns, name});
  return it == configmaps_.end() ? nullptr : &it->second;
}

const Secret* Cluster::secret(const std::string& ns, const std::string& name) const {
  auto it = secrets_.find({ns, name});
  return it == secrets_.end() ? nullptr : &it->second;
}

void Cluster::set_peer_pods_cm(std::map<std::string, std::string> cm) {
  opts_.peer_pods_cm = std::move(cm);
  compute_client_.reset();  // CAA restarts with the new ConfigMap
}

Result<azure::AzureComputeClient*> Cluster::compute_client() {
  if (!compute_client_) {
    auto config = azure::caa_azure_config(opts_.peer_pods_cm, opts_.peer_pods_secret);
    if (!config) return config.error();
    compute_client_ =
        std::make_unique<azure::AzureComputeClient>(opts_.compute_url, std::move(config).value());
  }
  return compute_client_.get();
}

ShellEnvironment Cluster::shell_for(PodRecord& rec, const std::map<std::string, std::string>& env) {
  ShellEnvironment shell;
  shell.http_get = [this, &rec](const std::string& url) { return pod_http_get(rec, url); };
  shell.files = &rec.volumes;
  shell.env = env;
  return shell;
}

Cluster::PodRecord* Cluster::find(const std::string& ns, const std::string& name) const {
  auto it = pods_.find({ns, name});
  return it == pods_.end() ? nullptr : it->second.get();
}

Result<PodStatus> Cluster::create_pod(Pod pod) {
  const std::string ns = pod.meta.ns, name = pod.meta.name;
  if (find(ns, name))
    return Error{"pattern.pod_exists", "pods \"" + name + "\" already exists in namespace " + ns};
  const bool peer = pod.runtime_class == kPeerPodRuntimeClass;
  if (!peer && !pod.runtime_class.empty() && pod.runtime_class != "runc") {
    return Error{"pattern.no_runtime_class", "pods \"" + name +
                                                 "\" is forbidden: pod rejected: RuntimeClass \"" +
                                                 pod.runtime_class + "\" not found"};
  }
  const Pod submitted = pod;
  // Kyverno's inject-coco-initdata (a ClusterPolicy: every namespace).
  auto injected = inject_initdata(
      pod, [this](const std::string& cns, const std::string& cname) { return configmap(cns, cname); });
  if (!injected) return injected.error();

  auto rec = std::make_unique<PodRecord>();
  rec->submitted = submitted;
  rec->manifest = pod;
  rec->status.ns = ns;
  rec->status.name = name;
  rec->status.peer_pod = peer;
  rec->status.events.push_back("Scheduled: Successfully assigned " + ns + "/" + name + " to worker-0");
  if (injected.value() == Injection::injected)
    rec->status.events.push_back("Mutated: inject-coco-initdata set " + std::string(kInitDataAnnotation));
  PodRecord& r = *rec;
  pods_[{ns, name}] = std::move(rec);
  if (peer) start_peer_pod(r);
  if (r.status.phase.empty()) run_containers(r);
  return r.status;
}

void Cluster::start_peer_pod(PodRecord& rec) {
  auto fail = [&rec](const std::string& message) {
    rec.status.phase = "Failed";
    // kubelet's event for a sandbox the runtime could not create, with CAA's error inside.
    rec.status.message = "Failed to create pod sandbox: rpc error: code = Unknown desc = " + message;
    rec.status.events.push_back("FailedCreatePodSandBox: " + rec.status.message);
  };
  const Pod& pod = rec.manifest;
  auto client = compute_client();
  if (!client) return fail(client.error().message);

  // CAA CreateVM: init-data from the annotation, else peer-pods-cm INITDATA; it must decode.
  std::string initdata;
  if (auto it = pod.meta.annotations.find(std::string(kInitDataAnnotation)); it != pod.meta.annotations.end())
    initdata = it->second;
  if (initdata.empty()) {
    auto it = opts_.peer_pods_cm.find("INITDATA");
    if (it != opts_.peer_pods_cm.end()) initdata = it->second;
  }
  if (!initdata.empty()) {
    if (auto toml = decode_initdata(initdata); !toml)
      return fail("error decoding initdata: " + toml.error().message);
  }
  // containerd's sandbox ids are 64 hex digits; CAA names the VM after the pod and the id's first 8.
  const std::string sandbox = hex_encode(
      sha256(as_bytes(pod.meta.ns + "/" + pod.meta.name + "/" + std::to_string(++sandbox_counter_))));
  const nlohmann::json daemon = {{"pod-namespace", pod.meta.ns}, {"pod-name", pod.meta.name}};
  std::vector<CloudConfigFile> files = {{std::string(kDaemonConfigPath), daemon.dump(4)}};
  if (!initdata.empty()) files.push_back({std::string(kInitDataPath), initdata});
  const std::string user_data = cloud_config_yaml(files);

  // CAA StartVM -> the Azure provider's CreateInstance: the size, the VM, PollUntilDone.
  azure::InstanceTypeRequest want;
  if (auto it = pod.meta.annotations.find(std::string(kMachineTypeAnnotation));
      it != pod.meta.annotations.end())
    want.machine_type = it->second;
  want.vcpus = annotation_int(pod, kVcpusAnnotation);
  want.memory_mb = annotation_int(pod, kMemoryAnnotation);
  auto instance = client.value()->create_instance(pod.meta.name, sandbox, user_data, want);
  if (!instance) return fail("creating an instance : " + instance.error().message);
  rec.status.instance_id = instance.value().id;
  rec.status.instance_name = instance.value().name;
  rec.status.instance_size = instance.value().size;
  rec.status.events.push_back("cloud-api-adaptor: created an instance " + instance.value().name + " (" +
                              instance.value().size + ") for sandbox " + sandbox);

  PodvmOptions vm;
  vm.name = instance.value().name;
  vm.instance_size = instance.value().size;
  vm.user_data = user_data;
  vm.platforms = opts_.platforms;
  if (opts_.compute) {
    if (auto record = opts_.compute->vm(instance.value().name)) vm.outbound = record->outbound;
  }
  auto booted = Podvm::boot(std::move(vm));
  if (!booted) {
    // The agent never answers: CAA's agent proxy times out.
    return fail("error running agent proxy: " + booted.error().message);
  }
  rec.vm = std::move(booted).value();
  rec.status.tee = std::string(evidence_tee_name(rec.vm->tee()));
  for (const auto& line : rec.vm->log()) rec.status.events.push_back("podvm: " + line);
}

Result<std::map<std::string, std::string>> Cluster::container_env(PodRecord& rec, const Container& c) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const EnvVar& e : c.env) {
    std::string value = e.value;
    if (e.secret_key_ref) {
      const Secret* s = secret(rec.manifest.meta.ns, e.secret_key_ref->first);
      if (!s || !s->data.count(e.secret_key_ref->second))
        return Error{"pattern.env_unresolved", "Error: secret \"" + e.secret_key_ref->first + "\" not found"};
      value = s->data.at(e.secret_key_ref->second);
    } else if (e.config_map_key_ref) {
      const ConfigMap* cm = configmap(rec.manifest.meta.ns, e.config_map_key_ref->first);
      if (!cm || !cm->data.count(e.config_map_key_ref->second))
        return Error{"pattern.env_unresolved",
                     "Error: configmap \"" + e.config_map_key_ref->first + "\" not found"};
      value = cm->data.at(e.config_map_key_ref->second);
    }
    env.emplace_back(e.name, value);
  }
  if (rec.vm) {
    // The Kata agent has the CDH unseal "sealed." values before the container starts.
    guest::ApiServer* api = rec.vm->api();
    auto unsealed = guest::unseal_env(env, [api](const std::string& uri) -> Result<Bytes> {
      if (!api) return Error{"guest.cdh_unavailable", "confidential-data-hub is not configured"};
      return api->get_resource(uri);
    });
    if (!unsealed) return unsealed.error();
    env = std::move(unsealed).value();
  }
  return std::map<std::string, std::string>(env.begin(), env.end());
}

Result<HttpResponse> Cluster::pod_http_get(PodRecord& rec, const std::string& url) {
  auto u = parse_url(url);
  if (!u) return u.error();
  const std::string host_port = u.value().host + ":" + std::to_string(u.value().port);
  if (host_port == kCdhHostPort) {
    // Only a peer pod has the CDH's API server on its 127.0.0.1:8006.
    if (!rec.vm || !rec.vm->api())
      return Error{"http.connect_failed", "connect to " + host_port + " refused"};
    return HttpClient().get(rec.vm->api()->url() + u.value().target);
  }
  if (u.value().host == "127.0.0.1" || u.value().host == "localhost")
    return Error{"http.connect_failed", "connect to " + host_port + " refused"};
  if (rec.vm && !rec.vm->outbound())
    return Error{"http.timeout", "no outbound route from the peer-pod VM to " + u.value().host};
  // The simulated world has no internet: any other host answers with a page of its own.
  return HttpResponse::text(200, "<!doctype html><title>" + u.value().host + "</title>\n");
}

void Cluster::run_containers(PodRecord& rec) {
  auto block = [&rec](const Container& c, bool init, const Error& e) {
    rec.status.containers.push_back({c.name, init, "blocked", 128, e.message});
    rec.status.phase = "Failed";
    rec.status.message = "Error: failed to create containerd task: " + e.message;
    rec.status.events.push_back("Failed: " + rec.status.message);
  };
  auto run = [&](const Container& c, bool init) -> bool {
    if (rec.vm) {
      if (auto st = rec.vm->agent_policy().check("CreateContainerRequest",
                                                 guest::create_container_request(c.name, c.command, c.args));
          !st) {
        block(c, init, st.error());
        return false;
      }
      if (auto st =
              rec.vm->agent_policy().check("StartContainerRequest", guest::start_container_request(c.name));
          !st) {
        block(c, init, st.error());
        return false;
      }
    }
    auto env = container_env(rec, c);
    if (!env) {
      rec.status.containers.push_back({c.name, init, "error", 1, env.error().message});
      rec.status.phase = "Failed";
      rec.status.message = "CreateContainerConfigError: " + env.error().message;
      rec.status.events.push_back(rec.status.message);
      return false;
    }
    rec.env[c.name] = std::move(env).value();
    std::vector<std::string> argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    if (argv.empty() && !init) {  // the image's entrypoint: a server that keeps running
      rec.status.containers.push_back({c.name, init, "running", 0, ""});
      return true;
    }
    ShellEnvironment shell = shell_for(rec, rec.env[c.name]);
    const ShellResult r = run_command(argv, shell);
    rec.status.containers.push_back({c.name, init,
                                     r.exit_code == 0 ? (init ? "completed" : "running") : "error",
                                     r.exit_code, r.out + r.err});
    if (r.exit_code != 0 && init) {
      rec.status.phase = "Failed";
      rec.status.message =
          "Init:Error: init container " + c.name + " exited with code " + std::to_string(r.exit_code);
      rec.status.events.push_back(rec.status.message);
      return false;
    }
    return true;
  };
  for (const Container& c : rec.manifest.init_containers) {
    if (!run(c, true)) return;
  }
  for (const Container& c : rec.manifest.containers) {
    if (!run(c, false)) return;
  }
  rec.status.phase = "Running";
  rec.status.events.push_back("Started: containers started");
}

Result<PodStatus> Cluster::restart_pod(const std::string& ns, const std::string& name) {
  PodRecord* rec = find(ns, name);
  if (!rec) return Error{"pattern.no_such_pod", "pods \"" + name + "\" not found in namespace " + ns};
  // The new pod is admitted afresh: Kyverno injects the init-data the ConfigMap holds now.
  Pod manifest = rec->submitted;
  if (auto st = delete_pod(ns, name); !st) return st.error();
  return create_pod(std::move(manifest));
}

Status Cluster::delete_pod(const std::string& ns, const std::string& name) {
  auto it = pods_.find({ns, name});
  if (it == pods_.end())
    return Error{"pattern.no_such_pod", "pods \"" + name + "\" not found in namespace " + ns};
  PodRecord& rec = *it->second;
  if (!rec.status.instance_id.empty()) {
    if (auto client = compute_client()) (void)client.value()->delete_instance(rec.status.instance_id);
  }
  pods_.erase(it);
  return ok_status();
}

std::optional<PodStatus> Cluster::pod(const std::string& ns, const std::string& name) const {
  const PodRecord* rec = find(ns, name);
  if (!rec) return std::nullopt;
  return rec->status;
}

std::vector<PodStatus> Cluster::pods() const {
  std::vector<PodStatus> out;
  for (const auto& [k, rec] : pods_) out.push_back(rec->status);
  return out;
}

std::optional<Pod> Cluster::pod_manifest(const std::string& ns, const std::string& name) const {
  const PodRecord* rec = find(ns, name);
  if (!rec) return std::nullopt;
  return rec->manifest;
}

Result<ExecResult> Cluster::exec(const std::string& ns, const std::string& name, const std::string& container,
                                 const std::vector<std::string>& args,
                                 const std::optional<std::string>& stdin_data) {
  PodRecord* rec = find(ns, name);
  if (!rec)
    return Error{"pattern.no_such_pod", "Error from server (NotFound): pods \"" + name + "\" not found"};
  const auto& cs = rec->manifest.containers;
  const auto c = std::find_if(cs.begin(), cs.end(),
                              [&](const Container& x) { return container.empty() || x.name == container; });
  if (c == cs.end()) {
    return Error{"pattern.no_such_container",
                 "error: unable to upgrade connection: container not found (\"" + container + "\")"};
  }
  if (rec->status.phase != "Running") {
    return Error{
        "pattern.pod_not_running",
        "error: cannot exec into a container in a completed pod; current phase is " + rec->status.phase};
  }
  ExecResult result;
  const std::string exec_id = "exec-" + std::to_string(++rec->exec_counter);
  bool stream_output = true;
  if (rec->vm) {
    if (auto st = rec->vm->agent_policy().check("ExecProcessRequest",
                                                guest::exec_process_request(c->name, exec_id, args));
        !st) {
      result.exit_code = 1;
      result.err = guest::exec_error_as_user_sees_it(opts_.cri, st.error(), exec_id);
      return result;
    }
    // `oc exec -i`: the runtime writes stdin into the process; a policy denying WriteStreamRequest fails it.
    if (stdin_data) {
      if (auto st = rec->vm->agent_policy().check("WriteStreamRequest",
                                                  guest::write_stream_request(c->name, exec_id, *stdin_data));
          !st) {
        result.exit_code = 1;
        result.err = guest::exec_error_as_user_sees_it(opts_.cri, st.error(), exec_id);
        return result;
      }
    }
    // The runtime then reads the process's output; a policy that denies ReadStreamRequest gets none.
    stream_output = static_cast<bool>(
        rec->vm->agent_policy().check("ReadStreamRequest", guest::read_stream_request(c->name, exec_id)));
  }
  ShellEnvironment shell = shell_for(*rec, rec->env[c->name]);
  const ShellResult r = run_command(args, shell);
  result.exit_code = r.exit_code;
  if (stream_output) {
    result.out = r.out;
    result.err = r.err;
  }
  if (r.exit_code != 0)
    result.err += "command terminated with exit code " + std::to_string(r.exit_code) + "\n";
  return result;
}

Result<std::string> Cluster::read_file(const std::string& ns, const std::string& name,
                                       const std::string& path) const {
  const PodRecord* rec = find(ns, name);
  if (!rec) return Error{"pattern.no_such_pod", "pods \"" + name + "\" not found in namespace " + ns};
  auto it = rec->volumes.find(path);
  if (it == rec->volumes.end()) return Error{"pattern.no_such_file", path + ": No such file or directory"};
  return it->second;
}

Podvm* Cluster::podvm(const std::string& ns, const std::string& name) {
  PodRecord* rec = find(ns, name);
  return rec ? rec->vm.get() : nullptr;
}

}  // namespace coco::pattern
