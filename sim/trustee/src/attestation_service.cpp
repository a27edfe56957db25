#include "trustee/attestation_service.h"

#include <chrono>
#include <mutex>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"
#include "jose/jose.h"
#include "trustee/default_policies.h"
#include "trustee/ear.h"
#include "trustee/initdata.h"

namespace coco::trustee {
namespace {

// The verifier claims -> policy input transform of Trustee's EAR broker (trustee.md 3.2).
nlohmann::json transform_claims(nlohmann::json claims, Tee tee, const nlohmann::json& runtime_data,
                                const std::optional<InitData>& init_data) {
  nlohmann::json input = nlohmann::json::object();
  if (claims.is_object() && claims.contains("init_data")) {
    input["init_data"] = claims["init_data"];
    input["init_data_claims"] = init_data ? initdata_claims(*init_data) : nlohmann::json(nullptr);
    claims.erase("init_data");
  }
  if (claims.is_object() && claims.contains("report_data")) {
    input["report_data"] = claims["report_data"];
    input["runtime_data_claims"] = runtime_data;
    claims.erase("report_data");
  }
  input[std::string(tee_name(tee))] = std::move(claims);
  return input;
}

}  // namespace

Result<Bytes> runtime_data_digest(Tee tee, const nlohmann::json& runtime_data) {
  auto canonical = jose::jcs_canonicalize(runtime_data);
  if (!canonical) return canonical.error();
  return tee == Tee::se ? sha512(as_bytes(*canonical)) : sha384(as_bytes(*canonical));
}

AttestationService::AttestationService(Options options) : opts_(std::move(options)) {}

Result<std::unique_ptr<AttestationService>> AttestationService::create(Options options) {
  if (!options.clock) options.clock = unix_now;
  if (!options.rvps) options.rvps = std::make_shared<Rvps>();
  std::unique_ptr<AttestationService> as(new AttestationService(std::move(options)));
  as->signer_ = as->opts_.signer_key ? *as->opts_.signer_key : jose::generate_ec_key(Curve::p256);
  if (!as->signer_.is_ec() || as->signer_.curve_name() != "prime256v1") {
    return make_error("trustee.signer_invalid", "Only P-256 attestation token signing keys are supported");
  }
  as->header_jwk_ = jose::public_jwk(as->signer_);
  as->header_jwk_["alg"] = "ES256";
  if (!as->opts_.signer_chain.empty()) {
    nlohmann::json x5c = nlohmann::json::array();
    for (const Cert& c : as->opts_.signer_chain) x5c.push_back(base64_encode(c.der()));
    as->header_jwk_["x5c"] = x5c;
    if (!as->opts_.signer_chain.front().public_key().same_public(as->signer_)) {
      return make_error("trustee.signer_invalid",
                        "the attestation token certificate does not certify the signing key; check "
                        "[attestation_service.attestation_token_broker.signer] key_path and cert_path");
    }
  }
  for (const auto& [id, text] :
       {std::pair{"default_cpu", default_cpu_policy()}, std::pair{"default_gpu", default_gpu_policy()}}) {
    auto st = as->set_policy(id, std::string(text));
    if (!st) return st.error();
  }
  return as;
}

Result<std::unique_ptr<AttestationService>> AttestationService::create_from_config(
    const AttestationServiceConfig& config, Options options) {
  options.broker = config.token_broker;
  if (config.token_broker.signer) {
    auto key_pem = read_file(config.token_broker.signer->key_path);
    if (!key_pem) return key_pem.error();
    auto key = private_key_from_pem(to_string(*key_pem));
    if (!key) return key.error();
    options.signer_key = *key;
    if (config.token_broker.signer->cert_path) {
      auto chain_pem = read_file(*config.token_broker.signer->cert_path);
      if (!chain_pem) return chain_pem.error();
      auto chain = certs_from_pem(to_string(*chain_pem));
      if (!chain) return chain.error();
      options.signer_chain = *chain;
    }
  }
  return create(std::move(options));
}

std::int64_t AttestationService::now() const {
  return opts_.clock();
}

Result<std::shared_ptr<const rego::Policy>> AttestationService::compile(const std::string& policy_id,
                                                                        const std::string& text) const {
  rego::PolicyBuilder builder;
  auto st = builder.add_module(policy_id + ".rego", text, rego::Dialect::v1);
  if (!st) {
    // Trustee's regorus accepts v0-only syntax too; try it before giving up.
    rego::PolicyBuilder v0;
    if (!v0.add_module(policy_id + ".rego", text, rego::Dialect::v0)) return st.error();
    builder = std::move(v0);
  }
  std::shared_ptr<Rvps> rvps = opts_.rvps;
  builder.add_host_function("query_reference_value", 1,
                            [rvps](std::span<const rego::Value> args) -> std::optional<rego::Value> {
                              if (!args[0].is_string()) return rego::Value::null();
                              auto v = rvps->query(args[0].as_string());
                              return v ? rego::Value::from_json(*v) : rego::Value::null();
                            });
  return builder.compile();
}

Status AttestationService::set_policy(const std::string& policy_id, const std::string& rego_text) {
  auto compiled = compile(policy_id, rego_text);
  if (!compiled) return compiled.error();
  std::unique_lock lock(mu_);
  policies_[policy_id] = CompiledPolicy{rego_text, *compiled};
  return ok_status();
}

std::optional<std::string> AttestationService::policy(const std::string& policy_id) const {
  std::shared_lock lock(mu_);
  auto it = policies_.find(policy_id);
  if (it == policies_.end()) return std::nullopt;
  return it->second.text;
}

std::vector<std::string> AttestationService::policy_ids() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [id, p] : policies_) ids.push_back(id);
  return ids;
}

