// Fuzz target: the Kata agent policy on untrusted requests. The input is "<RequestName>\n<request JSON>";
// when the first line is "policy", the rest is a policy text instead.
//   AgentPolicy::load: fails only with agent.policy_invalid; what loads checks a fixed request without
//     throwing, with one of the documented codes on refusal;
//   the request against allow-all: every listed request name is allowed whatever its JSON;
//   the request against the pattern's secure shape: ExecProcessRequest is allowed exactly when
//     process.Args is an array of strings whose " "-join is in the allow-list (checked independently),
//     ReadStream/WriteStream are always refused with "<Name> is blocked by policy: ";
//   any name: refusals carry agent.policy_denied / agent.policy_error; names that are not identifiers are
//     refused, never evaluated.
// Nothing may throw or crash. Seeds: the unit tests' request builders' JSON.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "guest/agent_policy.h"

namespace {

using namespace coco;
using namespace coco::guest;
using nlohmann::json;

constexpr const char* kSecure = R"(package agent_policy

import future.keywords.in
import future.keywords.if

default CreateContainerRequest := true
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
        "echo hi"
  ]
}
)";

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "guest_agent_request_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

const AgentPolicy& allow_all() {
  static const AgentPolicy p = AgentPolicy::allow_all();
  return p;
}
const AgentPolicy& secure() {
  static const AgentPolicy p = *AgentPolicy::load(kSecure);
  return p;
}

void check_code(const Status& st, const char* where) {
  if (!st && st.error().code != "agent.policy_denied" && st.error().code != "agent.policy_error") {
    fail(where, st.error().code);
  }
}

bool identifier(std::string_view s) {
  if (s.empty() || s.size() > 128 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

void check_request(std::string_view name, const json& request) {
  static const std::set<std::string> listed = {"CreateContainerRequest", "ExecProcessRequest",
                                               "ReadStreamRequest",      "WriteStreamRequest",
                                               "SetPolicyRequest",       "CopyFileRequest"};
  const Status all = allow_all().check(name, request);
  check_code(all, "allow-all code");
  if (listed.count(std::string(name)) && !all) fail("allow-all refused", all.error().message);
  if (!identifier(name) && all) fail("non-identifier name evaluated", name);

  const Status sec = secure().check(name, request);
  check_code(sec, "secure code");
  if (name == "ExecProcessRequest") {
    bool expected = false;
    const json* args = request.is_object() && request.contains("process") && request["process"].is_object() &&
                               request["process"].contains("Args")
                           ? &request["process"]["Args"]
                           : nullptr;
    if (args && args->is_array()) {
      std::string joined;
      bool strings = true;
      for (std::size_t i = 0; i < args->size(); ++i) {
        if (!(*args)[i].is_string()) {
          strings = false;
          break;
        }
        joined += (i ? " " : "") + (*args)[i].get<std::string>();
      }
      expected =
          strings && (joined == "echo hi" ||
                      joined == "curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/status");
    }
    if (sec.ok() != expected) fail("exec allow-list decision", request.dump());
  }
  if ((name == "ReadStreamRequest" || name == "WriteStreamRequest") &&
      (sec || sec.error().message != std::string(name) + " is blocked by policy: ")) {
    fail("stream not refused as kata refuses it");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto nl = text.find('\n');
  const std::string_view name = text.substr(0, nl);
  const std::string_view rest = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  try {
    if (name == "policy") {
      auto p = AgentPolicy::load(rest);
      if (!p) {
        if (p.error().code != "agent.policy_invalid") fail("load error code", p.error().code);
        return 0;
      }
      check_code(p->check("ExecProcessRequest", exec_process_request("c", "e", {"ls"})),
                 "loaded policy code");
      return 0;
    }
    const json request = json::parse(rest, nullptr, false);
    check_request(name, request.is_discarded() ? json::object() : request);
  } catch (const std::exception& e) {
    fail("exception:", e.what());
  }
  return 0;
}
