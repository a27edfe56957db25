// The few Kubernetes objects the pattern simulation handles (ConfigMaps, Secrets, Pods and the Pod template
// of a Deployment), read from the YAML users apply and written back as YAML. Only the fields the pattern's
// init-data plumbing and peer pods look at are modelled: the simulation needs to answer "what does this
// manifest give the peer pod", not to be an API server. Every other kind (Service, Route, ...) is skipped so
// a chart's rendered output can be fed in whole.
//
// Parsing never throws and never trusts node types: a mapping where a string is expected is an error naming
// the document and the field, and the input is bounded (4 MiB, 1000 objects, and at most 200000 values or
// 16 MiB of text after YAML aliases are followed; yaml-cpp's own depth guard handles deep nesting).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace coco::pattern {

struct ObjectMeta {
  std::string name, ns = "default";
  std::map<std::string, std::string> labels, annotations;
};
struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};
// Values decoded: `data` is base64 in YAML, `stringData` plain (stringData wins, as the API server merges).
struct Secret {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};
struct EnvVar {
  std::string name;
  std::string value;
  std::optional<std::pair<std::string, std::string>> secret_key_ref;  // {secret, key}
  std::optional<std::pair<std::string, std::string>> config_map_key_ref;
};
struct Container {
  std::string name, image;
  std::vector<std::string> command, args;
  std::vector<EnvVar> env;
};
struct Pod {
  ObjectMeta meta;
  std::string runtime_class;
  std::vector<Container> init_containers, containers;
};
using Object = std::variant<ConfigMap, Secret, Pod>;

inline constexpr std::size_t kMaxManifestBytes = 4u << 20;
inline constexpr std::size_t kMaxManifestObjects = 1000;

// One or more YAML documents (---). Kinds ConfigMap, Secret, Pod, and Deployment (its spec.template becomes
// a Pod named after the Deployment, namespace from the Deployment, template annotations/labels kept). Other
// kinds are skipped, as are empty documents. Error pattern.manifest_invalid: "document N: <field>: <why>"
// (N counts from 1), or the YAML parser's message with its line, or the size/count limits.
Result<std::vector<Object>> parse_manifests(std::string_view yaml_text);

std::string to_yaml(const ConfigMap&);
std::string to_yaml(const Secret&);  // data base64-encoded, as the API server returns it
std::string to_yaml(const Pod&);

}  // namespace coco::pattern
