// The JSON result file: the stable contract gates and tooling read. from_json is strict (every field,
// right types, summary consistent with the cases) because a gate that trusted a damaged file could pass
// a failed run.
#include <cstdint>
#include <optional>
#include <utility>

#include "internal.h"

namespace coco::reports {

namespace {

using detail::valid_utf8;
using nlohmann::json;

constexpr std::string_view kSchema = "coco-harness/run-report/v1";

// Reads fields top to bottom and keeps only the first problem, so from_json reads like the schema
// instead of a ladder of early returns; getters return a default once an error is recorded.
class FieldReader {
 public:
  const json* find(const json& obj, std::string_view key, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      fail("run report has no `" + path + "`");
      return nullptr;
    }
    return &*it;
  }

  std::string string(const json* v, const std::string& path) {
    if (!check(v, v && v->is_string(), path, "a string")) return {};
    return v->get_ref<const json::string_t&>();
  }
  double number(const json* v, const std::string& path) {
    if (!check(v, v && v->is_number(), path, "a number")) return 0;
    return v->get<double>();
  }
  std::int64_t integer(const json* v, const std::string& path) {
    if (!check(v, v && (v->is_number_integer()), path, "an integer")) return 0;
    if (!v->is_number_unsigned()) return v->get<std::int64_t>();
    const auto u = v->get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  bool boolean(const json* v, const std::string& path) {
    if (!check(v, v && v->is_boolean(), path, "true or false")) return false;
    return v->get<bool>();
  }
  const json* array(const json* v, const std::string& path) {
    return check(v, v && v->is_array(), path, "an array") ? v : nullptr;
  }
  const json* object(const json* v, const std::string& path) {
    return check(v, v && v->is_object(), path, "an object") ? v : nullptr;
  }

  // Field shorthands: obj[key], named prefix + key in messages.
  std::string string(const json& obj, std::string_view key, const std::string& prefix = "") {
    const std::string path = prefix + std::string(key);
    return string(find(obj, key, path), path);
  }
  double number(const json& obj, std::string_view key, const std::string& prefix = "") {
    const std::string path = prefix + std::string(key);
    return number(find(obj, key, path), path);
  }
  std::int64_t integer(const json& obj, std::string_view key, const std::string& prefix = "") {
    const std::string path = prefix + std::string(key);
    return integer(find(obj, key, path), path);
  }
  bool boolean(const json& obj, std::string_view key, const std::string& prefix = "") {
    const std::string path = prefix + std::string(key);
    return boolean(find(obj, key, path), path);
  }
  const json* array(const json& obj, std::string_view key) {
    return array(find(obj, key, std::string(key)), std::string(key));
  }
  const json* object(const json& obj, std::string_view key) {
    return object(find(obj, key, std::string(key)), std::string(key));
  }

  void fail(std::string message) {
    if (!error) error = make_error("reports.invalid", valid_utf8(message));
  }
  bool ok() const { return !error.has_value(); }

  std::optional<Error> error;

 private:
  // False when `v` is absent (already reported) or of the wrong type (reported here).
  bool check(const json* v, bool right_type, const std::string& path, std::string_view expected) {
    if (v == nullptr || !ok()) return false;
    if (right_type) return true;
    fail("run report `" + path + "` must be " + std::string(expected) + ", found " + v->type_name());
    return false;
  }
};

CaseResult read_case(FieldReader& in, const json& c, const std::string& path) {
  CaseResult r;
  if (!c.is_object()) {
    in.fail("run report `" + path + "` must be an object, found " + c.type_name());
    return r;
  }
  const std::string prefix = path + ".";
  r.id = in.string(c, "id", prefix);
  r.suite = in.string(c, "suite", prefix);
  r.title = in.string(c, "title", prefix);
  r.target = in.string(c, "target", prefix);
  r.attester = in.string(c, "attester", prefix);
  const std::string verdict = in.string(c, "verdict", prefix);
  if (in.ok()) {
    auto v = parse_verdict(verdict);
    if (v) {
      r.verdict = *v;
    } else {
      in.fail("run report `" + prefix + "verdict`: " + v.error().message);
    }
  }
  r.reason = in.string(c, "reason", prefix);
  r.duration_s = in.number(c, "duration_s", prefix);
  r.required = in.boolean(c, "required", prefix);
  return r;
}

// The summary is derived, but gates may read it without the cases: a file whose summary disagrees with
// its cases is damaged, not merely stale.
void check_summary(FieldReader& in, const json& j, const RunReport& report) {
  const json* s = in.object(j, "summary");
  if (s == nullptr) return;
  const Summary want = summarize(report);
  const std::pair<std::string_view, int> fields[] = {{"total", want.total},
                                                     {"passed", want.passed},
                                                     {"failed", want.failed},
                                                     {"skipped", want.skipped},
                                                     {"required_failed", want.required_failed}};
  for (const auto& [name, expected] : fields) {
    const std::int64_t got = in.integer(*s, name, "summary.");
    if (in.ok() && got != expected) {
      in.fail("run report `summary." + std::string(name) + "` is " + std::to_string(got) +
              " but the cases give " + std::to_string(expected));
    }
  }
  const bool ok = in.boolean(*s, "ok", "summary.");
  if (in.ok() && ok != want.ok()) {
    in.fail(std::string("run report `summary.ok` is ") + (ok ? "true" : "false") + " but the cases give " +
            (want.ok() ? "true" : "false"));
  }
}

Result<RunReport> read_report(const json& j) {
  if (!j.is_object()) {
    return make_error("reports.invalid",
                      std::string("run report must be a JSON object, found ") + j.type_name());
  }
  FieldReader in;
  RunReport report;
  const std::string schema = in.string(j, "schema");
  if (in.ok() && schema != kSchema) {
    in.fail("run report `schema` is \"" + schema + "\", expected \"" + std::string(kSchema) + "\"");
  }
  report.target = in.string(j, "target");
  if (const json* a = in.array(j, "attesters")) {
    for (std::size_t i = 0; i < a->size() && in.ok(); ++i) {
      report.attesters.push_back(in.string(&(*a)[i], "attesters[" + std::to_string(i) + "]"));
    }
  }
  if (const json* v = in.object(j, "versions")) {
    for (const auto& [tool, version] : v->items()) {
      if (!in.ok()) break;
      report.versions[tool] = in.string(&version, "versions." + tool);
    }
  }
  report.started_at = in.string(j, "started_at");
  report.duration_s = in.number(j, "duration_s");
  if (const json* cases = in.array(j, "cases")) {
    for (std::size_t i = 0; i < cases->size() && in.ok(); ++i) {
      report.cases.push_back(read_case(in, (*cases)[i], "cases[" + std::to_string(i) + "]"));
    }
  }
  if (in.ok()) check_summary(in, j, report);
  if (in.error) return *in.error;
  return report;
}

}  // namespace

json to_json(const RunReport& report) {
  // Strings are made valid UTF-8 here, not at dump time, so every caller's dump() is safe.
  json attesters = json::array();
  for (const auto& a : report.attesters) attesters.push_back(valid_utf8(a));
  json versions = json::object();
  for (const auto& [tool, version] : report.versions) versions[valid_utf8(tool)] = valid_utf8(version);
  json cases = json::array();
  for (const auto& c : report.cases) {
    json jc = json::object();
    jc["id"] = valid_utf8(c.id);
    jc["suite"] = valid_utf8(c.suite);
    jc["title"] = valid_utf8(c.title);
    jc["target"] = valid_utf8(c.target);
    jc["attester"] = valid_utf8(c.attester);
    jc["verdict"] = verdict_name(c.verdict);
    jc["reason"] = valid_utf8(c.reason);
    // NaN would be written as null, which from_json (rightly) rejects.
    jc["duration_s"] = detail::finite_or_zero(c.duration_s);
    jc["required"] = c.required;
    cases.push_back(std::move(jc));
  }
  const Summary s = summarize(report);
  json summary = json::object();
  summary["total"] = s.total;
  summary["passed"] = s.passed;
  summary["failed"] = s.failed;
  summary["skipped"] = s.skipped;
  summary["required_failed"] = s.required_failed;
  summary["ok"] = s.ok();

  json j = json::object();
  j["schema"] = kSchema;
  j["target"] = valid_utf8(report.target);
  j["attesters"] = std::move(attesters);
  j["versions"] = std::move(versions);
  j["started_at"] = valid_utf8(report.started_at);
  j["duration_s"] = detail::finite_or_zero(report.duration_s);
  j["summary"] = std::move(summary);
  j["cases"] = std::move(cases);
  return j;
}

Result<RunReport> from_json(const nlohmann::json& j) {
  // The reader checks every type before get<>, so this only guards against surprises in nlohmann itself.
  try {
    return read_report(j);
  } catch (const nlohmann::json::exception& e) {
    return make_error("reports.invalid", std::string("run report: ") + e.what());
  }
}

}  // namespace coco::reports
