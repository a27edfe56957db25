#include "tdx/pcs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/encoding.h"
#include "core/test_support.h"

using namespace coco;
using namespace coco::tdx;
using namespace std::chrono_literals;

namespace {

IntelAuthority& intel() {
  static IntelAuthority a("seed");
  return a;
}

constexpr std::array<std::uint8_t, 6> kFmspc = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};
constexpr std::array<std::uint8_t, 6> kOtherFmspc = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};

std::string tcb_body(const std::string& fmspc, int eval = 17) {
  return R"({"tcbInfo":{"id":"TDX","version":3,"fmspc":")" + fmspc +
         R"(","nextUpdate":"2099-01-01T00:00:00Z","tcbEvaluationDataNumber":)" + std::to_string(eval) +
         R"(},"signature":"00"})";
}
const std::string kQeBody =
    R"({"enclaveIdentity":{"id":"TD_QE","version":2,"nextUpdate":"2099-01-01T00:00:00Z"},"signature":"00"})";

Bytes serial(std::initializer_list<std::uint8_t> b) {
  return Bytes(b);
}

PcsContent content() {
  PcsContent c;
  c.tcb_info_by_fmspc["50806f000000"] = tcb_body("50806F000000");
  c.qe_identity = kQeBody;
  c.revoked_pck_serials = {serial({0x12, 0x34}), serial({0x7f, 0x00, 0x01})};
  c.revoked_ca_serials = {serial({0x42})};
  return c;
}

struct TlsMaterial {
  std::string cert_pem, key_pem;
};

TlsMaterial self_signed() {
  Key key = ec_key_from_seed(Curve::p256, as_bytes("pcs-test"), "tls");
  CertSpec spec;
  spec.subject = {{"CN", "fake-pcs"}};
  spec.serial = {0x01};
  spec.not_before = std::chrono::system_clock::now() - 24h;
  spec.not_after = std::chrono::system_clock::now() + 24h;
  spec.subject_key = key;
  spec.extensions = {{"basicConstraints", false, {}, "critical,CA:TRUE"},
                     {"subjectAltName", false, {}, "IP:127.0.0.1,DNS:localhost"}};
  auto cert = build_cert(spec, key, SigAlg::ecdsa_sha256);
  EXPECT_TRUE(cert) << cert.error().message;
  return {cert->pem(), private_key_to_pem(key)};
}

class Pcs : public ::testing::Test {
 protected:
  void SetUp() override {
    pcs_ = std::make_unique<FakePcs>(intel(), content());
    ASSERT_TRUE(pcs_->start());
  }
  PcsClient client(std::chrono::milliseconds timeout = 5s, bool check = true, bool cache = false) {
    PcsClientOptions o;
    o.timeout = timeout;
    o.check_response = check;
    if (cache) o.cache_dir = cache_.path();
    return PcsClient(pcs_->url(), o);
  }
  Result<HttpResponse> get(const std::string& target) { return HttpClient().get(pcs_->url() + target); }

  coco::test::TempDir cache_{"coco-pcs-test"};
  std::unique_ptr<FakePcs> pcs_;
};

void expect_verifying_chain(const std::string& pem, const std::string& signer_cn) {
  auto chain = certs_from_pem(pem);
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].subject_cn(), signer_cn);
  EXPECT_EQ((*chain)[1].subject_cn(), "Intel SGX Root CA");
  EXPECT_TRUE((*chain)[0].verify_signature((*chain)[1].public_key()));
  EXPECT_TRUE((*chain)[1].verify_signature((*chain)[1].public_key()));
  EXPECT_EQ((*chain)[1].der(), intel().root().der());
}

}  // namespace

