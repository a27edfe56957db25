// coco-harness: one binary, subcommands. See README.md and `coco-harness --help`.
#include <cstdlib>
#include <iostream>

#include "cli_common.h"
#include "core/encoding.h"
#include "signal_gate.h"

namespace coco::cli {

Globals& globals() {
  static Globals g;
  return g;
}
int& exit_code() {
  static int code = kExitOk;
  return code;
}

void on_run(CLI::App* cmd, std::function<int()> body) {
  cmd->callback([body = std::move(body)]() {
    try {
      exit_code() = body();
    } catch (const InputError& e) {
      std::cerr << "coco-harness: error: " << e.what() << "\n";
      exit_code() = kExitUsage;
    } catch (const std::exception& e) {
      std::cerr << "coco-harness: error: " << e.what() << "\n";
      exit_code() = kExitUsage;
    }
  });
}

Bytes read_input(const std::string& path) {
  auto r = read_file(path);
  if (!r) throw InputError(r.error().message);
  return std::move(r).value();
}

Bytes hex_arg(const std::string& value, const std::string& flag) {
  std::string v = value.rfind("0x", 0) == 0 ? value.substr(2) : value;
  auto b = hex_decode(v);
  if (!b) throw InputError(flag + " must be hex, got '" + value + "'");
  return *b;
}

std::uint32_t uint_arg(const std::string& v, const std::string& flag) {
  try {
    std::size_t used = 0;
    unsigned long n = std::stoul(v, &used, 0);
    if (used == v.size() && n <= 0xffffffffUL) return static_cast<std::uint32_t>(n);
  } catch (const std::exception&) {
  }
  throw InputError(flag + " must be a number, got '" + v + "'");
}

SysTime time_arg(const std::string& v) {
  auto t = parse_utc(v);
  if (!t) throw InputError("--at must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '" + v + "'");
  return *t;
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2) << "\n";
}

std::string default_key_cache() {
  if (const char* v = std::getenv("COCO_KEY_CACHE")) return v;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/coco-harness/keys";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/coco-harness/keys";
  return ".coco-harness-keys";
}

void progress(const std::string& line) {
  if (!globals().quiet && !globals().json) std::cerr << line << "\n";
}

std::string announce_and_wait(SignalGate& gate, const std::string& what, const std::string& url,
                              const nlohmann::json& json, double duration) {
  if (globals().json) {
    print_json(json);
  } else {
    std::cout << url << "\n";
  }
  std::cout.flush();  // a script waiting for the URL must not wait for the buffer
  progress(what + " listening on " + url + (duration > 0 ? "" : "; Ctrl-C stops it"));
  return gate.wait(duration) ? "stopped by signal" : "duration elapsed";
}

}  // namespace coco::cli

int main(int argc, char** argv) {
  using namespace coco::cli;
  CLI::App app{
      "coco-harness: simulation and conformance harness for Confidential Containers.\n"
      "Simulates and verifies TEE evidence (AMD SEV-SNP, Intel TDX, Azure vTPM), serves fake vendor "
      "services\n"
      "(AMD KDS, Intel PCS, Azure IMDS), evaluates Rego policies, and tells whether a deployment releases "
      "secrets exactly when\n"
      "it should.\n"
      "Exit codes: 0 success, 1 verification failed or denied, 2 usage or input error."};
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_flag("--json", globals().json, "Machine-readable JSON on stdout");
  app.add_flag("-q,--quiet", globals().quiet, "No progress messages on stderr");
  app.add_flag_callback(
      "--version",
      [] {
        std::cout << "coco-harness 0.1.0\n";
        std::exit(0);
      },
      "Print the version and exit");

  add_run_command(app);
  add_snp_commands(app);
  add_kds_commands(app);
  add_rego_commands(app);
  add_kbs_commands(app);
  add_tdx_commands(app);
  add_pcs_commands(app);
  add_azure_commands(app);
  add_imds_commands(app);
  add_initdata_commands(app);
  add_pattern_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return exit_code();
}
