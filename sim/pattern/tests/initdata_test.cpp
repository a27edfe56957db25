// The pattern's init-data: templates (parsed by Trustee's rules, policies judged by the rego engine),
// encoding, digests recomputed here from the literal bytes, the imperative ConfigMaps and reference values,
// Kyverno's propagation / injection / audit, and explain on every input form.
#include "pattern/initdata.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/x509.h"
#include "rego/engine.h"
#include "trustee/initdata.h"

using namespace coco;
using namespace coco::pattern;
using namespace std::chrono_literals;

namespace {

std::string test_cert_pem() {
  static const std::string pem = [] {
    Key key = ec_key_from_seed(Curve::p256, as_bytes("pattern-initdata-test"), "kbs");
    CertSpec spec;
    spec.subject = {{"CN", "kbs.apps.hub.example.com"}, {"O", "Pattern Test"}};
    spec.serial = {0x01};
    spec.not_before = std::chrono::system_clock::now() - 24h;
    spec.not_after = std::chrono::system_clock::now() + 24h;
    spec.subject_key = key;
    auto cert = build_cert(spec, key, SigAlg::ecdsa_sha256);
    return cert ? cert->pem() : std::string();
  }();
  return pem;
}

KbsEndpoint endpoint() {
  return {"https://kbs.apps.hub.example.com", test_cert_pem()};
}

std::shared_ptr<const rego::Policy> load_policy(const std::string& text) {
  rego::PolicyBuilder b;
  auto st = b.add_module("policy.rego", text, rego::Dialect::v0);
  EXPECT_TRUE(st) << st.error().message;
  auto p = b.compile();
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : nullptr;
}

std::optional<bool> judge(const rego::Policy& p, const std::string& request, const nlohmann::json& input) {
  auto r = p.eval("data.agent_policy." + request, rego::Value::from_json(input));
  if (!r || !r->has_value()) return std::nullopt;
  return (*r)->as_bool();
}

nlohmann::json exec_input(std::vector<std::string> args) {
  return {{"container_id", "c1"}, {"exec_id", "e1"}, {"process", {{"Args", args}}}};
}

// Inflates with zlib's own gzip decoder, independently of decode_initdata.
std::string zlib_gunzip(const Bytes& gz) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  s.next_in = const_cast<Bytef*>(gz.data());
  s.avail_in = static_cast<uInt>(gz.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

Bytes gzip_bytes(std::string_view data) {
  z_stream s{};
  deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&s, static_cast<uLong>(data.size())) + 64);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

}  // namespace

TEST(PatternInitData, TemplatesParseAsTrusteeDoes) {
  ASSERT_FALSE(test_cert_pem().empty());
  for (auto flavour : {InitDataFlavour::secure, InitDataFlavour::debug}) {
    const std::string toml = render_initdata(endpoint(), flavour, "signed");
    auto id = trustee::parse_initdata_toml(toml);
    ASSERT_TRUE(id) << id.error().message << "\n" << toml;
    EXPECT_EQ(id->version, "0.1.0");
    EXPECT_EQ(id->algorithm, trustee::InitDataAlg::sha256);
    EXPECT_EQ(id->data.size(), 3u);
    EXPECT_EQ(id->data.at("policy.rego"), agent_policy_rego(flavour));
    const nlohmann::json claims = trustee::initdata_claims(*id);
    EXPECT_EQ(claims["aa.toml"]["token_configs"]["kbs"]["url"], "https://kbs.apps.hub.example.com");
    EXPECT_EQ(claims["aa.toml"]["token_configs"]["coco_as"]["url"], "https://kbs.apps.hub.example.com");
    EXPECT_EQ(claims["aa.toml"]["token_configs"]["kbs"]["cert"], test_cert_pem());
    EXPECT_EQ(claims["cdh.toml"]["kbc"]["name"], "cc_kbc");
    EXPECT_EQ(claims["cdh.toml"]["kbc"]["kbs_cert"], test_cert_pem());
    EXPECT_EQ(claims["cdh.toml"]["socket"], "unix:///run/confidential-containers/cdh.sock");
    EXPECT_EQ(claims["cdh.toml"]["image"]["image_security_policy_uri"],
              "kbs:///default/security-policy/signed");
    if (flavour == InitDataFlavour::secure) {
      // Trustee lifts policy_data into agent_policy_claims.
      EXPECT_EQ(claims["agent_policy_claims"]["allowed_commands"].size(), 2u);
    }
  }
  EXPECT_NE(render_initdata(endpoint(), InitDataFlavour::secure).find("security-policy/insecure'"),
            std::string::npos);
}

