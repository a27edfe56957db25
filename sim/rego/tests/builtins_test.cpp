// Unit tests of the builtin library, called directly (no parser or interpreter). Cases marked "corpus:"
// mirror OPA conformance cases from ../shared/rego-corpus/opa/<suite> (the builtin's arguments and the
// expected result or error), since those YAML cases need the interpreter to run as written.
#include "rego/builtins.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace coco::rego;

namespace {

Value J(const char* json) {
  return Value::from_json(nlohmann::json::parse(json));
}
Value S(std::initializer_list<Value> items) {
  return Value::set(Set(items));
}
Value I(std::int64_t i) {
  return Value::integer(i);
}
Value D(double d) {
  return Value::real(d);
}
Value Str(std::string s) {
  return Value::string(std::move(s));
}
Value B(bool b) {
  return Value::boolean(b);
}

std::optional<Value> call(std::string_view name, std::vector<Value> args) {
  const Builtin* b = find_builtin(name);
  if (!b) throw std::runtime_error("no builtin " + std::string(name));
  BuiltinContext ctx;
  return b->call(args, ctx);
}

// The result's term text, "undefined", or "<code>: <message>" for an error.
std::string run(std::string_view name, std::vector<Value> args) {
  try {
    auto r = call(name, std::move(args));
    return r ? r->to_term_string() : "undefined";
  } catch (const BuiltinError& e) {
    return std::string(e.code()) + ": " + e.message;
  }
}

std::string type_err(const std::string& m) {
  return "eval_type_error: " + m;
}
std::string builtin_err(const std::string& m) {
  return "eval_builtin_error: " + m;
}

}  // namespace

TEST(RegoBuiltins, RegistryAndOperators) {
  for (const char* name : {"plus",
                           "minus",
                           "mul",
                           "div",
                           "rem",
                           "and",
                           "or",
                           "equal",
                           "neq",
                           "lt",
                           "lte",
                           "gt",
                           "gte",
                           "count",
                           "sum",
                           "product",
                           "max",
                           "min",
                           "sort",
                           "all",
                           "any",
                           "array.concat",
                           "array.slice",
                           "array.reverse",
                           "concat",
                           "contains",
                           "startswith",
                           "endswith",
                           "lower",
                           "upper",
                           "replace",
                           "split",
                           "sprintf",
                           "substring",
                           "indexof",
                           "indexof_n",
                           "trim",
                           "trim_left",
                           "trim_right",
                           "trim_prefix",
                           "trim_suffix",
                           "trim_space",
                           "strings.replace_n",
                           "strings.reverse",
                           "strings.any_prefix_match",
                           "strings.any_suffix_match",
                           "format_int",
                           "to_number",
                           "is_number",
                           "is_string",
                           "is_boolean",
                           "is_array",
                           "is_set",
                           "is_object",
                           "is_null",
                           "type_name",
                           "object.get",
                           "object.keys",
                           "object.remove",
                           "object.union",
                           "object.union_n",
                           "object.filter",
                           "json.marshal",
                           "json.unmarshal",
                           "json.is_valid",
                           "base64.encode",
                           "base64.decode",
                           "base64.is_valid",
                           "base64url.encode",
                           "base64url.encode_no_pad",
                           "base64url.decode",
                           "hex.encode",
                           "hex.decode",
                           "urlquery.encode",
                           "regex.match",
                           "regex.is_valid",
                           "regex.split",
                           "regex.find_n",
                           "regex.find_all_string_submatch_n",
                           "regex.replace",
                           "glob.match",
                           "bits.and",
                           "bits.or",
                           "bits.xor",
                           "bits.negate",
                           "bits.lsh",
                           "bits.rsh",
                           "numbers.range",
                           "round",
                           "ceil",
                           "floor",
                           "abs",
                           "intersection",
                           "union",
                           "time.now_ns",
                           "time.parse_rfc3339_ns",
                           "time.date",
                           "time.clock",
                           "crypto.sha256",
                           "crypto.md5",
                           "crypto.sha1",
                           "units.parse_bytes",
                           "internal.member_2",
                           "internal.member_3"})
    EXPECT_NE(find_builtin(name), nullptr) << name;
  EXPECT_EQ(find_builtin("no.such"), nullptr);
  EXPECT_EQ(find_builtin("count")->arity, 1);
  EXPECT_EQ(find_builtin("object.get")->arity, 3);
  EXPECT_EQ(operator_builtin("+"), "plus");
  EXPECT_EQ(operator_builtin("%"), "rem");
  EXPECT_EQ(operator_builtin("&"), "and");
  EXPECT_EQ(operator_builtin(">="), "gte");
  EXPECT_EQ(operator_builtin("in"), "");
  // Arity is checked by call().
  EXPECT_EQ(run("count", {}), type_err("count: expected 1 argument but got 0"));
}

TEST(RegoBuiltins, HostFunctionsInACopiedRegistry) {
  BuiltinRegistry reg = BuiltinRegistry::standard();
  reg.add("query_reference_value", 1, [](std::span<const Value> a, BuiltinContext&) -> std::optional<Value> {
    if (a[0] == Str("missing")) return Value::null();
    if (a[0] == Str("bad")) throw BuiltinError::other("rvps unreachable");
    return Value::array({Str("abc")});
  });
  BuiltinContext ctx;
  const std::vector<Value> args{Str("svn")};
  EXPECT_EQ(reg.find("query_reference_value")->call(args, ctx)->to_term_string(), R"(["abc"])");
  try {
    const std::vector<Value> bad{Str("bad")};
    reg.find("query_reference_value")->call(bad, ctx);
    FAIL();
  } catch (const BuiltinError& e) {
    EXPECT_EQ(e.message, "query_reference_value: rvps unreachable");
    EXPECT_EQ(e.code(), "eval_builtin_error");
  }
  EXPECT_NE(reg.find("count"), nullptr);
  EXPECT_EQ(find_builtin("query_reference_value"), nullptr);  // the standard registry is untouched
}

// ---- arithmetic (corpus: arithmetic) ----

TEST(RegoBuiltins, Arithmetic) {
  EXPECT_EQ(run("plus", {I(1), I(2)}), "3");
  EXPECT_EQ(run("plus", {I(49649733057), I(1)}), "49649733058");  // corpus: bug 2469 - precision
  EXPECT_EQ(run("plus", {D(1.5), D(2.5)}), "4");
  EXPECT_EQ(run("plus", {I(1), D(2.5)}), "3.5");
  EXPECT_EQ(run("minus", {I(0), I(1)}), "-1");
  EXPECT_EQ(run("mul", {I(2147483647), I(2147483647)}), "4611686014132420609");  // corpus: arithmetic edges
  EXPECT_EQ(run("mul", {I(-2147483648), I(-2147483648)}), "4611686018427387904");
  EXPECT_EQ(run("mul", {D(2.5), I(2)}), "5");
  EXPECT_EQ(run("div", {I(6), I(3)}), "2");
  EXPECT_EQ(run("div", {I(-6), I(3)}), "-2");
  EXPECT_EQ(run("div", {I(1), I(4)}), "0.25");
  EXPECT_EQ(run("div", {I(0), I(5)}), "0");
  EXPECT_EQ(run("div", {I(1), I(0)}), builtin_err("div: divide by zero"));  // corpus: divide+error
  EXPECT_EQ(run("div", {I(1), D(0.0)}), builtin_err("div: divide by zero"));
  EXPECT_EQ(run("rem", {I(7), I(4)}), "3");
  EXPECT_EQ(run("rem", {I(-17), I(5)}), "-2");
  EXPECT_EQ(run("rem", {I(17), I(-5)}), "2");
  EXPECT_EQ(run("rem", {D(4.0), I(3)}), "1");
  EXPECT_EQ(run("rem", {I(7), I(0)}), builtin_err("rem: modulo by zero"));
  EXPECT_EQ(run("rem", {D(1.1), I(1)}), builtin_err("rem: modulo on floating-point number"));
  EXPECT_EQ(run("plus", {Str("a"), I(1)}), type_err("plus: operand 1 must be number but got string"));
  EXPECT_EQ(run("mul", {I(1), S({})}), type_err("mul: operand 2 must be number but got set"));
  // Past 64 bits the result is a double (OPA keeps arbitrary precision).
  EXPECT_FALSE(call("plus", {I(INT64_MAX), I(1)})->as_number().is_int);
  EXPECT_DOUBLE_EQ(call("plus", {I(INT64_MAX), I(1)})->as_number().as_double(), 9223372036854775808.0);
}

