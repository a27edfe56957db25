// EAR (Entity Attestation Result, draft-fv-rats-ear) as Trustee's token broker produces it: the AR4SI trust
// vector read from the attestation policy's `trust_claims`, each claim's tier, the submod status (the worst
// tier), optional `extensions`, and the submod JSON under "submods"."<class><index>" (trustee.md 1.7, 3.4).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rego/value.h"

namespace coco::trustee {

// AR4SI claim names in the order rust-ear serializes the trust vector.
inline constexpr std::array<std::string_view, 8> kTrustClaimNames{
    "instance-identity", "configuration",  "executables",    "file-system",
    "hardware",          "runtime-opaque", "storage-opaque", "sourced-data"};

struct TrustVector {
  std::array<std::optional<int>, 8> claims;  // by kTrustClaimNames index; nullopt = not set
  nlohmann::ordered_json to_json() const;    // unset claims are written as 0, as rust-ear does
};

// "none" (-1..1), "affirming" (-32..31), "warning" (-96..95), "contraindicated" (the rest).
std::string_view tier_name(int value);
int tier_rank(std::string_view tier);  // none 0, affirming 1, warning 2, contraindicated 3
// The worst tier over the set claims ("none" when none is set).
std::string ear_status(const TrustVector& vector);

// The vector from the value of data.policy.trust_claims: undefined -> every claim 0 (status none);
// an object must set at least one known claim to an integer in -128..127.
// Errors: trustee.policy_claims_invalid ("At least one policy claim must be set." and the like).
Result<TrustVector> trust_vector_from_policy(const std::optional<rego::Value>& trust_claims);

struct EarExtension {
  std::string name;  // e.g. "ear.trustee.identifiers"
  int key = 0;
  nlohmann::json value;
};
// data.policy.extensions: [{"name","key","value"}]; undefined -> none. Error: trustee.policy_claims_invalid.
Result<std::vector<EarExtension>> extensions_from_policy(const std::optional<rego::Value>& extensions);

}  // namespace coco::trustee
