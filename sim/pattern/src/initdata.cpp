#include "pattern/initdata.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <utility>

#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/x509.h"
#include "trustee/initdata.h"

namespace coco::pattern {
namespace {

// Every ttRPC request of the Kata agent the pattern's templates name (pattern.md 4.1), in the debug
// template's (alphabetical) order.
constexpr std::array<std::string_view, 36> kAgentRequests = {
    "AddARPNeighborsRequest",  "AddSwapRequest",
    "CloseStdinRequest",       "CopyFileRequest",
    "CreateContainerRequest",  "CreateSandboxRequest",
    "DestroySandboxRequest",   "ExecProcessRequest",
    "GetMetricsRequest",       "GetOOMEventRequest",
    "GuestDetailsRequest",     "ListInterfacesRequest",
    "ListRoutesRequest",       "MemHotplugByProbeRequest",
    "OnlineCPUMemRequest",     "PauseContainerRequest",
    "PullImageRequest",        "ReadStreamRequest",
    "RemoveContainerRequest",  "RemoveStaleVirtiofsShareMountsRequest",
    "ReseedRandomDevRequest",  "ResumeContainerRequest",
    "SetGuestDateTimeRequest", "SetPolicyRequest",
    "SignalProcessRequest",    "StartContainerRequest",
    "StartTracingRequest",     "StatsContainerRequest",
    "StopTracingRequest",      "TtyWinResizeRequest",
    "UpdateContainerRequest",  "UpdateEphemeralMountsRequest",
    "UpdateInterfaceRequest",  "UpdateRoutesRequest",
    "WaitProcessRequest",      "WriteStreamRequest"};

// The two commands the secure template lets `oc exec` run: reading the attestation-status resource
// through the CDH proves attestation worked without opening a shell.
constexpr std::array<std::string_view, 2> kAllowedCommands = {
    "curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/status",
    "curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/random"};

// Data keys CAA's process-user-data writes into the VM (pkg/userdata/provision.go); others are logged
// "File: %s is not allowed in initdata." and dropped.
constexpr std::array<std::string_view, 3> kInitDataFiles = {"aa.toml", "cdh.toml", "policy.rego"};

// inject-coco-initdata's runtimeClassName precondition (pattern.md 1.10; an older chart version lacks
// kata-cc-nvidia-gpu).
constexpr std::array<std::string_view, 4> kKataRuntimeClasses = {"kata", "kata-cc", "kata-remote",
                                                                 "kata-cc-nvidia-gpu"};

constexpr std::string_view kRvpsExpiration = "2027-12-12T00:00:00Z";

Error encoding_error(std::string message) {
  return make_error("pattern.initdata_encoding", std::move(message));
}

std::string lower_hex(std::string s) {
  if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) s = s.substr(2);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// TOML multi-line literal strings cannot contain '''; a caller's policy that does gets a basic string.
std::string toml_multiline(std::string_view text) {
  std::string body(text);
  if (!body.empty() && body.back() != '\n') body += '\n';
  if (body.find("'''") == std::string::npos) return "'''\n" + body + "'''";
  std::string esc;
  for (char c : body) {
    if (c == '\\' || c == '"') esc += '\\';
    esc += c;
  }
  return "\"\"\"\n" + esc + "\"\"\"";
}

// Inflates one or more concatenated gzip members (as `gzip -d` does), at most kMaxDecodedInitData bytes.
Result<std::string> gunzip(const Bytes& in) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 16) != Z_OK)
    return encoding_error("init-data gzip stream is corrupt: zlib init failed");
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = static_cast<uInt>(in.size());
  std::string out;
  std::array<unsigned char, 16384> buf{};
  for (;;) {
    s.next_out = buf.data();
    s.avail_out = buf.size();
    const int rc = inflate(&s, Z_NO_FLUSH);
    out.append(reinterpret_cast<const char*>(buf.data()), buf.size() - s.avail_out);
    if (out.size() > kMaxDecodedInitData) {
      inflateEnd(&s);
      return encoding_error("init-data decompresses to more than 1 MiB (1048576 bytes); refusing it");
    }
    if (rc == Z_STREAM_END) {
      if (s.avail_in == 0) break;
      if (s.avail_in >= 2 && s.next_in[0] == 0x1f && s.next_in[1] == 0x8b) {
        inflateReset(&s);
        continue;
      }
      inflateEnd(&s);
      return encoding_error("init-data gzip stream is corrupt: trailing data after the gzip member");
    }
    if (rc == Z_BUF_ERROR && s.avail_in == 0) {
      inflateEnd(&s);
      return encoding_error("init-data gzip stream is corrupt: truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string why = s.msg ? s.msg : "error " + std::to_string(rc);
      inflateEnd(&s);
      return encoding_error("init-data gzip stream is corrupt: " + why);
    }
  }
  inflateEnd(&s);
  return out;
}

