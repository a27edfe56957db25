// `coco-harness pcs serve`: a fake Intel PCS v4 (sim/tdx/pcs.h) on a local port, serving the collateral that
// judges the simulated TDX platform of `tdx gen` (sim/tdx/sim_collateral.h), for `tdx verify --pcs-url`,
// Trustee or a verifier under test, with optional fault injection.
#include <chrono>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "core/encoding.h"
#include "core/fault.h"
#include "fake_serve.h"
#include "signal_gate.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx/sim_collateral.h"

namespace coco::cli {
namespace {

void add_serve(CLI::App& group) {
  auto a = std::make_shared<FakeServeArgs>();
  auto* cmd = group.add_subcommand(
      "serve",
      "Serve a fake Intel PCS (v4 API) backed by the simulated Intel root of trust, with the collateral "
      "that\n"
      "judges `tdx gen`'s platform (FMSPC 90c06f000000: UpToDate at PCESVN 13 and TD QE ISVSVN 8, OutOfDate\n"
      "below; issued at start, valid 30 days).\n"
      "Routes: /tdx/certification/v4/tcb?fmspc=<hex>, /tdx/certification/v4/qe/identity,\n"
      "/sgx/certification/v4/pckcrl?ca=processor|platform[&encoding=der|pem], /IntelSGXRootCA.der.\n"
      "Prints the URL it listens on, then serves until SIGINT/SIGTERM or --duration.");
  add_fake_serve_options(cmd, *a, "Seed of the simulated Intel world (the same as `tdx gen --seed`)");
  cmd->footer(
      "Example: coco-harness pcs serve --port 8081 &\n"
      "         coco-harness tdx verify quote.dat --root root.pem --pcs-url http://127.0.0.1:8081");

  on_run(cmd, [a]() {
    const Fault fault = fake_serve_fault(*a);

    tdx::IntelAuthority intel(a->seed);
    const tdx::PckRequest reference = tdx::default_pck_request();
    tdx::FakePcsOptions o;
    o.server = fake_server_options(*a);
    tdx::FakePcs pcs(intel, tdx::simulated_pcs_content(intel, reference, std::chrono::system_clock::now()),
                     o);
    arm_faults(pcs, fault, *a);

    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(pcs.start(), "pcs serve");
    const std::string why = announce_and_wait(
        gate, "fake PCS (seed \"" + a->seed + "\", fault " + std::string(fault_name(fault)) + ")", pcs.url(),
        {{"url", pcs.url()},
         {"port", pcs.port()},
         {"seed", a->seed},
         {"fmspc", hex_encode(reference.fmspc)},
         {"fault", std::string(fault_name(fault))}},
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