Result<nlohmann::json> AttestationService::evaluate_submod(const std::string& policy_id,
                                                           const nlohmann::json& input) const {
  std::shared_ptr<const rego::Policy> policy;
  {
    std::shared_lock lock(mu_);
    auto it = policies_.find(policy_id);
    if (it == policies_.end()) {
      return make_error("trustee.policy_missing", "attestation policy `" + policy_id + "` is not set");
    }
    policy = it->second.policy;
  }
  rego::Value in = rego::Value::from_json(input);
  auto claims = policy->eval("data.policy.trust_claims", in);
  if (!claims) return claims.error();
  auto vector = trust_vector_from_policy(*claims);
  if (!vector) return vector.error();
  auto ext_value = policy->eval("data.policy.extensions", in);
  if (!ext_value) return ext_value.error();
  auto extensions = extensions_from_policy(*ext_value);
  if (!extensions) return extensions.error();

  nlohmann::json submod = nlohmann::json::object();
  submod["ear.status"] = ear_status(*vector);
  submod["ear.trustworthiness-vector"] = vector->to_json();
  submod["ear.appraisal-policy-id"] = policy_id.substr(0, policy_id.rfind('_'));
  submod["ear.veraison.annotated-evidence"] = input;
  for (const auto& e : *extensions) submod[e.name] = e.value;
  return submod;
}

Result<AttestationOutcome> AttestationService::attest(const AttestationRequest& req) const {
  // 1. Init-data.
  std::optional<InitData> init_data;
  std::optional<Bytes> init_digest;
  if (req.init_data) {
    if (req.init_data->format != "toml") {
      return make_error("trustee.initdata_format_unsupported", "Unsupported initdata format");
    }
    auto parsed = parse_initdata_toml(req.init_data->body);
    if (!parsed) return parsed.error();
    init_digest = initdata_digest(*parsed);
    init_data = std::move(*parsed);
  }

  // 2. Runtime data.
  nlohmann::json runtime_data = {{"tee-pubkey", req.tee_pubkey}, {"nonce", req.nonce}};
  nlohmann::json device_runtime_data = runtime_data;
  runtime_data["additional-evidence"] = req.additional_evidence;
  auto digest = runtime_data_digest(req.tee, runtime_data);
  if (!digest) return digest.error();
  nlohmann::json runtime_claims = runtime_data;
  if (!opts_.broker.verbose_token) runtime_claims.erase("additional-evidence");

  // 3-5. Primary evidence, then each additional device.
  struct Item {
    Tee tee;
    const nlohmann::json* evidence;
  };
  nlohmann::json additional;
  std::vector<Item> items{{req.tee, &req.evidence}};
  if (!req.additional_evidence.empty()) {
    additional = parse_json_limited(req.additional_evidence);
    if (!additional.is_object()) {
      return make_error("trustee.evidence_invalid",
                        "additional evidence is not a JSON object of TEE evidence");
    }
    for (const auto& [name, ev] : additional.items()) {
      auto tee = parse_tee(name);
      if (!tee)
        return make_error("trustee.evidence_invalid", "additional evidence for unknown TEE `" + name + "`");
      items.push_back({*tee, &ev});
    }
  }

  nlohmann::json submods = nlohmann::json::object();
  std::map<std::string, int> class_index;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool primary = i == 0;
    const Verifier* verifier = opts_.verifiers.find(items[i].tee);
    if (!verifier) {
      return make_error(
          "trustee.verifier_missing",
          "no verifier for TEE `" + std::string(tee_name(items[i].tee)) + "` in this Attestation Service");
    }
    Bytes expected;
    if (primary) {
      expected = *digest;
    } else {
      auto d = runtime_data_digest(items[i].tee, device_runtime_data);
      if (!d) return d.error();
      expected = *d;
    }
    auto claims =
        verifier->evaluate(VerifyRequest{*items[i].evidence, expected, primary ? init_digest : std::nullopt});
    if (!claims) return claims.error();
    nlohmann::json input =
        transform_claims(std::move(*claims), items[i].tee, primary ? runtime_claims : device_runtime_data,
                         primary ? init_data : std::nullopt);
    std::string cls(tee_class(items[i].tee));
    auto submod = evaluate_submod(req.policy_id + "_" + cls, input);
    if (!submod) return submod.error();
    submods[cls + std::to_string(class_index[cls]++)] = std::move(*submod);
  }

  // 6. The EAR JWT.
  const std::int64_t iat = now();
  nlohmann::json payload = {
      {"eat_profile", opts_.broker.profile_name},
      {"iat", iat},
      {"ear.verifier-id",
       {{"developer", opts_.broker.developer_name},
        {"build", opts_.broker.build_name.empty() ? "attestation-service " + opts_.version
                                                  : opts_.broker.build_name}}},
      {"submods", submods},
      {"exp", iat + static_cast<std::int64_t>(opts_.broker.duration_min) * 60},
      {"iss", opts_.broker.issuer_name},
  };
  nlohmann::json header = {{"typ", "JWT"}, {"alg", "ES256"}, {"jwk", header_jwk_}};
  auto token = jose::jws_sign(header, payload.dump(), signer_);
  if (!token) return token.error();
  AttestationOutcome out;
  out.token = std::move(*token);
  out.status = submods.contains("cpu0") ? submods["cpu0"]["ear.status"].get<std::string>() : "none";
  out.claims = std::move(payload);
  return out;
}

}  // namespace coco::trustee
