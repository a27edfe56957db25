// `coco-harness kds serve`: a fake AMD KDS (sim/snp/kds.h) on a local port, for Trustee, a verifier or a
// guest under test to fetch VCEKs, VLEKs, chains and CRLs from, with optional fault injection.
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "core/fault.h"
#include "fake_serve.h"
#include "signal_gate.h"
#include "snp/kds.h"

namespace coco::cli {
namespace {

struct ServeArgs : FakeServeArgs {
  std::string key_cache;
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
  add_fake_serve_options(cmd, *a, "Seed of the simulated AMD world (same seed, same keys)");
  cmd->add_option("--key-cache", a->key_cache,
                  "Directory caching the simulated RSA-4096 keys [$XDG_CACHE_HOME/coco-harness/keys]");

  on_run(cmd, [a]() {
    const Fault fault = fake_serve_fault(*a);

    snp::AmdAuthority authority(a->seed, a->key_cache.empty() ? default_key_cache() : a->key_cache);
    snp::FakeKdsOptions o;
    o.server = fake_server_options(*a);
    snp::FakeKds kds(authority, o);
    arm_faults(kds, fault, *a);

    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(kds.start(), "kds serve");
    const std::string why = announce_and_wait(
        gate, "fake KDS (seed \"" + a->seed + "\", fault " + std::string(fault_name(fault)) + ")", kds.url(),
        {{"url", kds.url()},
         {"port", kds.port()},
         {"seed", a->seed},
         {"fault", std::string(fault_name(fault))}},
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
