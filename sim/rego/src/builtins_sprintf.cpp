// go_sprintf: Go's fmt.Sprintf as OPA's sprintf builtin drives it. OPA hands fmt an int64 for integral
// numbers, a float64 for the others, a string for strings, and the term text of any other value (so %v of
// an array prints ["a", 1]). This reproduces fmt's verbs, flags, width, precision, argument indexes and its
// error forms (%!d(string=x), %!v(MISSING), %!(EXTRA ...), %!(NOVERB)) for those three argument types.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "builtins_internal.h"

namespace coco::rego {

namespace {

using detail::append_utf8;
using detail::decode_rune;
using detail::go_format_float;
using detail::go_quote;
using detail::rune_count;

struct Arg {
  enum class Kind { i64, f64, str } kind = Kind::str;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  const char* type_name() const {
    return kind == Kind::i64 ? "int64" : kind == Kind::f64 ? "float64" : "string";
  }
};

Arg to_arg(const Value& v) {
  Arg a;
  if (v.is_number()) {
    const Number& n = v.as_number();
    if (n.is_int) {
      a.kind = Arg::Kind::i64;
      a.i = n.i;
    } else {
      a.kind = Arg::Kind::f64;
      a.d = n.d;
    }
  } else if (v.is_string()) {
    a.s = v.as_string();
  } else {
    a.s = v.to_term_string();
  }
  return a;
}

struct Printer {
  std::string out;
  // fmt flags
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  bool plus_v = false, sharp_v = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;

  void clear_flags() {
    minus = plus = sharp = space = zero = plus_v = sharp_v = wid_present = prec_present = false;
    wid = prec = 0;
  }

  void write_padding(int n) {
    if (n <= 0) return;
    out.append(static_cast<std::size_t>(n), zero ? '0' : ' ');
  }
  // f.pad: width counted in runes; zero padding only on the left.
  void pad(const std::string& s) {
    if (!wid_present || wid == 0) {
      out += s;
      return;
    }
    const int width = wid - static_cast<int>(rune_count(s));
    if (!minus) {
      write_padding(width);
      out += s;
    } else {
      out += s;
      const bool z = zero;
      zero = false;
      write_padding(width);
      zero = z;
    }
  }

  std::string truncate(const std::string& s) const {
    if (!prec_present) return s;
    int n = prec;
    for (std::size_t i = 0; i < s.size();) {
      if (n-- <= 0) return s.substr(0, i);
      i += decode_rune(s, i).width;
    }
    return s;
  }

  // ---- integers ----
  void fmt_integer(std::int64_t v, int base, char verb) {
    const bool negative = v < 0;
    unsigned long long u =
        negative ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
    int p = 0;
    if (prec_present) {
      p = prec;
      if (p == 0 && u == 0) {
        const bool z = zero;
        zero = false;
        write_padding(wid_present ? wid : 0);
        zero = z;
        return;
      }
    } else if (zero && !minus && wid_present) {
      p = wid;
      if (negative || plus || space) --p;
    }
    const char* digits = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string d;
    do {
      d.insert(d.begin(), digits[u % static_cast<unsigned>(base)]);
      u /= static_cast<unsigned>(base);
    } while (u);
    while (static_cast<int>(d.size()) < p) d.insert(d.begin(), '0');
    if (sharp) {
      if (base == 2) d = "0b" + d;
      if (base == 8 && d[0] != '0') d = "0" + d;
      if (base == 16) d = (verb == 'X' ? "0X" : "0x") + d;
    }
    if (verb == 'O') d = "0o" + d;
    if (negative)
      d = "-" + d;
    else if (plus)
      d = "+" + d;
    else if (space)
      d = " " + d;
    const bool z = zero;
    zero = false;
    pad(d);
    zero = z;
  }

