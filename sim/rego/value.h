// Rego values: null, boolean, number, string, array, object and set, immutable and cheap to copy
// (shared representation), ordered by OPA's total order (null < boolean < number < string < array <
// object < set), with numbers compared by value (1 == 1.0). Conversions to and from JSON, and the two
// text forms OPA uses: JSON (json.marshal) and the term form that `print` and error messages show
// (sets as {1, 2}, the empty set as set()).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/encoding.h"

namespace coco::rego {

class Value;
struct ValueLess {
  bool operator()(const Value& a, const Value& b) const;
};
using Array = std::vector<Value>;
using Object = std::map<Value, Value, ValueLess>;
using Set = std::set<Value, ValueLess>;

// A JSON number kept exact when it is an integer that fits 64 bits, else a double.
struct Number {
  bool is_int = true;
  std::int64_t i = 0;
  double d = 0;
  static Number of(std::int64_t v) { return {true, v, static_cast<double>(v)}; }
  static Number of(double v);  // integral doubles within int64 range become integers
  double as_double() const { return is_int ? static_cast<double>(i) : d; }
  std::string to_string() const;  // integers without a fraction; others in shortest round-trip form
};
int compare(const Number& a, const Number& b);

class Value {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object, set };

  Value();  // null
  static Value null() { return Value(); }
  static Value boolean(bool b);
  static Value number(Number n);
  static Value integer(std::int64_t i) { return number(Number::of(i)); }
  static Value real(double d) { return number(Number::of(d)); }
  static Value string(std::string s);
  static Value array(Array a);
  static Value object(Object o);
  static Value set(Set s);

  Kind kind() const;
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_number() const { return kind() == Kind::number; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }
  bool is_set() const { return kind() == Kind::set; }
  bool is_collection() const { return is_array() || is_object() || is_set(); }

  // Accessors; calling the wrong one is a programming error (std::logic_error).
  bool as_bool() const;
  const Number& as_number() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;
  const Set& as_set() const;

  // Indexing as Rego refs do: array by integer number, object by key, set by membership (the element).
  std::optional<Value> get(const Value& key) const;
  // Elements of a collection, or code points of a string; 0 for other kinds.
  std::size_t size() const;

  bool operator==(const Value& o) const { return compare(*this, o) == 0; }
  bool operator!=(const Value& o) const { return !(*this == o); }
  bool operator<(const Value& o) const { return compare(*this, o) < 0; }
  friend int compare(const Value& a, const Value& b);

  // OPA's type names: "null", "boolean", "number", "string", "array", "object", "set".
  std::string type_name() const;
  // JSON text as json.marshal gives it (sets as sorted arrays; non-string object keys as their JSON text).
  nlohmann::json to_json() const;
  std::string to_json_text() const;
  // OPA's term form: strings quoted, ", " and ": " separators, sets as {..} and set().
  std::string to_term_string() const;

  static Value from_json(const nlohmann::json& j);

 private:
  struct Rep;
  friend struct RepAccess;
  explicit Value(std::shared_ptr<const Rep> r) : rep_(std::move(r)) {}
  std::shared_ptr<const Rep> rep_;
};

int compare(const Value& a, const Value& b);

// Number of Unicode code points in a UTF-8 string (Rego's count() and string indexing unit).
std::size_t utf8_length(const std::string& s);
// Appends a code point as UTF-8; surrogates and values above U+10FFFF become U+FFFD, as in Go.
using ::coco::append_utf8;  // core/encoding.h

}  // namespace coco::rego
