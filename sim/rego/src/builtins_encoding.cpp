// json.*, base64.*, base64url.*, hex.*, urlquery.* and crypto.* digests, with Go's encodings and error
// texts (encoding/json, encoding/base64, encoding/hex, net/url).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "builtins_internal.h"

namespace coco::rego {

namespace detail {

// ---- Go's encoding/json ----

namespace {

void json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
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
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '<':
        case '>':
        case '&':
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    auto r = decode_rune(s, i);
    if (r.cp == 0xFFFD && r.width == 1) {
      out += "\\ufffd";
    } else if (r.cp == 0x2028 || r.cp == 0x2029) {
      out += r.cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, r.width));
    }
    i += r.width;
  }
  out += '"';
}

std::string key_text(const Value& k) {
  return k.is_string() ? k.as_string() : go_json_marshal(k);
}

void marshal(std::string& out, const Value& v, std::string_view prefix, std::string_view indent, bool pretty,
             int depth) {
  auto newline = [&](int d) {
    out += '\n';
    out += prefix;
    for (int i = 0; i < d; ++i) out += indent;
  };
  switch (v.kind()) {
    case Value::Kind::null:
      out += "null";
      return;
    case Value::Kind::boolean:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::number: {
      const Number& n = v.as_number();
      if (!n.is_int && !std::isfinite(n.d)) fail("json: unsupported value: " + n.to_string());
      out += n.to_string();
      return;
    }
    case Value::Kind::string:
      json_string(out, v.as_string());
      return;
    case Value::Kind::array:
    case Value::Kind::set: {
      if (v.size() == 0) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      auto item = [&](const Value& e) {
        if (!first) out += ',';
        first = false;
        if (pretty) newline(depth + 1);
        marshal(out, e, prefix, indent, pretty, depth + 1);
      };
      if (v.is_array())
        for (const auto& e : v.as_array()) item(e);
      else
        for (const auto& e : v.as_set()) item(e);
      if (pretty) newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::object: {
      if (v.size() == 0) {
        out += "{}";
        return;
      }
      // Go marshals a map[string]any: keys sorted by their string form, a later duplicate wins.
      std::vector<std::pair<std::string, const Value*>> items;
      for (const auto& [k, e] : v.as_object()) items.emplace_back(key_text(k), &e);
      std::stable_sort(items.begin(), items.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i + 1 < items.size() && items[i + 1].first == items[i].first) continue;
        if (!first) out += ',';
        first = false;
        if (pretty) newline(depth + 1);
        json_string(out, items[i].first);
        out += pretty ? ": " : ":";
        marshal(out, *items[i].second, prefix, indent, pretty, depth + 1);
      }
      if (pretty) newline(depth);
      out += '}';
      return;
    }
  }
}

// A JSON parser with Go's error texts ("invalid character 'x' looking for beginning of value",
// "unexpected end of JSON input"). Duplicate keys: the last wins, as with Go maps.
class JsonParser {
 public:
  static constexpr int kMaxDepth = 2000;  // Go allows 10000; kept lower to bound stack use on small stacks

  explicit JsonParser(std::string_view s) : s_(s) {}

