// What the attester implementations share (attesters.cpp, azure_attesters.cpp): the unsupported-defect error
// and the key-by-key comparison of expected claims with an EAR's annotated evidence.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/attester.h"
#include "core/result.h"

namespace coco::conformance {

inline Error unsupported(const Attester& attester, Defect d) {
  return make_error("conformance.unsupported", unsupported_defect_reason(attester, d));
}

// Appends "<where><key> missing" / "<where><key> is X, evidence says Y" for each key of `expected`.
inline void compare(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& where,
                    std::vector<std::string>& out) {
  for (const auto& [key, value] : expected.items()) {
    if (!actual.is_object() || !actual.contains(key)) {
      out.push_back(where + key + " missing (expected " + value.dump() + ")");
    } else if (actual[key] != value) {
      out.push_back(where + key + " is " + actual[key].dump() + ", evidence says " + value.dump());
    }
  }
}

}  // namespace coco::conformance
