// The embedded stack: the chart's files in a work directory, the chart's kbs-config.toml, a fake KDS and
// the KBS on loopback.
#include "conformance/embedded_stack.h"

#include <unistd.h>

#include "conformance/tdx_world.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/x509.h"
#include "jose/jose.h"

namespace coco::conformance {
namespace {

using namespace std::chrono_literals;

// The hub cluster domain of the simulated deployment: init-data names the KBS by its route
// (https://kbs.<hubClusterDomain>), as the pattern does, while the guests here reach it on loopback.
constexpr const char* kHubDomain = "apps.coco-harness.example";

// validatedpatterns/trustee-chart templates/kbs-config-map.yaml (v1.1, pattern.md 1.8), with every
// absolute path under @ROOT@ so the files can live in a work directory.
constexpr const char* kChartKbsConfig = R"([http_server]
sockets = ["0.0.0.0:8080"]
insecure_http = false
private_key = "@ROOT@/etc/https-key/tls.key"
certificate = "@ROOT@/etc/https-cert/tls.crt"

[admin]
type = "Simple"
insecure_api = false

[[admin.personas]]
id = "admin"
public_key_path = "@ROOT@/etc/auth-secret/publicKey"

[attestation_token]
insecure_key = false
attestation_token_type = "CoCo"
trusted_certs_paths = ["@ROOT@/etc/attestation-cert/tls.crt"]

[attestation_service]
type = "coco_as_builtin"
work_dir = "@ROOT@/opt/confidential-containers/attestation-service"
policy_engine = "opa"

[attestation_service.attestation_token_broker]
type = "Ear"
policy_dir = "@ROOT@/opt/confidential-containers/attestation-service/policies"

[attestation_service.attestation_token_broker.signer]
key_path = "@ROOT@/etc/attestation-cert/tls.key"
cert_path = "@ROOT@/etc/attestation-cert/tls.crt"

[attestation_service.attestation_token_config]
duration_min = 5

[attestation_service.rvps_config]
type = "BuiltIn"

[attestation_service.rvps_config.storage]
type = "LocalJson"
file_path = "@ROOT@/opt/confidential-containers/rvps/reference-values/reference-values.json"

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "@ROOT@/opt/confidential-containers/kbs/repository"

[policy_engine]
policy_path = "@ROOT@/opt/confidential-containers/opa/policy.rego"
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

Status write_text(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return make_error("io.write_failed", path.parent_path().string() + ": " + ec.message());
  return write_file(path, as_bytes(text));
}

// A self-signed certificate, as cert-manager's selfSigned issuer makes for the KBS route and as the chart
// makes for the attestation token signer (ECDSA P-256).
Result<Cert> self_signed(const Key& key, const std::string& cn, const std::string& org,
                         const std::string& san) {
  CertSpec spec;
  spec.subject = {{"CN", cn}};
  if (!org.empty()) spec.subject.push_back({"O", org});
  spec.serial = {0x01};
  spec.not_before = std::chrono::system_clock::now() - 24h;
  spec.not_after = std::chrono::system_clock::now() + 8760h;
  spec.subject_key = key;
  spec.extensions = {{"basicConstraints", false, {}, "critical,CA:TRUE"},
                     {"subjectKeyIdentifier", false, {}, "hash"}};
  if (!san.empty()) spec.extensions.push_back({"subjectAltName", false, {}, san});
  return build_cert(spec, key, SigAlg::ecdsa_sha256);
}

}  // namespace

Result<std::unique_ptr<EmbeddedStack>> EmbeddedStack::start(EmbeddedStackOptions options) {
  std::unique_ptr<EmbeddedStack> s(new EmbeddedStack());
  s->opts_ = std::move(options);
  auto say = [&](const std::string& line) {
    if (s->opts_.progress) s->opts_.progress(line);
  };
  if (s->opts_.work_dir.empty()) {
    static std::atomic<int> n{0};
    s->work_dir_ = std::filesystem::temp_directory_path() /
                   ("coco-embedded-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    s->remove_work_dir_ = true;
  } else {
    s->work_dir_ = s->opts_.work_dir;
  }
  std::error_code ec;
  std::filesystem::remove_all(s->work_dir_ / "opt", ec);  // a previous run's repository and policies
  std::filesystem::create_directories(s->work_dir_, ec);
  if (ec) return make_error("io.write_failed", s->work_dir_.string() + ": " + ec.message());

  const Bytes seed = to_bytes(as_bytes(s->opts_.seed));
  s->admin_key_ = jose::ed25519_key_from_seed(seed, "kbs-admin");
  s->amd_ = std::make_shared<snp::AmdAuthority>(s->opts_.seed, s->opts_.key_cache);
  s->rogue_ = std::make_shared<snp::AmdAuthority>(s->opts_.seed + "/rogue", s->opts_.key_cache);
  say("preparing simulated AMD roots of trust (the first run generates RSA-4096 keys; up to a minute)");
  s->roots_ = std::make_unique<snp::TrustedRoots>(snp::simulated_roots(*s->amd_));

  const std::string kbs_url = std::string("https://kbs.") + kHubDomain;
  if (auto st = s->write_chart_files(kbs_url); !st) return st.error();

  auto config = trustee::load_kbs_config(s->work_dir_ / "kbs-config.toml");
  if (!config) return config.error();

  snp::FakeKdsOptions kds_options;
  s->kds_ = std::make_unique<snp::FakeKds>(*s->amd_, kds_options);
  if (auto st = s->kds_->start(); !st) return st.error();

  // Intel's side for TDX guests: a simulated root and a fake PCS serving the collateral that judges the
  // reference platform UpToDate (tdx_world.h).
  s->intel_ = std::make_shared<tdx::IntelAuthority>(s->opts_.seed);
  s->rogue_intel_ = std::make_shared<tdx::IntelAuthority>(s->opts_.seed + "/rogue");
  s->pcs_ = std::make_unique<tdx::FakePcs>(*s->intel_,
                                           tdx_pcs_content(*s->intel_, std::chrono::system_clock::now()));
  if (auto st = s->pcs_->start(); !st) return st.error();

  trustee::KbsOptions o;
  o.config = std::move(*config);
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.snp.roots = s->roots_.get();
  o.snp.fetch_vcek = snp::make_kds_fetcher(s->kds_->url());
  o.snp.ignored_failures = s->opts_.ignored_snp_failures;
  o.tdx.trusted_roots = {s->intel_->root()};
  o.tdx.fetch_collateral = [pcs_url = s->pcs_->url()](std::array<std::uint8_t, 6> fmspc, tdx::PckCa ca) {
    return tdx::PcsClient(pcs_url).fetch(fmspc, ca);
  };
  o.tdx.ignored_failures = s->opts_.ignored_tdx_failures;
  o.faults = s->opts_.faults;
  o.status_mapping = s->opts_.status_mapping;
  EmbeddedStack* self = s.get();
  o.clock = [self] { return unix_now() + self->offset_.load(); };
  o.on_error = [self](const HttpRequest&, const trustee::KbsError& e) {
    std::lock_guard lock(self->causes_mu_);
    if (self->causes_.size() < 256) {
      self->causes_.push_back(std::string(trustee::variant_name(e.kind)) + ": " + e.detail +
                              (e.cause.empty() ? "" : " (" + e.cause + ")"));
    }
  };
  auto kbs = trustee::Kbs::create(std::move(o));
  if (!kbs) return kbs.error();
  s->kbs_ = std::move(*kbs);
  if (auto st = s->kbs_->start(); !st) return st.error();
  say("embedded stack up: KBS " + s->kbs_->url() + ", fake KDS " + s->kds_->url() + ", fake PCS " +
      s->pcs_->url());
  return s;
}

Status EmbeddedStack::write_chart_files(const std::string& kbs_url) {
  const std::filesystem::path& root = work_dir_;
  const Bytes seed = to_bytes(as_bytes(opts_.seed));
  // The KBS route's certificate (Secret kbs-tls-self-signed); guests trust exactly it.
  const Key https_key = ec_key_from_seed(Curve::p256, seed, "kbs-https");
  auto https_cert = self_signed(https_key, kbs_url.substr(8), "",
                                "DNS:" + kbs_url.substr(8) + ",DNS:localhost,IP:127.0.0.1");
  if (!https_cert) return https_cert.error();
  ca_pem_ = https_cert->pem();
  // Secret attestation-cert: ECDSA P-256, CN kbs-trustee-operator-system, O "Red Hat".
  const Key signer_key = ec_key_from_seed(Curve::p256, seed, "attestation-token-signer");
  auto signer_cert = self_signed(signer_key, "kbs-trustee-operator-system", "Red Hat", "");
  if (!signer_cert) return signer_cert.error();

  baseline_ = make_pattern_baseline(kbs_url, ca_pem_, opts_.seed);
  nlohmann::json rv_list = nlohmann::json::array();
  for (const auto& [name, value] : baseline_.reference_values.items()) {
    rv_list.push_back({{"name", name}, {"expiration", "2027-12-12T00:00:00Z"}, {"value", value}});
  }

  const std::vector<std::pair<std::filesystem::path, std::string>> files = {
      {"etc/https-key/tls.key", private_key_to_pem(https_key)},
      {"etc/https-cert/tls.crt", ca_pem_},
      {"etc/auth-secret/publicKey", public_key_to_pem(admin_key_)},
      {"etc/attestation-cert/tls.key", private_key_to_pem(signer_key)},
      {"etc/attestation-cert/tls.crt", signer_cert->pem()},
      {"opt/confidential-containers/rvps/reference-values/reference-values.json", rv_list.dump(2)},
      {"opt/confidential-containers/attestation-service/policies/default_cpu.rego",
       baseline_.attestation_policy},
      {"opt/confidential-containers/opa/policy.rego", baseline_.resource_policy},
      {"kbs-config.toml", replace_all(kChartKbsConfig, "@ROOT@", root.string())},
  };
  for (const auto& [rel, text] : files) {
    if (auto st = write_text(root / rel, text); !st) return st;
  }
  // The chart's LocalFs repository: <dir_path>/<repository>/<type>/<tag>.
  for (const auto& [path, value] : baseline_.resources) {
    if (auto st = write_text(root / "opt/confidential-containers/kbs/repository" / path, to_string(value));
        !st) {
      return st;
    }
  }
  return ok_status();
}

EmbeddedStack::~EmbeddedStack() {
  if (kbs_) kbs_->stop();
  if (kds_) kds_->stop();
  if (pcs_) pcs_->stop();
  if (remove_work_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
  }
}

Target EmbeddedStack::target() {
  Target t;
  t.name = "embedded";
  t.url = url();
  t.ca_pem = ca_pem_;
  t.admin_key = admin_key_;
  t.status_mapping = kbs_->options().status_mapping;
  t.baseline = baseline_;
  t.embedded = this;
  return t;
}

std::string EmbeddedStack::url() const {
  return kbs_->url();
}

std::vector<std::string> EmbeddedStack::failure_causes() const {
  std::lock_guard lock(causes_mu_);
  return causes_;
}

void EmbeddedStack::clear_failure_causes() {
  std::lock_guard lock(causes_mu_);
  causes_.clear();
}

}  // namespace coco::conformance
