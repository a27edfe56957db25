// Init-data TOML: parse, digest, claims (Trustee attestation-service parse_init_data and
// extract_policy_data).
#include "trustee/initdata.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "core/hash.h"
#include "core/json_text.h"
#include "toml_support.h"

namespace coco::trustee {
namespace {

constexpr const char* kInvalid = "trustee.initdata_invalid";
constexpr const char* kUnsupported = "trustee.initdata_algorithm_unsupported";

HashAlg hash_alg(InitDataAlg a) {
  switch (a) {
    case InitDataAlg::sha256:
      return HashAlg::sha256;
    case InitDataAlg::sha384:
      return HashAlg::sha384;
    case InitDataAlg::sha512:
      return HashAlg::sha512;
  }
  return HashAlg::sha256;
}

template <typename T>
std::string toml_text(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

nlohmann::json to_json(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: {
      nlohmann::json obj = nlohmann::json::object();
      for (auto&& [k, v] : *n.as_table()) obj[std::string(k.str())] = to_json(v);
      return obj;
    }
    case toml::node_type::array: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& v : *n.as_array()) arr.push_back(to_json(v));
      return arr;
    }
    case toml::node_type::string:
      return n.as_string()->get();
    case toml::node_type::integer:
      return n.as_integer()->get();
    case toml::node_type::floating_point: {
      const double d = n.as_floating_point()->get();
      if (!std::isfinite(d)) return nullptr;  // serde_json turns NaN and infinities into null
      return d;
    }
    case toml::node_type::boolean:
      return n.as_boolean()->get();
    case toml::node_type::date:
      return toml_text(n.as_date()->get());
    case toml::node_type::time:
      return toml_text(n.as_time()->get());
    case toml::node_type::date_time:
      return toml_text(n.as_date_time()->get());
    default:
      return nullptr;
  }
}

// Trustee extract_policy_data: from the `{` of the first "policy_data := {" to the end of the text,
// parsed as exactly one JSON value.
std::optional<nlohmann::json> extract_policy_data(std::string_view rego) {
  constexpr std::string_view kStart = "policy_data := {";
  const auto at = rego.find(kStart);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view json_text = rego.substr(at + kStart.size() - 1);
  nlohmann::json v = parse_json_limited(json_text);
  if (v.is_discarded()) return std::nullopt;
  return v;
}

}  // namespace

std::string_view initdata_alg_name(InitDataAlg alg) {
  switch (alg) {
    case InitDataAlg::sha256:
      return "sha256";
    case InitDataAlg::sha384:
      return "sha384";
    case InitDataAlg::sha512:
      return "sha512";
  }
  return "?";
}

Result<InitData> parse_initdata_toml(std::string_view toml_text) {
  auto parsed = parse_toml_document(toml_text, "init-data", kInvalid);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;

  InitData out;
  out.raw = std::string(toml_text);

  const toml::node* version = root.get("version");
  if (version == nullptr)
    return make_error(kInvalid, "init-data has no `version` (write version = \"0.1.0\")");
  if (!version->is_string())
    return make_error(kInvalid, "init-data `version` must be a string such as \"0.1.0\", found " +
                                    std::string(toml_type_name(*version)));
  out.version = version->as_string()->get();

  const toml::node* alg = root.get("algorithm");
  if (alg == nullptr)
    return make_error(kInvalid, "init-data has no `algorithm` (write \"sha256\", \"sha384\" or \"sha512\")");
  if (!alg->is_string())
    return make_error(kInvalid,
                      "init-data `algorithm` must be a string, found " + std::string(toml_type_name(*alg)));
  const std::string& a = alg->as_string()->get();
  if (a == "sha256") {
    out.algorithm = InitDataAlg::sha256;
  } else if (a == "sha384") {
    out.algorithm = InitDataAlg::sha384;
  } else if (a == "sha512") {
    out.algorithm = InitDataAlg::sha512;
  } else if (a == "sm3") {
    return make_error(kUnsupported,
                      "init-data algorithm \"sm3\" is accepted by Trustee but this simulator has no SM3 "
                      "implementation; use \"sha256\", \"sha384\" or \"sha512\"");
  } else {
    std::string hint;
    std::string lower = a;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    lower.erase(std::remove(lower.begin(), lower.end(), '-'), lower.end());
    if (lower == "sha256" || lower == "sha384" || lower == "sha512")
      hint = " (Trustee's parser takes lowercase names without a dash: write \"" + lower + "\")";
    return make_error(kUnsupported, "init-data algorithm \"" + a +
                                        "\" is not supported; use \"sha256\", \"sha384\" or \"sha512\"" +
                                        hint);
  }

  const toml::node* data = root.get("data");
  if (data == nullptr) return make_error(kInvalid, "init-data has no [data] table");
  const toml::table* table = data->as_table();
  if (table == nullptr)
    return make_error(
        kInvalid, "init-data `data` must be a table of strings, found " + std::string(toml_type_name(*data)));
  for (auto&& [k, v] : *table) {
    const auto* s = v.as_string();
    if (s == nullptr)
      return make_error(kInvalid, "init-data `data.\"" + std::string(k.str()) +
                                      "\"` must be a string, found " + std::string(toml_type_name(v)));
    out.data.emplace(std::string(k.str()), s->get());
  }
  return out;
}

Bytes initdata_digest(const InitData& initdata) {
  return digest(hash_alg(initdata.algorithm), as_bytes(initdata.raw));
}

Bytes pad_or_truncate(ByteView digest_bytes, std::size_t size) {
  Bytes out(size, 0);
  std::copy_n(digest_bytes.begin(), std::min(size, digest_bytes.size()), out.begin());
  return out;
}

nlohmann::json initdata_claims(const InitData& initdata) {
  nlohmann::json claims = nlohmann::json::object();
  for (const auto& [k, v] : initdata.data) claims[k] = v;

  for (const char* key : {"cdh.toml", "aa.toml"}) {
    const auto it = initdata.data.find(key);
    if (it == initdata.data.end()) continue;
    try {
      const toml::table parsed = toml::parse(it->second);
      claims[key] = to_json(parsed);
    } catch (const std::exception&) {
      // Not TOML: Trustee leaves the string as it is.
    }
  }

  const auto rego = initdata.data.find("policy.rego");
  if (rego != initdata.data.end()) {
    if (auto policy_data = extract_policy_data(rego->second)) {
      claims.erase("policy.rego");
      claims["agent_policy_claims"] = std::move(*policy_data);
    }
  }
  return claims;
}

}  // namespace coco::trustee
