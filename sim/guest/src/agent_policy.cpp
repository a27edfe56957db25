#include "guest/agent_policy.h"

#include "core/encoding.h"
#include "rego/engine.h"
#include "rego/parser.h"

namespace coco::guest {
namespace {

using nlohmann::json;

// kata's set_policy names the module "agent_policy"; regorus prints carry that file name.
constexpr const char* kModuleName = "agent_policy";

// CAA podvm/files/etc/kata-opa/allow-all.rego, reduced to its rules (every request defaults to true).
constexpr std::string_view kAllowAllRego = R"(package agent_policy

default AddARPNeighborsRequest := true
default AddSwapRequest := true
default CloseStdinRequest := true
default CopyFileRequest := true
default CreateContainerRequest := true
default CreateSandboxRequest := true
default DestroySandboxRequest := true
default ExecProcessRequest := true
default GetMetricsRequest := true
default GetOOMEventRequest := true
default GuestDetailsRequest := true
default ListInterfacesRequest := true
default ListRoutesRequest := true
default MemHotplugByProbeRequest := true
default OnlineCPUMemRequest := true
default PauseContainerRequest := true
default PullImageRequest := true
default ReadStreamRequest := true
default RemoveContainerRequest := true
default RemoveStaleVirtiofsShareMountsRequest := true
default ReseedRandomDevRequest := true
default ResumeContainerRequest := true
default SetGuestDateTimeRequest := true
default SetPolicyRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default StartTracingRequest := true
default StatsContainerRequest := true
default StopTracingRequest := true
default TtyWinResizeRequest := true
default UpdateContainerRequest := true
default UpdateEphemeralMountsRequest := true
default UpdateInterfaceRequest := true
default UpdateRoutesRequest := true
default WaitProcessRequest := true
default WriteStreamRequest := true
)";

rego::EvalOptions agent_eval_options() {
  rego::EvalOptions o;
  o.strict_builtin_errors = false;  // kata: engine.set_strict_builtin_errors(false)
  return o;
}

std::string join_prints(const std::vector<std::string>& prints) {
  std::string out;
  for (const auto& p : prints) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

// Request names are rule names; anything else could splice another path into the query.
bool valid_request_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

struct Decision {
  bool allowed = false;
  std::string prints;
};

// kata-agent-policy AgentPolicy::allow_request without the allow_failures override.
Result<Decision> evaluate(const rego::Policy& policy, std::string_view request_name, const json& request) {
  if (!valid_request_name(request_name)) {
    return make_error("agent.policy_error",
                      std::string(request_name) + ": internal error invalid request name");
  }
  std::vector<std::string> prints;
  auto value = policy.eval("data.agent_policy." + std::string(request_name), rego::Value::from_json(request),
                           agent_eval_options(), &prints);
  Decision d;
  d.prints = join_prints(prints);
  if (!value) {
    return make_error("agent.policy_error",
                      std::string(request_name) + ": internal error " + value.error().message);
  }
  if (!value->has_value()) {
    // regorus returns no result for an undefined document; kata bails with the Debug form of the results.
    return make_error(
        "agent.policy_error",
        std::string(request_name) +
            ": internal error policy check: unexpected eval_query result len QueryResults { result: [] }");
  }
  const rego::Value& v = **value;
  if (v.is_bool()) {
    d.allowed = v.as_bool();
    return d;
  }
  if (v.is_object()) {
    const json j = v.to_json();
    if (j.contains("allowed") && j["allowed"].is_boolean()) {
      d.allowed = j["allowed"].get<bool>();
      return d;
    }
  }
  return make_error("agent.policy_error",
                    std::string(request_name) +
                        ": internal error policy check: unexpected eval_query result type " +
                        v.to_json_text());
}

}  // namespace

Result<AgentPolicy> AgentPolicy::load(std::string_view rego) {
  rego::ParseOptions po;
  po.dialect = rego::Dialect::v0;
  auto module = rego::parse_module(kModuleName, rego, po);
  if (!module) return make_error("agent.policy_invalid", module.error().message);
  if ((*module)->package != std::vector<std::string>{"agent_policy"}) {
    std::string pkg;
    for (const auto& p : (*module)->package) pkg += (pkg.empty() ? "" : ".") + p;
    return make_error("agent.policy_invalid", "policy package is " + pkg + ", expected agent_policy");
  }
  rego::PolicyBuilder builder;
  builder.add_parsed_module(*module);
  if (auto st = builder.add_data(rego::Value::from_json(json{{"pstate", json::object()}})); !st) {
    return make_error("agent.policy_invalid", st.error().message);
  }
  auto compiled = builder.compile();
  if (!compiled) return make_error("agent.policy_invalid", compiled.error().message);

  AgentPolicy p;
  p.policy_ = *compiled;
  // update_allow_failures_flag: evaluate the flag once with input {}; any failure means false.
  auto flag = evaluate(*p.policy_, "AllowRequestsFailingPolicy", json::object());
  p.allow_failures_ = flag && flag->allowed;
  return p;
}

std::string_view AgentPolicy::allow_all_rego() {
  return kAllowAllRego;
}

AgentPolicy AgentPolicy::allow_all() {
  auto p = load(kAllowAllRego);
  if (!p) throw std::logic_error("built-in allow-all policy does not load: " + p.error().message);
  return std::move(*p);
}

Status AgentPolicy::check(std::string_view request_name, const nlohmann::json& request) const {
  auto d = evaluate(*policy_, request_name, request);
  if (!d) {
    if (allow_failures_) return ok_status();
    return d.error();
  }
  if (d->allowed || allow_failures_) return ok_status();
  return make_error("agent.policy_denied", std::string(request_name) + " is blocked by policy: " + d->prints);
}

Status AgentPolicy::set_policy(std::string_view rego) {
  if (auto st = check("SetPolicyRequest", set_policy_request(rego)); !st) return st;
  auto next = load(rego);
  if (!next) return next.error();
  *this = std::move(*next);
  return ok_status();
}

// ---- Request builders ----------------------------------------------------------------------------

namespace {

json oci_user() {
  return {{"UID", 0}, {"GID", 0}, {"AdditionalGids", json::array()}, {"Username", ""}};
}

json oci_process(const std::vector<std::string>& args, const std::vector<std::string>& env,
                 const std::string& cwd) {
  return {{"Terminal", false},
          {"ConsoleSize", nullptr},
          {"User", oci_user()},
          {"Args", args},
          {"Env", env},
          {"Cwd", cwd},
          {"Capabilities", nullptr},
          {"Rlimits", json::array()},
          {"NoNewPrivileges", false},
          {"ApparmorProfile", ""},
          {"OOMScoreAdj", 0},
          {"SelinuxLabel", ""}};
}

}  // namespace

json create_container_request(const std::string& container_id, const ContainerSpec& spec) {
  json annotations = json::object();
  for (const auto& [k, v] : spec.annotations) annotations[k] = v;
  json oci = {{"Version", "1.1.0"},
              {"Process", oci_process(spec.args, spec.env, spec.cwd)},
              {"Root", {{"Path", "/run/kata-containers/" + container_id + "/rootfs"}, {"Readonly", false}}},
              {"Hostname", ""},
              {"Mounts", json::array()},
              {"Hooks", nullptr},
              {"Annotations", annotations},
              {"Linux", nullptr},
              {"Solaris", nullptr},
              {"Windows", nullptr},
              {"VM", nullptr}};
  return {{"container_id", container_id}, {"exec_id", container_id},       {"string_user", nullptr},
          {"devices", json::array()},     {"storages", json::array()},     {"OCI", oci},
          {"sandbox_pidns", false},       {"shared_mounts", json::array()}};
}

json create_container_request(const std::string& container_id, const std::vector<std::string>& command,
                              const std::vector<std::string>& args) {
  ContainerSpec spec;
  spec.args = command;
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  return create_container_request(container_id, spec);
}

json start_container_request(const std::string& container_id) {
  return {{"container_id", container_id}};
}

json remove_container_request(const std::string& container_id, std::uint32_t timeout) {
  return {{"container_id", container_id}, {"timeout", timeout}};
}

json exec_process_request(const std::string& container_id, const std::string& exec_id,
                          const std::vector<std::string>& args) {
  return {{"container_id", container_id},
          {"exec_id", exec_id},
          {"string_user", nullptr},
          {"process",
           oci_process(args, {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, "/")}};
}

json read_stream_request(const std::string& container_id, const std::string& exec_id, std::uint32_t len) {
  return {{"container_id", container_id}, {"exec_id", exec_id}, {"len", len}};
}

json write_stream_request(const std::string& container_id, const std::string& exec_id,
                          std::string_view data) {
  // serde serialises Vec<u8> as an array of numbers.
  json bytes = json::array();
  for (unsigned char c : data) bytes.push_back(static_cast<int>(c));
  return {{"container_id", container_id}, {"exec_id", exec_id}, {"data", bytes}};
}

json signal_process_request(const std::string& container_id, const std::string& exec_id,
                            std::uint32_t signal) {
  return {{"container_id", container_id}, {"exec_id", exec_id}, {"signal", signal}};
}

json wait_process_request(const std::string& container_id, const std::string& exec_id) {
  return {{"container_id", container_id}, {"exec_id", exec_id}};
}

json copy_file_request(const std::string& path, std::string_view data, std::uint32_t file_mode) {
  const std::uint32_t type = file_mode & 0170000;
  const char* file_type = type == 0100000   ? "Regular"
                          : type == 0040000 ? "Directory"
                          : type == 0120000 ? "Symlink"
                                            : "Unknown";
  json symlink = nullptr;
  if (type == 0120000) symlink = std::string(data);
  return {{"path", path},
          {"file_type", file_type},
          {"symlink_target", symlink},
          {"file_size", static_cast<std::int64_t>(data.size())},
          {"file_mode", file_mode},
          {"dir_mode", 0750},
          {"uid", 0},
          {"gid", 0},
          {"offset", 0}};
}

json set_policy_request(std::string_view rego) {
  return {{"policy", std::string(rego)}};
}

std::string exec_error_as_user_sees_it(CriRuntime runtime, const Error& agent_error,
                                       std::string_view exec_id) {
  const char* code = agent_error.code == "agent.policy_denied" ? "PermissionDenied" : "Internal";
  const std::string rpc = std::string("rpc error: code = ") + code + " desc = " + agent_error.message;
  std::string inner;
  if (runtime == CriRuntime::containerd) {
    inner = "failed to exec in container: failed to start exec \"" + std::string(exec_id) + "\": " + rpc +
            ": unknown";
  } else {
    inner = rpc;  // CRI-O's wrapping of a VM runtime's exec error: not confirmed
  }
  return "error: Internal error occurred: error executing command in container: " + inner;
}

}  // namespace coco::guest