TEST(PcsPaths, RealPcsV4Paths) {
  EXPECT_EQ(tdx_tcb_info_path(kFmspc), "/tdx/certification/v4/tcb?fmspc=50806f000000");
  EXPECT_EQ(tdx_qe_identity_path(), "/tdx/certification/v4/qe/identity");
  EXPECT_EQ(pck_crl_path(PckCa::processor), "/sgx/certification/v4/pckcrl?ca=processor&encoding=der");
  EXPECT_EQ(pck_crl_path(PckCa::platform, false), "/sgx/certification/v4/pckcrl?ca=platform&encoding=pem");
  // The fake's CRL path is the one the simulated PKI names as the CRL distribution point.
  EXPECT_EQ(std::string(kPcsBaseUrl) + pck_crl_path(PckCa::platform), pck_crl_url(PckCa::platform));
  EXPECT_EQ(PcsClient().root_crl_url(), intel_root_crl_url());
  EXPECT_EQ(PcsClient(std::string(kPcsBaseUrl) + "/").root_crl_url(), intel_root_crl_url());
  EXPECT_EQ(PcsClient("http://127.0.0.1:1234/").root_crl_url(), "http://127.0.0.1:1234/IntelSGXRootCA.der");
}

TEST(PcsPaths, IssuerChainHeaderRoundTrips) {
  EXPECT_EQ(percent_decode(url_encode(intel().root().pem()), false), intel().root().pem());
}

TEST_F(Pcs, FetchReturnsEveryPart) {
  auto set = client().fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(set) << set.error().code << ": " << set.error().message;
  EXPECT_EQ(set->tcb_info, tcb_body("50806F000000"));
  EXPECT_EQ(set->qe_identity, kQeBody);
  expect_verifying_chain(set->tcb_info_issuer_chain, "Intel SGX TCB Signing");
  expect_verifying_chain(set->qe_identity_issuer_chain, "Intel SGX TCB Signing");
  expect_verifying_chain(set->pck_crl_issuer_chain, "Intel SGX PCK Processor CA");
  EXPECT_EQ(set->tcb_info_issuer_chain, intel().tcb_signing_chain_pem());

  auto pck_crl = crl_from_der(set->pck_crl);
  ASSERT_TRUE(pck_crl) << pck_crl.error().message;
  EXPECT_TRUE(pck_crl->verify_signature(intel().processor_ca().public_key()));
  EXPECT_FALSE(pck_crl->verify_signature(intel().root().public_key()));
  EXPECT_TRUE(pck_crl->issued_by(intel().processor_ca()));
  EXPECT_EQ(pck_crl->signature_algorithm(), "ecdsa-with-SHA256");
  EXPECT_EQ(pck_crl->revoked_serials(), content().revoked_pck_serials);
  ASSERT_TRUE(pck_crl->next_update());
  EXPECT_GT(*pck_crl->next_update(), std::chrono::system_clock::now() + 24h * 29);

  auto root_crl = crl_from_der(set->root_crl);
  ASSERT_TRUE(root_crl) << root_crl.error().message;
  EXPECT_TRUE(root_crl->verify_signature(intel().root().public_key()));
  EXPECT_TRUE(root_crl->issued_by(intel().root()));
  EXPECT_TRUE(root_crl->is_revoked(serial({0x42})));
  EXPECT_EQ(root_crl->revoked_serials().size(), 1u);

  EXPECT_EQ(pcs_->served("tcb"), 1u);
  EXPECT_EQ(pcs_->served("qe_identity"), 1u);
  EXPECT_EQ(pcs_->served("pckcrl"), 1u);
  EXPECT_EQ(pcs_->served("root_crl"), 1u);
  EXPECT_EQ(pcs_->served("total"), 4u);
  EXPECT_EQ(pcs_->served("rejected"), 0u);
  EXPECT_EQ(pcs_->served("nonsense"), 0u);

  // The Platform CA's CRL is another CRL with the same serials.
  auto platform = client().fetch(kFmspc, PckCa::platform);
  ASSERT_TRUE(platform) << platform.error().message;
  expect_verifying_chain(platform->pck_crl_issuer_chain, "Intel SGX PCK Platform CA");
  auto pcrl = crl_from_der(platform->pck_crl);
  ASSERT_TRUE(pcrl);
  EXPECT_TRUE(pcrl->verify_signature(intel().platform_ca().public_key()));
  EXPECT_FALSE(pcrl->verify_signature(intel().processor_ca().public_key()));
  EXPECT_EQ(pcrl->revoked_serials(), content().revoked_pck_serials);
}

