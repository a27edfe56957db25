#include "trustee/session.h"

#include <openssl/rand.h>

#include <ctime>

#include "core/encoding.h"

namespace coco::trustee {
namespace {

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return b;
}

// UUIDv4 in "simple" form: 32 lowercase hex digits, version and variant bits set.
std::string uuid_v4_simple() {
  Bytes b = random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  return hex_encode(b);
}

}  // namespace

Session SessionStore::create(Tee tee, std::string request_body, std::int64_t now) {
  Session s;
  s.id = uuid_v4_simple();
  s.tee = tee;
  s.nonce = base64_encode(random_bytes(32));
  s.request_body = std::move(request_body);
  s.expires_at = now + timeout_seconds_;
  std::lock_guard lock(mu_);
  sessions_[s.id] = s;
  return s;
}

SessionLookup SessionStore::get(const std::string& id, std::int64_t now, Session& out) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return SessionLookup::missing;
  if (it->second.expires_at <= now) {
    sessions_.erase(it);
    return SessionLookup::expired;
  }
  out = it->second;
  return SessionLookup::found;
}

void SessionStore::set_attested(const std::string& id, std::string token) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) it->second.token = std::move(token);
}

std::size_t SessionStore::sweep(std::int64_t now) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_at <= now) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::string http_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string session_cookie(const Session& session) {
  return "kbs-session-id=" + session.id + "; Expires=" + http_date(session.expires_at);
}

std::optional<std::string> session_id_from_cookie_header(std::string_view header) {
  // "a=1; kbs-session-id=abc; b=2"
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.substr(0, 15) == "kbs-session-id=") return std::string(pair.substr(15));
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace coco::trustee