Error reference_values_error(const std::string& why) {
  return make_error("pattern.reference_values_invalid",
                    "reference values must be the chart's list of {\"name\",\"value\":[...]} or the RVPS's "
                    "{name: [values]} object: " +
                        why);
}

// The reference values as name -> values (lowercase hex, no 0x), from either accepted form.
Result<std::map<std::string, std::vector<std::string>>> normalise_reference_values(const nlohmann::json& rv) {
  auto entries = reference_value_entries(rv);
  if (!entries) return entries.error();
  std::map<std::string, std::vector<std::string>> out;
  auto add_values = [&](const std::string& name, const nlohmann::json& values) -> Status {
    if (values.is_string()) {
      out[name].push_back(lower_hex(values.get<std::string>()));
      return ok_status();
    }
    if (!values.is_array()) return reference_values_error("values of " + name + " are not a list");
    for (const auto& v : values) {
      if (!v.is_string()) return reference_values_error("a value of " + name + " is not a string");
      out[name].push_back(lower_hex(v.get<std::string>()));
    }
    return ok_status();
  };
  for (const auto& [name, values] : entries.value()) {
    if (auto st = add_values(name, values); !st) return st.error();
  }
  return out;
}

std::string json_string_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object() || !cur->contains(k)) return {};
    cur = &(*cur)[k];
  }
  return cur->is_string() ? cur->get<std::string>() : std::string();
}

std::string subject_text(const Cert& c) {
  std::string s;
  for (const auto& [k, v] : c.subject_rdns()) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s;
}

bool base64_shaped(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/' || c == '=' || std::isspace(c);
  });
}

