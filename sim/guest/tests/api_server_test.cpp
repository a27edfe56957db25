// api-server-rest in the guest against the in-process Trustee-compatible KBS over real HTTPS: resources
// released and denied, an unreachable KBS, /aa/token with init-data (sample and simulated Azure SNP
// vTPM), /aa/evidence, /info, bad paths and methods, init-data config parsing, concurrent curls.
#include "guest/api_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "azure/cvm.h"
#include "azure/vtpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/x509.h"
#include "guest/sealed_secret.h"
#include "guest_world.h"
#include "jose/jose.h"
#include "trustee/config.h"
#include "trustee/default_policies.h"
#include "trustee/kbs.h"

namespace coco::guest {
namespace {

using test_world::kInsecureKbsConfigToml;
using test_world::Tls;
using test_world::tls;

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kResource = "default/kbsres1/key3";
constexpr const char* kSecret = "res1val3";

// The pattern's init-data files, pointing at `url` with the KBS's certificate.
std::map<std::string, std::string> initdata_files(const std::string& url) {
  return {{"aa.toml", "[token_configs]\n[token_configs.coco_as]\nurl = \"" + url +
                          "\"\n[token_configs.kbs]\nurl = \"" + url + "\"\ncert = \"\"\"" + tls().ca_pem +
                          "\"\"\"\n"},
          {"cdh.toml",
           "socket = 'unix:///run/confidential-containers/cdh.sock'\ncredentials = []\n[kbc]\nname = "
           "\"cc_kbc\"\nurl = \"" +
               url + "\"\nkbs_cert = \"\"\"" + tls().ca_pem +
               "\"\"\"\n[image]\nimage_security_policy_uri = "
               "'kbs:///default/security-policy/insecure'\n"}};
}

std::string initdata_toml(const std::string& url) {
  std::string t = "algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n";
  for (const auto& [k, v] : initdata_files(url)) t += "\"" + k + "\" = '''\n" + v + "'''\n";
  return t;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = trustee::parse_kbs_config(kInsecureKbsConfigToml);
    ASSERT_TRUE(config) << config.error().message;
    trustee::KbsOptions o;
    o.config = *config;
    o.port = 0;
    o.tls = tls().server;
    o.snp.roots = &test_world::roots();
    auto kbs = trustee::Kbs::create(std::move(o));
    ASSERT_TRUE(kbs) << kbs.error().message;
    kbs_ = std::move(*kbs);
    ASSERT_TRUE(kbs_->start());
    ASSERT_TRUE(kbs_->resources()->put(kResource, as_bytes(std::string(kSecret))));
  }
  void TearDown() override {
    api_.reset();
    if (kbs_) kbs_->stop();
  }

  void allow_all() {
    ASSERT_TRUE(kbs_->resource_policy().set(std::string(trustee::allow_all_resource_policy())));
  }

  void start_api(
      std::function<std::unique_ptr<EvidenceProvider>()> provider = [] { return make_sample_provider(); },
      std::optional<std::string> url = std::nullopt, std::optional<std::string> init_data = std::nullopt) {
    auto config = guest_config_from_initdata(initdata_files(url.value_or(kbs_->url())));
    ASSERT_TRUE(config) << config.error().message;
    ApiServerOptions o;
    o.config = *config;
    o.make_provider = std::move(provider);
    o.init_data_toml = std::move(init_data);
    auto api = ApiServer::start(std::move(o));
    ASSERT_TRUE(api) << api.error().code << ": " << api.error().message;
    api_ = std::move(*api);
  }

