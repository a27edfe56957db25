// The Kata agent's policy (kata-containers src/agent/policy, src/agent/src/policy.rs), as the peer-pod
// guest enforces it on every ttRPC request from the (untrusted) host: the request is serialised to JSON
// as serde does, `data.agent_policy.<RequestName>` is evaluated with it as input, and anything but `true`
// denies the call. This is what turns `oc exec` into an error on the pattern's "secure" init-data, so the
// simulation reproduces the agent's exact texts and its engine settings:
//   - the engine is regorus with lenient builtin errors (a failing builtin makes the expression undefined)
//     and gathered prints; modules are read as Rego v0 (regorus's default: `if`/`in`/`every` need
//     `import future.keywords...`, or `import rego.v1`), with base data {"pstate": {}};
//   - a denial is ttRPC PERMISSION_DENIED "<RequestName> is blocked by policy: <prints joined by ' '>"
//     (src/agent/src/policy.rs allow_request; the prints are regorus's, here "<file>:<line>: <text>" as
//     sim/rego captures them, with file "agent_policy" as kata names the module);
//   - an undefined result (a request the policy has no rule or default for) or a non-boolean one is an
//     evaluation failure, ttRPC INTERNAL "<RequestName>: internal error <why>", unless the policy sets
//     `AllowRequestsFailingPolicy := true`, which then also turns every `false` into an allow (the agent
//     reads that flag once per policy load, as update_allow_failures_flag does);
//   - an object result {"allowed": bool, "ops": [...]} (genpolicy's state-tracking form) is honoured for
//     "allowed"; the JSON-patch "ops" on pstate are not applied (no rule in the simulation needs them).
//
// The request builders produce the JSON kata's serde derive gives the ttRPC messages the simulation sends
// (protocols/protos/agent.proto field names; the OCI spec in CreateContainerRequest is kata's grpc OCI
// with capitalised member names, "Process":{"Args","Env",...}, "Annotations").
//
// Errors: agent.policy_invalid (parse error, package not agent_policy), agent.policy_denied (the
// PERMISSION_DENIED text above), agent.policy_error (the INTERNAL text above).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace coco::rego {
class Policy;
}

namespace coco::guest {

class AgentPolicy {
 public:
  // policy.rego text (package agent_policy). Error agent.policy_invalid (parse/compile error, wrong package).
  static Result<AgentPolicy> load(std::string_view rego);
  // CAA's podvm default (podvm/files/etc/kata-opa/allow-all.rego): every request true.
  static AgentPolicy allow_all();
  static std::string_view allow_all_rego();

  // Evaluates data.agent_policy.<request_name> with `request` as input. Errors as above.
  Status check(std::string_view request_name, const nlohmann::json& request) const;
  // SetPolicyRequest {"policy": rego}: checked against the current policy first, then replaces it
  // (a new engine, so nothing of the old policy or its state survives).
  Status set_policy(std::string_view rego);

  bool allows_failures() const { return allow_failures_; }

 private:
  AgentPolicy() = default;
  std::shared_ptr<const rego::Policy> policy_;
  bool allow_failures_ = false;
};

// ---- Request builders (kata's serde JSON of the agent.proto messages) ------------------------------
struct ContainerSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value"
  std::string cwd = "/";
  std::vector<std::pair<std::string, std::string>> annotations;
};
// exec_id is the container id, as the kata shim sends it for the container's own process.
nlohmann::json create_container_request(const std::string& container_id, const ContainerSpec& spec);
// A pod container's command and args (Kubernetes' split), concatenated into the process args.
nlohmann::json create_container_request(const std::string& container_id,
                                        const std::vector<std::string>& command,
                                        const std::vector<std::string>& args);
nlohmann::json start_container_request(const std::string& container_id);
nlohmann::json remove_container_request(const std::string& container_id, std::uint32_t timeout = 0);
nlohmann::json exec_process_request(const std::string& container_id, const std::string& exec_id,
                                    const std::vector<std::string>& args);
nlohmann::json read_stream_request(const std::string& container_id, const std::string& exec_id,
                                   std::uint32_t len = 32768);
nlohmann::json write_stream_request(const std::string& container_id, const std::string& exec_id,
                                    std::string_view data);
nlohmann::json signal_process_request(const std::string& container_id, const std::string& exec_id,
                                      std::uint32_t signal);
nlohmann::json wait_process_request(const std::string& container_id, const std::string& exec_id);
// The policy sees kata's PolicyCopyFileRequest (path, file_type, symlink_target, sizes and modes; the data
// itself is left out), not the raw message.
nlohmann::json copy_file_request(const std::string& path, std::string_view data,
                                 std::uint32_t file_mode = 0100644);
nlohmann::json set_policy_request(std::string_view rego);

// How a denied exec reaches the user of `oc exec` / `kubectl exec`: the kata shim hands the agent's ttRPC
// status up as "rpc error: code = <Code> desc = <message>", the runtime wraps it (containerd: "failed to
// exec in container: failed to start exec \"<exec_id>\": ...: unknown"; CRI-O passes it through), the
// kubelet's streaming server prefixes "error executing command in container: " and the API server /
// kubectl print "error: Internal error occurred: ..." (pattern.md 4.3; containerd's wrapping as seen in
// user reports; CRI-O's exact wrapping not confirmed). "ExecProcessRequest is blocked by policy" stays
// intact in every form.
enum class CriRuntime { crio, containerd };
std::string exec_error_as_user_sees_it(CriRuntime runtime, const Error& agent_error,
                                       std::string_view exec_id = "");

}  // namespace coco::guest