TEST(RegoBuiltins, MinusOnSets) {
  EXPECT_EQ(run("minus", {S({I(1), I(2), I(3)}), S({I(2)})}), "{1, 3}");
  EXPECT_EQ(run("minus", {S({I(1)}), S({I(1)})}), "set()");
  // corpus: arithmetic/minus/type error
  EXPECT_EQ(run("minus", {S({I(1)}), I(1)}), type_err("minus: operand 2 must be set but got number"));
  EXPECT_EQ(run("minus", {I(1), S({I(1)})}), type_err("minus: operand 2 must be number but got set"));
  EXPECT_EQ(run("minus", {Str("a"), I(1)}),
            type_err("minus: operand 1 must be one of {number, set} but got string"));
}

TEST(RegoBuiltins, Rounding) {
  // corpus: arithmetic 0813, 0824, 0825, edges
  EXPECT_EQ(run("round", {D(2.5)}), "3");
  EXPECT_EQ(run("round", {D(-2.5)}), "-3");
  EXPECT_EQ(run("round", {D(2.4)}), "2");
  EXPECT_EQ(run("round", {I(-5)}), "-5");
  EXPECT_EQ(run("ceil", {D(1.01)}), "2");
  EXPECT_EQ(run("ceil", {D(2222.2222222222)}), "2223");
  EXPECT_EQ(run("ceil", {D(-1.99999)}), "-1");
  EXPECT_EQ(run("floor", {D(99.99999)}), "99");
  EXPECT_EQ(run("floor", {D(-1.001)}), "-2");
  EXPECT_EQ(run("abs", {I(-10)}), "10");
  EXPECT_EQ(run("abs", {D(-2.5)}), "2.5");
  EXPECT_EQ(run("abs", {I(-2147483648)}), "2147483648");
  EXPECT_EQ(run("abs", {Str("x")}), type_err("abs: operand 1 must be number but got string"));
}

TEST(RegoBuiltins, Comparisons) {
  EXPECT_EQ(run("equal", {I(1), D(1.0)}), "true");
  EXPECT_EQ(run("neq", {I(1), Str("1")}), "true");
  EXPECT_EQ(run("lt", {Value::null(), B(false)}), "true");  // OPA's total order across types
  EXPECT_EQ(run("gt", {Str("b"), Str("a")}), "true");
  EXPECT_EQ(run("lte", {J("[1,2]"), J("[1,2]")}), "true");
  EXPECT_EQ(run("gte", {I(1), I(2)}), "false");
}

TEST(RegoBuiltins, SetOperators) {
  EXPECT_EQ(run("and", {S({I(1), I(2)}), S({I(2), I(3)})}), "{2}");
  EXPECT_EQ(run("or", {S({I(1), I(2)}), S({I(2), I(3)})}), "{1, 2, 3}");
  EXPECT_EQ(run("and", {J("[1]"), S({})}), type_err("and: operand 1 must be set but got array"));
  EXPECT_EQ(run("intersection", {S({S({I(1), I(2)}), S({I(2), I(3)})})}), "{2}");
  EXPECT_EQ(run("union", {S({S({I(1)}), S({I(2)})})}), "{1, 2}");
  EXPECT_EQ(run("union", {S({})}), "set()");
  EXPECT_EQ(run("union", {S({I(1)})}), type_err("union: operand 1 must be set but got number"));
}

// ---- aggregates (corpus: aggregates) ----

TEST(RegoBuiltins, Aggregates) {
  EXPECT_EQ(run("count", {J("[1,2,3,4]")}), "4");
  EXPECT_EQ(run("count", {J(R"({"v1":"hello","v2":"goodbye"})")}), "2");
  EXPECT_EQ(run("count", {S({I(1), I(2)})}), "2");
  EXPECT_EQ(run("count", {Str("abcde")}), "5");
  EXPECT_EQ(run("count", {Str("åäö")}), "3");
  // corpus: count with invalid UTF-8 (each bad byte is one U+FFFD): 30 runes in these 32 bytes.
  const Value bytes = *call("base64.decode", {Str("2E84ZuPUd7zfvCZSNEchVpDEIj6PL7JfLpIqyxVG16k=")});
  EXPECT_EQ(run("count", {bytes}), "30");
  EXPECT_EQ(run("count", {Value::null()}),
            type_err("count: operand 1 must be one of {array, object, set, string} but got null"));
  EXPECT_EQ(run("count", {I(5)}),
            type_err("count: operand 1 must be one of {array, object, set, string} but got number"));
  EXPECT_EQ(run("sum", {J("[1,2,3,4]")}), "10");
  EXPECT_EQ(run("sum", {S({I(1), I(2), I(3), I(4)})}), "10");
  EXPECT_EQ(run("sum", {J("[49649733057, 1]")}), "49649733058");
  EXPECT_EQ(run("sum", {J("[1.5, 2.5]")}), "4");
  EXPECT_EQ(run("sum", {J("[1, 2.5]")}), "3.5");
  EXPECT_EQ(run("sum", {J("[9223372036854775806, 1]")}), "9223372036854775807");
  EXPECT_EQ(run("sum", {J(R"([1, "a"])")}),
            type_err("sum: operand 1 must be array of numbers but got array containing string"));
  EXPECT_EQ(run("sum", {Str("x")}), type_err("sum: operand 1 must be one of {set, array} but got string"));
  EXPECT_EQ(run("product", {J("[1,2,3,4]")}), "24");
  EXPECT_EQ(run("product", {S({I(1), I(2), I(3), I(4)})}), "24");
  EXPECT_EQ(run("product", {J("[1.5, 2]")}), "3");
  EXPECT_EQ(run("max", {J("[1,2,3,4]")}), "4");
  EXPECT_EQ(run("max", {S({I(1), I(4)})}), "4");
  EXPECT_EQ(run("max", {J("[]")}), "undefined");
  EXPECT_EQ(run("min", {J("[3, 2, 1, 4, 6, -7, 10]")}), "-7");
  EXPECT_EQ(run("min", {J("[1, 2, 1, 3, 4]")}), "1");
  EXPECT_EQ(run("min", {S({})}), "undefined");
  EXPECT_EQ(run("max", {J(R"([1, "a", null])")}), R"("a")");
  EXPECT_EQ(run("sort", {J("[4, 3, 2, 1]")}), "[1, 2, 3, 4]");
  EXPECT_EQ(run("sort", {S({I(3), I(1)})}), "[1, 3]");
  EXPECT_EQ(run("sort", {J(R"(["b", 1, null])")}), R"([null, 1, "b"])");
  EXPECT_EQ(run("all", {J("[true, true]")}), "true");
  EXPECT_EQ(run("all", {J("[true, 1]")}), "false");
  EXPECT_EQ(run("any", {S({B(false), B(true)})}), "true");
  EXPECT_EQ(run("any", {J("[]")}), "false");
}

TEST(RegoBuiltins, Membership) {
  EXPECT_EQ(run("internal.member_2", {I(1), S({I(1)})}), "true");
  EXPECT_EQ(run("internal.member_2", {I(1), J("[2]")}), "false");
  EXPECT_EQ(run("internal.member_2", {I(1), J(R"({"foo": 1})")}), "true");
  EXPECT_EQ(run("internal.member_2", {I(1), Str("foo")}), "false");
  EXPECT_EQ(run("internal.member_2", {Str("foo"), Value::null()}), "false");
  EXPECT_EQ(run("internal.member_3", {Str("foo"), I(1), J(R"({"foo": 1})")}), "true");
  EXPECT_EQ(run("internal.member_3", {I(1), Str("two"), J(R"(["one", "two"])")}), "true");
  EXPECT_EQ(run("internal.member_3", {I(1), Str("foo"), I(1)}), "false");
}

// ---- bits and ranges (corpus: bitsand, bitsor, bitsnegate) ----

TEST(RegoBuiltins, Bits) {
  EXPECT_EQ(run("bits.and", {I(7), I(9)}), "1");
  EXPECT_EQ(run("bits.and", {I(50), I(0)}), "0");
  EXPECT_EQ(run("bits.or", {I(7), I(9)}), "15");
  EXPECT_EQ(run("bits.or", {I(50), I(0)}), "50");
  EXPECT_EQ(run("bits.xor", {I(5), I(3)}), "6");
  EXPECT_EQ(run("bits.negate", {I(42)}), "-43");
  EXPECT_EQ(run("bits.lsh", {I(1), I(4)}), "16");
  EXPECT_EQ(run("bits.rsh", {I(-16), I(2)}), "-4");
  EXPECT_EQ(run("bits.and", {D(7.2), I(42)}),
            type_err("bits.and: operand 1 must be integer number but got floating-point number"));
  EXPECT_EQ(run("bits.or", {D(7.2), I(42)}),
            type_err("bits.or: operand 1 must be integer number but got floating-point number"));
  EXPECT_EQ(run("bits.negate", {D(7.2)}),
            type_err("bits.negate: operand 1 must be integer number but got floating-point number"));
  EXPECT_EQ(run("bits.and", {Str("1"), I(1)}),
            type_err("bits.and: operand 1 must be integer but got string"));
}