  HttpResponse get(const std::string& target, const std::string& method = "GET") {
    auto r = HttpClient().request(method, api_->url() + target, "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : HttpResponse{};
  }

  std::unique_ptr<trustee::Kbs> kbs_;
  std::unique_ptr<ApiServer> api_;
};

TEST_F(ApiServerTest, ResourceReleasedAndTheSessionReused) {
  allow_all();
  start_api();
  HttpResponse r = get("/cdh/resource/default/kbsres1/key3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kSecret);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/octet-stream");
  EXPECT_EQ(get("/cdh/resource/default/kbsres1/key3").body, kSecret);
  EXPECT_EQ(api_->cdh_attestations(), 1);
  auto direct = api_->get_resource("kbs:///default/kbsres1/key3");
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(to_string(*direct), kSecret);
  EXPECT_EQ(api_->cdh_attestations(), 1);
}

TEST_F(ApiServerTest, ResourceDeniedByTheResourcePolicy) {
  start_api();  // the default resource policy denies the sample TEE
  HttpResponse r = get("/cdh/resource/default/kbsres1/key3");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, kCdhResourceFailedBody);
  EXPECT_FALSE(r.headers.has("Content-Type"));
  auto direct = api_->get_resource("kbs:///default/kbsres1/key3");
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, "guest.kbs_error");
  EXPECT_EQ(direct.error().message, "KBS answered 401 PolicyDeny: Access denied by policy");
  // guest-components' 401 retry: the first request attests three times; the second starts from the token it
  // already holds, so two more.
  EXPECT_EQ(api_->cdh_attestations(), 5);
}

TEST_F(ApiServerTest, MissingResource) {
  allow_all();
  start_api();
  EXPECT_EQ(get("/cdh/resource/default/kbsres1/nope").status, 500);
  auto bad = api_->get_resource("https://kbs/default/a/b");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "guest.resource_uri_invalid");
  EXPECT_EQ(bad.error().message, "not a kbs:// resource URI: https://kbs/default/a/b");
  bad = api_->get_resource("kbs://host-only");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "resource URI without a path: kbs://host-only");
}

TEST_F(ApiServerTest, KbsUnreachable) {
  const std::string url = kbs_->url();
  kbs_->stop();
  start_api([] { return make_sample_provider(); }, url);
  HttpResponse r = get("/cdh/resource/default/kbsres1/key3");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, kCdhResourceFailedBody);
  auto direct = api_->get_resource("kbs:///default/kbsres1/key3");
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, "guest.http");
}

TEST_F(ApiServerTest, TokenCarriesTheInitData) {
  const std::string toml = initdata_toml(kbs_->url());
  start_api([] { return make_sample_provider(); }, std::nullopt, toml);
  HttpResponse r = get("/aa/token?token_type=kbs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type"), "application/octet-stream");
  json body = json::parse(r.body);
  ASSERT_TRUE(body["token"].is_string());
  EXPECT_TRUE(body["tee_keypair"].get<std::string>().starts_with("-----BEGIN PRIVATE KEY-----"));
  auto jws = jose::jws_parse(body["token"].get<std::string>());
  ASSERT_TRUE(jws) << jws.error().message;
  json claims = json::parse(jws->payload);
  const json& ev = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  // Trustee's sample verifier reports the init-data digest in base64.
  EXPECT_EQ(ev["init_data"], base64_encode(sha256(as_bytes(toml)))) << ev.dump();
  EXPECT_EQ(ev["init_data_claims"]["cdh.toml"]["kbc"]["name"], "cc_kbc");

  EXPECT_EQ(get("/aa/token").status, 400);
  EXPECT_EQ(get("/aa/token").body, "BAD REQUEST");
  HttpResponse other = get("/aa/token?token_type=coco_as");
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(other.body, "Unsupported token type coco_as");
}