  void fmt_unicode(std::int64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v));
    std::string s = buf;
    if (sharp && v >= 0 && v <= 0x10FFFF && detail::is_print_rune(static_cast<char32_t>(v))) {
      s += " '";
      append_utf8(s, static_cast<char32_t>(v));
      s += "'";
    }
    const bool z = zero;
    zero = false;
    pad(s);
    zero = z;
  }

  static char32_t rune_of(std::int64_t v) {
    if (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0xFFFD;
    return static_cast<char32_t>(v);
  }

  void print_int(std::int64_t v, char32_t verb) {
    switch (verb) {
      case 'v':
      case 'd':
        fmt_integer(v, 10, 'd');
        return;
      case 'b':
        fmt_integer(v, 2, 'b');
        return;
      case 'o':
      case 'O':
        fmt_integer(v, 8, static_cast<char>(verb));
        return;
      case 'x':
      case 'X':
        fmt_integer(v, 16, static_cast<char>(verb));
        return;
      case 'c': {
        std::string s;
        append_utf8(s, rune_of(v));
        pad(s);
        return;
      }
      case 'q': {
        // strconv.QuoteRune: single quotes; a single quote is escaped, a double quote is not.
        const char32_t c = rune_of(v);
        if (c == '\'' || c == '"') {
          pad(c == '\'' ? "'\\''" : "'\"'");
          return;
        }
        std::string s;
        append_utf8(s, c);
        std::string q = go_quote(s, plus);
        pad("'" + q.substr(1, q.size() - 2) + "'");
        return;
      }
      case 'U':
        fmt_unicode(v);
        return;
      default:
        bad_verb(verb);
    }
  }

  // ---- floats ----
  static std::string hex_float(double v, int p, bool upper) {
    char buf[64];
    if (p < 0)
      std::snprintf(buf, sizeof buf, upper ? "%A" : "%a", v);
    else
      std::snprintf(buf, sizeof buf, upper ? "%.*A" : "%.*a", p, v);
    std::string s = buf;
    // Go writes at least two exponent digits.
    auto pp = s.find_first_of("pP");
    if (pp != std::string::npos && pp + 2 <= s.size()) {
      std::string exp = s.substr(pp + 2);
      if (exp.size() < 2) s = s.substr(0, pp + 2) + "0" + exp;
    }
    return s;
  }

  void fmt_float(double v, char verb, int default_prec) {
    const int p = prec_present ? prec : default_prec;
    std::string num;
    if (verb == 'b') {
      if (std::isnan(v) || std::isinf(v)) {
        num = go_format_float(v, 'g', -1);
      } else {
        int e = 0;
        const double m = std::frexp(std::fabs(v), &e);
        const auto mant = static_cast<long long>(std::ldexp(m, 53));
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%lldp%+d", std::signbit(v) ? "-" : "", v == 0 ? 0LL : mant,
                      v == 0 ? -1074 : e - 53);
        num = buf;
      }
    } else if (verb == 'x' || verb == 'X') {
      num = std::isfinite(v) ? hex_float(v, p, verb == 'X') : go_format_float(v, 'g', -1);
    } else {
      num = go_format_float(v, verb == 'F' ? 'f' : verb, p);
    }
    if (num[0] != '-' && num[0] != '+') num = "+" + num;
    if (space && num[0] == '+' && !plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      const bool z = zero;
      zero = false;
      if (num[1] == 'N' && !space && !plus) num = num.substr(1);
      pad(num);
      zero = z;
      return;
    }
    if (sharp && verb != 'b') {
      // %#g keeps trailing zeros and the decimal point; %#e/%#f keep the point.
      const bool has_point = num.find('.') != std::string::npos;
      if (!has_point) {
        auto e = num.find_first_of("eEpP");
        if (e == std::string::npos) e = num.size();
        num.insert(e, ".");
      }
    }
    if (plus || num[0] != '+') {
      if (zero && !minus && wid_present && wid > static_cast<int>(num.size())) {
        out += num[0];
        write_padding(wid - static_cast<int>(num.size()));
        out += num.substr(1);
        return;
      }
      pad(num);
      return;
    }
    pad(num.substr(1));
  }

