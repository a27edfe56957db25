// Fake Azure IMDS and its client: each route (THIM certification, instance metadata, /acc/tdquote with a
// simulated Quoting Enclave), the Metadata header rule, methods and unknown paths, refused TDREPORTs, and
// the faults (down, status, wrong answers) as the client names them.
#include "azure/imds.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/test_support.h"
#include "core/x509.h"
#include "tdx/intel_sim.h"
#include "tdx/qe.h"
#include "tdx/tdreport_sim.h"

using namespace coco;
using namespace coco::azure;
using namespace std::chrono_literals;

namespace {

std::string cert_pem(const std::string& cn) {
  Key key = ec_key_from_seed(Curve::p256, as_bytes("imds-test"), cn);
  CertSpec spec;
  spec.subject = {{"CN", cn}};
  spec.serial = {0x01};
  spec.not_before = std::chrono::system_clock::now() - 24h;
  spec.not_after = std::chrono::system_clock::now() + 24h;
  spec.subject_key = key;
  auto cert = build_cert(spec, key, SigAlg::ecdsa_sha256);
  if (!cert) throw std::runtime_error(cert.error().message);
  return cert->pem();
}

ImdsContent content() {
  ImdsContent c;
  c.vcek_pem = cert_pem("SEV-VCEK");
  c.chain_pem = cert_pem("SEV-Milan") + cert_pem("ARK-Milan");
  c.tcbm = "DB18000000000004";
  c.instance = default_instance_metadata();
  return c;
}

tdx::IntelAuthority& intel() {
  static tdx::IntelAuthority a("seed");
  return a;
}

std::shared_ptr<const tdx::QuotingEnclave> qe() {
  static auto q = std::make_shared<const tdx::QuotingEnclave>(intel(), tdx::PlatformSpec{});
  return q;
}

Bytes mac_key() {
  return tdx::platform_report_mac_key(intel());
}

tdx::TdQuoteBody td_body() {
  tdx::TdDescription td;
  td.mr_td.fill(0x11);
  td.report_data.fill(0x42);
  td.rtmrs = std::array<std::array<std::uint8_t, 48>, 4>{};
  (*td.rtmrs)[3].fill(0x33);
  auto b = tdx::make_td_body(td);
  if (!b) throw std::runtime_error(b.error().message);
  return *b;
}

Bytes tdreport(const Bytes& key = mac_key()) {
  return tdx::encode_tdreport(tdx::make_tdreport(td_body(), key));
}

class Imds : public ::testing::Test {
 protected:
  void SetUp() override { start(FakeImdsOptions{}); }
  void start(FakeImdsOptions o) {
    imds_.reset();
    imds_ = std::make_unique<FakeImds>(content(), simulated_td_quote_service(qe(), mac_key()), std::move(o));
    ASSERT_TRUE(imds_->start());
  }
  ImdsClient client(std::chrono::milliseconds timeout = 5s) { return ImdsClient(imds_->url(), {}, timeout); }
  Result<HttpResponse> raw(const std::string& method, const std::string& target, std::string body = {},
                           HttpHeaders headers = {{"Metadata", "true"}}) {
    return HttpClient().request(method, imds_->url() + target, std::move(body), headers);
  }
  std::unique_ptr<FakeImds> imds_;
};

TEST_F(Imds, ThimCertification) {
  auto c = client().vcek_certification();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->vcek_pem, imds_->content().vcek_pem);
  EXPECT_EQ(c->chain_pem, imds_->content().chain_pem);
  EXPECT_EQ(c->tcbm, "DB18000000000004");
  EXPECT_EQ(c->cache_control, "86400");
  // The wire field names are THIM's.
  auto r = raw("GET", std::string(kThimCertificationPath));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  for (const char* k : {"vcekCert", "certificateChain", "tcbm", "cacheControl"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(imds_->counters().thim, 2u);
}

TEST_F(Imds, InstanceMetadata) {
  auto m = client().instance_metadata();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)["compute"]["vmSize"], "Standard_DC2as_v5");
  EXPECT_EQ((*m)["compute"]["securityProfile"]["securityType"], "ConfidentialVM");
  EXPECT_EQ((*m)["compute"]["location"], "eastus");