TEST(RegoBuiltins, NumbersRange) {
  EXPECT_EQ(run("numbers.range", {I(1), I(3)}), "[1, 2, 3]");
  EXPECT_EQ(run("numbers.range", {I(3), I(1)}), "[3, 2, 1]");
  EXPECT_EQ(run("numbers.range", {I(1), I(1)}), "[1]");
  EXPECT_EQ(run("numbers.range_step", {I(0), I(10), I(4)}), "[0, 4, 8]");
  EXPECT_EQ(run("numbers.range_step", {I(0), I(10), I(0)}),
            builtin_err("numbers.range_step: step must be a positive integer"));
  EXPECT_EQ(run("numbers.range", {I(0), I(INT64_MAX)})
                .rfind("eval_builtin_error: numbers.range: range too large", 0),
            0u);
}

// ---- strings (corpus: strings, trimprefix) ----

TEST(RegoBuiltins, Concat) {
  EXPECT_EQ(run("concat", {Str("/"), J(R"(["", "foo", "bar", "0", "baz"])")}), R"("/foo/bar/0/baz")");
  EXPECT_EQ(run("concat", {Str(","), S({Str("1"), Str("2"), Str("3")})}), R"("1,2,3")");
  EXPECT_EQ(run("concat", {Str(","), J("[]")}), R"("")");
  EXPECT_EQ(run("concat", {Str(","), J(R"(["a", 1])")}),
            type_err("concat: operand 2 must be array of strings but got array containing number"));
  EXPECT_EQ(run("concat", {Str(","), Str("a")}),
            type_err("concat: operand 2 must be one of {set, array} but got string"));
}

TEST(RegoBuiltins, SearchAndCase) {
  EXPECT_EQ(run("contains", {Str("abcdefgh"), Str("defg")}), "true");
  EXPECT_EQ(run("contains", {Str("abcdefgh"), Str("ac")}), "false");
  EXPECT_EQ(run("startswith", {Str("abcdefgh"), Str("abcd")}), "true");
  EXPECT_EQ(run("startswith", {Str("abcdefgh"), Str("bcd")}), "false");
  EXPECT_EQ(run("endswith", {Str("abcdefgh"), Str("fgh")}), "true");
  EXPECT_EQ(run("endswith", {Str("abcdefgh"), Str("fg")}), "false");
  EXPECT_EQ(run("contains", {I(1), Str("a")}), type_err("contains: operand 1 must be string but got number"));
  EXPECT_EQ(run("lower", {Str("AbCdEf")}), R"("abcdef")");
  EXPECT_EQ(run("upper", {Str("AbCdEf")}), R"("ABCDEF")");
  EXPECT_EQ(run("upper", {Str("åäö ß")}), R"("ÅÄÖ ß")");
  EXPECT_EQ(run("lower", {Str("ÅÄÖ")}), R"("åäö")");
  EXPECT_EQ(run("indexof", {Str("abcdefgh"), Str("cde")}), "2");
  EXPECT_EQ(run("indexof", {Str("abcabcabcdefgh"), Str("cde")}), "8");
  EXPECT_EQ(run("indexof", {Str("abcdefgh"), Str("xyz")}), "-1");
  EXPECT_EQ(run("indexof", {Str("μx"), Str("x")}), "1");
  EXPECT_EQ(run("indexof", {Str("μ"), Str("μμ")}), "-1");
  EXPECT_EQ(run("indexof", {Str("skön var våren"), Str("vår")}), "9");
  EXPECT_EQ(run("indexof", {Str("a"), Str("")}), builtin_err("indexof: empty search character"));
  EXPECT_EQ(run("indexof_n", {Str("dogcatdogcat"), Str("cat")}), "[3, 9]");
  EXPECT_EQ(run("indexof_n", {Str("dogcat"), Str("rabbit")}), "[]");
  EXPECT_EQ(run("indexof_n", {Str("😇😀😇😀😇😀"), Str("😀")}), "[1, 3, 5]");
  EXPECT_EQ(run("strings.count", {Str("cheese"), Str("e")}), "3");
  EXPECT_EQ(run("strings.count", {Str("dummy"), Str("")}), "6");
  EXPECT_EQ(run("strings.count", {Str(""), Str("")}), "1");
  EXPECT_EQ(run("strings.count", {Str("11111"), Str("11")}), "2");
}

TEST(RegoBuiltins, Substring) {
  EXPECT_EQ(run("substring", {Str("abcdefgh"), I(2), I(3)}), R"("cde")");
  EXPECT_EQ(run("substring", {Str("åäö"), I(0), I(2)}), R"("åä")");
  EXPECT_EQ(run("substring", {Str("abcdefgh"), I(2), I(-1)}), R"("cdefgh")");
  EXPECT_EQ(run("substring", {Str("aåäö"), I(2), I(-1)}), R"("äö")");
  EXPECT_EQ(run("substring", {Str("abcdefghåäö"), I(2), I(10000)}), R"("cdefghåäö")");
  EXPECT_EQ(run("substring", {Str("aaa"), I(3), I(-1)}), R"("")");
  EXPECT_EQ(run("substring", {Str("åäö"), I(4), I(-1)}), R"("")");
  EXPECT_EQ(run("substring", {Str("aaa"), I(-1), I(-1)}), builtin_err("substring: negative offset"));
  EXPECT_EQ(run("substring", {Str("aaa"), D(1.5), I(1)}),
            type_err("substring: operand 2 must be integer number but got floating-point number"));
}

TEST(RegoBuiltins, SplitReplaceTrim) {
  EXPECT_EQ(run("split", {Str(""), Str(".")}), R"([""])");
  EXPECT_EQ(run("split", {Str("test"), Str("")}), R"(["t", "e", "s", "t"])");
  EXPECT_EQ(run("split", {Str(""), Str("")}), "[]");
  EXPECT_EQ(run("split", {Str("foo.bar.baz"), Str(".")}), R"(["foo", "bar", "baz"])");
  EXPECT_EQ(run("strings.split_n", {Str("a.b.c.d"), Str("."), I(2)}), R"(["a", "b"])");
  EXPECT_EQ(run("strings.split_n", {Str("a.b.c.d"), Str("."), I(0)}), "[]");
  EXPECT_EQ(run("strings.split_n", {Str("a.b.c.d"), Str("."), I(-2)}), R"(["c", "d"])");
  EXPECT_EQ(run("strings.split_n", {Str("a.b.c.d"), Str("."), I(-10)}), R"(["a", "b", "c", "d"])");
  EXPECT_EQ(run("strings.split_n", {Str("abc"), Str(""), I(-2)}), R"(["b", "c"])");
  EXPECT_EQ(run("strings.split_n", {Str(""), Str("."), I(2)}), R"([""])");
  EXPECT_EQ(run("strings.split_n", {Str("a.b.c"), Str("."), D(1.5)}),
            type_err("strings.split_n: operand 3 must be integer number but got floating-point number"));
  EXPECT_EQ(run("replace", {Str(""), Str("hi"), Str("bye")}), R"("")");
  EXPECT_EQ(run("replace", {Str("foo.bar.baz"), Str("."), Str(",")}), R"("foo,bar,baz")");
  EXPECT_EQ(run("replace", {Str("foo...bar"), Str(".."), Str(",,")}), R"("foo,,.bar")");
  EXPECT_EQ(run("replace", {Str("abc"), Str(""), Str("-")}), R"("-a-b-c-")");
  EXPECT_EQ(run("strings.replace_n", {J(R"({"a": "1", "b": "2"})"), Str("abcab")}), R"("12c12")");
  EXPECT_EQ(run("strings.replace_n", {J(R"({"a": 1})"), Str("abc")}),
            type_err("strings.replace_n: operand 1 non-string value found in pattern object"));
  EXPECT_EQ(run("trim", {Str(""), Str(".")}), R"("")");
  EXPECT_EQ(run("trim", {Str("...foo.bar..."), Str(".")}), R"("foo.bar")");
  EXPECT_EQ(run("trim", {Str("...foo.bar..."), Str(".fr")}), R"("oo.ba")");
  EXPECT_EQ(run("trim", {Str("...foo.bar..."), Str(".o")}), R"("foo.bar")");
  EXPECT_EQ(run("trim_left", {Str("¡¡foo¡"), Str("¡")}), R"("foo¡")");
  EXPECT_EQ(run("trim_right", {Str("¡¡foo¡"), Str("¡")}), R"("¡¡foo")");
  EXPECT_EQ(run("trim_prefix", {Str("¡¡¡foo, bar!!!"), Str("¡¡¡foo")}), R"(", bar!!!")");
  EXPECT_EQ(run("trim_prefix", {Str("¡¡¡foo, bar!!!"), Str("¡¡¡bar")}), R"("¡¡¡foo, bar!!!")");
  EXPECT_EQ(run("trim_suffix", {Str("foo.rego"), Str(".rego")}), R"("foo")");
  EXPECT_EQ(run("trim_space", {Str(" \t\n foo bar \u00a0\r\n")}), R"("foo bar")");
  EXPECT_EQ(run("strings.reverse", {Str("bar")}), R"("rab")");
  EXPECT_EQ(run("strings.reverse", {Str("1\U0001F600\U0001D6FE")}), "\"\U0001D6FE\U0001F6001\"");
  EXPECT_EQ(run("strings.reverse", {Str("")}), R"("")");
  EXPECT_EQ(run("strings.reverse", {I(123)}),
            type_err("strings.reverse: operand 1 must be string but got number"));
}

