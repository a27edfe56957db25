#include "rego/cases.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/bytes.h"
#include "rego/engine.h"

namespace coco::rego {

Value value_from_yaml(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Value::null();
    case YAML::NodeType::Sequence: {
      Array a;
      for (const auto& e : n) a.push_back(value_from_yaml(e));
      return Value::array(std::move(a));
    }
    case YAML::NodeType::Map: {
      Object o;
      for (const auto& kv : n) o[value_from_yaml(kv.first)] = value_from_yaml(kv.second);
      return Value::object(std::move(o));
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return Value::string(s);  // quoted
  if (s == "null" || s == "~" || s == "Null" || s == "NULL") return Value::null();
  if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false);
  if (!s.empty() &&
      (std::isdigit(static_cast<unsigned char>(s[0])) || ((s[0] == '-' || s[0] == '+') && s.size() > 1))) {
    char* end = nullptr;
    errno = 0;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) return Value::integer(i);
    double d = std::strtod(s.c_str(), &end);
    if (*end == '\0') return Value::real(d);
  }
  return Value::string(s);
}

namespace {

std::string solutions_text(const std::vector<std::map<std::string, Value>>& sols) {
  std::string s = "[";
  for (std::size_t i = 0; i < sols.size(); ++i) {
    s += i ? ", {" : "{";
    bool first = true;
    for (const auto& [k, v] : sols[i]) {
      s += (first ? "" : ", ") + k + ": " + v.to_term_string();
      first = false;
    }
    s += "}";
  }
  return s + "]";
}

CaseOutcome run_one(const YAML::Node& c, const std::string& suite, const std::string& file) {
  CaseOutcome out;
  out.suite = suite;
  out.file = file;
  out.note = c["note"] ? c["note"].as<std::string>() : "(no note)";
  auto failed = [&](std::string why) {
    out.passed = false;
    out.reason = std::move(why);
    return out;
  };
  const bool want_error = c["want_error_code"] || c["want_error"];
  PolicyBuilder b;
  int i = 0;
  if (c["modules"])
    for (const auto& m : c["modules"]) {
      std::string text = m.as<std::string>();
      // rego-cpp's cases name module files beside the YAML instead of inlining them.
      if (text.find('\n') == std::string::npos && text.ends_with(".rego")) {
        auto f = read_file(std::filesystem::path(file).parent_path() / text);
        if (!f) return failed("module file: " + f.error().message);
        text = to_string(*f);
      }
      const std::string name = "test-" + std::to_string(i++) + ".rego";  // as OPA's driver names them
      auto st = b.add_module(name, text, Dialect::v1);
      // Older cases are written in v0; OPA's suite runs them with the v0 parser.
      if (!st) st = b.add_module(name, text, Dialect::v0);
      if (!st) {
        if (want_error) {
          out.passed =
              c["want_error_code"] && st.error().code == "rego." + c["want_error_code"].as<std::string>();
          if (!out.passed) out.reason = "parse failed: " + st.error().message;
          return out;
        }
        return failed("parse: " + st.error().message);
      }
    }
  auto json_beside = [&](const std::string& name) -> std::optional<Value> {
    auto f = read_file(std::filesystem::path(file).parent_path() / name);
    if (!f) return std::nullopt;
    auto j = nlohmann::json::parse(to_string(*f), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return Value::from_json(j);
  };
  if (c["data"]) {
    if (auto st = b.add_data(value_from_yaml(c["data"])); !st) return failed(st.error().message);
  }
  if (c["data_path"]) {
    auto d = json_beside(c["data_path"].as<std::string>());
    if (!d) return failed("data_path " + c["data_path"].as<std::string>() + " does not load");
    if (auto st = b.add_data(*d); !st) return failed(st.error().message);
  }
  auto policy = b.compile();
  auto check_error = [&](const Error& e) {
    if (!want_error) return failed("unexpected error: " + e.code + ": " + e.message);
    if (c["want_error_code"] && e.code != "rego." + c["want_error_code"].as<std::string>())
      return failed("error code " + e.code + ", want " + c["want_error_code"].as<std::string>() + " (" +
                    e.message + ")");
    if (c["want_error"] && e.message.find(c["want_error"].as<std::string>()) == std::string::npos)
      return failed("error message '" + e.message + "' lacks '" + c["want_error"].as<std::string>() + "'");
    out.passed = true;
    return out;
  };
  if (!policy) return check_error(policy.error());

  std::optional<Value> input;
  if (c["input"]) input = value_from_yaml(c["input"]);
  if (c["input_path"]) {
    input = json_beside(c["input_path"].as<std::string>());
    if (!input) return failed("input_path " + c["input_path"].as<std::string>() + " does not load");
  }
  if (c["input_term"]) {
    auto term = (*policy)->query("__input := " + c["input_term"].as<std::string>(), std::nullopt);
    if (!term || term->solutions.empty()) return failed("input_term does not evaluate");
    input = term->solutions[0].at("__input");
  }
  EvalOptions opts;
  opts.strict_builtin_errors = c["strict_error"] && c["strict_error"].as<bool>();
  auto res = (*policy)->query(c["query"] ? c["query"].as<std::string>() : "true", input, opts);
  if (!res) return check_error(res.error());
  if (want_error) return failed("expected an error, got " + solutions_text(res->solutions));

  std::vector<std::map<std::string, Value>> want;
  if (c["want_result"])
    for (const auto& r : c["want_result"]) {
      std::map<std::string, Value> m;
      for (const auto& kv : r) m[kv.first.as<std::string>()] = value_from_yaml(kv.second);
      want.push_back(std::move(m));
    }
  auto got = res->solutions;
  // Only the variables the case asks about are compared.
  std::set<std::string> vars;
  for (const auto& w : want)
    for (const auto& [k, _] : w) vars.insert(k);
  for (auto& g : got)
    for (auto it = g.begin(); it != g.end();) it = vars.count(it->first) ? std::next(it) : g.erase(it);
  // Results are compared in their JSON form, as OPA's driver does (sets become arrays, keys strings).
  for (auto& g : got)
    for (auto& [k, v] : g) v = Value::from_json(v.to_json());
  // sort_bindings: arrays bound to variables are compared as sorted (OPA's driver sorts them).
  if (c["sort_bindings"] && c["sort_bindings"].as<bool>()) {
    auto sort_arrays = [](std::vector<std::map<std::string, Value>>& sols) {
      for (auto& sol : sols)
        for (auto& [k, v] : sol)
          if (v.is_array()) {
            Array a = v.as_array();
            std::sort(a.begin(), a.end());
            v = Value::array(std::move(a));
          }
    };
    sort_arrays(got);
    sort_arrays(want);
  }
  // OPA's driver compares result sets; ordering is significant only for sort_bindings cases after sorting.
  auto key = [](const std::map<std::string, Value>& m) {
    Object o;
    for (const auto& [k, v] : m) o[Value::string(k)] = v;
    return Value::object(std::move(o));
  };
  std::vector<Value> g_keys, w_keys;
  for (const auto& g : got) g_keys.push_back(key(g));
  for (const auto& w : want) w_keys.push_back(key(w));
  std::sort(g_keys.begin(), g_keys.end());
  g_keys.erase(std::unique(g_keys.begin(), g_keys.end()), g_keys.end());
  std::sort(w_keys.begin(), w_keys.end());
  if (g_keys != w_keys) return failed("got " + solutions_text(got) + ", want " + solutions_text(want));
  out.passed = true;
  return out;
}

}  // namespace

std::vector<CaseOutcome> run_case_file(const std::filesystem::path& file, const std::string& suite) {
  std::vector<CaseOutcome> out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    out.push_back({suite, file.string(), file.filename().string(), false, std::string("YAML: ") + e.what()});
    return out;
  }
  if (!root["cases"]) return out;
  for (const auto& c : root["cases"]) {
    try {
      out.push_back(run_one(c, suite, file.string()));
    } catch (const std::exception& e) {
      CaseOutcome o{suite, file.string(), c["note"] ? c["note"].as<std::string>() : "?", false,
                    std::string("exception: ") + e.what()};
      out.push_back(o);
    }
  }
  return out;
}