  std::optional<Value> parse(std::string* error) {
    try {
      skip_ws();
      Value v = parse_value(0);
      skip_ws();
      if (i_ < s_.size()) invalid("after top-level value");
      return v;
    } catch (const std::string& e) {
      if (error) *error = e;
      return std::nullopt;
    }
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;

  [[noreturn]] void eof() { throw std::string("unexpected end of JSON input"); }
  [[noreturn]] void invalid(std::string_view context) {
    // encoding/json's quoteChar: the byte as a rune (Latin-1), quoted with single quotes.
    const auto c = static_cast<unsigned char>(s_[i_]);
    std::string q;
    if (c == '\'') {
      q = "'\\''";
    } else if (c == '"') {
      q = "'\"'";
    } else {
      std::string one;
      append_utf8(one, c);
      const std::string quoted = go_quote(one);
      q = "'" + quoted.substr(1, quoted.size() - 2) + "'";
    }
    throw std::string("invalid character ") + q + " " + std::string(context);
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect_word(std::string_view w, std::string_view context) {
    for (char c : w) {
      if (i_ >= s_.size()) eof();
      if (s_[i_] != c) invalid(context);
      ++i_;
    }
  }

  Value parse_value(int depth) {
    if (depth > kMaxDepth) throw std::string("exceeded max depth");
    if (i_ >= s_.size()) eof();
    const char c = s_[i_];
    switch (c) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Value::string(parse_string());
      case 't':
        ++i_;
        expect_word("rue", "in literal true (expecting 'r')");
        return Value::boolean(true);
      case 'f':
        ++i_;
        expect_word("alse", "in literal false (expecting 'a')");
        return Value::boolean(false);
      case 'n':
        ++i_;
        expect_word("ull", "in literal null (expecting 'u')");
        return Value::null();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        invalid("looking for beginning of value");
    }
  }

  Value parse_object(int depth) {
    ++i_;
    Object o;
    skip_ws();
    if (i_ >= s_.size()) eof();
    if (s_[i_] == '}') {
      ++i_;
      return Value::object(std::move(o));
    }
    while (true) {
      skip_ws();
      if (i_ >= s_.size()) eof();
      if (s_[i_] != '"') invalid("looking for beginning of object key string");
      std::string k = parse_string();
      skip_ws();
      if (i_ >= s_.size()) eof();
      if (s_[i_] != ':') invalid("after object key");
      ++i_;
      skip_ws();
      Value v = parse_value(depth + 1);
      o.insert_or_assign(Value::string(std::move(k)), std::move(v));
      skip_ws();
      if (i_ >= s_.size()) eof();
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return Value::object(std::move(o));
      }
      invalid("after object key:value pair");
    }
  }

  Value parse_array(int depth) {
    ++i_;
    Array a;
    skip_ws();
    if (i_ >= s_.size()) eof();
    if (s_[i_] == ']') {
      ++i_;
      return Value::array(std::move(a));
    }
    while (true) {
      skip_ws();
      a.push_back(parse_value(depth + 1));
      skip_ws();
      if (i_ >= s_.size()) eof();
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return Value::array(std::move(a));
      }
      invalid("after array element");
    }
  }

  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  char32_t hex4() {
    char32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      if (i_ >= s_.size()) eof();
      const int h = hexval(s_[i_]);
      if (h < 0) invalid("in \\u hexadecimal character escape");
      v = v * 16 + static_cast<char32_t>(h);
      ++i_;
    }
    return v;
  }

  std::string parse_string() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) eof();
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) invalid("in string literal");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) eof();
        const char e = s_[i_++];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            char32_t cp = hex4();
            if (cp >= 0xD800 && cp < 0xDC00) {
              // A surrogate pair, if the next escape completes it; else U+FFFD.
              if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                const std::size_t save = i_;
                i_ += 2;
                const char32_t lo = hex4();
                if (lo >= 0xDC00 && lo < 0xE000) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                  i_ = save;
                  cp = 0xFFFD;
                }
              } else {
                cp = 0xFFFD;
              }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              cp = 0xFFFD;
            }
            append_utf8(out, cp);
            break;
          }
          default:
            --i_;
            invalid("in string escape code");
        }
        continue;
      }
      if (c >= 0x80) {
        auto r = decode_rune(s_, i_);
        if (r.cp == 0xFFFD && r.width == 1)
          out += "\xEF\xBF\xBD";  // Go replaces invalid UTF-8 with U+FFFD
        else
          out.append(s_.substr(i_, r.width));
        i_ += r.width;
        continue;
      }
      out += static_cast<char>(c);
      ++i_;
    }
  }

  Value parse_number() {
    const std::size_t start = i_;
    auto digit = [&] { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; };
    if (s_[i_] == '-') {
      ++i_;
      if (i_ >= s_.size()) eof();
      if (!digit()) invalid("in numeric literal");
    }
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (digit()) ++i_;
    }
    bool is_float = false;
    if (i_ < s_.size() && s_[i_] == '.') {
      is_float = true;
      ++i_;
      if (i_ >= s_.size()) eof();
      if (!digit()) invalid("after decimal point in numeric literal");
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      is_float = true;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size()) eof();
      if (!digit()) invalid("in exponent of numeric literal");
      while (digit()) ++i_;
    }
    const std::string text(s_.substr(start, i_ - start));
    if (!is_float) {
      errno = 0;
      char* end = nullptr;
      const long long ll = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0) return Value::integer(ll);
    }
    return number_value(std::strtod(text.c_str(), nullptr));
  }
};

}  // namespace

std::optional<Value> go_json_parse(std::string_view text, std::string* error) {
  return JsonParser(text).parse(error);
}

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

