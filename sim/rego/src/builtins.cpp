// The builtin registry, the calling wrapper, and the helpers shared by the builtin families.
#include "rego/builtins.h"

#include <locale.h>

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cwctype>
#include <limits>

#include "builtins_internal.h"

namespace coco::rego {

namespace detail {

void fail(std::string reason) {
  throw BuiltinError::other(std::move(reason));
}
void fail_type(std::string reason) {
  throw BuiltinError::type(std::move(reason));
}

void operand_error(int pos, std::string_view text) {
  fail_type("operand " + std::to_string(pos) + " " + std::string(text));
}

void operand_type_error(int pos, const Value& got, std::initializer_list<std::string_view> expected) {
  std::string want;
  if (expected.size() == 1) {
    want = std::string(*expected.begin());
  } else {
    want = "one of {";
    bool first = true;
    for (auto e : expected) {
      if (!first) want += ", ";
      first = false;
      want += e;
    }
    want += "}";
  }
  operand_error(pos, "must be " + want + " but got " + got.type_name());
}

void operand_element_error(int pos, const Value& composite, const Value& got, std::string_view expected) {
  const std::string t = composite.type_name();
  operand_error(pos, "must be " + t + " of " + std::string(expected) + "s but got " + t + " containing " +
                         got.type_name());
}

namespace {
const Value& arg(Args a, int pos) {
  return a[static_cast<std::size_t>(pos - 1)];
}
}  // namespace

const std::string& string_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_string()) operand_type_error(pos, v, {"string"});
  return v.as_string();
}
const Number& number_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_number()) operand_type_error(pos, v, {"number"});
  return v.as_number();
}
const Array& array_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_array()) operand_type_error(pos, v, {"array"});
  return v.as_array();
}
const Object& object_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_object()) operand_type_error(pos, v, {"object"});
  return v.as_object();
}
const Set& set_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_set()) operand_type_error(pos, v, {"set"});
  return v.as_set();
}

std::optional<std::int64_t> exact_int(const Number& n) {
  if (n.is_int) return n.i;
  return std::nullopt;  // Number::of() keeps every integral double within int64 range as an integer
}

std::int64_t int_of(const Value& v, int pos) {
  if (!v.is_number()) operand_type_error(pos, v, {"number"});
  auto i = exact_int(v.as_number());
  if (!i) operand_error(pos, "must be integer number but got floating-point number");
  return *i;
}
std::int64_t int_arg(Args a, int pos) {
  return int_of(arg(a, pos), pos);
}
std::int64_t bigint_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  if (!v.is_number()) operand_type_error(pos, v, {"integer"});
  auto i = exact_int(v.as_number());
  if (!i) operand_error(pos, "must be integer number but got floating-point number");
  return *i;
}

std::vector<std::string> string_slice_arg(Args a, int pos) {
  const Value& v = arg(a, pos);
  std::vector<std::string> out;
  auto add = [&](const Value& e) {
    if (!e.is_string()) operand_element_error(pos, v, e, "string");
    out.push_back(e.as_string());
  };
  if (v.is_array()) {
    for (const auto& e : v.as_array()) add(e);
  } else if (v.is_set()) {
    for (const auto& e : v.as_set()) add(e);
  } else {
    operand_type_error(pos, v, {"array", "set"});
  }
  return out;
}

// ---- UTF-8 ----

Rune decode_rune(std::string_view s, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {b0, 1};
  std::size_t need = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    need = 1, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 2, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 3, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (pos + need >= s.size()) return {0xFFFD, 1};
  for (std::size_t k = 1; k <= need; ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, need + 1};
}

std::vector<char32_t> to_runes(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto r = decode_rune(s, i);
    out.push_back(r.cp);
    i += r.width;
  }
  return out;
}

std::string from_runes(std::span<const char32_t> runes) {
  std::string out;
  out.reserve(runes.size());
  for (char32_t c : runes) append_utf8(out, c);
  return out;
}

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += decode_rune(s, i).width;
  return n;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

namespace {
locale_t utf8_locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (!l) l = newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
    return l;
  }();
  return loc;
}
}  // namespace

char32_t to_lower_rune(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (auto l = utf8_locale()) return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), l));
  return c;
}
char32_t to_upper_rune(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (auto l = utf8_locale()) return static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), l));
  return c;
}
bool is_space_rune(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}
bool is_print_rune(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  if (c == 0xFFFD) return true;
  if (is_space_rune(c) || c == 0xAD) return false;
  if (auto l = utf8_locale()) return iswprint_l(static_cast<wint_t>(c), l) != 0;
  return c >= 0xA0;
}

std::string go_quote(std::string_view s, bool ascii_only) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto r = decode_rune(s, i);
    const bool invalid = r.cp == 0xFFFD && r.width == 1 && !(s.substr(i, 3) == "\xEF\xBF\xBD");
    if (invalid) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 15];
      i += 1;
      continue;
    }
    i += r.width;
    const char32_t c = r.cp;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x80 && is_print_rune(c)) {
      out += static_cast<char>(c);
    } else if (!ascii_only && c >= 0x80 && is_print_rune(c)) {
      append_utf8(out, c);
    } else {
      switch (c) {
        case '\a':
          out += "\\a";
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
        case '\v':
          out += "\\v";
          break;
        default: {
          char buf[16];
          if (c < 0x20 || c == 0x7F)
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
          else if (c < 0x10000)
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          else
            std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
          out += buf;
        }
      }
    }
  }
  return out + "\"";
}

