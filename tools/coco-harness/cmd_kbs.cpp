// `coco-harness kbs ...`: the Trustee-compatible KBS (sim/trustee) and its clients (sim/guest).
//   kbs serve --config kbs-config.toml      a KBS/AS/RVPS that reads Trustee's own config file
//   kbs attest | get-resource               the RCAR handshake as a guest (sample or simulated SNP TEE)
//   kbs admin set-attestation-policy | set-resource-policy | set-resource | set-reference-value
// Every client command works against a real Trustee too (--url https://..., --ca-cert).
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "conformance/tdx_world.h"
#include "core/encoding.h"
#include "guest/evidence_provider.h"
#include "guest/rcar_client.h"
#include "signal_gate.h"
#include "snp/kds.h"
#include "snp/snp.h"
#include "tdx/pcs.h"
#include "trustee/kbs.h"

namespace coco::cli {
namespace {

// ---- kbs serve --------------------------------------------------------------------------------

struct ServeArgs {
  std::string config;
  int port = -1;  // -1: the config's socket
  std::string bind;
  bool insecure_http = false;
  std::string amd = "real";
  std::string seed = "coco-harness";
  std::string key_cache;
  std::string kds_url;
  std::string intel = "real";
  std::string pcs_url;
  std::string status_mapping = "trustee";
  double duration = 0;
};

void add_serve(CLI::App& group) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = group.add_subcommand(
      "serve",
      "Serve a Trustee-compatible KBS (RCAR 0.4.0, built-in AS with EAR tokens, RVPS, resource plugin) "
      "configured by Trustee's own kbs-config.toml.\nPrints the URL it listens on, then serves until "
      "SIGINT/SIGTERM or --duration.");
  cmd->add_option("--config,-c", a->config, "Trustee kbs-config.toml")->required();
  cmd->add_option("--port", a->port, "Override the port of [http_server] sockets; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", a->bind, "Override the address of [http_server] sockets");
  cmd->add_flag("--insecure-http", a->insecure_http, "Serve plain HTTP whatever the config says");
  cmd->add_option("--amd-roots", a->amd,
                  "SNP trust anchors: real (AMD's ARKs) or simulated (the --seed world)")
      ->check(CLI::IsMember({"real", "simulated"}))
      ->default_val("real");
  cmd->add_option("--intel-roots", a->intel,
                  "TDX trust anchor: real (Intel's SGX Root CA) or simulated (the --seed world)")
      ->check(CLI::IsMember({"real", "simulated"}))
      ->default_val("real");
  cmd->add_option("--seed", a->seed,
                  "Seed of the simulated AMD and Intel worlds (--amd-roots/--intel-roots simulated)")
      ->default_val("coco-harness");
  cmd->add_option("--key-cache", a->key_cache, "Directory caching the simulated RSA-4096 keys");
  cmd->add_option(
      "--kds-url", a->kds_url,
      "KDS to fetch VCEKs from for evidence without a cert chain (default https://kdsintf.amd.com)");
  cmd->add_option("--pcs-url", a->pcs_url,
                  "Intel PCS to fetch TDX collateral from (default https://api.trustedservices.intel.com, "
                  "as Trustee; `coco-harness pcs serve` for a fake one); none: no collateral, no tcb_status");
  cmd->add_option("--status-mapping", a->status_mapping,
                  "Error status codes: trustee (401 except 404, as Trustee 0.4) or issue-1419 (403 for "
                  "PolicyDeny, 404 missing resource, 400 bad path)")
      ->check(CLI::IsMember({"trustee", "issue-1419"}))
      ->default_val("trustee");
  cmd->add_option("--duration", a->duration, "Seconds to serve; 0 = until SIGINT/SIGTERM")
      ->default_val(0)
      ->check(CLI::Range(0.0, 31'536'000.0));

