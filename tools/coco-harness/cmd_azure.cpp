// `coco-harness azure gen | verify | inspect` and `coco-harness imds serve`: thin commands over sim/azure (a
// simulated Azure confidential VM, Trustee's az-snp-vtpm / az-tdx-vtpm evidence and verifiers, the HCL
// report and TPM quote formats, the fake IMDS).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "azure/cvm.h"
#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/imds.h"
#include "azure/tpm.h"
#include "azure/verify.h"
#include "azure/vtpm.h"
#include "cli_common.h"
#include "core/encoding.h"
#include "core/fault.h"
#include "core/hash.h"
#include "fake_serve.h"
#include "signal_gate.h"
#include "snp/amd_sim.h"
#include "snp/signer.h"
#include "snp/trust.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx/quote.h"
#include "tdx/sim_collateral.h"
#include "tdx/tdreport_sim.h"
#include "tdx/verify.h"
#include "trustee/initdata.h"

namespace coco::cli {
namespace {

const char* const kDefaultSeed = "coco-harness";
const char* const kDefaultNonceText = "challenge";

std::string tee_arg(const std::string& v, bool allow_auto) {
  if (v.empty()) return allow_auto ? "auto" : "snp";
  if (v == "snp" || v == "tdx" || (allow_auto && v == "auto")) return v;
  throw InputError(std::string("--tee must be snp") + (allow_auto ? ", tdx or auto" : " or tdx") + ", got '" +
                   v + "'");
}

// --nonce <hex> or --nonce-text <ascii>; nullopt when neither is given.
std::optional<Bytes> nonce_arg(const std::string& hex, const std::string& text) {
  if (!hex.empty() && !text.empty()) throw InputError("give --nonce or --nonce-text, not both");
  std::optional<Bytes> n;
  if (!hex.empty()) n = hex_arg(hex, "--nonce");
  if (!text.empty()) n = to_bytes(as_bytes(text));
  if (n && n->size() > azure::kMaxNonceSize)
    throw InputError("the nonce is " + std::to_string(n->size()) + " bytes; a TPM quote takes at most " +
                     std::to_string(azure::kMaxNonceSize));
  return n;
}

Bytes initdata_digest_arg(const std::string& path) {
  const trustee::InitData d = need(trustee::parse_initdata_toml(to_string(read_input(path))), path);
  return trustee::initdata_digest(d);
}

void write_output(const std::string& path, ByteView data) {
  if (auto st = write_file(path, data); !st) throw InputError(st.error().message);
}

std::string printable_ascii(ByteView b) {
  if (b.empty()) return {};
  std::string s;
  for (auto c : b) {
    if (c < 0x20 || c > 0x7e) return {};
    s.push_back(static_cast<char>(c));
  }
  return s;
}

// A temporary directory removed (with its contents) when it goes out of scope.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coco-harness-swtpm-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw InputError("cannot create a temporary directory for swtpm");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// ---------------------------------------------------------------------------------------------- gen

void add_gen(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "gen",
      "Simulate an Azure confidential VM and collect its evidence as guest-components' Azure attesters do:\n"
      "Trustee's az-snp-vtpm (v2 by default; v0/v1) or az-tdx-vtpm (v1; v0) JSON, with a vTPM quote over "
      "the\n"
      "nonce, the HCL report binding the vTPM's AK, and the VCEK (SNP, from a simulated AMD root) or the TD\n"
      "quote (TDX, from a simulated Intel Quoting Enclave). PCR8 holds the init-data when --init-data is "
      "given.");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto opt = [&](const char* name, const char* help) {
    return cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  opt("tee", "snp (a DCasv5 VM) or tdx (a DCesv5 VM) [snp]");
  opt("nonce", "The TPM quote's nonce (Trustee's runtime-data digest), hex, at most 64 bytes");
  opt("nonce-text", "The nonce as ASCII text [challenge, as Trustee's test evidence]");
  opt("init-data", "Init-data TOML: its digest is extended into PCR8 (SHA-256(0^32 || digest[0..32]))");
  opt("vtpm",
      "in-process (fast, deterministic from --seed) or swtpm (a real TPM 2.0; needs the swtpm package: "
      "apt-get install swtpm swtpm-tools) [in-process]");
  opt("seed", "Seed of the simulated AMD/Intel world and vTPM (same seed, same keys) [coco-harness]");
  opt("key-cache",
      "Cache of the simulated AMD RSA-4096 keys [$COCO_KEY_CACHE or ~/.cache/coco-harness/keys]");
  opt("version", "Evidence format: SNP 0, 1 or 2 [2]; TDX 0 or 1 [1]");
  cmd->add_option("-o,--out", (*o)["out"], "Write the evidence JSON here [evidence.json]");
  opt("root-out",
      "Write what a verifier must pin: SNP the simulated AMD ASK, ARK, ASVK (PEM bundle, for `azure verify "
      "--amd-roots`); TDX the simulated Intel SGX Root CA (PEM, for --intel-roots)");
  cmd->footer(
      "Example: coco-harness azure gen --tee snp --nonce-text hello --init-data initdata.toml -o "
      "evidence.json\n"
      "         coco-harness azure verify evidence.json --amd-roots simulated --nonce-text hello "
      "--init-data initdata.toml");
  on_run(cmd, [o]() {
    auto& v = *o;
    const std::string tee = tee_arg(v["tee"], false);
    const Bytes nonce =
        nonce_arg(v["nonce"], v["nonce-text"]).value_or(to_bytes(as_bytes(kDefaultNonceText)));
    const std::string seed = v["seed"].empty() ? kDefaultSeed : v["seed"];
    int version = tee == "tdx" ? 1 : 2;
    if (!v["version"].empty()) {
      version = static_cast<int>(uint_arg(v["version"], "--version"));
      if (tee == "snp" && version > 2)
        throw InputError("--version for SNP must be 0, 1 or 2, got " + v["version"]);
      if (tee == "tdx" && version > 1)
        throw InputError("--version for TDX must be 0 or 1, got " + v["version"]);
    }
    std::optional<Bytes> init_digest;
    if (!v["init-data"].empty()) init_digest = initdata_digest_arg(v["init-data"]);
    const std::string vtpm_kind = v["vtpm"].empty() ? "in-process" : v["vtpm"];
    if (vtpm_kind != "in-process" && vtpm_kind != "swtpm")
      throw InputError("--vtpm must be in-process or swtpm, got '" + vtpm_kind + "'");

    // The temporary swtpm state outlives the vTPM (declared first, destroyed last).
    std::unique_ptr<TempDir> swtpm_dir;
    std::unique_ptr<azure::Vtpm> tpm;
    if (vtpm_kind == "swtpm") {
      swtpm_dir = std::make_unique<TempDir>();
      progress("starting swtpm (state in " + swtpm_dir->path.string() + ")");
      tpm = need(azure::start_swtpm_vtpm(swtpm_dir->path / "state"), "azure gen --vtpm swtpm");
    } else {
      tpm = azure::make_in_process_vtpm(seed + "/azure-vtpm");
    }

    std::shared_ptr<snp::AmdAuthority> amd;
    std::unique_ptr<tdx::IntelAuthority> intel;
    std::unique_ptr<azure::SimulatedCvm> cvm;
    const nlohmann::json vm_config = azure::default_vm_configuration(seed + "/" + tee);
    if (tee == "snp") {
      amd = std::make_shared<snp::AmdAuthority>(
          seed, v["key-cache"].empty() ? default_key_cache() : v["key-cache"]);
      azure::SnpCvm hw{amd, azure::podvm_snp_launch()};
      cvm = std::make_unique<azure::SimulatedCvm>(std::move(tpm), std::move(hw), vm_config);
    } else {
      intel = std::make_unique<tdx::IntelAuthority>(seed);
      const tdx::PlatformSpec platform;
      azure::TdxCvm hw;
      hw.qe = std::make_shared<const tdx::QuotingEnclave>(*intel, platform);
      hw.td = azure::podvm_td();
      hw.report_mac_key = tdx::platform_report_mac_key(*intel, platform.pck);
      cvm = std::make_unique<azure::SimulatedCvm>(std::move(tpm), std::move(hw), vm_config);
    }
    need(azure::measure_podvm_boot(cvm->tpm()), "azure gen: boot measurements");
    if (init_digest) need(cvm->measure_init_data(*init_digest), "azure gen: PCR8");

    nlohmann::json evidence;
    Bytes pcr8;
    if (tee == "snp") {
      azure::AzSnpEvidence ev = need(cvm->snp_evidence(nonce), "azure gen");
      ev.version = version;
      pcr8 = ev.tpm_quote.pcrs.at(azure::kInitDataPcr);
      evidence = azure::az_snp_evidence_to_json(ev);
    } else {
      azure::AzTdxEvidence ev = need(cvm->tdx_evidence(nonce), "azure gen");
      ev.version = version;
      pcr8 = ev.tpm_quote.pcrs.at(azure::kInitDataPcr);
      evidence = azure::az_tdx_evidence_to_json(ev);
    }
    const std::string out = v["out"].empty() ? "evidence.json" : v["out"];
    write_output(out, as_bytes(evidence.dump() + "\n"));

    nlohmann::json summary{{"evidence", out},         {"tee", cvm->tee()}, {"version", version},
                           {"vtpm", vtpm_kind},       {"seed", seed},      {"nonce", hex_encode(nonce)},
                           {"pcr8", hex_encode(pcr8)}};
    if (init_digest) summary["init_data_digest"] = hex_encode(*init_digest);
    if (!v["root-out"].empty()) {
      if (amd) {
        const snp::AmdCa& ca = amd->ca(snp::Product::milan);
        write_output(v["root-out"], as_bytes(ca.ask.pem() + ca.ark.pem() + ca.asvk.pem()));
      } else {
        write_output(v["root-out"], as_bytes(intel->root().pem()));
      }
      summary["root"] = v["root-out"];
    }
    if (globals().json) {
      print_json(summary);
    } else {
      std::cout << "wrote " << out << " (" << cvm->tee() << " evidence v" << version << ", " << vtpm_kind
                << " vTPM, nonce " << hex_encode(nonce) << (init_digest ? ", init-data in PCR8" : "")
                << ")\n";
      const std::string nonce_flag =
          v["nonce"].empty() ? "--nonce-text '" + to_string(nonce) + "'" : "--nonce " + hex_encode(nonce);
      std::string roots;
      if (!v["root-out"].empty())
        roots = (tee == "snp" ? " --amd-roots " : " --intel-roots ") + v["root-out"];
      else
        roots = tee == "snp" ? " --amd-roots simulated" : " --intel-roots simulated";
      if (!v["seed"].empty() && v["root-out"].empty()) roots += " --seed " + seed;
      progress("verify with: coco-harness azure verify " + out + roots + " " + nonce_flag +
               (v["init-data"].empty() ? "" : " --init-data " + v["init-data"]));
    }
    return kExitOk;
  });
}

// ------------------------------------------------------------------------------------------- verify

// Which TEE a parsed evidence document is: az-tdx-vtpm carries "td_quote", az-snp-vtpm a "vcek". When
// neither is there, the HCL report's type decides.
std::string detect_tee(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object())
    throw InputError(path + ": not an evidence object (expected Trustee's az-snp-vtpm or az-tdx-vtpm JSON)");
  if (j.contains("td_quote")) return "tdx";
  if (j.contains("vcek")) return "snp";
  const nlohmann::json* hcl = j.contains("hcl_report") ? &j["hcl_report"]
                              : j.contains("report")   ? &j["report"]
                                                       : nullptr;
  if (hcl != nullptr) {
    std::optional<Bytes> raw;
    if (hcl->is_string()) raw = base64url_decode(hcl->get<std::string>());
    if (hcl->is_array()) {
      Bytes b;
      for (const auto& e : *hcl)
        if (e.is_number_unsigned() && e.get<unsigned>() < 256)
          b.push_back(static_cast<std::uint8_t>(e.get<unsigned>()));
      raw = b;
    }
    if (raw) {
      if (auto h = azure::parse_hcl_report(*raw)) return h->type == azure::HclReportType::tdx ? "tdx" : "snp";
    }
  }
  throw InputError(path +
                   ": cannot tell whether this is az-snp-vtpm or az-tdx-vtpm evidence (no vcek, "
                   "td_quote or readable hcl_report); give --tee");
}

void add_verify(CLI::App& group) {
  auto* cmd = group.add_subcommand("verify",
                                   "Verify Azure confidential VM evidence as Trustee's az-snp-vtpm / "
                                   "az-tdx-vtpm verifiers do: the TPM quote\n"
                                   "signed by the HCL report's AK, its nonce, the PCR digest, the hardware "
                                   "report binding the HCL variable\n"
                                   "data, then the SNP report (VCEK chain to the AMD roots, TCB, signature, "
                                   "VMPL 0) or the TD quote (DCAP),\n"
                                   "and PCR8 against the init-data.");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto claims = std::make_shared<bool>(false);
  auto opt = [&](const char* name, const char* help) {
    return cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  cmd->add_option("evidence", (*o)["evidence"], "Evidence JSON (az-snp-vtpm v0/v1/v2 or az-tdx-vtpm v0/v1)")
      ->required();
  opt("tee", "snp, tdx or auto (from the JSON: vcek or td_quote, else the HCL report type) [auto]");
  opt("nonce", "Expected TPM nonce (Trustee's report_data), hex; compared exactly [not checked]");
  opt("nonce-text", "Expected TPM nonce as ASCII text (e.g. challenge for Trustee's test evidence)");
  auto* idt = opt("init-data", "Init-data TOML: PCR8 must bind its digest [not checked]");
  auto* idd = opt("init-data-digest", "The init-data digest, hex (as `initdata digest` prints it)");
  idt->excludes(idd);
  opt("amd-roots",
      "AMD trust anchors: real (AMD's ARKs), simulated (the --seed world of `azure gen`), or a PEM bundle "
      "ASK, ARK, ASVK (`azure gen --root-out`) [real]");
  opt("intel-roots",
      "Intel trust anchor: real (Intel's SGX Root CA), simulated (the --seed world), or a PEM/DER root "
      "(`azure gen --root-out`) [real]");
  opt("seed", "Seed of the simulated world, with --amd-roots/--intel-roots simulated [coco-harness]");
  opt("key-cache",
      "Cache of the simulated AMD RSA-4096 keys [$COCO_KEY_CACHE or ~/.cache/coco-harness/keys]");
  auto* coll = opt("collateral", "TDX: collateral JSON (`tdx gen --collateral-out`) to check the TCB status");
  auto* pcs = opt("pcs-url", "TDX: fetch the collateral from this PCS (e.g. a `coco-harness pcs serve` URL)");
  coll->excludes(pcs);
  opt("at", "Verification time (YYYY-MM-DD[THH:MM:SSZ]) for certificates and collateral [now]");
  cmd->add_flag("--claims", *claims, "Print Trustee's claims, also when verification fails");
  cmd->footer(
      "Exit: 0 verified, 1 rejected (each reason printed as <code>: message), 2 unreadable or unparseable "
      "input.\n"
      "Without --nonce/--nonce-text the nonce is not checked, without --init-data(-digest) PCR8 is not; TDX "
      "without --collateral or --pcs-url checks only the chain and signatures (no TCB status).");
  on_run(cmd, [o, claims]() {
    auto& v = *o;
    const std::string& path = v["evidence"];
    const std::string text = to_string(read_input(path));
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
      throw InputError(path +
                       ": not JSON (expected Trustee's az-snp-vtpm or az-tdx-vtpm evidence, e.g. `azure "
                       "gen` output)");
    std::string tee = tee_arg(v["tee"], true);
    if (tee == "auto") tee = detect_tee(j, path);

    azure::AzVerifyOptions opts;
    opts.report_data = nonce_arg(v["nonce"], v["nonce-text"]);
    if (!v["init-data"].empty()) opts.init_data_hash = initdata_digest_arg(v["init-data"]);
    if (!v["init-data-digest"].empty())
      opts.init_data_hash = hex_arg(v["init-data-digest"], "--init-data-digest");
    if (!v["at"].empty()) {
      opts.snp.now = time_arg(v["at"]);
      opts.tdx.now = opts.snp.now;
    }
    const std::string seed = v["seed"].empty() ? kDefaultSeed : v["seed"];

    snp::TrustedRoots amd_roots;
    std::unique_ptr<snp::AmdAuthority> amd;
    const std::string amd_choice = v["amd-roots"].empty() ? "real" : v["amd-roots"];
    const std::string intel_choice = v["intel-roots"].empty() ? "real" : v["intel-roots"];
    if (tee == "snp" && amd_choice == "simulated") {
      amd = std::make_unique<snp::AmdAuthority>(
          seed, v["key-cache"].empty() ? default_key_cache() : v["key-cache"]);
      amd_roots = snp::simulated_roots(*amd);
      opts.snp.roots = &amd_roots;
    } else if (tee == "snp" && amd_choice != "real") {
      auto bundle = need(certs_from_pem(to_string(read_input(amd_choice))), amd_choice);
      if (bundle.size() != 3)
        throw InputError(amd_choice +
                         ": an AMD roots bundle holds ASK, ARK, ASVK (3 certificates; `azure gen "
                         "--root-out`), or use --amd-roots real|simulated");
      auto p = snp::product_from_name(
          bundle[1].subject_cn().substr(std::min<std::size_t>(4, bundle[1].subject_cn().size())));
      if (!p) throw InputError(amd_choice + ": second certificate is not an ARK-<product>");
      amd_roots[*p] = snp::AmdRoots{bundle[1], bundle[0], bundle[2]};
      opts.snp.roots = &amd_roots;
    }
    if (tee == "tdx" && intel_choice == "simulated") {
      opts.tdx.trusted_roots = {tdx::IntelAuthority(seed).root()};
    } else if (tee == "tdx" && intel_choice != "real") {
      opts.tdx.trusted_roots = need(certs_from_pem_or_der(read_input(intel_choice)), intel_choice);
    }

    azure::AzVerifyResult res;
    nlohmann::json claim_json;
    int ev_version = 0;
    std::optional<Error> fetch_error;
    std::optional<tdx::CollateralSet> collateral;
    if (tee == "snp") {
      if (!v["collateral"].empty() || !v["pcs-url"].empty())
        throw InputError(
            "--collateral and --pcs-url are for az-tdx-vtpm evidence; SNP evidence carries its VCEK");
      const azure::AzSnpEvidence ev = need(azure::az_snp_evidence_from_text(text), path);
      ev_version = ev.version;
      res = azure::verify_az_snp_evidence(ev, opts);
      claim_json = azure::trustee_az_snp_claims(ev, res);
    } else {
      const azure::AzTdxEvidence ev = need(azure::az_tdx_evidence_from_text(text), path);
      ev_version = ev.version;
      if (!v["collateral"].empty()) {
        auto cj = nlohmann::json::parse(to_string(read_input(v["collateral"])), nullptr, false);
        if (cj.is_discarded())
          throw InputError(v["collateral"] + ": not JSON (expected `tdx gen --collateral-out` output)");
        collateral = need(tdx::collateral_from_json(cj), v["collateral"]);
      } else if (!v["pcs-url"].empty()) {
        if (auto quote = tdx::parse_quote(ev.td_quote)) {
          if (auto pck = tdx::quote_pck(*quote)) {
            progress("fetching collateral for FMSPC " + hex_encode(pck->extensions.fmspc) + " from " +
                     v["pcs-url"]);
            tdx::PcsClient client(v["pcs-url"]);
            if (auto set = client.fetch(pck->extensions.fmspc, pck->ca))
              collateral = std::move(set).value();
            else
              fetch_error = set.error();
          }
        }
      }
      if (collateral) opts.tdx.collateral = &*collateral;
      res = azure::verify_az_tdx_evidence(ev, opts);
      if (fetch_error) res.failures.insert(res.failures.begin(), *fetch_error);
      claim_json = azure::trustee_az_tdx_claims(ev, res);
    }

    const std::string name = tee == "tdx" ? "az-tdx-vtpm" : "az-snp-vtpm";
    const bool nonce_checked = opts.report_data.has_value();
    const bool init_checked = opts.init_data_hash.has_value();
    if (globals().json) {
      nlohmann::json out = azure::result_to_json(res);
      out["tee"] = name;
      out["version"] = ev_version;
      out["nonce_checked"] = nonce_checked;
      out["init_data_checked"] = init_checked;
      if (tee == "tdx" && res.tdx && res.tdx->tcb_status)
        out["tcb_status"] = std::string(tdx::tcb_status_name(*res.tdx->tcb_status));
      if (res.ok() || *claims) out["claims"] = claim_json;
      print_json(out);
    } else {
      std::cout << (res.ok() ? "VERIFIED" : "REJECTED") << ": " << name << " evidence v" << ev_version;
      if (!nonce_checked) std::cout << ", nonce not checked";
      if (!init_checked) std::cout << ", init-data not checked";
      if (tee == "tdx") {
        if (res.tdx && res.tdx->tcb_status)
          std::cout << ", TCB " << tdx::tcb_status_name(*res.tdx->tcb_status);
        else if (!collateral)
          std::cout << ", no collateral (TCB status not checked)";
      }
      std::cout << "\n";
      for (const auto& f : res.failures) std::cout << "  " << f.code << ": " << f.message << "\n";
      if (res.ok()) std::cout << "  " << res.passed.size() << " checks passed\n";
      if (*claims) std::cout << claim_json.dump(2) << "\n";
      if ((res.has("snp.chain_untrusted") && amd_choice == "real") ||
          (res.has("tdx.pck_chain_untrusted") && intel_choice == "real"))
        progress("hint: simulated evidence chains to the simulated roots: pass --" +
                 std::string(tee == "snp" ? "amd" : "intel") +
                 "-roots simulated (with `azure gen`'s --seed)");
      if (res.has("azure.nonce_mismatch"))
        progress(
            "hint: --nonce/--nonce-text must be the nonce the evidence was collected for (`azure gen`'s, or "
            "Trustee's runtime-data digest)");
      if (fetch_error) progress("hint: is the PCS running (`coco-harness pcs serve`)? Or give --collateral");
    }
    return res.ok() ? kExitOk : kExitFailed;
  });
}

// ------------------------------------------------------------------------------------------ inspect

nlohmann::json tpm_attest_json(const azure::TpmsAttest& a) {
  nlohmann::json sel = nlohmann::json::array();
  for (const auto& s : a.pcr_select) {
    const auto pcrs = azure::selected_pcrs(s);
    sel.push_back(
        {{"hash", s.hash == azure::kTpmAlgSha256
                      ? std::string("sha256")
                      : "0x" + hex_encode(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(s.hash >> 8),
                                                                      static_cast<std::uint8_t>(s.hash)})},
         {"bitmap", hex_encode(s.select)},
         {"pcrs", pcrs}});
  }
  char magic[16], type[8], fw[24];
  std::snprintf(magic, sizeof magic, "0x%08x", a.magic);
  std::snprintf(type, sizeof type, "0x%04x", static_cast<unsigned>(a.type));
  std::snprintf(fw, sizeof fw, "0x%016llx", static_cast<unsigned long long>(a.firmware_version));
  nlohmann::json j{{"magic", magic},
                   {"magic_ok", a.magic == azure::kTpmGeneratedValue},
                   {"type", type},
                   {"type_is_quote", a.type == azure::kTpmStAttestQuote},
                   {"qualified_signer", hex_encode(a.qualified_signer)},
                   {"extra_data", hex_encode(a.extra_data)},
                   {"clock", a.clock},
                   {"reset_count", a.reset_count},
                   {"restart_count", a.restart_count},
                   {"safe", a.safe},
                   {"firmware_version", fw},
                   {"pcr_selection", sel},
                   {"pcr_digest", hex_encode(a.pcr_digest)}};
  const std::string ascii = printable_ascii(a.extra_data);
  if (!ascii.empty()) j["extra_data_ascii"] = ascii;
  return j;
}

// A TpmQuote (signature, message, PCRs): the TPMS_ATTEST and whether the shipped PCRs give its pcrDigest.
nlohmann::json tpm_quote_json(const azure::TpmQuote& q, const std::string& where) {
  const azure::TpmsAttest a = need(azure::parse_tpms_attest(q.message), where + ": TPM quote message");
  nlohmann::json j{{"attest", tpm_attest_json(a)}, {"signature_size", q.signature.size()}};
  nlohmann::json pcrs = nlohmann::json::array();
  for (const auto& p : q.pcrs) pcrs.push_back(hex_encode(p));
  j["pcrs"] = pcrs;
  if (a.pcr_select.size() == 1 && q.pcrs.size() == azure::kPcrCount)
    j["pcr_digest_matches"] = azure::pcr_digest(q.pcrs, a.pcr_select[0]) == a.pcr_digest;
  if (q.pcrs.size() > azure::kInitDataPcr) j["pcr8"] = hex_encode(q.pcrs[azure::kInitDataPcr]);
  return j;
}

nlohmann::json hcl_json(const azure::HclReport& h, std::size_t size,
                        std::optional<azure::RuntimeData>* rd_out) {
  nlohmann::json j{{"signature", "HCLA"},
                   {"size", size},
                   {"version", h.version},
                   {"request_type", h.request_type},
                   {"status", h.status},
                   {"report_type", h.type == azure::HclReportType::tdx ? "tdx" : "snp"},
                   {"report_type_value", static_cast<std::uint32_t>(h.type)},
                   {"hash_type", h.hash_type},
                   {"igvm_version", h.igvm_version},
                   {"var_data_size", h.var_data.size()},
                   {"padding_size", h.padding.size()}};
  const Bytes rdata = azure::hcl_hw_report_data(h);
  const Bytes digest = azure::hcl_var_data_digest(h);
  nlohmann::json hw{{"report_data", hex_encode(rdata)}};
  if (h.type == azure::HclReportType::snp) {
    if (auto r = snp::parse_report(azure::hcl_hw_report(h))) {
      hw["kind"] = "SEV-SNP attestation report";
      hw["version"] = r->version;
      hw["vmpl"] = r->vmpl;
      char pol[24];
      std::snprintf(pol, sizeof pol, "0x%llx", static_cast<unsigned long long>(r->policy));
      hw["policy"] = pol;
      hw["measurement"] = hex_encode(r->measurement);
      hw["host_data"] = hex_encode(r->host_data);
      hw["chip_id"] = hex_encode(r->chip_id);
      hw["reported_tcb"] = r->reported_tcb;
    } else {
      hw["error"] = r.error().message;
    }
  } else {
    hw["kind"] = "TDREPORT";
  }
  j["hw_report"] = hw;
  j["var_data_binding"] = {
      {"var_data_digest", hex_encode(digest)},
      {"matches_report_data",
       digest.size() <= rdata.size() && std::equal(digest.begin(), digest.end(), rdata.begin())}};
  auto rd = azure::parse_runtime_data(h.var_data);
  if (rd) {
    nlohmann::json keys = nlohmann::json::array(), members = nlohmann::json::array();
    if (rd->json.contains("keys") && rd->json["keys"].is_array())
      for (const auto& k : rd->json["keys"]) keys.push_back(k.value("kid", ""));
    for (const auto& [k, _] : rd->json.items()) members.push_back(k);
    j["runtime_data"] = {{"members", members}, {"keys", keys}, {"vm_configuration", rd->vm_configuration}};
    j["runtime_data"]["user_data"] =
        rd->user_data ? nlohmann::json(hex_encode(*rd->user_data)) : nlohmann::json();
    if (rd_out != nullptr) *rd_out = std::move(rd).value();
  } else {
    j["runtime_data"] = {{"error", rd.error().message}};
  }
  return j;
}

nlohmann::json inspect_evidence(const nlohmann::json& doc, const std::string& text, const std::string& path) {
  const std::string tee = detect_tee(doc, path);
  nlohmann::json j;
  std::optional<azure::RuntimeData> rd;
  azure::TpmQuote quote;
  if (tee == "snp") {
    const azure::AzSnpEvidence ev = need(azure::az_snp_evidence_from_text(text), path);
    j = {{"kind", "az-snp-vtpm evidence"}, {"version", ev.version}};
    const Bytes raw =
        ev.hcl_report_bytes.empty() ? azure::encode_hcl_report(ev.hcl_report) : ev.hcl_report_bytes;
    j["hcl_report"] = hcl_json(ev.hcl_report, raw.size(), &rd);
    if (auto c = cert_from_der(ev.vcek_der)) {
      j["vcek"] = {{"subject_cn", c->subject_cn()},
                   {"issuer_cn", c->issuer_cn()},
                   {"not_before", format_utc(c->not_before())},
                   {"not_after", format_utc(c->not_after())}};
    } else {
      j["vcek"] = {{"error", c.error().message}};
    }
    quote = ev.tpm_quote;
  } else {
    const azure::AzTdxEvidence ev = need(azure::az_tdx_evidence_from_text(text), path);
    j = {{"kind", "az-tdx-vtpm evidence"}, {"version", ev.version}};
    const azure::HclReport h = need(azure::parse_hcl_report(ev.hcl_report_bytes), path + ": hcl_report");
    j["hcl_report"] = hcl_json(h, ev.hcl_report_bytes.size(), &rd);
    if (auto q = tdx::parse_quote(ev.td_quote)) {
      const Bytes digest = azure::hcl_var_data_digest(h);
      j["td_quote"] = {{"version", q->header.version},
                       {"size", ev.td_quote.size()},
                       {"report_data", hex_encode(q->body.report_data)},
                       {"mr_td", hex_encode(q->body.mr_td)},
                       {"mr_config_id", hex_encode(q->body.mr_config_id)},
                       {"report_data_binds_var_data",
                        std::equal(digest.begin(), digest.end(), q->body.report_data.begin())}};
    } else {
      j["td_quote"] = {{"error", q.error().message}};
    }
    quote = ev.tpm_quote;
  }
  j["tpm_quote"] = tpm_quote_json(quote, path);
  if (rd) j["tpm_quote"]["signature_valid_with_hcl_ak"] = azure::verify_quote_signature(quote, rd->ak_pub);
  return j;
}

void add_inspect(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "inspect",
      "Print an Azure vTPM artefact: an HCL report (.bin, the vTPM's NV index 0x01400001), a TPMS_ATTEST\n"
      "message, a bincode TPM quote (Trustee's quote.bin), Trustee's TPM quote JSON, or az-snp-vtpm /\n"
      "az-tdx-vtpm evidence JSON: HCL header, runtime data (keys, user-data), the hardware report's\n"
      "report_data and its binding of the variable data; the quote's nonce, PCR selection and pcrDigest\n"
      "(checked against the shipped PCRs), and for evidence the signature against the HCL AK.");
  auto path = std::make_shared<std::string>();
  cmd->add_option("file", *path, "The file (the kind is recognised from its content)")->required();
  cmd->footer("Exit: 0 printed, 2 unreadable or of no known kind.");
  on_run(cmd, [path]() {
    const Bytes raw = read_input(*path);
    nlohmann::json j;
    const auto first = std::find_if(raw.begin(), raw.end(), [](std::uint8_t c) { return !std::isspace(c); });
    if (first != raw.end() && *first == '{') {
      const std::string text = to_string(raw);
      const auto doc = nlohmann::json::parse(text, nullptr, false);
      if (doc.is_discarded()) throw InputError(*path + ": starts like JSON but does not parse");
      if (doc.contains("signature") && doc.contains("message") && !doc.contains("hcl_report")) {
        const azure::TpmQuote q = need(azure::tpm_quote_from_json(doc), *path);
        j = {{"kind", "TPM quote (Trustee JSON)"}, {"tpm_quote", tpm_quote_json(q, *path)}};
      } else {
        j = inspect_evidence(doc, text, *path);
      }
    } else if (raw.size() >= 4 && raw[0] == 'H' && raw[1] == 'C' && raw[2] == 'L' && raw[3] == 'A') {
      const azure::HclReport h = need(azure::parse_hcl_report(raw), *path);
      j = {{"kind", "HCL report"}, {"hcl_report", hcl_json(h, raw.size(), nullptr)}};
    } else if (raw.size() >= 4 && raw[0] == 0xff && raw[1] == 0x54 && raw[2] == 0x43 && raw[3] == 0x47) {
      const azure::TpmsAttest a = need(azure::parse_tpms_attest(raw), *path);
      j = {{"kind", "TPMS_ATTEST"}, {"size", raw.size()}, {"attest", tpm_attest_json(a)}};
    } else if (auto q = azure::parse_bincode_quote(raw)) {
      j = {{"kind", "TPM quote (bincode)"}, {"tpm_quote", tpm_quote_json(*q, *path)}};
    } else {
      throw InputError(
          *path +
          ": not an HCL report (HCLA), a TPMS_ATTEST (ff544347), a bincode TPM quote or evidence JSON");
    }
    if (globals().json) {
      print_json(j);
    } else {
      std::cout << j.dump(2) << "\n";
    }
    return kExitOk;
  });
}

