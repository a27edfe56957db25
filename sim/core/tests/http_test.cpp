#include "core/http.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "core/x509.h"

using namespace coco;
using namespace std::chrono_literals;

namespace {

HttpResponse echo(const HttpRequest& r) {
  HttpResponse res = HttpResponse::text(200, r.body);
  res.headers.set("X-Method", r.method);
  res.headers.set("X-Target", r.target);
  res.headers.set("X-Path", std::string(r.path()));
  res.headers.set("X-Query", std::string(r.query()));
  res.headers.set("X-Token", r.headers.get("x-token").value_or("<none>"));
  return res;
}

// A raw socket to the server, for what HttpClient deliberately cannot do (keep-alive, garbage, stalls).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(s, boost::asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  std::array<char, 4096> buf{};
  for (int i = 0; i < 1000; ++i) {
    auto n = s.read_some(boost::asio::buffer(buf), ec);
    out.append(buf.data(), n);
    if (ec) break;
  }
  return out;
}

struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
};

TlsMaterial self_signed(const std::string& cn) {
  Key key = ec_key_from_seed(Curve::p256, as_bytes("http-test"), cn);
  CertSpec spec;
  spec.subject = {{"CN", cn}};
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

}  // namespace

TEST(Http, ParseUrl) {
  auto u = parse_url("http://127.0.0.1:8080/vcek/v1/Milan/cert_chain?x=1#frag");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/vcek/v1/Milan/cert_chain?x=1");
  EXPECT_EQ(u->host_header(), "127.0.0.1:8080");

  auto d = parse_url("HTTPS://KdsIntf.amd.com");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->tls());
  EXPECT_EQ(d->host, "kdsintf.amd.com");
  EXPECT_EQ(d->port, 443);
  EXPECT_EQ(d->target, "/");
  EXPECT_EQ(d->host_header(), "kdsintf.amd.com");

  auto v6 = parse_url("http://[::1]:9/a?b");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:9");
  EXPECT_EQ(parse_url("http://h?q=1")->target, "/?q=1");

  for (const char* bad : {"", "127.0.0.1:80/x", "ftp://host/", "http://", "http:///path", "http://host:0/",
                          "http://host:65536/", "http://host:12ab/", "http://user@host/", "http://ho st/",
                          "http://[::1/", "http://[::1]x/", "http://a\nb/", "http://h\x01/"}) {
    auto r = parse_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "http.bad_url") << bad;
  }
}

TEST(Http, QueryAndHeaders) {
  auto q = parse_query("blSPL=03&teeSPL=00&name=a%20b+c&flag&&bad=%zz");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"blSPL", "03"}));
  EXPECT_EQ(q[2].second, "a b c");
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[4].second, "%zz");
  EXPECT_EQ(url_encode("a b/c~"), "a%20b%2Fc~");

  HttpHeaders h{{"Content-Type", "a"}};
  h.add("X-A", "1");
  h.add("x-a", "2");
  EXPECT_EQ(h.get("content-type"), "a");
  EXPECT_EQ(h.get("X-a"), "1");
  h.set("X-A", "3");
  EXPECT_EQ(h.get("x-a"), "3");
  EXPECT_EQ(h.items().size(), 2u);
  EXPECT_FALSE(h.has("missing"));
}

TEST(Http, RoundTripOnFreePort) {
  HttpServer server(echo);
  ASSERT_TRUE(server.start());
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));

  HttpClient client;
  auto r = client.get(server.url() + "/a/b?x=1&y=2", {{"X-Token", "t0k"}});
  ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("x-method"), "GET");
  EXPECT_EQ(r->headers.get("x-target"), "/a/b?x=1&y=2");
  EXPECT_EQ(r->headers.get("x-path"), "/a/b");
  EXPECT_EQ(r->headers.get("x-query"), "x=1&y=2");
  EXPECT_EQ(r->headers.get("x-token"), "t0k");
  EXPECT_EQ(r->headers.get("content-type"), "text/plain; charset=utf-8");

  std::string body("\x00\x01binary\xff", 9);
  auto p = client.post(server.url() + "/post", body, {{"Content-Type", "application/octet-stream"}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->headers.get("x-method"), "POST");
  EXPECT_EQ(p->body, body);
  EXPECT_EQ(server.requests_handled(), 2u);
  server.stop();
  EXPECT_FALSE(server.running());
  server.stop();  // idempotent
}