TEST(PatternInitData, SecurePolicyJudgesExecExactly) {
  auto p = load_policy(agent_policy_rego(InitDataFlavour::secure));
  ASSERT_TRUE(p);
  EXPECT_EQ(judge(*p, "ExecProcessRequest", exec_input({"ls"})), false);
  EXPECT_EQ(
      judge(*p, "ExecProcessRequest",
            exec_input({"curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"})),
      true);
  EXPECT_EQ(
      judge(*p, "ExecProcessRequest",
            exec_input({"curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/random"})),
      true);
  EXPECT_EQ(judge(*p, "ExecProcessRequest",
                  exec_input({"curl", "-s",
                              "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"})),
            false);
  EXPECT_EQ(judge(*p, "ExecProcessRequest",
                  exec_input({"curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status",
                              "-v"})),
            false);
  // One argument holding the whole line joins to the same string: the template's rule allows it too.
  EXPECT_EQ(judge(*p, "ExecProcessRequest",
                  exec_input({"curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"})),
            true);
  EXPECT_EQ(judge(*p, "ExecProcessRequest", nlohmann::json::object()), false);
  EXPECT_EQ(judge(*p, "ReadStreamRequest", nlohmann::json::object()), false);
  EXPECT_EQ(judge(*p, "WriteStreamRequest", nlohmann::json::object()), false);
  EXPECT_EQ(judge(*p, "CreateContainerRequest", nlohmann::json::object()), true);
  EXPECT_EQ(judge(*p, "SetPolicyRequest", nlohmann::json::object()), true);
  EXPECT_EQ(judge(*p, "PullImageRequest", nlohmann::json::object()), true);
}

TEST(PatternInitData, DebugPolicyAllowsEverything) {
  auto p = load_policy(agent_policy_rego(InitDataFlavour::debug));
  ASSERT_TRUE(p);
  EXPECT_EQ(judge(*p, "ExecProcessRequest", exec_input({"ls"})), true);
  EXPECT_EQ(judge(*p, "ExecProcessRequest", exec_input({"sh", "-c", "cat /etc/passwd"})), true);
  for (const char* r :
       {"ReadStreamRequest", "WriteStreamRequest", "CreateContainerRequest", "SetPolicyRequest"})
    EXPECT_EQ(judge(*p, r, nlohmann::json::object()), true) << r;
}

TEST(PatternInitData, CallerPolicyAndAlgorithm) {
  const std::string policy = "package agent_policy\ndefault ExecProcessRequest := false\n";
  const std::string toml = render_initdata_with_policy(endpoint(), policy, "reject", "sha384");
  auto id = trustee::parse_initdata_toml(toml);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->algorithm, trustee::InitDataAlg::sha384);
  EXPECT_EQ(id->data.at("policy.rego"), policy);
  // A policy containing ''' cannot go in a literal string; it still round-trips.
  const std::string odd = "package agent_policy\n# '''quoted''' \"x\" \\n\n";
  auto id2 = trustee::parse_initdata_toml(render_initdata_with_policy(endpoint(), odd));
  ASSERT_TRUE(id2) << id2.error().message;
  EXPECT_EQ(id2->data.at("policy.rego"), odd);
}