// ------------------------------------------------------------------------------------------ imds serve

struct ServeArgs : FakeServeArgs {
  std::string tee = "snp";
  std::string key_cache;
};

// THIM's tcbm: the reported TCB as one 64-bit number, upper-case hex ("DB18000000000004" for bootloader 4,
// SNP 0x18, microcode 0xDB).
std::string tcbm_hex(std::uint64_t tcb) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(tcb));
  return buf;
}

void add_imds_serve(CLI::App& group) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = group.add_subcommand(
      "serve",
      "Serve a fake Azure Instance Metadata Service for a simulated confidential VM of `azure gen`'s world:\n"
      "  SNP (Standard_DC2as_v5): GET /metadata/THIM/amd/certification (the seed's simulated VCEK, ASK, "
      "ARK)\n"
      "  TDX (Standard_DC2es_v5): POST /acc/tdquote {\"report\": base64url(TDREPORT)} (the seed's simulated "
      "QE)\n"
      "  both: GET /metadata/instance[/<path>]?api-version=2021-02-01 (the instance document)\n"
      "/metadata routes need the header `Metadata: true` (400 without), as on Azure.\n"
      "Prints the URL it listens on, then serves until SIGINT/SIGTERM or --duration.");
  add_fake_serve_options(cmd, *a, "Seed of the simulated AMD/Intel world (the same as `azure gen --seed`)");
  cmd->add_option("--tee", a->tee, "The VM: snp (DCasv5, THIM) or tdx (DCesv5, TD quotes)")
      ->default_val("snp");
  cmd->add_option("--key-cache", a->key_cache, "Cache of the simulated AMD RSA-4096 keys");
  cmd->footer(
      "Example: coco-harness imds serve --port 8082 &\n"
      "         curl -H 'Metadata: true' "
      "'http://127.0.0.1:8082/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text'");
  on_run(cmd, [a]() {
    const std::string tee = tee_arg(a->tee, false);
    const Fault fault = fake_serve_fault(*a);

    azure::ImdsContent content;
    content.instance =
        azure::default_instance_metadata(tee == "tdx" ? "Standard_DC2es_v5" : "Standard_DC2as_v5");
    azure::TdQuoteService service;
    std::unique_ptr<tdx::IntelAuthority> intel;
    nlohmann::json info{{"seed", a->seed}, {"tee", tee}, {"fault", std::string(fault_name(fault))}};
    if (tee == "snp") {
      snp::AmdAuthority amd(a->seed, a->key_cache.empty() ? default_key_cache() : a->key_cache);
      const snp::SignedReport signed_report =
          need(snp::sign_report(amd, azure::podvm_snp_launch()), "imds serve");
      content.vcek_pem = signed_report.vek.cert.pem();
      content.chain_pem = signed_report.chain_pem;
      content.tcbm = tcbm_hex(signed_report.report.reported_tcb);
      info["tcbm"] = content.tcbm;
    } else {
      intel = std::make_unique<tdx::IntelAuthority>(a->seed);
      const tdx::PlatformSpec platform;
      auto qe = std::make_shared<const tdx::QuotingEnclave>(*intel, platform);
      service = azure::simulated_td_quote_service(qe, tdx::platform_report_mac_key(*intel, platform.pck));
    }
    info["vm_size"] = content.instance["compute"]["vmSize"];

    azure::FakeImdsOptions o;
    o.server = fake_server_options(*a);
    azure::FakeImds imds(std::move(content), std::move(service), o);
    arm_faults(imds, fault, *a);

    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(imds.start(), "imds serve");
    info["url"] = imds.url();
    info["port"] = imds.port();
    const std::string why = announce_and_wait(
        gate,
        "fake IMDS (" + tee + ", seed \"" + a->seed + "\", fault " + std::string(fault_name(fault)) + ")",
        imds.url(), info, a->duration);
    imds.stop();
    const auto c = imds.counters();
    progress(why + ": served " + std::to_string(c.thim) + " THIM, " + std::to_string(c.instance) +
             " instance metadata, " + std::to_string(c.td_quote) + " TD quote; rejected " +
             std::to_string(c.rejected) + " of " + std::to_string(c.total) + " requests");
    return kExitOk;
  });
}

}  // namespace

void add_azure_commands(CLI::App& app) {
  auto* az = app.add_subcommand(
      "azure", "Azure confidential VM evidence (vTPM quote + HCL report): simulate, verify, inspect");
  az->require_subcommand(1);
  add_gen(*az);
  add_verify(*az);
  add_inspect(*az);
}

void add_imds_commands(CLI::App& app) {
  auto* imds =
      app.add_subcommand("imds", "Fake Azure Instance Metadata Service (THIM, instance metadata, TD quotes)");
  imds->require_subcommand(1);
  add_imds_serve(*imds);
}

}  // namespace coco::cli
