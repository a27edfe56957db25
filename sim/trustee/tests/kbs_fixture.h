// Test-only: an in-process KBS driven through Kbs::handle() with a clock the test controls, plus the
// guest-side steps (TEE key, runtime-data digest, sample and simulated SNP evidence) written out by hand
// so these tests check the server against the protocol text, not against our own client.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/encoding.h"
#include "core/test_support.h"
#include "jose/jose.h"
#include "snp/snp.h"
#include "trustee/default_policies.h"
#include "trustee/kbs.h"

namespace coco::trustee::test {

inline snp::AmdAuthority& amd() {
  static snp::AmdAuthority a("trustee-tests", coco::test::key_cache_dir());
  return a;
}
inline const snp::TrustedRoots& sim_roots() {
  static snp::TrustedRoots r = snp::simulated_roots(amd());
  return r;
}

struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json json;  // parsed body (discarded when not JSON)
  HttpHeaders headers;
  std::string type() const {
    if (!json.is_object() || !json.contains("type")) return "";
    std::string t = json["type"].get<std::string>();
    return t.substr(t.rfind('/') + 1);
  }
  std::string detail() const {
    return json.is_object() && json.contains("detail") ? json["detail"].get<std::string>() : "";
  }
};

inline KbsConfig test_config() {
  KbsConfig c;
  c.http_server.insecure_http = true;
  c.admin.mode = AdminMode::insecure_allow_all;
  c.attestation_token.insecure_header_jwk = true;
  PluginConfig resource;
  resource.name = "resource";
  resource.backend = "kvstorage";
  c.plugins.push_back(resource);
  return c;
}

class KbsFixture : public ::testing::Test {
 protected:
  std::int64_t clock_ = 1'800'000'000;

  std::unique_ptr<Kbs> make_kbs(KbsConfig config = test_config(),
                                StatusMapping mapping = StatusMapping::trustee) {
    KbsOptions o;
    o.config = std::move(config);
    o.status_mapping = mapping;
    o.snp.roots = &sim_roots();
    o.clock = [this] { return clock_; };
    auto k = Kbs::create(std::move(o));
    if (!k) throw std::runtime_error(k.error().code + ": " + k.error().message);
    return std::move(*k);
  }

  void SetUp() override { kbs_ = make_kbs(); }

  Reply call(const std::string& method, const std::string& target, std::string body = {},
             HttpHeaders headers = {}) {
    HttpRequest req{method, target, std::move(headers), std::move(body)};
    HttpResponse res = kbs_->handle(req);
    Reply r{res.status, res.body, nlohmann::json::parse(res.body, nullptr, false), res.headers};
    return r;
  }

  // POST /auth; returns the challenge and remembers the cookie.
  Reply auth(const std::string& tee = "sample", const std::string& version = "0.4.0") {
    nlohmann::json req = {{"version", version}, {"tee", tee}, {"extra-params", nlohmann::json::object()}};
    Reply r = call("POST", "/kbs/v0/auth", req.dump());
    if (auto c = r.headers.get("Set-Cookie")) cookie_ = c->substr(0, c->find(';'));
    return r;
  }

  HttpHeaders cookie_headers() const {
    return cookie_.empty() ? HttpHeaders{} : HttpHeaders{{"Cookie", cookie_}};
  }

  static nlohmann::json tee_jwk(const Key& key, const std::string& alg) {
    nlohmann::json j = jose::public_jwk(key);
    j["alg"] = alg;
    return j;
  }

  static Bytes runtime_digest(const nlohmann::json& jwk, const std::string& nonce,
                              const std::string& additional = "") {
    nlohmann::json rd = {{"tee-pubkey", jwk}, {"nonce", nonce}, {"additional-evidence", additional}};
    return sha384(as_bytes(*jose::jcs_canonicalize(rd)));
  }

  static nlohmann::json attestation_body(const nlohmann::json& jwk, const std::string& nonce,
                                         const nlohmann::json& evidence,
                                         const std::optional<std::string>& init_data_toml = std::nullopt) {
    nlohmann::json b = {{"runtime-data", {{"nonce", nonce}, {"tee-pubkey", jwk}}},
                        {"tee-evidence", {{"primary_evidence", evidence}, {"additional_evidence", ""}}}};
    if (init_data_toml) b["init-data"] = {{"format", "toml"}, {"body", *init_data_toml}};
    return b;
  }

  static nlohmann::json sample_evidence(ByteView digest) {
    return {{"svn", "1"}, {"report_data", base64_encode(digest)}};
  }

  static nlohmann::json snp_evidence(ByteView digest, snp::LaunchDescription launch = {}) {
    launch.product = snp::Product::genoa;
    launch.report_data = to_bytes(digest);
    auto signed_report = snp::sign_report(amd(), launch);
    if (!signed_report) throw std::runtime_error(signed_report.error().message);
    return snp::evidence_to_json(signed_report->evidence());
  }

  // The whole handshake with the sample TEE (or SNP); returns the /attest reply.
  Reply attest_sample(const Key& key, const std::string& alg = "ECDH-ES+A256KW") {
    Reply ch = auth("sample");
    std::string nonce = ch.json["nonce"].get<std::string>();
    auto jwk = tee_jwk(key, alg);
    return call("POST", "/kbs/v0/attest",
                attestation_body(jwk, nonce, sample_evidence(runtime_digest(jwk, nonce))).dump(),
                cookie_headers());
  }

  Reply attest_snp(const Key& key, snp::LaunchDescription launch = {},
                   const std::optional<std::string>& init_data = std::nullopt) {
    Reply ch = auth("snp");
    std::string nonce = ch.json["nonce"].get<std::string>();
    auto jwk = tee_jwk(key, "ECDH-ES+A256KW");
    return call(
        "POST", "/kbs/v0/attest",
        attestation_body(jwk, nonce, snp_evidence(runtime_digest(jwk, nonce), launch), init_data).dump(),
        cookie_headers());
  }

  void allow_all() { ASSERT_TRUE(kbs_->resource_policy().set(std::string(allow_all_resource_policy()))); }

  std::unique_ptr<Kbs> kbs_;
  std::string cookie_;
};

}  // namespace coco::trustee::test
