// `coco-harness pattern up | status | down`: the validated pattern, simulated, kept running for a person
// or a script to look at. `up` starts the embedded stack (Trustee as the chart configures it, fake KDS and
// PCS), brings a scenario up against it (fake Azure compute API, cloud.conf -> peer-pods-cm, init-data,
// Kyverno, peer-pod VMs with the CDH), serves a small control API on loopback and writes a state file;
// `status` and `down` find it through that file.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli_common.h"
#include "conformance/pattern_suite.h"
#include "signal_gate.h"

namespace coco::cli {
namespace {

std::string default_state_file() {
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x)
    return std::string(x) + "/coco-harness/pattern.json";
  return "/tmp/coco-harness-" + std::to_string(getuid()) + "/pattern.json";
}

pattern::Scenario scenario_arg(const std::string& file) {
  if (file.empty()) return pattern::default_scenario();
  return need(pattern::load_scenario(file), "--scenario " + file);
}

nlohmann::json read_state(const std::string& state_file) {
  std::ifstream in(state_file);
  if (!in) {
    throw InputError("no simulated pattern is up (no state file " + state_file +
                     "): start one with `coco-harness pattern up &`");
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("control_url") || !j["control_url"].is_string())
    throw InputError("state file " + state_file +
                     " is not coco-harness's; remove it and run `pattern up` again");
  return j;
}

void print_status(const nlohmann::json& s) {
  std::cout << "scenario " << s.value("scenario", "") << ": KBS " << s.value("kbs_url", "")
            << ", Azure compute API " << s.value("compute_api", "") << " (subscription "
            << s.value("subscription", "") << ", " << s.value("region", "") << ")\n";
  if (s.contains("initdata")) {
    for (const auto& [name, d] : s["initdata"].items()) {
      std::cout << "  init-data " << std::left << std::setw(15) << name << " RAW_HASH "
                << d.value("RAW_HASH", "") << "\n  " << std::string(26, ' ') << "PCR8_HASH "
                << d.value("PCR8_HASH", "") << "\n";
    }
  }
  std::cout << "  pods:\n";
  for (const auto& p : s.value("pods", nlohmann::json::array())) {
    std::cout << "    " << std::left << std::setw(34)
              << (p.value("namespace", "") + "/" + p.value("name", "")) << std::setw(9)
              << p.value("phase", "");
    if (p.contains("vm")) {
      std::cout << p["vm"].value("size", "") << " " << p["vm"].value("tee", "") << " ("
                << p["vm"].value("name", "") << ")";
    } else if (!p.value("peer_pod", false)) {
      std::cout << "runc";
    }
    std::cout << "\n";
    if (p.contains("message")) std::cout << "      " << p["message"].get<std::string>() << "\n";
  }
}

bool all_running(const nlohmann::json& s) {
  for (const auto& p : s.value("pods", nlohmann::json::array())) {
    if (p.value("phase", "") != "Running") return false;
  }
  return true;
}

struct UpArgs {
  std::string scenario;
  std::string state_file;
  std::string seed = "coco-harness";
  std::string key_cache;
  double duration = 0;
};

void add_up(CLI::App& group) {
  auto a = std::make_shared<UpArgs>();
  auto* cmd = group.add_subcommand(
      "up",
      "Bring the simulated pattern up and keep it running until Ctrl-C, `pattern down` or --duration: "
      "Trustee "
      "(embedded KBS as the chart configures it), the fake Azure compute API, peer-pods-cm from cloud.conf, "
      "init-data, and the scenario's pods as peer-pod VMs");
  cmd->add_option(
      "--scenario", a->scenario,
      "Scenario YAML (default: the pattern's simple cluster group, fixtures/scenarios/simple.yaml)");
  cmd->add_option("--state", a->state_file,
                  "State file for status/down (default: " + default_state_file() + ")");
  cmd->add_option("--seed", a->seed, "Seed of the simulated world")->default_val("coco-harness");
  cmd->add_option("--key-cache", a->key_cache, "Cache directory for simulated RSA-4096 keys");
  cmd->add_option("--duration", a->duration, "Stop after this many seconds (default: run until stopped)");
  cmd->footer(
      "Example: coco-harness pattern up &\n"
      "         coco-harness pattern status\n"
      "         coco-harness pattern down\n"
      "Exit: 0 after a clean stop, 2 when the scenario cannot be brought up.");
  on_run(cmd, [a]() {
    const pattern::Scenario scenario = scenario_arg(a->scenario);
    const std::string state_file = a->state_file.empty() ? default_state_file() : a->state_file;
    SignalGate gate;  // before any server starts: their threads inherit the blocked mask
    conformance::EmbeddedStackOptions so;
    so.seed = a->seed;
    so.key_cache = a->key_cache.empty() ? default_key_cache() : a->key_cache;
    so.progress = progress;
    auto stack = need(conformance::EmbeddedStack::start(std::move(so)), "starting the embedded stack");
    auto deployment =
        need(conformance::deploy(*stack, scenario, a->seed, progress), "bringing the scenario up");
    std::mutex mu;
    HttpServer control(
        [&](const HttpRequest& req) {
          if (req.method == "GET" && req.target == "/status") {
            std::lock_guard lock(mu);
            return HttpResponse::json(200, deployment->status().dump());
          }
          if (req.method == "POST" && req.target == "/exec") {
            const nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
            if (!j.is_object() || !j.contains("pod") || !j["pod"].is_string() || !j.contains("args") ||
                !j["args"].is_array())
              return HttpResponse::json(
                  400, R"({"error":"expected {namespace, pod, container, args[], stdin?}"})");
            std::vector<std::string> args;
            for (const auto& x : j["args"]) {
              if (!x.is_string()) return HttpResponse::json(400, R"({"error":"args must be strings"})");
              args.push_back(x.get<std::string>());
            }
            std::optional<std::string> input;
            if (j.contains("stdin") && j["stdin"].is_string()) input = j["stdin"].get<std::string>();
            std::lock_guard lock(mu);
            auto r = deployment->cluster().exec(j.value("namespace", "default"), j["pod"].get<std::string>(),
                                                j.value("container", ""), args, input);
            if (!r) return HttpResponse::json(404, nlohmann::json{{"error", r.error().message}}.dump());
            return HttpResponse::json(200, nlohmann::json{{"exit_code", r.value().exit_code},
                                                          {"out", r.value().out},
                                                          {"err", r.value().err}}
                                               .dump());
          }
          if (req.method == "POST" && req.target == "/down") {
            kill(getpid(), SIGTERM);  // taken by the gate's wait below
            return HttpResponse::json(202, R"({"stopping":true})");
          }
          return HttpResponse::text(404, "GET /status, POST /exec or POST /down\n");
        },
        {});
    need(control.start(), "starting the control API");
    std::filesystem::create_directories(std::filesystem::path(state_file).parent_path());
    {
      std::ofstream out(state_file);
      out << nlohmann::json{{"pid", getpid()},
                            {"control_url", control.url()},
                            {"kbs_url", stack->url()},
                            {"scenario", scenario.name}}
                 .dump(2);
      if (!out) throw InputError("cannot write the state file " + state_file + ": use --state");
    }
    nlohmann::json announce;
    {
      std::lock_guard lock(mu);
      announce = deployment->status();
    }
    announce["control_url"] = control.url();
    announce["state_file"] = state_file;
    if (!globals().json) print_status(announce);
    const std::string why =
        announce_and_wait(gate, "simulated pattern (control API)", control.url(), announce, a->duration);
    control.stop();
    std::filesystem::remove(state_file);
    deployment.reset();
    stack.reset();
    progress(why + ": pattern down");
    return kExitOk;
  });
}

void add_status(CLI::App& group) {
  auto state = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "status", "Show the running simulated pattern: KBS, cloud, init-data digests, pods and their VMs");
  cmd->add_option("--state", *state, "State file `pattern up` wrote (default: " + default_state_file() + ")");
  cmd->footer("Exit: 0 when every pod runs, 1 when one does not, 2 when no pattern is up.");
  on_run(cmd, [state]() {
    const nlohmann::json st = read_state(state->empty() ? default_state_file() : *state);
    auto r = HttpClient().get(st["control_url"].get<std::string>() + "/status");
    if (!r || r.value().status != 200) {
      throw InputError("the simulated pattern (pid " + st.value("pid", nlohmann::json(0)).dump() +
                       ") does not answer at " + st["control_url"].get<std::string>() +
                       ": it was stopped uncleanly; remove the state file and run `pattern up` again");
    }
    const nlohmann::json s = nlohmann::json::parse(r.value().body, nullptr, false);
    if (globals().json) {
      print_json(s);
    } else {
      print_status(s);
    }
    return all_running(s) ? kExitOk : kExitFailed;
  });
}

