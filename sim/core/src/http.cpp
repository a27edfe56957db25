#include "core/http.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include "core/encoding.h"

namespace coco {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// CR or LF in a header would let a value smuggle in extra headers or a second response.
bool header_safe(std::string_view s) {
  return s.find_first_of("\r\n") == std::string_view::npos;
}

// Headers the serializer owns: a caller's copy could contradict the body actually sent.
bool framing_header(std::string_view name) {
  return iequal(name, "Content-Length") || iequal(name, "Transfer-Encoding") || iequal(name, "Connection");
}

// Query components are form-encoded; a malformed escape leaves the component as it came.
std::string query_decode(std::string_view s) {
  return percent_decode(s, true).value_or(std::string(s));
}

std::string bracket_if_v6(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Plain data types

HttpHeaders::HttpHeaders(std::initializer_list<std::pair<std::string, std::string>> init) : items_(init) {}

void HttpHeaders::set(std::string name, std::string value) {
  remove(name);
  items_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& kv) { return iequal(kv.first, name); });
}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequal(k, name)) return v;
  }
  return std::nullopt;
}

std::string_view HttpRequest::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  std::string_view t(target);
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

HttpResponse HttpResponse::text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::binary(std::string body, std::string content_type) {
  HttpResponse r;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    auto part = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(query_decode(part), "");
      } else {
        out.emplace_back(query_decode(part.substr(0, eq)), query_decode(part.substr(eq + 1)));
      }
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Url::host_header() const {
  std::uint16_t def = tls() ? 443 : 80;
  std::string h = bracket_if_v6(host);
  return port == def ? h : h + ":" + std::to_string(port);
}

std::string Url::origin() const {
  return scheme + "://" + host_header();
}

Result<Url> parse_url(std::string_view s) {
  auto bad = [&](const std::string& why) -> Error {
    std::string shown(s.substr(0, 200));
    for (auto& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return make_error("http.bad_url", "bad URL \"" + shown + "\": " + why);
  };
  if (s.size() > 8192) return bad("longer than 8192 characters");
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad("contains a space or control character");
  }
  auto sep = s.find("://");
  if (sep == std::string_view::npos) return bad("no scheme (expected http:// or https://)");
  Url u;
  u.scheme = lower(s.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return bad("scheme must be http or https");
  auto rest = s.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad("user information is not supported");
  if (authority.empty()) return bad("no host");

  std::string_view host, port_str;
  bool has_port = false;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after IPv6 literal");
      port_str = after.substr(1);
      has_port = true;
    }
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return bad("bad IPv6 literal");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_str = authority.substr(colon + 1);
      has_port = true;
    } else {
      host = authority;
    }
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
        return bad("bad character in host name");
    }
  }
  if (host.empty()) return bad("no host");
  u.host = lower(host);
  u.port = u.tls() ? 443 : 80;
  if (has_port && !port_str.empty()) {
    if (port_str.size() > 5) return bad("port out of range");
    unsigned v = 0;
    for (char c : port_str) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return bad("port out of range");
    u.port = static_cast<std::uint16_t>(v);
  }
  tail = tail.substr(0, tail.find('#'));
  if (tail.empty()) {
    u.target = "/";
  } else if (tail.front() == '?') {
    u.target = "/" + std::string(tail);
  } else {
    u.target = std::string(tail);
  }
  return u;
}

// ---------------------------------------------------------------------------------------------------------
// Server