TEST(Http, ConcurrentClientsOnSeveralThreads) {
  HttpServerOptions o;
  o.threads = 4;
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  constexpr int kClients = 4, kEach = 25;
  std::vector<int> ok(kClients, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client;
      for (int i = 0; i < kEach; ++i) {
        std::string body = std::to_string(c) + "/" + std::to_string(i);
        auto r = client.post(server.url() + "/p", body);
        if (r && r->status == 200 && r->body == body) ++ok[static_cast<std::size_t>(c)];
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(ok[static_cast<std::size_t>(c)], kEach);
  EXPECT_EQ(server.requests_handled(), static_cast<std::uint64_t>(kClients * kEach));
}

TEST(Http, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpServer server(echo);
  ASSERT_TRUE(server.start());
  std::string two =
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string out = raw_exchange(server.port(), two);
  EXPECT_NE(out.find("X-Target: /one"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Target: /two"), std::string::npos) << out;
  EXPECT_EQ(server.requests_handled(), 2u);
}

TEST(Http, MalformedRequestGets400AndHandlerExceptionGets500) {
  HttpServer server([](const HttpRequest& r) -> HttpResponse {
    if (r.path() == "/throw") throw std::runtime_error("boom");
    return HttpResponse::text(200, "ok");
  });
  ASSERT_TRUE(server.start());
  std::string out = raw_exchange(server.port(), "NOT A REQUEST\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  auto r = HttpClient().get(server.url() + "/throw");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  auto ok = HttpClient().get(server.url() + "/fine");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "ok");
}

TEST(Http, OversizedBodyGets413) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  HttpClient client;
  auto r = client.post(server.url() + "/big", std::string(4096, 'x'));
  ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(server.requests_handled(), 0u);
  auto small = client.post(server.url() + "/small", std::string(1024, 'y'));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
}

TEST(Http, TlsRoundTripWithPinnedCa) {
  auto tls = self_signed("coco-test-server");
  HttpServerOptions o;
  o.tls = TlsServerConfig{tls.cert_pem, tls.key_pem};
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u);

  HttpClientOptions co;
  co.ca_pem = tls.cert_pem;
  auto r = HttpClient(co).get(server.url() + "/secure?q=1");
  ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("x-target"), "/secure?q=1");

  // Another CA: the handshake must fail verification.
  HttpClientOptions other;
  other.ca_pem = self_signed("someone-else").cert_pem;
  auto bad = HttpClient(other).get(server.url() + "/");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "http.tls_failed");

  HttpClientOptions insecure;
  insecure.insecure_skip_verify = true;
  auto any = HttpClient(insecure).get(server.url() + "/");
  ASSERT_TRUE(any) << any.error().message;

  // Plain HTTP to a TLS port is not an HTTP response.
  auto plain = HttpClient().get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  EXPECT_FALSE(plain);
}

TEST(Http, BadTlsConfigIsANamedError) {
  HttpServerOptions o;
  o.tls = TlsServerConfig{"not a cert", "not a key"};
  HttpServer server(echo, o);
  auto s = server.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "http.tls_config");
}