TEST(PatternInitData, EncodeIsGzipBase64AndRoundTrips) {
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::secure);
  const std::string value = encode_initdata(toml);
  EXPECT_EQ(value.find_first_of("\n -_"), std::string::npos);
  auto gz = base64_decode(value);
  ASSERT_TRUE(gz);
  ASSERT_GE(gz->size(), 10u);
  EXPECT_EQ((*gz)[0], 0x1f);
  EXPECT_EQ((*gz)[1], 0x8b);
  EXPECT_EQ((*gz)[3] & 0x08, 0) << "FNAME set: gzip read from a pipe writes no name";
  EXPECT_EQ(zlib_gunzip(*gz), toml);
  auto back = decode_initdata(value);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, toml);
  // gzip's output made by zlib at another level, wrapped at 76 columns as `base64` does by default.
  std::string wrapped = base64_encode(gzip_bytes(toml));
  for (std::size_t i = 76; i < wrapped.size(); i += 77) wrapped.insert(i, "\n");
  auto back2 = decode_initdata(wrapped + "\n");
  ASSERT_TRUE(back2) << back2.error().message;
  EXPECT_EQ(*back2, toml);
  // Two concatenated members decode as `gzip -d` does.
  Bytes two = gzip_bytes("algorithm = \"sha256\"\n");
  const Bytes second = gzip_bytes("version = \"0.1.0\"\n");
  two.insert(two.end(), second.begin(), second.end());
  auto back3 = decode_initdata(base64_encode(two));
  ASSERT_TRUE(back3) << back3.error().message;
  EXPECT_EQ(*back3, "algorithm = \"sha256\"\nversion = \"0.1.0\"\n");
}

TEST(PatternInitData, DecodeAcceptsPlainBase64Toml) {
  const std::string toml = "algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n";
  auto back = decode_initdata(base64_encode(as_bytes(toml)));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, toml);
}

TEST(PatternInitData, DecodeErrors) {
  auto expect = [](std::string_view in, const std::string& msg) {
    auto r = decode_initdata(in);
    ASSERT_FALSE(r) << in;
    EXPECT_EQ(r.error().code, "pattern.initdata_encoding");
    EXPECT_EQ(r.error().message, msg);
  };
  expect("  \n", "init-data value is empty");
  expect("algorithm = \"sha256\"",
         "init-data value is not base64 (expected the output of `gzip | base64 -w0`)");
  Bytes gz = gzip_bytes("algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n");
  Bytes corrupt = gz;
  corrupt[12] ^= 0xff;
  corrupt[13] ^= 0xff;
  auto r = decode_initdata(base64_encode(corrupt));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("init-data gzip stream is corrupt: ", 0), 0u) << r.error().message;
  Bytes truncated(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2));
  expect(base64_encode(truncated), "init-data gzip stream is corrupt: truncated");
  Bytes trailing = gz;
  trailing.push_back('x');
  expect(base64_encode(trailing), "init-data gzip stream is corrupt: trailing data after the gzip member");
  // A zip bomb: 2 MiB of zeros compresses to a few KiB.
  expect(base64_encode(gzip_bytes(std::string(2u << 20, '\0'))),
         "init-data decompresses to more than 1 MiB (1048576 bytes); refusing it");
  expect(base64_encode(Bytes((1u << 20) + 1, 'a')),
         "init-data decompresses to more than 1 MiB (1048576 bytes); refusing it");
}

TEST(PatternInitData, DigestsFromLiteralBytes) {
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::debug);
  auto d = initdata_digests(toml);
  ASSERT_TRUE(d) << d.error().message;
  const Bytes raw = sha256(as_bytes(toml));
  Bytes pcr_input(32, 0);
  pcr_input.insert(pcr_input.end(), raw.begin(), raw.end());
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->raw, raw);
  EXPECT_EQ(d->pcr8, sha256(pcr_input));
  EXPECT_EQ(d->snp_host_data, raw);
  Bytes mr = raw;
  mr.resize(48, 0);
  EXPECT_EQ(d->tdx_mr_config_id, mr);

  const std::string t384 =
      render_initdata_with_policy(endpoint(), "package agent_policy\n", "insecure", "sha384");
  auto d384 = initdata_digests(t384);
  ASSERT_TRUE(d384);
  const Bytes raw384 = sha384(as_bytes(t384));
  Bytes in384(32, 0);
  in384.insert(in384.end(), raw384.begin(), raw384.begin() + 32);
  EXPECT_EQ(d384->raw, raw384);
  EXPECT_EQ(d384->pcr8, sha256(in384));
  EXPECT_EQ(d384->snp_host_data, Bytes(raw384.begin(), raw384.begin() + 32));
  EXPECT_EQ(d384->tdx_mr_config_id, raw384);

  auto bad = initdata_digests("version = \"0.1.0\"\nalgorithm = \"sm3\"\n[data]\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "trustee.initdata_algorithm_unsupported");
}