// ---- base64 (Go's StdEncoding / URLEncoding: padding required, '\r' and '\n' ignored) ----

const char* kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char* kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64_encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    if (rest == 2) out += alphabet[v >> 6 & 63];
    if (pad) out += rest == 2 ? "=" : "==";
  }
  return out;
}

// Go's Encoding.DecodeString with padding: the decoded bytes, or the offset Go reports in its
// CorruptInputError in *bad.
std::optional<std::string> b64_decode(std::string_view in, const char* alphabet, std::size_t* bad) {
  int rev[256];
  std::fill(std::begin(rev), std::end(rev), -1);
  for (int k = 0; k < 64; ++k) rev[static_cast<unsigned char>(alphabet[k])] = k;
  auto skip_newlines = [&](std::size_t from) {
    while (from < in.size() && (in[from] == '\n' || in[from] == '\r')) ++from;
    return from;
  };
  std::string out;
  unsigned acc = 0;
  int n = 0;                    // characters in the current quantum
  std::size_t quantum_end = 0;  // input offset just past the last complete quantum
  for (std::size_t i = skip_newlines(0); i < in.size(); i = skip_newlines(i)) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '=') {
      // Padding is allowed after 2 or 3 characters of a quantum, then only line breaks may follow.
      if (n < 2) {
        *bad = i;
        return std::nullopt;
      }
      std::size_t j = i + 1;
      if (n == 2) {
        j = skip_newlines(j);
        if (j == in.size()) {
          *bad = in.size();
          return std::nullopt;
        }
        if (in[j] != '=') {
          *bad = j - 1;
          return std::nullopt;
        }
        ++j;
      }
      j = skip_newlines(j);
      if (j < in.size()) {
        *bad = j;
        return std::nullopt;
      }
      acc <<= 6 * (4 - n);
      out += static_cast<char>(acc >> 16 & 0xFF);
      if (n == 3) out += static_cast<char>(acc >> 8 & 0xFF);
      return out;
    }
    if (rev[c] < 0) {
      *bad = i;
      return std::nullopt;
    }
    acc = acc << 6 | static_cast<unsigned>(rev[c]);
    ++i;
    if (++n == 4) {
      out += static_cast<char>(acc >> 16 & 0xFF);
      out += static_cast<char>(acc >> 8 & 0xFF);
      out += static_cast<char>(acc & 0xFF);
      acc = 0;
      n = 0;
      quantum_end = i;
    }
  }
  if (n != 0) {  // an unpadded partial quantum
    *bad = quantum_end;
    return std::nullopt;
  }
  return out;
}

std::string b64_error(std::size_t at) {
  return "illegal base64 data at input byte " + std::to_string(at);
}

// ---- hex ----

std::optional<std::string> hex_decode(std::string_view in, std::string* error) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto invalid = [&](char c) {
    char buf[64];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F)
      std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X '%c'", u, c);
    else
      std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X", u);
    *error = buf;
    return std::nullopt;
  };
  std::string out;
  std::size_t j = 1;
  for (; j < in.size(); j += 2) {
    const int a = val(in[j - 1]), b = val(in[j]);
    if (a < 0) return invalid(in[j - 1]);
    if (b < 0) return invalid(in[j]);
    out += static_cast<char>(a << 4 | b);
  }
  if (in.size() % 2 == 1) {
    if (val(in[j - 1]) < 0) return invalid(in[j - 1]);
    *error = "encoding/hex: odd length hex string";
    return std::nullopt;
  }
  return out;
}

// ---- URL query (net/url QueryEscape / QueryUnescape) ----

std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> query_unescape(std::string_view s, std::string* error) {
  std::size_t bad = 0;
  auto out = percent_decode(s, true, &bad);
  if (!out) *error = "invalid URL escape " + go_quote(s.substr(bad, 3));
  return out;
}

// ---- digests ----

std::string hex_of(const unsigned char* p, std::size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += hex[p[i] >> 4];
    out += hex[p[i] & 15];
  }
  return out;
}

std::string digest_hex(const char* alg, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  std::size_t n = 0;
  if (!EVP_Q_digest(nullptr, alg, nullptr, data.data(), data.size(), md, &n))
    fail(std::string(alg) + " unavailable");
  return hex_of(md, n);
}

std::string hmac_hex(const char* alg, std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  const EVP_MD* md_alg = EVP_get_digestbyname(alg);
  if (!md_alg || !HMAC(md_alg, key.data(), static_cast<int>(key.size()),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &n))
    fail(std::string(alg) + " unavailable");
  return hex_of(md, n);
}