namespace {

struct ServerShared {
  HttpHandler handler;
  HttpServerOptions options;
  std::atomic<std::uint64_t> handled{0};
};

// After the last response on a connection, unread input would make close() send a reset, which can
// destroy the response before the peer reads it; so the server reads and discards up to this much for
// up to kDrainTime before closing.
constexpr std::size_t kDrainLimit = 1 << 20;
constexpr std::chrono::milliseconds kDrainTime{1000};
// After a 413, how much of the rest of the body is read and dropped so the client can read the answer.
constexpr std::size_t kOversizeDrainLimit = 64u << 20;

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... Args>
  explicit Session(std::shared_ptr<ServerShared> shared, Args&&... args)
      : shared_(std::move(shared)), stream_(std::forward<Args>(args)...), timer_(stream_.get_executor()) {}

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::on_start, self())); }

 private:
  std::shared_ptr<Session> self() { return this->shared_from_this(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& opts() const { return shared_->options; }
  Fault fault() const { return opts().faults ? opts().faults->get() : Fault::none; }

  void on_start() {
    if (fault() == Fault::down) return close_now();
    if constexpr (kTls) {
      lowest().expires_after(opts().read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, self()));
    } else {
      do_read();
    }
  }

  void on_handshake(error_code ec) {
    if (ec) return close_now();
    do_read();
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(opts().max_body_bytes);
    parser_->header_limit(opts().max_header_bytes);
    lowest().expires_after(opts().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, self()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream) return graceful_close();
    if (ec == bhttp::error::body_limit) {
      // The client is still sending the body: read and discard it after answering, or closing with
      // unread data resets the connection and the client never sees the 413.
      drain_limit_ = kOversizeDrainLimit;
      if (opts().body_too_large_response) return send(*opts().body_too_large_response, true);
      return send(HttpResponse::text(
                      413, "request body larger than " + std::to_string(opts().max_body_bytes) + " bytes\n"),
                  true);
    }
    if (ec == beast::error::timeout) return close_now();
    if (ec) {
      // A malformed request deserves a 400; a transport error has nobody left to answer.
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        return send(HttpResponse::text(400, "malformed HTTP request\n"), true);
      }
      return close_now();
    }
    req_ = parser_->release();
    keep_alive_ = req_.keep_alive();
    switch (Fault f = fault()) {
      case Fault::down:
        return close_now();
      case Fault::slow: {
        auto delay = opts().faults->slow_delay();
        timer_.expires_after(delay);
        timer_.async_wait(beast::bind_front_handler(&Session::on_slow_done, self()));
        return;
      }
      case Fault::status_404:
      case Fault::status_429:
      case Fault::status_500: {
        int status = fault_status(f);
        auto res = HttpResponse::text(status, "injected fault: HTTP " + std::to_string(status) + "\n");
        if (status == 429) res.headers.set("Retry-After", "1");
        return send(std::move(res), !keep_alive_);
      }
      case Fault::none:
      case Fault::wrong_answer:
        return invoke();
    }
  }

  void on_slow_done(error_code ec) {
    if (ec) return close_now();
    invoke();
  }

  void invoke() {
    HttpRequest r;
    r.method = std::string(req_.method_string());
    r.target = std::string(req_.target());
    for (const auto& f : req_) r.headers.add(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req_.body());
    HttpResponse out;
    try {
      out = shared_->handler(r);
    } catch (const std::exception&) {
      out = HttpResponse::text(500, "internal error in the service handler\n");
    } catch (...) {
      out = HttpResponse::text(500, "internal error in the service handler\n");
    }
    shared_->handled.fetch_add(1, std::memory_order_relaxed);
    send(std::move(out), !keep_alive_);
  }

  void send(HttpResponse out, bool close) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    int status = out.status;
    if (status < 100 || status > 599) status = 500;
    res->result(static_cast<unsigned>(status));
    res->version(11);
    for (const auto& [k, v] : out.headers.items()) {
      if (k.empty() || !header_safe(k) || !header_safe(v) || framing_header(k)) continue;
      res->insert(k, v);
    }
    if (res->find(bhttp::field::server) == res->end()) res->set(bhttp::field::server, "coco-harness");
    res->keep_alive(!close);
    res->body() = std::move(out.body);
    res->prepare_payload();
    res_ = res;
    lowest().expires_after(opts().read_timeout);
    bhttp::async_write(stream_, *res_, beast::bind_front_handler(&Session::on_write, self(), close));
  }

  void on_write(bool close, error_code ec, std::size_t) {
    res_.reset();
    if (ec) return close_now();
    if (close) return graceful_close();
    do_read();
  }

  void graceful_close() {
    if constexpr (kTls) {
      if (drained_ < drain_limit_) {
        lowest().expires_after(kDrainTime);
        return do_tls_drain();
      }
      // close_notify, bounded: a peer that never answers it must not keep the session alive.
      lowest().expires_after(kDrainTime);
      stream_.async_shutdown(beast::bind_front_handler(&Session::on_tls_shutdown, self()));
    } else {
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close_now();
      lowest().expires_after(kDrainTime);
      do_drain();
    }
  }

  void on_tls_shutdown(error_code) { close_now(); }

  void do_tls_drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            beast::bind_front_handler(&Session::on_tls_drain, self()));
  }

  void on_tls_drain(error_code ec, std::size_t n) {
    drained_ += n;
    if (ec == beast::error::timeout) return close_now();
    if (ec || drained_ >= drain_limit_) {
      drain_limit_ = 0;
      return graceful_close();
    }
    do_tls_drain();
  }

  void do_drain() {
    lowest().async_read_some(net::buffer(drain_buf_), beast::bind_front_handler(&Session::on_drain, self()));
  }

  void on_drain(error_code ec, std::size_t n) {
    drained_ += n;
    if (ec || drained_ > std::max(kDrainLimit, drain_limit_)) return close_now();
    do_drain();
  }

  void close_now() {
    timer_.cancel();
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  std::shared_ptr<ServerShared> shared_;
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::request<bhttp::string_body> req_;
  bool keep_alive_ = false;
  std::shared_ptr<bhttp::response<bhttp::string_body>> res_;
  std::array<char, 4096> drain_buf_{};
  std::size_t drain_limit_ = 0;  // bytes of an oversized request body to discard before closing
  std::size_t drained_ = 0;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<ServerShared> shared;
  std::mutex mu;  // serialises start/stop
  std::unique_ptr<ssl::context> ssl_ctx;
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<net::steady_timer> retry_timer;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> running{false};

  void do_accept() {
    acceptor->async_accept(net::make_strand(*ioc), [this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // Out of descriptors and the like: back off instead of spinning on a failing accept.
        retry_timer->expires_after(std::chrono::milliseconds(50));
        retry_timer->async_wait([this](error_code tec) {
          if (!tec) do_accept();
        });
        return;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // small responses: don't wait for delayed ACKs
      if (ssl_ctx) {
        std::make_shared<TlsSession>(shared, std::move(socket), *ssl_ctx)->run();
      } else {
        std::make_shared<PlainSession>(shared, std::move(socket))->run();
      }
      do_accept();
    });
  }

  void teardown() {
    if (ioc) ioc->stop();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
    // Order matters: I/O objects before their io_context, whose destruction frees pending sessions.
    retry_timer.reset();
    acceptor.reset();
    ioc.reset();
    ssl_ctx.reset();
    running = false;
  }
};

