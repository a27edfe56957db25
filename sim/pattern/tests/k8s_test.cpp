// Kubernetes manifests as the pattern's charts render them: kinds kept and skipped, Deployment templates,
// Secret encodings, YAML written back, and the errors odd YAML gets.
#include "pattern/k8s.h"

#include <gtest/gtest.h>

using namespace coco;
using namespace coco::pattern;

namespace {

// kbs-access (pattern.md 1.7) with its Route and Service, as one rendered chart.
constexpr const char* kKbsAccess = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: kbsref
  namespace: kbs-access
data:
  FILEPATH: "/output/kbsres1.txt"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: secure
  namespace: kbs-access
  labels: {app: secure-deployment}
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: secure
      annotations:
        peerpods: "true"
        coco.io/initdata-configmap: initdata
    spec:
      runtimeClassName: kata-remote
      initContainers:
      - name: curl
        image: registry.access.redhat.com/ubi9/ubi:latest
        command: ["/bin/sh", "-c"]
        args:
        - curl -s http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3 > /output/kbsres1.txt
      containers:
      - name: python-access
        image: ghcr.io/butler54/kbs-access-app:latest
        env:
        - name: FILEPATH
          valueFrom:
            configMapKeyRef: {name: kbsref, key: FILEPATH}
        - name: PROTECTED_SECRET
          valueFrom:
            secretKeyRef:
              name: sealed-secret
              key: secret
        - name: PLAIN
          value: "1"
---
apiVersion: v1
kind: Service
metadata:
  name: secure
spec:
  ports: [{port: 5000}]
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: secure
---
apiVersion: v1
kind: Secret
metadata:
  name: sealed-secret
  namespace: kbs-access
data:
  secret: c2VhbGVkLmZha2Vqd3NoZWFkZXI=
  both: YmFzZTY0
stringData:
  both: plain
)";

std::string expect_error(std::string_view yaml) {
  auto r = parse_manifests(yaml);
  EXPECT_FALSE(r) << yaml;
  if (r) return {};
  EXPECT_EQ(r.error().code, "pattern.manifest_invalid");
  return r.error().message;
}

}  // namespace

