// Reading an EAR attestation token in cases: the cpu0 submod, its status, trust vector and annotated
// evidence, with failures that say which claim was missing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/context.h"
#include "guest/rcar_client.h"

namespace coco::conformance {

// Attests with `guest` and fails the case (with the KBS's answer and, on the embedded stack, its logged
// cause) when the handshake does not yield a token.
guest::AttestResult attest_or_fail(CaseContext& ctx, guest::KbsClient& guest);
// The token's submods.cpu0, or fails.
const nlohmann::json& cpu0(CaseContext& ctx, const guest::AttestResult& r);
// submods.cpu0["ear.veraison.annotated-evidence"], or fails.
const nlohmann::json& annotated_evidence(CaseContext& ctx, const guest::AttestResult& r);
std::string ear_status(const nlohmann::json& submod);  // "" when absent
// trustworthiness-vector[claim], or -1000 when absent.
int trust_claim(const nlohmann::json& submod, const std::string& claim);
// "executables 3, hardware 2, configuration 2" for messages.
std::string trust_summary(const nlohmann::json& submod);

}  // namespace coco::conformance