// ---- numbers ----

Value number_value(double d) {
  return Value::number(Number::of(d));
}

namespace {
// Shortest decimal digits that round-trip d (d finite, > 0): digits without a point, and the decimal
// exponent of the first digit (d = 0.d1d2... * 10^(exp+1)).
void shortest_digits(double d, std::string& digits, int& exp10) {
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf is "d.ddde[+-]xx"
  std::string s = buf;
  auto e = s.find('e');
  exp10 = std::atoi(s.c_str() + e + 1);
  digits.clear();
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
}

std::string exp_suffix(char e, int exp10) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%c%02d", e, exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  return buf;
}
}  // namespace

std::string go_format_float(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  const bool upper = fmt == 'E' || fmt == 'G';
  const char lower = static_cast<char>(upper ? fmt + 32 : fmt);
  if (prec >= 0 || lower == 'f') {
    if (prec < 0) {
      // Shortest 'f': use the shortest digits and place the point.
      if (f == 0) return std::signbit(f) ? "-0" : "0";
      std::string digits;
      int e10 = 0;
      shortest_digits(std::fabs(f), digits, e10);
      std::string out = std::signbit(f) ? "-" : "";
      const int n = static_cast<int>(digits.size());
      if (e10 < 0) {
        out += "0." + std::string(static_cast<std::size_t>(-e10 - 1), '0') + digits;
      } else if (e10 + 1 >= n) {
        out += digits + std::string(static_cast<std::size_t>(e10 + 1 - n), '0');
      } else {
        out += digits.substr(0, static_cast<std::size_t>(e10 + 1)) + "." +
               digits.substr(static_cast<std::size_t>(e10 + 1));
      }
      return out;
    }
    char spec[8] = {'%', '.', '*', fmt, 0};
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, spec, prec, f);
    if (n >= static_cast<int>(sizeof buf)) {
      std::string big(static_cast<std::size_t>(n) + 1, '\0');
      std::snprintf(big.data(), big.size(), spec, prec, f);
      big.resize(static_cast<std::size_t>(n));
      return big;
    }
    return buf;
  }
  // Shortest 'e' or 'g'.
  if (f == 0) {
    std::string z = std::signbit(f) ? "-0" : "0";
    return lower == 'e' ? z + exp_suffix(upper ? 'E' : 'e', 0) : z;
  }
  std::string digits;
  int e10 = 0;
  shortest_digits(std::fabs(f), digits, e10);
  std::string out = std::signbit(f) ? "-" : "";
  const int n = static_cast<int>(digits.size());
  bool use_exp = lower == 'e';
  // strconv's shortest %g switches to %e when the exponent is < -4 or >= 6 (eprec is 6 when shortest).
  if (lower == 'g') use_exp = e10 < -4 || e10 >= 6;
  if (use_exp) {
    out += digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    out += exp_suffix(upper ? 'E' : 'e', e10);
    return out;
  }
  if (e10 < 0) {
    out += "0." + std::string(static_cast<std::size_t>(-e10 - 1), '0') + digits;
  } else if (e10 + 1 >= n) {
    out += digits + std::string(static_cast<std::size_t>(e10 + 1 - n), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(e10 + 1)) + "." +
           digits.substr(static_cast<std::size_t>(e10 + 1));
  }
  return out;
}

}  // namespace detail

// ---- registry ----

std::optional<Value> Builtin::call(std::span<const Value> args, BuiltinContext& ctx) const {
  if (arity >= 0 && args.size() != static_cast<std::size_t>(arity))
    throw BuiltinError::type(name + ": expected " + std::to_string(arity) + " argument" +
                             (arity == 1 ? "" : "s") + " but got " + std::to_string(args.size()));
  try {
    return fn(args, ctx);
  } catch (BuiltinError& e) {
    e.message = name + ": " + e.message;
    throw;
  }
}

void BuiltinRegistry::add(std::string name, int arity, BuiltinFn fn) {
  Builtin b{name, arity, std::move(fn)};
  table_.insert_or_assign(std::move(name), std::move(b));
}

const Builtin* BuiltinRegistry::find(std::string_view name) const {
  auto it = table_.find(name);
  return it == table_.end() ? nullptr : &it->second;
}

std::vector<std::string> BuiltinRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(table_.size());
  for (const auto& [k, _] : table_) out.push_back(k);
  return out;
}

const BuiltinRegistry& BuiltinRegistry::standard() {
  static const BuiltinRegistry reg = [] {
    BuiltinRegistry r;
    detail::register_numbers(r);
    detail::register_strings(r);
    detail::register_collections(r);
    detail::register_encoding(r);
    detail::register_regex(r);
    detail::register_time(r);
    return r;
  }();
  return reg;
}

const Builtin* find_builtin(std::string_view name) {
  return BuiltinRegistry::standard().find(name);
}

std::string_view operator_builtin(std::string_view op) {
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"+", "plus"},   {"-", "minus"}, {"*", "mul"}, {"/", "div"},  {"%", "rem"}, {"&", "and"}, {"|", "or"},
      {"==", "equal"}, {"!=", "neq"},  {"<", "lt"},  {"<=", "lte"}, {">", "gt"},  {">=", "gte"}};
  for (const auto& [o, n] : table)
    if (o == op) return n;
  return {};
}

}  // namespace coco::rego
