// time.* with Go's time package semantics (layouts such as "2006-01-02T15:04:05Z07:00" for parsing and
// formatting, ParseDuration, AddDate's normalisation), and units.parse_bytes. Time zones: UTC only ("",
// "UTC"; "Local" is taken as UTC); numeric offsets in parsed text are honoured.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "builtins_internal.h"

namespace coco::rego::detail {

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

constexpr std::int64_t kNs = 1'000'000'000;

// ---- civil calendar (proleptic Gregorian) ----

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  std::int64_t year;
  int month, day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = z - era * 146097;
  const auto yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const auto doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const auto mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
int days_in(int month, std::int64_t year) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : dim[month - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// A broken-down UTC time.
struct Tm {
  std::int64_t year;
  int month, day, hour, min, sec, nsec, yday, wday;
};

Tm breakdown(std::int64_t unix_ns) {
  std::int64_t secs = unix_ns / kNs, rem = unix_ns % kNs;  // no overflow at INT64_MIN
  if (rem < 0) rem += kNs, --secs;
  const auto nsec = static_cast<int>(rem);
  const std::int64_t days = floor_div(secs, 86400);
  const auto sod = static_cast<int>(secs - days * 86400);
  const Civil c = civil_from_days(days);
  Tm t{c.year, c.month, c.day, sod / 3600, sod / 60 % 60, sod % 60, nsec, 0, 0};
  t.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1)) + 1;
  t.wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  return t;
}

// Unix ns of a civil time (fields may overflow and are normalised like Go's time.Date); nullopt when the
// result is outside int64 nanoseconds ("time outside of valid range").
std::optional<std::int64_t> to_unix_ns(std::int64_t year, std::int64_t month, std::int64_t day,
                                       std::int64_t hour, std::int64_t min, std::int64_t sec,
                                       std::int64_t nsec, std::int64_t offset_sec) {
  std::int64_t m0 = month - 1;
  year += floor_div(m0, 12);
  m0 -= floor_div(m0, 12) * 12;
  if (year > 1'000'000 || year < -1'000'000) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<int>(m0 + 1), 1) + (day - 1);
  const i128 total =
      (static_cast<i128>(days) * 86400 + hour * 3600 + min * 60 + sec - offset_sec) * kNs + nsec;
  if (total < std::numeric_limits<std::int64_t>::min() || total > std::numeric_limits<std::int64_t>::max())
    return std::nullopt;
  return static_cast<std::int64_t>(total);
}

std::int64_t checked(std::optional<std::int64_t> ns) {
  if (!ns) fail("time outside of valid range");
  return *ns;
}

const std::array<const char*, 12> kLongMonths = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
const std::array<const char*, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

// ---- Go layouts ----

enum class Std {
  none,
  long_month,
  month,
  num_month,
  zero_month,
  long_weekday,
  weekday,
  day,
  under_day,
  zero_day,
  under_yday,
  zero_yday,
  hour,
  hour12,
  zero_hour12,
  minute,
  zero_minute,
  second,
  zero_second,
  long_year,
  year,
  pm_upper,
  pm_lower,
  tz,
  iso_tz,
  iso_seconds_tz,
  iso_short_tz,
  iso_colon_tz,
  iso_colon_seconds_tz,
  num_tz,
  num_seconds_tz,
  num_short_tz,
  num_colon_tz,
  num_colon_seconds_tz,
  frac0,
  frac9
};

struct Chunk {
  std::string_view prefix;
  Std std = Std::none;
  std::string_view std_text;
  std::string_view suffix;
  int frac_digits = 0;
  char frac_sep = '.';
};