struct ExecArgs {
  std::string state, ns = "default", pod, container, stdin_file;
  std::vector<std::string> args;
};

void add_exec(CLI::App& group) {
  auto a = std::make_shared<ExecArgs>();
  auto* cmd = group.add_subcommand("exec",
                                   "Run a command in a pod of the running simulated pattern, as `oc exec` "
                                   "does: through the Kata agent and its "
                                   "init-data policy for peer pods (denials look as oc prints them)");
  cmd->add_option("-n,--namespace", a->ns, "The pod's namespace")->default_val("default");
  cmd->add_option("pod", a->pod, "Pod name")->required();
  cmd->add_option("-c,--container", a->container, "Container (default: the first)");
  cmd->add_option("-i,--stdin-file", a->stdin_file, "Send this file as the command's stdin (oc exec -i)");
  cmd->add_option("--state", a->state,
                  "State file `pattern up` wrote (default: " + default_state_file() + ")");
  cmd->add_option("args", a->args, "The command and its arguments, after --")->required();
  cmd->footer(
      "Example: coco-harness pattern exec -n hello-openshift secure -- ls /\n"
      "         coco-harness pattern exec -n hello-openshift insecure-policy -- \\\n"
      "             curl -s http://127.0.0.1:8006/cdh/resource/default/kbsres1/key1\n"
      "Exit: 0 when the command succeeded, 1 when it failed or the policy denied it, 2 on bad input.");
  on_run(cmd, [a]() {
    const nlohmann::json st = read_state(a->state.empty() ? default_state_file() : a->state);
    nlohmann::json body = {
        {"namespace", a->ns}, {"pod", a->pod}, {"container", a->container}, {"args", a->args}};
    if (!a->stdin_file.empty()) body["stdin"] = to_string(read_input(a->stdin_file));
    auto r = HttpClient().post(st["control_url"].get<std::string>() + "/exec", body.dump(),
                               {{"Content-Type", "application/json"}});
    if (!r) throw InputError("the simulated pattern does not answer: " + r.error().message);
    const nlohmann::json j = nlohmann::json::parse(r.value().body, nullptr, false);
    if (r.value().status != 200 || !j.is_object()) {
      throw InputError(j.is_object() && j.contains("error") ? j["error"].get<std::string>() : r.value().body);
    }
    if (globals().json) {
      print_json(j);
    } else {
      std::cout << j.value("out", "");
      std::cerr << j.value("err", "");
    }
    return j.value("exit_code", 1) == 0 ? kExitOk : kExitFailed;
  });
}