TEST(PatternInitData, ConfigMapKeys) {
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::secure);
  auto cm = initdata_configmap("initdata", toml);
  ASSERT_TRUE(cm) << cm.error().message;
  EXPECT_EQ(cm->meta.name, "initdata");
  EXPECT_EQ(cm->meta.ns, "imperative");
  EXPECT_EQ(cm->meta.labels.at("coco.io/type"), "initdata");
  std::vector<std::string> keys;
  for (const auto& [k, v] : cm->data) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"INITDATA", "PCR8_HASH", "RAW_HASH", "aa.toml", "algorithm",
                                            "cdh.toml", "policy.rego", "version"}));
  EXPECT_EQ(*decode_initdata(cm->data.at("INITDATA")), toml);
  auto d = initdata_digests(toml);
  EXPECT_EQ(cm->data.at("RAW_HASH"), hex_encode(sha256(as_bytes(toml))));
  EXPECT_EQ(cm->data.at("PCR8_HASH"), hex_encode(d->pcr8));
  EXPECT_EQ(cm->data.at("algorithm"), "sha256");
  EXPECT_EQ(cm->data.at("version"), "0.1.0");
  EXPECT_EQ(cm->data.at("policy.rego"), agent_policy_rego(InitDataFlavour::secure));
  EXPECT_TRUE(validate_initdata_configmap(*cm).empty());
  EXPECT_FALSE(initdata_configmap("initdata", "not toml ["));
}

TEST(PatternInitData, RvpsReferenceValues) {
  auto cm = initdata_configmap("initdata", render_initdata(endpoint(), InitDataFlavour::secure));
  auto dbg = initdata_configmap("debug-initdata", render_initdata(endpoint(), InitDataFlavour::debug));
  ASSERT_TRUE(cm && dbg);
  const std::string stash =
      R"({"measurements":{"sha256":{"pcr03":"0xAA03","pcr09":"0x09","pcr11":"0x11","pcr12":"12","pcr04":"0x04"}}})";
  auto rv = rvps_reference_values(*cm, *dbg, stash);
  ASSERT_TRUE(rv) << rv.error().message;
  ASSERT_TRUE(rv->is_array());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& e : *rv) {
    EXPECT_EQ(e["expiration"], "2027-12-12T00:00:00Z");
    by_name[e["name"].get<std::string>()] = e["value"];
  }
  EXPECT_EQ(by_name.size(), 11u);
  const std::string p8 = cm->data.at("PCR8_HASH"), d8 = dbg->data.at("PCR8_HASH");
  EXPECT_EQ(by_name["init_data"], (nlohmann::json{p8, d8, cm->data.at("RAW_HASH") + std::string(32, '0'),
                                                  dbg->data.at("RAW_HASH") + std::string(32, '0')}));
  EXPECT_EQ(by_name["snp_pcr08"], (nlohmann::json{p8, d8}));
  EXPECT_EQ(by_name["tdx_pcr08"], (nlohmann::json{p8, d8}));
  EXPECT_EQ(by_name["snp_pcr03"], nlohmann::json{"aa03"});
  EXPECT_EQ(by_name["tdx_pcr12"], nlohmann::json{"12"});
  EXPECT_EQ(by_name.count("snp_pcr04"), 0u);

  auto not_json = rvps_reference_values(*cm, *dbg, "{");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, "pattern.rvps_input_invalid");
  EXPECT_EQ(not_json.error().message, "pcr-stash is not JSON");
  auto missing = rvps_reference_values(*cm, *dbg, R"({"measurements":{"sha256":{"pcr03":"1"}}})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "pcr-stash has no measurements.sha256.pcr09");
  ConfigMap empty;
  empty.meta.name = "debug-initdata";
  auto no_hash = rvps_reference_values(*cm, empty, stash);
  ASSERT_FALSE(no_hash);
  EXPECT_EQ(no_hash.error().message, "ConfigMap debug-initdata has no PCR8_HASH");
}