bool starts_lower(std::string_view s) {
  return !s.empty() && s[0] >= 'a' && s[0] <= 'z';
}
bool digit_at(std::string_view s, std::size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// Go's nextStdChunk.
Chunk next_chunk(std::string_view layout) {
  auto make = [&](std::size_t i, Std std, std::size_t len) {
    Chunk c;
    c.prefix = layout.substr(0, i);
    c.std = std;
    c.std_text = layout.substr(i, len);
    c.suffix = layout.substr(i + len);
    return c;
  };
  auto has = [&](std::size_t i, std::string_view w) { return layout.substr(i, w.size()) == w; };
  for (std::size_t i = 0; i < layout.size(); ++i) {
    switch (layout[i]) {
      case 'J':
        if (has(i, "Jan")) {
          if (has(i, "January")) return make(i, Std::long_month, 7);
          if (!starts_lower(layout.substr(i + 3))) return make(i, Std::month, 3);
        }
        break;
      case 'M':
        if (has(i, "Mon")) {
          if (has(i, "Monday")) return make(i, Std::long_weekday, 6);
          if (!starts_lower(layout.substr(i + 3))) return make(i, Std::weekday, 3);
        }
        if (has(i, "MST")) return make(i, Std::tz, 3);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          static const Std std0x[] = {Std::zero_month,  Std::zero_day,    Std::zero_hour12,
                                      Std::zero_minute, Std::zero_second, Std::year};
          return make(i, std0x[layout[i + 1] - '1'], 2);
        }
        if (has(i, "002")) return make(i, Std::zero_yday, 3);
        break;
      case '1':
        if (i + 1 < layout.size() && layout[i + 1] == '5') return make(i, Std::hour, 2);
        return make(i, Std::num_month, 1);
      case '2':
        if (has(i, "2006")) return make(i, Std::long_year, 4);
        return make(i, Std::day, 1);
      case '_':
        if (i + 1 < layout.size() && layout[i + 1] == '2') {
          if (has(i + 1, "2006")) return make(i + 1, Std::long_year, 4);
          return make(i, Std::under_day, 2);
        }
        if (has(i, "__2")) return make(i, Std::under_yday, 3);
        break;
      case '3':
        return make(i, Std::hour12, 1);
      case '4':
        return make(i, Std::minute, 1);
      case '5':
        return make(i, Std::second, 1);
      case 'P':
        if (has(i, "PM")) return make(i, Std::pm_upper, 2);
        break;
      case 'p':
        if (has(i, "pm")) return make(i, Std::pm_lower, 2);
        break;
      case '-':
        if (has(i, "-070000")) return make(i, Std::num_seconds_tz, 7);
        if (has(i, "-07:00:00")) return make(i, Std::num_colon_seconds_tz, 9);
        if (has(i, "-0700")) return make(i, Std::num_tz, 5);
        if (has(i, "-07:00")) return make(i, Std::num_colon_tz, 6);
        if (has(i, "-07")) return make(i, Std::num_short_tz, 3);
        break;
      case 'Z':
        if (has(i, "Z070000")) return make(i, Std::iso_seconds_tz, 7);
        if (has(i, "Z07:00:00")) return make(i, Std::iso_colon_seconds_tz, 9);
        if (has(i, "Z0700")) return make(i, Std::iso_tz, 5);
        if (has(i, "Z07:00")) return make(i, Std::iso_colon_tz, 6);
        if (has(i, "Z07")) return make(i, Std::iso_short_tz, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          const char ch = layout[i + 1];
          std::size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch) ++j;
          if (!digit_at(layout, j)) {
            Chunk c = make(i, ch == '0' ? Std::frac0 : Std::frac9, j - i);
            c.frac_digits = static_cast<int>(j - (i + 1));
            c.frac_sep = layout[i];
            return c;
          }
        }
        break;
      default:
        break;
    }
  }
  Chunk c;
  c.prefix = layout;
  return c;
}

std::string pad_int(std::int64_t v, int width, char fill = '0') {
  const bool neg = v < 0;
  std::string d = std::to_string(neg ? -v : v);
  while (static_cast<int>(d.size()) < width) d.insert(d.begin(), fill);
  return neg ? "-" + d : d;
}

