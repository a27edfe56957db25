// Admin authorization of the KBS (kbs/src/admin): InsecureAllowAll, DenyAll, or a bearer JWT verified with
// one of the identity providers' public keys (EdDSA, ES256, RS256 per the JWT header), with `exp`
// required, `iss`/`aud` checked when configured, a string `role` claim, and the role's anchored regex ACL
// matched against the full request URI (query included).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/http.h"
#include "core/result.h"
#include "trustee/config.h"

namespace re2 {
class RE2;
}

namespace coco::trustee {

class AdminAuth {
 public:
  // Loads the providers' PEM public keys. Error trustee.admin_config_invalid (unreadable key, bad regex,
  // jwk_set_uri that is not a file).
  static Result<AdminAuth> create(const AdminConfig& config);

  // nullopt when the request may use the admin API; otherwise Trustee's reason text, for example
  // "Cannot verify token with any of the issuers" or "Role tester not allowed for path /kbs/v0/...".
  std::optional<std::string> check(const HttpRequest& request, std::int64_t now) const;

 private:
  struct Provider {
    IdentityProvider config;
    std::vector<Key> keys;
  };
  struct Acl {
    std::string role;
    std::shared_ptr<const re2::RE2> pattern;  // RE2: the syntax of Rust's regex crate, which Trustee uses
  };
  AdminConfig config_;
  std::vector<Provider> providers_;
  std::vector<Acl> acls_;
};

}  // namespace coco::trustee
