// Runs OPA-format YAML test cases (`cases:` with note, query, modules, data, input | input_term,
// want_result, want_error_code, want_error, strict_error, sort_bindings), as OPA's topdown test driver
// does, and summarises them per suite (the folder a file sits in). Used by `coco-harness rego test` and
// the corpus tests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "rego/value.h"

namespace coco::rego {

struct CaseOutcome {
  std::string suite;  // folder name
  std::string file;
  std::string note;
  bool passed = false;
  std::string reason;  // why it failed
};

struct CaseReport {
  std::vector<CaseOutcome> cases;
  struct Tally {
    int passed = 0;
    int total = 0;
  };
  std::map<std::string, Tally> by_suite() const;
  int passed() const;
  nlohmann::json to_json() const;
};

// A YAML node as a Rego value (plain scalars typed as YAML 1.2 core: null, bool, int, float; quoted ones
// are strings).
Value value_from_yaml(const YAML::Node& node);

// Runs every case of one YAML file, reported under `suite`. File-level problems (unreadable, not YAML) become
// one failed case.
std::vector<CaseOutcome> run_case_file(const std::filesystem::path& file, const std::string& suite);
// Every *.yaml / *.yml below each path (files or folders), sorted.
CaseReport run_cases(const std::vector<std::filesystem::path>& paths);

}  // namespace coco::rego
