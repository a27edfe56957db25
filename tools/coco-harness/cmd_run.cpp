// `coco-harness run`: the main job. Starts the embedded stack (fake AMD KDS and PCS, a Trustee-compatible
// KBS configured like the validated pattern's chart), or takes a real Trustee's URL, runs every conformance
// suite for each attester, then brings the pattern's scenario up against the embedded stack and runs the
// `pattern` suite on it; prints a summary, and writes JUnit XML, a JSON result file and an HTML report.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "conformance/embedded_stack.h"
#include "conformance/pattern_suite.h"
#include "conformance/runner.h"
#include "core/x509.h"
#include "reports/run_report.h"

namespace coco::cli {
namespace {

struct RunArgs {
  std::string kbs_url;
  std::string ca_cert;
  std::string admin_key;
  std::vector<std::string> attesters;
  std::vector<std::string> only;
  std::string status_mapping = "trustee";
  std::string reports_dir;
  std::string seed = "coco-harness";
  std::string key_cache;
  std::string scenario;
  bool list = false;
};

// `run --list`: every case id with what it needs and what it checks.
int list_cases() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : conformance::all_cases()) {
    std::string needs;
    if (c.needs.admin) needs += "admin ";
    if (c.needs.clock) needs += "clock ";
    if (c.needs.defect != conformance::Defect::none)
      needs += "defect:" + std::string(conformance::defect_name(c.needs.defect)) + " ";
    if (!c.attesters.empty()) {
      for (const auto& a : c.attesters) needs += "only:" + a + " ";
    }
    if (!needs.empty()) needs.pop_back();
    if (globals().json) {
      out.push_back({{"id", c.id}, {"suite", c.suite}, {"title", c.title}, {"needs", needs}});
    } else {
      std::cout << c.id << (needs.empty() ? "" : "  [" + needs + "]") << "\n    " << c.title << "\n";
    }
  }
  for (const auto& c : conformance::pattern_cases()) {
    if (globals().json) {
      out.push_back({{"id", c.id}, {"suite", "pattern"}, {"title", c.title}, {"needs", "embedded"}});
    } else {
      std::cout << c.id << "  [embedded]\n    " << c.title << "\n";
    }
  }
  if (globals().json) print_json(out);
  return kExitOk;
}

std::string default_reports_dir() {
  std::string stamp = format_utc(std::chrono::system_clock::now());  // 2026-12-02T05:00:00Z
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  return "reports/run-" + stamp;
}