void register_json(BuiltinRegistry& r) {
  def(r, "json.marshal", 1, [](Args a) -> std::optional<Value> { return str(go_json_marshal(a[0])); });
  def(r, "json.marshal_with_options", 2, [](Args a) -> std::optional<Value> {
    const Object& opts = object_arg(a, 2);
    std::string indent = "\t", prefix;
    bool implicit_pretty = false, explicit_set = false, pretty = false;
    for (const auto& [k, v] : opts) {
      if (!k.is_string()) operand_error(2, "failed to stringify key " + k.to_term_string());
      const std::string& key = k.as_string();
      if (key == "prefix" || key == "indent") {
        if (!v.is_string())
          operand_error(
              2, "key " + key + " failed cast to string: operand must be string but got " + v.type_name());
        (key == "prefix" ? prefix : indent) = v.as_string();
        implicit_pretty = true;
      } else if (key == "pretty") {
        explicit_set = true;
        if (!v.is_bool()) operand_error(2, "key pretty failed cast to bool");
        pretty = v.as_bool();
      } else {
        operand_error(2, "object contained unknown key " + go_quote(key));
      }
    }
    if (!explicit_set) pretty = implicit_pretty;
    if (!pretty) return str(go_json_marshal(a[0]));
    return str(prefix + go_json_marshal_indent(a[0], prefix, indent));
  });
  def(r, "json.unmarshal", 1, [](Args a) -> std::optional<Value> {
    std::string err;
    auto v = go_json_parse(string_arg(a, 1), &err);
    if (!v) fail(err);
    return v;
  });
  def(r, "json.is_valid", 1, [](Args a) -> std::optional<Value> {
    if (!a[0].is_string()) return boolean(false);
    return boolean(go_json_parse(a[0].as_string(), nullptr).has_value());
  });
}

void register_base64(BuiltinRegistry& r) {
  def(r, "base64.encode", 1,
      [](Args a) -> std::optional<Value> { return str(b64_encode(string_arg(a, 1), kStd, true)); });
  def(r, "base64.decode", 1, [](Args a) -> std::optional<Value> {
    std::size_t bad = 0;
    auto out = b64_decode(string_arg(a, 1), kStd, &bad);
    if (!out) fail(b64_error(bad));
    return str(std::move(*out));
  });
  def(r, "base64.is_valid", 1, [](Args a) -> std::optional<Value> {
    if (!a[0].is_string()) return boolean(false);
    std::size_t bad = 0;
    return boolean(b64_decode(a[0].as_string(), kStd, &bad).has_value());
  });
  def(r, "base64url.encode", 1,
      [](Args a) -> std::optional<Value> { return str(b64_encode(string_arg(a, 1), kUrl, true)); });
  def(r, "base64url.encode_no_pad", 1,
      [](Args a) -> std::optional<Value> { return str(b64_encode(string_arg(a, 1), kUrl, false)); });
  def(r, "base64url.decode", 1, [](Args a) -> std::optional<Value> {
    std::string s = string_arg(a, 1);
    // Unpadded input is padded first (RFC 7515 appendix C), as OPA does.
    if (s.empty() || s.back() != '=') {
      switch (s.size() % 4) {
        case 0:
          break;
        case 2:
          s += "==";
          break;
        case 3:
          s += "=";
          break;
        default:
          fail("illegal base64url string: " + s);
      }
    }
    std::size_t bad = 0;
    auto out = b64_decode(s, kUrl, &bad);
    if (!out) fail(b64_error(bad));
    return str(std::move(*out));
  });
}