TEST(Http, SlowServerTimesOutClient) {
  HttpServerOptions o;
  o.faults = std::make_shared<FaultSwitch>(Fault::slow);
  o.faults->set_slow_delay(10s);
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  auto r = HttpClient().get(server.url() + "/", {}, 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http.timeout");
  server.stop();  // must not wait for the pending delay
}

TEST(Http, TransportFaults) {
  HttpServerOptions o;
  o.faults = std::make_shared<FaultSwitch>();
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  HttpClient client;

  o.faults->set(Fault::down);
  auto down = client.get(server.url() + "/");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, "http.connect_failed");

  for (auto [fault, status] :
       {std::pair{Fault::status_404, 404}, {Fault::status_429, 429}, {Fault::status_500, 500}}) {
    o.faults->set(fault);
    auto r = client.get(server.url() + "/");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, status);
  }
  o.faults->set(Fault::status_429);
  EXPECT_EQ(client.get(server.url() + "/")->headers.get("retry-after"), "1");

  o.faults->set(Fault::wrong_answer);  // left to the service: the server answers normally
  auto w = client.get(server.url() + "/");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, 200);
  EXPECT_EQ(server.requests_handled(), 1u);
}

TEST(Http, StalledClientIsDroppedAndDoesNotBlockStop) {
  HttpServerOptions o;
  o.read_timeout = 200ms;
  HttpServer server(echo, o);
  ASSERT_TRUE(server.start());
  // Half a request, then silence: the server must give up on it.
  std::string out = raw_exchange(server.port(), "GET /partial HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(out, "");

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(s, boost::asio::buffer(std::string("GET / HTTP/1.1\r\n")));
  server.stop();
}

TEST(Http, ConnectFailedAfterStop) {
  HttpServer server(echo);
  ASSERT_TRUE(server.start());
  std::string url = server.url() + "/";
  server.stop();
  auto r = HttpClient().get(url, {}, 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http.connect_failed");
}

TEST(Http, ClientRejectsBadUrlAndHeaderInjection) {
  HttpClient client;
  auto r = client.get("kdsintf.amd.com/vcek");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http.bad_url");
  auto h = client.get("http://127.0.0.1:1/", {{"X-Evil", "a\r\nInjected: 1"}});
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "http.bad_request");
}

TEST(Http, BindFailureIsANamedError) {
  HttpServer a(echo);
  ASSERT_TRUE(a.start());
  HttpServerOptions o;
  o.port = a.port();
  HttpServer b(echo, o);
  auto s = b.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "http.bind_failed");
  HttpServerOptions bad;
  bad.bind_address = "not-an-ip";
  auto s2 = HttpServer(echo, bad).start();
  ASSERT_FALSE(s2);
  EXPECT_EQ(s2.error().code, "http.bind_failed");
}

TEST(Fault, ParseNames) {
  EXPECT_EQ(*parse_fault("none"), Fault::none);
  EXPECT_EQ(*parse_fault("DOWN"), Fault::down);
  EXPECT_EQ(*parse_fault("slow"), Fault::slow);
  EXPECT_EQ(*parse_fault("404"), Fault::status_404);
  EXPECT_EQ(*parse_fault("429"), Fault::status_429);
  EXPECT_EQ(*parse_fault("500"), Fault::status_500);
  EXPECT_EQ(*parse_fault("wrong"), Fault::wrong_answer);
  EXPECT_EQ(*parse_fault("wrong_answer"), Fault::wrong_answer);
  auto bad = parse_fault("503");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "fault.unknown_name");
  for (auto f : {Fault::none, Fault::down, Fault::slow, Fault::status_404, Fault::status_429,
                 Fault::status_500, Fault::wrong_answer}) {
    EXPECT_EQ(*parse_fault(fault_name(f)), f);
  }
  FaultSwitch sw;
  EXPECT_EQ(sw.get(), Fault::none);
  EXPECT_EQ(sw.slow_delay(), FaultSwitch::kDefaultSlowDelay);
  sw.set_slow_delay(std::chrono::hours(1));
  EXPECT_EQ(sw.slow_delay(), FaultSwitch::kMaxSlowDelay);
  sw.set_slow_delay(-5ms);
  EXPECT_EQ(sw.slow_delay(), 0ms);
}