TEST(PatternInitData, KyvernoPropagation) {
  auto cm = initdata_configmap("initdata", render_initdata(endpoint(), InitDataFlavour::secure));
  auto dbg = initdata_configmap("debug-initdata", render_initdata(endpoint(), InitDataFlavour::debug));
  ConfigMap unlabelled;
  unlabelled.meta = {"other", "imperative", {}, {}};
  ConfigMap elsewhere = *cm;
  elsewhere.meta.ns = "default";
  auto out = propagate_initdata({*cm, *dbg, unlabelled, elsewhere}, {"hello-openshift", "kbs-access"});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].meta.ns, "hello-openshift");
  EXPECT_EQ(out[0].meta.name, "initdata");
  EXPECT_EQ(out[1].meta.name, "debug-initdata");
  EXPECT_EQ(out[3].meta.ns, "kbs-access");
  EXPECT_EQ(out[3].data, dbg->data);
  EXPECT_EQ(out[3].meta.labels.at("coco.io/type"), "initdata");
}

TEST(PatternInitData, KyvernoInjectionPreconditions) {
  auto cm = initdata_configmap("initdata", render_initdata(endpoint(), InitDataFlavour::secure));
  ASSERT_TRUE(cm);
  ConfigMap in_ns = *cm;
  in_ns.meta.ns = "hello-openshift";
  auto lookup = [&](const std::string& ns, const std::string& name) -> const ConfigMap* {
    return ns == in_ns.meta.ns && name == in_ns.meta.name ? &in_ns : nullptr;
  };
  auto pod = [](std::string rc, std::map<std::string, std::string> ann) {
    Pod p;
    p.meta = {"secure", "hello-openshift", {}, std::move(ann)};
    p.runtime_class = std::move(rc);
    return p;
  };
  for (const char* rc : {"kata", "kata-cc", "kata-remote", "kata-cc-nvidia-gpu"}) {
    Pod p = pod(rc, {{"coco.io/initdata-configmap", "initdata"}});
    auto r = inject_initdata(p, lookup);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, Injection::injected) << rc;
    EXPECT_EQ(p.meta.annotations.at(std::string(kInitDataAnnotation)), cm->data.at("INITDATA"));
  }
  // Other runtime classes (runc, kata-qemu...) are untouched.
  for (const char* rc : {"", "runc", "kata-qemu"}) {
    Pod p = pod(rc, {{"coco.io/initdata-configmap", "initdata"}});
    EXPECT_EQ(*inject_initdata(p, lookup), Injection::not_applicable) << rc;
    EXPECT_EQ(p.meta.annotations.count(std::string(kInitDataAnnotation)), 0u);
  }
  // No or an empty ConfigMap annotation.
  Pod none = pod("kata-remote", {});
  EXPECT_EQ(*inject_initdata(none, lookup), Injection::not_applicable);
  Pod empty = pod("kata-remote", {{"coco.io/initdata-configmap", ""}});
  EXPECT_EQ(*inject_initdata(empty, lookup), Injection::not_applicable);
  // An explicit cc_init_data wins; an empty one is replaced.
  Pod own = pod("kata-remote",
                {{"coco.io/initdata-configmap", "initdata"}, {std::string(kInitDataAnnotation), "MINE"}});
  EXPECT_EQ(*inject_initdata(own, lookup), Injection::kept_explicit);
  EXPECT_EQ(own.meta.annotations.at(std::string(kInitDataAnnotation)), "MINE");
  Pod blank = pod("kata-remote",
                  {{"coco.io/initdata-configmap", "initdata"}, {std::string(kInitDataAnnotation), ""}});
  EXPECT_EQ(*inject_initdata(blank, lookup), Injection::injected);
  // The named ConfigMap is not in the pod's namespace.
  Pod missing = pod("kata-remote", {{"coco.io/initdata-configmap", "debug-initdata"}});
  auto r = inject_initdata(missing, lookup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "pattern.kyverno_context");
  EXPECT_EQ(r.error().message,
            "failed to load context: failed to retrieve config map for context entry initdata: failed to get "
            "configmap hello-openshift/debug-initdata : configmaps \"debug-initdata\" not found");
  // The ConfigMap exists without INITDATA.
  in_ns.data.erase("INITDATA");
  Pod no_key = pod("kata-remote", {{"coco.io/initdata-configmap", "initdata"}});
  auto r2 = inject_initdata(no_key, lookup);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "pattern.kyverno_variable");
  EXPECT_EQ(
      r2.error().message,
      "variable substitution failed: failed to resolve initdata.data.INITDATA at path "
      "/mutate/patchStrategicMerge/metadata/annotations/io.katacontainers.config.hypervisor.cc_init_data "
      "(ConfigMap hello-openshift/initdata has no INITDATA)");
}

