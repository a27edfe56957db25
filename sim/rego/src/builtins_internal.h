// Shared helpers for the builtin families (builtins_*.cpp): operand checks that throw OPA's messages,
// Go-compatible UTF-8 handling, and each family's registration function. Private to sim/rego.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rego/builtins.h"

namespace coco::rego::detail {

using Args = std::span<const Value>;

// 128-bit integers for overflow-free intermediate arithmetic (a GCC/Clang extension).
__extension__ typedef __int128 i128;

// Throws without the "<name>: " prefix; Builtin::call() adds it.
[[noreturn]] void fail(std::string reason);       // eval_builtin_error
[[noreturn]] void fail_type(std::string reason);  // eval_type_error

// OPA's builtins.NewOperandTypeErr: "operand <pos> must be <t>" or "must be one of {<t1>, <t2>}", then
// " but got <type of got>".
[[noreturn]] void operand_type_error(int pos, const Value& got,
                                     std::initializer_list<std::string_view> expected);
// NewOperandElementErr: "operand <pos> must be <array> of <strings> but got <array> containing <number>".
[[noreturn]] void operand_element_error(int pos, const Value& composite, const Value& got,
                                        std::string_view expected);
// NewOperandErr: "operand <pos> <text>".
[[noreturn]] void operand_error(int pos, std::string_view text);

// Operand accessors; pos is 1-based like OPA's messages.
const std::string& string_arg(Args a, int pos);
const Number& number_arg(Args a, int pos);
const Array& array_arg(Args a, int pos);
const Object& object_arg(Args a, int pos);
const Set& set_arg(Args a, int pos);
// builtins.IntOperand: a number with an integral value that fits int64, else "operand N must be integer
// number but got floating-point number".
std::int64_t int_arg(Args a, int pos);
std::int64_t int_of(const Value& v, int pos);
// builtins.BigIntOperand: like int_arg but a non-number is "must be integer but got ...".
std::int64_t bigint_arg(Args a, int pos);
// builtins.StringSliceOperand: an array or set of strings.
std::vector<std::string> string_slice_arg(Args a, int pos);

inline Value str(std::string s) {
  return Value::string(std::move(s));
}
inline Value boolean(bool b) {
  return Value::boolean(b);
}
inline Value integer(std::int64_t i) {
  return Value::integer(i);
}

// UTF-8 as Go decodes it: an invalid or truncated sequence is one U+FFFD of width 1.
struct Rune {
  char32_t cp;
  std::size_t width;
};
Rune decode_rune(std::string_view s, std::size_t pos);
std::vector<char32_t> to_runes(std::string_view s);
using ::coco::rego::append_utf8;  // value.h
std::string from_runes(std::span<const char32_t> runes);
std::size_t rune_count(std::string_view s);
bool is_ascii(std::string_view s);
// Unicode helpers through the C.UTF-8 locale (ASCII rules if the locale is unavailable).
char32_t to_lower_rune(char32_t c);
char32_t to_upper_rune(char32_t c);
bool is_space_rune(char32_t c);  // Go's unicode.IsSpace
bool is_print_rune(char32_t c);  // close to Go's strconv.IsPrint
// Go's strconv.Quote (ascii_only: QuoteToASCII).
std::string go_quote(std::string_view s, bool ascii_only = false);

// Number helpers.
Value number_value(double d);                            // integral values become integers
std::optional<std::int64_t> exact_int(const Number& n);  // the integer value if n is integral and fits
// Go's strconv.FormatFloat(f, fmt, prec, 64) for fmt in e, E, f, g, G ('g' with prec -1 is the shortest).
std::string go_format_float(double f, char fmt, int prec);

// Registration, one per family.
void register_numbers(BuiltinRegistry& r);      // operators, comparisons, aggregates, bits, numbers.*
void register_strings(BuiltinRegistry& r);      // strings, sprintf, casts, types
void register_collections(BuiltinRegistry& r);  // array.*, object.*, sets, membership
void register_encoding(BuiltinRegistry& r);     // json, base64, hex, urlquery, crypto
void register_regex(BuiltinRegistry& r);        // regex.*, glob.*
void register_time(BuiltinRegistry& r);         // time.*, units.*

// Go's json.Unmarshal into a Value; nullopt with Go's error text in *error.
std::optional<Value> go_json_parse(std::string_view text, std::string* error);

}  // namespace coco::rego::detail