std::map<std::string, CaseReport::Tally> CaseReport::by_suite() const {
  std::map<std::string, Tally> t;
  for (const auto& c : cases) {
    auto& x = t[c.suite];
    x.total++;
    if (c.passed) x.passed++;
  }
  return t;
}

int CaseReport::passed() const {
  return static_cast<int>(
      std::count_if(cases.begin(), cases.end(), [](const CaseOutcome& c) { return c.passed; }));
}

nlohmann::json CaseReport::to_json() const {
  nlohmann::json suites = nlohmann::json::object();
  for (const auto& [name, t] : by_suite()) suites[name] = {{"passed", t.passed}, {"total", t.total}};
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& c : cases)
    if (!c.passed)
      failures.push_back({{"suite", c.suite}, {"file", c.file}, {"note", c.note}, {"reason", c.reason}});
  return {{"passed", passed()}, {"total", cases.size()}, {"suites", suites}, {"failures", failures}};
}

CaseReport run_cases(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const auto& p : paths) {
    if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
      continue;
    }
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::end(it); it.increment(ec)) {
      auto ext = it->path().extension();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  CaseReport r;
  for (const auto& f : files) {
    // The suite is the folder a file sits in, or the file's own name when it sits directly in a folder
    // that was given (rego-cpp keeps its suites as core.yaml, bugs.yaml, ... side by side).
    bool top = std::any_of(paths.begin(), paths.end(), [&](const std::filesystem::path& p) {
      return std::filesystem::is_directory(p) && std::filesystem::equivalent(p, f.parent_path());
    });
    const std::string suite = top ? f.stem().string() : f.parent_path().filename().string();
    for (auto& c : run_case_file(f, suite)) r.cases.push_back(std::move(c));
  }
  return r;
}

}  // namespace coco::rego