HttpServer::HttpServer(HttpHandler handler, HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared = std::make_shared<ServerShared>();
  impl_->shared->handler = std::move(handler);
  impl_->shared->options = std::move(options);
}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  std::lock_guard lock(impl_->mu);
  auto& im = *impl_;
  if (im.ioc) return make_error("http.already_started", "the server is already running");
  const auto& o = im.shared->options;
  if (!im.shared->handler) throw std::logic_error("HttpServer: no handler");

  if (o.tls) {
    im.ssl_ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    error_code ec;
    im.ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                            ec);
    if (!ec) im.ssl_ctx->use_certificate_chain(net::buffer(o.tls->cert_pem), ec);
    if (ec) {
      im.ssl_ctx.reset();
      return make_error("http.tls_config", "server certificate not usable: " + ec.message());
    }
    im.ssl_ctx->use_private_key(net::buffer(o.tls->key_pem), ssl::context::pem, ec);
    if (ec) {
      im.ssl_ctx.reset();
      return make_error("http.tls_config", "server private key not usable: " + ec.message());
    }
  }

  error_code ec;
  auto addr = net::ip::make_address(o.bind_address, ec);
  if (ec) {
    im.ssl_ctx.reset();
    return make_error("http.bind_failed", "bind address \"" + o.bind_address + "\" is not an IP address");
  }
  int nthreads = std::clamp(o.threads, 1, 64);
  im.ioc = std::make_unique<net::io_context>(nthreads);
  im.acceptor = std::make_unique<tcp::acceptor>(*im.ioc);
  im.retry_timer = std::make_unique<net::steady_timer>(*im.ioc);
  tcp::endpoint ep(addr, o.port);
  im.acceptor->open(ep.protocol(), ec);
  if (!ec) im.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor->bind(ep, ec);
  if (!ec) im.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string why = ec.message();
    im.teardown();
    return make_error("http.bind_failed", "cannot listen on " + bracket_if_v6(o.bind_address) + ":" +
                                              std::to_string(o.port) + ": " + why);
  }
  im.port = im.acceptor->local_endpoint().port();
  im.do_accept();
  for (int i = 0; i < nthreads; ++i) {
    im.threads.emplace_back([ioc = im.ioc.get()] {
      // A handler that throws ends run(); the server keeps serving the other connections. Each pass runs
      // at least one handler, so this ends when stop() stops the io_context.
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (...) {
        }
      }
    });
  }
  im.running = true;
  return ok_status();
}

void HttpServer::stop() {
  if (!impl_) return;
  std::lock_guard lock(impl_->mu);
  for (const auto& t : impl_->threads) {
    if (t.get_id() == std::this_thread::get_id())
      throw std::logic_error("HttpServer::stop() called from a handler thread");
  }
  impl_->teardown();
}