TEST(RegoBuiltins, AnyPrefixSuffixMatch) {
  const Value strs = J(R"(["a/b/c", "a/b/d", "e/f/g"])");
  EXPECT_EQ(run("strings.any_prefix_match", {strs, J(R"(["a/", "d/"])")}), "true");
  EXPECT_EQ(run("strings.any_prefix_match", {strs, J(R"(["f/", "d/"])")}), "false");
  EXPECT_EQ(run("strings.any_prefix_match", {strs, Str("a/")}), "true");
  EXPECT_EQ(run("strings.any_prefix_match", {Str("a/b/c"), J(R"(["g/", "d/"])")}), "false");
  EXPECT_EQ(run("strings.any_prefix_match", {J("[]"), J("[]")}), "false");
  EXPECT_EQ(run("strings.any_prefix_match", {J(R"(["", "a/b/c"])"), J(R"(["z/", ""])")}), "true");
  EXPECT_EQ(run("strings.any_prefix_match", {S({Str("a/b/c")}), S({Str("a/")})}), "true");
  EXPECT_EQ(run("strings.any_suffix_match", {strs, J(R"(["/c", "/a"])")}), "true");
  EXPECT_EQ(run("strings.any_suffix_match", {strs, Str("/h")}), "false");
  EXPECT_EQ(
      run("strings.any_prefix_match", {J("[1, 2, 3]"), J(R"(["f/"])")}),
      type_err(
          "strings.any_prefix_match: operand 1 must be array of strings but got array containing number"));
  EXPECT_EQ(
      run("strings.any_prefix_match", {I(1), J(R"(["f/"])")}),
      type_err("strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number"));
  EXPECT_EQ(
      run("strings.any_suffix_match", {strs, I(1)}),
      type_err("strings.any_suffix_match: operand 2 must be one of {string, set, array} but got number"));
}

TEST(RegoBuiltins, FormatIntAndToNumber) {
  EXPECT_EQ(run("format_int", {D(15.5), I(16)}), R"("f")");
  EXPECT_EQ(run("format_int", {D(3.1), I(10)}), R"("3")");
  EXPECT_EQ(run("format_int", {I(-5), I(2)}), R"("-101")");
  EXPECT_EQ(run("format_int", {I(8), I(8)}), R"("10")");
  EXPECT_EQ(run("format_int", {D(-15.9), I(10)}), R"("-15")");
  EXPECT_EQ(run("format_int", {D(4.1), I(199)}),
            type_err("format_int: operand 2 must be one of {2, 8, 10, 16}"));
  // corpus: casts/to_number
  EXPECT_EQ(run("to_number", {Str("-42.0")}), "-42");
  EXPECT_EQ(run("to_number", {B(false)}), "0");
  EXPECT_EQ(run("to_number", {B(true)}), "1");
  EXPECT_EQ(run("to_number", {D(100.1)}), "100.1");
  EXPECT_EQ(run("to_number", {Value::null()}), "0");
  EXPECT_EQ(run("to_number", {Str("3")}), "3");
  EXPECT_EQ(run("to_number", {Str("1e3")}), "1000");
  EXPECT_EQ(run("to_number", {Str(".5")}), "0.5");
  EXPECT_EQ(run("to_number", {Str("broken")}),
            builtin_err(R"(to_number: strconv.ParseFloat: parsing "broken": invalid syntax)"));
  EXPECT_EQ(run("to_number", {Str(" 1")}),
            builtin_err(R"(to_number: strconv.ParseFloat: parsing " 1": invalid syntax)"));
  EXPECT_EQ(run("to_number", {Str("1e400")}),
            builtin_err(R"(to_number: strconv.ParseFloat: parsing "1e400": value out of range)"));
  EXPECT_EQ(run("to_number", {Str("-Inf")}),
            type_err("to_number: operand 1 must be valid number string but got string"));
  EXPECT_EQ(run("to_number", {J("[]")}),
            type_err("to_number: operand 1 must be one of {null, boolean, number, string} but got array"));
}

