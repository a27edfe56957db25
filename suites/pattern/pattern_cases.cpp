// The `pattern` suite: what the validated pattern promises its users, on a simulated deployment of it
// (conformance/pattern_suite.h). Each case starts from the scenario freshly brought up.
#include <algorithm>

#include "azure/tpm.h"
#include "conformance/pattern_suite.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "guest/sealed_secret.h"
#include "jose/jose.h"
#include "pattern/initdata.h"

namespace coco::conformance {
namespace {

constexpr const char* kHello = "hello-openshift";
constexpr const char* kKbsAccess = "kbs-access";
constexpr const char* kKey3File = "/output/kbsres1.txt";
constexpr const char* kExecDenied = "ExecProcessRequest is blocked by policy";

std::string contains_or(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos ? "" : "expected \"" + needle + "\" in: " + haystack;
}

void expect_contains(PatternContext& ctx, const std::string& text, const std::string& needle,
                     const std::string& what) {
  const std::string why = contains_or(text, needle);
  if (!why.empty()) ctx.fail(what + ": " + why);
}

std::string kbs_access_file(PatternContext& ctx) {
  return ctx.need(ctx.cluster().read_file(kKbsAccess, "secure", kKey3File),
                  std::string("reading ") + kKey3File);
}

// A peer pod in hello-openshift with the given annotations (added to the secure pod's).
std::string peer_pod_manifest(const std::string& name, const std::string& extra_annotations) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  namespace: hello-openshift\n"
         "  annotations:\n    coco.io/initdata-configmap: initdata\n" +
         extra_annotations +
         "spec:\n  runtimeClassName: kata-remote\n  containers:\n    - name: app\n"
         "      image: quay.io/openshift/origin-hello-openshift\n";
}

void add(PatternCaseList& cases, std::string id, std::string title, std::function<void(PatternContext&)> body,
         std::function<void(pattern::Scenario&)> adjust = {}) {
  cases.push_back({"pattern." + std::move(id), std::move(title), std::move(body), std::move(adjust)});
}

}  // namespace

