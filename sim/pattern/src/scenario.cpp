// Scenario files (pattern/scenario.h).
#include "pattern/scenario.h"

#include <yaml-cpp/yaml.h>

#include "core/bytes.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "pattern/embedded_scenario.h"

namespace coco::pattern {
namespace {

constexpr std::size_t kMaxScenarioFile = 4 << 20;

Error invalid(const std::string& key, const std::string& why) {
  return Error{"pattern.scenario_invalid", "scenario: " + key + ": " + why};
}

// A referenced file: from the scenario's directory, or for the built-in scenario from the compiled-in copy.
Result<std::string> read_referenced(const std::filesystem::path& base_dir, const std::string& rel,
                                    const std::string& key) {
  if (base_dir.empty()) {
    for (const auto& [path, text] : embedded::kScenarioFiles) {
      if (path == rel) return std::string(text);
    }
    return invalid(key, "no built-in file " + rel);
  }
  const std::filesystem::path p =
      std::filesystem::path(rel).is_absolute() ? std::filesystem::path(rel) : base_dir / rel;
  auto text = read_file(p);
  if (!text) return invalid(key, "cannot read " + p.string() + ": " + text.error().message);
  if (text.value().size() > kMaxScenarioFile) return invalid(key, p.string() + " is larger than 4 MiB");
  return to_string(text.value());
}

Result<std::string> scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) return invalid(key, "expected a string");
  return n.as<std::string>();
}

// "chart" (or absent) -> nullopt; anything else is a file to read.
Result<std::optional<std::string>> chart_or_file(const YAML::Node& n, const std::string& key,
                                                 const std::filesystem::path& base_dir) {
  if (!n) return std::optional<std::string>();
  auto v = scalar(n, key);
  if (!v) return v.error();
  if (v.value() == "chart") return std::optional<std::string>();
  auto text = read_referenced(base_dir, v.value(), key);
  if (!text) return text.error();
  return std::optional<std::string>(std::move(text).value());
}

