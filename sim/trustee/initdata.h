// Init-data as Trustee's Attestation Service reads it: parse the TOML body (version, algorithm, a
// string-to-string data table), hash the exact bytes received (no canonicalisation), fit the digest to
// the TEE's field size, and build the `init_data_claims` object that policies see, with cdh.toml and
// aa.toml turned into JSON objects and policy.rego reduced to the JSON after `policy_data := {`.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace coco::trustee {

enum class InitDataAlg { sha256, sha384, sha512 };

struct InitData {
  std::string version;
  InitDataAlg algorithm = InitDataAlg::sha256;
  std::map<std::string, std::string> data;
  std::string raw;  // the exact bytes the digest covers
};

std::string_view initdata_alg_name(InitDataAlg alg);  // "sha256", "sha384", "sha512"

// Errors: trustee.initdata_invalid (not TOML, or version/algorithm/data missing or of the wrong type,
// or a data value that is not a string), trustee.initdata_algorithm_unsupported ("sha-256", "SHA256",
// "sm3", ...). Other top-level keys are ignored, as Trustee's serde does.
Result<InitData> parse_initdata_toml(std::string_view toml_text);

// HASH_algorithm(raw): 32, 48 or 64 bytes.
Bytes initdata_digest(const InitData& initdata);

// Trustee's regularize_data: zero-pad at the end, or truncate, to `size` bytes (SNP host_data 32,
// TDX mr_config_id 48).
Bytes pad_or_truncate(ByteView digest, std::size_t size);

// The `init_data_claims` object, as Trustee's parse_init_data builds it:
//  - every data entry as a JSON string;
//  - "cdh.toml" and "aa.toml" replaced by their TOML parsed into JSON (tables -> objects, arrays,
//    strings, integers, floats, booleans; dates and times as their TOML text) when they parse, else
//    left as strings;
//  - "policy.rego": when the text from the `{` of the first `policy_data := {` to the end of the file
//    is one JSON value (trailing whitespace only), the key is removed and "agent_policy_claims" holds
//    that value; otherwise "policy.rego" stays as a string and there is no "agent_policy_claims".
nlohmann::json initdata_claims(const InitData& initdata);

}  // namespace coco::trustee
