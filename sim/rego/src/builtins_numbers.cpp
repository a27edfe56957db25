// Operators (plus, minus, mul, div, rem, and, or, comparisons), aggregates (count, sum, product, max, min,
// sort, all, any), rounding, bits.* and numbers.range*.
#include <algorithm>
#include <cmath>
#include <limits>

#include "builtins_internal.h"

namespace coco::rego::detail {

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

// ---- arithmetic ----

enum class Op { plus, minus, mul, div, rem };

Value arith(Op op, const Number& x, const Number& y) {
  const auto xi = exact_int(x), yi = exact_int(y);
  switch (op) {
    case Op::plus:
    case Op::minus:
    case Op::mul: {
      if (xi && yi) {
        std::int64_t r = 0;
        bool overflow = op == Op::plus    ? __builtin_add_overflow(*xi, *yi, &r)
                        : op == Op::minus ? __builtin_sub_overflow(*xi, *yi, &r)
                                          : __builtin_mul_overflow(*xi, *yi, &r);
        if (!overflow) return Value::integer(r);
      }
      const double a = x.as_double(), b = y.as_double();
      return number_value(op == Op::plus ? a + b : op == Op::minus ? a - b : a * b);
    }
    case Op::div: {
      if (y.as_double() == 0) fail("divide by zero");
      if (xi && yi && *xi != 0 && !(*xi == std::numeric_limits<std::int64_t>::min() && *yi == -1) &&
          *xi % *yi == 0)
        return Value::integer(*xi / *yi);
      return number_value(x.as_double() / y.as_double());
    }
    case Op::rem: {
      if (!xi || !yi) fail("modulo on floating-point number");
      if (*yi == 0) fail("modulo by zero");
      if (*yi == -1) return Value::integer(0);
      return Value::integer(*xi % *yi);
    }
  }
  return Value();
}

Value unary(const Number& n, double (*f)(double), bool is_abs) {
  if (n.is_int) {
    if (!is_abs || n.i >= 0) return Value::integer(n.i);
    if (n.i == std::numeric_limits<std::int64_t>::min()) return number_value(-static_cast<double>(n.i));
    return Value::integer(-n.i);
  }
  return number_value(f(n.d));
}

// ---- sets ----

Set set_intersection(const Set& a, const Set& b) {
  Set out;
  for (const auto& v : a)
    if (b.count(v)) out.insert(v);
  return out;
}
Set set_union(const Set& a, const Set& b) {
  Set out = a;
  out.insert(b.begin(), b.end());
  return out;
}
Set set_difference(const Set& a, const Set& b) {
  Set out;
  for (const auto& v : a)
    if (!b.count(v)) out.insert(v);
  return out;
}

// ---- aggregates ----

template <typename Fn>
void for_each_elem(const Value& c, Fn fn) {
  if (c.is_array())
    for (const auto& v : c.as_array()) fn(v);
  else
    for (const auto& v : c.as_set()) fn(v);
}

Value accumulate(const Value& c, bool product) {
  // Exact on integers while the result fits 64 bits, else in double (OPA: arbitrary precision).
  bool exact = true;
  std::int64_t acc = product ? 1 : 0;
  double dacc = product ? 1 : 0;
  for_each_elem(c, [&](const Value& v) {
    if (!v.is_number()) operand_element_error(1, c, v, "number");
    const Number& n = v.as_number();
    if (exact && n.is_int) {
      std::int64_t r = 0;
      if (!(product ? __builtin_mul_overflow(acc, n.i, &r) : __builtin_add_overflow(acc, n.i, &r))) {
        acc = r;
        dacc = static_cast<double>(r);
        return;
      }
    }
    if (exact) dacc = static_cast<double>(acc);
    exact = false;
    dacc = product ? dacc * n.as_double() : dacc + n.as_double();
  });
  return exact ? Value::integer(acc) : number_value(dacc);
}

const Value& collection_arg(Args a, std::initializer_list<std::string_view> names) {
  const Value& v = a[0];
  if (!v.is_array() && !v.is_set()) operand_type_error(1, v, names);
  return v;
}

void register_arithmetic(BuiltinRegistry& r) {
  auto binop = [&](const char* name, Op op) {
    def(r, name, 2,
        [op](Args a) -> std::optional<Value> { return arith(op, number_arg(a, 1), number_arg(a, 2)); });
  };
  binop("plus", Op::plus);
  binop("mul", Op::mul);
  binop("div", Op::div);
  binop("rem", Op::rem);
  def(r, "minus", 2, [](Args a) -> std::optional<Value> {
    const bool n1 = a[0].is_number(), n2 = a[1].is_number(), s1 = a[0].is_set(), s2 = a[1].is_set();
    if (n1 && n2) return arith(Op::minus, a[0].as_number(), a[1].as_number());
    if (s1 && s2) return Value::set(set_difference(a[0].as_set(), a[1].as_set()));
    if (!n1 && !s1) operand_type_error(1, a[0], {"number", "set"});
    if (s1) operand_type_error(2, a[1], {"set"});
    operand_type_error(2, a[1], {"number"});
  });
  def(r, "abs", 1, [](Args a) -> std::optional<Value> { return unary(number_arg(a, 1), std::fabs, true); });
  def(r, "round", 1,
      [](Args a) -> std::optional<Value> { return unary(number_arg(a, 1), std::round, false); });
  def(r, "ceil", 1, [](Args a) -> std::optional<Value> { return unary(number_arg(a, 1), std::ceil, false); });
  def(r, "floor", 1,
      [](Args a) -> std::optional<Value> { return unary(number_arg(a, 1), std::floor, false); });

  // Comparisons are total over all values (OPA's sort order) and always defined.
  auto cmp = [&](const char* name, bool (*pred)(int)) {
    def(r, name, 2, [pred](Args a) -> std::optional<Value> { return boolean(pred(compare(a[0], a[1]))); });
  };
  cmp("equal", [](int c) { return c == 0; });
  cmp("neq", [](int c) { return c != 0; });
  cmp("lt", [](int c) { return c < 0; });
  cmp("lte", [](int c) { return c <= 0; });
  cmp("gt", [](int c) { return c > 0; });
  cmp("gte", [](int c) { return c >= 0; });

  def(r, "and", 2, [](Args a) -> std::optional<Value> {
    const Set& x = set_arg(a, 1);
    return Value::set(set_intersection(x, set_arg(a, 2)));
  });
  def(r, "or", 2, [](Args a) -> std::optional<Value> {
    const Set& x = set_arg(a, 1);
    return Value::set(set_union(x, set_arg(a, 2)));
  });
  def(r, "intersection", 1, [](Args a) -> std::optional<Value> {
    const Set& sets = set_arg(a, 1);
    std::optional<Set> acc;
    for (const auto& s : sets) {
      if (!s.is_set()) operand_type_error(1, s, {"set"});
      acc = acc ? set_intersection(*acc, s.as_set()) : s.as_set();
    }
    return Value::set(acc ? *acc : Set{});
  });
  def(r, "union", 1, [](Args a) -> std::optional<Value> {
    const Set& sets = set_arg(a, 1);
    Set acc;
    for (const auto& s : sets) {
      if (!s.is_set()) operand_type_error(1, s, {"set"});
      acc.insert(s.as_set().begin(), s.as_set().end());
    }
    return Value::set(std::move(acc));
  });
}

void register_aggregates(BuiltinRegistry& r) {
  def(r, "count", 1, [](Args a) -> std::optional<Value> {
    const Value& v = a[0];
    if (v.is_string()) return integer(static_cast<std::int64_t>(rune_count(v.as_string())));
    if (!v.is_collection()) operand_type_error(1, v, {"array", "object", "set", "string"});
    return integer(static_cast<std::int64_t>(v.size()));
  });
  def(r, "sum", 1, [](Args a) -> std::optional<Value> {
    return accumulate(collection_arg(a, {"set", "array"}), false);
  });
  def(r, "product", 1, [](Args a) -> std::optional<Value> {
    return accumulate(collection_arg(a, {"set", "array"}), true);
  });
  def(r, "max", 1, [](Args a) -> std::optional<Value> {
    const Value& c = collection_arg(a, {"set", "array"});
    if (c.size() == 0) return std::nullopt;
    if (c.is_set()) return *c.as_set().rbegin();
    const Value* best = &c.as_array().front();
    for (const auto& v : c.as_array())
      if (compare(*best, v) <= 0) best = &v;
    return *best;
  });
  def(r, "min", 1, [](Args a) -> std::optional<Value> {
    const Value& c = collection_arg(a, {"set", "array"});
    if (c.size() == 0) return std::nullopt;
    if (c.is_set()) return *c.as_set().begin();
    const Value* best = &c.as_array().front();
    for (const auto& v : c.as_array())
      if (compare(*best, v) >= 0) best = &v;
    return *best;
  });
  def(r, "sort", 1, [](Args a) -> std::optional<Value> {
    const Value& c = collection_arg(a, {"set", "array"});
    if (c.is_set()) return Value::array(Array(c.as_set().begin(), c.as_set().end()));
    Array out = c.as_array();
    std::stable_sort(out.begin(), out.end(), ValueLess{});
    return Value::array(std::move(out));
  });
  // Deprecated (rejected by OPA v1's compiler, kept for v0 policies).
  def(r, "all", 1, [](Args a) -> std::optional<Value> {
    const Value& c = collection_arg(a, {"array", "set"});
    bool all = true;
    for_each_elem(c, [&](const Value& v) { all = all && v == Value::boolean(true); });
    return boolean(all);
  });
  def(r, "any", 1, [](Args a) -> std::optional<Value> {
    const Value& c = collection_arg(a, {"array", "set"});
    bool any = false;
    for_each_elem(c, [&](const Value& v) { any = any || v == Value::boolean(true); });
    return boolean(any);
  });
}

// ---- bits ----

Value shifted_left(std::int64_t x, std::int64_t n) {
  if (x == 0) return integer(0);
  if (n < 63) {
    const i128 r = static_cast<i128>(x) * (static_cast<i128>(1) << n);
    if (r >= std::numeric_limits<std::int64_t>::min() && r <= std::numeric_limits<std::int64_t>::max())
      return integer(static_cast<std::int64_t>(r));
  }
  return number_value(std::ldexp(static_cast<double>(x), static_cast<int>(std::min<std::int64_t>(n, 4096))));
}

void register_bits(BuiltinRegistry& r) {
  def(r, "bits.and", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    return integer(x & bigint_arg(a, 2));
  });
  def(r, "bits.or", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    return integer(x | bigint_arg(a, 2));
  });
  def(r, "bits.xor", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    return integer(x ^ bigint_arg(a, 2));
  });
  def(r, "bits.negate", 1, [](Args a) -> std::optional<Value> { return integer(~bigint_arg(a, 1)); });
  def(r, "bits.lsh", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    const auto n = int_arg(a, 2);
    if (n < 0) operand_error(2, "must be an unsigned integer number but got a negative integer");
    return shifted_left(x, n);
  });
  def(r, "bits.rsh", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    const auto n = int_arg(a, 2);
    if (n < 0) operand_error(2, "must be an unsigned integer number but got a negative integer");
    if (n >= 63) return integer(x < 0 ? -1 : 0);
    return integer(x >> n);  // arithmetic shift: floor division, as big.Int.Rsh
  });
}

