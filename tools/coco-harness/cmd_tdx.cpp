// `coco-harness tdx gen | verify | inspect | eventlog`: thin commands over sim/tdx (simulated QE and
// collateral, DCAP verifier, format layer, CC event log).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "conformance/tdx_world.h"
#include "core/encoding.h"
#include "tdx/eventlog.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx/quote.h"
#include "tdx/sim_collateral.h"
#include "tdx/verify.h"

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

// A hex flag zero-padded to N bytes (as Trustee pads expected values); longer is an input error.
template <std::size_t N>
std::array<std::uint8_t, N> padded_hex_arg(const std::string& value, const std::string& flag) {
  const Bytes b = hex_arg(value, flag);
  if (b.size() > N)
    throw InputError(flag + " is " + std::to_string(b.size()) + " bytes; at most " + std::to_string(N) +
                     " (shorter values are zero-padded)");
  std::array<std::uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

void write_output(const std::string& path, ByteView data) {
  if (auto st = write_file(path, data); !st) throw InputError(st.error().message);
}

std::string body_name(const tdx::Quote& q) {
  return q.is_tdx15() ? "TDX 1.5" : "TDX 1.0";
}

void add_gen(CLI::App& tdx) {
  auto* cmd = tdx.add_subcommand(
      "gen",
      "Simulate a TDX DCAP quote (v4 or v5) from a TD description, signed by a simulated TD Quoting Enclave\n"
      "whose PCK chains to a simulated Intel SGX Root CA; optionally write that root and the collateral\n"
      "(TCB info, QE identity, CRLs) that judges the platform, for `tdx verify`.");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto debug = std::make_shared<bool>(false);
  auto opt = [&](const char* name, const char* help) {
    return cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  opt("td", "TD description YAML (fixtures/tdx/td.yaml; keys in sim/tdx/qe.h) [the built-in peer-pod TD]");
  opt("seed", "Seed of the simulated Intel world (same seed, same keys and quote) [coco-harness]");
  opt("version", "Quote version 4 or 5 [the TD's, else 4]");
  opt("body-type", "v5 body type: 2 (TDX 1.0) or 3 (TDX 1.5) [3 for v5]");
  opt("report-data", "REPORT_DATA, hex (up to 64 bytes, zero-padded)");
  opt("mr-config-id", "MRCONFIGID, hex (up to 48 bytes, zero-padded; CoCo: the init-data digest)");
  opt("pcesvn", "The platform's PCESVN [13: UpToDate; below 13 the collateral says OutOfDate]");
  opt("qe-isvsvn", "The TD QE's ISVSVN [8: UpToDate; below 8 OutOfDate]");
  opt("chain", "PCK chain encoding in the quote: pem (as real quotes) or der (as Intel's QVL sample) [pem]");
  opt("ccel", "CC event log to replay into RTMR0-3 (replaces the TD's RTMRs or event log)");
  opt("ccel-out", "Write the TD's CC event log here (the built-in TD has a simulated TDVF log)");
  cmd->add_option("-o,--out", (*o)["out"], "Write the quote bytes here [quote.dat]");
  opt("root-out", "Write the simulated Intel SGX Root CA (PEM) here: pass it to `tdx verify --root`");
  opt("collateral-out",
      "Write collateral JSON judging this platform (valid 30 days from now): `tdx verify --collateral`");
  cmd->add_flag("--debug", *debug, "Set TD_ATTRIBUTES.DEBUG");
  cmd->footer(
      "Example: coco-harness tdx gen --version 5 --report-data 00ff -o quote.dat --root-out root.pem "
      "--collateral-out collateral.json\n"
      "         coco-harness tdx verify quote.dat --root root.pem --collateral collateral.json");
  on_run(cmd, [o, debug]() {
    auto& v = *o;
    tdx::TdDescription td;
    if (v["td"].empty()) {
      td = conformance::tdx_pattern_td();
    } else {
      const std::filesystem::path base = std::filesystem::path(v["td"]).parent_path();
      td = need(tdx::td_description_from_yaml(to_string(read_input(v["td"])), base), v["td"]);
    }
    if (!v["version"].empty()) {
      const auto n = uint_arg(v["version"], "--version");
      if (n != 4 && n != 5) throw InputError("--version must be 4 or 5, got " + v["version"]);
      td.version = static_cast<int>(n);
      if (n == 4) td.body_type = 0;  // v4 always carries a TDX 1.0 body, whatever the TD file asked for v5
    }
    if (!v["body-type"].empty()) {
      const auto n = uint_arg(v["body-type"], "--body-type");
      if (n != 2 && n != 3)
        throw InputError("--body-type must be 2 (TDX 1.0) or 3 (TDX 1.5), got " + v["body-type"]);
      if (td.version != 5)
        throw InputError("--body-type needs a v5 quote (--version 5): v4 carries a TDX 1.0 body");
      td.body_type = static_cast<std::uint16_t>(n);
    }
    if (!v["report-data"].empty()) td.report_data = padded_hex_arg<64>(v["report-data"], "--report-data");
    if (!v["mr-config-id"].empty()) td.mr_config_id = padded_hex_arg<48>(v["mr-config-id"], "--mr-config-id");
    if (*debug) td.debug = true;
    if (!v["ccel"].empty()) {
      const Bytes ccel = read_input(v["ccel"]);
      need(tdx::parse_eventlog(ccel), v["ccel"]);  // a bad log is the user's file, named as such
      td.ccel = ccel;
      td.rtmrs.reset();
    }

    if (!v["ccel-out"].empty() && !td.ccel)
      throw InputError(
          "--ccel-out: this TD has no event log (its RTMRs are given directly); give --ccel, or "
          "drop --td to use the built-in TD");
    tdx::PlatformSpec platform;  // the reference platform: default PCK request (PCESVN 13), TD QE ISVSVN 8
    if (!v["pcesvn"].empty()) {
      const auto n = uint_arg(v["pcesvn"], "--pcesvn");
      if (n > 0xffff) throw InputError("--pcesvn must be 0..65535");
      platform.pck.pcesvn = static_cast<std::uint16_t>(n);
    }
    if (!v["qe-isvsvn"].empty()) {
      const auto n = uint_arg(v["qe-isvsvn"], "--qe-isvsvn");
      if (n > 0xffff) throw InputError("--qe-isvsvn must be 0..65535");
      platform.qe_isvsvn = static_cast<std::uint16_t>(n);
    }
    if (v["chain"] == "der")
      platform.chain_encoding = tdx::PckChainEncoding::der;
    else if (!v["chain"].empty() && v["chain"] != "pem")
      throw InputError("--chain must be pem or der, got '" + v["chain"] + "'");

    const std::string seed = v["seed"].empty() ? "coco-harness" : v["seed"];
    tdx::IntelAuthority intel(seed);
    const tdx::QuotingEnclave qe(intel, platform);
    const tdx::Quote quote = need(tdx::generate_quote(qe, td), "tdx gen");
    const Bytes raw = tdx::encode_quote(quote);
    const std::string out = v["out"].empty() ? "quote.dat" : v["out"];
    write_output(out, raw);

    nlohmann::json summary{{"quote", out},
                           {"version", quote.header.version},
                           {"body", body_name(quote)},
                           {"size", raw.size()},
                           {"seed", seed},
                           {"fmspc", hex_encode(platform.pck.fmspc)},
                           {"pcesvn", platform.pck.pcesvn},
                           {"qe_isvsvn", platform.qe_isvsvn},
                           {"chain", v["chain"].empty() ? "pem" : v["chain"]},
                           {"debug", td.debug},
                           {"report_data", hex_encode(quote.body.report_data)},
                           {"mr_config_id", hex_encode(quote.body.mr_config_id)}};
    if (!v["ccel-out"].empty()) {
      write_output(v["ccel-out"], *td.ccel);
      summary["ccel"] = v["ccel-out"];
    }
    if (!v["root-out"].empty()) {
      write_output(v["root-out"], as_bytes(intel.root().pem()));
      summary["root"] = v["root-out"];
    }
    if (!v["collateral-out"].empty()) {
      const SysTime now = std::chrono::system_clock::now();
      const tdx::PcsContent content = tdx::simulated_pcs_content(intel, tdx::default_pck_request(), now);
      const tdx::CollateralSet set = need(
          tdx::simulated_collateral(intel, platform.pck.ca, platform.pck.fmspc, content, now), "tdx gen");
      write_output(v["collateral-out"], as_bytes(tdx::collateral_to_json(set).dump(2) + "\n"));
      summary["collateral"] = v["collateral-out"];
    }
    if (globals().json) {
      print_json(summary);
    } else {
      std::cout << "wrote " << out << " (TDX v" << quote.header.version << " quote, " << body_name(quote)
                << " body, " << raw.size() << " bytes; PCESVN " << platform.pck.pcesvn << ", TD QE ISVSVN "
                << platform.qe_isvsvn << ")\n";
      if (!v["root-out"].empty())
        progress("verify with: coco-harness tdx verify " + out + " --root " + v["root-out"] +
                 (v["collateral-out"].empty() ? "" : " --collateral " + v["collateral-out"]));
    }
    return kExitOk;
  });
}

void add_verify(CLI::App& tdx) {
  auto* cmd = tdx.add_subcommand(
      "verify",
      "Verify a TDX DCAP quote as Trustee's tdx verifier does: PCK chain to a pinned root, QE report and\n"
      "quote signatures, and with collateral (offline JSON or fetched from a PCS) the TCB and QE identity\n"
      "status, CRLs and expiry; then the policy flags and, with --ccel, the event log replay.");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto flags = std::make_shared<std::map<std::string, bool>>();
  auto opt = [&](const char* name, const char* help) {
    return cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  cmd->add_option("quote", (*o)["quote"], "Quote file (binary)")->required();
  opt("root", "Pin this root CA instead of Intel's real SGX Root CA (PEM or DER; e.g. `tdx gen --root-out`)");
  auto* coll =
      opt("collateral", "Collateral JSON (TCB info, QE identity, CRLs; e.g. `tdx gen --collateral-out`)");
  auto* pcs = opt("pcs-url",
                  "Fetch the collateral from this PCS (e.g. a `coco-harness pcs serve` URL, or "
                  "https://api.trustedservices.intel.com)");
  coll->excludes(pcs);
  opt("at", "Verification time (YYYY-MM-DD[THH:MM:SSZ]) for certificates and collateral [now]");
  opt("report-data", "Expected REPORT_DATA, hex (zero-padded to 64 bytes)");
  opt("mr-config-id", "Expected MRCONFIGID, hex (zero-padded to 48 bytes; CoCo: the init-data digest)");
  opt("mr-td", "Expected MRTD, hex (48 bytes)");
  opt("ccel", "CC event log: replayed RTMR0-3 must equal the quote's (as Trustee checks)");
  cmd->add_flag("--no-debug", (*flags)["no-debug"], "Reject a TD whose TD_ATTRIBUTES.DEBUG is set");
  cmd->add_flag("--strict", (*flags)["strict"],
                "Intel QVL's strictness instead of Trustee's: fail on expired collateral and on every TCB "
                "status but UpToDate (Trustee accepts all but Revoked)");
  cmd->add_flag(
      "--claims", (*flags)["claims"],
      "Print Trustee's tdx claims (with uefi_event_logs when --ccel), also when verification fails");
  cmd->footer(
      "Exit: 0 verified, 1 rejected (each reason printed as tdx.<code>: message), 2 unreadable or "
      "unparseable input.\n"
      "Without --collateral or --pcs-url only the chain and signatures are checked (no TCB status).");
  on_run(cmd, [o, flags]() {
    auto& v = *o;
    const std::string& path = v["quote"];
    const tdx::Quote quote = need(tdx::parse_quote(read_input(path)), "tdx verify: " + path);

    tdx::VerifyOptions opts = tdx::VerifyOptions::trustee();
    if ((*flags)["strict"]) {
      opts.allow_expired_collateral = false;
      opts.rejected_statuses.clear();
      for (auto s : tdx::kAllTcbStatuses)
        if (s != tdx::TcbStatus::up_to_date) opts.rejected_statuses.insert(s);
    }
    if (!v["root"].empty())
      opts.trusted_roots = need(certs_from_pem_or_der(read_input(v["root"])), v["root"]);
    if (!v["at"].empty()) opts.now = time_arg(v["at"]);
    if (!v["report-data"].empty()) opts.report_data = hex_arg(v["report-data"], "--report-data");
    if (!v["mr-config-id"].empty()) opts.mr_config_id = hex_arg(v["mr-config-id"], "--mr-config-id");
    if (!v["mr-td"].empty()) opts.mr_td = hex_arg(v["mr-td"], "--mr-td");
    opts.allow_debug = !(*flags)["no-debug"];

    std::optional<tdx::CollateralSet> collateral;
    std::optional<Error> fetch_error;
    if (!v["collateral"].empty()) {
      auto j = nlohmann::json::parse(to_string(read_input(v["collateral"])), nullptr, false);
      if (j.is_discarded())
        throw InputError(v["collateral"] + ": not JSON (expected `tdx gen --collateral-out` output)");
      collateral = need(tdx::collateral_from_json(j), v["collateral"]);
    } else if (!v["pcs-url"].empty()) {
      // The quote's own PCK names the FMSPC and CA to fetch for; a quote whose chain cannot be read has
      // nothing to fetch, and the verifier reports why.
      if (auto pck = tdx::quote_pck(quote)) {
        progress("fetching collateral for FMSPC " + hex_encode(pck->extensions.fmspc) + " from " +
                 v["pcs-url"]);
        tdx::PcsClient client(v["pcs-url"]);
        if (auto set = client.fetch(pck->extensions.fmspc, pck->ca))
          collateral = std::move(set).value();
        else
          fetch_error = set.error();
      }
    }
    if (collateral) opts.collateral = &*collateral;

    std::optional<tdx::EventLog> log;
    if (!v["ccel"].empty()) log = need(tdx::parse_eventlog(read_input(v["ccel"])), v["ccel"]);

    tdx::VerifyResult res = tdx::verify_quote(quote, opts);
    if (fetch_error) res.failures.insert(res.failures.begin(), *fetch_error);
    if (log) {
      const auto rtmrs = tdx::replay_rtmrs(*log);
      std::string mismatched;
      for (std::size_t i = 0; i < rtmrs.size(); ++i)
        if (rtmrs[i] != quote.body.rtmr[i])
          mismatched += (mismatched.empty() ? "RTMR" : ", RTMR") + std::to_string(i);
      if (mismatched.empty())
        res.passed.emplace_back("eventlog_replay");
      else
        res.failures.push_back(
            Error{"tdx.eventlog_rtmr_mismatch", "the event log " + v["ccel"] +
                                                    " replays to other values than the quote's " +
                                                    mismatched + ": is it this TD's own log?"});
    }

    const nlohmann::json logs = log ? tdx::trustee_eventlog_claims(*log) : nlohmann::json();
    const bool want_claims = (*flags)["claims"];
    if (globals().json) {
      nlohmann::json j = tdx::result_to_json(res);
      j["quote"] = {{"version", quote.header.version}, {"body", body_name(quote)}};
      if (res.tcb_status) j["tcb_status"] = std::string(tdx::tcb_status_name(*res.tcb_status));
      if (log)
        j["eventlog"] = {{"events", log->events.size()},
                         {"replay_matches", !res.has("tdx.eventlog_rtmr_mismatch")}};
      if (res.ok() || want_claims) j["claims"] = tdx::trustee_claims(quote, res, log ? &logs : nullptr);
      print_json(j);
    } else {
      std::cout << (res.ok() ? "VERIFIED" : "REJECTED") << ": TDX quote v" << quote.header.version << " ("
                << body_name(quote) << " body)";
      if (res.pck_extensions) std::cout << ", FMSPC " << hex_encode(res.pck_extensions->fmspc);
      if (res.tcb_status)
        std::cout << ", TCB " << tdx::tcb_status_name(*res.tcb_status);
      else if (!collateral)
        std::cout << ", no collateral (TCB status not checked)";
      std::cout << "\n";
      for (const auto& f : res.failures) std::cout << "  " << f.code << ": " << f.message << "\n";
      if (res.ok()) std::cout << "  " << res.passed.size() << " checks passed\n";
      if (want_claims) std::cout << tdx::trustee_claims(quote, res, log ? &logs : nullptr).dump(2) << "\n";
      if (res.has("tdx.pck_chain_untrusted") && v["root"].empty())
        progress("hint: a simulated quote chains to the simulated root: pass `--root` (tdx gen --root-out)");
      if (fetch_error)
        progress(
            "hint: is the PCS running (`coco-harness pcs serve`)? Or give the collateral offline with "
            "--collateral (tdx gen --collateral-out)");
    }
    return res.ok() ? kExitOk : kExitFailed;
  });
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
  auto* tdx = app.add_subcommand("tdx", "Intel TDX quotes and event logs: simulate, verify, inspect, replay");
  tdx->require_subcommand(1);
  add_gen(*tdx);
  add_verify(*tdx);
  add_inspect(*tdx);
  add_eventlog(*tdx);
}

}  // namespace coco::cli
