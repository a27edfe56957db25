// Built-in RVPS: message handling (rvps/src/lib.rs verify_and_extract, the sample extractor) and the
// LocalJson list store.
#include "trustee/rvps.h"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "core/bytes.h"
#include "core/encoding.h"
#include "core/json_text.h"

namespace coco::trustee {
namespace {

constexpr const char* kMessageVersion = "0.1.0";

std::optional<nlohmann::json> parse_json(std::string_view text) {
  nlohmann::json v = parse_json_limited(text);
  if (v.is_discarded()) return std::nullopt;
  return v;
}

Error file_error(std::size_t index, const std::string& what) {
  return make_error(
      "trustee.rvps_file_invalid",
      "reference values entry " + std::to_string(index) + ": " + what +
          " (each entry is {\"name\": ..., \"expiration\": \"YYYY-MM-DDTHH:MM:SSZ\", \"value\": ...})");
}

using Days = std::chrono::sys_days;

}  // namespace

std::string rvps_format_time(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{unix_seconds}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{tp - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string rvps_expiration_for(std::int64_t now_unix) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{now_unix}};
  const auto day = floor<days>(tp);
  const auto time_of_day = tp - day;
  year_month_day ymd{day};
  year_month_day next = ymd + years{1};
  if (!next.ok()) next = year_month_day{next.year() / next.month() / last};  // 29 Feb -> 28 Feb
  const sys_seconds out = Days{next} + time_of_day;
  return rvps_format_time(out.time_since_epoch().count());
}

std::optional<std::int64_t> rvps_parse_time(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SSZ, exactly.
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
      t[19] != 'Z')
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const auto tp = Days{ymd} + hours{h} + minutes{mi} + seconds{s};
  return static_cast<std::int64_t>(duration_cast<seconds>(tp.time_since_epoch()).count());
}

Result<std::vector<ReferenceValue>> parse_reference_values_json(std::string_view json_text) {
  auto doc = parse_json(json_text);
  if (!doc) return make_error("trustee.rvps_file_invalid", "reference values file is not valid JSON");
  if (!doc->is_array())
    return make_error(
        "trustee.rvps_file_invalid",
        "reference values file must be a JSON list of {\"name\", \"expiration\", \"value\"} objects");
  std::vector<ReferenceValue> out;
  for (std::size_t i = 0; i < doc->size(); ++i) {
    const nlohmann::json& e = (*doc)[i];
    if (!e.is_object()) return file_error(i, "not an object");
    ReferenceValue rv;
    if (auto it = e.find("version"); it != e.end()) {
      if (!it->is_string()) return file_error(i, "`version` must be a string");
      rv.version = it->get<std::string>();
    }
    const auto name = e.find("name");
    if (name == e.end() || !name->is_string()) return file_error(i, "`name` must be a string");
    rv.name = name->get<std::string>();

    const bool legacy = !e.contains("expiration") && e.contains("expired");
    const auto exp = e.find(legacy ? "expired" : "expiration");
    if (exp == e.end() || !exp->is_string()) return file_error(i, "`expiration` must be a string");
    rv.expiration = exp->get<std::string>();
    if (!rvps_parse_time(rv.expiration))
      return file_error(i, "`expiration` \"" + rv.expiration + "\" is not in the form YYYY-MM-DDTHH:MM:SSZ");

    if (legacy) {
      const auto hv = e.find("hash-value");
      if (hv == e.end() || !hv->is_array()) return file_error(i, "`hash-value` must be a list");
      rv.value = nlohmann::json::array();
      for (const auto& pair : *hv) {
        if (!pair.is_object() || !pair.contains("value") || !pair["value"].is_string())
          return file_error(i, "each `hash-value` item must be {\"alg\": ..., \"value\": \"...\"}");
        rv.value.push_back(pair["value"]);
      }
    } else {
      const auto v = e.find("value");
      if (v == e.end()) return file_error(i, "`value` is missing");
      rv.value = *v;
    }
    out.push_back(std::move(rv));
  }
  return out;
}

std::string serialize_reference_values_json(const std::vector<ReferenceValue>& values) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& rv : values) {
    nlohmann::ordered_json e;
    e["version"] = rv.version;
    e["name"] = rv.name;
    e["expiration"] = rv.expiration;
    e["value"] = nlohmann::ordered_json(rv.value);  // keys stay sorted, as in serde_json's Map
    list.push_back(std::move(e));
  }
  // Strings set through the API may hold bytes that are not UTF-8: replace them rather than throw.
  return list.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Rvps::Rvps(std::optional<std::filesystem::path> local_json_file) : file_(std::move(local_json_file)) {
  if (!file_) return;
  std::error_code ec;
  if (!std::filesystem::exists(*file_, ec)) {
    // Trustee's LocalJson creates the parent directory and an empty list.
    auto w = write_file(*file_, as_bytes("[]"));
    if (!w)
      load_status_ = make_error("trustee.storage_failed", "cannot create reference values file " +
                                                              file_->string() + ": " + w.error().message);
    return;
  }
  auto bytes = read_file(*file_);
  if (!bytes) {
    load_status_ = bytes.error();
    return;
  }
  auto parsed = parse_reference_values_json(to_string(*bytes));
  if (!parsed) {
    load_status_ = make_error(parsed.error().code, file_->string() + ": " + parsed.error().message);
    return;
  }
  // Later entries with the same name replace earlier ones.
  for (auto& rv : *parsed) {
    bool replaced = false;
    for (auto& existing : values_) {
      if (existing.name == rv.name) {
        existing = rv;
        replaced = true;
      }
    }
    if (!replaced) values_.push_back(std::move(rv));
  }
}

