// Fuzz target: the KBS admin API and the resource plugin, through Kbs::handle(). The first input byte
// (mod 5) picks the request, the rest is its body or path:
//   0  POST /kbs/v0/resource-policy     body {"policy": base64url(rego)}
//   1  POST /kbs/v0/attestation-policy  body {"type", "policy_id", "policy": base64url(rego)}
//   2  POST /kbs/v0/reference-value     body an RVPS message {"version", "type", "payload"}
//   3  POST /kbs/v0/resource/a/b/c      body the resource bytes
//   4  GET  /kbs/v0/resource/<rest of the input> with the bearer token of an attested sample TEE
// The KBS (fuzz/kbs_fuzz_common.h: InsecureAllowAll admin, insecure_header_jwk, resource plugin in memory,
// fixed clock) starts with the allow-all resource policy, resource a/b/c, and a token for a fixed P-256
// TEE key, so a GET can go all the way to the JWE. What inputs change (policies, reference values, a/b/c)
// persists until the KBS is rebuilt, every kRebuildEvery inputs; a crash found after drift may need the
// preceding inputs to replay.
//
// Invariants (anything else, including an exception out of handle(), is __builtin_trap()):
//   every answer is 200 or Trustee's error body ({"type": ".../kbs/errors/<Variant>", "detail"}, compact,
//   401, or 404 for InvalidRequestPath / PluginNotFound);
//   0: 200 means the KBS now holds exactly the decoded policy (a body nested 128 levels or deeper is not
//      JSON, as to serde_json, so never gets a 200); errors are ParsePolicyError or PolicyEngineError;
//   1: 200 means the policy id now holds exactly the decoded policy (same depth rule); errors are
//   AttestationError
//      "Attestation error: Set Attestation Policy failed";
//   2: errors are RvpsError "RVPS configuration failed: Failed to register reference value: ...";
//   3: always 200 (text/xml), and the store then holds exactly the body;
//   4: 200 only for a valid resource path, with a JWE that the TEE key decrypts to the stored bytes.
// Seeds: fuzz/run.sh kbs_admin writes one valid and a few invalid requests per endpoint.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/hash.h"
#include "jose/jose.h"
#include "kbs_fuzz_common.h"
#include "trustee/default_policies.h"

namespace {

using namespace coco;
using namespace coco::trustee;
using namespace coco::trustee::fuzz;

constexpr int kRebuildEvery = 2000;

struct World {
  std::unique_ptr<Kbs> kbs;
  Key tee_key = ec_key_from_seed(Curve::p256, as_bytes("kbs-fuzz"), "tee-key");
  std::string token;
};

void build(World& w) {
  w.kbs = make_kbs();
  if (!w.kbs->resource_policy().set(std::string(allow_all_resource_policy())))
    setup_failed("allow-all policy");
  if (!w.kbs->resources()->put("a/b/c", as_bytes("fuzz secret"))) setup_failed("put a/b/c");

  // The sample TEE handshake, by hand.
  const SampleSession session = open_sample_session(*w.kbs);
  nlohmann::json jwk = jose::public_jwk(w.tee_key);
  jwk["alg"] = "ECDH-ES+A256KW";
  nlohmann::json rd = {{"tee-pubkey", jwk}, {"nonce", session.nonce}, {"additional-evidence", ""}};
  const std::string report_data = base64_encode(sha384(as_bytes(*jose::jcs_canonicalize(rd))));
  nlohmann::json body = {
      {"runtime-data", {{"nonce", session.nonce}, {"tee-pubkey", jwk}}},
      {"tee-evidence",
       {{"primary_evidence", {{"svn", "1"}, {"report_data", report_data}}}, {"additional_evidence", ""}}}};
  HttpResponse at =
      handle(*w.kbs, HttpRequest{"POST", "/kbs/v0/attest", {{"Cookie", session.cookie}}, body.dump()});
  if (at.status != 200) setup_failed("/attest: " + at.body);
  w.token = nlohmann::json::parse(at.body)["token"].get<std::string>();
  sweep_sessions(*w.kbs);
}

// base64url without padding of a JSON body's string member, as the KBS decodes it; nullopt otherwise
// (including a body too deep to be JSON to serde_json).
std::optional<std::string> decoded_member(const std::string& body, const char* name) {
  if (too_deep_for_serde(body)) return std::nullopt;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains(name) || !j[name].is_string()) return std::nullopt;
  const std::string b64 = j[name].get<std::string>();
  if (b64.find('=') != std::string::npos) return std::nullopt;
  auto d = base64url_decode(b64);
  if (!d) return std::nullopt;
  return to_string(*d);
}

