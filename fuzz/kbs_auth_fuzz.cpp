// Fuzz target: the body of POST /kbs/v0/auth (the RCAR Request), sent to Kbs::handle() on one KBS built
// once (fuzz/kbs_fuzz_common.h: InsecureAllowAll admin, insecure_header_jwk, the resource plugin on
// in-memory storage, a fixed clock). The answer must be one of:
//   200 with exactly {"nonce": base64 of 32 bytes, "extra-params": ""} and a kbs-session-id cookie, and
//       only for a Request that is valid on its own terms, decided here as Trustee's serde_json and semver
//       would: JSON nested less than 128 levels deep (serde_json's recursion limit), an object with a
//       string `version` that is semver-valid and equal to 0.4.0 ignoring +build metadata (no prerelease;
//       build metadata is dot-separated non-empty [0-9A-Za-z-] identifiers), a `tee` that kbs-types
//       knows, and an `extra-params` member;
//   401 with Trustee's error body: exactly {"type": ".../kbs/errors/AttestationError", "detail":
//       "Attestation error: RCAR handshake Auth failed: ..."}, serialized compactly, type first, and only
//       for a Request that is not valid.
// Anything else (another status, another body shape, an exception out of handle()) is __builtin_trap().
// Sessions made by accepted inputs are swept after each input so memory stays flat.
// COCO_FUZZ_VERBOSE=1 prints every request and answer (for replaying reproducers).
// Seeds: fuzz/run.sh kbs_auth writes a few valid and invalid Requests.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "kbs_fuzz_common.h"
#include "trustee/tee.h"

namespace {

using namespace coco;
using namespace coco::trustee;
using namespace coco::trustee::fuzz;

// semver 2.0 build metadata: dot-separated, non-empty identifiers of [0-9A-Za-z-].
bool valid_build_metadata(std::string_view b) {
  if (b.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t end = b.find('.', start);
    std::string_view id =
        b.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (id.empty()) return false;
    for (char ch : id) {
      const bool ok =
          (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
      if (!ok) return false;
    }
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

// What Trustee's Request deserializer and its `=0.4.0` version requirement accept, decided here without
// the KBS's own code (only the TEE name table is shared). The only semver strings that parse and match
// =0.4.0 are "0.4.0" and "0.4.0+<build metadata>": a prerelease never matches, valid or not.
bool request_acceptable(const std::string& body) {
  if (too_deep_for_serde(body)) return false;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("version") || !j["version"].is_string() || !j.contains("tee") ||
      !j["tee"].is_string() || !j.contains("extra-params")) {
    return false;
  }
  const std::string tee = j["tee"].get<std::string>();
  if (!parse_tee(tee) || tee_name(*parse_tee(tee)) != tee) return false;
  const std::string v = j["version"].get<std::string>();
  if (v == "0.4.0") return true;
  return v.rfind("0.4.0+", 0) == 0 && valid_build_metadata(std::string_view(v).substr(6));
}

void check_challenge(const HttpRequest& req, const HttpResponse& res) {
  auto j = nlohmann::ordered_json::parse(res.body, nullptr, false);
  if (!j.is_object() || j.size() != 2) fail("challenge is not a two-member object", req, res);
  auto it = j.begin();
  if (it.key() != "nonce" || !it.value().is_string()) fail("challenge: first member is not nonce", req, res);
  auto nonce = base64_decode(it.value().get<std::string>());
  if (!nonce || nonce->size() != 32) fail("challenge: nonce is not base64 of 32 bytes", req, res);
  ++it;
  if (it.key() != "extra-params" || it.value() != "") fail("challenge: extra-params is not \"\"", req, res);
  auto cookie = res.headers.get("Set-Cookie");
  if (!cookie || cookie->rfind("kbs-session-id=", 0) != 0)
    fail("challenge without a session cookie", req, res);
  auto id = session_id_from_cookie_header(cookie->substr(0, cookie->find(';')));
  if (!id || id->size() != 32 || id->find_first_not_of("0123456789abcdef") != std::string::npos) {
    fail("session id is not a simple UUID", req, res);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<Kbs> kbs = make_kbs();
  HttpRequest req{"POST",
                  "/kbs/v0/auth",
                  {{"Content-Type", "application/json"}},
                  std::string(reinterpret_cast<const char*>(data), size)};
  HttpResponse res = handle(*kbs, req);
  const bool acceptable = request_acceptable(req.body);
  if (res.status == 200) {
    check_challenge(req, res);
    if (!acceptable) fail("200 for a Request Trustee would refuse", req, res);
  } else {
    std::string detail;
    if (trustee_error_variant(res, &detail) != "AttestationError")
      fail("not a Trustee AttestationError", req, res);
    if (detail.rfind("Attestation error: RCAR handshake Auth failed: ", 0) != 0)
      fail("unexpected detail", req, res);
    if (acceptable) fail("401 for a valid Request", req, res);
  }
  sweep_sessions(*kbs);
  return 0;
}
