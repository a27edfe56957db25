// Internal to sim/trustee: what the two TOML readers (kbs-config.toml, init-data) share: parsing a
// document into a named error with toml++'s line and column, and naming a node's type in messages.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace coco::trustee {

// "a table", "an integer", ... for "`x` must be a string, found an integer".
std::string_view toml_type_name(const toml::node& n);

// Errors: `error_code` with "<what> is not valid TOML at line L, column C: <why>".
Result<toml::table> parse_toml_document(std::string_view text, std::string_view what, const char* error_code);

}  // namespace coco::trustee
