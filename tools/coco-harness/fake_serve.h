// What every `<fake service> serve` command (kds, pcs, imds) shares: the options --port, --bind, --seed,
// --fault, --slow-ms and --duration, and what they do to the service before it serves.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/fault.h"
#include "core/http.h"

namespace coco::cli {

struct FakeServeArgs {
  int port = 0;
  std::string bind = "127.0.0.1";
  std::string seed = "coco-harness";
  std::string fault = "none";
  int slow_ms = static_cast<int>(FaultSwitch::kDefaultSlowDelay.count());
  double duration = 0;
};

// Adds the shared options; `seed_help` says which simulated world the seed makes.
void add_fake_serve_options(CLI::App* cmd, FakeServeArgs& args, const std::string& seed_help);
// The fault --fault names (InputError when it names none), with a warning on stderr when --bind is not a
// loopback address.
Fault fake_serve_fault(const FakeServeArgs& args);
// Bind address, port and two threads for the service's server.
HttpServerOptions fake_server_options(const FakeServeArgs& args);
// Sets the service's fault switch to `fault` with the --slow-ms delay.
void arm_faults(FakeService& service, Fault fault, const FakeServeArgs& args);

}  // namespace coco::cli
