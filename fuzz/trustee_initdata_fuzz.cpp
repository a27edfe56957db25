// Fuzz target: the small Trustee parsers that take request bodies and paths, all on the same input:
//   parse_initdata_toml (the init-data of an RCAR Attestation) and, when it parses, initdata_digest,
//     pad_or_truncate and initdata_claims: raw is the input byte for byte, the digest has the algorithm's
//     size, the claims are an object that serializes (the EAR token embeds it), every data entry is there
//     as its string except cdh.toml / aa.toml (parsed) and policy.rego (replaced by agent_policy_claims
//     exactly when that key appears);
//   parse_resource_path: accepts exactly three segments matching ^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*$ (checked
//     here independently, both ways), and localfs_file_name of an accepted path has no '/' and maps back;
//   Rvps::register_message on a fresh in-memory Rvps: errors carry one of the documented codes; on success
//     every stored record is version 0.1.0 with the expiration for the fixed clock, query() returns its
//     value, and the LocalJson serialization parses back to the same records;
//   parse_reference_values_json (the LocalJson file): what parses re-serializes and re-parses the same.
// Nothing may throw or crash. Seeds: fuzz/run.sh trustee_initdata writes init-data, paths and RVPS messages.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "trustee/initdata.h"
#include "trustee/resource_store.h"
#include "trustee/rvps.h"

namespace {

using namespace coco;
using namespace coco::trustee;

constexpr std::int64_t kNow = 1'800'000'000;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "trustee_initdata_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

void check_initdata(std::string_view text) {
  auto id = parse_initdata_toml(text);
  if (!id) {
    const std::string& c = id.error().code;
    if (c != "trustee.initdata_invalid" && c != "trustee.initdata_algorithm_unsupported")
      fail("error code", c);
    return;
  }
  if (id->raw != text) fail("raw is not the input");
  const Bytes d = initdata_digest(*id);
  const std::size_t want = id->algorithm == InitDataAlg::sha256   ? 32
                           : id->algorithm == InitDataAlg::sha384 ? 48
                                                                  : 64;
  if (d.size() != want) fail("digest size");
  if (pad_or_truncate(d, 32).size() != 32 || pad_or_truncate(d, 48).size() != 48)
    fail("pad_or_truncate size");
  if (initdata_alg_name(id->algorithm).empty()) fail("algorithm name");

  const nlohmann::json claims = initdata_claims(*id);
  if (!claims.is_object()) fail("claims are not an object");
  std::string dumped;
  try {
    dumped = claims.dump();
  } catch (const std::exception& e) {
    fail("claims do not serialize:", e.what());
  }
  const bool policy_extracted = id->data.count("policy.rego") && !claims.contains("policy.rego");
  if (policy_extracted && !claims.contains("agent_policy_claims"))
    fail("policy.rego removed, no agent_policy_claims");
  for (const auto& [k, v] : id->data) {
    if (k == "policy.rego" && policy_extracted) continue;
    if (k == "agent_policy_claims" && policy_extracted) continue;
    if (!claims.contains(k)) fail("data entry missing from claims", k);
    if (k == "cdh.toml" || k == "aa.toml") {
      if (!claims[k].is_object() && claims[k] != v) fail("cdh/aa.toml neither parsed nor kept", k);
    } else if (claims[k] != v) {
      fail("data entry changed in claims", k);
    }
  }
}

bool segment_ok(std::string_view s) {
  if (s.empty() || s[0] == '.') return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void check_resource_path(std::string_view text) {
  const auto a = text.find('/');
  const auto b = a == std::string_view::npos ? a : text.find('/', a + 1);
  const bool valid = b != std::string_view::npos && text.find('/', b + 1) == std::string_view::npos &&
                     segment_ok(text.substr(0, a)) && segment_ok(text.substr(a + 1, b - a - 1)) &&
                     segment_ok(text.substr(b + 1));
  auto p = parse_resource_path(text);
  if (p.ok() != valid) fail(valid ? "valid resource path refused" : "invalid resource path accepted", text);
  if (!p) {
    if (p.error().code != "trustee.invalid_resource_path") fail("resource path error code", p.error().code);
    return;
  }
  if ((*p)[0] + "/" + (*p)[1] + "/" + (*p)[2] != text) fail("segments do not rejoin to the path");
  std::string name = localfs_file_name(text);
  if (name.find('/') != std::string::npos) fail("localfs file name has a '/'", name);
  for (std::size_t pos = name.find("\\x2F"); pos != std::string::npos; pos = name.find("\\x2F", pos + 1)) {
    name.replace(pos, 4, "/");
  }
  if (name != text) fail("localfs file name does not map back", name);
}

bool same_records(const std::vector<ReferenceValue>& a, const std::vector<ReferenceValue>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].version != b[i].version || a[i].name != b[i].name || a[i].expiration != b[i].expiration ||
        a[i].value != b[i].value) {
      return false;
    }
  }
  return true;
}

void check_rvps(std::string_view text) {
  Rvps rvps;
  auto st = rvps.register_message(text, kNow);
  if (!st) {
    const std::string& c = st.error().code;
    if (c != "trustee.rvps_message_invalid" && c != "trustee.rvps_version_unmatched" &&
        c != "trustee.rvps_type_unsupported") {
      fail("rvps error code", c);
    }
    if (!rvps.all().empty()) fail("a refused message stored values");
    return;
  }
  const std::string expiration = rvps_expiration_for(kNow);
  const auto all = rvps.all();
  for (const auto& rv : all) {
    if (rv.version != "0.1.0" || rv.expiration != expiration) fail("record version or expiration", rv.name);
    if (rvps.query(rv.name) != rv.value) fail("query does not return the value", rv.name);
  }
  std::string serialized;
  try {
    serialized = serialize_reference_values_json(all);
  } catch (const std::exception& e) {
    fail("stored values do not serialize:", e.what());
  }
  auto back = parse_reference_values_json(serialized);
  if (!back || !same_records(*back, all)) fail("LocalJson round trip", serialized);
}

void check_reference_values_file(std::string_view text) {
  auto values = parse_reference_values_json(text);
  if (!values) {
    if (values.error().code != "trustee.rvps_file_invalid") fail("rvps file error code", values.error().code);
    return;
  }
  std::string serialized;
  try {
    serialized = serialize_reference_values_json(*values);
  } catch (const std::exception& e) {
    fail("parsed values do not serialize:", e.what());
  }
  auto back = parse_reference_values_json(serialized);
  if (!back || !same_records(*back, *values)) fail("LocalJson file round trip", serialized);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_initdata(text);
    check_resource_path(text);
    check_rvps(text);
    check_reference_values_file(text);
  } catch (const std::exception& e) {
    fail("exception:", e.what());
  }
  return 0;
}
