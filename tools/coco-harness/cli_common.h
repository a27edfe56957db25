// Shared pieces of the coco-harness command line: exit codes, error reporting, JSON output.
// Exit codes are stable: 0 success, 1 verification failed or denied, 2 usage or input error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "core/x509.h"

namespace coco::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Thrown by a command for bad input (unreadable file, malformed data, bad flag value): the command
// ends with exit code 2 and one line on stderr.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Options every command shares.
struct Globals {
  bool json = false;   // machine-readable output on stdout
  bool quiet = false;  // no progress on stderr
};
Globals& globals();

// Sets the command's callback: runs `body`, maps InputError (and any unexpected exception) to exit
// code 2 with a one-line message, and records the exit code for main().
void on_run(CLI::App* cmd, std::function<int()> body);
int& exit_code();

// Reads a file or throws InputError with a message that names the file.
Bytes read_input(const std::string& path);
// Unwraps a Result or throws InputError with "<context>: <message> [<code>]".
template <typename T>
T need(Result<T> r, const std::string& context) {
  if (!r) throw InputError(context + ": " + r.error().message + " [" + r.error().code + "]");
  return std::move(r).value();
}
void print_json(const nlohmann::json& j);
// Flag values, each throwing InputError with a message naming the flag: hex (an optional 0x prefix), an
// unsigned 32-bit number (decimal or 0x...), and the --at time (YYYY-MM-DD[THH:MM:SSZ]).
Bytes hex_arg(const std::string& value, const std::string& flag);
std::uint32_t uint_arg(const std::string& value, const std::string& flag);
SysTime time_arg(const std::string& value);
// Where simulated RSA-4096 keys are cached between runs: $COCO_KEY_CACHE, else
// $XDG_CACHE_HOME/coco-harness/keys, else ~/.cache/coco-harness/keys.
std::string default_key_cache();
// Progress line on stderr unless --quiet or --json.
void progress(const std::string& line);

// Command groups, each in its own file.
void add_snp_commands(CLI::App& app);
void add_kds_commands(CLI::App& app);
void add_run_command(CLI::App& app);
void add_rego_commands(CLI::App& app);
void add_kbs_commands(CLI::App& app);
void add_tdx_commands(CLI::App& app);
void add_pcs_commands(CLI::App& app);
void add_azure_commands(CLI::App& app);
void add_imds_commands(CLI::App& app);
void add_initdata_commands(CLI::App& app);
void add_pattern_commands(CLI::App& app);

}  // namespace coco::cli
