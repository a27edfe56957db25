// Fuzz target: the body of POST /kbs/v0/attest (the RCAR Attestation), sent to Kbs::handle() on one KBS
// built once (fuzz/kbs_fuzz_common.h: InsecureAllowAll admin, insecure_header_jwk, the resource plugin in
// memory, a fixed clock, AMD's real roots for SNP). For every input a fresh session is opened with a valid
// sample-TEE /auth Request, then the input is posted as the /attest body with that session's cookie.
//
// The nonce and the runtime-data digest are random per session, so a fuzzer could never guess them; the
// harness therefore substitutes two placeholders before sending:
//   @NONCE@  -> the session's nonce;
//   @DIGEST@ -> base64(SHA-384(JCS({"tee-pubkey", "nonce", "additional-evidence"}))) computed from the
//               (nonce-substituted) body's runtime-data.tee-pubkey and tee-evidence.additional_evidence,
//               i.e. the report_data a sample TEE would put in its evidence.
// With them the sample TEE's success path (verifier, default_cpu policy, EAR signing) is reachable.
//
// The answer must be one of:
//   200 with exactly {"token": <JWT>} and the session cookie, where the JWT is ES256, verifies with the
//       KBS's token signer and carries submods.cpu0; and only when the body is independently a valid
//       sample attestation: nested less than 128 levels deep (serde_json's limit), runtime-data.nonce is
//       the session nonce, runtime-data.tee-pubkey is a kbs-types TeePubKey, and primary_evidence is
//       {svn: string, report_data: base64 of the digest};
//   401 with Trustee's error body {"type": ".../errors/AttestationError",
//       "detail": "Attestation error: RCAR handshake Attest failed"}, but never for a valid body without
//       init-data and additional evidence.
// Anything else (including an exception out of handle()) is __builtin_trap().
//
// COCO_FUZZ_VERBOSE=1 prints every request and answer (for replaying reproducers).
// Seeds: fuzz/run.sh kbs_attest writes a valid sample attestation with the placeholders, and variants.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/hash.h"
#include "jose/jose.h"
#include "kbs_fuzz_common.h"

