// The Attestation Service as KBS's built-in AS runs it (coco_as_builtin, EAR token broker):
//   1. init-data: only format "toml"; its digest under the TOML's own algorithm;
//   2. runtime data: SHA-384 of the JCS form of {"additional-evidence", "nonce", "tee-pubkey"} for the
//      primary evidence, of {"nonce", "tee-pubkey"} for each additional device (trustee.md 1.5);
//   3. each evidence through its TEE's verifier (verifier.h);
//   4. the claims transform (init_data, init_data_claims, report_data, runtime_data_claims, `<tee>`);
//   5. the attestation policy "<policy id>_<tee class>" (default_cpu, default_gpu) on the Rego engine,
//      with query_reference_value answered by the RVPS;
//   6. an ES256 EAR JWT with the signer's public key as `jwk` in the header (and `x5c` when a certificate
//      chain is configured).
// Thread-safe: policies can be replaced while evaluations run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/result.h"
#include "core/x509.h"
#include "rego/engine.h"
#include "trustee/config.h"
#include "trustee/rvps.h"
#include "trustee/tee.h"
#include "trustee/verifier.h"

namespace coco::trustee {

struct InitDataBody {
  std::string format;  // must be "toml"
  std::string body;    // the TOML text, digested byte for byte
};

struct AttestationRequest {
  Tee tee;
  nlohmann::json evidence;          // the primary evidence
  std::string additional_evidence;  // "" or the JSON text of {"<tee>": evidence, ...}
  nlohmann::json tee_pubkey;        // the JWK as received
  std::string nonce;
  std::optional<InitDataBody> init_data;
  std::string policy_id = "default";
};

struct AttestationOutcome {
  std::string token;      // the EAR JWT
  nlohmann::json claims;  // its payload
  std::string status;     // ear.status of cpu0
};

class AttestationService {
 public:
  struct Options {
    TokenBrokerConfig broker;
    std::shared_ptr<Rvps> rvps = std::make_shared<Rvps>();
    VerifierRegistry verifiers;
    std::function<std::int64_t()> clock;  // unix seconds; default: the system clock
    std::optional<Key> signer_key;        // P-256; default: an ephemeral key, as Trustee without [signer]
    std::vector<Cert> signer_chain;       // x5c, leaf first
    std::string version = "0.4.0";        // for ear.verifier-id build
  };

  // Errors: trustee.signer_invalid (not a P-256 key: "Only P-256 attestation token signing keys are
  // supported"), and the compile errors of the default policies (never, unless the engine regresses).
  static Result<std::unique_ptr<AttestationService>> create(Options options);
  // Reads the signer key and certificate chain named by broker.signer from disk.
  static Result<std::unique_ptr<AttestationService>> create_from_config(
      const AttestationServiceConfig& config, Options options);

  // Errors: trustee.initdata_* (init-data), trustee.evidence_invalid, trustee.report_data_mismatch,
  // trustee.init_data_mismatch, snp.*, trustee.verifier_missing, trustee.policy_claims_invalid, rego.*.
  Result<AttestationOutcome> attest(const AttestationRequest& request) const;

  // Stores the policy under its id (e.g. "default_cpu") after compiling it. Errors: rego.*.
  Status set_policy(const std::string& policy_id, const std::string& rego_text);
  std::optional<std::string> policy(const std::string& policy_id) const;
  std::vector<std::string> policy_ids() const;

  Rvps& rvps() const { return *opts_.rvps; }
  const Key& signer_key() const { return signer_; }
  const std::vector<Cert>& signer_chain() const { return opts_.signer_chain; }
  std::int64_t now() const;

 private:
  explicit AttestationService(Options options);
  struct CompiledPolicy {
    std::string text;
    std::shared_ptr<const rego::Policy> policy;
  };
  Result<nlohmann::json> evaluate_submod(const std::string& policy_id, const nlohmann::json& input) const;
  Result<std::shared_ptr<const rego::Policy>> compile(const std::string& policy_id,
                                                      const std::string& text) const;

  Options opts_;
  Key signer_;
  nlohmann::json header_jwk_;
  mutable std::shared_mutex mu_;
  std::map<std::string, CompiledPolicy> policies_;
};

// SHA-384 (SHA-512 for `se`) of the JCS form of `runtime_data`. Errors: jose.jcs_invalid.
Result<Bytes> runtime_data_digest(Tee tee, const nlohmann::json& runtime_data);

}  // namespace coco::trustee