  on_run(cmd, [a]() {
    trustee::KbsOptions o;
    o.config = need(trustee::load_kbs_config(a->config), a->config);
    // Warnings go to stderr even with --json: a misspelt key silently ignored is what they are for.
    for (const auto& w : o.config.warnings) std::cerr << "warning: " << a->config << ": " << w << "\n";
    for (const auto& n : o.config.notes) progress("note: " + a->config + ": " + n);
    if (a->insecure_http) o.config.http_server.insecure_http = true;
    if (a->port >= 0) o.port = static_cast<std::uint16_t>(a->port);
    if (!a->bind.empty()) o.bind_address = a->bind;
    o.status_mapping = a->status_mapping == "issue-1419" ? trustee::StatusMapping::issue_1419
                                                         : trustee::StatusMapping::trustee;
    std::unique_ptr<snp::AmdAuthority> authority;
    std::unique_ptr<snp::TrustedRoots> roots;
    if (a->amd == "simulated") {
      authority = std::make_unique<snp::AmdAuthority>(
          a->seed, a->key_cache.empty() ? default_key_cache() : a->key_cache);
      roots = std::make_unique<snp::TrustedRoots>(snp::simulated_roots(*authority));
      o.snp.roots = roots.get();
    }
    // Trustee hides why an attestation failed from the client and logs it; so do we, on stderr.
    o.on_error = [](const HttpRequest& req, const trustee::KbsError& e) {
      if (globals().quiet) return;
      std::cerr << req.method << " " << req.target << ": " << trustee::variant_name(e.kind) << ": "
                << e.detail << (e.cause.empty() ? "" : " (" + e.cause + ")") << "\n";
    };
    o.snp.fetch_vcek = snp::make_kds_fetcher(a->kds_url.empty() ? std::string(snp::kKdsBaseUrl) : a->kds_url);
    if (a->intel == "simulated") o.tdx.trusted_roots = {tdx::IntelAuthority(a->seed).root()};
    if (a->pcs_url != "none") {
      o.tdx.fetch_collateral = [pcs = a->pcs_url.empty() ? std::string(tdx::kPcsBaseUrl) : a->pcs_url](
                                   std::array<std::uint8_t, 6> fmspc, tdx::PckCa ca) {
        return tdx::PcsClient(pcs).fetch(fmspc, ca);
      };
    }
    auto kbs = need(trustee::Kbs::create(std::move(o)), "kbs serve");
    SignalGate gate;  // before start(): the server's threads inherit the blocked mask
    need(kbs->start(), "kbs serve");
    const std::string why =
        announce_and_wait(gate, "KBS", kbs->url(), {{"url", kbs->url()}, {"port", kbs->port()}}, a->duration);
    kbs->stop();
    const auto& m = kbs->metrics();
    progress(why + ": " + std::to_string(m.get(trustee::Metrics::auth_requests)) + " auth, " +
             std::to_string(m.get(trustee::Metrics::attestation_requests)) + " attest, " +
             std::to_string(m.get(trustee::Metrics::policy_approvals)) + " resources released, " +
             std::to_string(m.get(trustee::Metrics::policy_violations)) + " denied by policy");
    return kExitOk;
  });
}

// ---- guest side -------------------------------------------------------------------------------

struct ClientArgs {
  std::string url;
  std::string ca_cert;
  std::string attester = "sample";
  std::string key_type = "ec-p256";
  std::string tee_key;  // PEM file: loaded when it exists, else the fresh key is written there
  std::string init_data;
  std::string launch;  // YAML launch description for the simulated SNP guest
  std::string td;      // YAML TD description for the simulated TDX guest
  std::string seed = "coco-harness";
  std::string key_cache;
  int attempts = 3;
};

void add_client_options(CLI::App* cmd, ClientArgs& a) {
  cmd->add_option("--url", a.url, "KBS base URL, e.g. https://kbs.example:8080 (no /kbs/v0)")->required();
  cmd->add_option("--ca-cert", a.ca_cert,
                  "PEM CA certificate to trust for https (default: the system store)");
  cmd->add_option("--attester", a.attester,
                  "Evidence: sample, snp (a simulated SEV-SNP guest) or tdx (a simulated TDX guest)")
      ->check(CLI::IsMember({"sample", "snp", "tdx"}))
      ->default_val("sample");
  cmd->add_option("--tee-key-type", a.key_type, "TEE key: ec-p256 (default), ec-p521, rsa-oaep-256, rsa1_5")
      ->default_val("ec-p256");
  cmd->add_option("--tee-key", a.tee_key,
                  "PEM file of the TEE private key: used when it exists, else the new key is saved there "
                  "(attest then get-resource --token with the same key: passport mode)");
  cmd->add_option(
      "--init-data", a.init_data,
      "Init-data TOML to send (its digest becomes snp HOST_DATA or tdx MRCONFIGID, as the peer-pod VM "
      "measures it)");
  cmd->add_option("--launch", a.launch,
                  "YAML launch description of the simulated SNP guest (fixtures/launch/)");
  cmd->add_option("--td", a.td, "YAML TD description of the simulated TDX guest (fixtures/tdx/)");
  cmd->add_option("--seed", a.seed, "Seed of the simulated AMD or Intel world for --attester snp|tdx")
      ->default_val("coco-harness");
  cmd->add_option("--key-cache", a.key_cache, "Directory caching the simulated RSA-4096 keys");
  cmd->add_option("--attempts", a.attempts,
                  "Resource GETs before giving up; each 401 re-attests (guest-components: 3)")
      ->default_val(3)
      ->check(CLI::Range(1, 10));
}

std::unique_ptr<guest::KbsClient> make_client(const ClientArgs& a) {
  guest::KbsClientOptions o;
  o.url = a.url;
  if (!a.ca_cert.empty()) o.ca_pem = to_string(read_input(a.ca_cert));
  o.key_type = need(guest::parse_tee_key_type(a.key_type), "--tee-key-type");
  o.max_attempts = a.attempts;
  const bool save_key = !a.tee_key.empty() && !std::filesystem::exists(a.tee_key);
  if (!a.tee_key.empty() && !save_key) {
    Key k = need(private_key_from_pem(to_string(read_input(a.tee_key))), a.tee_key);
    o.tee_key = need(guest::TeeKey::from_key(k, o.key_type), a.tee_key);
  }
  Bytes init_digest;
  if (!a.init_data.empty()) {
    o.init_data_toml = to_string(read_input(a.init_data));
    init_digest = sha256(as_bytes(*o.init_data_toml));
  }
  std::unique_ptr<guest::EvidenceProvider> provider;
  if (a.attester == "sample") {
    provider = guest::make_sample_provider();
  } else if (a.attester == "tdx") {
    guest::SimulatedTdxOptions to;
    tdx::IntelAuthority intel(a.seed);
    to.qe = std::make_shared<const tdx::QuotingEnclave>(intel, tdx::PlatformSpec{});
    to.td = a.td.empty() ? conformance::tdx_pattern_td()
                         : need(tdx::td_description_from_yaml(to_string(read_input(a.td)),
                                                              std::filesystem::path(a.td).parent_path()),
                                a.td);
    to.td.mr_config_id = {};
    std::copy(init_digest.begin(), init_digest.end(), to.td.mr_config_id.begin());
    provider = guest::make_simulated_tdx_provider(std::move(to));
  } else {
    guest::SimulatedSnpOptions so;
    so.authority =
        std::make_shared<snp::AmdAuthority>(a.seed, a.key_cache.empty() ? default_key_cache() : a.key_cache);
    if (!a.launch.empty()) so.launch = need(snp::launch_from_yaml(to_string(read_input(a.launch))), a.launch);
    if (!init_digest.empty()) so.launch.host_data = init_digest;
    provider = guest::make_simulated_snp_provider(std::move(so));
  }
  auto client = std::make_unique<guest::KbsClient>(std::move(o), std::move(provider));
  if (save_key) need(write_file(a.tee_key, as_bytes(private_key_to_pem(client->tee_key().key()))), a.tee_key);
  return client;
}

// A KBS refusal is a verdict (exit 1), not bad input; transport trouble is exit 2.
int report_failure(const Error& e, const std::optional<guest::KbsHttpError>& http) {
  if (e.code == "guest.http")
    throw InputError(e.message + " (is the URL right, the KBS up, and --ca-cert its CA?)");
  if (globals().json) {
    nlohmann::json j = {{"ok", false}, {"code", e.code}, {"message", e.message}};
    if (http) j["http"] = {{"status", http->status}, {"type", http->variant()}, {"detail", http->detail}};
    print_json(j);
  } else {
    std::cerr << "coco-harness: " << e.message << " [" << e.code << "]\n";
    if (http && http->variant() == "PolicyDeny") {
      std::cerr
          << "hint: the KBS resource policy denied this TEE; Trustee's default policy denies the sample "
             "TEE (install allow_all with `kbs admin set-resource-policy`)\n";
    }
  }
  return kExitFailed;
}

void add_attest(CLI::App& group) {
  auto a = std::make_shared<ClientArgs>();
  auto* cmd =
      group.add_subcommand("attest", "Run the RCAR handshake and print the attestation token (EAR JWT)");
  add_client_options(cmd, *a);
  on_run(cmd, [a]() {
    auto client = make_client(*a);
    progress("attesting to " + a->url + " as " + a->attester);
    auto r = client->attest();
    if (!r) return report_failure(r.error(), client->last_http_error());
    if (globals().json) {
      print_json({{"ok", true}, {"token", r->token}, {"claims", r->claims}});
    } else {
      std::cout << r->token << "\n";
      const auto* cpu0 = r->claims.contains("submods") && r->claims["submods"].contains("cpu0")
                             ? &r->claims["submods"]["cpu0"]
                             : nullptr;
      if (cpu0 && cpu0->contains("ear.status"))
        progress("ear.status: " + (*cpu0)["ear.status"].get<std::string>());
    }
    return kExitOk;
  });
}

void add_get_resource(CLI::App& group) {
  auto a = std::make_shared<ClientArgs>();
  auto path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto token = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "get-resource",
      "Attest, fetch a resource (repo/type/tag), decrypt its JWE; prints it base64-encoded "
      "(as kbs-client does) or writes the raw bytes to --output");
  add_client_options(cmd, *a);
  cmd->add_option("--path", *path, "Resource path repo/type/tag, e.g. default/kbsres1/key1")->required();
  cmd->add_option("--output,-o", *out, "Write the secret's raw bytes to this file");
  cmd->add_option("--token", *token,
                  "File holding an attestation token to present as a bearer (passport mode)");
  on_run(cmd, [a, path, out, token]() {
    auto client = make_client(*a);
    progress("fetching " + *path + " from " + a->url + " as " + a->attester);
    auto r = token->empty() ? client->get_resource(*path)
                            : client->get_resource_with_token(*path, to_string(read_input(*token)));
    if (!r) return report_failure(r.error(), client->last_http_error());
    if (!out->empty()) {
      need(write_file(*out, *r), *out);
    }
    if (globals().json) {
      print_json({{"ok", true},
                  {"path", *path},
                  {"bytes", r->size()},
                  {"base64", base64_encode(*r)},
                  {"attestations", client->attestations()}});
    } else if (out->empty()) {
      std::cout << base64_encode(*r) << "\n";
    }
    return kExitOk;
  });
}

