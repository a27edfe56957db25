// The Trustee-compatible Key Broker Service: the RCAR handshake (/auth, /attest), resources behind the
// resource policy and a JWE to the TEE key, the admin API, /healthz and /metrics, all routed as Trustee's
// api_server.rs routes them, with Trustee's error bodies and status codes (errors.h).
//
// handle() is the whole API without a transport, for tests, fuzzing and benchmarks; start() serves it over
// HTTP or HTTPS on Boost.Beast with a worker per core (http_server.worker_count), loopback and port 0 by
// default, Trustee's payload limit (payload_request_size MiB, answered with actix's 413), clean stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/http.h"
#include "core/result.h"
#include "core/x509.h"
#include "trustee/admin.h"
#include "trustee/attestation_service.h"
#include "trustee/config.h"
#include "trustee/errors.h"
#include "trustee/metrics.h"
#include "trustee/resource_policy.h"
#include "trustee/resource_store.h"
#include "trustee/rvps.h"
#include "trustee/session.h"
#include "trustee/token_verifier.h"
#include "trustee/verifier.h"

namespace coco::trustee {

// Deliberate defects, for showing that the conformance suites catch a broken stack. Never set in a
// real deployment; `kbs serve` has no flag for them.
struct KbsFaults {
  bool bypass_resource_policy = false;  // release every resource as if the policy were allow_all
};

struct KbsOptions {
  KbsConfig config;
  StatusMapping status_mapping = StatusMapping::trustee;
  SnpVerifierOptions snp;               // roots (simulated AMD for the embedded stack), KDS fetcher
  TdxVerifierOptions tdx;               // roots (simulated Intel for the embedded stack), PCS fetcher
  std::function<std::int64_t()> clock;  // unix seconds; default: the system clock
  // Overrides of what the config names by file path, for an in-process stack:
  std::optional<std::string> bind_address;  // default: the host of http_server.sockets[0]
  std::optional<std::uint16_t> port;        // default: the port of http_server.sockets[0]; 0 = any free
  std::optional<TlsServerConfig> tls;       // default: http_server.private_key/certificate files
  std::optional<Key> token_signer;          // default: attestation_token_broker.signer, else ephemeral
  std::vector<Cert> token_signer_chain;
  std::vector<Cert> trusted_token_certs;  // in addition to attestation_token.trusted_certs_paths
  std::string version = "0.4.0";
  // Called for every error answer with the hidden cause (Trustee logs it; clients only see the detail).
  std::function<void(const HttpRequest&, const KbsError&)> on_error;
  KbsFaults faults;
};

class Kbs {
 public:
  // Builds every part from the config. Policies found on disk win over the built-in defaults, as in
  // Trustee: <attestation_token_broker.policy_dir>/<id>.rego (e.g. default_cpu.rego, as the operator
  // mounts the attestation-policy ConfigMap) and [policy_engine] policy_path (the resource policy).
  // Errors: trustee.config_invalid, trustee.token_config_invalid,
  // trustee.admin_config_invalid, trustee.signer_invalid, trustee.storage_failed, io.read_failed, rego.* (a
  // policy file that does not compile; the message names the file).
  static Result<std::unique_ptr<Kbs>> create(KbsOptions options);
  ~Kbs();

  HttpResponse handle(const HttpRequest& request);

  Status start();  // http.bind_failed, http.tls_config
  void stop();
  std::string url() const;  // "https://127.0.0.1:PORT/"-less origin, valid after start()
  std::uint16_t port() const;

  AttestationService& attestation_service() { return *as_; }
  Rvps& rvps() { return as_->rvps(); }
  ResourceStore* resources() { return resources_.get(); }  // null when no resource plugin is configured
  ResourcePolicy& resource_policy() { return resource_policy_; }
  SessionStore& sessions() { return sessions_; }
  Metrics& metrics() { return metrics_; }
  const KbsOptions& options() const { return opts_; }

 private:
  explicit Kbs(KbsOptions options);
  Status load_policy_files();
  HttpResponse route(const HttpRequest& request);
  HttpResponse error(const KbsError& e) const;
  HttpResponse auth(const HttpRequest& request);
  HttpResponse attest(const HttpRequest& request);
  HttpResponse set_attestation_policy(const HttpRequest& request);
  HttpResponse set_resource_policy(const HttpRequest& request);
  HttpResponse reference_value(const HttpRequest& request, const std::string& id);
  HttpResponse resource(const HttpRequest& request, const std::vector<std::string>& path,
                        const nlohmann::json& query);
  std::optional<KbsError> admin_check(const HttpRequest& request, std::string_view endpoint) const;
  std::int64_t now() const { return opts_.clock(); }

  KbsOptions opts_;
  std::unique_ptr<AttestationService> as_;
  std::optional<TokenVerifier> token_verifier_;
  std::optional<AdminAuth> admin_;
  std::unique_ptr<ResourceStore> resources_;
  ResourcePolicy resource_policy_;
  SessionStore sessions_;
  std::atomic<std::int64_t> last_sweep_{0};
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace coco::trustee
