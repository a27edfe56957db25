#include "trustee/admin.h"

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "jose/jose.h"

namespace coco::trustee {

Result<AdminAuth> AdminAuth::create(const AdminConfig& config) {
  AdminAuth a;
  a.config_ = config;
  for (const auto& idp : config.identity_providers) {
    Provider p{idp, {}};
    if (idp.public_key_uri) {
      std::string path = *idp.public_key_uri;
      if (path.rfind("file://", 0) == 0) path = path.substr(7);
      auto pem = read_file(path);
      if (!pem) return make_error("trustee.admin_config_invalid", "cannot read admin public key " + path);
      auto key = public_key_from_pem(to_string(*pem));
      if (!key) return make_error("trustee.admin_config_invalid", path + " is not a PEM public key");
      p.keys.push_back(*key);
    }
    if (idp.jwk_set_uri) {
      std::string path = *idp.jwk_set_uri;
      if (path.rfind("file://", 0) == 0) path = path.substr(7);
      auto text = read_file(path);
      if (!text) {
        return make_error("trustee.admin_config_invalid",
                          "cannot read JWK set " + path + " (coco-harness reads JWK sets from files only)");
      }
      auto j = parse_json_limited(to_string(*text));
      if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
        return make_error("trustee.admin_config_invalid", path + " is not a JWK set");
      }
      for (const auto& k : j["keys"]) {
        auto key = jose::key_from_jwk(k);
        if (key) p.keys.push_back(*key);
      }
    }
    a.providers_.push_back(std::move(p));
  }
  for (const auto& rule : config.acls) {
    auto re = std::make_shared<const re2::RE2>(rule.allowed_endpoints, re2::RE2::Quiet);
    if (!re->ok()) {
      return make_error("trustee.admin_config_invalid",
                        "ACL regex for role " + rule.role + " does not compile: " + re->error());
    }
    a.acls_.push_back({rule.role, std::move(re)});
  }
  return a;
}

namespace {

bool audience_matches(const nlohmann::json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (aud.is_array()) {
    for (const auto& a : aud) {
      if (a.is_string() && a.get<std::string>() == want) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> AdminAuth::check(const HttpRequest& request, std::int64_t now) const {
  switch (config_.mode) {
    case AdminMode::insecure_allow_all:
      return std::nullopt;
    case AdminMode::deny_all:
      return "Admin access denied as DenyAll authorization_mode is enabled";
    case AdminMode::authenticated:
      break;
  }
  auto header = request.headers.get("Authorization");
  if (!header || header->rfind("Bearer ", 0) != 0 || header->size() <= 7) {
    return "Failed to parse HTTP Auth Bearer header";
  }
  auto jws = jose::jws_parse(std::string_view(*header).substr(7));
  if (!jws) return "Failed to parse HTTP Auth Bearer header";
  auto claims = parse_json_limited(jws->payload);
  bool verified = false;
  for (const auto& p : providers_) {
    jose::JwtValidation v;
    v.now = now;
    v.issuer = p.config.issuer;
    if (!claims.is_object()) break;
    if (p.config.audience &&
        !(claims.contains("aud") && audience_matches(claims["aud"], *p.config.audience))) {
      continue;
    }
    for (const Key& k : p.keys) {
      if (jose::jws_verify(*jws, k) && jose::jwt_validate(claims, v)) {
        verified = true;
        break;
      }
    }
    if (verified) break;
  }
  if (!verified) return "Cannot verify token with any of the issuers";
  if (!claims.contains("role") || !claims["role"].is_string()) {
    if (!config_.require_role) return std::nullopt;
    return "Missing required `role` claim in JWT";
  }
  if (acls_.empty() && !config_.require_role) return std::nullopt;
  const std::string role = claims["role"].get<std::string>();
  for (const auto& acl : acls_) {
    if (acl.role == role && re2::RE2::FullMatch(request.target, *acl.pattern)) return std::nullopt;
  }
  return "Role " + role + " not allowed for path " + request.target;
}

}  // namespace coco::trustee
