#include "trustee/errors.h"

#include <nlohmann/json.hpp>

namespace coco::trustee {

std::string_view variant_name(KbsErrorKind kind) {
  switch (kind) {
    case KbsErrorKind::AdminAuthInitialization:
      return "AdminAuthInitialization";
    case KbsErrorKind::AdminAuthAccess:
      return "AdminAuthAccess";
    case KbsErrorKind::AttestationError:
      return "AttestationError";
    case KbsErrorKind::InvalidRequestPath:
      return "InvalidRequestPath";
    case KbsErrorKind::JweError:
      return "JweError";
    case KbsErrorKind::PluginNotFound:
      return "PluginNotFound";
    case KbsErrorKind::PluginInternalError:
      return "PluginInternalError";
    case KbsErrorKind::PolicyDeny:
      return "PolicyDeny";
    case KbsErrorKind::ParsePolicyError:
      return "ParsePolicyError";
    case KbsErrorKind::PolicyEngineError:
      return "PolicyEngineError";
    case KbsErrorKind::RvpsError:
      return "RvpsError";
    case KbsErrorKind::SerdeError:
      return "SerdeError";
    case KbsErrorKind::TokenNotFound:
      return "TokenNotFound";
    case KbsErrorKind::TokenVerifierError:
      return "TokenVerifierError";
  }
  return "Unknown";
}

int http_status(const KbsError& error, StatusMapping mapping) {
  switch (error.kind) {
    case KbsErrorKind::InvalidRequestPath:
    case KbsErrorKind::PluginNotFound:
      return 404;
    case KbsErrorKind::PolicyDeny:
      return mapping == StatusMapping::issue_1419 ? 403 : 401;
    case KbsErrorKind::PluginInternalError:
      if (mapping == StatusMapping::issue_1419) {
        if (error.plugin_failure == PluginFailure::not_found) return 404;
        if (error.plugin_failure == PluginFailure::bad_request) return 400;
      }
      return 401;
    default:
      return 401;
  }
}

HttpResponse error_response(const KbsError& error, StatusMapping mapping) {
  nlohmann::ordered_json body;
  body["type"] =
      "https://github.com/confidential-containers/kbs/errors/" + std::string(variant_name(error.kind));
  body["detail"] = error.detail;
  // actix's HttpResponse::body() without content_type sends no Content-Type header.
  HttpResponse res;
  res.status = http_status(error, mapping);
  res.body = body.dump();
  return res;
}

namespace {
KbsError make(KbsErrorKind kind, std::string detail, std::string cause = {}) {
  return KbsError{kind, std::move(detail), std::move(cause), PluginFailure::internal};
}
}  // namespace

KbsError attestation_error(std::string_view what, std::string cause) {
  return make(KbsErrorKind::AttestationError, "Attestation error: " + std::string(what), std::move(cause));
}
KbsError auth_failed(std::string_view inner, std::string cause) {
  return attestation_error("RCAR handshake Auth failed: " + std::string(inner), std::move(cause));
}
KbsError attest_failed(std::string cause) {
  return attestation_error("RCAR handshake Attest failed", std::move(cause));
}
KbsError invalid_request_path(std::string_view path) {
  return make(KbsErrorKind::InvalidRequestPath, "Request path " + std::string(path) + " is invalid");
}
KbsError plugin_not_found(std::string_view plugin) {
  return make(KbsErrorKind::PluginNotFound, "Plugin " + std::string(plugin) + " not found");
}
KbsError plugin_internal(std::string cause, PluginFailure failure) {
  KbsError e = make(KbsErrorKind::PluginInternalError, "Plugin internal error", std::move(cause));
  e.plugin_failure = failure;
  return e;
}
KbsError policy_deny() {
  return make(KbsErrorKind::PolicyDeny, "Access denied by policy");
}
KbsError token_not_found(std::string cause) {
  return make(KbsErrorKind::TokenNotFound, "Attestation Token not found", std::move(cause));
}
KbsError token_verifier_error(std::string cause) {
  return make(KbsErrorKind::TokenVerifierError, "Token Verifier error", std::move(cause));
}
KbsError jwe_error(std::string cause) {
  return make(KbsErrorKind::JweError, "JWE failed", std::move(cause));
}
KbsError admin_access(std::string_view endpoint, std::string_view reason) {
  return make(KbsErrorKind::AdminAuthAccess,
              "admin access denied for endpoint " + std::string(endpoint) + ": " + std::string(reason));
}
KbsError admin_auth_initialization(std::string_view reason) {
  return make(KbsErrorKind::AdminAuthInitialization,
              "failed to initialize [admin] configuration: " + std::string(reason));
}
KbsError parse_policy_error(std::string_view reason) {
  return make(KbsErrorKind::ParsePolicyError, "Failed to parse policy: " + std::string(reason));
}
KbsError policy_engine_error(std::string_view reason) {
  return make(KbsErrorKind::PolicyEngineError, "Policy engine error: " + std::string(reason));
}
KbsError rvps_error(std::string_view message) {
  return make(KbsErrorKind::RvpsError, "RVPS configuration failed: " + std::string(message));
}
KbsError serde_error(std::string cause) {
  return make(KbsErrorKind::SerdeError, "Serialize/Deserialize failed", std::move(cause));
}

HttpResponse payload_too_large_response() {
  return HttpResponse::text(413, "A payload reached size limit.");
}

}  // namespace coco::trustee