TEST(PatternInitData, ValidationViolations) {
  ConfigMap cm;
  cm.meta = {"initdata", "imperative", {{"coco.io/type", "initdata"}}, {}};
  EXPECT_EQ(
      validate_initdata_configmap(cm),
      (std::vector<std::string>{
          "ConfigMap must contain a non-empty version field",
          "ConfigMap must contain an algorithm field with value sha256, sha384, or sha512, found: missing",
          "ConfigMap must contain a non-empty policy.rego field",
          "ConfigMap must contain a non-empty aa.toml field",
          "ConfigMap must contain a non-empty cdh.toml field"}));
  cm.data = {
      {"version", "0.1.0"}, {"algorithm", "sha1"}, {"policy.rego", "x"}, {"aa.toml", "x"}, {"cdh.toml", ""}};
  EXPECT_EQ(validate_initdata_configmap(cm),
            (std::vector<std::string>{
                "ConfigMap must contain an algorithm field with value sha256, sha384, or sha512, found: sha1",
                "ConfigMap must contain a non-empty cdh.toml field"}));
  cm.data["algorithm"] = "sha512";
  cm.data["cdh.toml"] = "y";
  EXPECT_TRUE(validate_initdata_configmap(cm).empty());
  ConfigMap unlabelled;  // not matched by the policy
  EXPECT_TRUE(validate_initdata_configmap(unlabelled).empty());
}

TEST(PatternInitData, ExplainAnnotation) {
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::secure);
  auto e = explain_initdata(encode_initdata(toml) + "\n", std::nullopt);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->source, "annotation");
  EXPECT_EQ(e->toml, toml);
  EXPECT_EQ(e->algorithm, "sha256");
  EXPECT_EQ(e->version, "0.1.0");
  EXPECT_EQ(e->kbs_url, "https://kbs.apps.hub.example.com");
  EXPECT_EQ(e->kbs_cert_subject, "CN=kbs.apps.hub.example.com, O=Pattern Test");
  EXPECT_EQ(e->files.size(), 3u);
  EXPECT_TRUE(e->ignored_keys.empty());
  EXPECT_TRUE(e->notes.empty()) << e->notes.front();
  EXPECT_EQ(e->digests.raw, sha256(as_bytes(toml)));
  EXPECT_FALSE(e->in_reference_values.has_value());
}

TEST(PatternInitData, ExplainToml) {
  const std::string toml =
      "algorithm = \"sha384\"\nversion = \"0.1.0\"\n[data]\n"
      "\"aa.toml\" = '''\n[token_configs.kbs]\nurl = \"https://a.example\"\ncert = \"\"\"not a "
      "cert\"\"\"\n'''\n"
      "\"cdh.toml\" = '''\n[kbc]\nurl = \"https://b.example\"\n'''\n"
      "\"extra.txt\" = \"hello\"\n";
  auto e = explain_initdata(toml, std::nullopt);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->source, "toml");
  EXPECT_EQ(e->kbs_url, "https://a.example");
  EXPECT_EQ(e->ignored_keys, std::vector<std::string>{"extra.txt"});
  const auto has_note = [&](const std::string& prefix) {
    for (const auto& n : e->notes)
      if (n.rfind(prefix, 0) == 0) return true;
    return false;
  };
  EXPECT_TRUE(
      has_note("aa.toml and cdh.toml name different KBS URLs: https://a.example and https://b.example"));
  EXPECT_TRUE(has_note("the KBS certificate does not parse: "));
  EXPECT_TRUE(has_note("no policy.rego: the peer pod keeps the agent policy built into its image"));
  EXPECT_TRUE(has_note("PCR8 covers only the first 32 bytes of the sha384 digest"));

  auto broken = explain_initdata(
      "algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n\"aa.toml\" = \"[unclosed\"\n", std::nullopt);
  ASSERT_TRUE(broken) << broken.error().message;
  EXPECT_EQ(broken->notes, (std::vector<std::string>{
                               "no policy.rego: the peer pod keeps the agent policy built into its image",
                               "aa.toml does not parse as TOML",
                               "no KBS URL in aa.toml [token_configs.kbs] or cdh.toml [kbc]"}));
}

