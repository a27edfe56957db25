// Shared by the three Trustee KBS fuzz targets (kbs_auth_fuzz.cpp, kbs_attest_fuzz.cpp,
// kbs_admin_fuzz.cpp): the KBS they drive, built in-process (InsecureAllowAll admin, insecure_header_jwk,
// the resource plugin on in-memory storage, a fixed clock and token signer); Kbs::handle() wrapped so an
// escaping exception traps; the trap helper for broken invariants; the check of Trustee's error body; the
// sample-TEE /auth handshake; and serde_json's nesting-depth rule. Header-only; each target is its own
// binary. COCO_FUZZ_VERBOSE=1 prints every request and answer (for replaying reproducers).
#pragma once

#include <errno.h>  // program_invocation_short_name (glibc)

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/json_text.h"
#include "trustee/kbs.h"

namespace coco::trustee::fuzz {

inline constexpr std::int64_t kNow = 1'800'000'000;  // the KBS's fixed clock
inline constexpr std::string_view kErrorPrefix = "https://github.com/confidential-containers/kbs/errors/";
inline constexpr std::string_view kSampleAuthBody = R"({"version":"0.4.0","tee":"sample","extra-params":{}})";

// serde_json's recursion limit, stated here rather than taken from the KBS: text nested 128 levels or
// deeper is not JSON to Trustee, so such a body is never valid.
inline bool too_deep_for_serde(std::string_view text) {
  return json_nesting_depth(text) >= 128;
}

[[noreturn]] inline void fail(const char* what, const HttpRequest& req, const HttpResponse& res) {
  std::fprintf(stderr, "%s: invariant violated: %s\nrequest %s %s\n%s\nstatus %d body %s\n",
               program_invocation_short_name, what, req.method.c_str(), req.target.c_str(), req.body.c_str(),
               res.status, res.body.c_str());
  __builtin_trap();
}

[[noreturn]] inline void setup_failed(const std::string& what) {
  std::fprintf(stderr, "%s: setup: %s\n", program_invocation_short_name, what.c_str());
  std::abort();
}

inline std::unique_ptr<Kbs> make_kbs() {
  KbsConfig c;
  c.http_server.insecure_http = true;
  c.admin.mode = AdminMode::insecure_allow_all;
  c.attestation_token.insecure_header_jwk = true;
  PluginConfig resource;
  resource.name = "resource";
  resource.backend = "kvstorage";
  c.plugins.push_back(resource);
  KbsOptions o;
  o.config = std::move(c);
  o.clock = [] { return kNow; };
  o.token_signer = ec_key_from_seed(Curve::p256, as_bytes("kbs-fuzz"), "token-signer");
  auto k = Kbs::create(std::move(o));
  if (!k) setup_failed("Kbs::create: " + k.error().code + ": " + k.error().message);
  return std::move(*k);
}

// kbs.handle(req); an exception out of it traps.
inline HttpResponse handle(Kbs& kbs, const HttpRequest& req) {
  HttpResponse res;
  try {
    res = kbs.handle(req);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: exception out of Kbs::handle: %s\nrequest %s %s\n%s\n",
                 program_invocation_short_name, e.what(), req.method.c_str(), req.target.c_str(),
                 req.body.c_str());
    __builtin_trap();
  }
  static const bool verbose = std::getenv("COCO_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s %s\n%s\n-> %d %s\n", req.method.c_str(), req.target.c_str(), req.body.c_str(),
                 res.status, res.body.c_str());
  }
  return res;
}

// Removes every session (they all expire within a day of the fixed clock), so memory stays flat.
inline void sweep_sessions(Kbs& kbs) {
  kbs.sessions().sweep(kNow + 24 * 3600);
}

// A Trustee error body: {"type","detail"} in that order, compact, a known variant, and the status Trustee
// 0.4 gives that variant. Returns the variant name, or "" when the shape is wrong.
inline std::string trustee_error_variant(const HttpResponse& res, std::string* detail) {
  static const char* const kVariants[] = {"AdminAuthInitialization", "AdminAuthAccess",   "AttestationError",
                                          "InvalidRequestPath",      "JweError",          "PluginNotFound",
                                          "PluginInternalError",     "PolicyDeny",        "ParsePolicyError",
                                          "PolicyEngineError",       "RvpsError",         "SerdeError",
                                          "TokenNotFound",           "TokenVerifierError"};
  auto j = nlohmann::ordered_json::parse(res.body, nullptr, false);
  if (!j.is_object() || j.size() != 2) return "";
  auto it = j.begin();
  if (it.key() != "type" || !it.value().is_string()) return "";
  ++it;
  if (it.key() != "detail" || !it.value().is_string()) return "";
  if (j.dump() != res.body) return "";
  const std::string type = j["type"].get<std::string>();
  if (type.rfind(kErrorPrefix, 0) != 0) return "";
  const std::string variant = type.substr(kErrorPrefix.size());
  bool known = false;
  for (const char* v : kVariants) known = known || variant == v;
  if (!known) return "";
  const bool not_found = variant == "InvalidRequestPath" || variant == "PluginNotFound";
  if (res.status != (not_found ? 404 : 401)) return "";
  if (detail) *detail = j["detail"].get<std::string>();
  return variant;
}

// A session opened with a valid sample-TEE /auth Request: its nonce, its "kbs-session-id=..." cookie pair
// (for a Cookie header) and its id. Aborts when the handshake fails.
struct SampleSession {
  std::string nonce;
  std::string cookie;
  std::string id;
};

inline SampleSession open_sample_session(Kbs& kbs) {
  HttpResponse ch = handle(kbs, HttpRequest{"POST", "/kbs/v0/auth", {}, std::string(kSampleAuthBody)});
  auto cookie = ch.headers.get("Set-Cookie");
  auto challenge = nlohmann::json::parse(ch.body, nullptr, false);
  if (ch.status != 200 || !cookie || !challenge.is_object() || !challenge.contains("nonce") ||
      !challenge["nonce"].is_string()) {
    setup_failed("/auth: " + std::to_string(ch.status) + " " + ch.body);
  }
  SampleSession s;
  s.nonce = challenge["nonce"].get<std::string>();
  s.cookie = cookie->substr(0, cookie->find(';'));
  auto id = session_id_from_cookie_header(s.cookie);
  if (!id) setup_failed("/auth: no session id in " + *cookie);
  s.id = *id;
  return s;
}

}  // namespace coco::trustee::fuzz
