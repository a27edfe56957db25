// The Kata agent policy: the pattern's policies and CAA's samples, written out here, against kata-agent's
// exact denial texts, allow-lists, AllowRequestsFailingPolicy, print() output and SetPolicy.
#include "guest/agent_policy.h"

#include <gtest/gtest.h>

namespace coco::guest {
namespace {

using nlohmann::json;

// The pattern's "secure" default (ansible/initdata-default.toml.tpl), shortened to the rules that differ
// from allow-all plus a few defaults.
constexpr const char* kSecurePolicy = R"(package agent_policy

import future.keywords.in
import future.keywords.if
import future.keywords.every

default CopyFileRequest := true
default CreateContainerRequest := true
default StartContainerRequest := true
default RemoveContainerRequest := true
default SignalProcessRequest := true
default WaitProcessRequest := true
default SetPolicyRequest := true
default ReadStreamRequest := false
default WriteStreamRequest := false
default ExecProcessRequest := false

ExecProcessRequest if {
    input_command = concat(" ", input.process.Args)
    some allowed_command in policy_data.allowed_commands
    input_command == allowed_command
}

policy_data := {
  "allowed_commands": [
        "curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/status",
        "curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/random"
  ]
}
)";

// CAA podvm/files/etc/kata-opa/allow-all-except-exec-process.rego (shortened).
constexpr const char* kAllowAllExceptExec = R"(package agent_policy

default CreateContainerRequest := true
default ExecProcessRequest := false
default ReadStreamRequest := true
default SetPolicyRequest := true
)";

// CAA podvm/files/etc/kata-opa/disallow-all-except-setpolicy.rego (shortened).
constexpr const char* kDisallowAllExceptSetPolicy = R"(package agent_policy

default CreateContainerRequest := false
default ExecProcessRequest := false
default ReadStreamRequest := false
default SetPolicyRequest := true
)";

constexpr const char* kFailingAllowed = R"(package agent_policy

default AllowRequestsFailingPolicy := true
default ExecProcessRequest := false
)";

constexpr const char* kPrinting = R"(package agent_policy

import future.keywords.if

default ExecProcessRequest := false

ExecProcessRequest if {
    print("exec of", concat(" ", input.process.Args))
    input.process.Args[0] == "date"
}
)";

const std::vector<std::string> kStatus = {
    "curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"};

AgentPolicy load(const char* rego) {
  auto p = AgentPolicy::load(rego);
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

TEST(AgentPolicy, AllowAllAllowsEverything) {
  AgentPolicy p = AgentPolicy::allow_all();
  EXPECT_FALSE(p.allows_failures());
  EXPECT_TRUE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"sh"})));
  EXPECT_TRUE(p.check("ReadStreamRequest", read_stream_request("c1", "e1")));
  EXPECT_TRUE(p.check("WriteStreamRequest", write_stream_request("c1", "e1", "ls\n")));
  EXPECT_TRUE(p.check("CreateContainerRequest", create_container_request("c1", {"sleep"}, {"3600"})));
  EXPECT_TRUE(p.check("CopyFileRequest", copy_file_request("/run/x", "data")));
  EXPECT_TRUE(p.check("SetPolicyRequest", set_policy_request("package agent_policy")));
}

TEST(AgentPolicy, SecurePolicyAllowsOnlyTheListedCommands) {
  AgentPolicy p = load(kSecurePolicy);
  EXPECT_TRUE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", kStatus)));
  EXPECT_TRUE(
      p.check("ExecProcessRequest", exec_process_request("c1", "e2",
                                                         {"curl",
                                                          "http://127.0.0.1:8006/cdh/resource/default/"
                                                          "attestation-status/random"})));
  auto denied = p.check("ExecProcessRequest", exec_process_request("c1", "e3", {"cat", "/etc/passwd"}));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "agent.policy_denied");
  EXPECT_EQ(denied.error().message, "ExecProcessRequest is blocked by policy: ");
  // The exact command only: an extra argument is another command.
  EXPECT_FALSE(p.check("ExecProcessRequest", exec_process_request("c1", "e4", {"curl", "-v", kStatus[1]})));

  auto read = p.check("ReadStreamRequest", read_stream_request("c1", "e1"));
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "ReadStreamRequest is blocked by policy: ");
  auto write = p.check("WriteStreamRequest", write_stream_request("c1", "e1", "x"));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().message, "WriteStreamRequest is blocked by policy: ");
  EXPECT_TRUE(p.check("CreateContainerRequest", create_container_request("c1", {"sleep"}, {"1"})));
}

TEST(AgentPolicy, UndefinedRequestIsAnInternalError) {
  AgentPolicy p = load(kSecurePolicy);
  auto r = p.check("GuestDetailsRequest", json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "agent.policy_error");
  EXPECT_EQ(
      r.error().message,
      "GuestDetailsRequest: internal error policy check: unexpected eval_query result len QueryResults { "
      "result: [] }");
}

TEST(AgentPolicy, AllowAllExceptExecProcess) {
  AgentPolicy p = load(kAllowAllExceptExec);
  auto r = p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "ExecProcessRequest is blocked by policy: ");
  EXPECT_TRUE(p.check("CreateContainerRequest", create_container_request("c1", {"ls"}, {})));
}