TEST(PatternInitData, ExplainConfigMapAndPeerPodsCm) {
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::debug);
  auto cm = initdata_configmap("debug-initdata", toml);
  ASSERT_TRUE(cm);
  auto e = explain_initdata(to_yaml(*cm), std::nullopt);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->source, "configmap debug-initdata");
  EXPECT_EQ(e->toml, toml);
  EXPECT_TRUE(e->notes.empty()) << e->notes.front();

  ConfigMap stale = *cm;
  stale.data["RAW_HASH"] = std::string(64, '0');
  stale.data["policy.rego"] = "package agent_policy\n";
  auto e2 = explain_initdata(to_yaml(stale), std::nullopt);
  ASSERT_TRUE(e2);
  ASSERT_EQ(e2->notes.size(), 2u);
  EXPECT_EQ(e2->notes[0], "the ConfigMap's RAW_HASH " + std::string(64, '0') +
                              " disagrees with its INITDATA (" + hex_encode(sha256(as_bytes(toml))) + ")");
  EXPECT_EQ(e2->notes[1],
            "the ConfigMap's policy.rego differs from the one inside INITDATA (the peer pod gets the "
            "INITDATA one)");

  // peer-pods-cm with the older, un-gzipped INITDATA.
  ConfigMap ppcm;
  ppcm.meta = {"peer-pods-cm", "openshift-sandboxed-containers-operator", {}, {}};
  ppcm.data = {{"CLOUD_PROVIDER", "azure"}, {"INITDATA", base64_encode(as_bytes(toml))}};
  auto e3 = explain_initdata("---\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\n" + to_yaml(ppcm),
                             std::nullopt);
  ASSERT_TRUE(e3) << e3.error().message;
  EXPECT_EQ(e3->source, "peer-pods-cm");
  EXPECT_EQ(e3->toml, toml);
}

TEST(PatternInitData, ExplainTooLargeForAzureUserData) {
  // 120 KiB of hex digests: gzip halves it at best, base64 (twice, in CAA) grows it past 64 KiB.
  std::string blob;
  for (int i = 0; blob.size() < 120u * 1024u; ++i) blob += hex_encode(sha256(as_bytes(std::to_string(i))));
  const std::string toml =
      "algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n\"policy.rego\" = \"" + blob + "\"\n";
  auto e = explain_initdata(toml, std::nullopt);
  ASSERT_TRUE(e) << e.error().message;
  ASSERT_EQ(e->notes.size(), 2u);
  const std::size_t floor = (encode_initdata(toml).size() + 2) / 3 * 4;
  EXPECT_GT(floor, 65536u);
  EXPECT_EQ(e->notes[0],
            "the encoded init-data alone makes Azure userData " + std::to_string(floor) +
                " bytes: CAA refuses the pod with \"base64 encoded userData is greater than 64KB\"");
}

TEST(PatternInitData, ExplainPodYaml) {
  // What `oc get pod -o yaml` shows after Kyverno injected the annotation.
  const std::string toml = render_initdata(endpoint(), InitDataFlavour::secure);
  Pod pod;
  pod.meta = {"secure", "hello-openshift", {}, {{std::string(kInitDataAnnotation), encode_initdata(toml)}}};
  pod.runtime_class = "kata-remote";
  auto e = explain_initdata(to_yaml(pod), std::nullopt);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->source, "annotation");
  EXPECT_EQ(e->toml, toml);
}

