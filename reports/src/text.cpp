// Text safety and ordering helpers shared by the JUnit, JSON and HTML renderings.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>

#include "core/encoding.h"
#include "internal.h"

namespace coco::reports::detail {

namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

// Decodes the code point at s[i] and advances i past it. An ill-formed sequence yields U+FFFD and
// advances past its maximal subpart only, so a truncated sequence followed by ASCII keeps the ASCII.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i++]);
  if (b0 < 0x80) return b0;
  int need = 0;
  std::uint32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return kReplacement;
  }
  for (int k = 0; k < need; ++k) {
    if (i >= s.size()) return kReplacement;
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < lo || b > hi) return kReplacement;
    cp = (cp << 6) | (b & 0x3Fu);
    ++i;
    lo = 0x80;
    hi = 0xBF;
  }
  return cp;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) append_utf8(out, static_cast<char32_t>(next_code_point(s, i)));
  return out;
}

std::string escape_markup(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::uint32_t cp = next_code_point(s, i);
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += attribute ? "&#13;" : "\r";
        break;
      default:
        // C0/C1 controls and DEL are forbidden in XML 1.0 or discouraged (and HTML parse errors).
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
          append_utf8(out, static_cast<char32_t>(kReplacement));
        } else {
          append_utf8(out, static_cast<char32_t>(cp));
        }
    }
  }
  return out;
}

double finite_or_zero(double v) {
  return std::isfinite(v) ? v : 0.0;
}

std::string fixed(double v, int decimals) {
  char buf[400];  // the longest double (1e308) in fixed notation plus decimals
  const auto r = std::to_chars(buf, buf + sizeof buf, finite_or_zero(v), std::chars_format::fixed, decimals);
  if (r.ec != std::errc()) return "0";
  return std::string(buf, r.ptr);
}

void count(Summary& s, const CaseResult& c) {
  ++s.total;
  switch (c.verdict) {
    case Verdict::pass:
      ++s.passed;
      return;
    case Verdict::skip:
      ++s.skipped;
      return;
    case Verdict::fail:
      break;
  }
  // Anything not a pass or skip (including an out-of-range value) counts as a failure: never a silent pass.
  ++s.failed;
  if (c.required) ++s.required_failed;
}

std::vector<CaseGroup> groups_in_run_order(const RunReport& report) {
  std::vector<CaseGroup> groups;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const auto& c : report.cases) {
    auto [it, inserted] = index.try_emplace({c.suite, c.attester}, groups.size());
    if (inserted) groups.push_back(CaseGroup{c.suite, c.attester, {}});
    groups[it->second].cases.push_back(&c);
  }
  return groups;
}

std::vector<std::string> suites_in_run_order(const RunReport& report) {
  std::vector<std::string> suites;
  std::set<std::string> seen;
  for (const auto& c : report.cases) {
    if (seen.insert(c.suite).second) suites.push_back(c.suite);
  }
  return suites;
}

std::vector<std::string> attester_columns(const RunReport& report) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& a : report.attesters) {
    if (seen.insert(a).second) columns.push_back(a);
  }
  for (const auto& c : report.cases) {
    if (seen.insert(c.attester).second) columns.push_back(c.attester);
  }
  return columns;
}

}  // namespace coco::reports::detail
