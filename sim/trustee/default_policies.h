// The policies a fresh Trustee installs (with overwrite=false, so a stored policy wins): the attestation
// policies `default_cpu` and `default_gpu` of the EAR token broker and the KBS resource policy
// `default.rego`, plus the resource policies users commonly install (allow_all, deny_all, affirming).
//
// These are coco-harness's own Rego, written to decide exactly as Trustee's shipped policies do
// (trustee.md 3.6 and 3.7); the `DefaultPolicies` test runs both on the same inputs and compares verdicts.
#pragma once

#include <string_view>

namespace coco::trustee {

std::string_view default_cpu_policy();
std::string_view default_gpu_policy();

std::string_view default_resource_policy();  // denies the sample TEE, allows every other attested TEE
std::string_view allow_all_resource_policy();
std::string_view deny_all_resource_policy();
std::string_view affirming_resource_policy();  // every submod affirming, at least one submod

// The validated pattern's Trustee chart (pattern.md 1.8), GPU disabled: `default_cpu` trusts Azure vTPM
// evidence whose PCRs 3, 8, 9, 11 and 12 are reference values (snp_pcrNN / tdx_pcrNN), and bare-metal SNP
// and TDX whose init-data digest is in reference value `init_data`; the resource policy releases only when
// every submod is affirming.
std::string_view pattern_cpu_policy();
std::string_view pattern_resource_policy();

}  // namespace coco::trustee
