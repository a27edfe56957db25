// Fuzz target: trustee::parse_kbs_config (kbs-config.toml). It must never throw or crash; an error is
// trustee.config_invalid with a message. On success the result must keep the promises of config.h:
// warnings and notes are non-empty strings, every ACL regex is anchored ("^/kbs" ... "$"), every
// http_server socket is an IP:port with no NUL byte (Trustee parses SocketAddr), the admin mode has a
// name, and the derived accessors (plugin lookups, resource_dir) work.
// Seeds: fuzz/run.sh trustee_config copies fixtures' and tests' kbs-config.toml files.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "trustee/config.h"

namespace {

using namespace coco::trustee;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "trustee_config_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto cfg = parse_kbs_config(text);
    if (!cfg) {
      if (cfg.error().code != "trustee.config_invalid" || cfg.error().message.empty()) {
        fail("unexpected error", cfg.error().code + ": " + cfg.error().message);
      }
      return 0;
    }
    for (const auto& w : cfg->warnings)
      if (w.empty()) fail("empty warning");
    for (const auto& n : cfg->notes)
      if (n.empty()) fail("empty note");
    for (const auto& acl : cfg->admin.acls) {
      const std::string& re = acl.allowed_endpoints;
      if (re.rfind("^/kbs", 0) != 0 || re.back() != '$') fail("unanchored ACL regex accepted", re);
    }
    for (const auto& s : cfg->http_server.sockets) {
      if (s.find('\0') != std::string::npos) fail("socket address with a NUL byte accepted", s);
      const auto colon = s.rfind(':');
      if (colon == std::string::npos || colon + 1 == s.size() || colon + 6 < s.size()) {
        fail("socket address without a port accepted", s);
      }
      for (std::size_t i = colon + 1; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') fail("socket port is not a number", s);
    }
    if (admin_mode_name(cfg->admin.mode).empty()) fail("admin mode without a name");
    if (cfg->has_plugin("resource") != (cfg->plugin("resource") != nullptr)) fail("has_plugin disagrees");
    (void)cfg->resource_dir();
  } catch (const std::exception& e) {
    fail("exception out of parse_kbs_config:", e.what());
  }
  return 0;
}