// ---- admin ------------------------------------------------------------------------------------

struct AdminArgs {
  std::string url;
  std::string ca_cert;
  std::string admin_key;
  std::string role = "admin";
  std::string issuer;
  std::string audience;
};

void add_admin(CLI::App& group) {
  auto a = std::make_shared<AdminArgs>();
  auto* admin = group.add_subcommand("admin", "Change a KBS's policies, resources and reference values");
  admin->require_subcommand(1);
  admin->add_option("--url", a->url, "KBS base URL")->required();
  admin->add_option("--ca-cert", a->ca_cert, "PEM CA certificate to trust for https");
  admin->add_option(
      "--admin-key", a->admin_key,
      "PEM private key signing the admin JWT (Ed25519, P-256 or RSA); none for InsecureAllowAll");
  admin->add_option("--role", a->role, "JWT `role` claim")->default_val("admin");
  admin->add_option("--issuer", a->issuer, "JWT `iss` claim, when the KBS checks it");
  admin->add_option("--audience", a->audience, "JWT `aud` claim, when the KBS checks it");

  auto client = [a]() {
    std::optional<Key> key;
    if (!a->admin_key.empty())
      key = need(private_key_from_pem(to_string(read_input(a->admin_key))), a->admin_key);
    guest::AdminTokenClaims claims;
    claims.role = a->role;
    if (!a->issuer.empty()) claims.issuer = a->issuer;
    if (!a->audience.empty()) claims.audience = a->audience;
    std::optional<std::string> ca;
    if (!a->ca_cert.empty()) ca = to_string(read_input(a->ca_cert));
    return std::make_shared<guest::KbsAdminClient>(a->url, ca, key, claims);
  };
  auto finish = [](const Status& st, guest::KbsAdminClient& c, const std::string& what) {
    if (!st) return report_failure(st.error(), c.last_http_error());
    if (globals().json) {
      print_json({{"ok", true}, {"done", what}});
    } else {
      progress(what);
    }
    return kExitOk;
  };

  auto policy_file = std::make_shared<std::string>();
  auto policy_id = std::make_shared<std::string>();
  auto* ap = admin->add_subcommand("set-attestation-policy",
                                   "Set an attestation policy (Rego); the id is default_cpu unless told "
                                   "(Trustee evaluates <id>_<class>, so plain `default` is never used)");
  ap->add_option("--policy", *policy_file, "Rego file")->required();
  ap->add_option("--id", *policy_id, "Policy id")->default_val("default_cpu");
  on_run(ap, [client, finish, policy_file, policy_id]() {
    auto c = client();
    return finish(c->set_attestation_policy(to_string(read_input(*policy_file)), *policy_id), *c,
                  "attestation policy " + *policy_id + " set");
  });

  auto rp_file = std::make_shared<std::string>();
  auto* rp =
      admin->add_subcommand("set-resource-policy", "Set the resource policy (Rego, data.policy.allow)");
  rp->add_option("--policy", *rp_file, "Rego file")->required();
  on_run(rp, [client, finish, rp_file]() {
    auto c = client();
    return finish(c->set_resource_policy(to_string(read_input(*rp_file))), *c, "resource policy set");
  });

  auto res_path = std::make_shared<std::string>();
  auto res_file = std::make_shared<std::string>();
  auto* sr = admin->add_subcommand("set-resource", "Store a resource (secret) at repo/type/tag");
  sr->add_option("--path", *res_path, "repo/type/tag")->required();
  sr->add_option("--resource-file", *res_file, "File with the resource's bytes")->required();
  on_run(sr, [client, finish, res_path, res_file]() {
    auto c = client();
    return finish(c->set_resource(*res_path, read_input(*res_file)), *c, "resource " + *res_path + " set");
  });

  auto rv_name = std::make_shared<std::string>();
  auto rv_value = std::make_shared<std::string>();
  auto* rv = admin->add_subcommand("set-reference-value",
                                   "Register a reference value with the RVPS (sample message format)");
  rv->add_option("--name", *rv_name, "Reference value id, e.g. snp_launch_measurement")->required();
  rv->add_option("--value", *rv_value, "JSON value, usually a list: '[\"abc...\"]'")->required();
  on_run(rv, [client, finish, rv_name, rv_value]() {
    auto value = nlohmann::json::parse(*rv_value, nullptr, false);
    if (value.is_discarded()) throw InputError("--value: not JSON (quote strings: '[\"abc\"]')");
    auto c = client();
    return finish(c->set_reference_value(*rv_name, value), *c, "reference value " + *rv_name + " set");
  });
}

}  // namespace

void add_kbs_commands(CLI::App& app) {
  auto* kbs = app.add_subcommand("kbs", "Trustee-compatible Key Broker Service and its RCAR clients");
  kbs->require_subcommand(1);
  add_serve(*kbs);
  add_attest(*kbs);
  add_get_resource(*kbs);
  add_admin(*kbs);
}

}  // namespace coco::cli
