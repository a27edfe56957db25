// `coco-harness initdata`: the init-data a peer pod gets, as the validated pattern makes it
// (pattern/initdata.h). `digest` gives the digest of a TOML file in every form a verifier compares
// (pattern.md 3.4); `render`, `encode` and `decode` reproduce the init-data-gzipper job's steps; `explain`
// takes whatever the user has (annotation value, ConfigMap YAML, TOML) and says what it contains and whether
// the reference values know it.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include "azure/tpm.h"
#include "cli_common.h"
#include "core/encoding.h"
#include "pattern/initdata.h"
#include "trustee/initdata.h"

namespace coco::cli {
namespace {

void add_digest(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "digest",
      "Print the init-data digest of a TOML file (version, algorithm, data) in every form a verifier "
      "compares:\n"
      "  digest         HASH_algorithm(the file's exact bytes), algorithm sha256, sha384 or sha512\n"
      "  pcr8           Azure vTPM PCR8 after boot: SHA-256(32 zero bytes || digest[0..32])\n"
      "  snp_host_data  SEV-SNP HOST_DATA: the digest truncated or zero-padded to 32 bytes\n"
      "  tdx_mr_config_id  TDX MRCONFIGID: the digest zero-padded (or truncated) to 48 bytes");
  auto path = std::make_shared<std::string>();
  cmd->add_option("toml", *path, "Init-data TOML file (as given to the peer pod's annotation)")->required();
  cmd->footer(
      "Example: coco-harness initdata digest initdata.toml\n"
      "         coco-harness azure verify evidence.json --init-data-digest <digest>");
  on_run(cmd, [path]() {
    const trustee::InitData d = need(trustee::parse_initdata_toml(to_string(read_input(*path))), *path);
    const Bytes digest = trustee::initdata_digest(d);
    const nlohmann::json j{{"file", *path},
                           {"version", d.version},
                           {"algorithm", std::string(trustee::initdata_alg_name(d.algorithm))},
                           {"digest", hex_encode(digest)},
                           {"pcr8", hex_encode(azure::init_data_pcr8(digest))},
                           {"snp_host_data", hex_encode(trustee::pad_or_truncate(digest, 32))},
                           {"tdx_mr_config_id", hex_encode(trustee::pad_or_truncate(digest, 48))}};
    if (globals().json) {
      print_json(j);
    } else {
      for (const char* k : {"algorithm", "digest", "pcr8", "snp_host_data", "tdx_mr_config_id"})
        std::cout << k << ": " << j[k].get<std::string>() << "\n";
    }
    return kExitOk;
  });
}

// "-" is stdin; an existing file is read; with `literal_ok`, anything else is the value itself.
std::string read_arg(const std::string& arg, bool literal_ok) {
  if (arg == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::error_code ec;
  if (!literal_ok || std::filesystem::is_regular_file(arg, ec)) return to_string(read_input(arg));
  return arg;
}

void add_encode(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "encode",
      "Print the annotation value of an init-data TOML: base64 of its gzip, as `cat f | gzip | base64 -w0` "
      "(the io.katacontainers.config.hypervisor.cc_init_data annotation, the ConfigMap's INITDATA)");
  auto path = std::make_shared<std::string>();
  cmd->add_option("toml", *path, "Init-data TOML file, or - for stdin")->required();
  cmd->footer("Example: coco-harness initdata encode initdata.toml > INITDATA");
  on_run(cmd, [path]() {
    const std::string toml = read_arg(*path, false);
    need(trustee::parse_initdata_toml(toml), *path);  // encoding something no guest can parse helps nobody
    const std::string value = pattern::encode_initdata(toml);
    if (globals().json) {
      print_json({{"file", *path}, {"value", value}});
    } else {
      std::cout << value << "\n";
    }
    return kExitOk;
  });
}

void add_decode(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "decode",
      "Print the TOML inside an annotation value (base64 of gzip; plain base64 TOML is accepted too)");
  auto input = std::make_shared<std::string>();
  cmd->add_option("value", *input, "The value itself, a file holding it, or - for stdin")->required();
  cmd->footer(
      "Example: oc get cm initdata -n imperative -o jsonpath='{.data.INITDATA}' | coco-harness initdata "
      "decode -");
  on_run(cmd, [input]() {
    const std::string toml = need(pattern::decode_initdata(read_arg(*input, true)), "init-data value");
    if (globals().json) {
      print_json({{"toml", toml}});
    } else {
      std::cout << toml;
    }
    return kExitOk;
  });
}

void add_render(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "render",
      "Print the pattern's init-data TOML (ansible/initdata-default.toml.tpl, or initdata-debug.toml.tpl "
      "with "
      "--debug) for a KBS URL and its certificate, as the init-data-gzipper job renders it");
  auto url = std::make_shared<std::string>();
  auto cert = std::make_shared<std::string>();
  auto debug = std::make_shared<bool>(false);
  auto flavour = std::make_shared<std::string>("insecure");
  cmd->add_option("--kbs-url", *url, "KBS URL, https://kbs.<hub cluster domain>")->required();
  cmd->add_option("--kbs-cert", *cert, "PEM file of the KBS route's certificate (Secret kbs-tls-self-signed)")
      ->required();
  cmd->add_flag("--debug", *debug, "The debug-initdata variant: every agent request allowed (oc exec works)");
  cmd->add_option(
      "--security-policy", *flavour,
      "Image security policy flavour: insecure, signed or reject (kbs:///default/security-policy/<F>)");
  cmd->footer(
      "Example: coco-harness initdata render --kbs-url https://kbs.apps.hub.example.com --kbs-cert tls.crt "
      "> initdata.toml");
  on_run(cmd, [url, cert, debug, flavour]() {
    if (*flavour != "insecure" && *flavour != "signed" && *flavour != "reject")
      throw InputError("--security-policy must be insecure, signed or reject, got '" + *flavour + "'");
    const std::string pem = to_string(read_input(*cert));
    need(certs_from_pem(pem), *cert);
    const std::string toml = pattern::render_initdata(
        {*url, pem}, *debug ? pattern::InitDataFlavour::debug : pattern::InitDataFlavour::secure, *flavour);
    if (globals().json) {
      print_json({{"toml", toml}});
    } else {
      std::cout << toml;
    }
    return kExitOk;
  });
}