TEST_F(ApiServerTest, AzureSnpVtpmTokenAndResource) {
  const std::string toml = initdata_toml(kbs_->url());
  azure::SnpCvm hw{test_world::authority(), azure::podvm_snp_launch()};
  auto cvm =
      std::make_shared<azure::SimulatedCvm>(azure::make_in_process_vtpm("api-server-test"), std::move(hw));
  ASSERT_TRUE(azure::measure_podvm_boot(cvm->tpm()));
  ASSERT_TRUE(cvm->measure_init_data(sha256(as_bytes(toml))));
  allow_all();
  start_api([cvm] { return make_simulated_azure_provider(cvm); }, std::nullopt, toml);

  HttpResponse info = get("/info");
  EXPECT_EQ(info.status, 200);
  EXPECT_EQ(info.body, R"({"version":"v0.16.0","tee":"az-snp-vtpm","feature":"all"})");

  HttpResponse r = get("/aa/token?token_type=kbs");
  ASSERT_EQ(r.status, 200) << r.body;
  auto jws = jose::jws_parse(json::parse(r.body)["token"].get<std::string>());
  ASSERT_TRUE(jws);
  json claims = json::parse(jws->payload);
  const json& ev = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  // az-snp-vtpm: init_data ends up as hex(PCR8) = sha256(0^32 || sha256(init-data)) (pattern.md 3.4).
  Bytes pcr8_input(32, 0);
  const Bytes digest = sha256(as_bytes(toml));
  pcr8_input.insert(pcr8_input.end(), digest.begin(), digest.end());
  EXPECT_EQ(ev["init_data"], hex_encode(sha256(pcr8_input))) << ev.dump();
  EXPECT_EQ(ev["init_data_claims"]["aa.toml"]["token_configs"]["kbs"]["url"], kbs_->url());

  HttpResponse res = get("/cdh/resource/default/kbsres1/key3");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, kSecret);

  // TestInitDataMeasurement's check: PCR8 in the evidence is sha256(0^32 || digest[:32]).
  HttpResponse evidence = get("/aa/evidence?runtime_data=test");
  ASSERT_EQ(evidence.status, 200) << evidence.body;
  EXPECT_NE(evidence.body.find("tpm_quote"), std::string::npos);
}

TEST_F(ApiServerTest, EvidenceRoute) {
  start_api();
  HttpResponse raw = get("/aa/evidence?runtime_data=test");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(json::parse(raw.body)["report_data"], base64_encode(as_bytes("test")));
  HttpResponse b64 =
      get("/aa/evidence?runtime_data=" + base64url_encode(as_bytes("report")) + "&encoding=base64");
  ASSERT_EQ(b64.status, 200);
  EXPECT_EQ(json::parse(b64.body)["report_data"], base64_encode(as_bytes("report")));
  EXPECT_EQ(get("/aa/evidence?runtime_data=!!!&encoding=base64").status, 400);
  EXPECT_EQ(get("/aa/evidence?runtime_data=data&encoding=hex").status, 400);
  EXPECT_EQ(get("/aa/evidence?runtime_data=cmVwb3J0&encoding=base64").status, 200);
  EXPECT_EQ(get("/aa/evidence?runtime_data=cmVwb3J0dA==&encoding=base64").status, 400);  // padding refused
  HttpResponse none = get("/aa/evidence");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.body, "BAD REQUEST");
  EXPECT_EQ(get("/aa/additional-evidence?runtime_data=x").status, 200);
}

TEST_F(ApiServerTest, InfoAndBadPaths) {
  start_api();
  HttpResponse info = get("/info");
  EXPECT_EQ(info.status, 200);
  EXPECT_EQ(info.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(info.body, R"({"version":"v0.16.0","tee":"sample","feature":"all"})");
  HttpResponse post_info = get("/info", "POST");
  EXPECT_EQ(post_info.status, 405);
  EXPECT_EQ(post_info.body, "Method Not Allowed");
  for (const char* path : {"/", "/cdh", "/cdh/resource", "/cdh/other/default/a/b", "/aa/nothing", "/foo/bar",
                           "/aa/token/extra", "/aa"}) {
    SCOPED_TRACE(path);
    HttpResponse r = get(path);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "URL NOT FOUND");
  }
  EXPECT_EQ(get("/aa/token?token_type=kbs", "POST").status, 404);
  EXPECT_EQ(get("/aa/aael").status, 404);
  HttpResponse aael = get("/aa/aael", "POST");
  EXPECT_EQ(aael.status, 500);
  EXPECT_EQ(aael.body, "Illegal AAEL eventry format");
}

TEST_F(ApiServerTest, ConcurrentCurlsShareOneSession) {
  allow_all();
  start_api();
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(6);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = HttpClient().get(api_->url() + "/cdh/resource/default/kbsres1/key3");
      if (r && r->status == 200) bodies[i] = r->body;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& b : bodies) EXPECT_EQ(b, kSecret);
  EXPECT_EQ(api_->cdh_attestations(), 1);
}

