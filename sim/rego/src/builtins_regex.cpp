// regex.* (on RE2, which implements Go's regexp syntax and leftmost-first matching) and glob.match.
// Compiled regexes are cached process-wide; the FindAll/Split/ReplaceAll loops follow Go's regexp package
// (empty matches, the "no empty match right after a match" rule, $name expansion).
#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "builtins_internal.h"

namespace coco::rego::detail {

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

// Go's regexp/syntax error texts for RE2's codes.
const char* go_error_code(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "regexp/syntax: internal error";
  }
}

// A bounded, thread-safe cache of compiled patterns (compile errors are cached too).
class RegexCache {
 public:
  std::shared_ptr<const RE2> get(const std::string& pattern) {
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(pattern);
      if (it != map_.end()) return it->second;
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_max_mem(64 << 20);
    auto re = std::make_shared<const RE2>(pattern, opts);
    std::lock_guard lock(mu_);
    if (map_.size() >= kMax) {
      map_.erase(order_.front());
      order_.pop_front();
    }
    if (map_.emplace(pattern, re).second) order_.push_back(pattern);
    return re;
  }

 private:
  static constexpr std::size_t kMax = 1000;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const RE2>> map_;
  std::list<std::string> order_;
};

RegexCache& cache() {
  static RegexCache c;
  return c;
}

// Compiles or throws Go's "error parsing regexp: <code>: `<fragment>`".
std::shared_ptr<const RE2> compile(const std::string& pattern) {
  auto re = cache().get(pattern);
  if (!re->ok())
    fail(std::string("error parsing regexp: ") + go_error_code(re->error_code()) + ": `" + re->error_arg() +
         "`");
  return re;
}

// One match: byte offsets of the whole match and each group (-1 for a group that did not take part).
using Match = std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>>;

std::optional<Match> match_at(const RE2& re, std::string_view text, std::size_t pos, int groups) {
  std::vector<re2::StringPiece> sub(static_cast<std::size_t>(groups) + 1);
  if (!re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), RE2::UNANCHORED, sub.data(),
                groups + 1))
    return std::nullopt;
  Match m;
  for (const auto& sp : sub) {
    if (sp.data() == nullptr)
      m.emplace_back(-1, -1);
    else
      m.emplace_back(sp.data() - text.data(),
                     sp.data() - text.data() + static_cast<std::ptrdiff_t>(sp.size()));
  }
  return m;
}

// Go's Regexp.allMatches: up to n matches (n < 0: all).
std::vector<Match> find_all(const RE2& re, std::string_view text, std::int64_t n, int groups) {
  std::vector<Match> out;
  if (n < 0) n = static_cast<std::int64_t>(text.size()) + 1;
  std::ptrdiff_t prev_end = -1;
  for (std::size_t pos = 0; static_cast<std::int64_t>(out.size()) < n && pos <= text.size();) {
    auto m = match_at(re, text, pos, groups);
    if (!m) break;
    bool accept = true;
    const auto [b, e] = (*m)[0];
    if (e == static_cast<std::ptrdiff_t>(pos)) {
      if (b == prev_end) accept = false;  // no empty match right after the previous match
      pos += pos < text.size() ? decode_rune(text, pos).width : 1;
    } else {
      pos = static_cast<std::size_t>(e);
    }
    prev_end = e;
    if (accept) out.push_back(std::move(*m));
  }
  return out;
}

