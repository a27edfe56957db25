// Init-data: parsing, the digest over the exact bytes, padding, and the init_data_claims transform on
// Trustee's integration-test init-data and the validated pattern's templates.
#include "trustee/initdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.h"
#include "core/test_support.h"

namespace coco::trustee {
namespace {

namespace fs = std::filesystem;

fs::path shared_path(const std::string& rel) {
  return coco::test::shared_dir() / rel;  // $COCO_SHARED_DIR overrides the build-time path
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

#define REQUIRE_SHARED(path)                                                    \
  do {                                                                          \
    if (!fs::exists(path)) GTEST_SKIP() << "shared data not found: " << (path); \
  } while (0)

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

const char* kSmall = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = '''\n'''\n";

TEST(InitData, ParsesAndHashesExactBytes) {
  auto r = parse_initdata_toml(kSmall);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->version, "0.1.0");
  EXPECT_EQ(r->algorithm, InitDataAlg::sha256);
  EXPECT_EQ(r->data, (std::map<std::string, std::string>{{"aa.toml", ""}}));
  EXPECT_EQ(r->raw, kSmall);
  EXPECT_EQ(hex_encode(initdata_digest(*r)),
            "14015d135b1ec83282d1bc6958f920efc1fb2d89943fcc7f1f219eb53d18106c");

  // The same document with CRLF line ends parses to the same data but hashes differently: no
  // canonicalisation.
  const std::string crlf = replace_all(kSmall, "\n", "\r\n");
  auto c = parse_initdata_toml(crlf);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->data, r->data);
  EXPECT_EQ(hex_encode(initdata_digest(*c)),
            "7e502b63d652595601034e4ff9be327db3cb106db8e26c1ad70f38a0c9edaf5d");