TEST(PatternInitData, ExplainAgainstReferenceValues) {
  auto cm = initdata_configmap("initdata", render_initdata(endpoint(), InitDataFlavour::secure));
  auto dbg = initdata_configmap("debug-initdata", render_initdata(endpoint(), InitDataFlavour::debug));
  auto rv = rvps_reference_values(
      *cm, *dbg, R"({"measurements":{"sha256":{"pcr03":"03","pcr09":"09","pcr11":"11","pcr12":"12"}}})");
  ASSERT_TRUE(rv);
  auto e = explain_initdata(cm->data.at("INITDATA"), *rv);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->in_reference_values, true);
  EXPECT_EQ(e->reference_value_names_matching,
            (std::vector<std::string>{"init_data", "snp_pcr08", "tdx_pcr08"}));
  // The RVPS's own {name: [values]} form, with 0x and upper case.
  nlohmann::json map_form = {{"snp_pcr08", {"0x" + [&] {
                                std::string s = cm->data.at("PCR8_HASH");
                                for (auto& c : s)
                                  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                                return s;
                              }()}}};
  auto e2 = explain_initdata(cm->data.at("INITDATA"), map_form);
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->in_reference_values, true);
  // A changed init-data is not in them.
  const std::string other = render_initdata(endpoint(), InitDataFlavour::secure, "reject");
  auto e3 = explain_initdata(encode_initdata(other), *rv);
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->in_reference_values, false);
  EXPECT_TRUE(e3->reference_value_names_matching.empty());

  const std::string prefix =
      "reference values must be the chart's list of {\"name\",\"value\":[...]} or the RVPS's {name: "
      "[values]} "
      "object: ";
  for (const auto& [rv_json, why] : std::vector<std::pair<std::string, std::string>>{
           {R"([{"value":[]}])", "an entry has no name"},
           {R"([{"name":"snp_pcr08"}])", "entry snp_pcr08 has no value"},
           {R"({"snp_pcr08":{"a":1}})", "values of snp_pcr08 are not a list"},
           {R"({"snp_pcr08":[1]})", "a value of snp_pcr08 is not a string"}}) {
    auto r = explain_initdata(cm->data.at("INITDATA"), nlohmann::json::parse(rv_json));
    ASSERT_FALSE(r) << rv_json;
    EXPECT_EQ(r.error().message, prefix + why);
  }
  auto bad = explain_initdata(cm->data.at("INITDATA"), nlohmann::json(42));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "pattern.reference_values_invalid");
  EXPECT_EQ(bad.error().message,
            "reference values must be the chart's list of {\"name\",\"value\":[...]} or the RVPS's {name: "
            "[values]} "
            "object: got neither a list nor an object");
}

TEST(PatternInitData, ExplainErrors) {
  auto empty = explain_initdata(" \n", std::nullopt);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "input is empty: expected an annotation value, a ConfigMap YAML or an init-data TOML");
  auto cm_only = explain_initdata("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foo\ndata:\n  a: b\n",
                                  std::nullopt);
  ASSERT_FALSE(cm_only);
  EXPECT_EQ(cm_only.error().code, "pattern.initdata_unrecognized");
  EXPECT_EQ(cm_only.error().message, "ConfigMap foo has no INITDATA key");
  auto no_cm = explain_initdata("apiVersion: v1\nkind: Service\nmetadata:\n  name: foo\n", std::nullopt);
  ASSERT_FALSE(no_cm);
  EXPECT_EQ(no_cm.error().message,
            "the YAML has no ConfigMap with INITDATA and no Pod with the "
            "io.katacontainers.config.hypervisor.cc_init_data annotation");
  auto junk = explain_initdata("hello, world!", std::nullopt);
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code, "pattern.initdata_unrecognized");
  EXPECT_EQ(junk.error().message.rfind("input is neither an annotation value (base64), a ConfigMap YAML nor "
                                       "init-data TOML (",
                                       0),
            0u);
  auto bad_b64 = explain_initdata("a", std::nullopt);
  ASSERT_FALSE(bad_b64);
  EXPECT_EQ(bad_b64.error().code, "pattern.initdata_encoding");
}