void check(World& w, int selector, const HttpRequest& req, const HttpResponse& res) {
  Kbs& kbs = *w.kbs;
  std::string detail;
  const std::string variant = res.status == 200 ? "" : trustee_error_variant(res, &detail);
  if (res.status != 200 && variant.empty()) fail("neither 200 nor a Trustee error", req, res);
  switch (selector) {
    case 0:
      if (res.status == 200) {
        auto policy = decoded_member(req.body, "policy");
        if (!policy || kbs.resource_policy().text() != *policy) fail("resource policy not stored", req, res);
      } else if (variant != "ParsePolicyError" && variant != "PolicyEngineError") {
        fail("unexpected error kind for resource-policy", req, res);
      }
      break;
    case 1:
      if (res.status == 200) {
        auto policy = decoded_member(req.body, "policy");
        auto j = nlohmann::json::parse(req.body, nullptr, false);
        if (!policy || !j.is_object() || !j.contains("policy_id") || !j["policy_id"].is_string() ||
            kbs.attestation_service().policy(j["policy_id"].get<std::string>()) != *policy) {
          fail("attestation policy not stored", req, res);
        }
      } else if (variant != "AttestationError" ||
                 detail != "Attestation error: Set Attestation Policy failed") {
        fail("unexpected error for attestation-policy", req, res);
      }
      break;
    case 2:
      if (res.status != 200 &&
          (variant != "RvpsError" ||
           detail.rfind("RVPS configuration failed: Failed to register reference value: ", 0) != 0)) {
        fail("unexpected error for reference-value", req, res);
      }
      break;
    case 3: {
      if (res.status != 200 || res.headers.get("Content-Type") != "text/xml")
        fail("resource write refused", req, res);
      auto stored = kbs.resources()->get("a/b/c");
      if (!stored || !*stored || to_string(**stored) != req.body) fail("resource not stored", req, res);
      break;
    }
    case 4: {
      if (res.status != 200) break;
      std::string_view path = req.path();
      const std::string key(path.substr(std::string_view("/kbs/v0/resource/").size()));
      if (!parse_resource_path(key)) fail("200 for an invalid resource path", req, res);
      auto jwe = jose::Jwe::from_json(nlohmann::json::parse(res.body, nullptr, false));
      if (!jwe) fail("200 body is not a flattened JWE", req, res);
      auto plain = jose::jwe_decrypt(*jwe, w.tee_key);
      if (!plain) fail("the JWE does not decrypt with the TEE key", req, res);
      auto stored = kbs.resources()->get(key);
      if (!stored || !*stored || **stored != *plain)
        fail("the JWE does not hold the stored resource", req, res);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  static int runs = 0;
  if (size == 0) return 0;
  if (!world.kbs || ++runs % kRebuildEvery == 0) {
    if (world.kbs) {
      const HttpRequest metrics{"GET", "/metrics", {}, {}};
      HttpResponse m = handle(*world.kbs, metrics);
      if (m.status != 200) fail("/metrics", metrics, m);
    }
    build(world);
  }
  const int selector = data[0] % 5;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  HttpRequest req;
  switch (selector) {
    case 0:
      req = {"POST", "/kbs/v0/resource-policy", {{"Content-Type", "application/json"}}, rest};
      break;
    case 1:
      req = {"POST", "/kbs/v0/attestation-policy", {{"Content-Type", "application/json"}}, rest};
      break;
    case 2:
      req = {"POST", "/kbs/v0/reference-value", {{"Content-Type", "application/json"}}, rest};
      break;
    case 3:
      req = {"POST", "/kbs/v0/resource/a/b/c", {{"Content-Type", "application/octet-stream"}}, rest};
      break;
    default:
      req = {"GET", "/kbs/v0/resource/" + rest, {{"Authorization", "Bearer " + world.token}}, {}};
      break;
  }
  HttpResponse res = handle(*world.kbs, req);
  check(world, selector, req, res);
  return 0;
}
