#include "trustee/ear.h"

#include <algorithm>

namespace coco::trustee {

nlohmann::ordered_json TrustVector::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < kTrustClaimNames.size(); ++i) {
    j[std::string(kTrustClaimNames[i])] = claims[i].value_or(0);
  }
  return j;
}

std::string_view tier_name(int v) {
  if (v >= -1 && v <= 1) return "none";
  if (v >= -32 && v <= 31) return "affirming";
  if (v >= -96 && v <= 95) return "warning";
  return "contraindicated";
}

int tier_rank(std::string_view tier) {
  if (tier == "affirming") return 1;
  if (tier == "warning") return 2;
  if (tier == "contraindicated") return 3;
  return 0;
}

std::string ear_status(const TrustVector& vector) {
  std::string_view worst = "none";
  for (const auto& c : vector.claims) {
    if (c && tier_rank(tier_name(*c)) > tier_rank(worst)) worst = tier_name(*c);
  }
  return std::string(worst);
}

Result<TrustVector> trust_vector_from_policy(const std::optional<rego::Value>& trust_claims) {
  TrustVector tv;
  if (!trust_claims) {
    for (auto& c : tv.claims) c = 0;
    return tv;
  }
  nlohmann::json j = trust_claims->to_json();
  if (!j.is_object()) {
    return make_error("trustee.policy_claims_invalid", "trust_claims must be an object of AR4SI claim names");
  }
  int set = 0;
  for (const auto& [name, value] : j.items()) {
    auto it = std::find(kTrustClaimNames.begin(), kTrustClaimNames.end(), name);
    if (it == kTrustClaimNames.end()) {
      return make_error("trustee.policy_claims_invalid", "unknown trust claim `" + name + "`");
    }
    if (!value.is_number_integer() || value.get<std::int64_t>() < -128 || value.get<std::int64_t>() > 127) {
      return make_error("trustee.policy_claims_invalid",
                        "trust claim `" + name + "` must be an integer in -128..127, got " + value.dump());
    }
    tv.claims[static_cast<std::size_t>(it - kTrustClaimNames.begin())] =
        static_cast<int>(value.get<std::int64_t>());
    ++set;
  }
  if (set == 0) return make_error("trustee.policy_claims_invalid", "At least one policy claim must be set.");
  return tv;
}

Result<std::vector<EarExtension>> extensions_from_policy(const std::optional<rego::Value>& extensions) {
  std::vector<EarExtension> out;
  if (!extensions) return out;
  nlohmann::json j = extensions->to_json();
  if (!j.is_array()) return make_error("trustee.policy_claims_invalid", "extensions must be an array");
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("key") ||
        !e["key"].is_number_integer() || !e.contains("value")) {
      return make_error("trustee.policy_claims_invalid",
                        "each extension must be {\"name\": string, \"key\": integer, \"value\": any}");
    }
    out.push_back({e["name"].get<std::string>(), e["key"].get<int>(), e["value"]});
  }
  return out;
}

}  // namespace coco::trustee
