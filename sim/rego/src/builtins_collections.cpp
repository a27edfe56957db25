// array.*, object.* and the membership builtins behind `in` (internal.member_2, internal.member_3).
#include <algorithm>

#include "builtins_internal.h"

namespace coco::rego::detail {

namespace {

template <typename F>
void def(BuiltinRegistry& r, std::string name, int arity, F f) {
  r.add(std::move(name), arity, [f](Args a, BuiltinContext&) -> std::optional<Value> { return f(a); });
}

// object.remove / object.filter key operand: an array, set or object (its keys).
Set keys_param(Args a, int pos) {
  const Value& v = a[static_cast<std::size_t>(pos - 1)];
  if (v.is_array()) return Set(v.as_array().begin(), v.as_array().end());
  if (v.is_set()) return v.as_set();
  if (v.is_object()) {
    Set s;
    for (const auto& [k, _] : v.as_object()) s.insert(k);
    return s;
  }
  operand_type_error(pos, v, {"object", "set", "array"});
}

// object.union: b's keys win, except that two objects under the same key merge recursively.
Object merge(const Object& a, const Object& b) {
  Object out = a;
  for (const auto& [k, v] : b) {
    auto it = out.find(k);
    if (it != out.end() && it->second.is_object() && v.is_object())
      it->second = Value::object(merge(it->second.as_object(), v.as_object()));
    else
      out.insert_or_assign(k, v);
  }
  return out;
}

// object.subset, after OPA: objects recursively (nested objects, sets and arrays by the same rules), sets by
// membership, arrays as a contiguous run, an array against a set by membership of every set element.
bool array_subset(const Array& super, const Array& sub) {
  if (sub.size() > super.size()) return false;
  return std::search(super.begin(), super.end(), sub.begin(), sub.end()) != super.end();
}
bool set_subset(const Set& super, const Set& sub) {
  return std::all_of(sub.begin(), sub.end(), [&](const Value& v) { return super.count(v) > 0; });
}
bool array_set_subset(const Array& super, const Set& sub) {
  // OPA counts down while scanning the array, so an empty set is a subset of a non-empty array only.
  std::size_t unmatched = sub.size();
  for (const auto& v : super) {
    if (sub.count(v)) --unmatched;
    if (unmatched == 0) return true;
  }
  return false;
}
bool object_subset(const Object& super, const Object& sub) {
  for (const auto& [k, sv] : sub) {
    auto it = super.find(k);
    if (it == super.end()) return false;
    const Value& pv = it->second;
    if (sv == pv) continue;
    if (pv.is_object() && sv.is_object()) {
      if (!object_subset(pv.as_object(), sv.as_object())) return false;
    } else if (pv.is_set() && sv.is_set()) {
      if (!set_subset(pv.as_set(), sv.as_set())) return false;
    } else if (pv.is_array() && sv.is_array()) {
      if (!array_subset(pv.as_array(), sv.as_array())) return false;
    } else {
      return false;
    }
  }
  return true;
}

void register_arrays(BuiltinRegistry& r) {
  def(r, "array.concat", 2, [](Args a) -> std::optional<Value> {
    Array out = array_arg(a, 1);
    const Array& b = array_arg(a, 2);
    out.insert(out.end(), b.begin(), b.end());
    return Value::array(std::move(out));
  });
  def(r, "array.slice", 3, [](Args a) -> std::optional<Value> {
    const Array& arr = array_arg(a, 1);
    auto start = int_arg(a, 2);
    auto stop = int_arg(a, 3);
    const auto n = static_cast<std::int64_t>(arr.size());
    start = std::max<std::int64_t>(start, 0);
    stop = std::min(stop, n);
    if (stop < start) return Value::array({});
    return Value::array(Array(arr.begin() + start, arr.begin() + stop));
  });
  def(r, "array.reverse", 1, [](Args a) -> std::optional<Value> {
    const Array& arr = array_arg(a, 1);
    return Value::array(Array(arr.rbegin(), arr.rend()));
  });
  def(r, "array.flatten", 1, [](Args a) -> std::optional<Value> {
    const Array& arr = array_arg(a, 1);
    Array out;
    for (const auto& v : arr) {
      if (v.is_array())
        out.insert(out.end(), v.as_array().begin(), v.as_array().end());
      else
        out.push_back(v);
    }
    return Value::array(std::move(out));
  });
}

void register_objects(BuiltinRegistry& r) {
  def(r, "object.get", 3, [](Args a) -> std::optional<Value> {
    object_arg(a, 1);
    if (!a[1].is_array()) {
      auto v = a[0].get(a[1]);
      return v ? *v : a[2];
    }
    Value cur = a[0];
    for (const auto& key : a[1].as_array()) {
      auto next = cur.get(key);
      if (!next) return a[2];
      cur = *next;
    }
    return cur;
  });
  def(r, "object.keys", 1, [](Args a) -> std::optional<Value> {
    Set keys;
    for (const auto& [k, _] : object_arg(a, 1)) keys.insert(k);
    return Value::set(std::move(keys));
  });
  def(r, "object.remove", 2, [](Args a) -> std::optional<Value> {
    const Object& o = object_arg(a, 1);
    const Set drop = keys_param(a, 2);
    Object out;
    for (const auto& [k, v] : o)
      if (!drop.count(k)) out.emplace(k, v);
    return Value::object(std::move(out));
  });
  def(r, "object.filter", 2, [](Args a) -> std::optional<Value> {
    const Object& o = object_arg(a, 1);
    const Set keep = keys_param(a, 2);
    Object out;
    for (const auto& k : keep) {
      auto it = o.find(k);
      if (it != o.end()) out.emplace(it->first, it->second);
    }
    return Value::object(std::move(out));
  });
  def(r, "object.union", 2, [](Args a) -> std::optional<Value> {
    const Object& x = object_arg(a, 1);
    return Value::object(merge(x, object_arg(a, 2)));
  });
  def(r, "object.union_n", 1, [](Args a) -> std::optional<Value> {
    const Array& objs = array_arg(a, 1);
    Object out;
    for (const auto& o : objs) {
      if (!o.is_object()) operand_element_error(1, a[0], o, "object");
      out = merge(out, o.as_object());
    }
    return Value::object(std::move(out));
  });
}

void register_subset(BuiltinRegistry& r) {
  def(r, "object.subset", 2, [](Args a) -> std::optional<Value> {
    const Value &super = a[0], &sub = a[1];
    if (super.is_object() && sub.is_object())
      return boolean(object_subset(super.as_object(), sub.as_object()));
    if (super.is_set() && sub.is_set()) return boolean(set_subset(super.as_set(), sub.as_set()));
    if (super.is_array() && sub.is_array()) return boolean(array_subset(super.as_array(), sub.as_array()));
    if (super.is_array() && sub.is_set()) return boolean(array_set_subset(super.as_array(), sub.as_set()));
    fail_type("both arguments object.subset must be of the same type or array and set");
  });
}

void register_membership(BuiltinRegistry& r) {
  // x in coll: set membership, array element, object value; false for anything else.
  def(r, "internal.member_2", 2, [](Args a) -> std::optional<Value> {
    const Value& x = a[0];
    const Value& c = a[1];
    if (c.is_set()) return boolean(c.as_set().count(x) > 0);
    if (c.is_array())
      return boolean(std::find(c.as_array().begin(), c.as_array().end(), x) != c.as_array().end());
    if (c.is_object()) {
      for (const auto& [_, v] : c.as_object())
        if (v == x) return boolean(true);
    }
    return boolean(false);
  });
  // k, v in coll: coll[k] == v (for a set, k == v and k is a member).
  def(r, "internal.member_3", 3, [](Args a) -> std::optional<Value> {
    const Value& k = a[0];
    const Value& v = a[1];
    const Value& c = a[2];
    if (c.is_set()) return boolean(c.as_set().count(k) > 0 && k == v);
    if (c.is_array() || c.is_object()) {
      auto got = c.get(k);
      return boolean(got && *got == v);
    }
    return boolean(false);
  });
}

}  // namespace

void register_collections(BuiltinRegistry& r) {
  register_arrays(r);
  register_objects(r);
  register_subset(r);
  register_membership(r);
}

}  // namespace coco::rego::detail
