// `coco-harness rego eval | test`: evaluate real policies and run OPA-format YAML cases.
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "rego/cases.h"
#include "rego/engine.h"

namespace coco::cli {
namespace {

using namespace coco::rego;

Value json_file(const std::string& path) {
  auto j = nlohmann::json::parse(to_string(read_input(path)), nullptr, false);
  if (j.is_discarded()) throw InputError(path + ": not valid JSON");
  return Value::from_json(j);
}

void add_eval(CLI::App& rego) {
  auto* cmd = rego.add_subcommand(
      "eval", "Evaluate a rule path (data.x.y) or a query against modules, data and input");
  struct Args {
    std::vector<std::string> modules, data;
    std::string input, query;
    bool v0 = false, lenient = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("query", a->query,
                  "A rule path such as data.policy.allow, or a query such as 'x := data.p[_]'")
      ->required();
  cmd->add_option("-m,--module", a->modules, "Rego module file (repeatable)")->required();
  cmd->add_option("-d,--data", a->data, "JSON data document merged at the root (repeatable)");
  cmd->add_option("-i,--input", a->input, "JSON input document");
  cmd->add_flag("--v0", a->v0, "Parse modules as Rego v0 (pre-1.0 syntax) unless they import rego.v1");
  cmd->add_flag("--lenient", a->lenient,
                "Builtin errors make expressions undefined (as the Kata agent runs)");
  cmd->footer("Exit: 0 when the result is defined (and not false), 1 when undefined or false, 2 on errors.");
  on_run(cmd, [a]() {
    PolicyBuilder b;
    for (const auto& m : a->modules)
      if (auto st = b.add_module(m, to_string(read_input(m)), a->v0 ? Dialect::v0 : Dialect::v1); !st)
        throw InputError(st.error().message);
    for (const auto& d : a->data)
      if (auto st = b.add_data(json_file(d)); !st) throw InputError(d + ": " + st.error().message);
    auto policy = need(b.compile(), "compile");
    std::optional<Value> input;
    if (!a->input.empty()) input = json_file(a->input);
    EvalOptions opts;
    opts.strict_builtin_errors = !a->lenient;
    const bool is_path =
        a->query.rfind("data.", 0) == 0 && a->query.find_first_of(" =:[(;") == std::string::npos;
    if (is_path) {
      std::vector<std::string> prints;
      auto r = policy->eval(a->query, input, opts, &prints);
      for (const auto& p : prints) std::cerr << p << "\n";
      if (!r) {
        std::cerr << "coco-harness: error: " << r.error().message << "\n";
        return kExitUsage;
      }
      if (globals().json)
        print_json({{"path", a->query},
                    {"defined", r->has_value()},
                    {"value", *r ? (*r)->to_json() : nlohmann::json(nullptr)},
                    {"prints", prints}});
      else
        std::cout << (*r ? (*r)->to_term_string() : std::string("undefined")) << "\n";
      return *r && !((*r)->is_bool() && !(*r)->as_bool()) ? kExitOk : kExitFailed;
    }
    auto r = policy->query(a->query, input, opts);
    if (!r) {
      std::cerr << "coco-harness: error: " << r.error().message << "\n";
      return kExitUsage;
    }
    for (const auto& p : r->prints) std::cerr << p << "\n";
    nlohmann::json sols = nlohmann::json::array();
    for (const auto& s : r->solutions) {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, v] : s) o[k] = v.to_json();
      sols.push_back(o);
    }
    if (globals().json)
      print_json({{"query", a->query}, {"solutions", sols}, {"prints", r->prints}});
    else if (r->solutions.empty())
      std::cout << "undefined\n";
    else
      for (const auto& s : r->solutions) {
        std::string line;
        for (const auto& [k, v] : s) line += (line.empty() ? "" : ", ") + k + " = " + v.to_term_string();
        std::cout << (line.empty() ? "true" : line) << "\n";
      }
    return r->solutions.empty() ? kExitFailed : kExitOk;
  });
}

void add_test(CLI::App& rego) {
  auto* cmd = rego.add_subcommand(
      "test", "Run OPA-format YAML test cases (files or folders) and summarise per suite");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto verbose = std::make_shared<bool>(false);
  cmd->add_option("paths", *paths, "YAML files or folders")->required();
  cmd->add_flag("-v,--verbose", *verbose, "List every failing case with its reason");
  cmd->footer("Exit: 0 when every case passes, 1 otherwise.");
  on_run(cmd, [paths, verbose]() {
    std::vector<std::filesystem::path> ps;
    for (const auto& p : *paths) {
      if (!std::filesystem::exists(p)) throw InputError(p + ": no such file or folder");
      ps.emplace_back(p);
    }
    progress("running cases...");
    auto report = run_cases(ps);
    if (globals().json) {
      print_json(report.to_json());
    } else {
      for (const auto& [suite, t] : report.by_suite())
        std::cout << std::left << std::setw(32) << suite << t.passed << "/" << t.total << "\n";
      if (*verbose)
        for (const auto& c : report.cases)
          if (!c.passed) std::cout << "FAIL " << c.suite << ": " << c.note << ": " << c.reason << "\n";
      std::cout << report.passed() << " passed, "
                << (report.cases.size() - static_cast<std::size_t>(report.passed())) << " failed\n";
    }
    return report.passed() == static_cast<int>(report.cases.size()) ? kExitOk : kExitFailed;
  });
}

}  // namespace

void add_rego_commands(CLI::App& app) {
  auto* rego = app.add_subcommand("rego", "Rego policies: evaluate, and run OPA-format test cases");
  rego->require_subcommand(1);
  add_eval(*rego);
  add_test(*rego);
}

}  // namespace coco::cli
