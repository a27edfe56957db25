// CaseContext: guests, raw HTTP, admin, clock and the denial and leak assertions.
#include "conformance/context.h"

#include "conformance/embedded_stack.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "trustee/initdata.h"

namespace coco::conformance {
namespace {

// Keeps the evidence its guest sends, for claim checks.
class RecordingProvider final : public guest::EvidenceProvider {
 public:
  RecordingProvider(std::unique_ptr<guest::EvidenceProvider> inner, std::shared_ptr<nlohmann::json> sink)
      : inner_(std::move(inner)), sink_(std::move(sink)) {}
  std::string tee() const override { return inner_->tee(); }
  Result<nlohmann::json> evidence(ByteView digest) override {
    auto e = inner_->evidence(digest);
    if (e) *sink_ = *e;
    return e;
  }
  std::string additional_evidence() override { return inner_->additional_evidence(); }

 private:
  std::unique_ptr<guest::EvidenceProvider> inner_;
  std::shared_ptr<nlohmann::json> sink_;
};

std::string describe(int status, const std::string& variant, const std::string& detail) {
  return std::to_string(status) + " " + (variant.empty() ? "(no error type)" : variant) + " \"" + detail +
         "\"";
}

}  // namespace

CaseContext::CaseContext(Target& target, Attester& attester, RunState& state)
    : target_(target),
      attester_(attester),
      state_(state),
      http_(HttpClientOptions{target.ca_pem, false, 16 << 20, "coco-harness/0.1"}) {}

void CaseContext::fail(const std::string& reason) {
  throw CaseEnd{reports::Verdict::fail, reason};
}

void CaseContext::skip(const std::string& reason) {
  throw CaseEnd{reports::Verdict::skip, reason};
}

Bytes CaseContext::init_data_digest(const std::string& toml) {
  auto parsed = trustee::parse_initdata_toml(toml);
  return parsed ? trustee::initdata_digest(*parsed) : sha256(as_bytes(toml));
}

std::unique_ptr<guest::KbsClient> CaseContext::guest(const GuestOptions& o) {
  if (!attester_.supports(o.defect)) {
    skip(unsupported_defect_reason(attester_, o.defect));
  }
  guest::KbsClientOptions co;
  co.url = target_.url;
  co.ca_pem = target_.ca_pem;
  co.key_type = o.key_type;
  co.tee_key = o.tee_key;
  co.protocol_version = o.protocol_version;
  co.max_attempts = o.max_attempts;
  const std::string init_data = o.init_data.value_or(target_.baseline.initdata_toml);
  GuestEvidence spec;
  spec.defect = o.defect;
  if (!init_data.empty()) {
    co.init_data_toml = init_data;
    spec.init_data_digest = init_data_digest(init_data);
  }
  auto responses = responses_;
  co.on_response = [responses](const HttpResponse& r) { responses->push_back(r); };
  auto provider = need(attester_.provider(spec), "making " + attester_.name() + " evidence");
  if (o.bind_wrong_runtime_data) {
    guest::EvidenceTamper t;
    t.edit_digest = [](Bytes& digest) { digest[0] ^= 0x01; };
    provider = guest::make_tampering_provider(std::move(provider), std::move(t));
  }
  return std::make_unique<guest::KbsClient>(
      std::move(co), std::make_unique<RecordingProvider>(std::move(provider), last_evidence_));
}

HttpResponse CaseContext::http(const std::string& method, const std::string& path, std::string body,
                               HttpHeaders headers) {
  auto r = http_.request(method, target_.url + path, std::move(body), headers);
  if (!r) fail(method + " " + path + ": " + r.error().message + " [" + r.error().code + "]");
  record(*r);
  return *r;
}

guest::KbsAdminClient& CaseContext::admin() {
  if (!target_.admin_key) skip("needs admin access to the KBS: pass --admin-key");
  state_.baseline_dirty = true;
  if (!admin_)
    admin_ = std::make_unique<guest::KbsAdminClient>(target_.url, target_.ca_pem, target_.admin_key);
  return *admin_;
}

void CaseContext::set_attestation_policy(std::string_view rego) {
  auto st = admin().set_attestation_policy(rego);
  if (!st) fail("setting the attestation policy: " + st.error().message);
}

void CaseContext::set_resource_policy(std::string_view rego) {
  auto st = admin().set_resource_policy(rego);
  if (!st) fail("setting the resource policy: " + st.error().message);
}

void CaseContext::set_reference_values(const nlohmann::json& values) {
  for (const auto& [name, value] : values.items()) {
    auto st = admin().set_reference_value(name, value);
    if (!st) fail("registering reference value " + name + ": " + st.error().message);
  }
}

void CaseContext::set_resource(const std::string& path, const Bytes& value) {
  auto st = admin().set_resource(path, value);
  if (!st) fail("setting resource " + path + ": " + st.error().message);
  remember_secret(value);
}

void CaseContext::advance_clock(std::chrono::seconds by) {
  if (!target_.embedded) skip("moves the KBS clock, which only the embedded stack allows");
  target_.embedded->advance_clock(by);
}

void CaseContext::fail_refused(const std::string& what, const Error& error) {
  const std::string log = kbs_failure_log();
  fail(what + " was refused: " + error.message + (log.empty() ? "" : "; the KBS logged: " + log));
}

std::string CaseContext::kbs_failure_log() const {
  if (!target_.embedded) return "";
  std::string out;
  for (const auto& c : target_.embedded->failure_causes()) out += (out.empty() ? "" : " | ") + c;
  return out;
}

void CaseContext::expect_denial(const std::optional<guest::KbsHttpError>& got, const ExpectedDenial& want,
                                const std::string& step) {
  const int status = trustee::http_status(want.error, target_.status_mapping);
  const std::string variant(trustee::variant_name(want.error.kind));
  const std::string expected = describe(status, variant, want.error.detail);
  if (!got) fail(step + ": expected " + expected + ", but the KBS granted it");
  const std::string actual = describe(got->status, got->variant(), got->detail);
  if (got->status != status || got->variant() != variant || got->detail != want.error.detail) {
    fail(step + ": expected " + expected + ", got " + actual);
  }
  if (!want.cause_contains.empty() && target_.embedded) {
    const std::string causes = kbs_failure_log();
    if (causes.find(want.cause_contains) == std::string::npos) {
      fail(step + ": denied as expected but for another reason: the KBS logged \"" + causes +
           "\", expected a cause containing \"" + want.cause_contains + "\"");
    }
  }
  expect_no_secret_leak();
}

void CaseContext::expect_denial(const HttpResponse& got, const ExpectedDenial& want,
                                const std::string& step) {
  if (got.status >= 200 && got.status < 300) {
    expect_denial(std::optional<guest::KbsHttpError>(), want, step);
  }
  expect_denial(std::optional<guest::KbsHttpError>(guest::parse_kbs_error(got.status, got.body)), want, step);
}

void CaseContext::expect_no_secret_leak() {
  for (const HttpResponse& r : *responses_) {
    if (r.body.find("\"ciphertext\"") != std::string::npos) {
      fail("a response carried a JWE (status " + std::to_string(r.status) + "): a resource was released");
    }
    for (const std::string& secret : state_.secrets) {
      if (secret.size() < 4) continue;  // too short to tell from chance
      const ByteView b = as_bytes(secret);
      for (const std::string& form : {secret, base64_encode(b), base64url_encode(b), hex_encode(b)}) {
        if (r.body.find(form) != std::string::npos) {
          fail("a response (status " + std::to_string(r.status) + ") contains a secret's bytes");
        }
      }
    }
  }
}

}  // namespace coco::conformance
