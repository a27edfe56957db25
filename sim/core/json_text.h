// JSON text from untrusted peers, parsed as serde_json (Trustee, guest-components) parses it: at most 127
// levels of nesting (serde_json's recursion limit is 128), so a deeply nested body is an error there and
// here, and never reaches nlohmann's recursive copy and destruction (which a million-level body, well
// within a 2 MiB payload limit, would overflow the stack with).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace coco {

inline constexpr int kSerdeJsonMaxDepth = 128;

// The deepest nesting of arrays and objects in `text` (brackets inside strings not counted); no parsing.
int json_nesting_depth(std::string_view text);

// nlohmann's parse, but a discarded value (is_discarded()) for invalid JSON and for nesting of
// kSerdeJsonMaxDepth levels or more.
nlohmann::json parse_json_limited(std::string_view text);

}  // namespace coco