// Everything explain derives from a TOML text, whatever it came in.
Result<InitDataExplanation> explain_toml(std::string source, std::string toml) {
  auto parsed = trustee::parse_initdata_toml(toml);
  if (!parsed) return parsed.error();
  auto digests = initdata_digests(toml);
  if (!digests) return digests.error();
  InitDataExplanation e;
  e.source = std::move(source);
  e.toml = std::move(toml);
  e.algorithm = std::string(trustee::initdata_alg_name(parsed->algorithm));
  e.version = parsed->version;
  e.files = parsed->data;
  e.digests = std::move(*digests);
  for (const auto& entry : parsed->data) {
    if (std::find(kInitDataFiles.begin(), kInitDataFiles.end(), entry.first) == kInitDataFiles.end())
      e.ignored_keys.push_back(entry.first);
  }
  if (!parsed->data.count("policy.rego"))
    e.notes.push_back("no policy.rego: the peer pod keeps the agent policy built into its image");
  // CAA on Azure base64s the whole cloud-config (which carries the annotation value) into userData and
  // refuses more than 64 KiB (src/cloud-providers/azure/provider.go); the value alone is a lower bound.
  const std::size_t user_data_floor = (encode_initdata(e.toml).size() + 2) / 3 * 4;
  if (user_data_floor > 64u * 1024u)
    e.notes.push_back("the encoded init-data alone makes Azure userData " + std::to_string(user_data_floor) +
                      " bytes: CAA refuses the pod with \"base64 encoded userData is greater than 64KB\"");
  if (e.algorithm != "sha256")
    e.notes.push_back("PCR8 covers only the first 32 bytes of the " + e.algorithm +
                      " digest (the peer-pod image extends head -c64 of the hex digest)");

  // Trustee's claims already turn aa.toml / cdh.toml into JSON when they parse: reuse that.
  const nlohmann::json claims = trustee::initdata_claims(*parsed);
  std::string aa_url, aa_cert, cdh_url, cdh_cert;
  for (const char* key : {"aa.toml", "cdh.toml"})
    if (claims.contains(key) && !claims[key].is_object())
      e.notes.push_back(std::string(key) + " does not parse as TOML");
  if (claims.contains("aa.toml") && claims["aa.toml"].is_object()) {
    aa_url = json_string_at(claims["aa.toml"], {"token_configs", "kbs", "url"});
    aa_cert = json_string_at(claims["aa.toml"], {"token_configs", "kbs", "cert"});
    const std::string as_url = json_string_at(claims["aa.toml"], {"token_configs", "coco_as", "url"});
    if (!as_url.empty() && !aa_url.empty() && as_url != aa_url)
      e.notes.push_back("aa.toml's token_configs.coco_as url " + as_url +
                        " differs from token_configs.kbs url " + aa_url);
  }
  if (claims.contains("cdh.toml") && claims["cdh.toml"].is_object()) {
    cdh_url = json_string_at(claims["cdh.toml"], {"kbc", "url"});
    cdh_cert = json_string_at(claims["cdh.toml"], {"kbc", "kbs_cert"});
  }
  e.kbs_url = !aa_url.empty() ? aa_url : cdh_url;
  if (e.kbs_url.empty()) e.notes.push_back("no KBS URL in aa.toml [token_configs.kbs] or cdh.toml [kbc]");
  if (!aa_url.empty() && !cdh_url.empty() && aa_url != cdh_url)
    e.notes.push_back("aa.toml and cdh.toml name different KBS URLs: " + aa_url + " and " + cdh_url);
  const std::string cert = !aa_cert.empty() ? aa_cert : cdh_cert;
  if (!aa_cert.empty() && !cdh_cert.empty() && trim(aa_cert) != trim(cdh_cert))
    e.notes.push_back("aa.toml's cert and cdh.toml's kbs_cert differ");
  if (!cert.empty()) {
    auto certs = certs_from_pem(cert);
    if (!certs || certs->empty()) {
      e.notes.push_back("the KBS certificate does not parse: " +
                        (certs ? std::string("no certificate") : certs.error().message));
    } else {
      e.kbs_cert_subject = subject_text(certs->front());
    }
  } else if (!e.kbs_url.empty() && e.kbs_url.rfind("https://", 0) == 0) {
    e.notes.push_back("no KBS certificate: the guest needs a well-known CA for " + e.kbs_url);
  }
  return e;
}

}  // namespace

Result<std::vector<std::pair<std::string, nlohmann::json>>> reference_value_entries(
    const nlohmann::json& rv) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  if (rv.is_array()) {
    for (const auto& e : rv) {
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
        return reference_values_error("an entry has no name");
      const std::string name = e["name"].get<std::string>();
      if (!e.contains("value")) return reference_values_error("entry " + name + " has no value");
      out.emplace_back(name, e["value"]);
    }
  } else if (rv.is_object()) {
    for (const auto& [name, values] : rv.items()) out.emplace_back(name, values);
  } else {
    return reference_values_error("got neither a list nor an object");
  }
  return out;
}

std::string agent_policy_rego(InitDataFlavour flavour) {
  const bool debug = flavour == InitDataFlavour::debug;
  std::string p = "package agent_policy\n\n";
  if (!debug) p += "import future.keywords.in\nimport future.keywords.if\nimport future.keywords.every\n\n";
  for (std::string_view r : kAgentRequests) {
    const bool denied =
        !debug && (r == "ExecProcessRequest" || r == "ReadStreamRequest" || r == "WriteStreamRequest");
    p += "default " + std::string(r) + " := " + (denied ? "false" : "true") + "\n";
  }
  if (debug) return p;
  // policy_data stays the last statement: Trustee lifts the JSON after `policy_data := {` into
  // agent_policy_claims only when it runs to the end of the file.
  p += "\n# exec only for the exact allow-listed command lines\n"
       "ExecProcessRequest if {\n"
       "    concat(\" \", input.process.Args) in policy_data.allowed_commands\n"
       "}\n\n"
       "policy_data := {\n"
       "  \"allowed_commands\": [\n";
  for (std::size_t i = 0; i < kAllowedCommands.size(); ++i)
    p += "        \"" + std::string(kAllowedCommands[i]) + "\"" +
         (i + 1 < kAllowedCommands.size() ? ",\n" : "\n");
  p += "  ]\n}\n";
  return p;
}