namespace {

using namespace coco;
using namespace coco::trustee;
using namespace coco::trustee::fuzz;

// The harness's own checks copy and canonicalize the body recursively, so it leaves bodies deeper than
// kMaxHarnessDepth to the KBS alone: no placeholder substitution (such a body is invalid anyway, being
// nested beyond serde_json's limit).
constexpr int kMaxHarnessDepth = 256;

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// base64(SHA-384(JCS(runtime data))) for this body and nonce; nullopt when the body lacks the parts.
std::optional<std::string> expected_report_data(const nlohmann::json& body, const std::string& nonce) {
  if (!body.is_object() || !body.contains("runtime-data") || !body["runtime-data"].is_object() ||
      !body["runtime-data"].contains("tee-pubkey")) {
    return std::nullopt;
  }
  std::string additional;
  if (body.contains("tee-evidence") && body["tee-evidence"].is_object() &&
      body["tee-evidence"].contains("additional_evidence") &&
      body["tee-evidence"]["additional_evidence"].is_string()) {
    additional = body["tee-evidence"]["additional_evidence"].get<std::string>();
  }
  nlohmann::json rd = {{"tee-pubkey", body["runtime-data"]["tee-pubkey"]},
                       {"nonce", nonce},
                       {"additional-evidence", additional}};
  auto canonical = jose::jcs_canonicalize(rd);
  if (!canonical) return std::nullopt;
  return base64_encode(sha384(as_bytes(*canonical)));
}

bool tee_pubkey_ok(const nlohmann::json& k) {
  auto has = [&](const char* m) { return k.contains(m) && k[m].is_string(); };
  if (!k.is_object() || !has("kty")) return false;
  if (k["kty"] == "EC") return has("crv") && has("alg") && has("x") && has("y");
  if (k["kty"] == "RSA") return has("alg") && has("n") && has("e");
  return false;
}

// Would a sample-TEE attestation with this body pass, judged without the KBS's code? `plain` is set when
// it also has no init-data and no additional evidence: such a valid body must get its token.
bool sample_attestation_valid(const std::string& text, const std::string& nonce, bool* plain) {
  *plain = false;
  if (too_deep_for_serde(text)) return false;
  auto body = nlohmann::json::parse(text, nullptr, false);
  if (!body.is_object() || !body.contains("runtime-data") || !body.contains("tee-evidence")) return false;
  const auto& rd = body["runtime-data"];
  const auto& te = body["tee-evidence"];
  if (!rd.is_object() || !te.is_object() || !rd.contains("nonce") || rd["nonce"] != nonce ||
      !rd.contains("tee-pubkey") || !tee_pubkey_ok(rd["tee-pubkey"]) || !te.contains("primary_evidence")) {
    return false;
  }
  const auto& ev = te["primary_evidence"];
  if (!ev.is_object() || !ev.contains("svn") || !ev["svn"].is_string() || !ev.contains("report_data") ||
      !ev["report_data"].is_string()) {
    return false;
  }
  auto expected = expected_report_data(body, nonce);
  auto got = base64_decode(ev["report_data"].get<std::string>());
  if (!expected || !got || base64_decode(*expected) != got) return false;
  *plain = (!body.contains("init-data") || body["init-data"].is_null()) &&
           (!te.contains("additional_evidence") || te["additional_evidence"] == "");
  return true;
}

void check_token(const HttpRequest& req, const HttpResponse& res, Kbs& kbs, const std::string& id) {
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (!j.is_object() || j.size() != 1 || !j.contains("token") || !j["token"].is_string()) {
    fail("200 body is not {\"token\": string}", req, res);
  }
  auto cookie = res.headers.get("Set-Cookie");
  if (!cookie || session_id_from_cookie_header(cookie->substr(0, cookie->find(';'))) != id) {
    fail("200 without this session's cookie", req, res);
  }
  auto jws = jose::jws_parse(j["token"].get<std::string>());
  if (!jws || jws->header.value("alg", "") != "ES256") fail("token is not an ES256 JWS", req, res);
  if (!jose::jws_verify(*jws, kbs.attestation_service().signer_key())) {
    fail("token does not verify with the KBS signer", req, res);
  }
  auto claims = nlohmann::json::parse(jws->payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("submods") || !claims["submods"].contains("cpu0")) {
    fail("token payload has no submods.cpu0", req, res);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<Kbs> kbs = make_kbs();
  const SampleSession session = open_sample_session(*kbs);

  std::string body(reinterpret_cast<const char*>(data), size);
  replace_all(body, "@NONCE@", session.nonce);
  if (body.find("@DIGEST@") != std::string::npos && json_nesting_depth(body) <= kMaxHarnessDepth) {
    if (auto rd = expected_report_data(nlohmann::json::parse(body, nullptr, false), session.nonce)) {
      replace_all(body, "@DIGEST@", *rd);
    }
  }

  const HttpRequest req{"POST", "/kbs/v0/attest", {{"Cookie", session.cookie}}, body};
  HttpResponse res = handle(*kbs, req);
  bool plain = false;
  const bool valid = sample_attestation_valid(body, session.nonce, &plain);
  if (res.status == 200) {
    check_token(req, res, *kbs, session.id);
    if (!valid) fail("200 for an invalid sample attestation", req, res);
  } else {
    if (valid && plain) fail("a valid sample attestation was refused", req, res);
    std::string detail;
    if (trustee_error_variant(res, &detail) != "AttestationError")
      fail("not a Trustee AttestationError", req, res);
    if (detail != "Attestation error: RCAR handshake Attest failed") fail("unexpected detail", req, res);
  }
  sweep_sessions(*kbs);
  return 0;
}
