#include "fake_serve.h"

#include "cli_common.h"

namespace coco::cli {

void add_fake_serve_options(CLI::App* cmd, FakeServeArgs& a, const std::string& seed_help) {
  cmd->add_option("--port", a.port, "TCP port; 0 picks a free one")
      ->default_val(0)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", a.bind, "Address to listen on (loopback by default)")->default_val("127.0.0.1");
  cmd->add_option("--seed", a.seed, seed_help)->default_val("coco-harness");
  cmd->add_option("--fault", a.fault, "Fault to inject: none, down, slow, 404, 429, 500, wrong")
      ->default_val("none");
  cmd->add_option("--slow-ms", a.slow_ms, "Delay of the slow fault, in milliseconds (at most 60000)")
      ->default_val(a.slow_ms)
      ->check(CLI::Range(0, 60'000));
  cmd->add_option("--duration", a.duration, "Seconds to serve; 0 = until SIGINT/SIGTERM")
      ->default_val(0)
      ->check(CLI::Range(0.0, 31'536'000.0));
}

Fault fake_serve_fault(const FakeServeArgs& a) {
  auto fault = parse_fault(a.fault);
  if (!fault) throw InputError("--fault: " + fault.error().message);
  if (a.bind != "127.0.0.1" && a.bind != "::1")
    progress("warning: listening on " + a.bind + ", not loopback only");
  return *fault;
}

HttpServerOptions fake_server_options(const FakeServeArgs& a) {
  HttpServerOptions o;
  o.bind_address = a.bind;
  o.port = static_cast<std::uint16_t>(a.port);
  o.threads = 2;
  return o;
}

void arm_faults(FakeService& service, Fault fault, const FakeServeArgs& a) {
  service.faults().set(fault);
  service.faults().set_slow_delay(std::chrono::milliseconds(a.slow_ms));
}

}  // namespace coco::cli