// Go's Regexp.Expand for a template: $1, ${1}, $name, ${name}, $$.
void expand(std::string& out, std::string_view tmpl, const RE2& re, std::string_view text, const Match& m) {
  const auto& names = re.NamedCapturingGroups();
  auto group_text = [&](std::string_view name) {
    int idx = -1;
    const bool digits = std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!name.empty() && digits && !(name.size() > 1 && name[0] == '0')) {  // no leading zeros, as Go
      if (name.size() < 9) idx = std::stoi(std::string(name));
    } else {
      auto it = names.find(std::string(name));
      if (it != names.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<std::size_t>(idx) < m.size() && m[static_cast<std::size_t>(idx)].first >= 0) {
      const auto [b, e] = m[static_cast<std::size_t>(idx)];
      out.append(text.substr(static_cast<std::size_t>(b), static_cast<std::size_t>(e - b)));
    }
  };
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$') {
      out += tmpl[i++];
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    std::size_t j = i + 1;
    std::string_view name;
    bool ok = false;
    if (j < tmpl.size() && tmpl[j] == '{') {
      const auto close = tmpl.find('}', j + 1);
      if (close != std::string_view::npos) {
        name = tmpl.substr(j + 1, close - j - 1);
        ok = !name.empty() && std::all_of(name.begin(), name.end(), is_word);
        j = close + 1;
      }
    } else {
      std::size_t k = j;
      while (k < tmpl.size() && is_word(tmpl[k])) ++k;
      name = tmpl.substr(j, k - j);
      ok = !name.empty();
      j = k;
    }
    if (!ok) {  // a malformed reference is copied as is (Go keeps the '$')
      out += '$';
      ++i;
      continue;
    }
    group_text(name);
    i = j;
  }
}

// ---- glob.match (gobwas/glob semantics) ----

struct GlobNode {
  enum class Kind { literal, any_one, star, super_star, klass, alternatives } kind = Kind::literal;
  char32_t ch = 0;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;  // klass
  std::vector<std::vector<GlobNode>> alts;            // alternatives
};
using GlobSeq = std::vector<GlobNode>;

class GlobParser {
 public:
  explicit GlobParser(std::string_view p) : runes_(to_runes(p)) {}
  GlobSeq parse() {
    GlobSeq seq = sequence(false);
    return seq;
  }

 private:
  std::vector<char32_t> runes_;
  std::size_t pos_ = 0;

  GlobSeq sequence(bool in_alt) {
    GlobSeq seq;
    while (pos_ < runes_.size()) {
      const char32_t c = runes_[pos_];
      if (in_alt && (c == ',' || c == '}')) break;  // outside {..} both are literals
      ++pos_;
      GlobNode n;
      switch (c) {
        case '*':
          if (pos_ < runes_.size() && runes_[pos_] == '*') {
            ++pos_;
            n.kind = GlobNode::Kind::super_star;
          } else {
            n.kind = GlobNode::Kind::star;
          }
          break;
        case '?':
          n.kind = GlobNode::Kind::any_one;
          break;
        case '[':
          n = klass();
          break;
        case '{': {
          n.kind = GlobNode::Kind::alternatives;
          while (true) {
            n.alts.push_back(sequence(true));
            if (pos_ >= runes_.size()) fail("unexpected end of input in glob pattern");
            if (runes_[pos_++] == '}') break;
          }
          break;
        }
        case '\\':
          if (pos_ >= runes_.size()) fail("unexpected end of input in glob pattern");
          n.ch = runes_[pos_++];
          break;
        default:
          n.ch = c;
      }
      seq.push_back(std::move(n));
    }
    return seq;
  }

  GlobNode klass() {
    GlobNode n;
    n.kind = GlobNode::Kind::klass;
    if (pos_ < runes_.size() && runes_[pos_] == '!') {
      n.negated = true;
      ++pos_;
    }
    bool first = true;
    while (true) {
      if (pos_ >= runes_.size()) fail("unexpected end of input in glob pattern");
      char32_t lo = runes_[pos_++];
      if (lo == ']' && !first) break;
      first = false;
      if (lo == '\\') {
        if (pos_ >= runes_.size()) fail("unexpected end of input in glob pattern");
        lo = runes_[pos_++];
      }
      char32_t hi = lo;
      if (pos_ + 1 < runes_.size() && runes_[pos_] == '-' && runes_[pos_ + 1] != ']') {
        hi = runes_[pos_ + 1];
        pos_ += 2;
        if (hi < lo) fail("hi character should be greater than lo character in glob range");
      }
      n.ranges.emplace_back(lo, hi);
    }
    return n;
  }
};

// A glob compiled to an anchored RE2 regex, so matching is linear whatever the pattern: '?' is one
// non-delimiter rune, '*' a run of them, '**' anything, [..] a class, {a,b} an alternation.
void rune_regex(std::string& out, char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    out += static_cast<char>(c);
    return;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(c));
  out += buf;
}