TEST_F(Pcs, HeadersAsPcsSendsThem) {
  auto r = get(tdx_tcb_info_path(kFmspc));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->headers.get("content-type"), "application/json");
  auto raw = r->headers.get("tcb-info-issuer-chain");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->find('\n'), std::string::npos);  // URL-encoded
  EXPECT_NE(raw->find("-----BEGIN%20CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(percent_decode(*raw, false), intel().tcb_signing_chain_pem());
  auto id = r->headers.get("request-id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 32u);
  EXPECT_TRUE(hex_decode(*id));

  auto qe = get(tdx_qe_identity_path() + "?update=early");
  ASSERT_TRUE(qe);
  ASSERT_EQ(qe->status, 200);
  EXPECT_EQ(qe->body, kQeBody);
  EXPECT_TRUE(qe->headers.has("SGX-Enclave-Identity-Issuer-Chain"));
  EXPECT_NE(qe->headers.get("request-id"), id);  // one per answer

  // PCS's default CRL encoding is PEM.
  auto pem = get("/sgx/certification/v4/pckcrl?ca=platform");
  ASSERT_TRUE(pem);
  ASSERT_EQ(pem->status, 200);
  EXPECT_EQ(pem->headers.get("content-type"), "application/x-pem-file");
  EXPECT_TRUE(crl_from_pem(pem->body));
  auto chain = pem->headers.get("SGX-PCK-CRL-Issuer-Chain");
  ASSERT_TRUE(chain);
  EXPECT_EQ(percent_decode(*chain, false), intel().platform_ca().pem() + intel().root().pem());

  auto der = get(pck_crl_path(PckCa::processor));
  ASSERT_TRUE(der);
  EXPECT_EQ(der->headers.get("content-type"), "application/pkix-crl");
  EXPECT_TRUE(crl_from_der(as_bytes(der->body)));

  auto root = get("/IntelSGXRootCA.der");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->status, 200);
  EXPECT_EQ(root->headers.get("content-type"), "application/pkix-crl");
  EXPECT_TRUE(root->headers.has("Request-ID"));
}

TEST_F(Pcs, UnknownFmspcIs404WithErrorHeaders) {
  auto r = get(tdx_tcb_info_path(kOtherFmspc));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->headers.get("Error-Code"), "NotFound");
  EXPECT_TRUE(r->headers.has("Error-Message"));
  EXPECT_TRUE(r->headers.has("Request-ID"));

  auto set = client().fetch(kOtherFmspc, PckCa::processor);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, "pcs.http_status");
  const auto& m = set.error().message;
  EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
  EXPECT_NE(m.find("/tdx/certification/v4/tcb?fmspc=00906ed50000"), std::string::npos) << m;
  EXPECT_NE(m.find("NotFound"), std::string::npos) << m;
}

