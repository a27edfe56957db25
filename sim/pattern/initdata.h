// Init-data as the validated pattern (validatedpatterns/coco-pattern) produces, ships and audits it, so a
// simulation or a user can check every step between "the hub renders a template" and "the verifier compares
// PCR8": the init-data-gzipper job renders ansible/initdata-{default,debug}.toml.tpl with the KBS route's
// self-signed certificate, gzips and base64s it into the `initdata` / `debug-initdata` ConfigMaps in
// `imperative` with RAW_HASH and PCR8_HASH beside it; the trustee chart's rvps-policy turns those into
// reference values; Kyverno clones the ConfigMaps into the workload namespaces and injects INITDATA as the
// pod's cc_init_data annotation; CAA ships it to the peer-pod VM, whose boot extends PCR8 with its digest.
// A mismatch anywhere surfaces far away (an attestation failure in the KBS log, an empty file in a
// container), which is why explain_initdata exists: it takes whatever the user has and says what it is.
//
// The TOML itself is parsed and hashed by Trustee's rules (trustee/initdata.h), the PCR8 value by the
// peer-pod image's rule (azure/tpm.h); nothing here re-implements either.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "pattern/k8s.h"

namespace coco::pattern {

struct KbsEndpoint {
  std::string url;  // "https://kbs.<hub domain>"
  // The route's self-signed certificate (Secret imperative/kbs-tls-self-signed tls.crt).
  std::string cert_pem;
};
enum class InitDataFlavour { secure, debug };  // ConfigMaps `initdata` and `debug-initdata`

// The agent policy of the pattern's templates. Secure: every request allowed except ReadStream, WriteStream
// and Exec; exec allowed only when concat(" ", input.process.Args) is exactly one of
// policy_data.allowed_commands (the two attestation-status curls). Debug: every request allowed.
std::string agent_policy_rego(InitDataFlavour);
// The template rendered as the init-data-gzipper job renders it (sha256, version 0.1.0, aa.toml, cdh.toml
// with image_security_policy_uri kbs:///default/security-policy/<flavour>, policy.rego). The flavour is
// inserted as given; the chart knows insecure, signed and reject.
std::string render_initdata(const KbsEndpoint&, InitDataFlavour,
                            std::string_view security_policy_flavour = "insecure");
// Same template with a caller's policy.rego and algorithm (users' own variants, CAA's e2e sha384 template).
std::string render_initdata_with_policy(const KbsEndpoint&, std::string_view policy_rego,
                                        std::string_view security_policy_flavour = "insecure",
                                        std::string_view algorithm = "sha256");

inline constexpr std::size_t kMaxDecodedInitData = 1u << 20;

// `cat rendered | gzip | base64 -w0`: standard base64 of a gzip member with no file name.
std::string encode_initdata(std::string_view toml);
// base64 -> gunzip; also accepts plain base64 TOML (the older pattern's INITDATA without gzip). Surrounding
// whitespace is ignored. Errors pattern.initdata_encoding: "init-data value is empty", "init-data value is
// not base64 ...", "init-data gzip stream is corrupt: ...", "init-data decompresses to more than 1 MiB ...".
Result<std::string> decode_initdata(std::string_view value);

struct InitDataDigests {
  std::string algorithm;   // the TOML's: sha256, sha384, sha512
  Bytes raw;               // RAW_HASH: HASH_algorithm(the TOML's bytes)
  Bytes pcr8;              // PCR8_HASH: SHA-256(32 zero bytes || raw[0..32])
  Bytes snp_host_data;     // raw fitted to 32 bytes
  Bytes tdx_mr_config_id;  // raw fitted to 48 bytes
};
// Errors: trustee.initdata_invalid, trustee.initdata_algorithm_unsupported.
Result<InitDataDigests> initdata_digests(std::string_view toml);

inline constexpr std::string_view kInitDataSourceNamespace = "imperative";
inline constexpr std::string_view kInitDataTypeLabel = "coco.io/type";

// The ConfigMap the init-data-gzipper job writes in namespace imperative (name initdata | debug-initdata):
// label coco.io/type=initdata, keys INITDATA, PCR8_HASH, RAW_HASH, version, algorithm, and the TOML's
// aa.toml, cdh.toml and policy.rego. RAW_HASH uses the TOML's algorithm (the job runs sha256sum; the
// pattern's templates are sha256, so the two agree).
Result<ConfigMap> initdata_configmap(const std::string& name, std::string_view toml);

// The (name, values) entries of a reference-values document in either form users have: the chart's list
// [{"name","expiration","value":[...]}] or the RVPS's {name: [values]} object, values as given. Error
// pattern.reference_values_invalid saying which entry is malformed.
Result<std::vector<std::pair<std::string, nlohmann::json>>> reference_value_entries(const nlohmann::json& rv);

// rvps-values-policies: reference-values.json as the chart's JSON list of
// {"name","expiration":"2027-12-12T00:00:00Z","value":[...]}: init_data (PCR8_HASH of both ConfigMaps, then
// RAW_HASH of both padded with 32 hex zeros), snp_pcrNN/tdx_pcrNN for 03, 08 (the two PCR8_HASHes), 09, 11,
// 12, the others from pcr-stash's measurements.json ({"measurements":{"sha256":{"pcr03":"0x..",...}}}, 0x
// stripped). Errors pattern.rvps_input_invalid: a ConfigMap without PCR8_HASH/RAW_HASH, pcr-stash not JSON or
// missing a PCR.
Result<nlohmann::json> rvps_reference_values(const ConfigMap& initdata, const ConfigMap& debug_initdata,
                                             std::string_view pcr_stash_json);

// Kyverno (charts/all/coco-kyverno-policies).
inline constexpr std::string_view kInitDataAnnotation = "io.katacontainers.config.hypervisor.cc_init_data";
inline constexpr std::string_view kInitDataConfigMapAnnotation = "coco.io/initdata-configmap";
// propagate-initdata-to-<ns>: every ConfigMap in `imperative` labelled coco.io/type=initdata, cloned (data,
// labels, annotations) into each workload namespace. Others are not matched.
std::vector<ConfigMap> propagate_initdata(const std::vector<ConfigMap>& imperative_configmaps,
                                          const std::vector<std::string>& workload_namespaces);
enum class Injection { injected, kept_explicit, not_applicable };
// inject-coco-initdata on Pod CREATE. Preconditions (all): runtimeClassName in kata, kata-cc, kata-remote,
// kata-cc-nvidia-gpu; annotation coco.io/initdata-configmap non-empty; cc_init_data empty. The first two
// failing: not_applicable; only the third: kept_explicit (the user's value is left alone). Otherwise the
// ConfigMap named by the annotation is read in the pod's namespace and its INITDATA becomes cc_init_data.
// Errors: pattern.kyverno_context when the ConfigMap is missing (Kyverno's context-load message, naming it);
// pattern.kyverno_variable when it has no INITDATA key.
Result<Injection> inject_initdata(
    Pod& pod, const std::function<const ConfigMap*(const std::string& ns, const std::string& name)>& lookup);
// validate-initdata-configmap (a ValidatingPolicy in Audit mode, on ConfigMaps labelled
// coco.io/type=initdata; others pass): the policy's messages, one per failed check, in its order.
std::vector<std::string> validate_initdata_configmap(const ConfigMap&);

// What `coco-harness initdata explain` shows for whatever a user has: an annotation value (base64 gzip), a
// ConfigMap YAML (initdata/debug-initdata, or a peer-pods-cm with INITDATA), or a TOML file.
struct InitDataExplanation {
  std::string source;  // "annotation", "configmap <name>", "peer-pods-cm", "toml"
  std::string toml;
  std::string algorithm, version;
  std::map<std::string, std::string> files;  // aa.toml, cdh.toml, policy.rego, and any other key
  // Data keys CAA does not write into the VM ("File: %s is not allowed in initdata.").
  std::vector<std::string> ignored_keys;
  std::string kbs_url, kbs_cert_subject;  // from aa.toml [token_configs.kbs] / cdh.toml [kbc]
  std::vector<std::string> notes;         // inconsistencies worth a look
  InitDataDigests digests;
  // With reference values: is PCR8 in snp_pcr08, tdx_pcr08 or init_data?
  std::optional<bool> in_reference_values;
  std::vector<std::string> reference_value_names_matching;
};
// reference_values: the chart's list form or the RVPS's {name: [values]} map. Errors:
// pattern.initdata_unrecognized (none of the forms), pattern.initdata_encoding, pattern.manifest_invalid,
// trustee.initdata_*, pattern.reference_values_invalid.
Result<InitDataExplanation> explain_initdata(std::string_view input,
                                             const std::optional<nlohmann::json>& reference_values);

}  // namespace coco::pattern
