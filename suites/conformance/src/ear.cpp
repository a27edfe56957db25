// EAR token accessors for cases.
#include "conformance/ear.h"

namespace coco::conformance {

guest::AttestResult attest_or_fail(CaseContext& ctx, guest::KbsClient& guest) {
  auto r = guest.attest();
  if (r) return std::move(*r);
  ctx.fail_refused("attestation", r.error());
}

const nlohmann::json& cpu0(CaseContext& ctx, const guest::AttestResult& r) {
  const nlohmann::json& c = r.claims;
  if (!c.is_object() || !c.contains("submods") || !c["submods"].is_object() ||
      !c["submods"].contains("cpu0")) {
    ctx.fail("the EAR token has no submods.cpu0: " + c.dump().substr(0, 300));
  }
  return c["submods"]["cpu0"];
}

const nlohmann::json& annotated_evidence(CaseContext& ctx, const guest::AttestResult& r) {
  const nlohmann::json& s = cpu0(ctx, r);
  if (!s.contains("ear.veraison.annotated-evidence") || !s["ear.veraison.annotated-evidence"].is_object()) {
    ctx.fail("the EAR token's cpu0 has no ear.veraison.annotated-evidence (is verbose_token off?)");
  }
  return s["ear.veraison.annotated-evidence"];
}

std::string ear_status(const nlohmann::json& submod) {
  return submod.contains("ear.status") && submod["ear.status"].is_string()
             ? submod["ear.status"].get<std::string>()
             : "";
}

int trust_claim(const nlohmann::json& submod, const std::string& claim) {
  const auto it = submod.find("ear.trustworthiness-vector");
  if (it == submod.end() || !it->is_object() || !it->contains(claim) || !(*it)[claim].is_number_integer()) {
    return -1000;
  }
  return (*it)[claim].get<int>();
}

std::string trust_summary(const nlohmann::json& submod) {
  std::string out = "status " + ear_status(submod);
  for (const char* claim : {"executables", "hardware", "configuration"}) {
    out += std::string(", ") + claim + " " + std::to_string(trust_claim(submod, claim));
  }
  return out;
}

}  // namespace coco::conformance
