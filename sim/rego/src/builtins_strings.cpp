// String builtins (concat, contains, split, replace, substring, indexof, trim*, sprintf, format_int,
// strings.*), conversions (to_number, the deprecated cast_*) and type tests (is_*, type_name).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "builtins_internal.h"

namespace coco::rego::detail {

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Go's strings.Split.
std::vector<std::string> go_split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      auto w = decode_rune(s, i).width;
      out.emplace_back(s.substr(i, w));
      i += w;
    }
    return out;
  }
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) break;
    out.emplace_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

// Go's strings.NewReplacer(old1, new1, ...).Replace(s): at each byte position the first pair (in argument
// order) whose old string is a prefix wins; an empty old string matches between bytes, but not twice in
// a row at the same position.
std::string go_replace(std::string_view s, const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.size() == 1 && !pairs[0].first.empty()) {
    const auto& [old, nw] = pairs[0];
    std::string out;
    std::size_t start = 0;
    while (true) {
      auto pos = s.find(old, start);
      if (pos == std::string_view::npos) break;
      out.append(s.substr(start, pos - start));
      out += nw;
      start = pos + old.size();
    }
    out.append(s.substr(start));
    return out;
  }
  std::string out;
  bool prev_empty = false;
  std::size_t last = 0;
  for (std::size_t i = 0; i <= s.size();) {
    const std::pair<std::string, std::string>* hit = nullptr;
    for (const auto& pr : pairs) {
      if (pr.first.empty() && prev_empty) continue;
      if (starts_with(s.substr(i), pr.first)) {
        hit = &pr;
        break;
      }
    }
    prev_empty = hit && hit->first.empty();
    if (hit) {
      out.append(s.substr(last, i - last));
      out += hit->second;
      i += hit->first.size();
      last = i;
      continue;
    }
    ++i;
  }
  if (last < s.size()) out.append(s.substr(last));
  return out;
}

bool in_cutset(const std::vector<char32_t>& cut, char32_t c) {
  return std::find(cut.begin(), cut.end(), c) != cut.end();
}

std::string trim_left(std::string_view s, const std::vector<char32_t>& cut) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto r = decode_rune(s, i);
    if (!in_cutset(cut, r.cp)) break;
    i += r.width;
  }
  return std::string(s.substr(i));
}

std::string trim_right(std::string_view s, const std::vector<char32_t>& cut) {
  // Decode forwards, remembering where the trailing run of cutset runes starts.
  std::size_t keep = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto r = decode_rune(s, i);
    i += r.width;
    if (!in_cutset(cut, r.cp)) keep = i;
  }
  return std::string(s.substr(0, keep));
}

std::string trim_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto r = decode_rune(s, i);
    if (!is_space_rune(r.cp)) break;
    i += r.width;
  }
  std::size_t keep = i;
  for (std::size_t k = i; k < s.size();) {
    auto r = decode_rune(s, k);
    k += r.width;
    if (!is_space_rune(r.cp)) keep = k;
  }
  return std::string(s.substr(i, keep - i));
}

std::string map_runes(std::string_view s, char32_t (*f)(char32_t)) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto r = decode_rune(s, i);
    if (r.cp == 0xFFFD && r.width == 1)
      out += s[i];  // keep invalid bytes as they are (Go maps them to U+FFFD; rare)
    else
      append_utf8(out, f(r.cp));
    i += r.width;
  }
  return out;
}

std::string reverse_runes(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < s.size();) {
    auto w = decode_rune(s, i).width;
    parts.push_back(s.substr(i, w));
    i += w;
  }
  std::string out;
  out.reserve(s.size());
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    auto r = decode_rune(*it, 0);
    if (r.cp == 0xFFFD && r.width == 1)
      out += "\xEF\xBF\xBD";  // Go re-encodes the decoded rune
    else
      out.append(*it);
  }
  return out;
}

// Index in runes of the first occurrence of needle at or after rune index `from`; -1 if none.
std::int64_t rune_index(const std::vector<char32_t>& hay, const std::vector<char32_t>& needle,
                        std::size_t from) {
  if (needle.size() > hay.size()) return -1;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (std::equal(needle.begin(), needle.end(), hay.begin() + static_cast<std::ptrdiff_t>(i)))
      return static_cast<std::int64_t>(i);
  return -1;
}

