// The KBS a run judges: the embedded stack, or a real Trustee reached by URL. Cases see only this: where
// to connect, which CA to trust, whether they may act as admin, what the pattern put into it, and, for
// the embedded stack, a handle for what only a simulation can do (move the clock, read the KBS's hidden
// failure causes).
#pragma once

#include <optional>
#include <string>

#include "conformance/pattern.h"
#include "core/crypto.h"
#include "trustee/errors.h"

namespace coco::conformance {

class EmbeddedStack;

struct Target {
  std::string name;  // "embedded" or the KBS URL
  std::string url;   // "https://127.0.0.1:PORT", no trailing /kbs/v0
  std::optional<std::string> ca_pem;
  std::optional<Key> admin_key;  // signs admin JWTs; without it admin cases skip
  // The status codes the target answers with: Trustee's (401 for nearly everything) or the protocol
  // document's (Trustee issue 1419: 403 policy denial, 404 missing resource, 400 bad path).
  trustee::StatusMapping status_mapping = trustee::StatusMapping::trustee;
  PatternBaseline baseline;
  EmbeddedStack* embedded = nullptr;  // null for a real Trustee
};

}  // namespace coco::conformance