std::string render_initdata_with_policy(const KbsEndpoint& kbs, std::string_view policy_rego,
                                        std::string_view security_policy_flavour,
                                        std::string_view algorithm) {
  // Layout of the template as ansible renders it; the certificate is inserted verbatim between """ and """
  // (the Secret's tls.crt, trailing newline included).
  const std::string url = kbs.url, cert = kbs.cert_pem;
  std::string t;
  t += "algorithm = \"" + std::string(algorithm) + "\"\nversion = \"0.1.0\"\n\n[data]\n";
  t += "\"aa.toml\" = '''\n[token_configs]\n[token_configs.coco_as]\nurl = \"" + url + "\"\n\n";
  t += "[token_configs.kbs]\nurl = \"" + url + "\"\ncert = \"\"\"" + cert + "\"\"\"\n'''\n\n";
  t += "\"cdh.toml\"  = '''\nsocket = 'unix:///run/confidential-containers/cdh.sock'\ncredentials = []\n\n";
  t += "[kbc]\nname = \"cc_kbc\"\nurl = \"" + url + "\"\nkbs_cert = \"\"\"" + cert + "\"\"\"\n\n\n";
  t += "[image]\nimage_security_policy_uri = 'kbs:///default/security-policy/" +
       std::string(security_policy_flavour) + "'\n'''\n\n";
  t += "\"policy.rego\" = " + toml_multiline(policy_rego) + "\n";
  return t;
}

std::string render_initdata(const KbsEndpoint& kbs, InitDataFlavour flavour,
                            std::string_view security_policy_flavour) {
  return render_initdata_with_policy(kbs, agent_policy_rego(flavour), security_policy_flavour, "sha256");
}

std::string encode_initdata(std::string_view toml) {
  // zlib's gzip wrapper writes no file name and mtime 0, as `gzip` does reading a pipe; level 6 is gzip's.
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&s, static_cast<uLong>(toml.size())) + 32);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(toml.data()));
  s.avail_in = static_cast<uInt>(toml.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return base64_encode(out);
}

Result<std::string> decode_initdata(std::string_view value) {
  std::string compact;
  for (char c : value)
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  if (compact.empty()) return encoding_error("init-data value is empty");
  auto raw = base64_decode(compact);
  if (!raw)
    return encoding_error("init-data value is not base64 (expected the output of `gzip | base64 -w0`)");
  if (raw->size() >= 2 && (*raw)[0] == 0x1f && (*raw)[1] == 0x8b) return gunzip(*raw);
  // The older pattern's INITDATA: base64 of the TOML itself.
  if (raw->size() > kMaxDecodedInitData)
    return encoding_error("init-data decompresses to more than 1 MiB (1048576 bytes); refusing it");
  return to_string(*raw);
}

Result<InitDataDigests> initdata_digests(std::string_view toml) {
  auto parsed = trustee::parse_initdata_toml(toml);
  if (!parsed) return parsed.error();
  InitDataDigests d;
  d.algorithm = std::string(trustee::initdata_alg_name(parsed->algorithm));
  d.raw = trustee::initdata_digest(*parsed);
  d.pcr8 = azure::init_data_pcr8(d.raw);
  d.snp_host_data = trustee::pad_or_truncate(d.raw, 32);
  d.tdx_mr_config_id = trustee::pad_or_truncate(d.raw, 48);
  return d;
}

