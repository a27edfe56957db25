// HTTP/1.1 server and client on Boost.Asio/Beast, with optional TLS (OpenSSL), for the fake vendor
// services (KDS, PCS, IMDS, KBS) and the clients that talk to them or to the real ones.
// The server is loopback-only by default, picks a free port when asked for port 0, bounds request size
// and read time so a misbehaving client can neither exhaust memory nor hang shutdown, and applies
// transport-level faults (core/fault.h). The client is blocking, one connection per request, with an
// overall deadline per request; failures come back as named errors, never exceptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fault.h"
#include "core/result.h"

namespace coco {

// Header fields in arrival order; lookup is case-insensitive as RFC 9110 requires.
class HttpHeaders {
 public:
  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<std::pair<std::string, std::string>> init);
  // Replaces every field of that name.
  void set(std::string name, std::string value);
  void add(std::string name, std::string value);
  void remove(std::string_view name);
  std::optional<std::string> get(std::string_view name) const;  // the first field of that name
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent: "/vcek/v1/Milan/cert_chain"
  HttpHeaders headers;
  std::string body;  // bytes, not necessarily text

  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', without it; "" when absent
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  static HttpResponse text(int status, std::string body);                  // text/plain; charset=utf-8
  static HttpResponse json(int status, std::string body);                  // application/json
  static HttpResponse binary(std::string body, std::string content_type);  // 200
};

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}; '+' is a space. Malformed %-escapes are kept literally.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
std::string url_encode(std::string_view s);  // RFC 3986 unreserved characters kept

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
  bool tls() const { return scheme == "https"; }
  std::string host_header() const;  // "host" or "host:port" when not the scheme's default; IPv6 bracketed
  std::string origin() const;       // "http://127.0.0.1:8080"
};
// Absolute http(s) URLs only; fragments are dropped; userinfo is rejected. Error: http.bad_url.
Result<Url> parse_url(std::string_view url);
// The reason phrase of an HTTP status ("Not Found"), as servers send it and clients print it; "" when
// unknown.
std::string_view status_reason(int status);

struct TlsServerConfig {
  std::string cert_pem;  // the server certificate, optionally followed by its chain
  std::string key_pem;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port
  int threads = 1;
  std::optional<TlsServerConfig> tls;
  std::size_t max_body_bytes = 1 << 20;  // larger request bodies get 413
  // Request head limit. Bearer tokens grow with the claims they carry (a TDX EAR with its event log is
  // over Beast's 8 KiB default), so allow what actix-web, Trustee's server, accepts in practice.
  std::uint32_t max_header_bytes = 64 << 10;
  // The answer to a body over the limit; default: 413 text/plain naming the limit.
  std::optional<HttpResponse> body_too_large_response;
  // Time allowed for a TLS handshake, and for each request to arrive complete; an idle keep-alive
  // connection is closed after this too.
  std::chrono::milliseconds read_timeout{10'000};
  // Transport faults applied before the handler runs (down, slow, status codes). May be null.
  std::shared_ptr<FaultSwitch> faults;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// The handler may run on any of the server's threads, concurrently when threads > 1. An exception from it
// becomes a 500. stop() must not be called from inside the handler.
class HttpServer {
 public:
  HttpServer(HttpHandler handler, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Errors: http.bind_failed, http.tls_config (bad cert/key), http.already_started.
  Status start();
  // Closes the listener and every connection and joins the threads. Idempotent.
  void stop();
  bool running() const;
  std::uint16_t port() const;              // the bound port (valid after start)
  std::string url() const;                 // "http://127.0.0.1:PORT" or "https://..."
  std::uint64_t requests_handled() const;  // requests that reached the handler

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The part every fake vendor service (AMD KDS, Intel PCS, Azure IMDS) shares: a loopback HttpServer calling
// the service's handler, and the fault switch, taken from options.server.faults (to share one switch) or
// made fresh. A service derives from it; its destructor must call stop() before the state its handler reads
// goes away (this base's destructor runs too late for that).
class FakeService {
 public:
  FakeService(const FakeService&) = delete;
  FakeService& operator=(const FakeService&) = delete;

  Status start();  // errors as HttpServer::start
  void stop();     // idempotent
  std::string url() const;
  std::uint16_t port() const;
  FaultSwitch& faults() const { return *faults_; }

 protected:
  FakeService(HttpServerOptions options, HttpHandler handler);
  ~FakeService();

 private:
  std::shared_ptr<FaultSwitch> faults_;
  std::unique_ptr<HttpServer> server_;
};

struct HttpClientOptions {
  // https: trust exactly these PEM certificates; nullopt = the system's default trust store.
  std::optional<std::string> ca_pem;
  // Tests only: accept any server certificate and name.
  bool insecure_skip_verify = false;
  std::size_t max_response_bytes = 16 << 20;
  std::string user_agent = "coco-harness/0.1";
};

// Errors: http.bad_url, http.connect_failed (refused, unreachable, or closed by the server before any
// response), http.timeout (the whole request exceeded `timeout`), http.tls_failed (handshake or
// certificate verification), http.protocol_error (not a valid HTTP response, or too large),
// http.bad_request (a method that is not a token, or a header value with a line break).
// A non-2xx status is a successful result: the caller decides what it means.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};

  Result<HttpResponse> get(const std::string& url, const HttpHeaders& headers = {},
                           std::chrono::milliseconds timeout = kDefaultTimeout) const;
  Result<HttpResponse> post(const std::string& url, std::string body, const HttpHeaders& headers = {},
                            std::chrono::milliseconds timeout = kDefaultTimeout) const;
  Result<HttpResponse> request(std::string_view method, const std::string& url, std::string body,
                               const HttpHeaders& headers = {},
                               std::chrono::milliseconds timeout = kDefaultTimeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coco
