// RCAR sessions (kbs/src/attestation/session.rs): a `kbs-session-id` cookie (UUIDv4 simple form) maps to
// Authed{request, challenge} and, after a successful /attest, Attested{token}. The expiry is fixed at /auth
// time (now + timeout minutes) and never extended. Expired sessions are swept on access and by sweep().
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "trustee/tee.h"

namespace coco::trustee {

struct Session {
  std::string id;
  Tee tee = Tee::sample;
  std::string nonce;                 // the challenge nonce (base64 of 32 random bytes)
  std::string request_body;          // the /auth Request as received (extra-params matter for some TEEs)
  std::int64_t expires_at = 0;       // unix seconds
  std::optional<std::string> token;  // set once attested
};

enum class SessionLookup { found, missing, expired };

class SessionStore {
 public:
  explicit SessionStore(std::int64_t timeout_minutes = 5) : timeout_seconds_(timeout_minutes * 60) {}

  // A new Authed session with a fresh id and nonce.
  Session create(Tee tee, std::string request_body, std::int64_t now);
  SessionLookup get(const std::string& id, std::int64_t now, Session& out);
  // Stores the token of an attested session (no-op when the session is gone).
  void set_attested(const std::string& id, std::string token);
  std::size_t sweep(std::int64_t now);  // removes expired sessions; returns how many
  std::size_t size() const;
  std::int64_t timeout_seconds() const { return timeout_seconds_; }

 private:
  std::int64_t timeout_seconds_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;
};

// "kbs-session-id=<id>; Expires=<IMF-fixdate>" as the `cookie` crate writes it (no Path/Secure/HttpOnly).
std::string session_cookie(const Session& session);
// The value of the kbs-session-id cookie in a Cookie header, if any.
std::optional<std::string> session_id_from_cookie_header(std::string_view cookie_header);
// RFC 7231 IMF-fixdate: "Wed, 02 Dec 2026 01:30:00 GMT".
std::string http_date(std::int64_t unix_seconds);

}  // namespace coco::trustee