// ---- numbers.range ----

constexpr std::int64_t kMaxRange = 10'000'000;  // bad input must not exhaust memory

Value make_range(std::int64_t x, std::int64_t y, std::int64_t step) {
  const i128 span = x <= y ? static_cast<i128>(y) - x : static_cast<i128>(x) - y;
  if (span / step >= kMaxRange) fail("range too large (more than " + std::to_string(kMaxRange) + " numbers)");
  Array out;
  out.reserve(static_cast<std::size_t>(span / step) + 1);
  if (x <= y)
    for (i128 i = x; i <= y; i += step) out.push_back(integer(static_cast<std::int64_t>(i)));
  else
    for (i128 i = x; i >= y; i -= step) out.push_back(integer(static_cast<std::int64_t>(i)));
  return Value::array(std::move(out));
}

void register_ranges(BuiltinRegistry& r) {
  def(r, "numbers.range", 2, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    return make_range(x, bigint_arg(a, 2), 1);
  });
  def(r, "numbers.range_step", 3, [](Args a) -> std::optional<Value> {
    const auto x = bigint_arg(a, 1);
    const auto y = bigint_arg(a, 2);
    const auto step = bigint_arg(a, 3);
    if (step <= 0) fail("step must be a positive integer");
    return make_range(x, y, step);
  });
}

}  // namespace

void register_numbers(BuiltinRegistry& r) {
  register_arithmetic(r);
  register_aggregates(r);
  register_bits(r);
  register_ranges(r);
}

}  // namespace coco::rego::detail