void print_summary(const reports::RunReport& report, const std::string& dir) {
  const auto s = reports::summarize(report);
  std::cout << "coco-harness run against " << report.target << ": " << s.passed << " passed, " << s.failed
            << " failed, " << s.skipped << " skipped of " << s.total << " in " << std::fixed
            << std::setprecision(1) << report.duration_s << " s\n";
  const auto cells = reports::matrix(report);
  std::vector<std::string> suites = conformance::suite_names();
  suites.push_back("pattern");
  for (const std::string& suite : suites) {
    for (const std::string& attester : report.attesters) {
      const auto it = cells.find({suite, attester});
      if (it == cells.end()) continue;
      std::cout << "  " << std::left << std::setw(16) << suite << std::setw(13) << attester
                << it->second.passed << " passed, " << it->second.failed << " failed, " << it->second.skipped
                << " skipped\n";
    }
  }
  for (const auto& c : report.cases) {
    if (c.verdict == reports::Verdict::fail)
      std::cout << "FAIL " << c.id << " [" << c.attester << "]: " << c.reason << "\n";
  }
  std::cout << "reports: " << dir << "/{" << reports::kJunitFile << "," << reports::kJsonFile << ","
            << reports::kHtmlFile << "}\n"
            << (s.ok() ? "PASS: every required case passed\n"
                       : "FAIL: see the reasons above and " + dir + "/" + std::string(reports::kHtmlFile) +
                             "\n");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd =
      app.add_subcommand("run",
                         "Run the conformance suites (attestation, secret_release, policy_denial, "
                         "protocol) against the embedded stack configured like the validated pattern's "
                         "Trustee chart, or with --kbs-url against a real Trustee; then bring the simulated "
                         "pattern up (the default scenario or --scenario) and run the pattern suite on it");
  cmd->add_option("--kbs-url", a->kbs_url,
                  "A real KBS, e.g. https://kbs.apps.example.com (default: the embedded stack)");
  cmd->add_option("--ca-cert", a->ca_cert, "PEM certificate the KBS's HTTPS chains to (with --kbs-url)");
  cmd->add_option(
      "--admin-key", a->admin_key,
      "PEM private key of the KBS admin (with --kbs-url); without it, cases that change policies, "
      "reference values or secrets skip. With it the suites install the pattern baseline: use a test "
      "Trustee");
  cmd->add_option(
         "--attester", a->attesters,
         "Evidence source(s) for the conformance suites: sample, snp, tdx (simulated bare-metal SEV-SNP "
         "and TDX), az-snp-vtpm, az-tdx-vtpm (simulated Azure confidential VMs); default: all")
      ->check(CLI::IsMember(conformance::attester_names()));
  cmd->add_option("--only", a->only,
                  "Run only these case ids, or every id under a prefix ending in '.' "
                  "(e.g. policy_denial.)");
  cmd->add_option("--status-mapping", a->status_mapping,
                  "The status codes the target answers with (the embedded KBS is started with them): trustee "
                  "(401 nearly "
                  "always) or issue-1419")
      ->check(CLI::IsMember({"trustee", "issue-1419"}))
      ->default_val("trustee");
  cmd->add_option("--reports", a->reports_dir,
                  "Folder for junit.xml, results.json and report.html "
                  "(default: reports/run-<UTC time>)");
  cmd->add_option("--scenario", a->scenario,
                  "Scenario YAML for the pattern suite (default: the pattern's simple cluster group, "
                  "fixtures/scenarios/simple.yaml; docs/PATTERN.md)");
  cmd->add_option("--seed", a->seed, "Seed of the simulated world")->default_val("coco-harness");
  cmd->add_option("--key-cache", a->key_cache, "Cache directory for simulated RSA-4096 keys");
  cmd->add_flag("--list", a->list,
                "List every case id (stable, for gates) with its needs and title, then exit");
  cmd->footer("Exit: 0 when every required case passed, 1 when one failed, 2 on bad input.");
  on_run(cmd, [a]() {
    if (a->list) return list_cases();
    const pattern::Scenario scenario =
        a->scenario.empty() ? pattern::default_scenario()
                            : need(pattern::load_scenario(a->scenario), "--scenario " + a->scenario);
    const std::string cache = a->key_cache.empty() ? default_key_cache() : a->key_cache;
    std::unique_ptr<conformance::EmbeddedStack> stack;
    conformance::Target target;
    conformance::SimulatedAuthorities authorities;
    if (a->kbs_url.empty()) {
      if (!a->ca_cert.empty() || !a->admin_key.empty())
        throw InputError("--ca-cert and --admin-key need --kbs-url");
      conformance::EmbeddedStackOptions o;
      o.seed = a->seed;
      o.key_cache = cache;
      o.progress = progress;
      if (a->status_mapping == "issue-1419") o.status_mapping = trustee::StatusMapping::issue_1419;
      stack = need(conformance::EmbeddedStack::start(std::move(o)), "starting the embedded stack");
      target = stack->target();
      authorities = stack->authorities();
    } else {
      target.name = a->kbs_url;
      target.url = a->kbs_url;
      while (!target.url.empty() && target.url.back() == '/') target.url.pop_back();
      if (!a->ca_cert.empty()) target.ca_pem = to_string(read_input(a->ca_cert));
      if (!a->admin_key.empty()) {
        target.admin_key = need(private_key_from_pem(to_string(read_input(a->admin_key))), a->admin_key);
      }
      target.baseline = conformance::make_pattern_baseline(target.url, target.ca_pem.value_or(""), a->seed);
      target.baseline.resources.clear();  // a real deployment's secrets are its own: never overwritten
      authorities.amd = std::make_shared<snp::AmdAuthority>(a->seed, cache);
      authorities.rogue_amd = std::make_shared<snp::AmdAuthority>(a->seed + "/rogue", cache);
      authorities.intel = std::make_shared<tdx::IntelAuthority>(a->seed);
      authorities.rogue_intel = std::make_shared<tdx::IntelAuthority>(a->seed + "/rogue");
    }
    target.status_mapping = a->status_mapping == "issue-1419" ? trustee::StatusMapping::issue_1419
                                                              : trustee::StatusMapping::trustee;
    const std::vector<std::string> names =
        a->attesters.empty() ? conformance::attester_names() : a->attesters;
    std::vector<std::unique_ptr<conformance::Attester>> owned;
    std::vector<conformance::Attester*> attesters;
    for (const auto& n : names) {
      owned.push_back(need(conformance::make_attester(n, authorities, !a->kbs_url.empty()), "--attester"));
      attesters.push_back(owned.back().get());
      if (!a->kbs_url.empty() && a->admin_key.empty() && !attesters.back()->pattern_policy_covers()) {
        progress(
            "note: the pattern's attestation policy does not trust the " + n +
            " TEE, and without --admin-key the suites cannot install one that does: expect release cases "
            "to be denied");
      }
      if (!a->kbs_url.empty() && n == "snp") {
        progress(
            "note: simulated SNP evidence verifies only on a KBS that trusts the simulated AMD roots "
            "(coco-harness kbs serve --amd-roots simulated --seed " +
            a->seed + ")");
      }
      if (!a->kbs_url.empty() && n == "tdx") {
        progress(
            "note: simulated TDX evidence verifies only on a KBS that pins the simulated Intel root and "
            "fetches "
            "collateral from a PCS serving it (coco-harness pcs serve --seed " +
            a->seed + ", then kbs serve --intel-roots simulated --seed " + a->seed + " --pcs-url <its URL>)");
      }
    }
    conformance::RunOptions ro;
    ro.only = a->only;
    // Progress: one line as each suite starts for an attester, and each failure as it happens.
    auto last = std::make_shared<std::string>();
    ro.on_result = [last](const reports::CaseResult& r, std::size_t done, std::size_t total) {
      const std::string slice = r.suite + " [" + r.attester + "]";
      if (slice != *last) {
        *last = slice;
        progress("[" + std::to_string(done) + "/" + std::to_string(total) + "] " + slice);
      }
      if (r.verdict == reports::Verdict::fail) progress("  FAIL " + r.id + ": " + r.reason);
    };
    auto report = conformance::run_report(target, attesters, ro);
    // The pattern suite: the scenario brought up against the embedded stack (its VMs' evidence is signed by
    // the simulated roots only that stack trusts).
    const auto pattern_selected = conformance::select_pattern_cases(a->only);
    if (!pattern_selected.empty() && stack) {
      conformance::PatternRunOptions po;
      po.scenario = scenario;
      po.only = a->only;
      po.seed = a->seed;
      po.on_result = ro.on_result;
      const auto start = std::chrono::steady_clock::now();
      for (auto& r : conformance::run_pattern_suite(*stack, po)) {
        if (std::find(report.attesters.begin(), report.attesters.end(), r.attester) == report.attesters.end())
          report.attesters.push_back(r.attester);
        report.cases.push_back(std::move(r));
      }
      report.duration_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } else if (!pattern_selected.empty()) {
      progress(
          "note: the pattern suite needs the embedded stack (its peer-pod VMs are signed by simulated "
          "roots): skipped against --kbs-url");
      for (const auto* c : pattern_selected) {
        reports::CaseResult r;
        r.id = c->id;
        r.suite = "pattern";
        r.title = c->title;
        r.target = target.name;
        r.attester = "az-snp-vtpm";
        r.verdict = reports::Verdict::skip;
        r.reason = "needs the embedded stack: run without --kbs-url";
        report.cases.push_back(std::move(r));
      }
    }
    if (report.cases.empty()) throw InputError("--only matched no case; see docs/CONFORMANCE.md for the ids");
    const std::string dir = a->reports_dir.empty() ? default_reports_dir() : a->reports_dir;
    need(reports::write_reports(report, dir), "writing reports");
    if (globals().json) {
      nlohmann::json j = reports::to_json(report);
      j["reports_dir"] = dir;
      print_json(j);
    } else {
      print_summary(report, dir);
    }
    return reports::summarize(report).ok() ? kExitOk : kExitFailed;
  });
}

}  // namespace coco::cli
