// What a case body works with: guests (RCAR clients with this run's attester), raw HTTP to the KBS, the
// admin API, the embedded stack's clock, and assertions that end the case with a reason a release
// engineer can act on. Every HTTP response any guest or raw request receives is kept, so a denial case can
// assert that no secret left the KBS in any form (raw, base64, base64url, hex, or as a JWE).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/attester.h"
#include "conformance/case.h"
#include "conformance/target.h"
#include "core/http.h"
#include "guest/rcar_client.h"
#include "trustee/errors.h"

namespace coco::conformance {

// Shared by the cases of one run: secret values known to the run (the baseline's, and any a case released
// or set), so later denial cases can look for them in responses.
struct RunState {
  std::set<std::string> secrets;
  bool baseline_dirty = true;  // an admin case changed the target since the baseline was applied
};

struct GuestOptions {
  guest::TeeKeyType key_type = guest::TeeKeyType::ec_p256;
  Defect defect = Defect::none;
  std::optional<std::string> init_data;  // nullopt: the pattern's init-data; "": send none
  std::string protocol_version = "0.4.0";
  int max_attempts = 1;  // 1: each denial is seen once (guest-components retries; see the protocol suite)
  std::optional<guest::TeeKey> tee_key;
  // The evidence binds a runtime-data digest with one bit flipped (report_data not bound to nonce + key);
  // any attester can do this, the guest chooses report_data.
  bool bind_wrong_runtime_data = false;
};

// The denial a case expects, as Trustee reports it (built with trustee/errors.h's constructors, which
// carry Trustee's exact detail strings), plus an optional fragment of the hidden cause the embedded KBS
// must have logged (so a denial for the wrong reason does not pass).
struct ExpectedDenial {
  trustee::KbsError error;
  std::string cause_contains;
};

class CaseContext {
 public:
  CaseContext(Target& target, Attester& attester, RunState& state);

  Target& target() { return target_; }
  Attester& attester() { return attester_; }
  const PatternBaseline& baseline() const { return target_.baseline; }
  bool embedded() const { return target_.embedded != nullptr; }

  // ---- verdicts ----
  [[noreturn]] void fail(const std::string& reason);
  [[noreturn]] void skip(const std::string& reason);
  void expect(bool ok, const std::string& reason_if_not) {
    if (!ok) fail(reason_if_not);
  }
  template <typename T>
  T need(std::optional<T> v, const std::string& what) {
    if (!v) fail(what + " failed");
    return std::move(*v);
  }
  template <typename T>
  T need(Result<T> r, const std::string& what) {
    if (!r) fail(what + " failed: " + r.error().message + " [" + r.error().code + "]");
    return std::move(r).value();
  }

  // ---- guests ----
  // A guest of this run's attester (skips the case when the attester cannot make the defect).
  std::unique_ptr<guest::KbsClient> guest(const GuestOptions& options = {});
  // The evidence (primary_evidence JSON) the most recent guest last sent.
  const nlohmann::json& last_evidence() const { return *last_evidence_; }
  // The init-data digest the attester binds for `toml` (sha256/384/512 per its `algorithm`).
  Bytes init_data_digest(const std::string& toml);

  // ---- raw HTTP to the KBS (path from "/kbs/v0/...") ----
  HttpResponse http(const std::string& method, const std::string& path, std::string body = {},
                    HttpHeaders headers = {});

  // ---- admin ----
  guest::KbsAdminClient& admin();
  void set_attestation_policy(std::string_view rego);
  void set_resource_policy(std::string_view rego);
  void set_reference_values(const nlohmann::json& values);  // {name: value}
  void set_resource(const std::string& path, const Bytes& value);

  // ---- the embedded stack's clock ----
  void advance_clock(std::chrono::seconds by);

  // ---- denials ----
  // `got` is the client's last_http_error() after a failed call (nullopt: the call succeeded).
  void expect_denial(const std::optional<guest::KbsHttpError>& got, const ExpectedDenial& want,
                     const std::string& step);
  void expect_denial(const HttpResponse& got, const ExpectedDenial& want, const std::string& step);
  // No known secret appears in any response so far, in any encoding, and no response was a JWE.
  void expect_no_secret_leak();
  void remember_secret(const Bytes& value) { state_.secrets.insert(to_string(value)); }
  const std::vector<HttpResponse>& responses() const { return *responses_; }
  // What the embedded KBS logged as failure causes during this case ("" for a real Trustee).
  std::string kbs_failure_log() const;
  // Fails with "<what> was refused: <error>", plus the KBS's logged cause on the embedded stack (the
  // client sees only Trustee's generic detail).
  [[noreturn]] void fail_refused(const std::string& what, const Error& error);

 private:
  void record(const HttpResponse& r) { responses_->push_back(r); }

  Target& target_;
  Attester& attester_;
  RunState& state_;
  std::shared_ptr<std::vector<HttpResponse>> responses_ = std::make_shared<std::vector<HttpResponse>>();
  std::shared_ptr<nlohmann::json> last_evidence_ = std::make_shared<nlohmann::json>();
  std::unique_ptr<guest::KbsAdminClient> admin_;
  HttpClient http_;
};

}  // namespace coco::conformance