nlohmann::json explanation_json(const pattern::InitDataExplanation& e) {
  nlohmann::json j{{"source", e.source},
                   {"algorithm", e.algorithm},
                   {"version", e.version},
                   {"kbs_url", e.kbs_url},
                   {"kbs_cert_subject", e.kbs_cert_subject},
                   {"files", e.files},
                   {"ignored_keys", e.ignored_keys},
                   {"notes", e.notes},
                   {"digest", hex_encode(e.digests.raw)},
                   {"pcr8", hex_encode(e.digests.pcr8)},
                   {"snp_host_data", hex_encode(e.digests.snp_host_data)},
                   {"tdx_mr_config_id", hex_encode(e.digests.tdx_mr_config_id)},
                   {"toml", e.toml}};
  if (e.in_reference_values) {
    j["in_reference_values"] = *e.in_reference_values;
    j["reference_value_names_matching"] = e.reference_value_names_matching;
  }
  return j;
}

void add_explain(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "explain",
      "Explain an init-data: an annotation value (base64 gzip), a ConfigMap YAML (initdata, debug-initdata "
      "or "
      "peer-pods-cm with INITDATA) or a TOML file. Shows the KBS URL and certificate, the digests and PCR8, "
      "the "
      "files the peer pod gets, and inconsistencies; with --reference-values, whether PCR8 is among them");
  auto input = std::make_shared<std::string>();
  auto rv_path = std::make_shared<std::string>();
  cmd->add_option("input", *input, "The value itself, a file, or - for stdin")->required();
  cmd->add_option("--reference-values", *rv_path,
                  "reference-values.json (the chart's list, or the RVPS's {name: [values]})");
  cmd->footer(
      "Example: oc get pod secure -n hello-openshift -o yaml | yq '.metadata.annotations[\"io.katacontainers."
      "config.hypervisor.cc_init_data\"]' | coco-harness initdata explain - --reference-values rv.json\n"
      "Exit: 0 ok, 1 PCR8 not in the reference values, 2 bad input.");
  on_run(cmd, [input, rv_path]() {
    std::optional<nlohmann::json> rv;
    if (!rv_path->empty()) {
      rv = nlohmann::json::parse(to_string(read_input(*rv_path)), nullptr, false);
      if (rv->is_discarded()) throw InputError(*rv_path + ": not JSON");
    }
    const pattern::InitDataExplanation e =
        need(pattern::explain_initdata(read_arg(*input, true), rv), *input == "-" ? "stdin" : *input);
    const int rc = e.in_reference_values == false ? kExitFailed : kExitOk;
    if (globals().json) {
      print_json(explanation_json(e));
      return rc;
    }
    std::ostringstream o;
    o << "source: " << e.source << "\n"
      << "algorithm: " << e.algorithm << "\nversion: " << e.version << "\n"
      << "kbs url: " << (e.kbs_url.empty() ? "(none)" : e.kbs_url) << "\n"
      << "kbs cert subject: " << (e.kbs_cert_subject.empty() ? "(none)" : e.kbs_cert_subject) << "\n"
      << "digest (RAW_HASH): " << hex_encode(e.digests.raw) << "\n"
      << "pcr8 (PCR8_HASH): " << hex_encode(e.digests.pcr8) << "\n"
      << "snp_host_data: " << hex_encode(e.digests.snp_host_data) << "\n"
      << "tdx_mr_config_id: " << hex_encode(e.digests.tdx_mr_config_id) << "\n";
    for (const auto& k : e.ignored_keys)
      o << "ignored key: " << k << " (CAA does not write it into the VM)\n";
    for (const auto& [name, text] : e.files) {
      o << "--- " << name << " ---\n" << text;
      if (!text.empty() && text.back() != '\n') o << "\n";
    }
    for (const auto& n : e.notes) o << "note: " << n << "\n";
    if (e.in_reference_values) {
      std::string names;
      for (const auto& n : e.reference_value_names_matching) names += (names.empty() ? "" : ", ") + n;
      if (*e.in_reference_values) {
        o << "PCR8 " << hex_encode(e.digests.pcr8) << " is in reference values " << names << "\n";
      } else {
        o << "PCR8 " << hex_encode(e.digests.pcr8)
          << " is NOT in the reference values: update rvps-reference-values and restart the pod\n";
      }
    }
    std::cout << o.str();
    return rc;
  });
}

}  // namespace

void add_initdata_commands(CLI::App& app) {
  auto* g = app.add_subcommand(
      "initdata",
      "Init-data (the peer pod's TOML): render the pattern's, encode/decode annotation values, digests as "
      "verifiers compare them, explain what a pod or ConfigMap carries");
  g->require_subcommand(1);
  add_digest(*g);
  add_render(*g);
  add_encode(*g);
  add_decode(*g);
  add_explain(*g);
}

}  // namespace coco::cli