TEST(RegoBuiltins, Sprintf) {
  // corpus: strings/sprintf
  EXPECT_EQ(go_sprintf("hi", {}), "hi");
  const std::vector<Value> there{Str("there")};
  EXPECT_EQ(go_sprintf("hi %s", there), "hi there");
  EXPECT_EQ(run("sprintf", {Str("hi %02d"), J("[5]")}), R"("hi 05")");
  EXPECT_EQ(run("sprintf", {Str("hi %02X.%02X"), J("[127, 1]")}), R"("hi 7F.01")");
  EXPECT_EQ(run("sprintf", {Str("hi %.2f"), J("[3.1415]")}), R"("hi 3.14")");
  EXPECT_EQ(run("sprintf", {Str("hi %s"), J("[true]")}), R"("hi true")");
  EXPECT_EQ(run("sprintf", {Str("hi %v"), J(R"([["there", 5, 3.14]])")}), R"("hi [\"there\", 5, 3.14]")");
  EXPECT_EQ(run("sprintf", {Str("%v"), Value::array({S({I(2), I(1)})})}), R"("{1, 2}")");
  EXPECT_EQ(run("sprintf", {Str("%v %v"), J(R"([null, {"a": 1}])")}), R"("null {\"a\": 1}")");
  EXPECT_EQ(run("sprintf", {Str("%s"), J("[[]]")}), R"("[]")");
  EXPECT_EQ(run("sprintf", {Str("x"), Str("y")}),
            type_err("sprintf: operand 2 must be array but got string"));

  auto f = [](const char* fmt, std::vector<Value> args) { return go_sprintf(fmt, args); };
  EXPECT_EQ(f("%d|%5d|%-5d|%+d|%x|%#x|%o|%#o|%b|%c|%q|%U",
              {I(42), I(42), I(42), I(42), I(255), I(255), I(8), I(8), I(5), I(65), I(65), I(0x1F600)}),
            "42|   42|42   |+42|ff|0xff|10|010|101|A|'A'|U+1F600");
  EXPECT_EQ(f("%08.3f|%-8.2f|%e|%E|%g|%G|%.3g",
              {D(3.14159), D(2.5), D(123456.789), D(0.000123), D(1e21), D(2.5e-7), D(1234.5678)}),
            "0003.142|2.50    |1.234568e+05|1.230000E-04|1e+21|2.5E-07|1.23e+03");
  EXPECT_EQ(f("%v %v %v %v", {D(0.1), D(1e20), D(123456.5), D(-2.5)}), "0.1 1e+20 123456.5 -2.5");
  EXPECT_EQ(f("%v", {D(1234567.5)}), "1.2345675e+06");
  EXPECT_EQ(f("%s|%10s|%-10s|%.2s|%q|%x|% X|%#q", {Str("hi"), Str("hi"), Str("hi"), Str("héllo"),
                                                   Str("a\"b\n"), Str("hi"), Str("hi"), Str("bq")}),
            "hi|        hi|hi        |hé|\"a\\\"b\\n\"|6869|68 69|`bq`");
  EXPECT_EQ(f("%t|%d|%s", {Str("true"), Str("x"), I(5)}), "%!t(string=true)|%!d(string=x)|%!s(int64=5)");
  EXPECT_EQ(f("%d %d", {I(1)}), "1 %!d(MISSING)");
  EXPECT_EQ(f("%d", {I(1), Str("a"), D(2.5)}), "1%!(EXTRA string=a, float64=2.5)");
  EXPECT_EQ(f("100%%", {}), "100%");
  EXPECT_EQ(f("%", {}), "%!(NOVERB)");
  EXPECT_EQ(f("%[2]d %[1]d", {I(1), I(2)}), "2 1");
  EXPECT_EQ(f("%*d|%-*d", {I(4), I(7), I(3), I(8)}), "   7|8  ");
  EXPECT_EQ(f("%.0f %.1f", {D(2.5), D(0.05)}), "2 0.1");
  EXPECT_EQ(f("%f", {I(3)}), "%!f(int64=3)");
  EXPECT_EQ(f("%q|%q|%+q|%T|%T|%T", {I('\''), I('"'), I(0xE9), I(1), D(1.5), Str("")}),
            "'\\''|'\"'|'\\u00e9'|int64|float64|string");
  EXPECT_EQ(f("%5.1f|%+.1e", {D(-1.25), D(12345.5)}), " -1.2|+1.2e+04");
}

TEST(RegoBuiltins, Types) {
  // corpus: typebuiltin
  EXPECT_EQ(run("is_number", {D(-42.0)}), "true");
  EXPECT_EQ(run("is_number", {Value::null()}), "false");
  EXPECT_EQ(run("is_string", {Str("OPA")}), "true");
  EXPECT_EQ(run("is_string", {B(false)}), "false");
  EXPECT_EQ(run("is_boolean", {B(false)}), "true");
  EXPECT_EQ(run("is_boolean", {Str("Hello")}), "false");
  EXPECT_EQ(run("is_array", {J("[1, 2, 3]")}), "true");
  EXPECT_EQ(run("is_array", {S({I(1)})}), "false");
  EXPECT_EQ(run("is_set", {S({I(1)})}), "true");
  EXPECT_EQ(run("is_set", {J("[1]")}), "false");
  EXPECT_EQ(run("is_object", {J(R"({"foo": 1})")}), "true");
  EXPECT_EQ(run("is_object", {Str("foo")}), "false");
  EXPECT_EQ(run("is_null", {Value::null()}), "true");
  EXPECT_EQ(run("is_null", {B(true)}), "false");
  EXPECT_EQ(run("type_name", {S({})}), R"("set")");
  EXPECT_EQ(run("type_name", {D(1.5)}), R"("number")");
  // corpus: casts (deprecated cast_*)
  EXPECT_EQ(run("cast_null", {Value::null()}), "null");
  EXPECT_EQ(run("cast_null", {J("{}")}), type_err("cast_null: operand 1 must be null but got object"));
  EXPECT_EQ(run("cast_string", {J(R"(["1"])")}),
            type_err("cast_string: operand 1 must be string but got array"));
  EXPECT_EQ(run("cast_boolean", {I(1)}), type_err("cast_boolean: operand 1 must be boolean but got number"));
  EXPECT_EQ(run("cast_object", {J("[1, 2, 3]")}),
            type_err("cast_object: operand 1 must be object but got array"));
  EXPECT_EQ(run("cast_set", {J("[2, 1, 2]")}), "{1, 2}");
  EXPECT_EQ(run("cast_array", {S({I(2), I(1)})}), "[1, 2]");
}

// ---- arrays and objects (corpus: array, objectget) ----

TEST(RegoBuiltins, Arrays) {
  EXPECT_EQ(run("array.concat", {J("[1, 2]"), J("[3, 4]")}), "[1, 2, 3, 4]");
  EXPECT_EQ(run("array.concat", {J(R"({"v1": "hello"})"), J("[3, 4]")}),
            type_err("array.concat: operand 1 must be array but got object"));
  EXPECT_EQ(run("array.concat", {J("[1, 2]"), J(R"({"v1": "hello"})")}),
            type_err("array.concat: operand 2 must be array but got object"));
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3, 4, 5]"), I(1), I(3)}), "[2, 3]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3]"), I(0), I(0)}), "[]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3, 4, 5]"), I(-4), I(-1)}), "[]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3, 4, 5]"), I(4), I(1)}), "[]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3, 4, 5]"), I(-1), I(2)}), "[1, 2]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3, 4, 5]"), I(3), I(6)}), "[4, 5]");
  EXPECT_EQ(run("array.slice", {J("[1, 2, 3]"), I(1000), I(2000)}), "[]");
  EXPECT_EQ(run("array.reverse", {J("[1, 2, 3]")}), "[3, 2, 1]");
  EXPECT_EQ(run("array.reverse", {J("[]")}), "[]");
  EXPECT_EQ(run("array.reverse", {J(R"({"bar": "baz"})")}),
            type_err("array.reverse: operand 1 must be array but got object"));
  EXPECT_EQ(run("array.flatten", {J(R"([[1, 2], "string", [3, {"a": "b"}], 4.5, [6, [7, 8]]])")}),
            R"([1, 2, "string", 3, {"a": "b"}, 4.5, 6, [7, 8]])");
  EXPECT_EQ(run("array.flatten", {I(42)}), type_err("array.flatten: operand 1 must be array but got number"));
}

TEST(RegoBuiltins, ObjectGet) {
  EXPECT_EQ(run("object.get", {J(R"({"a": "b"})"), Str("a"), Str("c")}), R"("b")");
  EXPECT_EQ(run("object.get", {J(R"({"a": "b"})"), Str("c"), Str("c")}), R"("c")");
  const Value int_keys = Value::object({{I(1), I(2)}});
  EXPECT_EQ(run("object.get", {int_keys, I(1), I(3)}), "2");
  EXPECT_EQ(run("object.get", {int_keys, I(2), I(3)}), "3");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": "c"}})"), Str("a"), B(true)}), R"({"b": "c"})");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": "c"}})"), Str("b"), B(true)}), "true");
  EXPECT_EQ(run("object.get", {J(R"({"a": 1})"), J("[]"), I(2)}), R"({"a": 1})");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": {"c": 1}}})"), J(R"(["a", "b", "c"])"), I(2)}), "1");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": {"c": 1}}})"), J(R"(["a", "b", "a"])"), I(2)}), "2");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": [1, 2, 3]}})"), J(R"(["a", "b", "a"])"), I(2)}), "2");
  EXPECT_EQ(run("object.get", {J(R"({"a": {"b": [{"c": 1}]}})"), J(R"(["a", "b", 0, "c"])"), I(2)}), "1");
  // {1: {"b": {[1, 2, 3]: 1}}} with path [1, "b", [1, 2, 3]]
  const Value nested =
      Value::object({{I(1), Value::object({{Str("b"), Value::object({{J("[1, 2, 3]"), I(1)}})}})}});
  EXPECT_EQ(run("object.get", {nested, Value::array({I(1), Str("b"), J("[1, 2, 3]")}), I(2)}), "1");
  EXPECT_EQ(run("object.get", {Str("object"), J(R"(["a"])"), I(2)}),
            type_err("object.get: operand 1 must be object but got string"));
}

TEST(RegoBuiltins, Objects) {
  EXPECT_EQ(run("object.keys", {J(R"({"b": 1, "a": 2})")}), R"({"a", "b"})");
  EXPECT_EQ(run("object.remove", {J(R"({"a": 1, "b": 2, "c": 3})"), J(R"(["a", "x"])")}),
            R"({"b": 2, "c": 3})");
  EXPECT_EQ(run("object.remove", {J(R"({"a": 1, "b": 2})"), J(R"({"b": 0})")}), R"({"a": 1})");
  EXPECT_EQ(run("object.remove", {J(R"({"a": 1})"), I(1)}),
            type_err("object.remove: operand 2 must be one of {object, set, array} but got number"));
  EXPECT_EQ(run("object.filter", {J(R"({"a": 1, "b": 2, "c": 3})"), S({Str("a"), Str("c"), Str("x")})}),
            R"({"a": 1, "c": 3})");
  EXPECT_EQ(run("object.union", {J(R"({"a": 1, "b": {"c": 2}})"), J(R"({"a": 3, "b": {"d": 4}})")}),
            R"({"a": 3, "b": {"c": 2, "d": 4}})");
  EXPECT_EQ(run("object.union", {J(R"({"a": {"c": 2}})"), J(R"({"a": 1})")}), R"({"a": 1})");
  EXPECT_EQ(run("object.union_n", {J(R"([{"a": {"b": 2}}, {"a": 4}, {"a": {"c": 3}}])")}),
            R"({"a": {"c": 3}})");
  EXPECT_EQ(run("object.union_n", {J(R"([{"a": 1}, {"b": 2}, {"a": 3}])")}), R"({"a": 3, "b": 2})");
  EXPECT_EQ(run("object.union_n", {J("[]")}), "{}");
  EXPECT_EQ(run("object.union_n", {J(R"([{"a": 1}, 2])")}),
            type_err("object.union_n: operand 1 must be array of objects but got array containing number"));
}

