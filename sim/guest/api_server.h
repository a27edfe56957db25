// guest-components' api-server-rest as the peer-pod VM runs it (127.0.0.1:8006, features "all"): the only
// door a workload container has to attestation, so kbs-access's init container, the pattern's exec
// allow-list (curl .../cdh/resource/default/attestation-status/...) and `curl .../aa/token?token_type=kbs`
// all land here. Behind it sit, in process, what would be the attestation agent (AA) and the confidential
// data hub (CDH) with its KBS client (cc_kbc).
//
// Routes, status codes and bodies as api-server-rest's router.rs answers them:
//   GET  /info                          200 application/json {"version","tee","additional_tees"?,"feature"}
//                                       ("additional_tees" omitted when empty); other methods 405
//                                       "Method Not Allowed"
//   GET  /aa/token?token_type=kbs       200 application/octet-stream {"token","tee_keypair"} (the AA's KBS
//                                       token getter: a fresh RCAR handshake with aa.toml's KBS and the
//                                       init-data, tee_keypair the PEM of that handshake's TEE key);
//                                       no token_type 400 "BAD REQUEST"; failure 500 with the error text
//   GET  /aa/evidence?runtime_data=X[&encoding=base64]
//                                       200 octet-stream: the TEE evidence JSON over the raw runtime data
//                                       (encoding=base64: URL-safe, no padding); missing/undecodable 400
//                                       "BAD REQUEST"; provider failure 500
//   GET  /aa/additional-evidence?runtime_data=X   200 octet-stream, the provider's additional evidence
//   ANY  /cdh/resource/<repo>/<type>/<tag>  200 octet-stream: the resource through CDH's KBC (router.rs
//                                       does not check the method on this route); any failure 500 with
//                                       the body "ttrpc request error" (the outermost anyhow context of
//                                       api-server-rest's CDH client; the cause stays in the CDH's log)
//   anything else (other /aa methods or paths, /cdh/<other>, unknown roots)   404 "URL NOT FOUND"
// Bodies of 4xx/5xx carry no Content-Type, as hyper's Body::from(String) gives none.
//
// The CDH keeps one KbsClient (one TEE key, one attested session) for all resource requests and lets it
// re-attest on 401 as guest-components does; requests are serialised through it, so the server is safe
// for concurrent curls from several containers.
//
// Errors: guest.config_invalid (aa.toml/cdh.toml, naming the file and key), guest.resource_uri_invalid,
// guest.kbs_error / guest.http / ... (from the KBS client, rcar_client.h), guest.token_type_unsupported,
// guest.evidence, http.* (start).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/http.h"
#include "core/result.h"
#include "guest/evidence_provider.h"
#include "guest/rcar_client.h"

namespace coco::guest {

inline constexpr std::uint16_t kApiServerPort = 8006;
// The text api-server-rest answers any failed /cdh/resource request with.
inline constexpr std::string_view kCdhResourceFailedBody = "ttrpc request error";

// From the init-data files the peer-pod VM wrote (/run/peerpod/aa.toml and cdh.toml, pattern.md 3.1).
struct GuestConfig {
  std::string kbs_url;                         // cdh.toml [kbc] url: what the CDH fetches resources from
  std::optional<std::string> kbs_cert_pem;     // cdh.toml [kbc] kbs_cert
  std::string kbc_name;                        // cdh.toml [kbc] name ("cc_kbc")
  std::string image_security_policy_uri;       // cdh.toml [image] image_security_policy_uri ("" when absent)
  std::string aa_kbs_url;                      // aa.toml [token_configs.kbs] url ("" when absent)
  std::optional<std::string> aa_kbs_cert_pem;  // aa.toml [token_configs.kbs] cert
};
// keys "aa.toml" (optional: the dummy init-data has an empty one) and "cdh.toml" (required: [kbc] name
// and url). Error guest.config_invalid: "<file>: <key> ..." or "<file> is not valid TOML ...".
Result<GuestConfig> guest_config_from_initdata(const std::map<std::string, std::string>& files);

struct ApiServerOptions {
  GuestConfig config;
  std::function<std::unique_ptr<EvidenceProvider>()> make_provider;  // the VM's TEE (shared VM inside)
  std::optional<std::string> init_data_toml;  // sent in RCAR as init-data (the AA does so when set)
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0: a free port (the real one is 8006)
  // An extra CA for the KBS (tests); the kbs_cert from cdh.toml is the normal trust anchor.
  std::optional<std::string> extra_ca_pem;
  std::string version = "v0.16.0";  // /info "version" (api-server-rest's build version; not pinned)
  std::string feature = "all";      // /info "feature": the peer-pod image starts it with --features all
  int threads = 4;
  int max_attempts = 3;  // the KBS client's 401 retry budget
};

class ApiServer : public FakeService {
 public:
  // Error: guest.config_invalid (no make_provider, no KBS URL), http.bind_failed.
  static Result<std::unique_ptr<ApiServer>> start(ApiServerOptions options);
  ~ApiServer();

  // url(), port(), stop(): FakeService.

  // In-process equivalents of the routes (the HTTP handlers call these):
  // A resource through the CDH's KBC: "kbs:///default/kbsres1/key3" (the host part, if any, is ignored: the
  // KBS is cdh.toml's). Error guest.resource_uri_invalid, or the KBS client's.
  Result<Bytes> get_resource(const std::string& kbs_uri);
  // CDH's UnsealSecret, fetching keys and vault secrets through get_resource.
  Result<Bytes> unseal(std::string_view sealed);
  // The AA's GetToken: {"token","tee_keypair"} as JSON text. Error guest.token_type_unsupported.
  Result<std::string> get_token(std::string_view token_type);
  // The AA's GetEvidence over the raw runtime data.
  Result<std::string> get_evidence(ByteView runtime_data);

  HttpResponse handle(const HttpRequest& request);

  int cdh_attestations() const;  // RCAR /attest requests the CDH's client has sent

 private:
  explicit ApiServer(ApiServerOptions options);
  KbsClientOptions kbs_options(const std::string& url, const std::optional<std::string>& cert) const;

  ApiServerOptions opts_;
  std::unique_ptr<EvidenceProvider> info_provider_;  // for /info's tee and additional evidence
  mutable std::mutex cdh_mu_;
  std::unique_ptr<KbsClient> cdh_client_;
  std::mutex aa_mu_;
};

}  // namespace coco::guest
