#include "trustee/default_policies.h"

#include <string>

namespace coco::trustee {

namespace {

// What both attestation policies of the EAR broker start with: the eight AR4SI claims, "no assertion"
// (0) except the three a TEE must earn. AR4SI codes: 33/97/36 mean "not recognized"/"hardware not
// recognized"/"configuration unavailable", which the EAR tiers rank as warning/contraindicated/warning;
// 2-4 are affirming.
constexpr std::string_view kTrustClaimsPrelude = R"rego(package policy

import rego.v1

default executables := 33
default hardware := 97
default configuration := 36
default file_system := 0
default instance_identity := 0
default runtime_opaque := 0
default storage_opaque := 0
default sourced_data := 0

trust_claims := {
	"instance-identity": instance_identity,
	"configuration": configuration,
	"executables": executables,
	"file-system": file_system,
	"hardware": hardware,
	"runtime-opaque": runtime_opaque,
	"storage-opaque": storage_opaque,
	"sourced-data": sourced_data,
}
)rego";

}  // namespace

std::string_view default_cpu_policy() {
  static const std::string text = std::string(kTrustClaimsPrelude) + R"rego(
# rv_in(v, id): v is one of the reference values registered under id.
rv_in(v, id) if v in query_reference_value(id)

# --- sample (no hardware; fixed claims) ---
executables := 3 if {
	s := input.sample
	rv_in(s.launch_digest, "launch_digest")
}

hardware := 2 if {
	s := input.sample
	rv_in(s.svn, "svn")
	s.platform_version.major == query_reference_value("major_version")
	s.platform_version.minor >= query_reference_value("minimum_minor_version")
}

configuration := 2 if input.sample.debug == false

# --- AMD SEV-SNP ---
executables := 3 if rv_in(input.snp.measurement, "snp_launch_measurement")

hardware := 2 if {
	s := input.snp
	rv_in(s.reported_tcb_bootloader, "snp_bootloader")
	rv_in(s.reported_tcb_microcode, "snp_microcode")
	rv_in(s.reported_tcb_snp, "snp_snp_svn")
	rv_in(s.reported_tcb_tee, "snp_tee_svn")
}

snp_guest_policy_safe if {
	input.snp.policy_debug_allowed == false
	input.snp.policy_migrate_ma == false
}

configuration := 2 if {
	snp_guest_policy_safe
	s := input.snp
	s.platform_smt_enabled == query_reference_value("snp_smt_enabled")
	s.platform_tsme_enabled == query_reference_value("snp_tsme_enabled")
	s.policy_abi_major == query_reference_value("snp_guest_abi_major")
	s.policy_abi_minor == query_reference_value("snp_guest_abi_minor")
	s.policy_single_socket == query_reference_value("snp_single_socket")
	s.policy_smt_allowed == query_reference_value("snp_smt_allowed")
} else := 3 if snp_guest_policy_safe

# --- Intel TDX ---
tdx_rtmrs_known if {
	rv_in(input.tdx.quote.body.rtmr_1, "rtmr_1")
	rv_in(input.tdx.quote.body.rtmr_2, "rtmr_2")
}

tdx_event_digest_known(type_name, rv_id) if {
	some event in input.tdx.uefi_event_logs
	event.type_name == type_name
	tdx_event_matches(event, type_name)
	some d in event.digests
	d.digest == query_reference_value(rv_id)
}

tdx_event_matches(event, "EV_EFI_BOOT_SERVICES_APPLICATION") if "File(kernel)" in event.details.device_paths

tdx_event_matches(event, "EV_EVENT_TAG") if event.details.string == "LOADED_IMAGE::LoadOptions"

executables := 3 if {
	tdx_rtmrs_known
	tdx_event_digest_known("EV_EFI_BOOT_SERVICES_APPLICATION", "tdvfkernel")
	tdx_event_digest_known("EV_EVENT_TAG", "tdvfkernelparams")
} else := 4 if tdx_rtmrs_known

tdx_platform_genuine(q) if {
	q.quote.header.tee_type == "81000000"
	q.quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
	rv_in(q.quote.body.mr_td, "mr_td")
	q.tcb_status == "UpToDate"
}

hardware := 2 if {
	tdx_platform_genuine(input.tdx)
	input.tdx.collateral_expiration_status == "0"
}

configuration := 2 if {
	input.tdx.td_attributes.debug == false
	rv_in(input.tdx.quote.body.xfam, "xfam")
}

# --- Azure SEV-SNP confidential VM with vTPM ---
executables := 3 if {
	a := input["az-snp-vtpm"]
	rv_in(a.measurement, "measurement")
	rv_in(a.tpm.pcr11, "snp_pcr11")
}

hardware := 2 if {
	a := input["az-snp-vtpm"]
	rv_in(a.reported_tcb_bootloader, "tcb_bootloader")
	rv_in(a.reported_tcb_microcode, "tcb_microcode")
	rv_in(a.reported_tcb_snp, "tcb_snp")
	rv_in(a.reported_tcb_tee, "tcb_tee")
}

configuration := 2 if {
	a := input["az-snp-vtpm"]
	rv_in(a.platform_smt_enabled, "smt_enabled")
	rv_in(a.platform_tsme_enabled, "tsme_enabled")
	rv_in(a.policy_abi_major, "abi_major")
	rv_in(a.policy_abi_minor, "abi_minor")
	rv_in(a.policy_single_socket, "single_socket")
	rv_in(a.policy_smt_allowed, "smt_allowed")
}

# --- Azure TDX confidential VM with vTPM ---
executables := 3 if rv_in(input["az-tdx-vtpm"].tpm.pcr11, "tdx_pcr11")

hardware := 2 if tdx_platform_genuine(input["az-tdx-vtpm"])

configuration := 2 if rv_in(input["az-tdx-vtpm"].quote.body.xfam, "xfam")

# --- TPM ---
hardware := 2 if input.tpm

executables := 3 if {
	rv_in(input.tpm.pcr11, "tpm_pcr11")
	rv_in(input.tpm.ak_public, "trusted_aks")
}

configuration := 0 if input.tpm

# --- IBM SE ---
executables := 3 if input.se

hardware := 2 if input.se

configuration := 2 if input.se

# --- Workload identifiers bound through init-data's agent policy ---
extensions := [{
	"name": "ear.trustee.identifiers",
	"key": -18,
	"value": {"validated": object.union_n([identifiers_images, identifiers_uids])},
}]

policy_containers := input.init_data_claims.agent_policy_claims.containers

container_images := [c.OCI.Annotations["io.kubernetes.cri.image-name"] | some c in policy_containers]

container_uids := [c.OCI.Process.User.UID | some c in policy_containers]

identifiers_images := {"container_images": container_images} if count(container_images) > 0
else := {}

identifiers_uids := {"container_uids": container_uids} if count(container_uids) > 0
else := {}
)rego";
  return text;
}