TEST(RegoBuiltins, ObjectSubset) {
  EXPECT_EQ(
      run("object.subset", {J(R"({"a": "b", "c": {"x": [10, 15], "y": "z"}})"), J(R"({"c": {"x": [15]}})")}),
      "true");
  const Value super = Value::object(
      {{Str("a"), Str("b")}, {Str("c"), Value::object({{Str("x"), S({I(10), I(15), I(20), I(25)})}})}});
  const Value sub = Value::object({{Str("c"), Value::object({{Str("x"), S({I(10), I(15), I(20)})}})}});
  EXPECT_EQ(run("object.subset", {super, sub}), "true");
  EXPECT_EQ(run("object.subset", {sub, super}), "false");
  EXPECT_EQ(run("object.subset", {J("[1, 2, 3, 4]"), J("[2, 3]")}), "true");
  EXPECT_EQ(run("object.subset", {J("[1, 2, 3, 4]"), J("[2, 4]")}), "false");
  EXPECT_EQ(run("object.subset", {J("[1, 2, 3]"), S({I(3), I(1)})}), "true");
  EXPECT_EQ(run("object.subset", {S({I(1), I(2)}), S({I(1)})}), "true");
  EXPECT_EQ(
      run("object.subset", {J("{}"), J("[]")}),
      type_err("object.subset: both arguments object.subset must be of the same type or array and set"));
}

// ---- encodings (corpus: base64builtins, base64urlbuiltins, jsonbuiltins) ----

TEST(RegoBuiltins, Base64) {
  EXPECT_EQ(run("base64.encode", {Str("hello")}), R"("aGVsbG8=")");
  EXPECT_EQ(run("base64.encode", {Str("there")}), R"("dGhlcmU=")");
  EXPECT_EQ(run("base64.encode", {Str("subjects?_d")}), R"("c3ViamVjdHM/X2Q=")");
  EXPECT_EQ(run("base64.decode", {Str("aGVsbG8=")}), R"("hello")");
  EXPECT_EQ(run("base64.decode", {Str("c3ViamVjdHM/X2Q=")}), R"("subjects?_d")");
  EXPECT_EQ(run("base64.decode", {Str("aGVs\nbG8=")}), R"("hello")");
  EXPECT_EQ(run("base64.is_valid", {Str("aGVsbG8=")}), "true");
  EXPECT_EQ(run("base64.is_valid", {Str("{'not':'base64'}")}), "false");
  EXPECT_EQ(run("base64.is_valid", {Str("aGVsbG8")}), "false");  // StdEncoding wants padding
  EXPECT_EQ(run("base64.is_valid", {I(1)}), "false");
  EXPECT_EQ(run("base64.decode", {Str("aGVsbG8")}),
            builtin_err("base64.decode: illegal base64 data at input byte 4"));
  EXPECT_EQ(run("base64.decode", {Str("a!==")}),
            builtin_err("base64.decode: illegal base64 data at input byte 1"));
  EXPECT_EQ(run("base64url.encode", {Str("hello")}), R"("aGVsbG8=")");
  EXPECT_EQ(run("base64url.encode_no_pad", {Str("hello")}), R"("aGVsbG8")");
  EXPECT_EQ(run("base64url.encode_no_pad", {Str("there")}), R"("dGhlcmU")");
  EXPECT_EQ(run("base64url.decode", {Str("aGVsbG8=")}), R"("hello")");
  EXPECT_EQ(run("base64url.decode", {Str("aGVsbG8")}), R"("hello")");
  EXPECT_EQ(run("base64url.encode", {Str("\xfb\xff")}), R"("-_8=")");
  EXPECT_EQ(run("base64url.decode", {Str("a")}),
            builtin_err("base64url.decode: illegal base64url string: a"));
  EXPECT_EQ(run("base64.encode", {I(1)}), type_err("base64.encode: operand 1 must be string but got number"));
}

TEST(RegoBuiltins, HexAndUrlQuery) {
  EXPECT_EQ(run("hex.encode", {Str("lorem")}), R"("6c6f72656d")");
  EXPECT_EQ(run("hex.decode", {Str("6C6f72656d")}), R"("lorem")");
  EXPECT_EQ(run("hex.decode", {Str("6g")}),
            builtin_err("hex.decode: encoding/hex: invalid byte: U+0067 'g'"));
  EXPECT_EQ(run("hex.decode", {Str("6c6")}), builtin_err("hex.decode: encoding/hex: odd length hex string"));
  EXPECT_EQ(run("urlquery.encode", {Str("a b&c=d/é~")}), R"("a+b%26c%3Dd%2F%C3%A9~")");
  EXPECT_EQ(run("urlquery.decode", {Str("a+b%26c%3Dd")}), R"("a b&c=d")");
  EXPECT_EQ(run("urlquery.decode", {Str("a%zz")}),
            builtin_err(R"(urlquery.decode: invalid URL escape "%zz")"));
  EXPECT_EQ(run("urlquery.encode_object", {J(R"({"b": ["2", "1"], "a": "x y"})")}), R"("a=x+y&b=2&b=1")");
  EXPECT_EQ(run("urlquery.decode_object", {Str("a=1&b=2&a=3")}), R"({"a": ["1", "3"], "b": ["2"]})");
}

