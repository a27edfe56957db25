// `coco-harness pcs serve`: a fake Intel PCS v4 (sim/tdx/pcs.h) on a local port, serving the collateral that
// judges the simulated TDX platform of `tdx gen` (sim/tdx/sim_collateral.h), for `tdx verify --pcs-url`,
// Trustee or a verifier under test, with optional fault injection.
#include <chrono>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "core/encoding.h"
#include "core/fault.h"
#include "signal_gate.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx/sim_collateral.h"

namespace coco::cli {
namespace {

struct ServeArgs {
  int port = 0;
  std::string bind = "127.0.0.1";
  std::string seed = "coco-harness";
  std::string fault = "none";
  int slow_ms = static_cast<int>(FaultSwitch::kDefaultSlowDelay.count());
  double duration = 0;
};

void add_serve(CLI::App& group) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = group.add_subcommand(
      "serve",
      "Serve a fake Intel PCS (v4 API) backed by the simulated Intel root of trust, with the collateral "
      "that\n"
      "judges `tdx gen`'s platform (FMSPC 90c06f000000: UpToDate at PCESVN 13 and TD QE ISVSVN 8, OutOfDate\n"
      "below; issued at start, valid 30 days).\n"
      "Routes: /tdx/certification/v4/tcb?fmspc=<hex>, /tdx/certification/v4/qe/identity,\n"
      "/sgx/certification/v4/pckcrl?ca=processor|platform[&encoding=der|pem], /IntelSGXRootCA.der.\n"
      "Prints the URL it listens on, then serves until SIGINT/SIGTERM or --duration.");
  cmd->add_option("--port", a->port, "TCP port; 0 picks a free one")
      ->default_val(0)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", a->bind, "Address to listen on (loopback by default)")->default_val("127.0.0.1");
  cmd->add_option("--seed", a->seed, "Seed of the simulated Intel world (the same as `tdx gen --seed`)")
      ->default_val("coco-harness");
  cmd->add_option("--fault", a->fault, "Fault to inject: none, down, slow, 404, 429, 500, wrong")
      ->default_val("none");
  cmd->add_option("--slow-ms", a->slow_ms, "Delay of the slow fault, in milliseconds (at most 60000)")
      ->default_val(a->slow_ms)
      ->check(CLI::Range(0, 60'000));
  cmd->add_option("--duration", a->duration, "Seconds to serve; 0 = until SIGINT/SIGTERM")
      ->default_val(0)
      ->check(CLI::Range(0.0, 31'536'000.0));
  cmd->footer(
      "Example: coco-harness pcs serve --port 8081 &\n"
      "         coco-harness tdx verify quote.dat --root root.pem --pcs-url http://127.0.0.1:8081");

  on_run(cmd, [a]() {
    auto fault = parse_fault(a->fault);
    if (!fault) throw InputError("--fault: " + fault.error().message);
    if (a->bind != "127.0.0.1" && a->bind != "::1") {
      progress("warning: listening on " + a->bind + ", not loopback only");
    }

    tdx::IntelAuthority intel(a->seed);
    const tdx::PckRequest reference = tdx::default_pck_request();
    tdx::FakePcsOptions o;
    o.server.bind_address = a->bind;
    o.server.port = static_cast<std::uint16_t>(a->port);
    o.server.threads = 2;
    tdx::FakePcs pcs(intel, tdx::simulated_pcs_content(intel, reference, std::chrono::system_clock::now()),
                     o);
    pcs.faults().set(*fault);
    pcs.faults().set_slow_delay(std::chrono::milliseconds(a->slow_ms));

    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(pcs.start(), "pcs serve");
    const std::string why = announce_and_wait(
        gate, "fake PCS (seed \"" + a->seed + "\", fault " + std::string(fault_name(*fault)) + ")", pcs.url(),
        {{"url", pcs.url()},
         {"port", pcs.port()},
         {"seed", a->seed},
         {"fmspc", hex_encode(reference.fmspc)},
         {"fault", std::string(fault_name(*fault))}},
        a->duration);
    pcs.stop();
    progress(why + ": served " + std::to_string(pcs.served("tcb")) + " TCB info, " +
             std::to_string(pcs.served("qe_identity")) + " QE identity, " +
             std::to_string(pcs.served("pckcrl")) + " PCK CRL, " + std::to_string(pcs.served("root_crl")) +
             " root CRL; rejected " + std::to_string(pcs.served("rejected")) + " of " +
             std::to_string(pcs.served("total")) + " requests");
    return kExitOk;
  });
}

}  // namespace

void add_pcs_commands(CLI::App& app) {
  auto* pcs = app.add_subcommand("pcs", "Fake Intel Provisioning Certification Service (TDX collateral)");
  pcs->require_subcommand(1);
  add_serve(*pcs);
}

}  // namespace coco::cli