Result<ConfigMap> initdata_configmap(const std::string& name, std::string_view toml) {
  auto parsed = trustee::parse_initdata_toml(toml);
  if (!parsed) return parsed.error();
  auto d = initdata_digests(toml);
  if (!d) return d.error();
  ConfigMap cm;
  cm.meta.name = name;
  cm.meta.ns = std::string(kInitDataSourceNamespace);
  cm.meta.labels[std::string(kInitDataTypeLabel)] = "initdata";
  cm.data["INITDATA"] = encode_initdata(toml);
  cm.data["PCR8_HASH"] = hex_encode(d->pcr8);
  cm.data["RAW_HASH"] = hex_encode(d->raw);
  cm.data["version"] = parsed->version;
  cm.data["algorithm"] = d->algorithm;
  for (std::string_view k : kInitDataFiles) {
    auto it = parsed->data.find(std::string(k));
    if (it != parsed->data.end()) cm.data[it->first] = it->second;
  }
  return cm;
}

Result<nlohmann::json> rvps_reference_values(const ConfigMap& initdata, const ConfigMap& debug_initdata,
                                             std::string_view pcr_stash_json) {
  auto bad = [](const std::string& why) { return make_error("pattern.rvps_input_invalid", why); };
  auto key = [&](const ConfigMap& cm, const char* k) -> Result<std::string> {
    auto it = cm.data.find(k);
    if (it == cm.data.end() || it->second.empty())
      return bad("ConfigMap " + cm.meta.name + " has no " + std::string(k));
    return lower_hex(it->second);
  };
  std::array<std::string, 4> v;  // PCR8 initdata, PCR8 debug, RAW initdata, RAW debug
  const std::array<std::pair<const ConfigMap*, const char*>, 4> wanted = {std::pair{&initdata, "PCR8_HASH"},
                                                                          {&debug_initdata, "PCR8_HASH"},
                                                                          {&initdata, "RAW_HASH"},
                                                                          {&debug_initdata, "RAW_HASH"}};
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    auto r = key(*wanted[i].first, wanted[i].second);
    if (!r) return r.error();
    v[i] = *r;
  }
  const nlohmann::json stash = nlohmann::json::parse(pcr_stash_json, nullptr, false);
  if (stash.is_discarded()) return bad("pcr-stash is not JSON");
  auto entry = [](const std::string& name, nlohmann::json values) {
    return nlohmann::json{{"name", name}, {"expiration", kRvpsExpiration}, {"value", std::move(values)}};
  };
  nlohmann::json out = nlohmann::json::array();
  out.push_back(entry("init_data", {v[0], v[1], v[2] + std::string(32, '0'), v[3] + std::string(32, '0')}));
  for (const char* pcr : {"pcr03", "pcr08", "pcr09", "pcr11", "pcr12"}) {
    nlohmann::json values;
    if (std::string_view(pcr) == "pcr08") {
      values = {v[0], v[1]};
    } else {
      const std::string s = json_string_at(stash, {"measurements", "sha256", pcr});
      if (s.empty()) return bad(std::string("pcr-stash has no measurements.sha256.") + pcr);
      values = {lower_hex(s)};
    }
    out.push_back(entry(std::string("snp_") + pcr, values));
    out.push_back(entry(std::string("tdx_") + pcr, values));
  }
  return out;
}

std::vector<ConfigMap> propagate_initdata(const std::vector<ConfigMap>& imperative_configmaps,
                                          const std::vector<std::string>& workload_namespaces) {
  std::vector<ConfigMap> out;
  for (const std::string& ns : workload_namespaces) {
    for (const ConfigMap& cm : imperative_configmaps) {
      auto it = cm.meta.labels.find(std::string(kInitDataTypeLabel));
      if (cm.meta.ns != kInitDataSourceNamespace || it == cm.meta.labels.end() || it->second != "initdata")
        continue;
      ConfigMap clone = cm;
      clone.meta.ns = ns;
      out.push_back(std::move(clone));
    }
  }
  return out;
}