TEST(AgentPolicy, DisallowAllExceptSetPolicyThenSetPolicyOpensIt) {
  AgentPolicy p = load(kDisallowAllExceptSetPolicy);
  auto r = p.check("CreateContainerRequest", create_container_request("c1", {"ls"}, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "CreateContainerRequest is blocked by policy: ");
  ASSERT_TRUE(p.set_policy(AgentPolicy::allow_all_rego()));
  EXPECT_TRUE(p.check("CreateContainerRequest", create_container_request("c1", {"ls"}, {})));
  EXPECT_TRUE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"})));
}

TEST(AgentPolicy, SetPolicyIsItselfChecked) {
  AgentPolicy p = load(kDisallowAllExceptSetPolicy);
  ASSERT_TRUE(p.set_policy(kAllowAllExceptExec));
  ASSERT_TRUE(p.set_policy("package agent_policy\n\ndefault SetPolicyRequest := false\n"));
  auto r = p.set_policy(AgentPolicy::allow_all_rego());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "agent.policy_denied");
  EXPECT_EQ(r.error().message, "SetPolicyRequest is blocked by policy: ");
}

TEST(AgentPolicy, SetPolicyWithABadPolicyKeepsTheOldOne) {
  AgentPolicy p = load(kAllowAllExceptExec);
  auto r = p.set_policy("package agent_policy\n\ndefault ExecProcessRequest := \n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "agent.policy_invalid");
  EXPECT_FALSE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"})));
  EXPECT_TRUE(p.check("CreateContainerRequest", create_container_request("c1", {"ls"}, {})));
}

TEST(AgentPolicy, AllowRequestsFailingPolicyAllowsDenialsAndUndefined) {
  AgentPolicy p = load(kFailingAllowed);
  EXPECT_TRUE(p.allows_failures());
  EXPECT_TRUE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"})));
  EXPECT_TRUE(p.check("GuestDetailsRequest", json::object()));
}

TEST(AgentPolicy, PrintsAreAppendedToTheDenial) {
  AgentPolicy p = load(kPrinting);
  EXPECT_TRUE(p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"date"})));
  auto r = p.check("ExecProcessRequest", exec_process_request("c1", "e2", {"ls", "-l"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "ExecProcessRequest is blocked by policy: agent_policy:8: exec of ls -l");
}

TEST(AgentPolicy, NonBooleanResultsAndMetadataResponses) {
  AgentPolicy p = load(R"(package agent_policy

default ExecProcessRequest := "yes"
default CreateContainerRequest := {"allowed": false, "ops": []}
default StartContainerRequest := {"allowed": true}
)");
  auto r = p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "agent.policy_error");
  EXPECT_EQ(r.error().message,
            "ExecProcessRequest: internal error policy check: unexpected eval_query result type \"yes\"");
  auto c = p.check("CreateContainerRequest", create_container_request("c1", {"ls"}, {}));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "CreateContainerRequest is blocked by policy: ");
  EXPECT_TRUE(p.check("StartContainerRequest", start_container_request("c1")));
}

TEST(AgentPolicy, LoadErrors) {
  auto wrong = AgentPolicy::load("package other\n\ndefault ExecProcessRequest := true\n");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "agent.policy_invalid");
  EXPECT_EQ(wrong.error().message, "policy package is other, expected agent_policy");
  auto garbage = AgentPolicy::load("this is not rego");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, "agent.policy_invalid");
  EXPECT_NE(garbage.error().message.find("rego_parse_error"), std::string::npos) << garbage.error().message;
}

TEST(AgentPolicy, RequestNamesCannotEscapeThePackage) {
  AgentPolicy p = AgentPolicy::allow_all();
  auto r = p.check("ExecProcessRequest[0]", json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "ExecProcessRequest[0]: internal error invalid request name");
}

TEST(AgentPolicy, RequestShapesAreKatas) {
  json e = exec_process_request("c1", "e1", {"ls", "-l"});
  EXPECT_EQ(e["container_id"], "c1");
  EXPECT_EQ(e["exec_id"], "e1");
  EXPECT_TRUE(e["string_user"].is_null());
  EXPECT_EQ(e["process"]["Args"], json({"ls", "-l"}));
  EXPECT_EQ(e["process"]["Terminal"], false);
  EXPECT_EQ(e["process"]["Cwd"], "/");
  ContainerSpec spec;
  spec.args = {"sleep", "10"};
  spec.env = {"A=b"};
  spec.annotations = {{"k", "v"}};
  json c = create_container_request("c1", spec);
  EXPECT_EQ(c["exec_id"], "c1");
  EXPECT_EQ(create_container_request("c2", {"sh", "-c"}, {"ls"})["OCI"]["Process"]["Args"],
            json({"sh", "-c", "ls"}));
  EXPECT_EQ(c["OCI"]["Process"]["Args"], json({"sleep", "10"}));
  EXPECT_EQ(c["OCI"]["Process"]["Env"], json({"A=b"}));
  EXPECT_EQ(c["OCI"]["Annotations"]["k"], "v");
  EXPECT_EQ(write_stream_request("c", "e", "ab")["data"], json({97, 98}));
  json f = copy_file_request("/l", "target", 0120777);
  EXPECT_EQ(f["file_type"], "Symlink");
  EXPECT_EQ(f["symlink_target"], "target");
  EXPECT_EQ(copy_file_request("/f", "x")["file_type"], "Regular");
}

TEST(AgentPolicy, ExecDenialAsTheUserSeesIt) {
  AgentPolicy p = load(kAllowAllExceptExec);
  auto r = p.check("ExecProcessRequest", exec_process_request("c1", "e1", {"ls"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(exec_error_as_user_sees_it(CriRuntime::crio, r.error()),
            "error: Internal error occurred: error executing command in container: rpc error: code = "
            "PermissionDenied desc = ExecProcessRequest is blocked by policy: ");
  EXPECT_EQ(
      exec_error_as_user_sees_it(CriRuntime::containerd, r.error(), "abc123"),
      "error: Internal error occurred: error executing command in container: failed to exec in container: "
      "failed to start exec \"abc123\": rpc error: code = PermissionDenied desc = ExecProcessRequest is "
      "blocked by policy: : unknown");
}

}  // namespace
}  // namespace coco::guest