Status Rvps::load_error() const {
  return load_status_;
}

Status Rvps::persist_locked() const {
  if (!file_) return ok_status();
  if (!load_status_.ok())
    return make_error("trustee.storage_failed",
                      "not writing " + file_->string() +
                          " because it could not be loaded: " + load_status_.error().message);
  auto w = write_file(*file_, as_bytes(serialize_reference_values_json(values_)));
  if (!w) return make_error("trustee.storage_failed", w.error().message);
  return ok_status();
}

Status Rvps::upsert_locked(ReferenceValue rv) {
  bool replaced = false;
  for (auto& existing : values_) {
    if (existing.name == rv.name) {
      existing = rv;
      replaced = true;
      break;
    }
  }
  if (!replaced) values_.push_back(std::move(rv));
  return ok_status();
}

Status Rvps::store(ReferenceValue rv) {
  std::unique_lock lock(mu_);
  (void)upsert_locked(std::move(rv));
  return persist_locked();
}

void Rvps::set(ReferenceValue rv) {
  (void)store(std::move(rv));
}

bool Rvps::remove(std::string_view name) {
  std::unique_lock lock(mu_);
  for (auto it = values_.begin(); it != values_.end(); ++it) {
    if (it->name == name) {
      values_.erase(it);
      (void)persist_locked();
      return true;
    }
  }
  return false;
}

Status Rvps::register_message(std::string_view message_json, std::int64_t now_unix) {
  auto msg = parse_json(message_json);
  if (!msg || !msg->is_object())
    return make_error("trustee.rvps_message_invalid",
                      "reference value message is not a JSON object; send {\"version\": \"0.1.0\", \"type\": "
                      "\"sample\", \"payload\": \"<base64 of {name: value}>\"}");
  std::string version = kMessageVersion;
  if (auto it = msg->find("version"); it != msg->end()) {
    if (!it->is_string())
      return make_error("trustee.rvps_message_invalid", "message `version` must be a string");
    version = it->get<std::string>();
  }
  const auto payload = msg->find("payload");
  if (payload == msg->end() || !payload->is_string())
    return make_error("trustee.rvps_message_invalid", "message `payload` is missing or not a string");
  const auto type = msg->find("type");
  if (type == msg->end() || !type->is_string())
    return make_error("trustee.rvps_message_invalid", "message `type` is missing or not a string");

  if (version != kMessageVersion)
    return make_error("trustee.rvps_version_unmatched",
                      "Version unmatched! Need " + std::string(kMessageVersion) + ", given " + version + ".");

  const std::string t = type->get<std::string>();
  if (t != "sample") {
    if (t == "swid" || t == "corim" || t == "in_toto" || t == "in-toto")
      return make_error(
          "trustee.rvps_type_unsupported",
          "provenance type \"" + t +
              "\" is a Trustee extractor this simulator does not implement; register values with "
              "type \"sample\"");
    return make_error("trustee.rvps_type_unsupported",
                      "provenance type \"" + t + "\" is not known; use \"sample\"");
  }

  // Sample extractor: base64 STANDARD (padded, canonical) of a JSON object {name: value}.
  const std::string b64 = payload->get<std::string>();
  auto decoded = base64_decode(b64);
  if (!decoded || b64.size() % 4 != 0 || base64_encode(*decoded) != b64)
    return make_error("trustee.rvps_message_invalid",
                      "sample payload is not standard padded base64 (alphabet A-Z a-z 0-9 + /, '=' padding)");
  auto provenance = parse_json(to_string(*decoded));
  if (!provenance || !provenance->is_object())
    return make_error("trustee.rvps_message_invalid",
                      "sample payload must decode to a JSON object {\"<name>\": <value>, ...}");

  const std::string expiration = rvps_expiration_for(now_unix);
  std::unique_lock lock(mu_);
  for (auto& [name, value] : provenance->items()) {
    ReferenceValue rv;
    rv.name = name;
    rv.expiration = expiration;
    rv.value = value;
    (void)upsert_locked(std::move(rv));
  }
  return persist_locked();
}

std::optional<nlohmann::json> Rvps::query(std::string_view name) const {
  std::shared_lock lock(mu_);
  for (const auto& rv : values_)
    if (rv.name == name) return rv.value;
  return std::nullopt;
}

std::optional<ReferenceValue> Rvps::get(std::string_view name) const {
  std::shared_lock lock(mu_);
  for (const auto& rv : values_)
    if (rv.name == name) return rv;
  return std::nullopt;
}

std::vector<ReferenceValue> Rvps::all() const {
  std::shared_lock lock(mu_);
  return values_;
}

nlohmann::json Rvps::unexpired_values(std::int64_t now_unix) const {
  std::shared_lock lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& rv : values_) {
    const auto exp = rvps_parse_time(rv.expiration);
    if (exp && *exp < now_unix) continue;  // expired once the expiration time has passed
    out[rv.name] = rv.value;
  }
  return out;
}

}  // namespace coco::trustee