// ---- Go's strconv.ParseFloat ----

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool go_float_syntax(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const bool hex = s.size() >= i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
  if (hex) i += 2;
  auto digit = hex ? is_hex : is_digit;
  bool digits = false;
  while (i < s.size() && digit(s[i])) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && digit(s[i])) ++i, digits = true;
  }
  if (!digits) return false;
  const bool has_exp = i < s.size() && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'));
  if (hex && !has_exp) return false;
  if (has_exp) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

Value to_number_from_string(const Value& v) {
  const std::string& s = v.as_string();
  std::string t = s;
  t.erase(0, t.find_first_not_of("+-") == std::string::npos ? t.size() : t.find_first_not_of("+-"));
  std::transform(t.begin(), t.end(), t.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "inf" || t == "infinity" || t == "nan") operand_type_error(1, v, {"valid number string"});
  if (!go_float_syntax(s)) fail("strconv.ParseFloat: parsing " + go_quote(s) + ": invalid syntax");
  // Integers that fit int64 stay exact.
  if (s.find_first_of(".eEpPxX") == std::string::npos) {
    errno = 0;
    char* endp = nullptr;
    const long long ll = std::strtoll(s.c_str(), &endp, 10);
    if (errno == 0 && endp && *endp == '\0') return integer(ll);
  }
  errno = 0;
  const double d = std::strtod(s.c_str(), nullptr);
  if (std::isinf(d)) fail("strconv.ParseFloat: parsing " + go_quote(s) + ": value out of range");
  return number_value(d);
}

// ---- format_int ----

std::string format_uint(unsigned long long u, int base) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[u % static_cast<unsigned>(base)]);
    u /= static_cast<unsigned>(base);
  } while (u);
  return out;
}

// An integral double beyond int64 in base 2, 8, 10 or 16.
std::string format_big(double t, int base) {
  const bool neg = t < 0;
  t = std::fabs(t);
  std::string out;
  if (base == 10) {
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.0f", t);
    out = buf;
  } else {
    int e = 0;
    const double m = std::frexp(t, &e);
    const auto mant = static_cast<unsigned long long>(std::ldexp(m, 53));
    std::string bits = format_uint(mant, 2) + std::string(static_cast<std::size_t>(std::max(e - 53, 0)), '0');
    if (base == 2) {
      out = bits;
    } else {
      const std::size_t group = base == 8 ? 3 : 4;
      while (bits.size() % group) bits.insert(bits.begin(), '0');
      for (std::size_t i = 0; i < bits.size(); i += group)
        out += "0123456789abcdef"[std::stoi(bits.substr(i, group), nullptr, 2)];
      out.erase(0, std::min(out.find_first_not_of('0'), out.size() - 1));
    }
  }
  return neg ? "-" + out : out;
}

Value format_int(const Number& n, int base) {
  if (n.is_int) {
    const bool neg = n.i < 0;
    const unsigned long long u =
        neg ? 0ULL - static_cast<unsigned long long>(n.i) : static_cast<unsigned long long>(n.i);
    return str((neg ? "-" : "") + format_uint(u, base));
  }
  const double t = std::trunc(n.d);
  if (!std::isfinite(t)) fail("cannot format " + n.to_string() + " as an integer");
  if (std::fabs(t) < 9.2e18) {
    const auto i = static_cast<long long>(t);
    const unsigned long long u =
        i < 0 ? 0ULL - static_cast<unsigned long long>(i) : static_cast<unsigned long long>(i);
    return str((i < 0 ? "-" : "") + format_uint(u, base));
  }
  return str(format_big(t, base));
}

// strings.any_prefix_match / any_suffix_match operands: a string, or an array or set of strings.
std::vector<std::string> string_or_slice(Args a, int pos) {
  const Value& v = a[static_cast<std::size_t>(pos - 1)];
  if (v.is_string()) return {v.as_string()};
  if (v.is_array() || v.is_set()) return string_slice_arg(a, pos);
  operand_type_error(pos, v, {"string", "set", "array"});
}