TEST_F(Pcs, MalformedRequestsAre400) {
  struct Case {
    std::string target;
    int status;
  };
  for (const auto& c : std::vector<Case>{
           {"/tdx/certification/v4/tcb", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f00000", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f0000000", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f00000z", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f000000&fmspc=50806f000000", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f000000&update=late", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f000000&update=early&tcbEvaluationDataNumber=17", 400},
           {"/tdx/certification/v4/tcb?fmspc=50806f000000&tcbEvaluationDataNumber=x", 400},
           {"/tdx/certification/v4/qe/identity?update=sometime", 400},
           {"/sgx/certification/v4/pckcrl", 400},
           {"/sgx/certification/v4/pckcrl?ca=root", 400},
           {"/sgx/certification/v4/pckcrl?ca=processor&encoding=base64", 400},
           {"/sgx/certification/v4/pckcrl?ca=processor&ca=platform", 400},
           {"/sgx/certification/v3/pckcrl?ca=processor", 404},
           {"/tdx/certification/v4/tcbx?fmspc=50806f000000", 404},
           {"/", 404},
       }) {
    auto r = get(c.target);
    ASSERT_TRUE(r) << c.target;
    EXPECT_EQ(r->status, c.status) << c.target << " -> " << r->body;
    EXPECT_EQ(r->headers.get("Error-Code"), c.status == 400 ? "InvalidRequestSyntax" : "NotFound")
        << c.target;
    EXPECT_TRUE(r->headers.has("Error-Message")) << c.target;
    EXPECT_TRUE(r->headers.has("Request-ID")) << c.target;
  }
  // Upper-case hex is a valid FMSPC, and the optional parameters are accepted.
  for (const std::string t : {"/tdx/certification/v4/tcb?fmspc=50806F000000",
                              "/tdx/certification/v4/tcb?fmspc=50806f000000&tcbEvaluationDataNumber=17",
                              "/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard"}) {
    auto r = get(t);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << t;
  }
  auto post = HttpClient().post(pcs_->url() + tdx_qe_identity_path(), "x");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->headers.get("Allow"), "GET");
  EXPECT_TRUE(post->headers.has("Request-ID"));
  EXPECT_EQ(pcs_->served("rejected"), 17u);
  EXPECT_EQ(pcs_->served("tcb"), 3u);
}

TEST_F(Pcs, EmptyQeIdentityIs404) {
  auto c = content();
  c.qe_identity.clear();
  pcs_->set_content(c);
  auto r = client().fetch_qe_identity();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "pcs.http_status");
  EXPECT_NE(r.error().message.find("/tdx/certification/v4/qe/identity"), std::string::npos);
}

TEST_F(Pcs, FaultsMapToNamedErrors) {
  auto expect_code = [&](Fault f, const std::string& code, const std::string& in_message = "") {
    pcs_->faults().set(f);
    auto r = client(300ms).fetch(kFmspc, PckCa::processor);
    ASSERT_FALSE(r) << fault_name(f);
    EXPECT_EQ(r.error().code, code) << fault_name(f) << ": " << r.error().message;
    if (!in_message.empty()) {
      EXPECT_NE(r.error().message.find(in_message), std::string::npos) << r.error().message;
    }
  };
  expect_code(Fault::down, "pcs.unreachable");
  pcs_->faults().set_slow_delay(10s);
  expect_code(Fault::slow, "pcs.unreachable");
  expect_code(Fault::status_404, "pcs.http_status", "HTTP 404");
  expect_code(Fault::status_429, "pcs.http_status", "HTTP 429");
  expect_code(Fault::status_500, "pcs.http_status", "HTTP 500");
  expect_code(Fault::wrong_answer, "pcs.bad_response", "tcbInfo");

  // Each wrong answer is caught on its own.
  pcs_->faults().set(Fault::wrong_answer);
  auto qe = client().fetch_qe_identity();
  ASSERT_FALSE(qe);
  EXPECT_EQ(qe.error().code, "pcs.bad_response");
  auto crl = client().fetch_pck_crl(PckCa::platform);
  ASSERT_FALSE(crl);
  EXPECT_EQ(crl.error().code, "pcs.bad_response");
  EXPECT_NE(crl.error().message.find("Intel SGX Root CA"), std::string::npos) << crl.error().message;
  auto root = client().fetch_root_crl();
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().code, "pcs.bad_response");

  // Unchecked, the wrong answers are handed over for the verifier to reject.
  auto loose = client(5s, false).fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(loose) << loose.error().message;
  EXPECT_EQ(loose->tcb_info, kQeBody);
  auto wrong_crl = crl_from_der(loose->pck_crl);
  ASSERT_TRUE(wrong_crl);
  EXPECT_FALSE(wrong_crl->verify_signature(intel().processor_ca().public_key()));

  pcs_->faults().clear();
  auto good = client().fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(good) << good.error().message;
}

