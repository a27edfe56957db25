// `coco-harness tdx inspect | eventlog`: thin commands over sim/tdx's format layer (verification, `tdx gen`
// and `tdx verify` come with the rest of the TDX work).
#include <iostream>

#include "cli_common.h"
#include "core/encoding.h"
#include "tdx/eventlog.h"
#include "tdx/quote.h"

namespace coco::cli {
namespace {

const char* chain_encoding_name(tdx::PckChainEncoding e) {
  switch (e) {
    case tdx::PckChainEncoding::pem:
      return "pem";
    case tdx::PckChainEncoding::der:
      return "der";
    case tdx::PckChainEncoding::unknown:
      break;
  }
  return "unknown";
}

void add_inspect(CLI::App& tdx) {
  auto* cmd = tdx.add_subcommand(
      "inspect",
      "Print a TDX DCAP quote (v4 or v5) as Trustee's claims, with its structure (QE report, PCK chain)");
  auto path = std::make_shared<std::string>();
  cmd->add_option("quote", *path, "Quote file (binary)")->required();
  on_run(cmd, [path]() {
    const Bytes raw = read_input(*path);
    const tdx::Quote q = need(tdx::parse_quote(raw), *path);
    nlohmann::json j = tdx::trustee_quote_claims(q);
    j["td_attributes"] = tdx::trustee_td_attributes_claims(tdx::decode_td_attributes(q.body.td_attributes));
    const auto& cert = q.signed_data.certification;
    j["structure"] = {{"size", raw.size()},
                      {"signed_part_size", tdx::signed_part(q).size()},
                      {"qe_report_isvsvn", cert.qe_report.isvsvn},
                      {"qe_auth_data_size", cert.qe_auth_data.size()},
                      {"pck_chain_type", cert.cert_data_type},
                      {"pck_chain_encoding", chain_encoding_name(tdx::pck_chain_encoding(cert.cert_data))},
                      {"trailing_bytes", q.trailing.size()}};
    if (globals().json) {
      print_json(j);
    } else {
      std::cout << j.dump(2) << "\n";
    }
    return kExitOk;
  });
}

void add_eventlog(CLI::App& tdx) {
  auto* cmd = tdx.add_subcommand(
      "eventlog",
      "Parse a CC event log (CCEL), replay RTMR0-3, and with --quote compare them with the quote's");
  auto path = std::make_shared<std::string>();
  auto quote = std::make_shared<std::string>();
  auto events = std::make_shared<bool>(false);
  cmd->add_option("ccel", *path, "CCEL table data (binary)")->required();
  cmd->add_option("--quote", *quote, "TDX quote whose RTMRs the replay must equal");
  cmd->add_flag("--events", *events, "Also print every event as Trustee's uefi_event_logs claims");
  cmd->footer(
      "Exit: 0 when the log parses (and with --quote, the replay matches), 1 when it does not match.");
  on_run(cmd, [path, quote, events]() {
    const tdx::EventLog log = need(tdx::parse_eventlog(read_input(*path)), *path);
    const auto rtmrs = tdx::replay_rtmrs(log);
    nlohmann::json j = {{"events", log.events.size()}, {"size", log.size}};
    for (std::size_t i = 0; i < rtmrs.size(); ++i) j["rtmr_" + std::to_string(i)] = hex_encode(rtmrs[i]);
    bool match = true;
    if (!quote->empty()) {
      const tdx::Quote q = need(tdx::parse_quote(read_input(*quote)), *quote);
      nlohmann::json mismatches = nlohmann::json::array();
      for (std::size_t i = 0; i < 4; ++i) {
        if (q.body.rtmr[i] != rtmrs[i]) mismatches.push_back("rtmr_" + std::to_string(i));
      }
      match = mismatches.empty();
      j["matches_quote"] = match;
      j["mismatched"] = mismatches;
    }
    if (*events) j["uefi_event_logs"] = tdx::trustee_eventlog_claims(log);
    if (globals().json) {
      print_json(j);
    } else {
      std::cout << j.dump(2) << "\n";
      if (!match)
        std::cerr << "the replayed RTMRs differ from the quote's: is this the quote's own event log?\n";
    }
    return match ? kExitOk : kExitFailed;
  });
}

}  // namespace

void add_tdx_commands(CLI::App& app) {
  auto* tdx =
      app.add_subcommand("tdx", "Intel TDX quotes and event logs (format layer; verification is coming)");
  tdx->require_subcommand(1);
  add_inspect(*tdx);
  add_eventlog(*tdx);
}

}  // namespace coco::cli
