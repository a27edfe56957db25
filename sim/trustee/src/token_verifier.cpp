#include "trustee/token_verifier.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "core/encoding.h"
#include "core/json_text.h"
#include "jose/jose.h"

namespace coco::trustee {
namespace {

struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct CtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

bool chain_verifies(const std::vector<Cert>& chain, const std::vector<Cert>& trusted) {
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const Cert& c : trusted) X509_STORE_add_cert(store.get(), c.get());
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  std::unique_ptr<X509_STORE_CTX, CtxFree> ctx(X509_STORE_CTX_new());
  if (!X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get())) return false;
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

Status verify_header_jwk_trust(const nlohmann::json& jwk, const std::vector<Cert>& trusted) {
  auto key = jose::key_from_jwk(jwk);
  if (!key) return key.error();
  if (!jwk.contains("x5c") || !jwk["x5c"].is_array() || jwk["x5c"].empty()) {
    return make_error("token.x5c_missing", "the token's header jwk carries no x5c certificate chain");
  }
  std::vector<Cert> chain;
  for (const auto& c : jwk["x5c"]) {
    if (!c.is_string()) return make_error("token.x5c_missing", "x5c entries must be base64 DER strings");
    auto der = base64_decode(c.get<std::string>());
    if (!der) return make_error("token.x5c_missing", "x5c entry is not base64");
    auto cert = cert_from_der(*der);
    if (!cert) return cert.error();
    chain.push_back(*cert);
  }
  if (!chain.front().public_key().same_public(*key)) {
    return make_error("token.x5c_key_mismatch", "the header jwk is not the key of its x5c[0] certificate");
  }
  if (!chain_verifies(chain, trusted)) {
    return make_error("token.chain_untrusted", "the x5c chain does not verify to a trusted certificate");
  }
  return ok_status();
}

Result<TokenVerifier> TokenVerifier::create(const AttestationTokenConfig& config,
                                            std::vector<Cert> extra_trusted) {
  TokenVerifier v;
  v.config_ = config;
  v.trusted_ = std::move(extra_trusted);
  for (const auto& path : config.trusted_certs_paths) {
    auto pem = read_file(path);
    if (!pem) {
      return make_error("trustee.token_config_invalid",
                        "cannot read trusted certificate " + path + ": " + pem.error().message);
    }
    auto certs = certs_from_pem(to_string(*pem));
    if (!certs) return make_error("trustee.token_config_invalid", path + ": " + certs.error().message);
    v.trusted_.insert(v.trusted_.end(), certs->begin(), certs->end());
  }
  for (std::string path : config.trusted_jwk_sets) {
    if (path.rfind("file://", 0) == 0) path = path.substr(7);
    if (path.rfind("https://", 0) == 0 || path.rfind("http://", 0) == 0) {
      return make_error("trustee.token_config_invalid",
                        "remote JWK sets are not supported by coco-harness; download " + path + " to a file");
    }
    auto text = read_file(path);
    if (!text) return make_error("trustee.token_config_invalid", "cannot read JWK set " + path);
    auto j = parse_json_limited(to_string(*text));
    if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
      return make_error("trustee.token_config_invalid", path + " is not a JWK set ({\"keys\": [...]})");
    }
    for (const auto& k : j["keys"]) v.jwks_.push_back(k);
  }
  if (v.trusted_.empty() && v.jwks_.empty() && !config.insecure_header_jwk) {
    return make_error(
        "trustee.token_config_invalid",
        "no trust material for attestation tokens: set [attestation_token] trusted_certs_paths or "
        "trusted_jwk_sets, or insecure_header_jwk = true");
  }
  return v;
}

Result<nlohmann::json> TokenVerifier::verify(std::string_view token, std::int64_t now) const {
  auto jws = jose::jws_parse(token);
  if (!jws) return jws.error();
  std::optional<Key> key;
  const auto& header = jws->header;
  if (header.contains("jwk")) {
    if (!config_.insecure_header_jwk) {
      if (trusted_.empty()) {
        return make_error("token.chain_untrusted",
                          "a header jwk needs trusted_certs_paths (or insecure_header_jwk)");
      }
      auto st = verify_header_jwk_trust(header["jwk"], trusted_);
      if (!st) return st.error();
    }
    auto k = jose::key_from_jwk(header["jwk"]);
    if (!k) return k.error();
    key = *k;
  } else if (header.contains("kid") && header["kid"].is_string()) {
    for (const auto& jwk : jwks_) {
      if (jwk.value("kid", "") == header["kid"].get<std::string>()) {
        auto k = jose::key_from_jwk(jwk);
        if (!k) return k.error();
        key = *k;
        break;
      }
    }
    if (!key)
      return make_error("token.key_unknown", "no trusted JWK has kid " + header["kid"].get<std::string>());
  } else {
    // Trustee's last resort: each trusted certificate's key in turn.
    for (const Cert& c : trusted_) {
      if (jose::jws_verify(*jws, c.public_key())) {
        key = c.public_key();
        break;
      }
    }
    if (!key) return make_error("token.key_unknown", "the token names no key (jwk, kid) that is trusted");
  }
  auto st = jose::jws_verify(*jws, *key);
  if (!st) return st.error();
  auto claims = parse_json_limited(jws->payload);
  if (!claims.is_object()) return make_error("jose.jws_malformed", "the token payload is not a JSON object");
  jose::JwtValidation validation;
  validation.now = now;
  auto valid = jose::jwt_validate(claims, validation);
  if (!valid) return valid.error();
  return claims;
}

Result<nlohmann::json> TokenVerifier::extract_tee_public_key(const nlohmann::json& claims) const {
  std::vector<std::string> paths{
      "/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey"};
  paths.insert(paths.end(), config_.extra_teekey_paths.begin(), config_.extra_teekey_paths.end());
  for (const char* p : {"/tdx/attester_runtime_data/tee-pubkey", "/tdx/attester_user_data/tee-pubkey",
                        "/customized_claims/runtime_data/tee-pubkey", "/tee-pubkey"}) {
    paths.emplace_back(p);
  }
  for (const auto& p : paths) {
    try {
      nlohmann::json::json_pointer ptr(p);
      if (claims.contains(ptr) && claims[ptr].is_object()) return claims[ptr];
    } catch (const nlohmann::json::exception&) {
      continue;  // a malformed extra_teekey_paths entry
    }
  }
  return make_error("token.tee_pubkey_missing", "no TEE public key in the token claims");
}

}  // namespace coco::trustee