bool HttpServer::running() const {
  return impl_->running;
}
std::uint16_t HttpServer::port() const {
  return impl_->port;
}

std::string HttpServer::url() const {
  const auto& o = impl_->shared->options;
  std::string host = o.bind_address;
  // A wildcard bind is reachable on loopback; the wildcard itself is not a destination.
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return std::string(o.tls ? "https" : "http") + "://" + bracket_if_v6(host) + ":" + std::to_string(port());
}

std::uint64_t HttpServer::requests_handled() const {
  return impl_->shared->handled.load();
}

// ---------------------------------------------------------------------------------------------------------
// Client

struct HttpClient::Impl {
  HttpClientOptions options;
  // Built on first https use: creating an OpenSSL 3 context costs tens of milliseconds, which plain-HTTP
  // clients (most of the fakes) should not pay.
  std::mutex mu;
  std::shared_ptr<ssl::context> ctx;
  std::optional<Error> ctx_error;

  Result<std::shared_ptr<ssl::context>> tls_context() {
    std::lock_guard lock(mu);
    if (!ctx && !ctx_error) {
      auto c = std::make_shared<ssl::context>(ssl::context::tls_client);
      error_code ec;
      c->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
      if (options.ca_pem) {
        c->add_certificate_authority(net::buffer(*options.ca_pem), ec);
        if (ec)
          ctx_error = make_error("http.tls_failed", "the CA certificates are not usable: " + ec.message());
      } else {
        c->set_default_verify_paths(ec);
        if (ec) ctx_error = make_error("http.tls_failed", "no system trust store: " + ec.message());
      }
      if (!ctx_error) ctx = std::move(c);
    }
    if (ctx_error) return *ctx_error;
    return ctx;
  }
};

namespace {

// Runs one asynchronous step to completion on a private io_context. The stream's own deadline
// (tcp_stream::expires_at) guarantees that every step completes.
template <class Start>
error_code run_step(net::io_context& ioc, Start&& start) {
  error_code result = net::error::operation_aborted;
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

bool is_closed_by_peer(const error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == bhttp::error::end_of_stream || ec == ssl::error::stream_truncated;
}

Result<bhttp::response<bhttp::string_body>> exchange_error(const error_code& ec, const std::string& what,
                                                           const Url& u, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return make_error("http.timeout", what + " " + u.origin() + " timed out (limit " +
                                          std::to_string(timeout.count()) + " ms)");
  return make_error("http.connect_failed", what + " " + u.origin() + " failed: " + ec.message());
}

template <class Stream>
Result<bhttp::response<bhttp::string_body>> exchange(net::io_context& ioc, Stream& stream,
                                                     const std::vector<tcp::endpoint>& eps, const Url& u,
                                                     bhttp::request<bhttp::string_body>& req,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     std::chrono::milliseconds timeout,
                                                     std::size_t max_body) {
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  auto& low = beast::get_lowest_layer(stream);
  low.expires_at(deadline);
  error_code ec = run_step(ioc, [&](auto handler) { low.async_connect(eps, std::move(handler)); });
  if (ec) return exchange_error(ec, "connecting to", u, timeout);
  low.socket().set_option(tcp::no_delay(true), ec);  // small requests: don't wait for delayed ACKs

  if constexpr (kTls) {
    ec = run_step(
        ioc, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); });
    if (ec == beast::error::timeout) return exchange_error(ec, "TLS handshake with", u, timeout);
    if (ec && is_closed_by_peer(ec)) {
      return make_error("http.connect_failed",
                        "the server " + u.origin() + " closed the connection during the TLS handshake");
    }
    if (ec)
      return make_error("http.tls_failed", "TLS handshake with " + u.origin() + " failed: " + ec.message());
  }

