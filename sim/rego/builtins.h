// Rego's builtin function library, with OPA's semantics and error messages, independent of the parser and
// the interpreter. Operators are builtins too, under OPA's names (`1 + 2` is plus(1, 2), `a & b` is
// and(a, b); see operator_builtin()).
//
// Calling convention. A builtin receives its already evaluated arguments (never undefined) and returns:
//   - a Value: the result;
//   - std::nullopt: the call is undefined (e.g. max([]));
//   - or throws BuiltinError. Its kind picks OPA's error code: Kind::type ("eval_type_error", an operand of
//     the wrong type: "count: operand 1 must be one of {array, object, set, string} but got number") or
//     Kind::builtin ("eval_builtin_error": "div: divide by zero", "to_number: strconv.ParseFloat: parsing
//     \"x\": invalid syntax"). In OPA, with strict builtin errors off (the default, and Kata's setting)
//     BOTH kinds make the call undefined; with strict errors on, both halt the query with their code.
// Messages are "<name>: <reason>"; Builtin::call() adds the "<name>: " prefix, so implementations (host
// functions included) throw the bare reason.
//
// Numbers follow value.h's model (int64 or double): integer arithmetic is exact while it fits 64 bits and
// falls back to double beyond (OPA uses arbitrary precision there). Strings are UTF-8; lengths and
// indexes (count, substring, indexof, sprintf widths) count code points, with an invalid byte counting as
// one U+FFFD like Go. Regexes are RE2 (Go's regexp syntax and leftmost-first semantics), compiled once
// and cached process-wide (thread-safe).
//
// Thread safety: BuiltinRegistry::standard() is immutable after its (thread-safe) construction, and every
// standard builtin is reentrant; a BuiltinContext belongs to one query evaluation.
//
// The standard registry (src/builtins_*.cpp, one file per family):
//   numbers      plus minus mul div rem abs round ceil floor; equal neq lt lte gt gte; and or intersection
//                union (minus is also set difference); count sum product max min sort all any;
//                bits.and/or/xor/negate/lsh/rsh; numbers.range numbers.range_step
//   strings      concat contains startswith endswith lower upper split strings.split_n replace
//                strings.replace_n strings.reverse strings.count strings.any_prefix_match
//                strings.any_suffix_match substring indexof indexof_n trim trim_left trim_right
//                trim_prefix trim_suffix trim_space sprintf format_int to_number is_* type_name cast_*
//   collections  array.concat array.slice array.reverse array.flatten object.get object.keys object.remove
//                object.filter object.union object.union_n object.subset internal.member_2 (x in c)
//                internal.member_3 (k, v in c)
//   encoding     json.marshal json.marshal_with_options json.unmarshal json.is_valid base64.encode/decode/
//                is_valid base64url.encode/encode_no_pad/decode hex.encode/decode urlquery.encode/decode/
//                encode_object/decode_object crypto.md5/sha1/sha256 crypto.hmac.md5/sha1/sha256/sha512/equal
//   regex        regex.match re_match regex.is_valid regex.split regex.find_n
//                regex.find_all_string_submatch_n regex.replace regex.template_match glob.match
//                glob.quote_meta
//   time         time.now_ns time.parse_ns time.parse_rfc3339_ns time.parse_duration_ns time.format
//                time.date time.clock time.weekday time.add_date time.diff units.parse_bytes opa.runtime ({})
// Not provided: print, trace and walk (the interpreter's), yaml.*, json.filter/remove/patch/match_schema,
// net.*, semver.*, uuid.*, rand.intn, io.jwt.*, crypto.x509.*, http.send, units.parse, time zones other
// than UTC.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rego/value.h"

namespace coco::rego {

// An error raised by a builtin.
struct BuiltinError {
  enum class Kind { builtin, type };
  Kind kind = Kind::builtin;
  std::string message;  // "<name>: <reason>" once it leaves Builtin::call()

  static BuiltinError type(std::string m) { return {Kind::type, std::move(m)}; }
  static BuiltinError other(std::string m) { return {Kind::builtin, std::move(m)}; }
  // OPA's error code: "eval_type_error" or "eval_builtin_error".
  std::string_view code() const { return kind == Kind::type ? "eval_type_error" : "eval_builtin_error"; }
};

// Per-query state the builtins may use. One context per query evaluation, so that time.now_ns() is the
// same everywhere in the query. print() is the interpreter's, not a builtin here.
struct BuiltinContext {
  // Nanoseconds since the Unix epoch returned by time.now_ns(). Left empty, the first call reads the
  // system clock and stores it here, so later calls in the same query agree.
  std::optional<std::int64_t> now_ns;
};

using BuiltinFn = std::function<std::optional<Value>(std::span<const Value> args, BuiltinContext& ctx)>;

struct Builtin {
  std::string name;  // OPA's name, e.g. "regex.match", "plus"
  int arity = 0;     // number of arguments; -1 for variadic
  BuiltinFn fn;

  // Calls fn. Checks the argument count (a mismatch is a type error), and prefixes the message of any
  // BuiltinError thrown by fn with "<name>: ".
  std::optional<Value> call(std::span<const Value> args, BuiltinContext& ctx) const;
};

// A name -> builtin table. The standard one holds OPA's builtins; an engine that registers host functions
// (e.g. Trustee's query_reference_value) copies it, or looks in its own registry first.
class BuiltinRegistry {
 public:
  // Adds a builtin, replacing any with the same name.
  void add(std::string name, int arity, BuiltinFn fn);
  // nullptr when unknown. Pointers stay valid while the registry lives and the name is not re-added.
  const Builtin* find(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted
  std::size_t size() const { return table_.size(); }

  static const BuiltinRegistry& standard();

 private:
  std::map<std::string, Builtin, std::less<>> table_;
};

// BuiltinRegistry::standard().find(name).
const Builtin* find_builtin(std::string_view name);

// The builtin behind an infix operator: "+" plus, "-" minus, "*" mul, "/" div, "%" rem, "&" and, "|" or,
// "==" equal, "!=" neq, "<" lt, "<=" lte, ">" gt, ">=" gte. Empty for anything else.
std::string_view operator_builtin(std::string_view op);

// Go's fmt.Sprintf over Rego values, as OPA's sprintf builtin does it: integers are int64, other numbers
// float64, strings themselves, anything else its term text (to_term_string()). Exposed for tests and for
// callers that format messages the way policies do. Never throws.
std::string go_sprintf(std::string_view format, std::span<const Value> args);

// Go's encoding/json text of a value, as json.marshal gives it: sets as arrays, object keys sorted by their
// string form (non-string keys become their JSON text), "<", ">", "&", U+2028 and U+2029 escaped. Throws
// BuiltinError ("json: unsupported value: +Inf") for a non-finite number.
std::string go_json_marshal(const Value& v);
// json.MarshalIndent's layout (json.marshal_with_options with pretty printing): one element per line, each
// line after the first starting with prefix, nesting by indent.
std::string go_json_marshal_indent(const Value& v, std::string_view prefix, std::string_view indent);

}  // namespace coco::rego
