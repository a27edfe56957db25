// Trustee's Azure CVM evidence JSON (shared/reference/trustee.md 3.1, evidence.md 3.3; Trustee
// deps/verifier/src/az_snp_vtpm/compat.rs and az_tdx_vtpm/compat.rs), both directions.
//
// az-snp-vtpm, an untagged enum that Trustee tries in the order v2, v1, v0:
//   v2/v1  {"version":2|1,"tpm_quote":{"signature":hex,"message":hex,"pcrs":[hex,...]},
//           "hcl_report":base64url,"vcek":base64url(DER)}
//   v0     {"quote":{"signature":[u8],"message":[u8],"pcrs":[[u8;32],...]},"report":[u8],"vcek":"PEM"}
// az-tdx-vtpm, tried in the order v1, v0:
//   v1     {"version":N,"tpm_quote":{hex as above},"hcl_report":base64url,"td_quote":base64url}
//          (Trustee's TDX v1 reads "version" as any u32 without checking it; here any 0..INT_MAX)
//   v0     {"tpm_quote":{byte arrays as SNP v0},"hcl_report":[u8],"td_quote":[u8]}
// As with serde, members not named above are ignored, a v0 document may carry a "version" member, and
// base64url is read with or without padding; it is written padded and hex lower-case, as Trustee's
// serde_with writes them, so the corpus files re-serialise to equal JSON. The v0 VCEK is the first
// CERTIFICATE block of the PEM, kept as its DER bytes, and written back as one PEM block (64-column
// base64, trailing newline).
//
// Errors: azure.evidence_invalid naming the field (a missing member, a wrong type, bad hex / base64url,
// a byte out of range, a v0 PCR that is not 32 bytes, a VCEK that is not PEM); the SNP HCL report is
// parsed here too, so its azure.hcl_* errors surface (with the field named). When no version fits, the
// error is that of the version the document names ("version" 1 or 2; otherwise v0).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "azure/hcl.h"
#include "azure/tpm.h"
#include "core/bytes.h"
#include "core/result.h"

namespace coco::azure {

struct AzSnpEvidence {
  int version = 2;  // 0, 1 or 2
  TpmQuote tpm_quote;
  HclReport hcl_report;    // parsed from hcl_report_bytes
  Bytes hcl_report_bytes;  // as shipped; the writer uses encode_hcl_report(hcl_report) when empty
  Bytes vcek_der;
  bool operator==(const AzSnpEvidence&) const = default;
};

struct AzTdxEvidence {
  int version = 1;  // 0, or the v1 form's "version" value
  TpmQuote tpm_quote;
  Bytes hcl_report_bytes;
  Bytes td_quote;
  bool operator==(const AzTdxEvidence&) const = default;
};

Result<AzSnpEvidence> az_snp_evidence_from_json(const nlohmann::json& j);
// The same version as given: v0 with byte arrays and a PEM VCEK, v1/v2 with hex and padded base64url.
nlohmann::json az_snp_evidence_to_json(const AzSnpEvidence& evidence);
Result<AzTdxEvidence> az_tdx_evidence_from_json(const nlohmann::json& j);
// Version 0 writes the v0 form, any other version the v1 form with that "version".
nlohmann::json az_tdx_evidence_to_json(const AzTdxEvidence& evidence);

// Untrusted text: JSON parsed as serde_json would (core/json_text.h nesting limit), then the above.
Result<AzSnpEvidence> az_snp_evidence_from_text(std::string_view text);
Result<AzTdxEvidence> az_tdx_evidence_from_text(std::string_view text);

// Trustee's TpmQuote alone (tpm-quote-v1.json): {"signature":hex,"message":hex,"pcrs":[hex,...]}.
Result<TpmQuote> tpm_quote_from_json(const nlohmann::json& j);
nlohmann::json tpm_quote_to_json(const TpmQuote& quote);

}  // namespace coco::azure