// Go's Time.Format for a UTC time.
std::string go_format(std::int64_t unix_ns, std::string_view layout) {
  const Tm t = breakdown(unix_ns);
  std::string out;
  while (!layout.empty()) {
    const Chunk c = next_chunk(layout);
    out.append(c.prefix);
    if (c.std == Std::none) break;
    layout = c.suffix;
    const int hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
    switch (c.std) {
      case Std::year:
        out += pad_int(((t.year % 100) + 100) % 100, 2);
        break;
      case Std::long_year:
        out += pad_int(t.year, 4);
        break;
      case Std::month:
        out += std::string(kLongMonths[static_cast<std::size_t>(t.month - 1)]).substr(0, 3);
        break;
      case Std::long_month:
        out += kLongMonths[static_cast<std::size_t>(t.month - 1)];
        break;
      case Std::num_month:
        out += std::to_string(t.month);
        break;
      case Std::zero_month:
        out += pad_int(t.month, 2);
        break;
      case Std::weekday:
        out += std::string(kLongDays[static_cast<std::size_t>(t.wday)]).substr(0, 3);
        break;
      case Std::long_weekday:
        out += kLongDays[static_cast<std::size_t>(t.wday)];
        break;
      case Std::day:
        out += std::to_string(t.day);
        break;
      case Std::under_day:
        out += pad_int(t.day, 2, ' ');
        break;
      case Std::zero_day:
        out += pad_int(t.day, 2);
        break;
      case Std::under_yday:
        out += pad_int(t.yday, 3, ' ');
        break;
      case Std::zero_yday:
        out += pad_int(t.yday, 3);
        break;
      case Std::hour:
        out += pad_int(t.hour, 2);
        break;
      case Std::hour12:
        out += std::to_string(hour12);
        break;
      case Std::zero_hour12:
        out += pad_int(hour12, 2);
        break;
      case Std::minute:
        out += std::to_string(t.min);
        break;
      case Std::zero_minute:
        out += pad_int(t.min, 2);
        break;
      case Std::second:
        out += std::to_string(t.sec);
        break;
      case Std::zero_second:
        out += pad_int(t.sec, 2);
        break;
      case Std::pm_upper:
        out += t.hour >= 12 ? "PM" : "AM";
        break;
      case Std::pm_lower:
        out += t.hour >= 12 ? "pm" : "am";
        break;
      case Std::tz:
        out += "UTC";
        break;
      case Std::iso_tz:
      case Std::iso_seconds_tz:
      case Std::iso_short_tz:
      case Std::iso_colon_tz:
      case Std::iso_colon_seconds_tz:
        out += 'Z';
        break;
      case Std::num_tz:
        out += "+0000";
        break;
      case Std::num_seconds_tz:
        out += "+000000";
        break;
      case Std::num_short_tz:
        out += "+00";
        break;
      case Std::num_colon_tz:
        out += "+00:00";
        break;
      case Std::num_colon_seconds_tz:
        out += "+00:00:00";
        break;
      case Std::frac0:
      case Std::frac9: {
        std::string digits =
            pad_int(t.nsec, 9).substr(0, static_cast<std::size_t>(std::min(c.frac_digits, 9)));
        if (c.std == Std::frac9) {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty()) break;
        }
        out += c.frac_sep;
        out += digits;
        break;
      }
      case Std::none:
        break;
    }
  }
  return out;
}

struct ParseFailure {
  std::string message;
};

