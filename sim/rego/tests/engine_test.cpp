// The engine on small inline policies (no corpus needed): OPA semantics the suites rely on.
#include "rego/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace coco::rego;

namespace {

std::shared_ptr<const Policy> compile(const std::string& text, Dialect d = Dialect::v1) {
  PolicyBuilder b;
  auto st = b.add_module("p.rego", text, d);
  EXPECT_TRUE(st) << st.error().message;
  auto p = b.compile();
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

Value J(const char* s) {
  return Value::from_json(nlohmann::json::parse(s));
}

std::optional<Value> eval(const Policy& p, const char* path, std::optional<Value> input = std::nullopt,
                          bool strict = true) {
  EvalOptions o;
  o.strict_builtin_errors = strict;
  auto r = p.eval(path, input, o);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : std::nullopt;
}

}  // namespace

TEST(RegoEngine, DefaultsElseAndUndefined) {
  auto p = compile(R"(package t
default allow := false
allow if input.user == "admin"
level := "high" if { input.n > 10 } else := "mid" if { input.n > 5 } else := "low"
missing if input.nope
)");
  EXPECT_EQ(*eval(*p, "data.t.allow", J(R"({"user": "admin"})")), Value::boolean(true));
  EXPECT_EQ(*eval(*p, "data.t.allow", J(R"({"user": "bob"})")), Value::boolean(false));
  EXPECT_EQ(*eval(*p, "data.t.level", J(R"({"n": 7})")), Value::string("mid"));
  EXPECT_EQ(*eval(*p, "data.t.level", J(R"({"n": 1})")), Value::string("low"));
  EXPECT_FALSE(eval(*p, "data.t.missing", J("{}")));
}

TEST(RegoEngine, PartialRulesComprehensionsEveryAndSome) {
  auto p = compile(R"(package t
names contains n if { some x in input.items; n := x.name }
by_name[x.name] := x.size if { some x in input.items }
big := [x.name | some x in input.items; x.size > 1]
all_small if { every x in input.items { x.size < 5 } }
pairs := {k: v | some k, v in {"a": 1, "b": 2}}
)");
  auto in = J(R"({"items": [{"name": "a", "size": 1}, {"name": "b", "size": 3}]})");
  EXPECT_EQ(eval(*p, "data.t.names", in)->to_term_string(), R"({"a", "b"})");
  EXPECT_EQ(eval(*p, "data.t.by_name", in)->to_json_text(), R"({"a":1,"b":3})");
  EXPECT_EQ(eval(*p, "data.t.big", in)->to_json_text(), R"(["b"])");
  EXPECT_EQ(*eval(*p, "data.t.all_small", in), Value::boolean(true));
  EXPECT_EQ(eval(*p, "data.t.pairs", in)->to_json_text(), R"({"a":1,"b":2})");
}

TEST(RegoEngine, ConflictErrorsAndStrictness) {
  auto p = compile("package t\nx := 1\nx := 2\n");
  auto r = p->eval("data.t.x", std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "rego.eval_conflict_error");
  auto q = compile("package t\nd := 1 / input.z\n");
  auto strict = q->eval("data.t.d", J(R"({"z": 0})"));
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().code, "rego.eval_builtin_error");
  EXPECT_NE(strict.error().message.find("div: divide by zero"), std::string::npos);
  EXPECT_FALSE(eval(*q, "data.t.d", J(R"({"z": 0})"), false));  // lenient: undefined
}

TEST(RegoEngine, WithPrintAndHostFunctions) {
  PolicyBuilder b;
  ASSERT_TRUE(b.add_module("h.rego", R"(package t
ok if { print("checking", input.id, input.missing); query_reference_value("ids")[_] == input.id }
mocked if ok with input as {"id": "z"}
)"));
  b.add_host_function("query_reference_value", 1, [](std::span<const Value> a) -> std::optional<Value> {
    if (a[0] == Value::string("ids")) return J(R"(["x", "z"])");
    return Value::null();
  });
  auto p = *b.compile();
  std::vector<std::string> prints;
  auto r = p->eval("data.t.ok", J(R"({"id": "x"})"), {}, &prints);
  ASSERT_TRUE(r);
  EXPECT_EQ(**r, Value::boolean(true));
  ASSERT_EQ(prints.size(), 1u);
  EXPECT_EQ(prints[0], "h.rego:2: checking x <undefined>");
  EXPECT_EQ(*eval(*p, "data.t.mocked", J(R"({"id": "nope"})")), Value::boolean(true));
  EXPECT_FALSE(eval(*p, "data.t.ok", J(R"({"id": "nope"})")));
}

TEST(RegoEngine, QueriesBindVariablesAndReorderForSafety) {
  auto p = compile("package t\nx := c if {\n a = b\n b = c\n a = 12\n}\n");
  EXPECT_EQ(*eval(*p, "data.t.x"), Value::integer(12));
  auto q = p->query("y := data.t.x + 1; z = [y, y]", std::nullopt);
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_EQ(q->solutions.size(), 1u);
  EXPECT_EQ(q->solutions[0].at("z").to_json_text(), "[13,13]");
}

TEST(RegoEngine, V0DialectAndErrorsNameTheirPlace) {
  auto p = compile("package t\nimport future.keywords.in\nallow { \"a\" in input }\np[x] { x := input[_] }\n",
                   Dialect::v0);
  EXPECT_EQ(*eval(*p, "data.t.allow", J(R"(["a"])")), Value::boolean(true));
  EXPECT_EQ(eval(*p, "data.t.p", J(R"(["a", "b"])"))->to_term_string(), R"({"a", "b"})");
  PolicyBuilder b;
  auto st = b.add_module("bad.rego", "package t\nallow if {\n  x := \n}\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "rego.rego_parse_error");
  EXPECT_EQ(st.error().message.rfind("bad.rego:", 0), 0u) << st.error().message;
}

TEST(RegoEngine, CompiledOnceEvaluatedFromSeveralThreads) {
  auto p = compile(R"(package t
allowed contains name if { some c in input.containers; c.image in data_images; name := c.name }
data_images := {"nginx", "redis"}
)");
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto in = J(R"({"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "evil"}]})");
        auto r = p->eval("data.t.allowed", in);
        if (r && r->has_value() && (**r).to_term_string() == R"({"a"})") ++good;
      }
      (void)t;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 800);
}