  auto s384 = parse_initdata_toml(replace_all(kSmall, "sha256", "sha384"));
  ASSERT_TRUE(s384.ok());
  EXPECT_EQ(s384->algorithm, InitDataAlg::sha384);
  EXPECT_EQ(initdata_alg_name(s384->algorithm), "sha384");
  EXPECT_EQ(
      hex_encode(initdata_digest(*s384)),
      "3a35586b042d9114d6af2e99283ce5c7ccb8553ee92d63bdf25a98defafb337e2fc8d5525829a44b11a839d8cced30e8");
  auto s512 = parse_initdata_toml(replace_all(kSmall, "sha256", "sha512"));
  ASSERT_TRUE(s512.ok());
  EXPECT_EQ(hex_encode(initdata_digest(*s512)),
            "5653983743f70f6699e495435d29ddbe89aaee5da144668470d977057bb4f9b9d37a4b12eb44646cbe51b8723e4f243e"
            "590ad2803d2fee"
            "6f781b8d64a9bc733c");
}

TEST(InitData, PadOrTruncate) {
  const Bytes d = {1, 2, 3, 4};
  EXPECT_EQ(pad_or_truncate(d, 6), (Bytes{1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(pad_or_truncate(d, 4), d);
  EXPECT_EQ(pad_or_truncate(d, 2), (Bytes{1, 2}));
  EXPECT_EQ(pad_or_truncate(d, 0), Bytes{});
  EXPECT_EQ(pad_or_truncate(Bytes{}, 3), (Bytes{0, 0, 0}));
  auto r = parse_initdata_toml(kSmall);
  ASSERT_TRUE(r.ok());
  const Bytes digest = initdata_digest(*r);
  const Bytes mr_config_id = pad_or_truncate(digest, 48);  // TDX
  EXPECT_EQ(
      hex_encode(mr_config_id),
      "14015d135b1ec83282d1bc6958f920efc1fb2d89943fcc7f1f219eb53d18106c00000000000000000000000000000000");
}

TEST(InitData, Errors) {
  struct Case {
    std::string toml;
    std::string code;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n", "trustee.initdata_invalid", "no [data] table"},
      {"algorithm = \"sha256\"\n[data]\n", "trustee.initdata_invalid", "no `version`"},
      {"version = 1\nalgorithm = \"sha256\"\n[data]\n", "trustee.initdata_invalid",
       "`version` must be a string such as \"0.1.0\", found an integer"},
      {"version = \"0.1.0\"\n[data]\n", "trustee.initdata_invalid", "no `algorithm`"},
      {"version = \"0.1.0\"\nalgorithm = 256\n[data]\n", "trustee.initdata_invalid",
       "`algorithm` must be a string, found an integer"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\ndata = \"x\"\n", "trustee.initdata_invalid",
       "`data` must be a table of strings, found a string"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = 3\n", "trustee.initdata_invalid",
       "`data.\"aa.toml\"` must be a string, found an integer"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data.nested]\nx = \"y\"\n", "trustee.initdata_invalid",
       "`data.\"nested\"` must be a string, found a table"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data\n", "trustee.initdata_invalid",
       "not valid TOML at line 3"},
      {"version = \"0.1.0\"\nalgorithm = \"sha-256\"\n[data]\n", "trustee.initdata_algorithm_unsupported",
       "write \"sha256\""},
      {"version = \"0.1.0\"\nalgorithm = \"SHA384\"\n[data]\n", "trustee.initdata_algorithm_unsupported",
       "write \"sha384\""},
      {"version = \"0.1.0\"\nalgorithm = \"sm3\"\n[data]\n", "trustee.initdata_algorithm_unsupported",
       "no SM3 implementation"},
      {"version = \"0.1.0\"\nalgorithm = \"md5\"\n[data]\n", "trustee.initdata_algorithm_unsupported",
       "\"md5\" is not supported"},
      {std::string("version = \"\xff\"\n"), "trustee.initdata_invalid", "not valid TOML"},
      {"", "trustee.initdata_invalid", "no `version`"},
  };
  for (const auto& tc : cases) {
    auto r = parse_initdata_toml(tc.toml);
    ASSERT_FALSE(r.ok()) << tc.toml;
    EXPECT_EQ(r.error().code, tc.code) << tc.toml << " -> " << r.error().message;
    EXPECT_NE(r.error().message.find(tc.expect), std::string::npos) << tc.toml << " -> " << r.error().message;
  }
  // Keys other than version/algorithm/data are ignored, as by serde.
  auto extra = parse_initdata_toml("version = \"9\"\nalgorithm = \"sha512\"\ncomment = 1\n[data]\n");
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(extra->version, "9");
  EXPECT_TRUE(extra->data.empty());
  EXPECT_EQ(initdata_claims(*extra), nlohmann::json::object());
}

TEST(InitData, MutatedInputNeverThrows) {
  const std::string seed =
      "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\n"
      "list = [1, 2.5, true, 1979-05-27]\n'''\n\"policy.rego\" = '''\npackage p\npolicy_data := "
      "{\"containers\": [{\"a\": [1, {\"b\": null}]}]}\n'''\n";
  ASSERT_TRUE(parse_initdata_toml(seed).ok());
  ASSERT_TRUE(initdata_claims(*parse_initdata_toml(seed)).contains("agent_policy_claims"));
  std::uint32_t state = 777;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  const std::string specials = "{}[]\"'=\n:,";
  for (int i = 0; i < 3000; ++i) {
    std::string s = seed;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      switch (next() % 3) {
        case 0:
          s[next() % s.size()] = static_cast<char>(next() & 0xff);
          break;
        case 1:
          s.resize(next() % s.size());
          break;
        default:
          s.insert(next() % s.size(), 1, specials[next() % specials.size()]);
          break;
      }
    }
    EXPECT_NO_THROW({
      auto r = parse_initdata_toml(s);
      if (r.ok()) {
        (void)initdata_claims(*r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        EXPECT_EQ(initdata_digest(*r).size(), 32u);
      }
    });
  }
}

InitData with_data(std::map<std::string, std::string> data) {
  InitData d;
  d.version = "0.1.0";
  d.data = std::move(data);
  return d;
}

TEST(InitDataClaims, TomlEntriesBecomeObjects) {
  const InitData d = with_data({
      {"cdh.toml",
       "socket = 'unix:///run/cdh.sock'\ncredentials = []\nn = 42\nf = 1.5\ninf_v = inf\nb = true\n"
       "when = 1979-05-27T07:32:00Z\nday = 1979-05-27\n[kbc]\nname = \"cc_kbc\"\nlist = [1, \"two\", [3]]\n"},
      {"aa.toml", ""},
      {"other.txt", "[not parsed]"},
  });
  const nlohmann::json c = initdata_claims(d);
  const nlohmann::json expected = {
      {"cdh.toml",
       {{"socket", "unix:///run/cdh.sock"},
        {"credentials", nlohmann::json::array()},
        {"n", 42},
        {"f", 1.5},
        {"inf_v", nullptr},
        {"b", true},
        {"when", "1979-05-27T07:32:00Z"},
        {"day", "1979-05-27"},
        {"kbc", {{"name", "cc_kbc"}, {"list", {1, "two", {3}}}}}}},
      {"aa.toml", nlohmann::json::object()},
      {"other.txt", "[not parsed]"},
  };
  EXPECT_EQ(c, expected) << c.dump(2);
  EXPECT_TRUE(c["cdh.toml"]["n"].is_number_integer());
}

TEST(InitDataClaims, UnparsableTomlStaysAString) {
  const InitData d = with_data({{"cdh.toml", "[kbc\nname = 1"}, {"aa.toml", "a = "}});
  const nlohmann::json c = initdata_claims(d);
  EXPECT_EQ(c, (nlohmann::json{{"cdh.toml", "[kbc\nname = 1"}, {"aa.toml", "a = "}}));
}

TEST(InitDataClaims, PolicyDataExtraction) {
  // policy_data last, trailing whitespace: extracted, policy.rego removed.
  auto c = initdata_claims(with_data(
      {{"policy.rego",
        "package agent_policy\ndefault X := true\npolicy_data := {\n \"containers\": [{\"a\": 1}]\n}\n\n"}}));
  EXPECT_EQ(c, (nlohmann::json{{"agent_policy_claims", {{"containers", {{{"a", 1}}}}}}})) << c.dump();

  // Text after the object: Trustee's serde_json::from_str fails, so policy.rego stays and there are no
  // agent_policy_claims.
  const std::string trailing = "policy_data := {\"a\": 1}\nallow := true\n";
  c = initdata_claims(with_data({{"policy.rego", trailing}}));
  EXPECT_EQ(c, (nlohmann::json{{"policy.rego", trailing}}));

  // No policy_data at all, or not JSON (a Rego-only construct), or a different spelling.
  for (const std::string& rego :
       {std::string("package agent_policy\ndefault X := true\n"),
        std::string("policy_data := {\"a\": input.x}\n"), std::string("policy_data := {\"a\": [1,]}\n"),
        std::string("policy_data = {\"a\": 1}\n"), std::string("policy_data := {")}) {
    c = initdata_claims(with_data({{"policy.rego", rego}}));
    EXPECT_EQ(c, (nlohmann::json{{"policy.rego", rego}})) << rego;
  }

  // The first occurrence is the one used.
  c = initdata_claims(
      with_data({{"policy.rego", "# policy_data := {\"x\": 1}\npolicy_data := {\"y\": 2}\n"}}));
  EXPECT_TRUE(c.contains("policy.rego")) << c.dump();

  // Pathological nesting: refused like serde_json (recursion limit 128), no crash.
  const std::string deep = "policy_data := {\"a\": " + std::string(300, '[') + std::string(300, ']') + "}";
  c = initdata_claims(with_data({{"policy.rego", deep}}));
  EXPECT_TRUE(c.contains("policy.rego"));
  EXPECT_FALSE(c.contains("agent_policy_claims"));
  const std::string ok_depth =
      "policy_data := {\"a\": " + std::string(100, '[') + std::string(100, ']') + "}";
  c = initdata_claims(with_data({{"policy.rego", ok_depth}}));
  EXPECT_TRUE(c.contains("agent_policy_claims"));
}

TEST(InitDataCorpus, TrusteeIntegrationInitDataWithPolicy) {
  const auto path =
      shared_path("rego-corpus/policies/trustee/integration-tests/tests/init-data-with-policy.toml");
  REQUIRE_SHARED(path);
  const std::string text = slurp(path);
  auto r = parse_initdata_toml(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->version, "0.1.0");
  EXPECT_EQ(r->algorithm, InitDataAlg::sha256);
  EXPECT_EQ(hex_encode(initdata_digest(*r)),
            "0deccded0d87ec44702c7330fac3eb936b68dcca5c9f6b5df1fb3480c0b525ac");
  // integration-tests/tests/init_data.rs: init_data == base64std(sha256(toml)).
  EXPECT_EQ(base64_encode(initdata_digest(*r)), "DezN7Q2H7ERwLHMw+sPrk2to3Mpcn2td8fs0gMC1Jaw=");

  const nlohmann::json c = initdata_claims(*r);
  EXPECT_FALSE(c.contains("policy.rego"));
  ASSERT_TRUE(c.contains("agent_policy_claims"));
  const auto& apc = c["agent_policy_claims"];
  EXPECT_TRUE(apc.contains("common"));
  EXPECT_TRUE(apc.contains("sandbox"));
  EXPECT_TRUE(apc.contains("request_defaults"));
  const auto& containers = apc["containers"];
  ASSERT_EQ(containers.size(), 2u);
  std::vector<std::string> images;
  std::vector<std::int64_t> uids;
  for (const auto& ctr : containers) {
    const auto& ann = ctr["OCI"]["Annotations"];
    if (ann.contains("io.kubernetes.cri.image-name")) images.push_back(ann["io.kubernetes.cri.image-name"]);
    uids.push_back(ctr["OCI"]["Process"]["User"]["UID"].get<std::int64_t>());
  }
  // integration-tests check_validated_identifiers expects exactly these.
  EXPECT_EQ(images, std::vector<std::string>{"bitnami/nginx:latest"});
  EXPECT_EQ(uids, (std::vector<std::int64_t>{65535, 1001}));
  // INIT_DATA_FOR_OPA_POLICY reads containers[1].OCI.Process.Args[0].
  EXPECT_EQ(containers[1]["OCI"]["Process"]["Args"][0], "/opt/bitnami/scripts/nginx/entrypoint.sh");
}

TEST(InitDataCorpus, TrusteeSimpleInitData) {
  const auto path =
      shared_path("rego-corpus/policies/trustee/integration-tests/extracted/SIMPLE_INIT_DATA.toml");
  REQUIRE_SHARED(path);
  auto r = parse_initdata_toml(slurp(path));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(hex_encode(initdata_digest(*r)),
            "df0973f1d4ab240854df02e467d1f30a5aef52b9c126beba333055e346065c8c");
  const nlohmann::json c = initdata_claims(*r);
  EXPECT_EQ(c["aa.toml"], (nlohmann::json{{"token_configs", {{"kbs", {{"url", "http://1.2.3.4:8080"}}}}}}));
  EXPECT_EQ(c["cdh.toml"]["kbc"], (nlohmann::json{{"name", "cc_kbc"}, {"url", "http://1.2.3.4:8080"}}));
  // INIT_DATA_CONFIG_FIELD_POLICY compares extra_root_certificates[0] with this exact text (the TOML
  // multi-line string drops the newline right after its opening quotes).
  EXPECT_EQ(c["cdh.toml"]["image"]["extra_root_certificates"][0],
            "-----BEGIN CERTIFICATE-----\n"
            "MIIFTDCCAvugAwIBAgIBADBGBgkqhkiG9w0BAQowOaAPMA0GCWCGSAFlAwQCAgUA\n"
            "oRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATCjAwIBATB7MRQwEgYD\n"
            "VQQLDAtFbmdpbmVlcmluZzELMAkGA1UEBhMCVVMxFDASBgNVBAcMC1NhbnRhIENs\n"
            "YXJhMQswCQYDVQQIDAJDQTEfMB0GA1UECgwWQWR2YW5jZWQgTWljcm8gRGV2aWNl\n"
            "-----END CERTIFICATE-----\n");
  // No policy_data in this policy: it stays as text.
  ASSERT_TRUE(c["policy.rego"].is_string());
  EXPECT_EQ(c["policy.rego"].get<std::string>().rfind("package agent_policy\n", 0), 0u);
  EXPECT_FALSE(c.contains("agent_policy_claims"));
  EXPECT_EQ(c.size(), 3u);
}

const char* kCert =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUS2ltaGFybmVzcwAAAAAAAAAAAAAwCgYIKoZIzj0EAwIw\n-----END "
    "CERTIFICATE-----";

std::string render(std::string tpl) {
  tpl = replace_all(tpl, "{{ hub_domain }}", "apps.hub.example.com");
  tpl = replace_all(tpl, "{{ trustee_cert }}", kCert);
  tpl = replace_all(tpl, "{{ security_policy_flavour }}", "insecure");
  return tpl;
}

TEST(InitDataCorpus, PatternDefaultTemplate) {
  const auto path = shared_path("rego-corpus/policies/coco-pattern/ansible/initdata-default.toml.tpl");
  REQUIRE_SHARED(path);
  auto r = parse_initdata_toml(render(slurp(path)));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->algorithm, InitDataAlg::sha384);
  const Bytes digest = initdata_digest(*r);
  EXPECT_EQ(digest.size(), 48u);
  EXPECT_EQ(pad_or_truncate(digest, 32), Bytes(digest.begin(), digest.begin() + 32));
  EXPECT_EQ(pad_or_truncate(digest, 48), digest);
  const nlohmann::json c = initdata_claims(*r);
  EXPECT_EQ(c["aa.toml"]["token_configs"]["coco_as"]["url"],
            "https://kbs-trustee-operator-system.apps.hub.example.com");
  EXPECT_EQ(c["aa.toml"]["token_configs"]["kbs"]["cert"], std::string(kCert) + "\n");
  EXPECT_EQ(c["cdh.toml"]["socket"], "unix:///run/confidential-containers/cdh.sock");
  EXPECT_EQ(c["cdh.toml"]["credentials"], nlohmann::json::array());
  EXPECT_EQ(c["cdh.toml"]["kbc"]["name"], "cc_kbc");
  // `kbs_cert = """ ` has a space before the newline, so the newline is kept.
  EXPECT_EQ(c["cdh.toml"]["kbc"]["kbs_cert"], " \n" + std::string(kCert) + "\n");
  ASSERT_TRUE(c["policy.rego"].is_string());
  EXPECT_NE(c["policy.rego"].get<std::string>().find("default ExecProcessRequest := false"),
            std::string::npos);
  EXPECT_FALSE(c.contains("agent_policy_claims"));
}

TEST(InitDataCorpus, PatternDebugTemplate) {
  const auto path = shared_path("rego-corpus/policies/coco-pattern/ansible/initdata-debug.toml.tpl");
  REQUIRE_SHARED(path);
  const std::string text = render(slurp(path));
  auto r = parse_initdata_toml(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->algorithm, InitDataAlg::sha256);
  EXPECT_EQ(r->raw, text);
  const nlohmann::json c = initdata_claims(*r);
  EXPECT_EQ(c["aa.toml"]["token_configs"]["kbs"]["url"], "https://kbs.apps.hub.example.com");
  EXPECT_EQ(c["aa.toml"]["token_configs"]["kbs"]["cert"], kCert);
  EXPECT_EQ(c["cdh.toml"]["kbc"]["kbs_cert"], kCert);
  EXPECT_EQ(c["cdh.toml"]["image"]["image_security_policy_uri"], "kbs:///default/security-policy/insecure");
  EXPECT_NE(c["policy.rego"].get<std::string>().find("default ExecProcessRequest := true"),
            std::string::npos);
}

}  // namespace
}  // namespace coco::trustee