TEST(PcsClientErrors, MissingHeaderAndJunkAreBadResponse) {
  HttpServer junk([](const HttpRequest& r) {
    if (r.path() == "/tdx/certification/v4/tcb") return HttpResponse::json(200, tcb_body("50806f000000"));
    auto res = HttpResponse::text(200, "not a CRL");
    res.headers.set("SGX-PCK-CRL-Issuer-Chain", "%zz");
    res.headers.set("SGX-Enclave-Identity-Issuer-Chain", "-----BEGIN%20CERTIFICATE-----%0Agarbage");
    return res;
  });
  ASSERT_TRUE(junk.start());
  PcsClient c(junk.url());
  auto tcb = c.fetch_tcb_info(kFmspc);
  ASSERT_FALSE(tcb);
  EXPECT_EQ(tcb.error().code, "pcs.bad_response");
  EXPECT_NE(tcb.error().message.find("TCB-Info-Issuer-Chain"), std::string::npos) << tcb.error().message;
  auto qe = c.fetch_qe_identity();
  ASSERT_FALSE(qe);
  EXPECT_EQ(qe.error().code, "pcs.bad_response");
  auto crl = c.fetch_pck_crl(PckCa::processor);
  ASSERT_FALSE(crl);
  EXPECT_EQ(crl.error().code, "pcs.bad_response");
  auto root = c.fetch_root_crl();
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().code, "pcs.bad_response");

  auto bad = PcsClient("not a url").fetch(kFmspc, PckCa::processor);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "pcs.bad_url");
}

TEST_F(Pcs, SetContentSwapIsSeen) {
  auto first = client().fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(first) << first.error().message;
  auto first_crl = crl_from_der(first->pck_crl);
  ASSERT_TRUE(first_crl);

  auto c = content();
  c.tcb_info_by_fmspc["50806f000000"] = tcb_body("50806f000000", 18);
  c.tcb_info_by_fmspc["00906ed50000"] = tcb_body("00906ed50000", 18);
  c.revoked_pck_serials.push_back(serial({0x99}));
  pcs_->set_content(c);
  EXPECT_EQ(pcs_->content().tcb_info_by_fmspc.size(), 2u);

  auto second = client().fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->tcb_info, tcb_body("50806f000000", 18));
  auto second_crl = crl_from_der(second->pck_crl);
  ASSERT_TRUE(second_crl);
  EXPECT_TRUE(second_crl->is_revoked(serial({0x99})));
  EXPECT_FALSE(first_crl->is_revoked(serial({0x99})));
  EXPECT_GT(*second_crl->crl_number(), *first_crl->crl_number());
  EXPECT_TRUE(client().fetch_tcb_info(kOtherFmspc));
}

TEST_F(Pcs, CacheServesFreshEntriesOffline) {
  auto online = client(5s, true, true);
  auto first = online.fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(online.stats().network_fetches, 4u);
  EXPECT_TRUE(std::filesystem::exists(online.cache_file(pcs_->url() + tdx_tcb_info_path(kFmspc))));

  pcs_->stop();
  auto offline = client(1s, true, true);
  auto again = offline.fetch(kFmspc, PckCa::processor);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(offline.stats().network_fetches, 0u);
  EXPECT_EQ(offline.stats().cache_hits, 4u);
  // Another platform's CA is another URL: the dead server shows.
  auto miss = offline.fetch_pck_crl(PckCa::platform);
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, "pcs.unreachable");
}

TEST(PcsCache, StaleOrUndatedEntriesAreNotUsed) {
  PcsContent c = content();
  c.tcb_info_by_fmspc["50806f000000"] = R"({"tcbInfo":{"id":"TDX","version":3},"signature":"00"})";
  FakePcsOptions o;
  o.crl_this_update = std::chrono::system_clock::now() - 24h * 40;  // CRLs already past nextUpdate
  FakePcs pcs(intel(), c, o);
  ASSERT_TRUE(pcs.start());
  coco::test::TempDir dir("coco-pcs-stale");
  PcsClientOptions co;
  co.cache_dir = dir.path();
  PcsClient first(pcs.url(), co);
  ASSERT_TRUE(first.fetch(kFmspc, PckCa::processor));
  PcsClient second(pcs.url(), co);
  ASSERT_TRUE(second.fetch(kFmspc, PckCa::processor));
  // Only the QE identity (nextUpdate 2099) came from the cache.
  EXPECT_EQ(second.stats().cache_hits, 1u);
  EXPECT_EQ(second.stats().network_fetches, 3u);
}

