// The KBS over real sockets: Trustee's payload limit (actix's 413 before the handler runs), HTTPS with the
// configured certificate, concurrent handshakes on the worker pool, and a clean stop.
#include <thread>

#include "kbs_fixture.h"

namespace coco::trustee::test {
namespace {

struct Served {
  std::unique_ptr<Kbs> kbs;
  HttpClient client;
};

Served serve(KbsConfig config, std::optional<TlsServerConfig> tls = std::nullopt,
             HttpClientOptions copts = {}) {
  KbsOptions o;
  o.config = std::move(config);
  o.port = 0;
  o.tls = std::move(tls);
  o.snp.roots = &sim_roots();
  auto k = Kbs::create(std::move(o));
  if (!k) throw std::runtime_error(k.error().message);
  Served s{std::move(*k), HttpClient(copts)};
  if (!s.kbs->start()) throw std::runtime_error("start failed");
  return s;
}

TEST(KbsHttp, PayloadLimitIsActixs413) {
  KbsConfig c = test_config();
  c.http_server.payload_request_size_mib = 1;
  Served s = serve(c);
  const std::string url = s.kbs->url() + "/kbs/v0/auth";
  auto over = s.client.post(url, std::string((1 << 20) + 1, '{'));
  ASSERT_TRUE(over) << over.error().message;
  EXPECT_EQ(over->status, 413);
  EXPECT_EQ(over->body, "A payload reached size limit.");
  // At the limit the request reaches the KBS, which answers as Trustee does.
  auto at = s.client.post(url, std::string(1 << 20, ' '));
  ASSERT_TRUE(at);
  EXPECT_EQ(at->status, 401);
  EXPECT_NE(at->body.find("deserialize Request"), std::string::npos);
  s.kbs->stop();
  EXPECT_FALSE(s.client.get(s.kbs->url() + "/healthz"));
}

TEST(KbsHttp, HttpsAndConcurrentHandshakes) {
  Key key = jose::generate_ec_key(Curve::p256);
  CertSpec spec{{{"CN", "127.0.0.1"}},
                {},
                {1},
                utc_time(2020, 1, 1),
                utc_time(2040, 1, 1),
                key,
                {{"subjectAltName", false, {}, "IP:127.0.0.1"}}};
  Cert cert = *build_cert(spec, key, SigAlg::ecdsa_sha256);
  KbsConfig c = test_config();
  c.http_server.insecure_http = false;
  c.http_server.worker_count = 2;
  HttpClientOptions copts;
  copts.ca_pem = cert.pem();
  Served s = serve(c, TlsServerConfig{cert.pem(), private_key_to_pem(key)}, copts);
  ASSERT_EQ(s.kbs->url().rfind("https://", 0), 0u);

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      HttpClient client(copts);
      for (int i = 0; i < 5; ++i) {
        auto r = client.post(s.kbs->url() + "/kbs/v0/auth",
                             R"({"version":"0.4.0","tee":"snp","extra-params":{}})");
        if (r && r->status == 200 && r->headers.get("Set-Cookie")) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(s.kbs->sessions().size(), 20u);
  // Without the CA the client refuses the server.
  HttpClient untrusting;
  auto r = untrusting.get(s.kbs->url() + "/healthz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http.tls_failed");
}

TEST(KbsHttp, ExpiredSessionsAreSwept) {
  SessionStore store(5);
  store.create(Tee::sample, "{}", 1000);
  store.create(Tee::snp, "{}", 1100);
  EXPECT_EQ(store.sweep(1299), 0u);
  EXPECT_EQ(store.sweep(1300), 1u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.sweep(2000), 1u);
}

}  // namespace
}  // namespace coco::trustee::test
