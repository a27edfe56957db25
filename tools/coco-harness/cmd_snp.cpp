// `coco-harness snp gen | verify | inspect`: thin commands over sim/snp.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "core/encoding.h"
#include "snp/snp.h"

namespace coco::cli {
namespace {

using namespace coco::snp;

Product product_arg(const std::string& v) {
  auto p = product_from_name(v);
  if (!p) throw InputError("unknown product '" + v + "' (Milan, Genoa or Turin)");
  return *p;
}

// "bl=4,tee=0,snp=24,ucode=219[,fmc=1]"
Tcb tcb_arg(const std::string& v, const std::string& flag) {
  Tcb t;
  std::stringstream ss(v);
  std::string part;
  bool any = false;
  while (std::getline(ss, part, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos)
      throw InputError(flag + ": expected name=value pairs, e.g. bl=4,tee=0,snp=24,ucode=219");
    auto name = part.substr(0, eq);
    int n = 0;
    try {
      n = std::stoi(part.substr(eq + 1));
    } catch (const std::exception&) {
      throw InputError(flag + ": " + part + " is not a number");
    }
    if (n < 0 || n > 255) throw InputError(flag + ": " + name + " must be 0..255");
    auto u = static_cast<std::uint8_t>(n);
    if (name == "bl" || name == "bootloader")
      t.bootloader = u;
    else if (name == "tee")
      t.tee = u;
    else if (name == "snp")
      t.snp = u;
    else if (name == "ucode" || name == "microcode")
      t.microcode = u;
    else if (name == "fmc")
      t.fmc = u;
    else
      throw InputError(flag + ": unknown component '" + name + "' (fmc, bl, tee, snp, ucode)");
    any = true;
  }
  if (!any) throw InputError(flag + " is empty");
  return t;
}

// A report file: raw 1184 bytes, the same as hex text, or Trustee's SNP evidence JSON.
SnpEvidence load_report_or_evidence(const std::string& path, Product fallback) {
  Bytes data = read_input(path);
  std::string text = to_string(data);
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') return need(evidence_from_text(text, fallback), path);
  if (data.size() != kReportSize) {
    std::string hex;
    for (char c : text)
      if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
    if (auto b = hex_decode(hex); b && b->size() == kReportSize) data = *b;
  }
  return SnpEvidence{need(parse_report(data), path), std::nullopt};
}

// Certificates given on the command line: DER or PEM files; a PEM bundle is read in the order the
// CCF endorsement bundles use (VEK, ASK, ARK), and kinds are recognised by subject CN.
std::vector<CertTableEntry> load_certs(const std::vector<std::string>& paths) {
  std::vector<CertTableEntry> out;
  for (const auto& p : paths) {
    auto certs = need(certs_from_pem_or_der(read_input(p)), p);
    for (const auto& c : certs) {
      const std::string cn = c.subject_cn();
      CertKind k = CertKind::unknown;
      if (cn == "SEV-VCEK")
        k = CertKind::vcek;
      else if (cn == "SEV-VLEK")
        k = CertKind::vlek;
      else if (cn.rfind("ARK-", 0) == 0)
        k = CertKind::ark;
      else if (cn.rfind("SEV-VLEK-", 0) == 0)
        k = CertKind::asvk;
      else if (cn.rfind("SEV-", 0) == 0)
        k = CertKind::ask;
      else
        throw InputError(p + ": certificate '" + cn + "' is not an AMD ARK, ASK, ASVK, VCEK or VLEK");
      out.push_back({guid_of(k), k, c.der()});
    }
  }
  return out;
}

void print_verdict(const VerifyResult& res, const Report& report) {
  if (globals().json) {
    auto j = result_to_json(res);
    if (res.ok()) j["claims"] = trustee_claims(report, res.product);
    print_json(j);
    return;
  }
  std::cout << (res.ok() ? "VERIFIED" : "REJECTED") << ": SNP report v" << report.version << ", "
            << product_name(res.product) << ", signed by " << signing_key_name(res.signer)
            << (res.vek_fetched ? " (fetched from KDS)" : "") << "\n";
  for (const auto& f : res.failures) std::cout << "  " << f.code << ": " << f.message << "\n";
  if (res.ok()) std::cout << "  " << res.passed.size() << " checks passed\n";
}

void add_gen(CLI::App& snp) {
  auto* cmd =
      snp.add_subcommand("gen", "Simulate an SNP attestation report signed by a simulated VCEK or VLEK");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto flags = std::make_shared<std::map<std::string, bool>>();
  auto opt = [&](const char* name, const char* help) {
    cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  opt("from", "Launch description YAML (flags below override it)");
  opt("product", "Milan, Genoa or Turin [Milan]");
  opt("version", "Report version 2, 3 or 5 [3]");
  opt("stepping", "CPUID stepping [1]");
  opt("signer", "vcek or vlek [vcek]");
  opt("report-data", "REPORT_DATA, hex (up to 64 bytes, zero-padded)");
  opt("measurement", "MEASUREMENT, hex (48 bytes)");
  opt("host-data", "HOST_DATA, hex (up to 32 bytes)");
  opt("policy", "Guest POLICY, e.g. 0x30000");
  opt("vmpl", "VMPL [0]");
  opt("guest-svn", "GUEST_SVN [0]");
  opt("tcb", "TCB for current/reported/committed/launch, e.g. bl=4,tee=0,snp=24,ucode=219[,fmc=1]");
  opt("reported-tcb", "REPORTED_TCB when it differs from --tcb");
  opt("chip-id", "CHIP_ID, hex (64 bytes; 8 on Turin) [derived from the seed]");
  opt("seed", "Seed of the simulated AMD world [coco-harness]");
  opt("key-cache", "Cache directory for simulated RSA-4096 keys");
  opt("out", "Write the raw 1184-byte report here [report.bin]");
  opt("certs-out",
      "Write vek.der and vek.pem (VCEK or VLEK), cert_chain.pem (ASK or ASVK, ARK) and ark.pem here");
  opt("evidence-out", "Write Trustee's SNP evidence JSON (report + cert_chain) here");
  opt("cert-table-out", "Write the extended-report certificate table (VEK, ASK/ASVK, ARK) here");
  cmd->add_flag("--mask-chip-id", (*flags)["mask-chip-id"], "Set MASK_CHIP_ID (CHIP_ID reads as zero)");
  cmd->add_flag("--debug", (*flags)["debug"], "Set POLICY bit 19 (debug allowed)");
  cmd->footer(
      "Example: coco-harness snp gen --product Genoa --report-data 00ff --out report.bin --certs-out certs/");
  on_run(cmd, [o, flags]() {
    auto& v = *o;
    LaunchDescription d;
    if (!v["from"].empty()) d = need(launch_from_yaml(to_string(read_input(v["from"]))), v["from"]);
    if (!v["product"].empty()) d.product = product_arg(v["product"]);
    auto num = [&](const char* k) -> std::optional<std::uint64_t> {
      if (v[k].empty()) return std::nullopt;
      try {
        std::size_t used = 0;
        auto n = std::stoull(v[k], &used, 0);
        if (used != v[k].size()) throw std::invalid_argument(k);
        return n;
      } catch (const std::exception&) {
        throw InputError(std::string("--") + k + " must be a number, got '" + v[k] + "'");
      }
    };
    if (auto n = num("version")) d.version = static_cast<std::uint32_t>(*n);
    if (auto n = num("stepping")) d.stepping = static_cast<int>(*n);
    if (auto n = num("policy")) d.policy = *n;
    if (auto n = num("vmpl")) d.vmpl = static_cast<std::uint32_t>(*n);
    if (auto n = num("guest-svn")) d.guest_svn = static_cast<std::uint32_t>(*n);
    if (!v["signer"].empty()) {
      if (v["signer"] != "vcek" && v["signer"] != "vlek") throw InputError("--signer must be vcek or vlek");
      d.vlek = v["signer"] == "vlek";
    }
    if (!v["report-data"].empty()) d.report_data = hex_arg(v["report-data"], "--report-data");
    if (!v["measurement"].empty()) d.measurement = hex_arg(v["measurement"], "--measurement");
    if (!v["host-data"].empty()) d.host_data = hex_arg(v["host-data"], "--host-data");
    if (!v["chip-id"].empty()) d.chip_id = hex_arg(v["chip-id"], "--chip-id");
    if (!v["tcb"].empty()) d.tcb = tcb_arg(v["tcb"], "--tcb");
    if (!v["reported-tcb"].empty()) d.reported_tcb = tcb_arg(v["reported-tcb"], "--reported-tcb");
    if ((*flags)["mask-chip-id"]) d.mask_chip_id = true;
    if ((*flags)["debug"]) d.policy |= (1ull << 19);

    AmdAuthority authority(v["seed"].empty() ? "coco-harness" : v["seed"],
                           v["key-cache"].empty() ? default_key_cache() : v["key-cache"]);
    progress("simulating " + product_name(d.product) +
             " report (first run generates RSA-4096 keys: up to a minute)");
    auto signed_report = need(sign_report(authority, d), "snp gen");
    const std::string out = v["out"].empty() ? "report.bin" : v["out"];
    if (auto st = write_file(out, signed_report.raw); !st) throw InputError(st.error().message);
    nlohmann::json summary{{"report", out},
                           {"product", product_name(d.product)},
                           {"version", d.version},
                           {"signer", d.vlek ? "VLEK" : "VCEK"},
                           {"seed", authority.seed()}};
    if (!v["certs-out"].empty()) {
      std::filesystem::path dir = v["certs-out"];
      const AmdCa& ca = authority.ca(d.product);
      for (auto [name, bytes] : {std::pair<std::string, Bytes>{"vek.der", signed_report.vek.cert.der()},
                                 {"vek.pem", to_bytes(as_bytes(signed_report.vek.cert.pem()))},
                                 {"cert_chain.pem", to_bytes(as_bytes(signed_report.chain_pem))},
                                 {"ark.pem", to_bytes(as_bytes(ca.ark.pem()))}})
        if (auto st = write_file(dir / name, bytes); !st) throw InputError(st.error().message);
      summary["certs"] = dir.string();
    }
    if (!v["evidence-out"].empty()) {
      auto text = evidence_to_json(signed_report.evidence(), d.product)
                      .dump();  // v2: no CPUID, layout from the product
      if (auto st = write_file(v["evidence-out"], as_bytes(text)); !st) throw InputError(st.error().message);
      summary["evidence"] = v["evidence-out"];
    }
    if (!v["cert-table-out"].empty()) {
      if (auto st = write_file(v["cert-table-out"], encode_cert_table(signed_report.cert_table)); !st)
        throw InputError(st.error().message);
      summary["cert_table"] = v["cert-table-out"];
    }
    if (globals().json)
      print_json(summary);
    else
      std::cout << "wrote " << out << " (" << product_name(d.product) << " v" << d.version << ", "
                << (d.vlek ? "VLEK" : "VCEK") << "-signed)\n";
    return kExitOk;
  });
}

void add_verify(CLI::App& snp) {
  auto* cmd = snp.add_subcommand(
      "verify", "Verify an SNP report (raw, hex or Trustee evidence JSON) and its certificates");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  auto certs = std::make_shared<std::vector<std::string>>();
  auto flags = std::make_shared<std::map<std::string, bool>>();
  auto opt = [&](const char* name, const char* help) {
    return cmd->add_option(std::string("--") + name, (*o)[name], help);
  };
  cmd->add_option("report", (*o)["report"],
                  "Report file: 1184 raw bytes, hex text, or Trustee SNP evidence JSON")
      ->required();
  cmd->add_option("--certs,-c", *certs,
                  "VCEK/VLEK/ASK/ARK certificates (DER or PEM bundles, e.g. VCEK, ASK, ARK)");
  opt("cert-table", "Extended-report certificate table (GHCB format)");
  opt("product", "Product line (required for v2 reports; checked against CPUID otherwise)");
  opt("stepping", "Expected product stepping");
  opt("roots", "Trust anchors: real (AMD's, default), simulated, or a PEM bundle ASK,ARK,ASVK");
  opt("seed", "Seed of the simulated AMD world, with --roots simulated [coco-harness]");
  opt("key-cache", "Key cache of the simulated world");
  opt("at", "Check certificate validity at this time (YYYY-MM-DD[THH:MM:SSZ]) [now]");
  opt("crl", "KDS CRL (DER) to check the ASK/ASVK and VEK against");
  opt("kds", "KDS base URL to fetch a missing VCEK from (e.g. a `coco-harness kds serve` URL)");
  opt("kds-cache", "On-disk cache for fetched VCEKs");
  opt("profile",
      "trustee (default: versions 3-5, VMPL 0, reserved fields zero) or go-sev-guest (signature and chain "
      "only)");
  opt("vmpl", "Required VMPL");
  opt("min-tcb", "Minimum reported TCB, e.g. bl=3,tee=0,snp=8,ucode=115");
  opt("min-guest-svn", "Minimum GUEST_SVN");
  opt("expect-measurement", "Expected MEASUREMENT (hex)");
  opt("expect-host-data", "Expected HOST_DATA (hex; e.g. the init-data digest)");
  opt("expect-report-data", "Expected REPORT_DATA (hex; zero-padded to 64 bytes)");
  cmd->add_flag("--no-debug", (*flags)["no-debug"], "Reject reports whose policy allows debugging");
  cmd->add_flag("--no-migrate-ma", (*flags)["no-migrate-ma"],
                "Reject reports whose policy allows a migration agent");
  cmd->add_flag("--no-smt", (*flags)["no-smt"], "Reject reports whose policy allows SMT");
  cmd->add_flag("--no-provisional", (*flags)["no-provisional"],
                "Reject provisional firmware (committed != current)");
  cmd->footer("Exit: 0 verified, 1 rejected (each reason printed as snp.<code>: message), 2 bad input.");
  on_run(cmd, [o, certs, flags]() {
    auto& v = *o;
    std::optional<Product> product;
    if (!v["product"].empty()) product = product_arg(v["product"]);
    SnpEvidence ev = load_report_or_evidence(v["report"], product.value_or(Product::milan));
    std::vector<CertTableEntry> entries = ev.cert_chain.value_or(std::vector<CertTableEntry>{});
    for (auto& e : load_certs(*certs)) entries.push_back(std::move(e));
    if (!v["cert-table"].empty())
      for (auto& e : need(parse_cert_table(read_input(v["cert-table"])), v["cert-table"]))
        entries.push_back(std::move(e));

    VerifyOptions opts;
    if (v["profile"] == "go-sev-guest")
      opts = VerifyOptions::crypto_only();
    else if (!v["profile"].empty() && v["profile"] != "trustee")
      throw InputError("--profile must be trustee or go-sev-guest");
    opts.product = product;
    if (!v["stepping"].empty()) opts.stepping = static_cast<int>(uint_arg(v["stepping"], "--stepping"));
    TrustedRoots custom;
    std::unique_ptr<AmdAuthority> authority;
    if (v["roots"] == "simulated") {
      authority =
          std::make_unique<AmdAuthority>(v["seed"].empty() ? "coco-harness" : v["seed"],
                                         v["key-cache"].empty() ? default_key_cache() : v["key-cache"]);
      custom = simulated_roots(*authority);
      opts.roots = &custom;
    } else if (!v["roots"].empty() && v["roots"] != "real") {
      auto bundle = need(certs_from_pem(to_string(read_input(v["roots"]))), v["roots"]);
      if (bundle.size() != 3)
        throw InputError(v["roots"] + ": a roots bundle holds ASK, ARK, ASVK (3 certificates)");
      auto p = product_from_name(bundle[1].subject_cn().substr(4));
      if (!p) throw InputError(v["roots"] + ": second certificate is not an ARK-<product>");
      custom[*p] = AmdRoots{bundle[1], bundle[0], bundle[2]};
      opts.roots = &custom;
    }
    if (!v["at"].empty()) opts.now = time_arg(v["at"]);
    if (!v["crl"].empty()) opts.crl_der = read_input(v["crl"]);
    if (!v["vmpl"].empty()) opts.vmpl = uint_arg(v["vmpl"], "--vmpl");
    if (!v["min-tcb"].empty()) opts.minimum_tcb = tcb_arg(v["min-tcb"], "--min-tcb");
    if (!v["min-guest-svn"].empty()) opts.minimum_guest_svn = uint_arg(v["min-guest-svn"], "--min-guest-svn");
    if (!v["expect-measurement"].empty())
      opts.measurement = hex_arg(v["expect-measurement"], "--expect-measurement");
    if (!v["expect-host-data"].empty()) opts.host_data = hex_arg(v["expect-host-data"], "--expect-host-data");
    if (!v["expect-report-data"].empty())
      opts.report_data = hex_arg(v["expect-report-data"], "--expect-report-data");
    opts.allow_debug = !(*flags)["no-debug"];
    opts.allow_migrate_ma = !(*flags)["no-migrate-ma"];
    opts.allow_smt = !(*flags)["no-smt"];
    opts.permit_provisional_firmware = !(*flags)["no-provisional"];
    if (!v["kds"].empty()) opts.fetch_vcek = make_kds_fetcher(v["kds"], v["kds-cache"]);

    auto res = verify_report(ev.report, entries, opts);
    print_verdict(res, ev.report);
    return res.ok() ? kExitOk : kExitFailed;
  });
}

void add_inspect(CLI::App& snp) {
  auto* cmd =
      snp.add_subcommand("inspect", "Print every field of an SNP report (raw, hex or Trustee evidence JSON)");
  auto o = std::make_shared<std::map<std::string, std::string>>();
  cmd->add_option("report", (*o)["report"], "Report file")->required();
  cmd->add_option("--product", (*o)["product"], "Product line for v2 reports (TCB layout) [Milan]");
  on_run(cmd, [o]() {
    auto& v = *o;
    Product fallback = v["product"].empty() ? Product::milan : product_arg(v["product"]);
    SnpEvidence ev = load_report_or_evidence(v["report"], fallback);
    const Report& r = ev.report;
    Product p = r.product() != Product::unknown ? r.product() : fallback;
    nlohmann::json j = report_to_json(r, fallback);
    nlohmann::json d;
    d["product"] = product_name(p);
    d["product_source"] = r.has_cpuid() ? "cpuid" : "caller";
    auto pol = r.decoded_policy();
    d["policy"] = {{"abi_major", pol.abi_major},
                   {"abi_minor", pol.abi_minor},
                   {"smt", pol.smt},
                   {"migrate_ma", pol.migrate_ma},
                   {"debug", pol.debug},
                   {"single_socket", pol.single_socket},
                   {"cxl_allow", pol.cxl_allow},
                   {"mem_aes_256_xts", pol.mem_aes_256_xts},
                   {"rapl_dis", pol.rapl_dis},
                   {"ciphertext_hiding", pol.ciphertext_hiding},
                   {"page_swap_disable", pol.page_swap_disable}};
    auto pi = r.decoded_platform_info();
    d["platform_info"] = {{"smt_enabled", pi.smt_enabled},
                          {"tsme_enabled", pi.tsme_enabled},
                          {"ecc_enabled", pi.ecc_enabled},
                          {"rapl_disabled", pi.rapl_disabled},
                          {"ciphertext_hiding_enabled", pi.ciphertext_hiding_enabled},
                          {"alias_check_complete", pi.alias_check_complete},
                          {"tio_enabled", pi.tio_enabled}};
    auto si = r.decoded_signer();
    d["signer"] = {{"signing_key", signing_key_name(si.signing_key)},
                   {"author_key_en", si.author_key_en},
                   {"mask_chip_key", si.mask_chip_key}};
    for (auto [name, raw] : {std::pair<const char*, std::uint64_t>{"current_tcb", r.current_tcb},
                             {"reported_tcb", r.reported_tcb},
                             {"committed_tcb", r.committed_tcb},
                             {"launch_tcb", r.launch_tcb}})
      d[name] = tcb_to_string(decode_tcb(raw, p));
    d["mbz_violations"] = r.mbz_violations();
    if (globals().json) {
      print_json({{"fields", j}, {"decoded", d}});
      return kExitOk;
    }
    auto hex = [](const auto& a) { return hex_encode(ByteView(a.data(), a.size())); };
    auto line = [](const std::string& k, const std::string& val) {
      std::cout << std::left << std::setw(22) << k << val << "\n";
    };
    char pbuf[32];
    std::snprintf(pbuf, sizeof(pbuf), "0x%llx", static_cast<unsigned long long>(r.policy));
    line("version", std::to_string(r.version));
    line("product", product_name(p) + (r.has_cpuid() ? " (CPUID " + std::to_string(r.cpuid_fam_id) + "/" +
                                                           std::to_string(r.cpuid_mod_id) + "/" +
                                                           std::to_string(r.cpuid_step) + ")"
                                                     : " (given; v2 has no CPUID)"));
    line("guest_svn", std::to_string(r.guest_svn));
    line("policy", std::string(pbuf) + " abi " + std::to_string(pol.abi_major) + "." +
                       std::to_string(pol.abi_minor) + (pol.smt ? " smt" : "") +
                       (pol.migrate_ma ? " migrate_ma" : "") + (pol.debug ? " DEBUG" : "") +
                       (pol.single_socket ? " single_socket" : ""));
    line("family_id", hex(r.family_id));
    line("image_id", hex(r.image_id));
    line("vmpl", std::to_string(r.vmpl));
    line("signature_algo", std::to_string(r.signature_algo));
    line("current_tcb", d["current_tcb"]);
    line("platform_info", std::to_string(r.platform_info) + (pi.smt_enabled ? " smt" : "") +
                              (pi.tsme_enabled ? " tsme" : "") + (pi.ecc_enabled ? " ecc" : "") +
                              (pi.alias_check_complete ? " alias_check_complete" : ""));
    line("signer", signing_key_name(si.signing_key) + (si.mask_chip_key ? " mask_chip_key" : "") +
                       (si.author_key_en ? " author_key_en" : ""));
    line("report_data", hex(r.report_data));
    line("measurement", hex(r.measurement));
    line("host_data", hex(r.host_data));
    line("id_key_digest", hex(r.id_key_digest));
    line("author_key_digest", hex(r.author_key_digest));
    line("report_id", hex(r.report_id));
    line("report_id_ma", hex(r.report_id_ma));
    line("reported_tcb", d["reported_tcb"]);
    line("chip_id", hex(r.chip_id));
    line("committed_tcb", d["committed_tcb"]);
    line("current_version", std::to_string(r.current.major) + "." + std::to_string(r.current.minor) +
                                " build " + std::to_string(r.current.build));
    line("committed_version", std::to_string(r.committed.major) + "." + std::to_string(r.committed.minor) +
                                  " build " + std::to_string(r.committed.build));
    line("launch_tcb", d["launch_tcb"]);
    if (r.has_mitigation_vectors()) {
      line("launch_mit_vector", std::to_string(r.launch_mit_vector));
      line("current_mit_vector", std::to_string(r.current_mit_vector));
    }
    line("signature_r", hex_encode(signature_r_be(r)));
    line("signature_s", hex_encode(signature_s_be(r)));
    for (const auto& m : r.mbz_violations()) line("WARNING", "must-be-zero violated: " + m);
    return kExitOk;
  });
}

}  // namespace

void add_snp_commands(CLI::App& app) {
  auto* snp = app.add_subcommand("snp", "AMD SEV-SNP evidence: simulate, verify, inspect");
  snp->require_subcommand(1);
  add_gen(*snp);
  add_verify(*snp);
  add_inspect(*snp);
}

}  // namespace coco::cli
