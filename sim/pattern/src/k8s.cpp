#include "pattern/k8s.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <exception>
#include <sstream>

#include "core/encoding.h"

namespace coco::pattern {
namespace {

// Internal only: a bad field unwinds to parse_manifests, which turns it into an Error naming the document.
struct FieldError {
  std::string field, why;
};

const char* type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "null";
  }
}

// The child `key` of a mapping, or an undefined node when n is not a mapping or has no such key.
YAML::Node child(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : n) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool absent(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull();
}

// Aliases let a 4 MiB text name the same node millions of times (and a long string as often); the parse
// stops once it has copied this much, rather than expanding them all.
constexpr std::size_t kMaxScalars = 200'000;
constexpr std::size_t kMaxScalarBytes = 16u << 20;
thread_local std::size_t scalars_seen = 0, scalar_bytes_seen = 0;

void count(const std::string& field, std::size_t bytes) {
  scalar_bytes_seen += bytes;
  if (++scalars_seen > kMaxScalars || scalar_bytes_seen > kMaxScalarBytes)
    throw FieldError{field,
                     "the manifest expands to more than 200000 values or 16 MiB of text (YAML aliases?)"};
}

std::string scalar(const YAML::Node& n, const std::string& field) {
  if (absent(n)) return {};
  if (!n.IsScalar()) throw FieldError{field, std::string("expected a string, got ") + type_name(n)};
  count(field, n.Scalar().size());
  return n.Scalar();
}

const YAML::Node& need_map(const YAML::Node& n, const std::string& field) {
  if (!n.IsMap()) throw FieldError{field, std::string("expected a mapping, got ") + type_name(n)};
  return n;
}