void register_hex_url(BuiltinRegistry& r) {
  def(r, "hex.encode", 1, [](Args a) -> std::optional<Value> {
    const auto& s = string_arg(a, 1);
    return str(hex_of(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  });
  def(r, "hex.decode", 1, [](Args a) -> std::optional<Value> {
    std::string err;
    auto out = hex_decode(string_arg(a, 1), &err);
    if (!out) fail(err);
    return str(std::move(*out));
  });
  def(r, "urlquery.encode", 1,
      [](Args a) -> std::optional<Value> { return str(query_escape(string_arg(a, 1))); });
  def(r, "urlquery.decode", 1, [](Args a) -> std::optional<Value> {
    std::string err;
    auto out = query_unescape(string_arg(a, 1), &err);
    if (!out) fail(err);
    return str(std::move(*out));
  });
  def(r, "urlquery.encode_object", 1, [](Args a) -> std::optional<Value> {
    const Object& o = object_arg(a, 1);
    // url.Values.Encode: keys sorted, each key's values in order.
    std::vector<std::pair<std::string, std::vector<std::string>>> entries;
    for (const auto& [k, v] : o) {
      std::vector<std::string> vals;
      auto bad = [] { operand_error(1, "values must be string, array[string], or set[string]"); };
      if (v.is_string()) {
        vals.push_back(v.as_string());
      } else if (v.is_array() || v.is_set()) {
        auto add = [&](const Value& e) {
          if (!e.is_string()) bad();
          vals.push_back(e.as_string());
        };
        if (v.is_array())
          for (const auto& e : v.as_array()) add(e);
        else
          for (const auto& e : v.as_set()) add(e);
      } else {
        bad();
      }
      entries.emplace_back(k.is_string() ? k.as_string() : go_json_marshal(k), std::move(vals));
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::string out;
    for (const auto& [k, vals] : entries)
      for (const auto& v : vals) {
        if (!out.empty()) out += '&';
        out += query_escape(k) + "=" + query_escape(v);
      }
    return str(std::move(out));
  });
  def(r, "urlquery.decode_object", 1, [](Args a) -> std::optional<Value> {
    const std::string& q = string_arg(a, 1);
    std::map<std::string, Array> params;
    std::string first_error;
    std::size_t start = 0;
    while (start <= q.size()) {
      auto amp = q.find('&', start);
      std::string_view part =
          std::string_view(q).substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      start = amp == std::string::npos ? q.size() + 1 : amp + 1;
      if (part.empty()) continue;
      if (part.find(';') != std::string_view::npos) {
        if (first_error.empty()) first_error = "invalid semicolon separator in query";
        continue;
      }
      auto eq = part.find('=');
      std::string err;
      auto k = query_unescape(part.substr(0, eq), &err);
      std::optional<std::string> v = std::string();
      if (k && eq != std::string_view::npos) v = query_unescape(part.substr(eq + 1), &err);
      if (!k || !v) {
        if (first_error.empty()) first_error = err;
        continue;
      }
      params[*k].push_back(str(*v));
    }
    if (!first_error.empty()) fail(first_error);
    Object out;
    for (auto& [k, vals] : params) out.emplace(str(k), Value::array(std::move(vals)));
    return Value::object(std::move(out));
  });
}

void register_crypto(BuiltinRegistry& r) {
  auto digest = [&](const char* name, const char* alg) {
    def(r, name, 1, [alg](Args a) -> std::optional<Value> { return str(digest_hex(alg, string_arg(a, 1))); });
  };
  digest("crypto.md5", "MD5");
  digest("crypto.sha1", "SHA1");
  digest("crypto.sha256", "SHA256");
  auto hmac = [&](const char* name, const char* alg) {
    def(r, name, 2, [alg](Args a) -> std::optional<Value> {
      const auto& msg = string_arg(a, 1);
      return str(hmac_hex(alg, string_arg(a, 2), msg));
    });
  };
  hmac("crypto.hmac.md5", "MD5");
  hmac("crypto.hmac.sha1", "SHA1");
  hmac("crypto.hmac.sha256", "SHA256");
  hmac("crypto.hmac.sha512", "SHA512");
  def(r, "crypto.hmac.equal", 2, [](Args a) -> std::optional<Value> {
    const auto& x = string_arg(a, 1);
    const auto& y = string_arg(a, 2);
    // Constant time in the length of the inputs, like hmac.Equal.
    unsigned char diff = x.size() == y.size() ? 0 : 1;
    for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
      diff |= static_cast<unsigned char>(x[i] ^ y[i]);
    return boolean(diff == 0);
  });
}

}  // namespace

void register_encoding(BuiltinRegistry& r) {
  register_json(r);
  register_base64(r);
  register_hex_url(r);
  register_crypto(r);
}

}  // namespace detail

std::string go_json_marshal(const Value& v) {
  std::string out;
  detail::marshal(out, v, "", "", false, 0);
  return out;
}

std::string go_json_marshal_indent(const Value& v, std::string_view prefix, std::string_view indent) {
  std::string out;
  detail::marshal(out, v, prefix, indent, true, 0);
  return out;
}

}  // namespace coco::rego