TEST_F(ApiServerTest, UnsealThroughTheCdh) {
  allow_all();
  const Key signing = ec_key_from_seed(Curve::p256, as_bytes("api-server-test"), "signing");
  ASSERT_TRUE(kbs_->resources()->put("default/signing-key/sealed-secret",
                                     as_bytes(jose::public_jwk(signing).dump())));
  start_api();
  auto sealed = seal_secret(vault_payload("kbs:///default/kbsres1/key3"), signing,
                            "kbs:///default/signing-key/sealed-secret");
  ASSERT_TRUE(sealed);
  auto plain = api_->unseal(*sealed);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(to_string(*plain), kSecret);
}

TEST(GuestConfig, FromInitData) {
  auto c = guest_config_from_initdata(initdata_files("https://kbs.example"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kbs_url, "https://kbs.example");
  EXPECT_EQ(c->kbc_name, "cc_kbc");
  EXPECT_EQ(c->kbs_cert_pem, tls().ca_pem);
  EXPECT_EQ(c->aa_kbs_url, "https://kbs.example");
  EXPECT_EQ(c->image_security_policy_uri, "kbs:///default/security-policy/insecure");

  // The dummy init-data CAA writes when there is none: an empty aa.toml and no cdh.toml.
  auto dummy = guest_config_from_initdata({{"aa.toml", " "}});
  ASSERT_FALSE(dummy);
  EXPECT_EQ(dummy.error().code, "guest.config_invalid");
  EXPECT_EQ(dummy.error().message, "cdh.toml is missing from the init-data");

  auto no_url = guest_config_from_initdata({{"cdh.toml", "[kbc]\nname = \"cc_kbc\"\n"}});
  ASSERT_FALSE(no_url);
  EXPECT_EQ(no_url.error().message, "cdh.toml: kbc.url is missing");
  auto no_name = guest_config_from_initdata({{"cdh.toml", "[kbc]\nurl = \"https://k\"\n"}});
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().message, "cdh.toml: kbc.name is missing");
  auto wrong_type = guest_config_from_initdata({{"cdh.toml", "[kbc]\nname = \"cc_kbc\"\nurl = 8080\n"}});
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().message, "cdh.toml: kbc.url must be a string");
  auto bad_aa = guest_config_from_initdata({{"cdh.toml", "[kbc]\nname = \"cc_kbc\"\nurl = \"https://k\"\n"},
                                            {"aa.toml", "[token_configs.kbs]\nurl = 1\n"}});
  ASSERT_FALSE(bad_aa);
  EXPECT_EQ(bad_aa.error().message, "aa.toml: token_configs.kbs.url must be a string");
  auto not_toml = guest_config_from_initdata({{"cdh.toml", "[kbc\n"}});
  ASSERT_FALSE(not_toml);
  EXPECT_TRUE(not_toml.error().message.starts_with("cdh.toml is not valid TOML at line 1"))
      << not_toml.error().message;
  auto minimal =
      guest_config_from_initdata({{"cdh.toml", "[kbc]\nname = \"cc_kbc\"\nurl = \"https://k\"\n"}});
  ASSERT_TRUE(minimal);
  EXPECT_FALSE(minimal->kbs_cert_pem);
  EXPECT_EQ(minimal->aa_kbs_url, "");
}

TEST(ApiServerStart, NeedsAProviderAndAUrl) {
  ApiServerOptions o;
  o.config.kbs_url = "https://k";
  auto r = ApiServer::start(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "guest.config_invalid");
  EXPECT_EQ(r.error().message, "no evidence provider for the guest's TEE");
  o.make_provider = [] { return make_sample_provider(); };
  o.config.kbs_url.clear();
  r = ApiServer::start(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cdh.toml: kbc.url is missing");
  o.config.kbs_url = "https://k";
  o.make_provider = [] { return std::unique_ptr<EvidenceProvider>(); };
  r = ApiServer::start(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "the evidence provider factory returned nothing");
}

TEST_F(ApiServerTest, TokenWithTheKbsDown) {
  const std::string url = kbs_->url();
  kbs_->stop();
  start_api([] { return make_sample_provider(); }, url);
  auto t = api_->get_token("kbs");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, "guest.http");
  HttpResponse r = get("/aa/token?token_type=kbs");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, t.error().message);
}

}  // namespace
}  // namespace coco::guest
