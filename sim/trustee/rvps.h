// The Reference Value Provider Service, as Trustee's built-in RVPS behaves: it takes registration
// messages ({"version","type":"sample","payload":"<base64 of {name: value}>"}), stores one
// {version, name, expiration, value} record per name (expiration = registration time + 12 months), and
// answers queries by name with the stored value, without enforcing the expiration. With a LocalJson
// file (the validated pattern's reference-values.json: a JSON list of those records) the store is loaded
// at construction and the whole file is rewritten, atomically, after every change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coco::trustee {

struct ReferenceValue {
  std::string version = "0.1.0";
  std::string name;
  std::string expiration;  // "%Y-%m-%dT%H:%M:%SZ"
  nlohmann::json value;
};

// The LocalJson file format: a JSON list of {"name","expiration","value"[,"version"]}. The record form of
// earlier RVPS versions, {"name","expired","hash-value":[{"alg","value"}]}, is read too (value becomes the
// list of hash values). Error: trustee.rvps_file_invalid, naming the entry and the field.
Result<std::vector<ReferenceValue>> parse_reference_values_json(std::string_view json_text);
// Compact JSON list, fields in Trustee's order (version, name, expiration, value).
std::string serialize_reference_values_json(const std::vector<ReferenceValue>& values);

// "%Y-%m-%dT%H:%M:%SZ" for a Unix time; and the expiration the sample extractor gives a value registered
// at now_unix: the same time of day, 12 calendar months later (29 February becomes 28 February).
std::string rvps_format_time(std::int64_t unix_seconds);
std::string rvps_expiration_for(std::int64_t now_unix);
// Parses "%Y-%m-%dT%H:%M:%SZ"; nullopt if the text is not exactly that.
std::optional<std::int64_t> rvps_parse_time(std::string_view text);

class Rvps {
 public:
  explicit Rvps(std::optional<std::filesystem::path> local_json_file = std::nullopt);

  // A problem met at construction (the file exists but is not a reference-values list, or cannot be
  // created). While it stands, changes stay in memory and the file is never overwritten.
  Status load_error() const;

  // Errors: trustee.rvps_message_invalid (not JSON / missing or mistyped fields / payload not base64 of a
  // JSON object), trustee.rvps_version_unmatched ("Version unmatched! Need 0.1.0, given X."),
  // trustee.rvps_type_unsupported (swid, corim, in_toto, anything but sample), trustee.storage_failed
  // (the LocalJson file could not be written; the values are kept in memory).
  Status register_message(std::string_view message_json, std::int64_t now_unix);

  void set(ReferenceValue rv);         // insert or replace by name; persists when file-backed
  Status store(ReferenceValue rv);     // the same, reporting a failed write (trustee.storage_failed)
  bool remove(std::string_view name);  // true if it was there
  std::optional<nlohmann::json> query(std::string_view name) const;  // the value; expiration not enforced
  std::optional<ReferenceValue> get(std::string_view name) const;
  std::vector<ReferenceValue> all() const;  // in insertion order
  // name -> value for every record not yet expired at now_unix: what Trustee's get_digests feeds to
  // policies that read data.reference (current policies use query_reference_value instead).
  nlohmann::json unexpired_values(std::int64_t now_unix) const;

 private:
  Status upsert_locked(ReferenceValue rv);
  Status persist_locked() const;

  std::optional<std::filesystem::path> file_;
  Status load_status_ = ok_status();
  mutable std::shared_mutex mu_;
  std::vector<ReferenceValue> values_;
};

}  // namespace coco::trustee