void glob_regex(std::string& out, const GlobSeq& seq, const std::vector<char32_t>& delims) {
  std::string not_delim = "(?s:.)";
  if (!delims.empty()) {
    not_delim = "[^";
    for (char32_t d : delims) rune_regex(not_delim, d);
    not_delim += "]";
  }
  for (const auto& n : seq) {
    switch (n.kind) {
      case GlobNode::Kind::literal:
        rune_regex(out, n.ch);
        break;
      case GlobNode::Kind::any_one:
        out += not_delim;
        break;
      case GlobNode::Kind::star:
        out += "(?:" + not_delim + ")*";
        break;
      case GlobNode::Kind::super_star:
        out += "(?s:.*)";
        break;
      case GlobNode::Kind::klass:
        out += n.negated ? "[^" : "[";
        for (const auto& [lo, hi] : n.ranges) {
          rune_regex(out, lo);
          if (hi != lo) {
            out += '-';
            rune_regex(out, hi);
          }
        }
        out += "]";
        break;
      case GlobNode::Kind::alternatives: {
        out += "(?:";
        for (std::size_t i = 0; i < n.alts.size(); ++i) {
          if (i) out += '|';
          glob_regex(out, n.alts[i], delims);
        }
        out += ")";
        break;
      }
    }
  }
}

// ---- regex.template_match ----

// Go's regexp.QuoteMeta.
std::string quote_meta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// OPA's compileRegexTemplate (from gorilla/mux): text outside the delimiters is literal, each delimited
// part is a regex group; the whole is anchored.
std::string template_regex(const std::string& tpl, char open, char close) {
  std::vector<std::size_t> idxs;
  int level = 0;
  std::size_t idx = 0;
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] == open) {
      if (++level == 1) idx = i;
    } else if (tpl[i] == close) {
      if (--level == 0) {
        idxs.push_back(idx);
        idxs.push_back(i + 1);
      } else if (level < 0) {
        fail("unbalanced braces in " + go_quote(tpl));
      }
    }
  }
  if (level != 0) fail("unbalanced braces in " + go_quote(tpl));
  std::string pattern = "^";
  std::size_t end = 0;
  for (std::size_t i = 0; i < idxs.size(); i += 2) {
    const std::string raw = tpl.substr(end, idxs[i] - end);
    end = idxs[i + 1];
    const std::string part = tpl.substr(idxs[i] + 1, end - 1 - (idxs[i] + 1));
    pattern += quote_meta(raw) + "(" + part + ")";
    compile("^" + part + "$");  // each part must be a valid regex on its own
  }
  return pattern + quote_meta(tpl.substr(end)) + "$";
}