void add_down(CLI::App& group) {
  auto state = std::make_shared<std::string>();
  auto* cmd =
      group.add_subcommand("down", "Stop the simulated pattern `pattern up` started (its VMs are deleted)");
  cmd->add_option("--state", *state, "State file `pattern up` wrote (default: " + default_state_file() + ")");
  on_run(cmd, [state]() {
    const std::string file = state->empty() ? default_state_file() : *state;
    const nlohmann::json st = read_state(file);
    auto r = HttpClient().post(st["control_url"].get<std::string>() + "/down", "");
    if (!r)
      throw InputError("the simulated pattern does not answer: remove " + file +
                       " and check for a stale process");
    for (int i = 0; i < 300 && std::filesystem::exists(file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::filesystem::exists(file)) throw InputError("the simulated pattern did not stop within 30 s");
    if (globals().json) {
      print_json({{"stopped", true}});
    } else {
      std::cout << "pattern down\n";
    }
    return kExitOk;
  });
}

}  // namespace

void add_pattern_commands(CLI::App& app) {
  auto* g = app.add_subcommand(
      "pattern", "The validated pattern, simulated: bring a scenario up, look at it, take it down");
  g->require_subcommand(1);
  add_up(*g);
  add_status(*g);
  add_exec(*g);
  add_down(*g);
}

}  // namespace coco::cli