TEST(PcsTls, FetchOverHttps) {
  auto tls = self_signed();
  FakePcsOptions o;
  o.server.tls = TlsServerConfig{tls.cert_pem, tls.key_pem};
  FakePcs pcs(intel(), content(), o);
  ASSERT_TRUE(pcs.start());
  EXPECT_EQ(pcs.url().rfind("https://127.0.0.1:", 0), 0u);
  PcsClientOptions co;
  co.http.ca_pem = tls.cert_pem;
  auto set = PcsClient(pcs.url(), co).fetch(kFmspc, PckCa::platform);
  ASSERT_TRUE(set) << set.error().code << ": " << set.error().message;
  EXPECT_EQ(set->qe_identity, kQeBody);
  EXPECT_TRUE(crl_from_der(set->root_crl));

  // A client that does not trust the server's certificate cannot reach it.
  PcsClientOptions other;
  other.http.ca_pem = intel().root().pem();
  auto refused = PcsClient(pcs.url(), other).fetch(kFmspc, PckCa::platform);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "pcs.unreachable");
}

TEST_F(Pcs, CollateralJsonRoundTrip) {
  auto set = client().fetch(kFmspc, PckCa::platform);
  ASSERT_TRUE(set) << set.error().message;
  nlohmann::json j = collateral_to_json(*set);
  EXPECT_EQ(j["pck_crl"], hex_encode(set->pck_crl));
  EXPECT_EQ(j["tcb_info"], set->tcb_info);
  auto back = collateral_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, *set);

  // Through a file, as an offline collateral source.
  coco::test::TempDir dir("coco-pcs-json");
  auto file = dir.path() / "collateral.json";
  ASSERT_TRUE(write_file(file, as_bytes(j.dump(2))));
  auto text = read_file(file);
  ASSERT_TRUE(text);
  auto loaded = collateral_from_json(nlohmann::json::parse(to_string(*text)));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, *set);
}

TEST(PcsJson, CollateralFromJsonErrors) {
  CollateralSet s;
  s.tcb_info = "{}";
  s.pck_crl = {0x30, 0x00};
  s.root_crl = {0x30, 0x01};
  const nlohmann::json good = collateral_to_json(s);
  ASSERT_TRUE(collateral_from_json(good));
  auto extra = good;
  extra["comment"] = "unknown keys are ignored";
  EXPECT_TRUE(collateral_from_json(extra));

  auto expect_invalid = [](const nlohmann::json& j, const std::string& in_message) {
    auto r = collateral_from_json(j);
    ASSERT_FALSE(r) << j.dump();
    EXPECT_EQ(r.error().code, "tdx.collateral_invalid");
    EXPECT_NE(r.error().message.find(in_message), std::string::npos) << r.error().message;
  };
  expect_invalid(nlohmann::json::array(), "not a JSON object");
  expect_invalid(nlohmann::json("text"), "not a JSON object");
  for (const char* key : {"tcb_info", "tcb_info_issuer_chain", "qe_identity", "qe_identity_issuer_chain",
                          "pck_crl", "pck_crl_issuer_chain", "root_crl"}) {
    auto missing = good;
    missing.erase(key);
    expect_invalid(missing, key);
    auto wrong_type = good;
    wrong_type[key] = 42;
    expect_invalid(wrong_type, key);
  }
  auto bad_hex = good;
  bad_hex["pck_crl"] = "30zz";
  expect_invalid(bad_hex, "pck_crl");
  bad_hex = good;
  bad_hex["root_crl"] = "301";
  expect_invalid(bad_hex, "root_crl");
}