  // A node, as JSON and as text.
  auto leaf = raw("GET", "/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text");
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->status, 200);
  EXPECT_EQ(leaf->body, "Standard_DC2as_v5");
  auto ip = raw("GET", "/metadata/instance/network/interface/0/ipv4/ipAddress/0?api-version=2021-02-01");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ip->body)["privateIpAddress"], "10.0.0.4");
  auto not_leaf = raw("GET", "/metadata/instance/compute?api-version=2021-02-01&format=text");
  EXPECT_EQ(not_leaf->status, 400);
  EXPECT_EQ(raw("GET", "/metadata/instance/compute/nope?api-version=2021-02-01")->status, 404);

  // api-version is required and must look like one.
  for (std::string q : {"", "?api-version=", "?api-version=latest", "?format=json"}) {
    auto r = raw("GET", "/metadata/instance" + q);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << q;
    EXPECT_NE(nlohmann::json::parse(r->body)["error"].get<std::string>().find("api-version"),
              std::string::npos);
  }
  auto bad = client().instance_metadata("nope");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "imds.http_status");
  EXPECT_NE(bad.error().message.find("api-version"), std::string::npos);
}

TEST_F(Imds, MetadataHeaderIsRequired) {
  for (std::string target :
       {std::string(kThimCertificationPath), std::string("/metadata/instance?api-version=2021-02-01")}) {
    for (HttpHeaders h : {HttpHeaders{}, HttpHeaders{{"Metadata", "false"}}}) {
      auto r = raw("GET", target, {}, h);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 400) << target;
      EXPECT_EQ(r->headers.get("Content-Type").value_or(""), "application/json");
      EXPECT_EQ(nlohmann::json::parse(r->body),
                nlohmann::json({{"error", "Bad request. Required metadata header not specified"}}));
    }
    EXPECT_EQ(raw("GET", target, {}, {{"metadata", "True"}})->status,
              200);  // name and value case-insensitive
    // Not through a proxy.
    EXPECT_EQ(raw("GET", target, {}, {{"Metadata", "true"}, {"X-Forwarded-For", "10.0.0.9"}})->status, 400);
  }
}

TEST_F(Imds, MethodsAndUnknownPaths) {
  auto post = raw("POST", std::string(kThimCertificationPath), "{}");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->headers.get("Allow").value_or(""), "GET");
  EXPECT_EQ(raw("DELETE", "/metadata/instance?api-version=2021-02-01")->status, 405);
  auto get = raw("GET", std::string(kTdQuotePath));
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->headers.get("Allow").value_or(""), "POST");
  for (std::string p : {"/", "/metadata", "/metadata/THIM/amd", "/metadata/instancex?api-version=2021-02-01",
                        "/acc/tdquote/x"}) {
    auto r = raw("GET", p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << p;
  }
  EXPECT_GE(imds_->counters().rejected, 8u);
}

