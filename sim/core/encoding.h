// Text encodings of bytes: hex, base64 (standard, RFC 4648 section 4) and base64url (section 5).
// Decoders reject any character outside the alphabet and return std::nullopt rather than guessing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace coco {

std::string hex_encode(ByteView b);                   // lowercase
std::optional<Bytes> hex_decode(std::string_view s);  // accepts upper and lower case, no separators

std::string base64_encode(ByteView b);                   // standard alphabet, padded
std::optional<Bytes> base64_decode(std::string_view s);  // standard alphabet, padding optional

std::string base64url_encode(ByteView b, bool pad = false);
std::optional<Bytes> base64url_decode(std::string_view s);  // padding optional

// Percent-decoding (RFC 3986 section 2.1); with `plus_is_space` (HTML form encoding, URL queries) '+' is a
// space. A '%' not followed by two hex digits makes it fail; `bad_at` then gets that '%''s offset.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space,
                                          std::size_t* bad_at = nullptr);

// Appends `cp` as UTF-8; surrogates and values above U+10FFFF become U+FFFD.
void append_utf8(std::string& out, char32_t cp);

}  // namespace coco