Result<Injection> inject_initdata(
    Pod& pod, const std::function<const ConfigMap*(const std::string& ns, const std::string& name)>& lookup) {
  if (std::find(kKataRuntimeClasses.begin(), kKataRuntimeClasses.end(), pod.runtime_class) ==
      kKataRuntimeClasses.end())
    return Injection::not_applicable;
  auto cm_it = pod.meta.annotations.find(std::string(kInitDataConfigMapAnnotation));
  if (cm_it == pod.meta.annotations.end() || cm_it->second.empty()) return Injection::not_applicable;
  auto explicit_it = pod.meta.annotations.find(std::string(kInitDataAnnotation));
  if (explicit_it != pod.meta.annotations.end() && !explicit_it->second.empty())
    return Injection::kept_explicit;
  const std::string& name = cm_it->second;
  const ConfigMap* cm = lookup ? lookup(pod.meta.ns, name) : nullptr;
  if (!cm) {
    // Kyverno's configMap context loader (pkg/engine/context/loaders/configmap.go), wrapped by the engine's
    // "failed to load context: "; the innermost part is the API's NotFound text as Kyverno's policy
    // reports show it.
    return make_error("pattern.kyverno_context",
                      "failed to load context: failed to retrieve config map for context "
                      "entry initdata: failed to get configmap " +
                          pod.meta.ns + "/" + name + " : configmaps \"" + name + "\" not found");
  }
  auto data_it = cm->data.find("INITDATA");
  if (data_it == cm->data.end()) {
    // Not confirmed against Kyverno's source for this version: the wording of a variable that resolves to
    // nothing in a patchStrategicMerge (Kyverno's "failed to resolve %v at path %s").
    return make_error("pattern.kyverno_variable",
                      "variable substitution failed: failed to resolve initdata.data.INITDATA at path "
                      "/mutate/patchStrategicMerge/metadata/annotations/" +
                          std::string(kInitDataAnnotation) + " (ConfigMap " + pod.meta.ns + "/" + name +
                          " has no INITDATA)");
  }
  pod.meta.annotations[std::string(kInitDataAnnotation)] = data_it->second;
  return Injection::injected;
}

std::vector<std::string> validate_initdata_configmap(const ConfigMap& cm) {
  std::vector<std::string> v;
  auto label = cm.meta.labels.find(std::string(kInitDataTypeLabel));
  if (label == cm.meta.labels.end() || label->second != "initdata") return v;  // matchConditions
  auto get = [&](const char* k) -> const std::string* {
    auto it = cm.data.find(k);
    return it == cm.data.end() ? nullptr : &it->second;
  };
  auto non_empty = [&](const char* k) {
    const std::string* s = get(k);
    return s && !s->empty();
  };
  // The policy's messageExpressions, verbatim.
  if (!non_empty("version")) v.push_back("ConfigMap must contain a non-empty version field");
  const std::string* alg = get("algorithm");
  if (!alg || (*alg != "sha256" && *alg != "sha384" && *alg != "sha512"))
    v.push_back("ConfigMap must contain an algorithm field with value sha256, sha384, or sha512, found: " +
                (alg ? *alg : std::string("missing")));
  for (const char* k : {"policy.rego", "aa.toml", "cdh.toml"})
    if (!non_empty(k)) v.push_back(std::string("ConfigMap must contain a non-empty ") + k + " field");
  return v;
}