TEST_F(Imds, TdQuoteFromASimulatedQe) {
  const Bytes report = tdreport();
  auto quote = client().td_quote(report);
  ASSERT_TRUE(quote) << quote.error().message;
  auto q = tdx::parse_quote(*quote);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->header.version, 4);
  EXPECT_EQ(q->body, *tdx::quote_body_from_tdreport(report, mac_key()));
  EXPECT_EQ(q->body, td_body());
  EXPECT_EQ(*quote, qe()->quote_bytes(td_body()));  // what the QE itself makes of that body
  EXPECT_EQ(imds_->counters().td_quote, 1u);

  // The real clients send no Metadata header on this route, and padded base64url is read too.
  auto r = raw("POST", std::string(kTdQuotePath),
               nlohmann::json{{"report", base64url_encode(report, true)}}.dump(),
               {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(*base64url_decode(j["quote"].get<std::string>()), *quote);
}

TEST_F(Imds, TdQuoteCanRequireTheMetadataHeader) {
  FakeImdsOptions o;
  o.tdquote_requires_metadata = true;
  start(std::move(o));
  auto r = raw("POST", std::string(kTdQuotePath),
               nlohmann::json{{"report", base64url_encode(tdreport())}}.dump(), {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(client().td_quote(tdreport()));  // the client sends it
}

TEST_F(Imds, BadTdReportsAreRefused) {
  // Another platform's key: the MAC does not verify.
  auto wrong_mac = client().td_quote(tdreport(Bytes(32, 0x01)));
  ASSERT_FALSE(wrong_mac);
  EXPECT_EQ(wrong_mac.error().code, "imds.http_status");
  EXPECT_NE(wrong_mac.error().message.find("HTTP 400"), std::string::npos);
  EXPECT_NE(wrong_mac.error().message.find("tdx.tdreport_mac_invalid"), std::string::npos);

  auto r = raw("POST", std::string(kTdQuotePath),
               nlohmann::json{{"report", base64url_encode(tdreport(Bytes(32, 1)))}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find('\n'), std::string::npos);  // one line
  EXPECT_NE(nlohmann::json::parse(r->body)["error"].get<std::string>().find("MAC"), std::string::npos);

  // Not a TDREPORT: wrong size, not base64url, not JSON, no "report".
  auto short_report = client().td_quote(Bytes(1000, 0));
  ASSERT_FALSE(short_report);
  EXPECT_EQ(short_report.error().code, "imds.http_status");
  for (std::string body :
       {R"({"report":"!!!"})", "not json", R"({"quote":"AAAA"})", R"({"report":5})", "[]"}) {
    auto b = raw("POST", std::string(kTdQuotePath), body);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->status, 400) << body;
  }
  EXPECT_EQ(imds_->counters().td_quote, 0u);
}

TEST_F(Imds, RoutesWithoutContentAre404) {
  ImdsContent empty;
  FakeImds bare(empty, nullptr);
  ASSERT_TRUE(bare.start());
  ImdsClient c(bare.url());
  auto thim = c.vcek_certification();
  ASSERT_FALSE(thim);
  EXPECT_EQ(thim.error().code, "imds.http_status");
  EXPECT_NE(thim.error().message.find("404"), std::string::npos);
  EXPECT_EQ(c.instance_metadata().error().code, "imds.http_status");
  EXPECT_EQ(c.td_quote(tdreport()).error().code, "imds.http_status");

  // set_content makes them appear.
  bare.set_content(content());
  EXPECT_TRUE(c.vcek_certification());
  EXPECT_TRUE(c.instance_metadata());
}

TEST_F(Imds, FaultsDownAndStatus) {
  imds_->faults().set(Fault::down);
  auto down = client().vcek_certification();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, "imds.unreachable");
  EXPECT_EQ(client().td_quote(tdreport()).error().code, "imds.unreachable");

  imds_->faults().set(Fault::status_500);
  auto e500 = client().instance_metadata();
  ASSERT_FALSE(e500);
  EXPECT_EQ(e500.error().code, "imds.http_status");
  EXPECT_NE(e500.error().message.find("HTTP 500"), std::string::npos);

  imds_->faults().set(Fault::status_429);
  EXPECT_EQ(client().td_quote(tdreport()).error().code, "imds.http_status");

  imds_->faults().set(Fault::slow);
  imds_->faults().set_slow_delay(2s);
  EXPECT_EQ(client(300ms).vcek_certification().error().code, "imds.unreachable");

  imds_->faults().clear();
  EXPECT_TRUE(client().vcek_certification());

  // Nothing listening.
  const std::string url = imds_->url();
  imds_->stop();
  EXPECT_EQ(ImdsClient(url, {}, 2s).instance_metadata().error().code, "imds.unreachable");
  EXPECT_EQ(ImdsClient("not a url").instance_metadata().error().code, "imds.bad_url");
}

TEST_F(Imds, FaultsWrongAnswers) {
  imds_->faults().set(Fault::wrong_answer);
  // THIM: the ASK where the VCEK belongs (well-formed, so the verifier is the one to judge it).
  auto c = client().vcek_certification();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NE(c->vcek_pem, imds_->content().vcek_pem);
  EXPECT_EQ((*certs_from_pem(c->vcek_pem))[0].subject_cn(), "SEV-Milan");

  // Instance: a non-confidential VM.
  auto m = client().instance_metadata();
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["compute"]["vmSize"], "Standard_D2s_v5");
  EXPECT_EQ((*m)["compute"]["securityProfile"]["securityType"], "TrustedLaunch");

  // TD quote: another REPORTDATA; the client notices.
  auto q = client().td_quote(tdreport());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, "imds.bad_response");
  EXPECT_NE(q.error().message.find("REPORTDATA"), std::string::npos);
}

TEST_F(Imds, ClientRejectsMalformedAnswers) {
  // A server that answers 200 with the wrong shapes.
  HttpServer server([](const HttpRequest& r) {
    if (r.path() == kTdQuotePath) return HttpResponse::json(200, R"({"quote":"AAAA"})");
    if (r.path() == kThimCertificationPath)
      return HttpResponse::json(200, R"({"vcekCert":"x","certificateChain":"y","tcbm":"00"})");
    return HttpResponse::text(200, "not json");
  });
  ASSERT_TRUE(server.start());
  ImdsClient c(server.url());
  EXPECT_EQ(c.td_quote(tdreport()).error().code, "imds.bad_response");
  EXPECT_EQ(c.vcek_certification().error().code, "imds.bad_response");
  EXPECT_EQ(c.instance_metadata().error().code, "imds.bad_response");
}

}  // namespace