TEST(RegoBuiltins, Json) {
  EXPECT_EQ(run("json.marshal", {Value::array({Value::object({{Str("foo"), S({I(1), I(2), I(3)})}})})}),
            R"("[{\"foo\":[1,2,3]}]")");
  EXPECT_EQ(go_json_marshal(J(R"({"b": "<&>", "a": [1.5, null, true]})")),
            R"({"a":[1.5,null,true],"b":"\u003c\u0026\u003e"})");
  EXPECT_EQ(go_json_marshal(Value::object({{I(1), Str("x")}, {Str("0"), Str("y")}})), R"({"0":"y","1":"x"})");
  EXPECT_EQ(go_json_marshal(J("[1234567890, 2000000, 1000000000]")), "[1234567890,2000000,1000000000]");
  EXPECT_EQ(run("json.marshal", {Value::array({D(1e308 * 10)})}),
            builtin_err("json.marshal: json: unsupported value: +Inf"));
  // corpus: jsonbuiltins/marshal_with_options
  const Value nums = J("[1234567890, 2000000, 1000000000]");
  EXPECT_EQ(call("json.marshal_with_options", {nums, J(R"({"indent": "  "})")})->as_string(),
            "[\n  1234567890,\n  2000000,\n  1000000000\n]");
  EXPECT_EQ(call("json.marshal_with_options", {nums, J("{}")})->as_string(),
            "[1234567890,2000000,1000000000]");
  EXPECT_EQ(call("json.marshal_with_options", {nums, J(R"({"pretty": true})")})->as_string(),
            "[\n\t1234567890,\n\t2000000,\n\t1000000000\n]");
  EXPECT_EQ(
      call("json.marshal_with_options", {nums, J(R"({"pretty": false, "prefix": "NO!", "indent": "BAD!"})")})
          ->as_string(),
      "[1234567890,2000000,1000000000]");
  EXPECT_EQ(call("json.marshal_with_options",
                 {J(R"({"foo": "bar", "bar": "baz"})"), J(R"({"prefix": "JSON => "})")})
                ->as_string(),
            "JSON => {\nJSON => \t\"bar\": \"baz\",\nJSON => \t\"foo\": \"bar\"\nJSON => }");
  EXPECT_EQ(
      call("json.marshal_with_options", {J("[]"), J(R"({"indent": "    ", "prefix": "---"})")})->as_string(),
      "---[]");
  EXPECT_EQ(call("json.marshal_with_options", {J("[[[]]]"), J(R"({"indent": " "})")})->as_string(),
            "[\n [\n  []\n ]\n]");
  EXPECT_EQ(
      run("json.marshal_with_options",
          {J("[]"), J(R"({"indent": "    ", "include_winning_lottery_numbers": true})")}),
      type_err(
          R"(json.marshal_with_options: operand 2 object contained unknown key "include_winning_lottery_numbers")"));

  EXPECT_EQ(run("json.unmarshal", {Str(R"([{"foo":[1,2,3]}])")}), R"([{"foo": [1, 2, 3]}])");
  EXPECT_EQ(run("json.unmarshal", {Str(R"({"a": 1.5e2, "b": "\u00e9\ud83d\ude00", "a": -0})")}),
            R"({"a": 0, "b": "é😀"})");
  EXPECT_EQ(run("json.unmarshal", {I(1)}),
            type_err("json.unmarshal: operand 1 must be string but got number"));
  EXPECT_EQ(run("json.unmarshal", {Str("{")}), builtin_err("json.unmarshal: unexpected end of JSON input"));
  EXPECT_EQ(run("json.unmarshal", {Str("plainstring")}),
            builtin_err("json.unmarshal: invalid character 'p' looking for beginning of value"));
  EXPECT_EQ(run("json.unmarshal", {Str("[1] x")}),
            builtin_err("json.unmarshal: invalid character 'x' after top-level value"));
  EXPECT_EQ(run("json.is_valid", {Str("plainstring")}), "false");
  EXPECT_EQ(run("json.is_valid", {Str("{")}), "false");
  EXPECT_EQ(run("json.is_valid", {Str(R"({"json": "ok"})")}), "true");
  EXPECT_EQ(run("json.is_valid", {I(1)}), "false");
  EXPECT_EQ(run("json.is_valid", {Str("[01]")}), "false");
}

TEST(RegoBuiltins, Crypto) {
  EXPECT_EQ(run("crypto.sha256", {Str("abc")}),
            R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")");
  EXPECT_EQ(run("crypto.sha1", {Str("abc")}), R"("a9993e364706816aba3e25717850c26c9cd0d89d")");
  EXPECT_EQ(run("crypto.md5", {Str("abc")}), R"("900150983cd24fb0d6963f7d28e17f72")");
  EXPECT_EQ(run("crypto.hmac.sha256", {Str("The quick brown fox jumps over the lazy dog"), Str("key")}),
            R"("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")");
  EXPECT_EQ(run("crypto.hmac.equal", {Str("ab"), Str("ab")}), "true");
  EXPECT_EQ(run("crypto.hmac.equal", {Str("ab"), Str("abc")}), "false");
}

// ---- regex and glob (corpus: regexmatch, regexfindallstringsubmatch) ----

TEST(RegoBuiltins, RegexMatch) {
  EXPECT_EQ(run("regex.match", {Str(R"(^[a-z]+\[[0-9]+\]$)"), Str("foo[1]")}), "true");
  EXPECT_EQ(run("re_match", {Str(R"(^[a-z]+\[[0-9]+\]$)"), Str("foo[\"bar\"]")}), "false");
  EXPECT_EQ(run("regex.match", {Str("^$"), Str("")}), "true");
  EXPECT_EQ(run("regex.match", {Str(""), Str("x")}), "true");
  EXPECT_EQ(run("regex.match", {Str("^$"), Str("something")}), "false");
  EXPECT_EQ(run("regex.match", {Str("^b.*$"), Str("baz")}), "true");
  EXPECT_EQ(run("re_match", {Str("]["), Str("foo")}),
            builtin_err("re_match: error parsing regexp: missing closing ]: `[`"));
  EXPECT_EQ(run("regex.match", {Str("$^[[["), Str("something")})
                .rfind("eval_builtin_error: regex.match: error parsing regexp: missing closing ]", 0),
            0u);
  EXPECT_EQ(run("regex.match", {Str("a(b"), Str("ab")}),
            builtin_err("regex.match: error parsing regexp: missing closing ): `a(b`"));
  EXPECT_EQ(run("regex.match", {Str("(?i)ABC"), Str("xabcx")}), "true");
  EXPECT_EQ(run("regex.match", {Str(R"(^\d+$)"), Str("123")}), "true");
  EXPECT_EQ(run("regex.match", {Str("a.c"), Str("a\nc")}), "false");  // '.' does not match \n, as in Go
  EXPECT_EQ(run("regex.match", {Str(R"(^[\p{L}]+$)"), Str("åäö")}), "true");
  EXPECT_EQ(run("regex.match", {I(1), Str("x")}),
            type_err("regex.match: operand 1 must be string but got number"));
  EXPECT_EQ(run("regex.is_valid", {Str("a(b")}), "false");
  EXPECT_EQ(run("regex.is_valid", {Str("a(b)")}), "true");
  EXPECT_EQ(run("regex.is_valid", {I(1)}), "false");
}

TEST(RegoBuiltins, RegexFindAndSplit) {
  const Value re = Str("a(x*)b");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {re, Str("-"), I(-1)}), "[]");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {re, Str("-ab-"), I(-1)}), R"([["ab", ""]])");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {re, Str("-axxb-"), I(-1)}), R"([["axxb", "xx"]])");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {re, Str("-ab-axb-"), I(-1)}),
            R"([["ab", ""], ["axb", "x"]])");
  const Value vowels = Str("[^aouiye]([aouiye])([^aouiye])?");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {vowels, Str("somestri"), I(-1)}),
            R"([["som", "o", "m"], ["ri", "i", ""]])");
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {vowels, Str("somestri"), I(1)}),
            R"([["som", "o", "m"]])");
  const std::string longs = std::string(62, 'a') + "bc";
  EXPECT_EQ(run("regex.find_all_string_submatch_n", {Str("^.*$"), Str(longs), I(-1)}),
            "[[\"" + longs + "\"]]");
  EXPECT_EQ(run("regex.find_n", {Str("a."), Str("abacad"), I(2)}), R"(["ab", "ac"])");
  EXPECT_EQ(run("regex.find_n", {Str("x*"), Str("abc"), I(-1)}), R"(["", "", "", ""])");
  EXPECT_EQ(run("regex.find_n", {Str("a*"), Str("baaab"), I(-1)}), R"(["", "aaa", ""])");
  EXPECT_EQ(run("regex.split", {Str("a"), Str("banana")}), R"(["b", "n", "n", ""])");
  EXPECT_EQ(run("regex.split", {Str(","), Str("")}), R"([""])");
  EXPECT_EQ(run("regex.split", {Str("x*"), Str("axbc")}), R"(["a", "b", "c"])");
}

TEST(RegoBuiltins, RegexReplace) {
  EXPECT_EQ(run("regex.replace", {Str("-ab-axxb-"), Str("a(x*)b"), Str("T")}), R"("-T-T-")");
  EXPECT_EQ(run("regex.replace", {Str("-ab-axxb-"), Str("a(x*)b"), Str("$1W")}), R"("---")");
  EXPECT_EQ(run("regex.replace", {Str("-ab-axxb-"), Str("a(x*)b"), Str("${1}W")}), R"("-W-xxW-")");
  EXPECT_EQ(run("regex.replace", {Str("-ab-axxb-"), Str("a(?P<x>x*)b"), Str("[$x]")}), R"("-[]-[xx]-")");
  EXPECT_EQ(run("regex.replace", {Str("abc"), Str("x*"), Str("-")}), R"("-a-b-c-")");
  EXPECT_EQ(run("regex.replace", {Str("aaa"), Str("^a"), Str("b")}), R"("baa")");
  EXPECT_EQ(run("regex.replace", {Str("a$b"), Str("[$]"), Str("$$")}), R"("a$b")");
}

TEST(RegoBuiltins, RegexTemplateMatch) {
  EXPECT_EQ(run("regex.template_match", {Str("urn:foo:{.*}"), Str("urn:foo:bar:baz"), Str("{"), Str("}")}),
            "true");
  EXPECT_EQ(
      run("regex.template_match", {Str("urn:foo.bar:{[0-9]{2}}"), Str("urn:foo.bar:42"), Str("{"), Str("}")}),
      "true");
  EXPECT_EQ(
      run("regex.template_match", {Str("urn:foo.bar:{[0-9]{2}}"), Str("urn:fooXbar:42"), Str("{"), Str("}")}),
      "false");
  EXPECT_EQ(run("regex.template_match", {Str("urn:foo:<.*"), Str("x"), Str("<"), Str(">")}),
            builtin_err(R"(regex.template_match: unbalanced braces in "urn:foo:<.*")"));
  EXPECT_EQ(run("regex.template_match", {Str("a"), Str("a"), Str("<<"), Str(">")}),
            builtin_err(
                "regex.template_match: start delimiter has to be exactly one character long but is 2 long"));
}

TEST(RegoBuiltins, Glob) {
  EXPECT_EQ(run("glob.match", {Str("*.github.com"), J("[]"), Str("api.github.com")}), "true");
  EXPECT_EQ(run("glob.match", {Str("*.github.com"), J("[]"), Str("api.cdn.github.com")}), "false");
  EXPECT_EQ(run("glob.match", {Str("*.github.com"), Value::null(), Str("api.cdn.github.com")}), "true");
  EXPECT_EQ(run("glob.match", {Str("**.github.com"), J("[]"), Str("api.cdn.github.com")}), "true");
  EXPECT_EQ(run("glob.match", {Str("*:github:com"), J(R"([":"])"), Str("api:github:com")}), "true");
  EXPECT_EQ(run("glob.match", {Str("?at"), J("[]"), Str("cat")}), "true");
  EXPECT_EQ(run("glob.match", {Str("[!a-c]at"), J("[]"), Str("cat")}), "false");
  EXPECT_EQ(run("glob.match", {Str("[a-c]at"), J("[]"), Str("bat")}), "true");
  EXPECT_EQ(run("glob.match", {Str("{cat,bat}s"), J("[]"), Str("bats")}), "true");
  EXPECT_EQ(run("glob.match", {Str("{cat,bat}s"), J("[]"), Str("rats")}), "false");
  EXPECT_EQ(run("glob.match", {Str(R"(\*x)"), J("[]"), Str("*x")}), "true");
  EXPECT_EQ(run("glob.match", {Str("a"), I(1), Str("a")}),
            type_err("glob.match: operand 2 must be one of {array, null} but got number"));
  const std::string long_text(100000, 'a');
  EXPECT_EQ(run("glob.match", {Str(long_text), J("[]"), Str(long_text)}), "true");  // no deep recursion
  EXPECT_EQ(run("glob.match", {Str("a*a*a*a*a*a*a*b"), J("[]"), Str(std::string(60, 'a'))}),
            "false");                                                         // linear
  EXPECT_EQ(run("glob.match", {Str("*[.]*"), J("[]"), Str("a.b")}), "true");  // a class may match a delimiter
  EXPECT_EQ(run("glob.match", {Str("a?c"), Value::null(), Str("a\nc")}), "true");
  EXPECT_EQ(run("glob.match", {Str("{a,b"), J("[]"), Str("a")}).rfind("eval_builtin_error", 0), 0u);
  EXPECT_EQ(run("glob.quote_meta", {Str("*.github.com")}), R"("\\*.github.com")");
}