// Go's time.Parse (UTC default location), returning Unix ns.
std::int64_t go_parse(std::string_view alayout, std::string_view avalue) {
  const std::string qv = go_quote(avalue), ql = go_quote(alayout);
  auto cannot = [&](std::string_view value_elem, std::string_view layout_elem) {
    fail("parsing time " + qv + " as " + ql + ": cannot parse " + go_quote(value_elem) + " as " +
         go_quote(layout_elem));
  };
  auto msg = [&](const std::string& m) { fail("parsing time " + qv + m); };

  std::string_view layout = alayout, value = avalue;
  std::int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  bool pm = false, am = false, utc = false;
  std::int64_t zone_offset = -1;
  std::optional<std::int64_t> gmt_offset;

  auto getnum = [](std::string_view& s, bool fixed, int& out) {
    if (!digit_at(s, 0)) return false;
    if (!digit_at(s, 1)) {
      if (fixed) return false;
      out = s[0] - '0';
      s.remove_prefix(1);
      return true;
    }
    out = (s[0] - '0') * 10 + (s[1] - '0');
    s.remove_prefix(2);
    return true;
  };
  auto getnum3 = [](std::string_view& s, bool fixed, int& out) {
    int n = 0;
    std::size_t i = 0;
    for (; i < 3 && digit_at(s, i); ++i) n = n * 10 + (s[i] - '0');
    if (i == 0 || (fixed && i != 3)) return false;
    out = n;
    s.remove_prefix(i);
    return true;
  };
  auto lookup = [](std::string_view& s, const auto& names, std::size_t len, int& out) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      std::string_view name = names[k];
      if (len) name = name.substr(0, len);
      if (s.size() < name.size()) continue;
      bool eq = true;
      for (std::size_t j = 0; j < name.size() && eq; ++j)
        eq = std::tolower(static_cast<unsigned char>(s[j])) ==
             std::tolower(static_cast<unsigned char>(name[j]));
      if (eq) {
        out = static_cast<int>(k);
        s.remove_prefix(name.size());
        return true;
      }
    }
    return false;
  };
  auto parse_nanos = [](std::string_view s, std::size_t nbytes, int& out) {
    if (s.empty() || (s[0] != '.' && s[0] != ',')) return false;
    if (nbytes > 10) nbytes = 10;
    int ns = 0;
    for (std::size_t i = 1; i < nbytes; ++i) {
      if (!digit_at(s, i)) return false;
      ns = ns * 10 + (s[i] - '0');
    }
    for (std::size_t i = nbytes; i < 10; ++i) ns *= 10;
    out = ns;
    return true;
  };

  while (true) {
    const Chunk c = next_chunk(layout);
    // skip(value, prefix)
    std::string_view prefix = c.prefix;
    while (!prefix.empty()) {
      if (prefix[0] == ' ') {
        if (!value.empty() && value[0] != ' ') cannot(value, c.prefix);
        while (!prefix.empty() && prefix[0] == ' ') prefix.remove_prefix(1);
        while (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        continue;
      }
      if (value.empty() || value[0] != prefix[0]) cannot(value, c.prefix);
      prefix.remove_prefix(1);
      value.remove_prefix(1);
    }
    if (c.std == Std::none) {
      if (!value.empty()) msg(": extra text: " + go_quote(value));
      break;
    }
    layout = c.suffix;
    const std::string_view hold = value;
    bool ok = true;
    std::string range;
    int tmp = 0;
    switch (c.std) {
      case Std::year:
        if (value.size() < 2 || !digit_at(value, 0) || !digit_at(value, 1)) {
          ok = false;
          break;
        }
        year = (value[0] - '0') * 10 + (value[1] - '0');
        year += year >= 69 ? 1900 : 2000;
        value.remove_prefix(2);
        break;
      case Std::long_year:
        if (value.size() < 4 || !digit_at(value, 0) || !digit_at(value, 1) || !digit_at(value, 2) ||
            !digit_at(value, 3)) {
          ok = false;
          break;
        }
        year = std::stoi(std::string(value.substr(0, 4)));
        value.remove_prefix(4);
        break;
      case Std::month:
        ok = lookup(value, kLongMonths, 3, month);
        ++month;
        break;
      case Std::long_month:
        ok = lookup(value, kLongMonths, 0, month);
        ++month;
        break;
      case Std::num_month:
      case Std::zero_month:
        ok = getnum(value, c.std == Std::zero_month, month);
        if (ok && (month <= 0 || month > 12)) range = "month";
        break;
      case Std::weekday:
        ok = lookup(value, kLongDays, 3, tmp);
        break;
      case Std::long_weekday:
        ok = lookup(value, kLongDays, 0, tmp);
        break;
      case Std::day:
      case Std::under_day:
      case Std::zero_day:
        if (c.std == Std::under_day && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = getnum(value, c.std == Std::zero_day, day);
        break;
      case Std::under_yday:
      case Std::zero_yday:
        for (int k = 0; k < 2; ++k)
          if (c.std == Std::under_yday && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = getnum3(value, c.std == Std::zero_yday, yday);
        break;
      case Std::hour:
        ok = getnum(value, false, hour);
        if (hour < 0 || hour >= 24) range = "hour";
        break;
      case Std::hour12:
      case Std::zero_hour12:
        ok = getnum(value, c.std == Std::zero_hour12, hour);
        if (hour < 0 || hour > 12) range = "hour";
        break;
      case Std::minute:
      case Std::zero_minute:
        ok = getnum(value, c.std == Std::zero_minute, min);
        if (min < 0 || min >= 60) range = "minute";
        break;
      case Std::second:
      case Std::zero_second: {
        ok = getnum(value, c.std == Std::zero_second, sec);
        if (!ok) break;
        if (sec < 0 || sec >= 60) {
          range = "second";
          break;
        }
        // A fractional second in the value but not in the layout is accepted.
        if (value.size() >= 2 && (value[0] == '.' || value[0] == ',') && digit_at(value, 1)) {
          const Std next = next_chunk(layout).std;
          if (next == Std::frac0 || next == Std::frac9) break;
          std::size_t n = 2;
          while (digit_at(value, n)) ++n;
          ok = parse_nanos(value, n, nsec);
          value.remove_prefix(n);
        }
        break;
      }
      case Std::pm_upper:
      case Std::pm_lower: {
        if (value.size() < 2) {
          ok = false;
          break;
        }
        const std::string_view p = value.substr(0, 2);
        value.remove_prefix(2);
        const bool upper = c.std == Std::pm_upper;
        if (p == (upper ? "PM" : "pm"))
          pm = true;
        else if (p == (upper ? "AM" : "am"))
          am = true;
        else
          ok = false;
        break;
      }
      case Std::iso_tz:
      case Std::iso_seconds_tz:
      case Std::iso_short_tz:
      case Std::iso_colon_tz:
      case Std::iso_colon_seconds_tz:
        if (!value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        [[fallthrough]];
      case Std::num_tz:
      case Std::num_seconds_tz:
      case Std::num_short_tz:
      case Std::num_colon_tz:
      case Std::num_colon_seconds_tz: {
        std::string_view sign, hh, mm, ss = "00";
        const bool colon = c.std == Std::iso_colon_tz || c.std == Std::num_colon_tz;
        const bool shrt = c.std == Std::num_short_tz || c.std == Std::iso_short_tz;
        const bool colon_secs = c.std == Std::iso_colon_seconds_tz || c.std == Std::num_colon_seconds_tz;
        const bool secs = c.std == Std::iso_seconds_tz || c.std == Std::num_seconds_tz;
        std::size_t need = colon ? 6 : shrt ? 3 : colon_secs ? 9 : secs ? 7 : 5;
        if (value.size() < need) {
          ok = false;
          break;
        }
        sign = value.substr(0, 1);
        hh = value.substr(1, 2);
        if (colon) {
          if (value[3] != ':') ok = false;
          mm = value.substr(4, 2);
        } else if (shrt) {
          mm = "00";
        } else if (colon_secs) {
          if (value[3] != ':' || value[6] != ':') ok = false;
          mm = value.substr(4, 2);
          ss = value.substr(7, 2);
        } else if (secs) {
          mm = value.substr(3, 2);
          ss = value.substr(5, 2);
        } else {
          mm = value.substr(3, 2);
        }
        if (!ok) break;
        value.remove_prefix(need);
        int h = 0, m = 0, s2 = 0;
        ok = getnum(hh, true, h) && getnum(mm, true, m) && getnum(ss, true, s2);
        if (h > 24) range = "time zone offset hour";
        if (m > 60) range = "time zone offset minute";
        if (s2 > 60) range = "time zone offset second";
        zone_offset = (h * 60 + m) * 60 + s2;
        if (sign[0] == '-')
          zone_offset = -zone_offset;
        else if (sign[0] != '+')
          ok = false;
        break;
      }
      case Std::tz: {
        if (value.substr(0, 3) == "UTC") {
          value.remove_prefix(3);
          utc = true;
          break;
        }
        if (value.substr(0, 3) == "GMT") {
          std::size_t n = 3;
          if (value.size() > 3 && (value[3] == '+' || value[3] == '-')) {
            std::size_t k = 4;
            std::int64_t hours = 0;
            while (digit_at(value, k) && k < 7) hours = hours * 10 + (value[k++] - '0');
            if (k > 4 && hours <= 23) {
              n = k;
              gmt_offset = (value[3] == '-' ? -hours : hours) * 3600;
            }
          }
          value.remove_prefix(n);
          break;
        }
        std::size_t upper = 0;
        while (upper < 6 && upper < value.size() && value[upper] >= 'A' && value[upper] <= 'Z') ++upper;
        std::size_t n = 0;
        if (upper == 3)
          n = 3;
        else if (upper == 4 && (value[3] == 'T' || value.substr(0, 4) == "WITA"))
          n = 4;
        else if (upper == 5 && value[4] == 'T')
          n = 5;
        if (n == 0) {
          ok = false;
          break;
        }
        value.remove_prefix(n);  // an unknown abbreviation: offset 0, as Go without zone data
        break;
      }
      case Std::frac0: {
        const std::size_t ndigit = 1 + static_cast<std::size_t>(c.frac_digits);
        if (value.size() < ndigit) {
          ok = false;
          break;
        }
        ok = parse_nanos(value, ndigit, nsec);
        value.remove_prefix(ndigit);
        break;
      }
      case Std::frac9: {
        if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !digit_at(value, 1)) break;
        std::size_t i = 0;
        while (digit_at(value, i + 1)) ++i;
        ok = parse_nanos(value, 1 + i, nsec);
        value.remove_prefix(1 + i);
        break;
      }
      case Std::none:
        break;
    }
    if (!range.empty()) msg(": " + range + " out of range");
    if (!ok) cannot(hold, c.std_text);
  }
  if (pm && hour < 12)
    hour += 12;
  else if (am && hour == 12)
    hour = 0;
  if (yday >= 0) {
    if (yday < 1 || yday > (is_leap(year) ? 366 : 365)) msg(": day-of-year out of range");
    int m = 1, d = yday;
    while (d > days_in(m, year)) d -= days_in(m++, year);
    if ((month >= 0 && month != m) || (day >= 0 && day != d)) msg(": day-of-year does not match month");
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > days_in(month, year)) msg(": day out of range");
  const std::int64_t offset = utc ? 0 : zone_offset != -1 ? zone_offset : gmt_offset.value_or(0);
  return checked(to_unix_ns(year, month, day, hour, min, sec, nsec, offset));
}

const char* kRFC3339 = "2006-01-02T15:04:05Z07:00";
const char* kRFC3339Nano = "2006-01-02T15:04:05.999999999Z07:00";

std::string_view named_layout(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", kRFC3339},
      {"RFC3339Nano", kRFC3339Nano}};
  for (const auto& [n, l] : table)
    if (n == name) return l;
  return name;
}

// Go's time.ParseDuration.
std::int64_t parse_duration(const std::string& orig) {
  auto invalid = [&] { fail("time: invalid duration " + go_quote(orig)); };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) invalid();
  constexpr unsigned long long kMax = 1ULL << 63;
  unsigned long long d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) invalid();
    unsigned long long v = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v > (kMax - 1) / 10) invalid();
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > kMax) invalid();
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    bool post = false;
    unsigned long long f = 0;
    double scale = 1;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        f = f * 10 + static_cast<unsigned>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) invalid();
    std::size_t k = 0;
    while (k < s.size() && !(s[k] == '.' || (s[k] >= '0' && s[k] <= '9'))) ++k;
    if (k == 0) fail("time: missing unit in duration " + go_quote(orig));
    const std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    unsigned long long unit = 0;
    if (u == "ns")
      unit = 1;
    else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs")
      unit = 1000;
    else if (u == "ms")
      unit = 1000000;
    else if (u == "s")
      unit = 1000000000ULL;
    else if (u == "m")
      unit = 60000000000ULL;
    else if (u == "h")
      unit = 3600000000000ULL;
    else
      fail("time: unknown unit " + go_quote(u) + " in duration " + go_quote(orig));
    if (v > kMax / unit) invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<unsigned long long>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) invalid();
    }
    d += v;
    if (d > kMax) invalid();
  }
  if (neg) return d == kMax ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(d);
  if (d > kMax - 1) invalid();
  return static_cast<std::int64_t>(d);
}

