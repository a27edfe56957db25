// `coco-harness kds serve`: a fake AMD KDS (sim/snp/kds.h) on a local port, for Trustee, a verifier or a
// guest under test to fetch VCEKs, VLEKs, chains and CRLs from, with optional fault injection.
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "core/fault.h"
#include "signal_gate.h"
#include "snp/kds.h"

namespace coco::cli {
namespace {

struct ServeArgs {
  int port = 0;
  std::string bind = "127.0.0.1";
  std::string seed = "coco-harness";
  std::string key_cache;
  std::string fault = "none";
  int slow_ms = static_cast<int>(FaultSwitch::kDefaultSlowDelay.count());
  double duration = 0;
};

void add_serve(CLI::App& group) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = group.add_subcommand(
      "serve",
      "Serve a fake AMD KDS backed by the simulated AMD root of trust.\n"
      "Routes: /vcek/v1/{Milan|Genoa|Turin}/{hwid}?[fmcSPL&]blSPL&teeSPL&snpSPL&ucodeSPL, .../cert_chain, "
      ".../crl,\n"
      "/vlek/v1/{product}/cert?..., /vlek/v1/{product}/cert_chain, /vlek/v1/{product}/crl.\n"
      "Prints the URL it listens on, then serves until SIGINT/SIGTERM or --duration.");
  cmd->add_option("--port", a->port, "TCP port; 0 picks a free one")
      ->default_val(0)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", a->bind, "Address to listen on (loopback by default)")->default_val("127.0.0.1");
  cmd->add_option("--seed", a->seed, "Seed of the simulated AMD world (same seed, same keys)")
      ->default_val("coco-harness");
  cmd->add_option("--key-cache", a->key_cache,
                  "Directory caching the simulated RSA-4096 keys [$XDG_CACHE_HOME/coco-harness/keys]");
  cmd->add_option("--fault", a->fault, "Fault to inject: none, down, slow, 404, 429, 500, wrong")
      ->default_val("none");
  cmd->add_option("--slow-ms", a->slow_ms, "Delay of the slow fault, in milliseconds (at most 60000)")
      ->default_val(a->slow_ms)
      ->check(CLI::Range(0, 60'000));
  cmd->add_option("--duration", a->duration, "Seconds to serve; 0 = until SIGINT/SIGTERM")
      ->default_val(0)
      ->check(CLI::Range(0.0, 31'536'000.0));

  on_run(cmd, [a]() {
    auto fault = parse_fault(a->fault);
    if (!fault) throw InputError("--fault: " + fault.error().message);
    if (a->bind != "127.0.0.1" && a->bind != "::1") {
      progress("warning: listening on " + a->bind + ", not loopback only");
    }

    snp::AmdAuthority authority(a->seed, a->key_cache.empty() ? default_key_cache() : a->key_cache);
    snp::FakeKdsOptions o;
    o.server.bind_address = a->bind;
    o.server.port = static_cast<std::uint16_t>(a->port);
    o.server.threads = 2;
    snp::FakeKds kds(authority, o);
    kds.faults().set(*fault);
    kds.faults().set_slow_delay(std::chrono::milliseconds(a->slow_ms));

    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(kds.start(), "kds serve");
    const std::string why = announce_and_wait(
        gate, "fake KDS (seed \"" + a->seed + "\", fault " + std::string(fault_name(*fault)) + ")", kds.url(),
        {{"url", kds.url()},
         {"port", kds.port()},
         {"seed", a->seed},
         {"fault", std::string(fault_name(*fault))}},
        a->duration);
    kds.stop();
    auto c = kds.counters();
    progress(why + ": served " + std::to_string(c.vcek) + " VCEK, " + std::to_string(c.vlek) + " VLEK, " +
             std::to_string(c.cert_chain) + " chain, " + std::to_string(c.crl) + " CRL; rejected " +
             std::to_string(c.rejected) + " of " + std::to_string(c.total) + " requests");
    return kExitOk;
  });
}

}  // namespace

void add_kds_commands(CLI::App& app) {
  auto* kds = app.add_subcommand("kds", "Fake AMD Key Distribution Service");
  kds->require_subcommand(1);
  add_serve(*kds);
}

}  // namespace coco::cli