std::map<std::string, std::string> string_map(const YAML::Node& n, const std::string& field) {
  std::map<std::string, std::string> out;
  if (absent(n)) return out;
  need_map(n, field);
  for (const auto& kv : n) {
    const std::string key = scalar(kv.first, field + " key");
    out[key] = scalar(kv.second, field + "." + key);
  }
  return out;
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& field) {
  std::vector<std::string> out;
  if (absent(n)) return out;
  if (!n.IsSequence()) throw FieldError{field, std::string("expected a sequence, got ") + type_name(n)};
  for (std::size_t i = 0; i < n.size(); ++i)
    out.push_back(scalar(n[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

ObjectMeta parse_meta(const YAML::Node& n, const std::string& field) {
  ObjectMeta m;
  if (absent(n)) return m;
  need_map(n, field);
  m.name = scalar(child(n, "name"), field + ".name");
  const std::string ns = scalar(child(n, "namespace"), field + ".namespace");
  if (!ns.empty()) m.ns = ns;
  m.labels = string_map(child(n, "labels"), field + ".labels");
  m.annotations = string_map(child(n, "annotations"), field + ".annotations");
  return m;
}

std::optional<std::pair<std::string, std::string>> key_ref(const YAML::Node& n, const std::string& field) {
  if (absent(n)) return std::nullopt;
  need_map(n, field);
  return std::make_pair(scalar(child(n, "name"), field + ".name"), scalar(child(n, "key"), field + ".key"));
}

std::vector<Container> parse_containers(const YAML::Node& n, const std::string& field) {
  std::vector<Container> out;
  if (absent(n)) return out;
  if (!n.IsSequence()) throw FieldError{field, std::string("expected a sequence, got ") + type_name(n)};
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    count(f, 0);
    const YAML::Node c = need_map(n[i], f);
    Container k;
    k.name = scalar(child(c, "name"), f + ".name");
    k.image = scalar(child(c, "image"), f + ".image");
    k.command = string_list(child(c, "command"), f + ".command");
    k.args = string_list(child(c, "args"), f + ".args");
    const YAML::Node env = child(c, "env");
    if (!absent(env)) {
      if (!env.IsSequence())
        throw FieldError{f + ".env", std::string("expected a sequence, got ") + type_name(env)};
      for (std::size_t j = 0; j < env.size(); ++j) {
        const std::string ef = f + ".env[" + std::to_string(j) + "]";
        count(ef, 0);
        const YAML::Node e = need_map(env[j], ef);
        EnvVar v;
        v.name = scalar(child(e, "name"), ef + ".name");
        v.value = scalar(child(e, "value"), ef + ".value");
        const YAML::Node from = child(e, "valueFrom");
        if (!absent(from)) {
          need_map(from, ef + ".valueFrom");
          v.secret_key_ref = key_ref(child(from, "secretKeyRef"), ef + ".valueFrom.secretKeyRef");
          v.config_map_key_ref = key_ref(child(from, "configMapKeyRef"), ef + ".valueFrom.configMapKeyRef");
        }
        k.env.push_back(std::move(v));
      }
    }
    out.push_back(std::move(k));
  }
  return out;
}

void parse_pod_spec(Pod& pod, const YAML::Node& spec, const std::string& field) {
  if (absent(spec)) return;
  need_map(spec, field);
  pod.runtime_class = scalar(child(spec, "runtimeClassName"), field + ".runtimeClassName");
  pod.init_containers = parse_containers(child(spec, "initContainers"), field + ".initContainers");
  pod.containers = parse_containers(child(spec, "containers"), field + ".containers");
}

std::optional<Object> parse_document(const YAML::Node& doc) {
  if (absent(doc)) return std::nullopt;
  need_map(doc, "(document)");
  const std::string kind = scalar(child(doc, "kind"), "kind");
  if (kind == "ConfigMap") {
    ConfigMap cm;
    cm.meta = parse_meta(child(doc, "metadata"), "metadata");
    cm.data = string_map(child(doc, "data"), "data");
    return cm;
  }
  if (kind == "Secret") {
    Secret s;
    s.meta = parse_meta(child(doc, "metadata"), "metadata");
    for (const auto& [k, v] : string_map(child(doc, "data"), "data")) {
      auto decoded = base64_decode(v);
      if (!decoded) throw FieldError{"data." + k, "not base64"};
      s.data[k] = to_string(*decoded);
    }
    for (const auto& [k, v] : string_map(child(doc, "stringData"), "stringData")) s.data[k] = v;
    return s;
  }
  if (kind == "Pod") {
    Pod p;
    p.meta = parse_meta(child(doc, "metadata"), "metadata");
    parse_pod_spec(p, child(doc, "spec"), "spec");
    return p;
  }
  if (kind == "Deployment") {
    Pod p;
    const ObjectMeta dep = parse_meta(child(doc, "metadata"), "metadata");
    const YAML::Node spec = child(doc, "spec");
    if (!absent(spec)) need_map(spec, "spec");
    const YAML::Node tmpl = child(spec, "template");
    if (!absent(tmpl)) need_map(tmpl, "spec.template");
    p.meta = parse_meta(child(tmpl, "metadata"), "spec.template.metadata");
    p.meta.name = dep.name;
    p.meta.ns = dep.ns;
    parse_pod_spec(p, child(tmpl, "spec"), "spec.template.spec");
    return p;
  }
  return std::nullopt;  // Service, Route, ...: not the simulation's business
}

// yaml-cpp 0.7's LoadAll never returns on a stray top-level ',' (its parser yields empty documents at the
// same position forever, allocating until the process dies). This pass walks the event stream first and
// stops there, or after too many documents; only then is the text loaded into nodes.
constexpr std::size_t kMaxYamlDocuments = 10'000;

class DocumentWatch : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> last_start, stalled_at;
  void OnDocumentStart(const YAML::Mark& m) override {
    if (last_start && last_start->pos == m.pos) stalled_at = m;
    last_start = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
  }
  void OnMapEnd() override {}
};

// Throws YAML::Exception for malformed YAML; returns an error message for the cases LoadAll would not
// survive.
std::optional<std::string> precheck_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentWatch watch;
  for (std::size_t docs = 0; parser.HandleNextDocument(watch);) {
    if (watch.stalled_at)
      return "not YAML: nothing parses at line " + std::to_string(watch.stalled_at->line + 1) + ", column " +
             std::to_string(watch.stalled_at->column + 1) + " (a ',' outside any flow collection?)";
    if (++docs > kMaxYamlDocuments)
      return "more than " + std::to_string(kMaxYamlDocuments) + " YAML documents";
  }
  return std::nullopt;
}

void emit_meta(YAML::Emitter& out, const ObjectMeta& m) {
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << m.name;
  out << YAML::Key << "namespace" << YAML::Value << m.ns;
  for (const auto& [key, map] : {std::pair{"labels", &m.labels}, std::pair{"annotations", &m.annotations}}) {
    if (map->empty()) continue;
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : *map) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_string_data(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& data,
                      bool base64) {
  if (data.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : data) {
    out << YAML::Key << k << YAML::Value;
    if (base64) {
      out << base64_encode(as_bytes(v));
    } else {  // double-quoted escapes newlines: a literal block would need chomping indicators to round-trip
      out << YAML::DoubleQuoted << v;
    }
  }
  out << YAML::EndMap;
}

void emit_containers(YAML::Emitter& out, const char* key, const std::vector<Container>& cs) {
  if (cs.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const Container& c : cs) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name;
    out << YAML::Key << "image" << YAML::Value << c.image;
    for (const auto& [k, list] : {std::pair{"command", &c.command}, std::pair{"args", &c.args}}) {
      if (list->empty()) continue;
      out << YAML::Key << k << YAML::Value << YAML::BeginSeq;
      for (const auto& s : *list) out << YAML::DoubleQuoted << s;
      out << YAML::EndSeq;
    }
    if (!c.env.empty()) {
      out << YAML::Key << "env" << YAML::Value << YAML::BeginSeq;
      for (const EnvVar& e : c.env) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << e.name;
        const auto* ref = e.secret_key_ref       ? &e.secret_key_ref
                          : e.config_map_key_ref ? &e.config_map_key_ref
                                                 : nullptr;
        if (ref) {
          out << YAML::Key << "valueFrom" << YAML::Value << YAML::BeginMap;
          out << YAML::Key << (e.secret_key_ref ? "secretKeyRef" : "configMapKeyRef") << YAML::Value
              << YAML::BeginMap;
          out << YAML::Key << "name" << YAML::Value << (*ref)->first << YAML::Key << "key" << YAML::Value
              << (*ref)->second;
          out << YAML::EndMap << YAML::EndMap;
        } else {
          out << YAML::Key << "value" << YAML::Value << YAML::DoubleQuoted << e.value;
        }
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

std::string finish(YAML::Emitter& out) {
  std::string s = out.c_str();
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

}  // namespace

Result<std::vector<Object>> parse_manifests(std::string_view yaml_text) {
  if (yaml_text.size() > kMaxManifestBytes)
    return make_error("pattern.manifest_invalid",
                      "manifest is " + std::to_string(yaml_text.size()) + " bytes, over the 4 MiB limit");
  std::vector<YAML::Node> docs;
  try {
    const std::string text(yaml_text);
    if (auto why = precheck_documents(text)) return make_error("pattern.manifest_invalid", *why);
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return make_error("pattern.manifest_invalid", std::string("not YAML: ") + e.what());
  } catch (const std::exception& e) {
    return make_error("pattern.manifest_invalid", std::string("not YAML: ") + e.what());
  }
  scalars_seen = scalar_bytes_seen = 0;
  std::vector<Object> out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string where = "document " + std::to_string(i + 1);
    try {
      auto obj = parse_document(docs[i]);
      if (!obj) continue;
      if (out.size() == kMaxManifestObjects)
        return make_error("pattern.manifest_invalid",
                          "more than " + std::to_string(kMaxManifestObjects) + " objects in one manifest");
      out.push_back(std::move(*obj));
    } catch (const FieldError& e) {
      return make_error("pattern.manifest_invalid", where + ": " + e.field + ": " + e.why);
    } catch (const std::exception& e) {  // yaml-cpp conversion errors on odd nodes
      return make_error("pattern.manifest_invalid", where + ": " + e.what());
    }
  }
  return out;
}

std::string to_yaml(const ConfigMap& cm) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "ConfigMap";
  emit_meta(out, cm.meta);
  emit_string_data(out, "data", cm.data, false);
  out << YAML::EndMap;
  return finish(out);
}

std::string to_yaml(const Secret& s) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Secret";
  emit_meta(out, s.meta);
  out << YAML::Key << "type" << YAML::Value << "Opaque";
  emit_string_data(out, "data", s.data, true);
  out << YAML::EndMap;
  return finish(out);
}

std::string to_yaml(const Pod& p) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Pod";
  emit_meta(out, p.meta);
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  if (!p.runtime_class.empty()) out << YAML::Key << "runtimeClassName" << YAML::Value << p.runtime_class;
  emit_containers(out, "initContainers", p.init_containers);
  if (p.containers.empty()) {
    out << YAML::Key << "containers" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  } else {
    emit_containers(out, "containers", p.containers);
  }
  out << YAML::EndMap << YAML::EndMap;
  return finish(out);
}

}  // namespace coco::pattern
