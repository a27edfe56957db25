#include "rego/value.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <variant>

namespace coco::rego {

struct Value::Rep {
  std::variant<std::monostate, bool, Number, std::string, Array, Object, Set> v;
};

struct RepAccess {
  static const std::shared_ptr<const Value::Rep>& null_rep() {
    static const auto rep = std::make_shared<const Value::Rep>();
    return rep;
  }
};

namespace {
int kind_rank(Value::Kind k) {
  // OPA's sort order: null, boolean, number, string, array, object, set.
  return static_cast<int>(k);
}
void append_json_string(std::string& out, const std::string& s) {
  out += nlohmann::json(s).dump();
}
}  // namespace

Number Number::of(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.2e18)
    return Number::of(static_cast<std::int64_t>(v));
  return {false, 0, v};
}

std::string Number::to_string() const {
  if (is_int) return std::to_string(i);
  if (std::isnan(d) || std::isinf(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "+Inf" : "-Inf");
  // Shortest representation that round-trips, like Go's strconv.FormatFloat(f, 'g', -1, 64) for these values.
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

int compare(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  double x = a.as_double(), y = b.as_double();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool ValueLess::operator()(const Value& a, const Value& b) const {
  return compare(a, b) < 0;
}

Value::Value() : rep_(RepAccess::null_rep()) {}
Value Value::boolean(bool b) {
  return Value(std::make_shared<const Rep>(Rep{b}));
}
Value Value::number(Number n) {
  return Value(std::make_shared<const Rep>(Rep{n}));
}
Value Value::string(std::string s) {
  return Value(std::make_shared<const Rep>(Rep{std::move(s)}));
}
Value Value::array(Array a) {
  return Value(std::make_shared<const Rep>(Rep{std::move(a)}));
}
Value Value::object(Object o) {
  return Value(std::make_shared<const Rep>(Rep{std::move(o)}));
}
Value Value::set(Set s) {
  return Value(std::make_shared<const Rep>(Rep{std::move(s)}));
}

Value::Kind Value::kind() const {
  return static_cast<Kind>(rep_->v.index());
}

namespace {
template <typename T>
const T& get_or_throw(const std::variant<std::monostate, bool, Number, std::string, Array, Object, Set>& v,
                      const char* what) {
  if (auto p = std::get_if<T>(&v)) return *p;
  throw std::logic_error(std::string("rego value is not ") + what);
}
}  // namespace

bool Value::as_bool() const {
  return get_or_throw<bool>(rep_->v, "a boolean");
}
const Number& Value::as_number() const {
  return get_or_throw<Number>(rep_->v, "a number");
}
const std::string& Value::as_string() const {
  return get_or_throw<std::string>(rep_->v, "a string");
}
const Array& Value::as_array() const {
  return get_or_throw<Array>(rep_->v, "an array");
}
const Object& Value::as_object() const {
  return get_or_throw<Object>(rep_->v, "an object");
}
const Set& Value::as_set() const {
  return get_or_throw<Set>(rep_->v, "a set");
}

std::optional<Value> Value::get(const Value& key) const {
  switch (kind()) {
    case Kind::array: {
      if (!key.is_number() || !key.as_number().is_int) return std::nullopt;
      auto idx = key.as_number().i;
      const auto& a = as_array();
      if (idx < 0 || static_cast<std::size_t>(idx) >= a.size()) return std::nullopt;
      return a[static_cast<std::size_t>(idx)];
    }
    case Kind::object: {
      const auto& o = as_object();
      auto it = o.find(key);
      if (it == o.end()) return std::nullopt;
      return it->second;
    }
    case Kind::set: {
      const auto& s = as_set();
      auto it = s.find(key);
      if (it == s.end()) return std::nullopt;
      return *it;
    }
    default:
      return std::nullopt;
  }
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::size_t Value::size() const {
  switch (kind()) {
    case Kind::array:
      return as_array().size();
    case Kind::object:
      return as_object().size();
    case Kind::set:
      return as_set().size();
    case Kind::string:
      return utf8_length(as_string());
    default:
      return 0;
  }
}

int compare(const Value& a, const Value& b) {
  if (a.rep_ == b.rep_) return 0;
  const int ka = kind_rank(a.kind()), kb = kind_rank(b.kind());
  if (ka != kb) return ka < kb ? -1 : 1;
  switch (a.kind()) {
    case Value::Kind::null:
      return 0;
    case Value::Kind::boolean:
      return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
    case Value::Kind::number:
      return compare(a.as_number(), b.as_number());
    case Value::Kind::string: {
      int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Value::Kind::array: {
      const auto &x = a.as_array(), &y = b.as_array();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        if (int c = compare(x[i], y[i])) return c;
      return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
    case Value::Kind::object: {
      // OPA compares objects by their sorted keys first, then by the values in key order.
      const auto &x = a.as_object(), &y = b.as_object();
      auto ix = x.begin(), iy = y.begin();
      for (; ix != x.end() && iy != y.end(); ++ix, ++iy)
        if (int c = compare(ix->first, iy->first)) return c;
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      for (ix = x.begin(), iy = y.begin(); ix != x.end(); ++ix, ++iy)
        if (int c = compare(ix->second, iy->second)) return c;
      return 0;
    }
    case Value::Kind::set: {
      const auto &x = a.as_set(), &y = b.as_set();
      auto ix = x.begin(), iy = y.begin();
      for (; ix != x.end() && iy != y.end(); ++ix, ++iy)
        if (int c = compare(*ix, *iy)) return c;
      return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
  }
  return 0;
}

std::string Value::type_name() const {
  static const char* names[] = {"null", "boolean", "number", "string", "array", "object", "set"};
  return names[static_cast<int>(kind())];
}

nlohmann::json Value::to_json() const {
  switch (kind()) {
    case Kind::null:
      return nullptr;
    case Kind::boolean:
      return as_bool();
    case Kind::number: {
      const auto& n = as_number();
      if (n.is_int) return n.i;
      return n.d;
    }
    case Kind::string:
      return as_string();
    case Kind::array: {
      auto j = nlohmann::json::array();
      for (const auto& v : as_array()) j.push_back(v.to_json());
      return j;
    }
    case Kind::set: {
      auto j = nlohmann::json::array();
      for (const auto& v : as_set()) j.push_back(v.to_json());
      return j;
    }
    case Kind::object: {
      auto j = nlohmann::json::object();
      for (const auto& [k, v] : as_object())
        j[k.is_string() ? k.as_string() : k.to_json_text()] = v.to_json();
      return j;
    }
  }
  return nullptr;
}

std::string Value::to_json_text() const {
  // Numbers keep Rego's formatting (integers without ".0"), so build the text rather than nlohmann's dump.
  std::string out;
  switch (kind()) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return as_bool() ? "true" : "false";
    case Kind::number:
      return as_number().to_string();
    case Kind::string:
      append_json_string(out, as_string());
      return out;
    case Kind::array:
    case Kind::set: {
      out = "[";
      bool first = true;
      auto add = [&](const Value& v) {
        if (!first) out += ",";
        first = false;
        out += v.to_json_text();
      };
      if (is_array())
        for (const auto& v : as_array()) add(v);
      else
        for (const auto& v : as_set()) add(v);
      return out + "]";
    }
    case Kind::object: {
      out = "{";
      bool first = true;
      for (const auto& [k, v] : as_object()) {
        if (!first) out += ",";
        first = false;
        append_json_string(out, k.is_string() ? k.as_string() : k.to_json_text());
        out += ":" + v.to_json_text();
      }
      return out + "}";
    }
  }
  return out;
}

std::string Value::to_term_string() const {
  std::string out;
  switch (kind()) {
    case Kind::null:
    case Kind::boolean:
    case Kind::number:
    case Kind::string:
      return to_json_text();
    case Kind::array: {
      out = "[";
      for (std::size_t i = 0; i < as_array().size(); ++i)
        out += (i ? ", " : "") + as_array()[i].to_term_string();
      return out + "]";
    }
    case Kind::set: {
      if (as_set().empty()) return "set()";
      out = "{";
      bool first = true;
      for (const auto& v : as_set()) {
        out += (first ? "" : ", ") + v.to_term_string();
        first = false;
      }
      return out + "}";
    }
    case Kind::object: {
      out = "{";
      bool first = true;
      for (const auto& [k, v] : as_object()) {
        out += (first ? "" : ", ") + k.to_term_string() + ": " + v.to_term_string();
        first = false;
      }
      return out + "}";
    }
  }
  return out;
}

Value Value::from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value();
    case nlohmann::json::value_t::boolean:
      return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return integer(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return integer(static_cast<std::int64_t>(u));
      return real(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float:
      return real(j.get<double>());
    case nlohmann::json::value_t::string:
      return string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_json(e));
      return array(std::move(a));
    }
    case nlohmann::json::value_t::object: {
      Object o;
      for (const auto& [k, v] : j.items()) o.emplace(string(k), from_json(v));
      return object(std::move(o));
    }
    default:
      return Value();
  }
}

}  // namespace coco::rego