  void print_float(double v, char32_t verb) {
    switch (verb) {
      case 'v':
        fmt_float(v, 'g', -1);
        return;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        fmt_float(v, static_cast<char>(verb), -1);
        return;
      case 'f':
      case 'e':
      case 'E':
      case 'F':
        fmt_float(v, static_cast<char>(verb), 6);
        return;
      default:
        bad_verb(verb);
    }
  }

  // ---- strings ----
  void fmt_sx(const std::string& s, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    int length = static_cast<int>(s.size());
    if (prec_present && prec < length) length = prec;
    int width = 2 * length;
    if (width > 0) {
      if (space) {
        if (sharp) width *= 2;
        width += length - 1;
      } else if (sharp) {
        width += 2;
      }
    } else {
      if (wid_present) write_padding(wid);
      return;
    }
    if (wid_present && wid > width && !minus) write_padding(wid - width);
    if (sharp) {
      out += '0';
      out += digits[16];
    }
    for (int i = 0; i < length; ++i) {
      if (space && i > 0) {
        out += ' ';
        if (sharp) {
          out += '0';
          out += digits[16];
        }
      }
      const auto c = static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    if (wid_present && wid > width && minus) {
      const bool z = zero;
      zero = false;
      write_padding(wid - width);
      zero = z;
    }
  }

  static bool can_backquote(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
      auto r = decode_rune(s, i);
      if (r.cp == 0xFFFD && r.width == 1 && s.compare(i, 3, "\xEF\xBF\xBD") != 0) return false;
      i += r.width;
      if (r.cp == '`' || r.cp == 0xFEFF) return false;
      if ((r.cp < ' ' && r.cp != '\t') || r.cp == 0x7F) return false;
    }
    return true;
  }

  void fmt_q(const std::string& s0) {
    const std::string s = truncate(s0);
    if (sharp && can_backquote(s)) {
      pad("`" + s + "`");
      return;
    }
    pad(go_quote(s, plus));
  }

  void print_string(const std::string& s, char32_t verb) {
    switch (verb) {
      case 'v':
        if (sharp_v) {
          fmt_q(s);
          return;
        }
        pad(truncate(s));
        return;
      case 's':
        pad(truncate(s));
        return;
      case 'x':
      case 'X':
        fmt_sx(s, verb == 'X');
        return;
      case 'q':
        fmt_q(s);
        return;
      default:
        bad_verb(verb);
    }
  }

  // ---- dispatch ----
  const Arg* current = nullptr;

  void print_arg(const Arg& a, char32_t verb) {
    const Arg* saved = current;
    current = &a;
    switch (a.kind) {
      case Arg::Kind::i64:
        print_int(a.i, verb);
        break;
      case Arg::Kind::f64:
        print_float(a.d, verb);
        break;
      case Arg::Kind::str:
        print_string(a.s, verb);
        break;
    }
    current = saved;
  }

  void bad_verb(char32_t verb) {
    out += "%!";
    append_utf8(out, verb);
    out += "(";
    if (current) {
      out += current->type_name();
      out += "=";
      const Arg* a = current;
      // fmt prints the operand with %v under the same flags.
      print_arg(*a, 'v');
    } else {
      out += "<nil>";
    }
    out += ")";
  }
};

// parsenum: a decimal number at format[i..end); at most 1e6.
bool parse_num(std::string_view f, std::size_t& i, int& num) {
  if (i >= f.size() || f[i] < '0' || f[i] > '9') return false;
  num = 0;
  while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
    if (num > 1000000) return false;  // tooLarge: fmt refuses, and so do we
    num = num * 10 + (f[i] - '0');
    ++i;
  }
  return true;
}

}  // namespace