Result<InitDataExplanation> explain_initdata(std::string_view input,
                                             const std::optional<nlohmann::json>& reference_values) {
  std::optional<std::map<std::string, std::vector<std::string>>> rv;
  if (reference_values) {
    auto n = normalise_reference_values(*reference_values);
    if (!n) return n.error();
    rv = std::move(*n);
  }

  Result<InitDataExplanation> e = make_error("pattern.initdata_unrecognized", "");
  const ConfigMap* from_cm = nullptr;
  std::vector<Object> objects;
  const std::string trimmed = trim(input);
  if (trimmed.empty())
    return make_error("pattern.initdata_unrecognized",
                      "input is empty: expected an annotation value, a ConfigMap YAML or an init-data TOML");
  if (base64_shaped(trimmed)) {
    auto toml = decode_initdata(trimmed);
    if (!toml) return toml.error();
    e = explain_toml("annotation", std::move(*toml));
  } else if (trustee::parse_initdata_toml(input)) {
    e = explain_toml("toml", std::string(input));
  } else if (trimmed.find("kind:") != std::string::npos) {
    auto parsed = parse_manifests(input);
    if (!parsed) return parsed.error();
    objects = std::move(*parsed);
    // A ConfigMap with INITDATA, else a Pod (or Deployment template) carrying the annotation.
    const Pod* annotated = nullptr;
    std::string first_cm;
    for (const Object& o : objects) {
      if (const auto* cm = std::get_if<ConfigMap>(&o)) {
        if (first_cm.empty()) first_cm = cm->meta.name;
        if (!from_cm && cm->data.count("INITDATA")) from_cm = cm;
      } else if (const auto* pod = std::get_if<Pod>(&o)) {
        if (!annotated && pod->meta.annotations.count(std::string(kInitDataAnnotation))) annotated = pod;
      }
    }
    std::string value;
    if (from_cm) {
      value = from_cm->data.at("INITDATA");
    } else if (annotated) {
      value = annotated->meta.annotations.at(std::string(kInitDataAnnotation));
    } else if (!first_cm.empty()) {
      return make_error("pattern.initdata_unrecognized", "ConfigMap " + first_cm + " has no INITDATA key");
    } else {
      return make_error("pattern.initdata_unrecognized",
                        "the YAML has no ConfigMap with INITDATA and no Pod with the " +
                            std::string(kInitDataAnnotation) + " annotation");
    }
    auto toml = decode_initdata(value);
    if (!toml) return toml.error();
    const std::string source = !from_cm                               ? "annotation"
                               : from_cm->meta.name == "peer-pods-cm" ? "peer-pods-cm"
                                                                      : "configmap " + from_cm->meta.name;
    e = explain_toml(source, std::move(*toml));
  } else {
    // Looks like nothing else: report why it is not init-data TOML, the most likely intent.
    auto parsed = trustee::parse_initdata_toml(input);
    return make_error("pattern.initdata_unrecognized",
                      "input is neither an annotation value (base64), a ConfigMap YAML nor init-data TOML (" +
                          parsed.error().message + ")");
  }
  if (!e) return e;

  if (from_cm) {
    const std::string raw = hex_encode(e->digests.raw), pcr8 = hex_encode(e->digests.pcr8);
    auto check = [&](const char* k, const std::string& want) {
      auto it = from_cm->data.find(k);
      if (it != from_cm->data.end() && lower_hex(trim(it->second)) != want)
        e->notes.push_back("the ConfigMap's " + std::string(k) + " " + trim(it->second) +
                           " disagrees with its INITDATA (" + want + ")");
    };
    check("RAW_HASH", raw);
    check("PCR8_HASH", pcr8);
    for (const auto& [k, want] :
         {std::pair<const char*, std::string>{"algorithm", e->algorithm}, {"version", e->version}}) {
      auto it = from_cm->data.find(k);
      if (it != from_cm->data.end() && it->second != want)
        e->notes.push_back("the ConfigMap's " + std::string(k) + " " + it->second +
                           " disagrees with its INITDATA (" + want + ")");
    }
    for (std::string_view k : kInitDataFiles) {
      auto it = from_cm->data.find(std::string(k));
      auto in = e->files.find(std::string(k));
      if (it != from_cm->data.end() && (in == e->files.end() || in->second != it->second))
        e->notes.push_back("the ConfigMap's " + std::string(k) +
                           " differs from the one inside INITDATA (the peer pod gets the INITDATA one)");
    }
  }

  if (rv) {
    const std::string pcr8 = hex_encode(e->digests.pcr8);
    bool in = false;
    for (const auto& [name, values] : *rv) {
      if (std::find(values.begin(), values.end(), pcr8) == values.end()) continue;
      e->reference_value_names_matching.push_back(name);
      if (name == "snp_pcr08" || name == "tdx_pcr08" || name == "init_data") in = true;
    }
    e->in_reference_values = in;
    auto init_data = rv->find("init_data");
    if (init_data != rv->end()) {
      for (const Bytes* raw_form : {&e->digests.tdx_mr_config_id, &e->digests.snp_host_data}) {
        if (std::find(init_data->second.begin(), init_data->second.end(), hex_encode(*raw_form)) !=
            init_data->second.end()) {
          e->notes.push_back(
              "the raw digest (bare-metal HOST_DATA / MRCONFIGID form) is in reference values init_data");
          break;
        }
      }
    }
  }
  return e;
}

}  // namespace coco::pattern