// OPA's tzTime: a number of ns, or [ns], [ns, tz] or [ns, tz, layout]. Returns ns and the layout.
std::pair<std::int64_t, std::string> tz_time(const Value& a) {
  Value n = a;
  std::string layout;
  if (a.is_array()) {
    const Array& arr = a.as_array();
    if (arr.empty()) operand_type_error(1, a, {"either number (ns) or [number (ns), string (tz)]"});
    n = arr[0];
    if (!n.is_number()) operand_type_error(1, n, {"number"});
    if (arr.size() > 1) {
      if (!arr[1].is_string()) operand_type_error(1, arr[1], {"string"});
      const std::string& tz = arr[1].as_string();
      if (!tz.empty() && tz != "UTC" && tz != "Local") fail("unknown time zone " + tz);
    }
    if (arr.size() > 2) {
      if (!arr[2].is_string()) operand_type_error(1, arr[2], {"string"});
      layout = arr[2].as_string();
    }
  } else if (!a.is_number()) {
    operand_type_error(1, a, {"either number (ns) or [number (ns), string (tz)]"});
  }
  auto i = exact_int(n.as_number());
  if (!i) fail("timestamp too big");
  return {*i, layout};
}

void register_times(BuiltinRegistry& r) {
  r.add("time.now_ns", 0, [](Args, BuiltinContext& ctx) -> std::optional<Value> {
    if (!ctx.now_ns) {
      ctx.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    }
    return integer(*ctx.now_ns);
  });
  def(r, "time.parse_rfc3339_ns", 1,
      [](Args a) -> std::optional<Value> { return integer(go_parse(kRFC3339, string_arg(a, 1))); });
  def(r, "time.parse_ns", 2, [](Args a) -> std::optional<Value> {
    const auto& layout = string_arg(a, 1);
    const auto& value = string_arg(a, 2);
    return integer(go_parse(named_layout(layout), value));
  });
  def(r, "time.parse_duration_ns", 1,
      [](Args a) -> std::optional<Value> { return integer(parse_duration(string_arg(a, 1))); });
  def(r, "time.format", 1, [](Args a) -> std::optional<Value> {
    auto [ns, layout] = tz_time(a[0]);
    return str(go_format(ns, layout.empty() ? std::string_view(kRFC3339Nano) : named_layout(layout)));
  });
  def(r, "time.date", 1, [](Args a) -> std::optional<Value> {
    const Tm t = breakdown(tz_time(a[0]).first);
    return Value::array({integer(t.year), integer(t.month), integer(t.day)});
  });
  def(r, "time.clock", 1, [](Args a) -> std::optional<Value> {
    const Tm t = breakdown(tz_time(a[0]).first);
    return Value::array({integer(t.hour), integer(t.min), integer(t.sec)});
  });
  def(r, "time.weekday", 1, [](Args a) -> std::optional<Value> {
    const Tm t = breakdown(tz_time(a[0]).first);
    return str(kLongDays[static_cast<std::size_t>(t.wday)]);
  });
  def(r, "time.add_date", 4, [](Args a) -> std::optional<Value> {
    const Tm t = breakdown(tz_time(a[0]).first);
    const auto years = int_arg(a, 2), months = int_arg(a, 3), days = int_arg(a, 4);
    constexpr std::int64_t lim = 1'000'000'000;
    if (std::abs(years) > lim || std::abs(months) > lim || std::abs(days) > lim)
      fail("time outside of valid range");
    return integer(
        checked(to_unix_ns(t.year + years, t.month + months, t.day + days, t.hour, t.min, t.sec, t.nsec, 0)));
  });
  def(r, "time.diff", 2, [](Args a) -> std::optional<Value> {
    std::int64_t n1 = tz_time(a[0]).first, n2 = tz_time(a[1]).first;
    if (n1 > n2) std::swap(n1, n2);
    const Tm t1 = breakdown(n1), t2 = breakdown(n2);
    std::int64_t year = t2.year - t1.year;
    int month = t2.month - t1.month, day = t2.day - t1.day, hour = t2.hour - t1.hour, min = t2.min - t1.min,
        sec = t2.sec - t1.sec;
    if (sec < 0) sec += 60, --min;
    if (min < 0) min += 60, --hour;
    if (hour < 0) hour += 24, --day;
    if (day < 0) {
      // Days in t1's month: 32 - (day of month of "day 32" of that month).
      day += days_in(t1.month, t1.year);
      --month;
    }
    if (month < 0) month += 12, --year;
    return Value::array(
        {integer(year), integer(month), integer(day), integer(hour), integer(min), integer(sec)});
  });
}