Result<Scenario> parse(const YAML::Node& root, const std::filesystem::path& base_dir) {
  Scenario s;
  if (!root.IsMap()) return invalid("(top level)", "expected a map");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    static const char* known[] = {"name",     "cluster", "cloud_conf", "values",   "azure",
                                  "initdata", "trustee", "secrets",    "manifests"};
    if (std::find(std::begin(known), std::end(known), key) == std::end(known))
      return invalid(key,
                     "unknown key (known: name, cluster, cloud_conf, values, azure, initdata, trustee, "
                     "secrets, manifests)");
  }
  if (root["name"]) {
    auto v = scalar(root["name"], "name");
    if (!v) return v.error();
    s.name = v.value();
  }
  if (const YAML::Node c = root["cluster"]) {
    if (!c.IsMap()) return invalid("cluster", "expected a map");
    if (c["name"]) {
      auto v = scalar(c["name"], "cluster.name");
      if (!v) return v.error();
      s.cluster_name = v.value();
    }
    if (c["location"]) {
      auto v = scalar(c["location"], "cluster.location");
      if (!v) return v.error();
      s.location = v.value();
    }
  }
  if (root["cloud_conf"]) {
    auto v = scalar(root["cloud_conf"], "cloud_conf");
    if (!v) return v.error();
    auto text = read_referenced(base_dir, v.value(), "cloud_conf");
    if (!text) return text.error();
    s.cloud_conf_json = text.value();
  }
  if (const YAML::Node v = root["values"]) {
    if (!v.IsMap()) return invalid("values", "expected a map");
    if (v["securityPolicyFlavour"]) {
      auto f = scalar(v["securityPolicyFlavour"], "values.securityPolicyFlavour");
      if (!f) return f.error();
      if (f.value() != "insecure" && f.value() != "signed" && f.value() != "reject")
        return invalid("values.securityPolicyFlavour", "expected insecure, signed or reject");
      s.security_policy_flavour = f.value();
    }
    if (const YAML::Node a = v["azure"]) {
      if (!a.IsMap()) return invalid("values.azure", "expected a map");
      if (a["defaultVMFlavour"]) {
        auto f = scalar(a["defaultVMFlavour"], "values.azure.defaultVMFlavour");
        if (!f) return f.error();
        s.default_vm_flavour = f.value();
      }
      if (a["VMFlavours"]) {
        auto f = scalar(a["VMFlavours"], "values.azure.VMFlavours");
        if (!f) return f.error();
        s.vm_flavours = f.value();
      }
    }
  }
  if (const YAML::Node a = root["azure"]) {
    if (!a.IsMap()) return invalid("azure", "expected a map");
    try {
      if (a["nat_gateway"]) s.nat_gateway = a["nat_gateway"].as<bool>();
      if (a["provisioning_delay_ms"]) s.provisioning_delay_ms = a["provisioning_delay_ms"].as<int>();
      if (const YAML::Node q = a["quota"]) {
        if (!q.IsMap()) return invalid("azure.quota", "expected a map of family: cores");
        for (const auto& kv : q) s.quota[kv.first.as<std::string>()] = kv.second.as<int>();
      }
      if (const YAML::Node u = a["unavailable_sizes"]) {
        if (!u.IsSequence()) return invalid("azure.unavailable_sizes", "expected a list of sizes");
        for (const auto& n : u) s.unavailable_sizes.push_back(n.as<std::string>());
      }
    } catch (const YAML::Exception& e) {
      return invalid("azure", std::string("wrong type: ") + e.what());
    }
    if (s.provisioning_delay_ms < 0 || s.provisioning_delay_ms > 60000)
      return invalid("azure.provisioning_delay_ms", "expected 0..60000");
  }
  if (const YAML::Node i = root["initdata"]) {
    if (!i.IsMap()) return invalid("initdata", "expected a map of ConfigMap name: template or file");
    s.initdata.clear();
    for (const auto& kv : i) {
      const std::string name = kv.first.as<std::string>();
      auto v = scalar(kv.second, "initdata." + name);
      if (!v) return v.error();
      if (v.value() == "pattern-secure" || v.value() == "pattern-debug") {
        s.initdata[name] = v.value();
      } else {
        auto text = read_referenced(base_dir, v.value(), "initdata." + name);
        if (!text) return text.error();
        s.initdata[name] = text.value();
      }
    }
  }
  if (const YAML::Node t = root["trustee"]) {
    if (!t.IsMap()) return invalid("trustee", "expected a map");
    auto ap = chart_or_file(t["attestation_policy"], "trustee.attestation_policy", base_dir);
    if (!ap) return ap.error();
    s.attestation_policy = ap.value();
    auto rp = chart_or_file(t["resource_policy"], "trustee.resource_policy", base_dir);
    if (!rp) return rp.error();
    s.resource_policy = rp.value();
    auto rv = chart_or_file(t["reference_values"], "trustee.reference_values", base_dir);
    if (!rv) return rv.error();
    s.reference_values = rv.value();
  }
  if (const YAML::Node sec = root["secrets"]) {
    if (!sec.IsMap()) return invalid("secrets", "expected a map of secret: {key: value}");
    for (const auto& kv : sec) {
      const std::string name = kv.first.as<std::string>();
      if (!kv.second.IsMap()) return invalid("secrets." + name, "expected a map of key: value");
      for (const auto& kv2 : kv.second) {
        auto v = scalar(kv2.second, "secrets." + name + "." + kv2.first.as<std::string>());
        if (!v) return v.error();
        s.secrets[name][kv2.first.as<std::string>()] = v.value();
      }
    }
  }
  if (const YAML::Node m = root["manifests"]) {
    if (!m.IsSequence()) return invalid("manifests", "expected a list of files");
    for (const auto& n : m) {
      auto v = scalar(n, "manifests");
      if (!v) return v.error();
      auto text = read_referenced(base_dir, v.value(), "manifests");
      if (!text) return text.error();
      s.manifests.push_back(text.value());
    }
  }
  return s;
}

}  // namespace

Result<Scenario> parse_scenario(std::string_view yaml_text, const std::filesystem::path& base_dir) {
  if (yaml_text.size() > kMaxScenarioFile) return invalid("(file)", "larger than 4 MiB");
  try {
    return parse(YAML::Load(std::string(yaml_text)), base_dir);
  } catch (const YAML::Exception& e) {
    return invalid("(file)", std::string("not YAML: ") + e.what());
  }
}

std::string generated_secret(const std::string& seed, const std::string& name) {
  return hex_encode(sha256(as_bytes(seed + "/secret/" + name))).substr(0, 32);
}

Scenario default_scenario() {
  for (const auto& [path, text] : embedded::kScenarioFiles) {
    if (path == "simple.yaml") {
      auto s = parse_scenario(text, {});
      if (s) return std::move(s).value();
    }
  }
  return Scenario{};  // unreachable: the build embeds simple.yaml and a test parses it
}

Result<Scenario> load_scenario(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return invalid("(file)", "cannot read " + file.string() + ": " + text.error().message);
  const std::filesystem::path dir =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  auto s = parse_scenario(to_string(text.value()), dir);
  if (!s) return s.error();
  s.value().file = file;
  return s;
}

}  // namespace coco::pattern