void add_pattern_cases(PatternCaseList& cases) {
  add(cases, "peer_pods_cm_from_cloud_conf",
      "peer-pods-cm holds exactly the keys the ACM policy builds from cloud.conf, with INITDATA from "
      "imperative/initdata",
      [](PatternContext& ctx) {
        const auto& cm = ctx.deployment().peer_pods_cm();
        const auto& cc = ctx.deployment().cloud_conf();
        const std::vector<std::string> keys = {
            "AZURE_IMAGE_ID",  "AZURE_INSTANCE_SIZE", "AZURE_INSTANCE_SIZES",
            "AZURE_NSG_ID",    "AZURE_REGION",        "AZURE_RESOURCE_GROUP",
            "AZURE_SUBNET_ID", "CLOUD_PROVIDER",      "DISABLECVM",
            "INITDATA",        "PROXY_TIMEOUT",       "VXLAN_PORT"};
        std::vector<std::string> got;
        for (const auto& [k, v] : cm) got.push_back(k);
        ctx.expect(got == keys, "peer-pods-cm keys differ from pattern.md 2.1");
        ctx.expect(cm.at("AZURE_SUBNET_ID") == "/subscriptions/" + cc.subscription_id + "/resourceGroups/" +
                                                   cc.vnet_resource_group +
                                                   "/providers/Microsoft.Network/virtualNetworks/" +
                                                   cc.vnet_name + "/subnets/" + cc.subnet_name,
                   "AZURE_SUBNET_ID is " + cm.at("AZURE_SUBNET_ID"));
        ctx.expect(cm.at("AZURE_REGION") == cc.location && cm.at("AZURE_RESOURCE_GROUP") == cc.resource_group,
                   "region or resource group not taken from cloud.conf");
        const auto* initdata = ctx.cluster().configmap("imperative", "initdata");
        ctx.expect(initdata && cm.at("INITDATA") == initdata->data.at("INITDATA"),
                   "INITDATA is not imperative/initdata's INITDATA");
        ctx.expect(cm.at("DISABLECVM") == "false" && cm.at("CLOUD_PROVIDER") == "azure", "CVM not enabled");
      });

  add(cases, "initdata_injected",
      "Kyverno injects each pod's init-data from the ConfigMap it names; runc pods get none",
      [](PatternContext& ctx) {
        const std::string annotation(pattern::kInitDataAnnotation);
        auto secure = ctx.cluster().pod_manifest(kHello, "secure");
        auto debug = ctx.cluster().pod_manifest(kHello, "insecure-policy");
        auto standard = ctx.cluster().pod_manifest(kHello, "standard");
        ctx.expect(secure && debug && standard, "hello-openshift pods missing");
        const auto* cm = ctx.cluster().configmap(kHello, "initdata");
        const auto* dcm = ctx.cluster().configmap(kHello, "debug-initdata");
        ctx.expect(cm && dcm, "the init-data ConfigMaps were not propagated to hello-openshift");
        ctx.expect(secure->meta.annotations.count(annotation) &&
                       secure->meta.annotations.at(annotation) == cm->data.at("INITDATA"),
                   "secure does not carry initdata's INITDATA");
        ctx.expect(debug->meta.annotations.count(annotation) &&
                       debug->meta.annotations.at(annotation) == dcm->data.at("INITDATA"),
                   "insecure-policy does not carry debug-initdata's INITDATA");
        ctx.expect(!standard->meta.annotations.count(annotation), "the runc pod got init-data");
      });

  add(cases, "peer_pods_on_confidential_vms",
      "secure pods run on ConfidentialVM instances with a vTPM whose PCR8 is the ConfigMap's PCR8_HASH",
      [](PatternContext& ctx) {
        const auto p = ctx.running(kHello, "secure");
        ctx.expect(p.peer_pod && p.instance_size == ctx.deployment().scenario().default_vm_flavour,
                   "secure runs on " + p.instance_size);
        auto vm = ctx.deployment().compute().vm(p.instance_name);
        ctx.expect(vm.has_value(), "no VM " + p.instance_name + " in the compute API");
        ctx.expect(vm->security_type == "ConfidentialVM" && vm->vtpm, "the VM is not a CVM with vTPM");
        auto pcrs = ctx.need(ctx.cluster().podvm(kHello, "secure")->cvm().tpm().read_pcrs(), "reading PCRs");
        const auto* cm = ctx.cluster().configmap("imperative", "initdata");
        ctx.expect(hex_encode(pcrs[8]) == cm->data.at("PCR8_HASH"),
                   "PCR8 " + hex_encode(pcrs[8]) + " is not PCR8_HASH " + cm->data.at("PCR8_HASH"));
        ctx.expect(ctx.pod(kHello, "standard").phase == "Running" && !ctx.pod(kHello, "standard").peer_pod,
                   "standard is not a running runc pod");
      });

  add(cases, "kbs_access_reads_key3", "kbs-access's init container gets default/kbsres1/key3 through the CDH",
      [](PatternContext& ctx) {
        ctx.running(kKbsAccess, "secure");
        const std::string want = ctx.deployment().secrets().at("default/kbsres1/key3");
        const std::string got = kbs_access_file(ctx);
        if (got != want)
          ctx.fail("kbsres1.txt holds \"" + got + "\", not key3; KBS: " + ctx.kbs_failure_log());
      });

  add(cases, "secret_change_after_restart", "a secret changed in Vault reaches kbs-access after a restart",
      [](PatternContext& ctx) {
        const std::string old_value = kbs_access_file(ctx);
        ctx.need(ctx.deployment().set_secret("kbsres1", "key3", "rotated-key3-value"), "changing key3");
        ctx.expect(kbs_access_file(ctx) == old_value, "the running pod's file changed without a restart");
        ctx.need(ctx.cluster().restart_pod(kKbsAccess, "secure"), "oc rollout restart");
        ctx.running(kKbsAccess, "secure");
        const std::string got = kbs_access_file(ctx);
        ctx.expect(got == "rotated-key3-value", "after restart kbsres1.txt holds \"" + got + "\"");
      });

  add(cases, "exec_secure_denied", "oc exec into secure is denied by the agent policy (ExecProcessRequest)",
      [](PatternContext& ctx) {
        const auto r = ctx.exec(kHello, "secure", {"ls", "/"});
        ctx.expect(r.exit_code != 0, "exec into secure was allowed");
        expect_contains(ctx, r.err, kExecDenied, "the exec error");
        expect_contains(ctx, r.err, "error executing command in container", "the exec error (CRI-O)");
      });

  add(cases, "exec_insecure_policy_allowed",
      "oc exec into insecure-policy works and its output is streamed (debug init-data)",
      [](PatternContext& ctx) {
        const auto r = ctx.exec(kHello, "insecure-policy",
                                {"curl", "-s", "http://127.0.0.1:8006/cdh/resource/default/kbsres1/key1"});
        ctx.expect(r.exit_code == 0, "exec failed: " + r.err);
        ctx.expect(
            r.out == ctx.deployment().secrets().at("default/kbsres1/key1"),
            "curl in insecure-policy printed \"" + r.out + "\", not key1; KBS: " + ctx.kbs_failure_log());
      });

  add(cases, "exec_allowlisted_curls",
      "the secure policy's two allow-listed curls run (output not streamed); the same with an extra argument "
      "is denied",
      [](PatternContext& ctx) {
        for (const char* what : {"status", "random"}) {
          const std::vector<std::string> args = {
              "curl", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/" + std::string(what)};
          const auto r = ctx.exec(kHello, "secure", args);
          ctx.expect(r.exit_code == 0, "allow-listed curl " + args[1] + " failed: " + r.err);
          ctx.expect(r.out.empty(), "output of an exec was streamed although ReadStreamRequest is denied");
        }
        const auto r =
            ctx.exec(kHello, "secure",
                     {"curl", "-s", "http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"});
        ctx.expect(r.exit_code != 0, "a command outside the allow-list ran");
        expect_contains(ctx, r.err, kExecDenied, "the exec error");
      });

  add(cases, "initdata_change_needs_reference_values",
      "init-data changed without updating the reference values is denied (PCR8); updating them releases "
      "again",
      [](PatternContext& ctx) {
        const std::string toml = pattern::render_initdata({ctx.stack().url(), ctx.stack().ca_pem()},
                                                          pattern::InitDataFlavour::secure, "reject");
        ctx.need(ctx.deployment().update_initdata("initdata", toml, false), "re-rendering initdata");
        ctx.need(ctx.cluster().restart_pod(kKbsAccess, "secure"), "oc rollout restart");
        const std::string key3 = ctx.deployment().secrets().at("default/kbsres1/key3");
        std::string got = kbs_access_file(ctx);
        ctx.expect(got != key3, "key3 was released to a pod whose PCR8 is not in the reference values");
        const std::string log = ctx.kbs_failure_log();
        ctx.expect(!log.empty(), "the KBS logged no denial");
        ctx.need(ctx.deployment().update_initdata("initdata", toml, true), "updating the reference values");
        ctx.need(ctx.cluster().restart_pod(kKbsAccess, "secure"), "oc rollout restart");
        got = kbs_access_file(ctx);
        ctx.expect(got == key3, "after updating the reference values kbsres1.txt holds \"" + got +
                                    "\"; KBS: " + ctx.kbs_failure_log());
      });

  add(cases, "quota_exceeded",
      "a pod beyond the region's vCPU quota fails with Azure's quota error through CAA",
      [](PatternContext& ctx) {
        ctx.deployment().compute().set_quota("standardDCASv5Family", 6);  // 3 peer pods use 2 cores each
        const auto p = ctx.create(peer_pod_manifest("over-quota", ""));
        ctx.expect(p.phase == "Failed",
                   "the pod beyond quota is " + p.phase + " (" +
                       std::to_string(ctx.deployment().compute().cores_in_use(
                           "standardDCASv5Family", ctx.deployment().cloud_conf().location)) +
                       " cores in use of a limit of 6)");
        expect_contains(ctx, p.message, "creating an instance : ", "the pod's event");
        expect_contains(ctx, p.message, "OperationNotAllowed", "the pod's event");
        expect_contains(ctx, p.message, "standardDCASv5Family", "the pod's event");
      });

  add(cases, "size_not_available",
      "a size the region does not offer fails the pod with Azure's SkuNotAvailable", [](PatternContext& ctx) {
        ctx.deployment().compute().set_size_unavailable("Standard_DC2as_v5",
                                                        ctx.deployment().cloud_conf().location);
        const auto p = ctx.create(peer_pod_manifest("no-capacity", ""));
        ctx.expect(p.phase == "Failed", "the pod is " + p.phase);
        expect_contains(ctx, p.message, "creating an instance : ", "the pod's event");
        expect_contains(ctx, p.message, "SkuNotAvailable", "the pod's event");
      });

  add(cases, "instance_type_not_listed",
      "a machine_type annotation outside AZURE_INSTANCE_SIZES fails the pod", [](PatternContext& ctx) {
        const auto p = ctx.create(peer_pod_manifest(
            "wrong-size", "    io.katacontainers.config.hypervisor.machine_type: Standard_D2s_v5\n"));
        ctx.expect(p.phase == "Failed", "the pod is " + p.phase);
        expect_contains(
            ctx, p.message,
            "requested instance type (\"Standard_D2s_v5\") is not part of supported instance types list",
            "the pod's event");
      });

  add(cases, "user_data_too_large",
      "init-data that makes userData exceed 64 KiB fails the pod with CAA's error", [](PatternContext& ctx) {
        std::string policy = "package agent_policy\ndefault ExecProcessRequest := false\n";
        // Incompressible padding (a comment of hex digits) so that gzip cannot hide the size.
        for (int i = 0; policy.size() < 80 * 1024; ++i)
          policy += "# " + hex_encode(sha256(as_bytes(std::to_string(i)))) + "\n";
        const std::string toml =
            pattern::render_initdata_with_policy({ctx.stack().url(), ctx.stack().ca_pem()}, policy);
        const auto p =
            ctx.create(peer_pod_manifest("big-initdata", "    " + std::string(pattern::kInitDataAnnotation) +
                                                             ": " + pattern::encode_initdata(toml) + "\n"));
        ctx.expect(p.phase == "Failed", "the pod is " + p.phase);
        expect_contains(ctx, p.message, "base64 encoded userData is greater than 64KB", "the pod's event");
      });

  add(cases, "tdx_and_snp_sizes",
      "a DCes_v6 size gives a TDX VM with az-tdx-vtpm evidence, DCas_v5 an SNP one; both get secrets",
      [](PatternContext& ctx) {
        auto cm = ctx.cluster().peer_pods_cm();
        cm["AZURE_INSTANCE_SIZES"] += ",Standard_DC2es_v6";
        ctx.cluster().set_peer_pods_cm(cm);
        const auto tdx = ctx.create(peer_pod_manifest(
            "tdx", "    io.katacontainers.config.hypervisor.machine_type: Standard_DC2es_v6\n"));
        ctx.expect(tdx.phase == "Running", "the TDX pod is " + tdx.phase + ": " + tdx.message);
        ctx.expect(tdx.tee == "az-tdx-vtpm", "Standard_DC2es_v6 gave " + tdx.tee);
        ctx.expect(ctx.pod(kHello, "secure").tee == "az-snp-vtpm",
                   "Standard_DC2as_v5 did not give az-snp-vtpm");
        auto* api = ctx.cluster().podvm(kHello, "tdx")->api();
        ctx.expect(api != nullptr, "the TDX VM has no CDH");
        const Bytes secret = ctx.need(api->get_resource("kbs:///default/kbsres1/key2"), "key2 on the TDX VM");
        ctx.expect(to_string(secret) == ctx.deployment().secrets().at("default/kbsres1/key2"), "wrong key2");
        const auto ev = HttpClient().get(api->url() + "/aa/evidence?runtime_data=test");
        ctx.expect(ev && ev.value().status == 200 && ev.value().body.find("td_quote") != std::string::npos,
                   "/aa/evidence on the TDX VM is not az-tdx-vtpm evidence");
      });

  add(
      cases, "no_nat_gateway",
      "without the NAT gateway peer pods cannot reach the KBS: kbs-access gets no secret",
      [](PatternContext& ctx) {
        ctx.running(kKbsAccess, "secure");  // the VM comes up; only its traffic out has nowhere to go
        const std::string got = kbs_access_file(ctx);
        ctx.expect(got != ctx.deployment().secrets().at("default/kbsres1/key3"),
                   "key3 arrived although the VM has no outbound route");
      },
      [](pattern::Scenario& s) { s.nat_gateway = false; });

  add(cases, "sealed_secret_env",
      "a sealed vault secret in a pod's environment is unsealed inside the VM (the KBS's key3, signature "
      "checked)",
      [](PatternContext& ctx) {
        // As CAA's e2e does it: the signing JWK in the KBS, the sealed string in a Kubernetes Secret.
        const Key signing =
            ec_key_from_seed(Curve::p256, as_bytes(std::string("pattern-sealed")), "signing-key");
        ctx.need(
            ctx.deployment().set_secret("signing-key", "sealed-secret", jose::public_jwk(signing).dump()),
            "storing the signing key");
        const std::string sealed =
            ctx.need(guest::seal_secret(guest::vault_payload("kbs:///default/kbsres1/key3"), signing,
                                        "kbs:///default/signing-key/sealed-secret"),
                     "sealing");
        pattern::Secret secret;
        secret.meta.name = "sealed-secret";
        secret.meta.ns = kHello;
        secret.data["secret"] = sealed;
        ctx.cluster().apply(secret);
        ctx.create(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sealed\n  namespace: hello-openshift\n"
            "  annotations: {coco.io/initdata-configmap: debug-initdata}\nspec:\n  runtimeClassName: "
            "kata-remote\n"
            "  containers:\n    - name: app\n      image: ubi\n      env:\n        - name: PROTECTED_SECRET\n"
            "          valueFrom: {secretKeyRef: {name: sealed-secret, key: secret}}\n");
        ctx.running(kHello, "sealed");
        const auto r = ctx.exec(kHello, "sealed", {"printenv", "PROTECTED_SECRET"});
        ctx.expect(r.out == ctx.deployment().secrets().at("default/kbsres1/key3") + "\n",
                   "PROTECTED_SECRET is \"" + r.out + "\", not key3");
        // A runc pod gets the sealed string as it is: only the CDH can unseal it.
        ctx.create(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\n  namespace: hello-openshift\nspec:\n"
            "  containers:\n    - name: app\n      image: ubi\n      env:\n        - name: PROTECTED_SECRET\n"
            "          valueFrom: {secretKeyRef: {name: sealed-secret, key: secret}}\n");
        const auto plain = ctx.exec(kHello, "plain", {"printenv", "PROTECTED_SECRET"});
        ctx.expect(plain.out == sealed + "\n", "the runc pod saw something other than the sealed string");
      });

  add(
      cases, "slow_provisioning",
      "VMs that take a while to provision still become running pods (CAA polls until Succeeded)",
      [](PatternContext& ctx) {
        ctx.running(kKbsAccess, "secure");
        const std::string got = kbs_access_file(ctx);
        ctx.expect(got == ctx.deployment().secrets().at("default/kbsres1/key3"),
                   "kbsres1.txt holds \"" + got + "\"");
      },
      [](pattern::Scenario& s) { s.provisioning_delay_ms = 300; });

  add(cases, "aa_token",
      "the attestation agent in insecure-policy returns a KBS token (curl /aa/token?token_type=kbs)",
      [](PatternContext& ctx) {
        const auto r = ctx.exec(kHello, "insecure-policy",
                                {"curl", "-f", "-s", "-S", "http://127.0.0.1:8006/aa/token?token_type=kbs"});
        ctx.expect(r.exit_code == 0, "curl /aa/token failed: " + r.err + "; KBS: " + ctx.kbs_failure_log());
        nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
        ctx.expect(j.is_object() && j.contains("token") && j["token"].is_string(), "no token in " + r.out);
      });
}

}  // namespace coco::conformance