std::string_view default_gpu_policy() {
  static const std::string text = std::string(kTrustClaimsPrelude) + R"rego(
# Trustee's shipped GPU policy reads data.reference.*, which the AS never supplies: sample devices therefore
# stay at the defaults unless a user installs their own default_gpu policy. (Its NVIDIA rules are out of
# scope: coco-harness has no NVIDIA verifier.)
hardware := 2 if input.sampledevice.svn in data.reference.device_svn
)rego";
  return text;
}

std::string_view default_resource_policy() {
  return R"rego(package policy

import rego.v1

default allow := false

# Any attested TEE may read resources, except the sample TEE, which proves nothing.
allow if {
	data.plugin == "resource"
	not input.submods.cpu0["ear.veraison.annotated-evidence"].sample
}
)rego";
}

std::string_view allow_all_resource_policy() {
  return R"rego(package policy

import rego.v1

default allow := false

allow if data.plugin == "resource"
)rego";
}

std::string_view deny_all_resource_policy() {
  return R"rego(package policy

default allow := false
)rego";
}

std::string_view affirming_resource_policy() {
  return R"rego(package policy

import rego.v1

default allow := false

allow if {
	count(input.submods) > 0
	every submod in input.submods {
		submod["ear.status"] == "affirming"
	}
}
)rego";
}

std::string_view pattern_cpu_policy() {
  return R"rego(package policy

import rego.v1

default executables := 33
default hardware := 97
default configuration := 36

trust_claims := {
	"executables": executables,
	"hardware": hardware,
	"configuration": configuration,
}

# pcrs_known(evidence, prefix): PCRs 3, 8, 9, 11 and 12 are each one of the reference values <prefix>NN.
pcrs_known(ev, prefix) if {
	every n in ["03", "08", "09", "11", "12"] {
		ev.tpm[concat("", ["pcr", n])] in query_reference_value(concat("", [prefix, n]))
	}
}

executables := 3 if pcrs_known(input["az-snp-vtpm"], "snp_pcr")

hardware := 2 if input["az-snp-vtpm"]

configuration := 2 if input["az-snp-vtpm"]

executables := 3 if pcrs_known(input["az-tdx-vtpm"], "tdx_pcr")

hardware := 2 if {
	input["az-tdx-vtpm"].quote.header.tee_type == "81000000"
	input["az-tdx-vtpm"].quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
}

configuration := 2 if input["az-tdx-vtpm"]

# Bare metal: the init-data the peer-pod VM was launched with must be a known one.
bare_metal if input.snp

bare_metal if input.tdx

executables := 3 if {
	bare_metal
	input.init_data in query_reference_value("init_data")
}

hardware := 2 if bare_metal

configuration := 2 if bare_metal
)rego";
}

std::string_view pattern_resource_policy() {
  return affirming_resource_policy();
}

}  // namespace coco::trustee
