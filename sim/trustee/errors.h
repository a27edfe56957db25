// The KBS's error responses as Trustee sends them: a JSON body
// {"type":"https://github.com/confidential-containers/kbs/errors/<Variant>","detail":"<Display>"} with the
// variant names and Display strings of kbs/src/error.rs, and Trustee 0.4's status mapping (404 for
// InvalidRequestPath and PluginNotFound, 401 for everything else, trustee.md 1.9).
//
// The alternative mapping proposed in Trustee issue 1419 (403 for PolicyDeny, 404 for a missing resource,
// 400 for a malformed resource path) is available as StatusMapping::issue_1419 so users can test clients
// against the fix before it lands; it is never the default.
#pragma once

#include <string>
#include <string_view>

#include "core/http.h"

namespace coco::trustee {

enum class KbsErrorKind {
  AdminAuthInitialization,
  AdminAuthAccess,
  AttestationError,
  InvalidRequestPath,
  JweError,
  PluginNotFound,
  PluginInternalError,
  PolicyDeny,
  ParsePolicyError,
  PolicyEngineError,
  RvpsError,
  SerdeError,
  TokenNotFound,
  TokenVerifierError,
};

// Under issue_1419, PluginInternalError carries why (missing resource vs bad path) to pick 404 or 400.
enum class PluginFailure { internal, not_found, bad_request };

struct KbsError {
  KbsErrorKind kind;
  std::string detail;  // the Display text Trustee puts in "detail"
  // What really went wrong, for logs, `--json` output and tests; never sent to the client (Trustee
  // shows only one level of source, and for attestation not even that).
  std::string cause;
  PluginFailure plugin_failure = PluginFailure::internal;
};

enum class StatusMapping { trustee, issue_1419 };

std::string_view variant_name(KbsErrorKind kind);
int http_status(const KbsError& error, StatusMapping mapping);
// The body is serialized as serde_json does it: "type" then "detail", compact.
HttpResponse error_response(const KbsError& error, StatusMapping mapping);

// Constructors with Trustee's exact detail strings.
KbsError attestation_error(std::string_view what, std::string cause = {});  // "Attestation error: <what>"
KbsError auth_failed(std::string_view inner,
                     std::string cause = {});  // "...RCAR handshake Auth failed: <inner>"
KbsError attest_failed(std::string cause);     // "...RCAR handshake Attest failed"
KbsError invalid_request_path(std::string_view path);
KbsError plugin_not_found(std::string_view plugin);
KbsError plugin_internal(std::string cause, PluginFailure failure = PluginFailure::internal);
KbsError policy_deny();
KbsError token_not_found(std::string cause = {});
KbsError token_verifier_error(std::string cause);
KbsError jwe_error(std::string cause);
KbsError admin_access(std::string_view endpoint, std::string_view reason);
KbsError admin_auth_initialization(std::string_view reason);
KbsError parse_policy_error(std::string_view reason);
KbsError policy_engine_error(std::string_view reason);
KbsError rvps_error(std::string_view message);
KbsError serde_error(std::string cause);

// actix-web's answer to a body over the payload limit (413, text/plain): Trustee never sees the request.
HttpResponse payload_too_large_response();

}  // namespace coco::trustee
