// RFC 8785 JSON Canonicalization Scheme: the serialization ECMAScript's JSON.stringify produces for
// I-JSON values, with object members sorted by their UTF-16 code units.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "internal.h"
#include "jose/jose.h"

namespace coco::jose {
namespace {

using detail::jose_error;

// Nesting deeper than this is refused rather than risking the stack on hostile input.
constexpr int kMaxDepth = 512;

// UTF-8 to UTF-16 code units; nullopt for ill-formed UTF-8 (overlong forms, surrogate code points,
// values above U+10FFFF, truncated sequences). RFC 8785 3.2.3 sorts by these code units, which orders
// supplementary characters (surrogate pairs, 0xD800..) before U+E000..U+FFFF, unlike UTF-8 bytes.
std::optional<std::u16string> to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    char32_t cp = 0;
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      cp = b0;
      len = 1;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1F;
      len = 2;
      min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0F;
      len = 3;
      min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07;
      len = 4;
      min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (len > 1 && cp < min) return std::nullopt;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

// JSON.stringify's string form (ECMA-262 QuoteJSONString) for well-formed UTF-8 input: the two-character
// escapes where they exist, \u00xx (lowercase) for the remaining controls, everything else verbatim.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// ECMA-262 Number::toString for a finite double. std::to_chars yields the shortest digit string that
// round-trips (the same digits ECMAScript requires); only the layout differs, so take the scientific form
// apart into digits and exponent and lay it out by the ECMAScript rules.
std::optional<std::string> es6_number(double d) {
  if (!std::isfinite(d)) return std::nullopt;
  if (d == 0) return std::string("0");  // also -0
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  if (res.ec != std::errc()) return std::nullopt;
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));  // [-]D[.DDD]e(+|-)XX
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  if (epos == std::string_view::npos || epos + 2 > sci.size()) return std::nullopt;
  std::string digits(1, sci[0]);
  if (epos > 2) digits.append(sci.substr(2, epos - 2));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string_view exp_text = sci.substr(epos + 1);
  const bool exp_negative = exp_text.front() == '-';
  if (exp_text.front() == '+' || exp_text.front() == '-') exp_text.remove_prefix(1);
  int exp_abs = 0;
  if (std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp_abs).ec != std::errc())
    return std::nullopt;
  const int k = static_cast<int>(digits.size());
  const int n = (exp_negative ? -exp_abs : exp_abs) + 1;  // value = 0.digits * 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    const int e = n - 1;
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += e < 0 ? '-' : '+';
    out += std::to_string(std::abs(e));
  }
  return out;
}

Status serialize(const nlohmann::json& v, std::string& out, int depth) {
  if (depth > kMaxDepth) return jose_error("jcs_invalid", "JSON nested too deeply");
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return ok_status();
    case nlohmann::json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return ok_status();
    case nlohmann::json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return ok_status();
    case nlohmann::json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return ok_status();
    case nlohmann::json::value_t::number_float: {
      auto text = es6_number(v.get<double>());
      if (!text) return jose_error("jcs_invalid", "NaN and Infinity have no JSON form");
      out += *text;
      return ok_status();
    }
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (!to_utf16(s)) return jose_error("jcs_invalid", "string is not well-formed UTF-8");
      append_string(out, s);
      return ok_status();
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        auto st = serialize(item, out, depth + 1);
        if (!st) return st;
      }
      out += ']';
      return ok_status();
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::u16string, nlohmann::json::const_iterator>> members;
      members.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) {
        auto key16 = to_utf16(it.key());
        if (!key16) return jose_error("jcs_invalid", "member name is not well-formed UTF-8");
        members.emplace_back(std::move(*key16), it);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [key16, it] : members) {
        if (!first) out += ',';
        first = false;
        append_string(out, it.key());
        out += ':';
        auto st = serialize(*it, out, depth + 1);
        if (!st) return st;
      }
      out += '}';
      return ok_status();
    }
    case nlohmann::json::value_t::binary:
      return jose_error("jcs_invalid", "binary values have no JSON form");
    case nlohmann::json::value_t::discarded:
      return jose_error("jcs_invalid", "discarded (unparsed) JSON value");
  }
  return jose_error("jcs_invalid", "unknown JSON value type");
}

}  // namespace

Result<std::string> jcs_canonicalize(const nlohmann::json& value) {
  std::string out;
  auto st = serialize(value, out, 0);
  if (!st) return st.error();
  return out;
}

}  // namespace coco::jose