void register_string_basics(BuiltinRegistry& r) {
  def(r, "concat", 2, [](Args a) -> std::optional<Value> {
    const std::string& sep = string_arg(a, 1);
    const Value& c = a[1];
    if (!c.is_array() && !c.is_set()) operand_type_error(2, c, {"set", "array"});
    std::string out;
    bool first = true;
    auto add = [&](const Value& e) {
      if (!e.is_string()) operand_element_error(2, c, e, "string");
      if (!first) out += sep;
      first = false;
      out += e.as_string();
    };
    if (c.is_array())
      for (const auto& e : c.as_array()) add(e);
    else
      for (const auto& e : c.as_set()) add(e);
    return str(std::move(out));
  });
  def(r, "contains", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return boolean(s.find(string_arg(a, 2)) != std::string::npos);
  });
  def(r, "startswith", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return boolean(starts_with(s, string_arg(a, 2)));
  });
  def(r, "endswith", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return boolean(ends_with(s, string_arg(a, 2)));
  });
  def(r, "lower", 1,
      [](Args a) -> std::optional<Value> { return str(map_runes(string_arg(a, 1), to_lower_rune)); });
  def(r, "upper", 1,
      [](Args a) -> std::optional<Value> { return str(map_runes(string_arg(a, 1), to_upper_rune)); });
  def(r, "split", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& sep = string_arg(a, 2);
    Array out;
    for (auto& part : go_split(s, sep)) out.push_back(str(std::move(part)));
    return Value::array(std::move(out));
  });
  def(r, "strings.split_n", 3, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& sep = string_arg(a, 2);
    const auto n = int_arg(a, 3);
    auto parts = go_split(s, sep);
    Array out;
    if (n >= 0) {
      // Go's strings.SplitN(s, sep, n+1), keeping the first n parts.
      const auto keep =
          std::min<std::size_t>(static_cast<std::size_t>(std::min<std::int64_t>(n, 1 << 30)), parts.size());
      for (std::size_t i = 0; i < keep; ++i) out.push_back(str(parts[i]));
    } else {
      const auto start = static_cast<std::int64_t>(parts.size()) + n;
      for (std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(start, 0)); i < parts.size(); ++i)
        out.push_back(str(parts[i]));
    }
    return Value::array(std::move(out));
  });
  def(r, "replace", 3, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& old = string_arg(a, 2);
    const auto& nw = string_arg(a, 3);
    return str(go_replace(s, {{old, nw}}));
  });
  def(r, "strings.replace_n", 2, [](Args a) -> std::optional<Value> {
    const Object& patterns = object_arg(a, 1);
    const auto& s = string_arg(a, 2);
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [k, v] : patterns) {  // keys in sorted order, as OPA sorts them
      if (!k.is_string()) operand_error(1, "non-string key found in pattern object");
      if (!v.is_string()) operand_error(1, "non-string value found in pattern object");
      pairs.emplace_back(k.as_string(), v.as_string());
    }
    if (pairs.empty()) return str(s);
    return str(go_replace(s, pairs));
  });
  def(r, "strings.reverse", 1,
      [](Args a) -> std::optional<Value> { return str(reverse_runes(string_arg(a, 1))); });
  def(r, "strings.count", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& sub = string_arg(a, 2);
    if (sub.empty()) return integer(static_cast<std::int64_t>(rune_count(s)) + 1);
    std::int64_t n = 0;
    for (std::size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
    return integer(n);
  });
  def(r, "substring", 3, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto start = int_arg(a, 2);
    const auto length = int_arg(a, 3);
    if (start < 0) fail("negative offset");
    const auto runes = to_runes(s);
    const auto n = static_cast<std::int64_t>(runes.size());
    if (start >= n) return str("");
    if (is_ascii(s)) {
      const auto st = static_cast<std::size_t>(start);
      if (length < 0) return str(s.substr(st));
      return str(s.substr(st, static_cast<std::size_t>(length)));
    }
    const std::int64_t stop = length < 0 ? n : std::min(n, start + std::min<std::int64_t>(length, n));
    return str(from_runes(std::span<const char32_t>(runes).subspan(static_cast<std::size_t>(start),
                                                                   static_cast<std::size_t>(stop - start))));
  });
  def(r, "indexof", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& sub = string_arg(a, 2);
    if (sub.empty()) fail("empty search character");
    if (is_ascii(s) && is_ascii(sub)) {
      auto pos = s.find(sub);
      return integer(pos == std::string::npos ? -1 : static_cast<std::int64_t>(pos));
    }
    return integer(rune_index(to_runes(s), to_runes(sub), 0));
  });
  def(r, "indexof_n", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& sub = string_arg(a, 2);
    if (sub.empty()) fail("empty search character");
    const auto hay = to_runes(s), needle = to_runes(sub);
    Array out;
    for (std::int64_t i = rune_index(hay, needle, 0); i >= 0;
         i = rune_index(hay, needle, static_cast<std::size_t>(i) + 1))
      out.push_back(integer(i));
    return Value::array(std::move(out));
  });
}