// ---- time and units ----

TEST(RegoBuiltins, Time) {
  EXPECT_EQ(run("time.parse_rfc3339_ns", {Str("1970-01-01T00:00:00Z")}), "0");
  EXPECT_EQ(run("time.parse_rfc3339_ns", {Str("2017-06-02T19:00:00-07:00")}), "1496455200000000000");
  EXPECT_EQ(run("time.parse_rfc3339_ns", {Str("2017-06-02T19:00:00.5+01:30")}), "1496424600500000000");
  EXPECT_EQ(run("time.parse_rfc3339_ns", {Str("2024-02-30T00:00:00Z")}),
            builtin_err(R"(time.parse_rfc3339_ns: parsing time "2024-02-30T00:00:00Z": day out of range)"));
  EXPECT_EQ(
      run("time.parse_rfc3339_ns", {Str("bad")}),
      builtin_err(
          R"(time.parse_rfc3339_ns: parsing time "bad" as "2006-01-02T15:04:05Z07:00": cannot parse "bad" as "2006")"));
  EXPECT_EQ(run("time.parse_rfc3339_ns", {Str("2262-04-12T00:00:00Z")}),
            builtin_err("time.parse_rfc3339_ns: time outside of valid range"));
  EXPECT_EQ(run("time.parse_ns", {Str("2006-01-02"), Str("2022-12-31")}), "1672444800000000000");
  EXPECT_EQ(run("time.parse_ns", {Str("RFC1123"), Str("Mon, 02 Jan 2006 15:04:05 UTC")}),
            "1136214245000000000");
  EXPECT_EQ(run("time.parse_ns", {Str("Jan 2 2006 3:04PM"), Str("Feb 3 2013 7:54PM")}),
            "1359921240000000000");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("1h30m")}), "5400000000000");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("-1.5s")}), "-1500000000");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("300ms")}), "300000000");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("1µs")}), "1000");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("0")}), "0");
  EXPECT_EQ(run("time.parse_duration_ns", {Str("1")}),
            builtin_err(R"(time.parse_duration_ns: time: missing unit in duration "1")"));
  EXPECT_EQ(run("time.parse_duration_ns", {Str("1x")}),
            builtin_err(R"(time.parse_duration_ns: time: unknown unit "x" in duration "1x")"));
  EXPECT_EQ(run("time.parse_duration_ns", {Str("")}),
            builtin_err(R"(time.parse_duration_ns: time: invalid duration "")"));

  const Value t = I(1496455200123456789);  // 2017-06-03T02:00:00.123456789Z, a Saturday
  EXPECT_EQ(run("time.date", {t}), "[2017, 6, 3]");
  EXPECT_EQ(run("time.clock", {t}), "[2, 0, 0]");
  EXPECT_EQ(run("time.weekday", {t}), R"("Saturday")");
  EXPECT_EQ(run("time.date", {Value::array({t, Str("UTC")})}), "[2017, 6, 3]");
  EXPECT_EQ(run("time.date", {I(-1)}), "[1969, 12, 31]");
  EXPECT_EQ(run("time.date", {D(1.5)}), builtin_err("time.date: timestamp too big"));
  EXPECT_EQ(
      run("time.date", {Str("x")}),
      type_err(
          "time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string"));
  EXPECT_EQ(run("time.format", {t}), R"("2017-06-03T02:00:00.123456789Z")");
  EXPECT_EQ(run("time.format", {Value::array({I(0), Str("UTC"), Str("Mon Jan _2 15:04:05 2006")})}),
            R"("Thu Jan  1 00:00:00 1970")");
  EXPECT_EQ(run("time.format", {Value::array({I(1500000000), Str(""), Str("RFC3339Nano")})}),
            R"("1970-01-01T00:00:01.5Z")");
  EXPECT_EQ(run("time.add_date", {I(0), I(1), I(1), I(30)}),
            run("time.parse_rfc3339_ns", {Str("1971-03-03T00:00:00Z")}));
  EXPECT_EQ(
      run("time.add_date", {*call("time.parse_rfc3339_ns", {Str("2021-01-31T10:00:00Z")}), I(0), I(1), I(0)}),
      run("time.parse_rfc3339_ns", {Str("2021-03-03T10:00:00Z")}));
  EXPECT_EQ(run("time.diff", {*call("time.parse_rfc3339_ns", {Str("2021-03-01T00:00:00Z")}),
                              *call("time.parse_rfc3339_ns", {Str("2020-01-31T12:30:15Z")})}),
            "[1, 1, 0, 11, 29, 45]");

  BuiltinContext ctx;
  ctx.now_ns = 42;
  const std::vector<Value> none;
  EXPECT_EQ(*find_builtin("time.now_ns")->call(none, ctx), I(42));
  BuiltinContext fresh;
  const auto first = *find_builtin("time.now_ns")->call(none, fresh);
  EXPECT_GT(first.as_number().i, 1'600'000'000'000'000'000);
  EXPECT_EQ(*find_builtin("time.now_ns")->call(none, fresh), first);  // fixed for the query
}

TEST(RegoBuiltins, OpaRuntime) {
  EXPECT_EQ(run("opa.runtime", {}), "{}");
}

TEST(RegoBuiltins, UnitsParseBytes) {
  EXPECT_EQ(run("units.parse_bytes", {Str("1")}), "1");
  EXPECT_EQ(run("units.parse_bytes", {Str("1KB")}), "1000");
  EXPECT_EQ(run("units.parse_bytes", {Str("1KiB")}), "1024");
  EXPECT_EQ(run("units.parse_bytes", {Str("2.5ki")}), "2560");
  EXPECT_EQ(run("units.parse_bytes", {Str("\"10M\"")}), "10000000");
  EXPECT_EQ(run("units.parse_bytes", {Str("1 KB")}),
            builtin_err("units.parse_bytes: spaces not allowed in resource strings"));
  EXPECT_EQ(run("units.parse_bytes", {Str("KB")}), builtin_err("units.parse_bytes: no byte amount provided"));
  EXPECT_EQ(run("units.parse_bytes", {Str("1XB")}),
            builtin_err("units.parse_bytes: byte unit xb not recognized"));
}

// Every standard builtin, called with every combination of awkward arguments, either returns or throws
// BuiltinError: never another exception, never a crash.
TEST(RegoBuiltins, AnyArgumentsGiveAResultOrABuiltinError) {
  const std::vector<Value> pool = {Value::null(),
                                   B(true),
                                   I(0),
                                   I(-1),
                                   D(1.5),
                                   I(INT64_MIN),
                                   Str(""),
                                   Str("a.b"),
                                   Str("[\xff"),
                                   J("[]"),
                                   J(R"([1, "a", [2]])"),
                                   J("{}"),
                                   J(R"({"a": {"b": 1}})"),
                                   S({}),
                                   S({Str("x"), I(2)})};
  const std::vector<Value> small = {Value::null(),    I(-1),    D(1.5), Str("a"), J(R"(["a"])"),
                                    J(R"({"a": 1})"), S({I(1)})};
  std::size_t calls = 0;
  for (const auto& name : BuiltinRegistry::standard().names()) {
    const Builtin* b = find_builtin(name);
    const int arity = b->arity < 0 ? 2 : b->arity;
    const auto& values = arity <= 2 ? pool : small;
    std::vector<std::size_t> idx(static_cast<std::size_t>(arity), 0);
    while (true) {
      std::vector<Value> args;
      for (auto i : idx) args.push_back(values[i]);
      BuiltinContext ctx;
      try {
        b->call(args, ctx);
      } catch (const BuiltinError& e) {
        EXPECT_EQ(e.message.rfind(name + ": ", 0), 0u) << e.message;
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << " threw " << e.what();
      }
      ++calls;
      std::size_t k = 0;
      while (k < idx.size() && ++idx[k] == values.size()) idx[k++] = 0;
      if (k == idx.size()) break;
    }
  }
  EXPECT_GT(calls, 1000u);
}