  ec = run_step(ioc, [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
  if (ec) return exchange_error(ec, "sending the request to", u, timeout);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  if (req.method() == bhttp::verb::head) parser.skip(true);
  ec = run_step(ioc, [&](auto handler) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec == ssl::error::stream_truncated && parser.is_done()) ec = {};
  if (ec == beast::error::timeout) return exchange_error(ec, "waiting for the response from", u, timeout);
  if (ec == bhttp::error::end_of_stream || (ec && is_closed_by_peer(ec) && !parser.got_some())) {
    return make_error("http.connect_failed",
                      "the server " + u.origin() + " closed the connection without a response");
  }
  if (ec == bhttp::error::body_limit) {
    return make_error("http.protocol_error",
                      "response from " + u.origin() + " larger than " + std::to_string(max_body) + " bytes");
  }
  if (ec)
    return make_error("http.protocol_error", "bad HTTP response from " + u.origin() + ": " + ec.message());

  error_code ignored;
  low.socket().shutdown(tcp::socket::shutdown_both, ignored);
  low.close();
  return parser.release();
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::get(const std::string& url, const HttpHeaders& headers,
                                     std::chrono::milliseconds timeout) const {
  return request("GET", url, {}, headers, timeout);
}

Result<HttpResponse> HttpClient::post(const std::string& url, std::string body, const HttpHeaders& headers,
                                      std::chrono::milliseconds timeout) const {
  return request("POST", url, std::move(body), headers, timeout);
}

Result<HttpResponse> HttpClient::request(std::string_view method, const std::string& url, std::string body,
                                         const HttpHeaders& headers,
                                         std::chrono::milliseconds timeout) const {
  auto parsed = parse_url(url);
  if (!parsed) return parsed.error();
  const Url& u = *parsed;
  const auto& o = impl_->options;
  if (method.empty() || method.size() > 32 ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return make_error("http.bad_request", "bad HTTP method \"" + std::string(method.substr(0, 32)) + "\"");
  }
  if (timeout <= std::chrono::milliseconds(0)) timeout = std::chrono::milliseconds(1);
  auto deadline = std::chrono::steady_clock::now() + timeout;

  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(u.target);
  req.version(11);
  req.set(bhttp::field::host, u.host_header());
  req.set(bhttp::field::user_agent, o.user_agent);
  for (const auto& [k, v] : headers.items()) {
    if (k.empty() || !header_safe(k) || !header_safe(v)) {
      return make_error("http.bad_request", "header \"" + k + "\" contains a line break");
    }
    if (framing_header(k)) continue;
    req.set(k, v);
  }
  req.keep_alive(false);
  bool has_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  req.body() = std::move(body);
  if (has_body) req.prepare_payload();

  net::io_context ioc;
  std::vector<tcp::endpoint> eps;
  error_code ec;
  auto addr = net::ip::make_address(u.host, ec);
  const bool host_is_ip = !ec;
  if (host_is_ip) {
    eps.emplace_back(addr, u.port);
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(u.host, std::to_string(u.port), ec);
    if (ec) return make_error("http.connect_failed", "cannot resolve " + u.host + ": " + ec.message());
    for (const auto& r : results) eps.push_back(r.endpoint());
    if (eps.empty()) return make_error("http.connect_failed", "no address for " + u.host);
  }

  Result<bhttp::response<bhttp::string_body>> res = make_error("http.connect_failed", "not attempted");
  if (u.tls()) {
    auto ctx = impl_->tls_context();
    if (!ctx) return ctx.error();
    beast::ssl_stream<beast::tcp_stream> stream(ioc, **ctx);
    if (!host_is_ip) {  // SNI carries names only, never address literals
      if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str())) {
        return make_error("http.tls_failed", "cannot set the TLS server name " + u.host);
      }
    }
    if (o.insecure_skip_verify) {
      stream.set_verify_mode(ssl::verify_none);
    } else {
      stream.set_verify_mode(ssl::verify_peer);
      stream.set_verify_callback(ssl::host_name_verification(u.host));
    }
    res = exchange(ioc, stream, eps, u, req, deadline, timeout, o.max_response_bytes);
  } else {
    beast::tcp_stream stream(ioc);
    res = exchange(ioc, stream, eps, u, req, deadline, timeout, o.max_response_bytes);
  }
  if (!res) return res.error();

  HttpResponse out;
  out.status = static_cast<int>(res->result_int());
  for (const auto& f : *res) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res->body());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// FakeService

FakeService::FakeService(HttpServerOptions options, HttpHandler handler)
    : faults_(options.faults ? options.faults : std::make_shared<FaultSwitch>()) {
  options.faults = faults_;
  server_ = std::make_unique<HttpServer>(std::move(handler), std::move(options));
}

FakeService::~FakeService() {
  stop();
}

Status FakeService::start() {
  return server_->start();
}

void FakeService::stop() {
  server_->stop();
}

std::string FakeService::url() const {
  return server_->url();
}

std::uint16_t FakeService::port() const {
  return server_->port();
}

std::string_view status_reason(int status) {
  if (status < 100 || status > 999) return "";
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  if (reason == "<unknown-status>") return "";
  return {reason.data(), reason.size()};
}

}  // namespace coco