void register_regexes(BuiltinRegistry& r) {
  auto match = [](Args a) -> std::optional<Value> {
    const auto& pattern = string_arg(a, 1);
    const auto& text = string_arg(a, 2);
    auto re = compile(pattern);
    return boolean(RE2::PartialMatch(text, *re));
  };
  def(r, "regex.match", 2, match);
  def(r, "re_match", 2, match);  // deprecated alias
  def(r, "regex.is_valid", 1, [](Args a) -> std::optional<Value> {
    if (!a[0].is_string()) return boolean(false);
    return boolean(cache().get(a[0].as_string())->ok());
  });
  def(r, "regex.template_match", 4, [](Args a) -> std::optional<Value> {
    const auto& tpl = string_arg(a, 1);
    const auto& text = string_arg(a, 2);
    const auto& open = string_arg(a, 3);
    const auto& close = string_arg(a, 4);
    if (open.size() != 1)
      fail("start delimiter has to be exactly one character long but is " + std::to_string(open.size()) +
           " long");
    if (close.size() != 1)
      fail("end delimiter has to be exactly one character long but is " + std::to_string(close.size()) +
           " long");
    auto re = compile(template_regex(tpl, open[0], close[0]));
    return boolean(RE2::PartialMatch(text, *re));
  });
  def(r, "regex.split", 2, [](Args a) -> std::optional<Value> {
    const auto& pattern = string_arg(a, 1);
    const std::string& s = string_arg(a, 2);
    auto re = compile(pattern);
    // Go's Regexp.Split(s, -1).
    if (!pattern.empty() && s.empty()) return Value::array({str("")});
    Array out;
    std::size_t beg = 0, end = 0;
    for (const auto& m : find_all(*re, s, -1, 0)) {
      end = static_cast<std::size_t>(m[0].first);
      if (m[0].second != 0) out.push_back(str(s.substr(beg, end - beg)));
      beg = static_cast<std::size_t>(m[0].second);
    }
    if (end != s.size()) out.push_back(str(s.substr(beg)));
    return Value::array(std::move(out));
  });
  def(r, "regex.find_n", 3, [](Args a) -> std::optional<Value> {
    const auto& pattern = string_arg(a, 1);
    const std::string& s = string_arg(a, 2);
    const auto n = int_arg(a, 3);
    auto re = compile(pattern);
    Array out;
    for (const auto& m : find_all(*re, s, n, 0))
      out.push_back(str(s.substr(static_cast<std::size_t>(m[0].first),
                                 static_cast<std::size_t>(m[0].second - m[0].first))));
    return Value::array(std::move(out));
  });
  def(r, "regex.find_all_string_submatch_n", 3, [](Args a) -> std::optional<Value> {
    const auto& pattern = string_arg(a, 1);
    const std::string& s = string_arg(a, 2);
    const auto n = int_arg(a, 3);
    auto re = compile(pattern);
    Array out;
    for (const auto& m : find_all(*re, s, n, re->NumberOfCapturingGroups())) {
      Array groups;
      for (const auto& [b, e] : m)
        groups.push_back(b < 0 ? str("")
                               : str(s.substr(static_cast<std::size_t>(b), static_cast<std::size_t>(e - b))));
      out.push_back(Value::array(std::move(groups)));
    }
    return Value::array(std::move(out));
  });
  def(r, "regex.replace", 3, [](Args a) -> std::optional<Value> {
    const std::string& s = string_arg(a, 1);
    const auto& pattern = string_arg(a, 2);
    const auto& repl = string_arg(a, 3);
    auto re = compile(pattern);
    // Go's Regexp.ReplaceAllString.
    const int groups = re->NumberOfCapturingGroups();
    std::string out;
    std::size_t last = 0, search = 0;
    while (search <= s.size()) {
      auto m = match_at(*re, s, search, groups);
      if (!m) break;
      const auto b = static_cast<std::size_t>((*m)[0].first), e = static_cast<std::size_t>((*m)[0].second);
      out.append(s, last, b - last);
      if (e > last || b == 0) expand(out, repl, *re, s, *m);
      last = e;
      const std::size_t width = search < s.size() ? decode_rune(s, search).width : 0;
      if (search + width > e)
        search += width;
      else if (search + 1 > e)
        ++search;
      else
        search = e;
    }
    out.append(s, last);
    return str(std::move(out));
  });
}

void register_globs(BuiltinRegistry& r) {
  def(r, "glob.match", 3, [](Args a) -> std::optional<Value> {
    const auto& pattern = string_arg(a, 1);
    std::vector<char32_t> delims;
    const Value& d = a[1];
    if (d.is_array()) {
      for (const auto& e : d.as_array()) {
        if (!e.is_string()) operand_element_error(2, d, e, "string");
        auto rs = to_runes(e.as_string());
        if (rs.size() != 1) operand_element_error(2, d, e, "rune");
        delims.push_back(rs[0]);
      }
      if (delims.empty()) delims.push_back('.');
    } else if (!d.is_null()) {
      operand_type_error(2, d, {"array", "null"});
    }
    const auto& text = string_arg(a, 3);
    std::string rx = "^";
    glob_regex(rx, GlobParser(pattern).parse(), delims);
    rx += "$";
    return boolean(RE2::FullMatch(text, *compile(rx)));
  });
  def(r, "glob.quote_meta", 1, [](Args a) -> std::optional<Value> {
    std::string out;
    for (char c : string_arg(a, 1)) {
      if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}') out += '\\';
      out += c;
    }
    return str(std::move(out));
  });
}

}  // namespace

void register_regex(BuiltinRegistry& r) {
  register_regexes(r);
  register_globs(r);
}

}  // namespace coco::rego::detail
