// Trustee's SNP evidence JSON: {"attestation_report": <serde form of sev::AttestationReport>,
// "cert_chain": [{"cert_type": "VCEK"|"VLEK"|"ASK"|"ARK", "data": [u8...]}] | null}.
// The report travels as JSON fields, not raw bytes (byte arrays as arrays of integers, TCBs as
// {fmc, bootloader, tee, snp, microcode}); Trustee rebuilds the raw bytes before checking the signature,
// and so do we. Field names and shapes: shared/corpus/snp/trustee_e2e_evidence_genoa.json.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/result.h"
#include "snp/certs.h"
#include "snp/report.h"

namespace coco::snp {

struct SnpEvidence {
  Report report;
  std::optional<std::vector<CertTableEntry>> cert_chain;  // null when the verifier must fetch the VCEK
};

// The TCB layout used for the JSON TCB objects: Turin when the report's CPUID says so, else
// Milan/Genoa. `fallback` applies to v2 reports (no CPUID).
Product tcb_layout(const Report& report, Product fallback = Product::milan);

nlohmann::json report_to_json(const Report& report, Product fallback = Product::milan);
nlohmann::json evidence_to_json(const SnpEvidence& evidence, Product fallback = Product::milan);
// Errors: snp.evidence_json_invalid (missing field, wrong type, wrong array length, value out of range).
Result<Report> report_from_json(const nlohmann::json& j, Product fallback = Product::milan);
Result<SnpEvidence> evidence_from_json(const nlohmann::json& j, Product fallback = Product::milan);
Result<SnpEvidence> evidence_from_text(std::string_view text, Product fallback = Product::milan);

}  // namespace coco::snp