// ---- units.parse_bytes ----

void register_units(BuiltinRegistry& r) {
  def(r, "units.parse_bytes", 1, [](Args a) -> std::optional<Value> {
    std::string s;
    for (char c : string_arg(a, 1))
      if (c != '"') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.find(' ') != std::string::npos) fail("spaces not allowed in resource strings");
    // Split into number and unit as OPA's extractNumAndUnit.
    std::size_t first_non_num = std::string::npos;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      const bool num = (c >= '0' && c <= '9') || c == '.';
      if (!num && c != 'e' && c != '+' && c != '-') {
        first_non_num = i;
        break;
      }
      if (c == 'e') {
        if (i + 1 == s.size() ||
            !((s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 1] == '+' || s[i + 1] == '-')) {
          first_non_num = i;
          break;
        }
        if (s[i + 1] == '+' || s[i + 1] == '-') ++i;
        std::size_t e = i + 1;
        while (e < s.size() && s[e] >= '0' && s[e] <= '9') ++e;
        if (e - (i + 1) > 6) fail("exponent too large");
      }
    }
    const std::string num = first_non_num == std::string::npos ? s : s.substr(0, first_non_num);
    const std::string unit = first_non_num == std::string::npos ? "" : s.substr(first_non_num);
    if (num.empty()) fail("no byte amount provided");
    static const std::pair<const char*, double> units[] = {{"", 1},
                                                           {"k", 1e3},
                                                           {"kb", 1e3},
                                                           {"ki", 1024.0},
                                                           {"kib", 1024.0},
                                                           {"m", 1e6},
                                                           {"mb", 1e6},
                                                           {"mi", 1048576.0},
                                                           {"mib", 1048576.0},
                                                           {"g", 1e9},
                                                           {"gb", 1e9},
                                                           {"gi", 1073741824.0},
                                                           {"gib", 1073741824.0},
                                                           {"t", 1e12},
                                                           {"tb", 1e12},
                                                           {"ti", 1099511627776.0},
                                                           {"tib", 1099511627776.0},
                                                           {"p", 1e15},
                                                           {"pb", 1e15},
                                                           {"pi", 1125899906842624.0},
                                                           {"pib", 1125899906842624.0},
                                                           {"e", 1e18},
                                                           {"eb", 1e18},
                                                           {"ei", 1152921504606846976.0},
                                                           {"eib", 1152921504606846976.0}};
    double mult = -1;
    for (const auto& [u, m] : units)
      if (unit == u) mult = m;
    if (mult < 0) fail("byte unit " + unit + " not recognized");
    char* end = nullptr;
    const double v = std::strtod(num.c_str(), &end);
    if (!end || *end != '\0' || num == "." || num.find_first_of("0123456789") == std::string::npos)
      fail("could not parse byte amount to a number");
    // Exact for integral amounts that fit; truncated toward zero like big.Float.Int.
    if (num.find_first_of(".e") == std::string::npos && v < 9.2e18 && mult == std::floor(mult)) {
      const auto iv = std::stoll(num);
      long long res = 0;
      if (!__builtin_mul_overflow(iv, static_cast<long long>(mult), &res)) return integer(res);
    }
    return number_value(std::trunc(v * mult));
  });
}

}  // namespace

void register_time(BuiltinRegistry& r) {
  // OPA's runtime information (environment, version, config): none here, which OPA reports as {}.
  def(r, "opa.runtime", 0, [](Args) -> std::optional<Value> { return Value::object({}); });
  register_times(r);
  register_units(r);
}

}  // namespace coco::rego::detail