std::string go_sprintf(std::string_view format, std::span<const Value> values) {
  std::vector<Arg> args;
  args.reserve(values.size());
  for (const auto& v : values) args.push_back(to_arg(v));

  Printer p;
  const std::size_t end = format.size();
  std::size_t arg_num = 0;
  bool reordered = false;
  std::size_t i = 0;

  // argNumber: an optional "[n]" index; returns whether one was present.
  auto arg_number = [&](std::size_t& pos, bool& good) -> bool {
    if (pos >= end || format[pos] != '[') return false;
    reordered = true;
    const std::size_t close = format.find(']', pos + 1);
    if (close == std::string_view::npos) {
      good = false;
      pos = end;
      return true;
    }
    std::size_t k = pos + 1;
    int n = 0;
    if (!parse_num(format, k, n) || k != close || n < 1 || static_cast<std::size_t>(n) > args.size()) {
      good = false;
    } else {
      arg_num = static_cast<std::size_t>(n - 1);
    }
    pos = close + 1;
    return true;
  };

  // intFromArg for '*': an integer argument within +-1e6.
  auto int_from_arg = [&](int& num) -> bool {
    if (arg_num >= args.size()) return false;
    const Arg& a = args[arg_num++];
    if (a.kind != Arg::Kind::i64 || a.i > 1000000 || a.i < -1000000) return false;
    num = static_cast<int>(a.i);
    return true;
  };

  while (i < end) {
    const std::size_t last = i;
    while (i < end && format[i] != '%') ++i;
    p.out.append(format.substr(last, i - last));
    if (i >= end) break;
    ++i;  // skip %
    p.clear_flags();
    for (; i < end; ++i) {
      const char c = format[i];
      if (c == '#')
        p.sharp = true;
      else if (c == '0')
        p.zero = !p.minus;
      else if (c == '+')
        p.plus = true;
      else if (c == '-')
        p.minus = true, p.zero = false;
      else if (c == ' ')
        p.space = true;
      else
        break;
    }
    bool good = true;
    bool after_index = arg_number(i, good);
    // width
    if (i < end && format[i] == '*') {
      ++i;
      p.wid_present = int_from_arg(p.wid);
      if (!p.wid_present) p.out += "%!(BADWIDTH)";
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      after_index = false;
    } else {
      p.wid_present = parse_num(format, i, p.wid);
      if (after_index && p.wid_present) good = false;
    }
    // precision
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good = false;
      after_index = arg_number(i, good);
      if (i < end && format[i] == '*') {
        ++i;
        p.prec_present = int_from_arg(p.prec);
        if (p.prec < 0) {
          p.prec = 0;
          p.prec_present = false;
        }
        if (!p.prec_present) p.out += "%!(BADPREC)";
        after_index = false;
      } else {
        p.prec_present = parse_num(format, i, p.prec);
        if (!p.prec_present) {
          p.prec = 0;
          p.prec_present = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(i, good);
    if (i >= end) {
      p.out += "%!(NOVERB)";
      break;
    }
    const auto r = decode_rune(format, i);
    const char32_t verb = r.cp;
    i += r.width;
    if (verb == '%') {
      p.out += '%';
    } else if (!good) {
      p.out += "%!";
      append_utf8(p.out, verb);
      p.out += "(BADINDEX)";
    } else if (arg_num >= args.size()) {
      p.out += "%!";
      append_utf8(p.out, verb);
      p.out += "(MISSING)";
    } else if (verb == 'T') {
      p.pad(args[arg_num++].type_name());
    } else {
      if (verb == 'v') {
        p.sharp_v = p.sharp;
        p.sharp = false;
        p.plus_v = p.plus;
        p.plus = false;
      }
      p.print_arg(args[arg_num++], verb);
    }
  }
  if (!reordered && arg_num < args.size()) {
    p.clear_flags();
    p.out += "%!(EXTRA ";
    for (std::size_t k = arg_num; k < args.size(); ++k) {
      if (k > arg_num) p.out += ", ";
      p.out += args[k].type_name();
      p.out += "=";
      p.print_arg(args[k], 'v');
    }
    p.out += ")";
  }
  return p.out;
}

}  // namespace coco::rego
