// The OpenShift cluster of the validated pattern, as far as peer pods see it: ConfigMaps and Secrets,
// Kyverno's init-data injection at pod admission, and cloud-api-adaptor (CAA) turning each kata-remote pod
// into an Azure confidential VM through the compute API (azure/compute.h), the VM booting the peer-pod image
// (pattern/podvm.h) and its containers running under the Kata agent's policy. Pods of other runtime classes
// run as plain runc pods on the node.
//
// What a user of the pattern sees is kept as they see it: a pod that cannot get its VM is Failed with
// CAA's message in its events ("creating an instance : ..."); `oc exec` into a pod whose policy blocks it
// fails with CRI-O's "error executing command in container: ... ExecProcessRequest is blocked by policy";
// an init container's curl to the CDH writes an empty file when attestation is denied.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "azure/compute.h"
#include "core/result.h"
#include "guest/agent_policy.h"
#include "pattern/k8s.h"
#include "pattern/podvm.h"
#include "pattern/shell.h"

namespace coco::pattern {

inline constexpr std::string_view kPeerPodRuntimeClass = "kata-remote";
inline constexpr std::string_view kMachineTypeAnnotation = "io.katacontainers.config.hypervisor.machine_type";
inline constexpr std::string_view kVcpusAnnotation = "io.katacontainers.config.hypervisor.default_vcpus";
inline constexpr std::string_view kMemoryAnnotation = "io.katacontainers.config.hypervisor.default_memory";

struct ClusterOptions {
  std::map<std::string, std::string> peer_pods_cm;  // openshift-sandboxed-containers-operator/peer-pods-cm
  std::map<std::string, std::string> peer_pods_secret;  // .../peer-pods-secret
  std::string compute_url;                              // the Azure compute API (a FakeCompute)
  azure::FakeCompute* compute = nullptr;                // to learn whether a VM has an outbound route
  PodvmPlatforms platforms;
  // Namespaces Kyverno's inject-coco-initdata and the propagation policies cover.
  std::vector<std::string> workload_namespaces = {"hello-openshift", "kbs-access"};
  guest::CriRuntime cri = guest::CriRuntime::crio;  // OpenShift
};

struct ContainerStatus {
  std::string name;
  bool init = false;
  std::string state;  // "running", "completed", "error", "blocked"
  int exit_code = 0;
  std::string log;  // what the container wrote to stdout/stderr
};

struct PodStatus {
  std::string ns, name;
  std::string phase;    // "Running", "Failed"
  std::string message;  // why it failed (the event a user reads in `oc describe pod`); "" when running
  std::vector<std::string> events;
  bool peer_pod = false;
  std::string instance_id, instance_name, instance_size, tee;  // peer pods
  std::vector<ContainerStatus> containers;
};

// What `oc exec` gives back.
struct ExecResult {
  int exit_code = 0;
  std::string out;  // streamed stdout (empty when the policy denies ReadStreamRequest)
  std::string err;  // oc's stderr: the exec error, or "command terminated with exit code N"
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // ConfigMaps labelled coco.io/type=initdata in `imperative` are propagated to the workload namespaces,
  // as Kyverno's propagate-initdata-to-<ns> does (synchronised: a change reaches the copies).
  void apply(const ConfigMap& cm);
  void apply(const Secret& secret);
  const ConfigMap* configmap(const std::string& ns, const std::string& name) const;
  const Secret* secret(const std::string& ns, const std::string& name) const;
  void set_peer_pods_cm(std::map<std::string, std::string> cm);
  const std::map<std::string, std::string>& peer_pods_cm() const { return opts_.peer_pods_cm; }

  // Admission (Kyverno), then scheduling: a peer pod's VM through CAA, then its containers. The pod's
  // failures are in the returned status; the error is for a pod the API server refuses (admission denied,
  // a pod of that name exists, unknown runtime class).
  Result<PodStatus> create_pod(Pod pod);
  // `oc rollout restart`: the pod is deleted (its VM too) and created again from its manifest.
  Result<PodStatus> restart_pod(const std::string& ns, const std::string& name);
  Status delete_pod(const std::string& ns, const std::string& name);
  std::optional<PodStatus> pod(const std::string& ns, const std::string& name) const;
  std::vector<PodStatus> pods() const;
  // The manifest as admitted (with Kyverno's annotation).
  std::optional<Pod> pod_manifest(const std::string& ns, const std::string& name) const;

  // `oc exec <pod> -c <container> -- args...`, with `-i` when `stdin_data` is given (the runtime writes it
  // with WriteStreamRequest). Error: pattern.no_such_pod / pattern.no_such_container.
  Result<ExecResult> exec(const std::string& ns, const std::string& pod, const std::string& container,
                          const std::vector<std::string>& args,
                          const std::optional<std::string>& stdin_data = std::nullopt);
  // A file in the pod's shared volumes (emptyDir), e.g. kbs-access's /output/kbsres1.txt.
  Result<std::string> read_file(const std::string& ns, const std::string& pod, const std::string& path) const;
  Podvm* podvm(const std::string& ns, const std::string& pod);

 private:
  struct PodRecord;
  PodRecord* find(const std::string& ns, const std::string& name) const;
  void start_peer_pod(PodRecord& rec);
  void run_containers(PodRecord& rec);
  Result<HttpResponse> pod_http_get(PodRecord& rec, const std::string& url);
  Result<std::map<std::string, std::string>> container_env(PodRecord& rec, const Container& c);
  // The pod's userland: its volumes, its network (pod_http_get), the container's environment.
  ShellEnvironment shell_for(PodRecord& rec, const std::map<std::string, std::string>& env);
  // CAA's Azure provider, one per peer-pods-cm as CAA holds one (token and size list reused). Error: the
  // configuration CAA refuses (caa_azure_config).
  Result<azure::AzureComputeClient*> compute_client();

  ClusterOptions opts_;
  std::map<std::pair<std::string, std::string>, ConfigMap> configmaps_;
  std::map<std::pair<std::string, std::string>, Secret> secrets_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<PodRecord>> pods_;
  int sandbox_counter_ = 0;
  std::unique_ptr<azure::AzureComputeClient> compute_client_;
};

}  // namespace coco::pattern