TEST(PatternK8s, ParsesAChartsOutput) {
  auto objs = parse_manifests(kKbsAccess);
  ASSERT_TRUE(objs) << objs.error().message;
  ASSERT_EQ(objs->size(), 3u);  // Service and Route skipped

  const auto& cm = std::get<ConfigMap>((*objs)[0]);
  EXPECT_EQ(cm.meta.name, "kbsref");
  EXPECT_EQ(cm.meta.ns, "kbs-access");
  EXPECT_EQ(cm.data.at("FILEPATH"), "/output/kbsres1.txt");

  const auto& pod = std::get<Pod>((*objs)[1]);
  EXPECT_EQ(pod.meta.name, "secure");
  EXPECT_EQ(pod.meta.ns, "kbs-access");
  EXPECT_EQ(pod.meta.labels, (std::map<std::string, std::string>{{"app", "secure"}}));  // the template's
  EXPECT_EQ(pod.meta.annotations.at("coco.io/initdata-configmap"), "initdata");
  EXPECT_EQ(pod.meta.annotations.at("peerpods"), "true");
  EXPECT_EQ(pod.runtime_class, "kata-remote");
  ASSERT_EQ(pod.init_containers.size(), 1u);
  EXPECT_EQ(pod.init_containers[0].command, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(pod.init_containers[0].args.at(0),
            "curl -s http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3 > /output/kbsres1.txt");
  ASSERT_EQ(pod.containers.size(), 1u);
  const auto& env = pod.containers[0].env;
  ASSERT_EQ(env.size(), 3u);
  EXPECT_EQ(env[0].config_map_key_ref, (std::pair<std::string, std::string>{"kbsref", "FILEPATH"}));
  EXPECT_EQ(env[1].secret_key_ref, (std::pair<std::string, std::string>{"sealed-secret", "secret"}));
  EXPECT_FALSE(env[1].config_map_key_ref);
  EXPECT_EQ(env[2].value, "1");

  const auto& secret = std::get<Secret>((*objs)[2]);
  EXPECT_EQ(secret.data.at("secret"), "sealed.fakejwsheader");
  EXPECT_EQ(secret.data.at("both"), "plain");
}

TEST(PatternK8s, DefaultsAndEmptyDocuments) {
  auto objs = parse_manifests("---\n---\nkind: Pod\nmetadata:\n  name: p\n---\n# only a comment\n");
  ASSERT_TRUE(objs) << objs.error().message;
  ASSERT_EQ(objs->size(), 1u);
  const auto& pod = std::get<Pod>((*objs)[0]);
  EXPECT_EQ(pod.meta.ns, "default");
  EXPECT_TRUE(pod.containers.empty());
  auto none = parse_manifests("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(PatternK8s, YamlRoundTrip) {
  auto objs = parse_manifests(kKbsAccess);
  ASSERT_TRUE(objs);
  ConfigMap cm = std::get<ConfigMap>((*objs)[0]);
  cm.meta.labels["coco.io/type"] = "initdata";
  cm.data["policy.rego"] = "package agent_policy\n\ndefault X := true\n  indented: \"quoted\"\ttab\n";
  cm.data["no-newline"] = "  leading and trailing  ";
  cm.data["yes"] = "true";  // stays a string
  for (const std::string& text :
       {to_yaml(cm), to_yaml(std::get<Pod>((*objs)[1])), to_yaml(std::get<Secret>((*objs)[2]))}) {
    auto back = parse_manifests(text);
    ASSERT_TRUE(back) << back.error().message << "\n" << text;
    ASSERT_EQ(back->size(), 1u);
  }
  auto cm_back = parse_manifests(to_yaml(cm));
  const auto& c2 = std::get<ConfigMap>(cm_back->at(0));
  EXPECT_EQ(c2.data, cm.data);
  EXPECT_EQ(c2.meta.labels, cm.meta.labels);
  EXPECT_EQ(c2.meta.ns, "kbs-access");

  const Pod& pod = std::get<Pod>((*objs)[1]);
  const Pod p2 = std::get<Pod>(parse_manifests(to_yaml(pod))->at(0));
  EXPECT_EQ(p2.meta.annotations, pod.meta.annotations);
  EXPECT_EQ(p2.runtime_class, pod.runtime_class);
  EXPECT_EQ(p2.init_containers[0].args, pod.init_containers[0].args);
  EXPECT_EQ(p2.containers[0].env[1].secret_key_ref, pod.containers[0].env[1].secret_key_ref);
  EXPECT_EQ(p2.containers[0].env[0].config_map_key_ref, pod.containers[0].env[0].config_map_key_ref);
  EXPECT_EQ(p2.containers[0].env[2].value, "1");

  const Secret& s = std::get<Secret>((*objs)[2]);
  const std::string sy = to_yaml(s);
  EXPECT_NE(sy.find("c2VhbGVkLmZha2Vqd3NoZWFkZXI="), std::string::npos) << sy;
  EXPECT_EQ(std::get<Secret>(parse_manifests(sy)->at(0)).data, s.data);
}

TEST(PatternK8s, ErrorsNameDocumentAndField) {
  EXPECT_EQ(expect_error("kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\ndata:\n  k: [1, 2]\n"),
            "document 2: data.k: expected a string, got a sequence");
  EXPECT_EQ(expect_error("kind: Pod\nmetadata:\n  name: {a: b}\n"),
            "document 1: metadata.name: expected a string, got a mapping");
  EXPECT_EQ(expect_error("kind: Pod\nspec:\n  containers: {a: b}\n"),
            "document 1: spec.containers: expected a sequence, got a mapping");
  EXPECT_EQ(
      expect_error(
          "kind: Pod\nspec:\n  containers:\n  - name: c\n    env:\n    - name: x\n      valueFrom: 3\n"),
      "document 1: spec.containers[0].env[0].valueFrom: expected a mapping, got a scalar");
  EXPECT_EQ(expect_error("kind: Deployment\nspec:\n  template: []\n"),
            "document 1: spec.template: expected a mapping, got a sequence");
  EXPECT_EQ(
      expect_error("kind: Deployment\nspec:\n  template:\n    spec:\n      initContainers:\n      - 7\n"),
      "document 1: spec.template.spec.initContainers[0]: expected a mapping, got a scalar");
  EXPECT_EQ(expect_error("kind: Secret\ndata:\n  k: '***'\n"), "document 1: data.k: not base64");
  EXPECT_EQ(expect_error("- just\n- a list\n"), "document 1: (document): expected a mapping, got a sequence");
  EXPECT_EQ(expect_error("kind: [Pod]\n"), "document 1: kind: expected a string, got a sequence");
  const std::string not_yaml = expect_error("kind: Pod\nmetadata: {name: a\n");
  EXPECT_EQ(not_yaml.rfind("not YAML: ", 0), 0u) << not_yaml;
}

TEST(PatternK8s, Bounds) {
  EXPECT_EQ(expect_error(std::string(kMaxManifestBytes + 1, ' ')),
            "manifest is 4194305 bytes, over the 4 MiB limit");
  std::string many;
  for (std::size_t i = 0; i <= kMaxManifestObjects; ++i) many += "---\nkind: ConfigMap\n";
  EXPECT_EQ(expect_error(many), "more than 1000 objects in one manifest");
  // yaml-cpp's LoadAll alone would loop forever on these.
  EXPECT_EQ(expect_error(","),
            "not YAML: nothing parses at line 1, column 1 (a ',' outside any flow collection?)");
  EXPECT_EQ(expect_error("kind: Pod\n---\n, x"),
            "not YAML: nothing parses at line 3, column 1 (a ',' outside any flow collection?)");
  std::string docs;
  for (int i = 0; i < 10001; ++i) docs += "---\n";
  EXPECT_EQ(expect_error(docs), "more than 10000 YAML documents");
  // Aliases expanding a small text into millions of values.
  std::string bomb = "kind: Pod\nx:\n  a: &e {name: v, value: '" + std::string(1000, 'v') + "'}\n  b: &l [";
  for (int i = 0; i < 2000; ++i) bomb += "*e, ";
  bomb += "*e]\n  c: &c {name: c, env: *l}\nspec:\n  containers: [";
  for (int i = 0; i < 2000; ++i) bomb += "*c, ";
  bomb += "*c]\n";
  const std::string bomb_error = expect_error(bomb);
  EXPECT_EQ(bomb_error.rfind("document 1: spec.containers[", 0), 0u) << bomb_error;
  EXPECT_NE(
      bomb_error.find(": the manifest expands to more than 200000 values or 16 MiB of text (YAML aliases?)"),
      std::string::npos)
      << bomb_error;
  // Deep nesting is refused by yaml-cpp's depth guard, not a stack overflow.
  const std::string deep = "kind: Pod\nx: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_EQ(expect_error(deep).rfind("not YAML: ", 0), 0u);
}