void register_trims(BuiltinRegistry& r) {
  def(r, "trim", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto cut = to_runes(string_arg(a, 2));
    if (s.empty() || cut.empty()) return str(s);
    return str(trim_right(trim_left(s, cut), cut));
  });
  def(r, "trim_left", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return str(trim_left(s, to_runes(string_arg(a, 2))));
  });
  def(r, "trim_right", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return str(trim_right(s, to_runes(string_arg(a, 2))));
  });
  def(r, "trim_prefix", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& p = string_arg(a, 2);
    return str(starts_with(s, p) ? s.substr(p.size()) : s);
  });
  def(r, "trim_suffix", 2, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    const auto& p = string_arg(a, 2);
    return str(ends_with(s, p) ? s.substr(0, s.size() - p.size()) : s);
  });
  def(r, "trim_space", 1, [](Args a) -> std::optional<Value> { return str(trim_space(string_arg(a, 1))); });
}

void register_string_misc(BuiltinRegistry& r) {
  def(r, "sprintf", 2, [](Args a) -> std::optional<Value> {
    const auto& f = string_arg(a, 1);
    const Array& args = array_arg(a, 2);
    return str(go_sprintf(f, args));
  });
  def(r, "format_int", 2, [](Args a) -> std::optional<Value> {
    const Number& n = number_arg(a, 1);
    const Number& b = number_arg(a, 2);
    const auto base = exact_int(b);
    if (!base || (*base != 2 && *base != 8 && *base != 10 && *base != 16))
      operand_error(2, "must be one of {2, 8, 10, 16}");
    return format_int(n, static_cast<int>(*base));
  });
  auto affix = [&](const char* name, bool suffix) {
    def(r, name, 2, [suffix](Args a) -> std::optional<Value> {
      const auto strs = string_or_slice(a, 1);
      const auto affixes = string_or_slice(a, 2);
      for (const auto& s : strs)
        for (const auto& p : affixes)
          if (suffix ? ends_with(s, p) : starts_with(s, p)) return boolean(true);
      return boolean(false);
    });
  };
  affix("strings.any_prefix_match", false);
  affix("strings.any_suffix_match", true);
}

void register_types(BuiltinRegistry& r) {
  def(r, "to_number", 1, [](Args a) -> std::optional<Value> {
    const Value& v = a[0];
    switch (v.kind()) {
      case Value::Kind::null:
        return integer(0);
      case Value::Kind::boolean:
        return integer(v.as_bool() ? 1 : 0);
      case Value::Kind::number:
        return v;
      case Value::Kind::string:
        return to_number_from_string(v);
      default:
        operand_type_error(1, v, {"null", "boolean", "number", "string"});
    }
  });
  auto is = [&](const char* name, Value::Kind k) {
    def(r, name, 1, [k](Args a) -> std::optional<Value> { return boolean(a[0].kind() == k); });
  };
  is("is_null", Value::Kind::null);
  is("is_boolean", Value::Kind::boolean);
  is("is_number", Value::Kind::number);
  is("is_string", Value::Kind::string);
  is("is_array", Value::Kind::array);
  is("is_object", Value::Kind::object);
  is("is_set", Value::Kind::set);
  def(r, "type_name", 1, [](Args a) -> std::optional<Value> { return str(a[0].type_name()); });

  // Deprecated since OPA v0.13, still accepted by v0 policies.
  def(r, "cast_array", 1, [](Args a) -> std::optional<Value> {
    if (a[0].is_array()) return a[0];
    if (a[0].is_set()) return Value::array(Array(a[0].as_set().begin(), a[0].as_set().end()));
    operand_type_error(1, a[0], {"array", "set"});
  });
  def(r, "cast_set", 1, [](Args a) -> std::optional<Value> {
    if (a[0].is_set()) return a[0];
    if (a[0].is_array()) return Value::set(Set(a[0].as_array().begin(), a[0].as_array().end()));
    operand_type_error(1, a[0], {"array", "set"});
  });
  auto cast = [&](const char* name, Value::Kind k, const char* tname) {
    def(r, name, 1, [k, tname](Args a) -> std::optional<Value> {
      if (a[0].kind() != k) operand_type_error(1, a[0], {tname});
      return a[0];
    });
  };
  cast("cast_string", Value::Kind::string, "string");
  cast("cast_boolean", Value::Kind::boolean, "boolean");
  cast("cast_null", Value::Kind::null, "null");
  cast("cast_object", Value::Kind::object, "object");
}

}  // namespace

void register_strings(BuiltinRegistry& r) {
  register_string_basics(r);
  register_trims(r);
  register_string_misc(r);
  register_types(r);
}

}  // namespace coco::rego::detail
