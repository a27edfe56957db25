// The Rego lexer (see lexer.h). Token rules follow OPA's scanner (v1/ast/internal/scanner): identifiers
// are ASCII letters, digits and '_'; numbers are decimal with an optional fraction and exponent; strings
// may not span lines; raw strings may; '#' comments run to the end of the line; the whole input must
// be valid UTF-8 without NUL bytes, and a byte-order mark is allowed only as the first character.
#include "lexer.h"

#include <optional>
#include <string>

#include "rego/value.h"

namespace coco::rego::detail {

std::string_view tok_name(Tok t) {
  switch (t) {
    case Tok::eof:
      return "EOF";
    case Tok::word:
      return "ident";
    case Tok::number:
      return "number";
    case Tok::string:
      return "string";
    case Tok::raw_string:
      return "string";
    case Tok::lbrace:
      return "{";
    case Tok::rbrace:
      return "}";
    case Tok::lbrack:
      return "[";
    case Tok::rbrack:
      return "]";
    case Tok::lparen:
      return "(";
    case Tok::rparen:
      return ")";
    case Tok::dot:
      return ".";
    case Tok::comma:
      return ",";
    case Tok::semicolon:
      return ";";
    case Tok::colon:
      return ":";
    case Tok::assign:
      return ":=";
    case Tok::unify:
      return "=";
    case Tok::eq:
      return "==";
    case Tok::neq:
      return "!=";
    case Tok::lt:
      return "<";
    case Tok::lte:
      return "<=";
    case Tok::gt:
      return ">";
    case Tok::gte:
      return ">=";
    case Tok::add:
      return "+";
    case Tok::sub:
      return "-";
    case Tok::mul:
      return "*";
    case Tok::quo:
      return "/";
    case Tok::rem:
      return "%";
    case Tok::amp:
      return "&";
    case Tok::bar:
      return "|";
  }
  return "?";
}

Error parse_error(std::string_view file, int line, int col, std::string_view what) {
  std::string msg;
  msg.reserve(file.size() + what.size() + 40);
  msg.append(file);
  msg += ':';
  msg += std::to_string(line);
  msg += ':';
  msg += std::to_string(col);
  msg += ": rego_parse_error: ";
  msg.append(what);
  return make_error("rego.rego_parse_error", std::move(msg));
}

namespace {

bool is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as in Go's utf8.DecodeRune).
std::size_t utf8_seq_len(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t n;
  std::uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

class Lexer {
 public:
  Lexer(std::string_view file, std::string_view text) : file_(file), s_(text) {
    // Trailing NUL bytes end the input (a C-string artifact; kata's large.rego ends with one). OPA
    // rejects them; a NUL anywhere else is still an error.
    while (!s_.empty() && s_.back() == '\0') s_.remove_suffix(1);
  }

  Result<std::vector<Token>> run() {
    if (auto err = check_encoding()) return *err;
    std::vector<Token> out;
    out.reserve(s_.size() / 4 + 4);
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3, col_ = 4;  // a leading BOM is skipped
    bool ws = false, nl = false;
    while (true) {
      // Whitespace and comments.
      while (pos_ < s_.size()) {
        char c = s_[pos_];
        if (c == ' ' || c == '\t' || c == '\r') {
          ws = true;
          advance(1);
        } else if (c == '\n') {
          ws = nl = true;
          ++pos_;
          ++line_;
          col_ = 1;
        } else if (c == '#') {
          ws = true;
          while (pos_ < s_.size() && s_[pos_] != '\n') advance(1);
        } else {
          break;
        }
      }
      Token t;
      t.ws_before = ws;
      t.nl_before = nl;
      t.line = line_;
      t.col = col_;
      ws = nl = false;
      std::size_t start = pos_;
      if (pos_ >= s_.size()) {
        t.kind = Tok::eof;
        t.text = s_.substr(s_.size());
        out.push_back(std::move(t));
        return out;
      }
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (is_letter(c)) {
        while (pos_ < s_.size() && (is_letter(static_cast<unsigned char>(s_[pos_])) ||
                                    is_digit(static_cast<unsigned char>(s_[pos_]))))
          advance(1);
        t.kind = Tok::word;
      } else if (is_digit(c)) {
        if (auto err = scan_number()) return *err;
        t.kind = Tok::number;
      } else if (c == '"') {
        if (auto err = scan_string(t)) return *err;
        t.kind = Tok::string;
      } else if (c == '`') {
        advance(1);
        std::size_t body = pos_;
        while (pos_ < s_.size() && s_[pos_] != '`') {
          if (s_[pos_] == '\n') {
            ++pos_;
            ++line_;
            col_ = 1;
          } else {
            advance(1);
          }
        }
        if (pos_ >= s_.size()) return error_at(t.line, t.col, "non-terminated string");
        t.str = std::string(s_.substr(body, pos_ - body));
        advance(1);
        t.kind = Tok::raw_string;
      } else {
        char n = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        std::size_t len = 1;
        switch (c) {
          case '{':
            t.kind = Tok::lbrace;
            break;
          case '}':
            t.kind = Tok::rbrace;
            break;
          case '[':
            t.kind = Tok::lbrack;
            break;
          case ']':
            t.kind = Tok::rbrack;
            break;
          case '(':
            t.kind = Tok::lparen;
            break;
          case ')':
            t.kind = Tok::rparen;
            break;
          case '.':
            t.kind = Tok::dot;
            break;
          case ',':
            t.kind = Tok::comma;
            break;
          case ';':
            t.kind = Tok::semicolon;
            break;
          case '+':
            t.kind = Tok::add;
            break;
          case '-':
            t.kind = Tok::sub;
            break;
          case '*':
            t.kind = Tok::mul;
            break;
          case '/':
            t.kind = Tok::quo;
            break;
          case '%':
            t.kind = Tok::rem;
            break;
          case '&':
            t.kind = Tok::amp;
            break;
          case '|':
            t.kind = Tok::bar;
            break;
          case ':':
            if (n == '=')
              t.kind = Tok::assign, len = 2;
            else
              t.kind = Tok::colon;
            break;
          case '=':
            if (n == '=')
              t.kind = Tok::eq, len = 2;
            else
              t.kind = Tok::unify;
            break;
          case '<':
            if (n == '=')
              t.kind = Tok::lte, len = 2;
            else
              t.kind = Tok::lt;
            break;
          case '>':
            if (n == '=')
              t.kind = Tok::gte, len = 2;
            else
              t.kind = Tok::gt;
            break;
          case '!':
            if (n != '=') return error_at(t.line, t.col, "illegal ! character");
            t.kind = Tok::neq, len = 2;
            break;
          case '$':
            return error_at(t.line, t.col, "illegal $ character (template strings are not supported)");
          default:
            return error_at(t.line, t.col, "illegal token");
        }
        advance(len);
      }
      t.text = s_.substr(start, pos_ - start);
      out.push_back(std::move(t));
    }
  }

 private:
  void advance(std::size_t n) {
    pos_ += n;
    col_ += static_cast<int>(n);
  }

  Error error_at(int line, int col, std::string_view what) const {
    return parse_error(file_, line, col, what);
  }

  // One pass over the bytes: valid UTF-8, no NUL, BOM only at the very start.
  std::optional<Error> check_encoding() const {
    int line = 1, col = 1;
    for (std::size_t i = 0; i < s_.size();) {
      std::uint32_t cp = 0;
      std::size_t n = utf8_seq_len(s_, i, cp);
      if (n == 0) return error_at(line, col, "illegal utf-8 character");
      if (cp == 0) return error_at(line, col, "illegal null character");
      if (cp == 0xFEFF && i != 0) return error_at(line, col, "illegal byte-order mark");
      if (cp == '\n') {
        ++line;
        col = 1;
      } else {
        col += static_cast<int>(n);
      }
      i += n;
    }
    return std::nullopt;
  }

  std::optional<Error> scan_number() {
    int line = line_, col = col_;
    while (pos_ < s_.size() && is_digit(static_cast<unsigned char>(s_[pos_]))) advance(1);
    if (pos_ < s_.size() && s_[pos_] == '.') {
      advance(1);
      bool found = false;
      while (pos_ < s_.size() && is_digit(static_cast<unsigned char>(s_[pos_]))) advance(1), found = true;
      if (!found) return error_at(line_, col_, "expected fraction");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      advance(1);
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) advance(1);
      bool found = false;
      while (pos_ < s_.size() && is_digit(static_cast<unsigned char>(s_[pos_]))) advance(1), found = true;
      if (!found) return error_at(line_, col_, "expected exponent");
    }
    if (pos_ < s_.size() && is_letter(static_cast<unsigned char>(s_[pos_])))
      return error_at(line, col, "illegal number format");
    return std::nullopt;
  }

  std::optional<Error> scan_string(Token& t) {
    advance(1);  // opening quote
    std::size_t body = pos_;
    bool escaped = false;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] == '\n') return error_at(t.line, t.col, "non-terminated string");
      char c = s_[pos_];
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        char e = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        switch (e) {
          case '\\':
          case '"':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            advance(2);
            continue;
          case 'u':
            // Four more characters belong to the escape; decode_string checks they are hex digits.
            advance(2);
            for (int k = 0; k < 4 && pos_ < s_.size() && s_[pos_] != '\n'; ++k) advance(1);
            continue;
          default:
            return error_at(line_, col_ + 1, "illegal escape sequence");
        }
      }
      advance(1);
    }
    std::string_view inner = s_.substr(body, pos_ - body);
    advance(1);  // closing quote
    if (!escaped) {
      t.str = std::string(inner);
    } else if (!decode_string(inner, t.str)) {
      std::string what = "illegal string literal: \"";
      what.append(inner);
      what += '"';
      return error_at(t.line, t.col, what);
    }
    return std::nullopt;
  }

  std::string_view file_;
  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

bool decode_string(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  auto read_hex4 = [&](std::size_t at, std::uint32_t& v) {
    if (at + 4 > in.size()) return false;
    v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int h = hex_val(in[at + k]);
      if (h < 0) return false;
      v = (v << 4) | static_cast<std::uint32_t>(h);
    }
    return true;
  };
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20) return false;  // raw control characters are not valid JSON string content
    if (c != '\\') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (i + 1 >= in.size()) return false;
    char e = in[i + 1];
    i += 2;
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
        std::uint32_t cp;
        if (!read_hex4(i, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          // A high surrogate combines with a following \u low surrogate; otherwise it is replaced.
          std::uint32_t lo;
          if (i + 1 < in.size() && in[i] == '\\' && in[i + 1] == 'u' && read_hex4(i + 2, lo) &&
              lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        append_utf8(out, static_cast<char32_t>(cp));
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

Result<std::vector<Token>> lex(std::string_view file, std::string_view text) {
  return Lexer(file, text).run();
}

}  // namespace coco::rego::detail
