// The Azure compute API that peer pods are created through, both sides, on loopback:
// - FakeCompute, a fake of the parts of Azure Resource Manager (ARM) and Entra ID (AAD) that
//   cloud-api-adaptor (CAA) uses, speaking their wire protocol (HTTP/JSON), validating a VM request the way
//   Azure does and answering with Azure's error codes and messages, with the faults users of the pattern
//   meet in practice (pattern.md 7 item 6: confidential sizes missing in a region, family quota exhausted;
//   item 5 and 2.4: no outbound route until the NAT gateway is configured; slow provisioning);
// - CAA's Azure provider (src/cloud-providers/azure/provider.go, manager.go; src/cloud-providers/util.go):
//   the configuration it reads from peer-pods-cm and peer-pods-secret, instance-type selection with its
//   exact error strings, and CreateInstance / DeleteInstance as HTTP calls, so a harness can watch the VM
//   a pod would get (size, security profile, user data) and see the errors a pod event would show.
//
// Wire protocol (the real paths; the fake serves token and ARM on one loopback origin):
//   POST /<tenant>/oauth2/v2.0/token   form: grant_type=client_credentials, client_id, client_secret,
//        scope=https://management.azure.com/.default
//        -> 200 {"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":...}
//        -> 401 {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret
//           provided. ...","error_codes":[7000215],...} (wrong secret); 400 for a wrong client id
//           (AADSTS700016), tenant (AADSTS90002), grant type (AADSTS70003), scope (AADSTS70011) or a
//           missing secret (AADSTS7000216)
//   GET  /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/vmSizes?api-version=
//        -> {"value":[{"name","numberOfCores","osDiskSizeInMB","resourceDiskSizeInMB","memoryInMB",
//           "maxDataDiskCount"}]}
//   PUT  /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}
//        ?api-version=2023-09-01 -> 201 provisioningState "Creating" (200 when it replaces a VM), no
//        Azure-AsyncOperation header: clients poll the VM (the SDK's body poller) until "Succeeded"
//   GET  same path -> the VM; 404 ResourceNotFound when there is none
//   DELETE same path -> 202 with Azure-AsyncOperation and Location (an operation that has Succeeded);
//        the VM is gone at once; 204 when there was no VM
//   GET  /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id} -> the status
//   GET  /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/{nic}
//        -> the NIC CAA reads the pod VM's IP from
// ARM answers errors as {"error":{"code","message"[,"target"]}}: 401 InvalidAuthenticationToken /
// AuthenticationFailed (no bearer), 400 MissingApiVersionParameter, 404 SubscriptionNotFound, 400
// InvalidRequestContent / LocationRequired / InvalidParameter (unknown size, missing image reference,
// user data not base64 or over 64 KiB, no subnet, no admin user, ConfidentialVM without vTPM or without
// VMGuestStateOnly disk encryption), 400 BadRequest (a non-confidential size with ConfidentialVM), 404
// NotFound (an image the fake does not know), 409 SkuNotAvailable, 409 OperationNotAllowed (quota).
//
// Strings taken from the sources: CAA's errors (src/cloud-providers/util.go, azure/provider.go), the Azure
// SDK's ResponseError layout (azcore), and Azure's own texts as users and Microsoft's error-code tables
// quote them: the family-quota OperationNotAllowed message, SkuNotAvailable (capacity-restriction form),
// ResourceNotFound, "The requested VM size ... is not available in the current region", the
// ConfidentialVM-size message, AADSTS7000215. Not confirmed, and marked where they are built: the vTPM and
// disk-encryption messages, the missing-image and user-data-size messages, BadRequest as the code of the
// ConfidentialVM-size error, the other AADSTS texts, azidentity's wording of a failed token request, and
// how CAA words a missing required setting.
//
// Error codes of the client side (Error.code): azure.compute_config_missing (a required setting absent),
// azure.compute_image_empty ("ImageId is empty"), azure.compute_instance_type (selection failed; CAA's
// exact text), azure.compute_userdata_too_large, azure.compute_auth_failed (AAD refused, or ARM 401),
// azure.compute_invalid_request (ARM 400), azure.compute_sku_not_available,
// azure.compute_operation_not_allowed (quota), azure.compute_not_found (ARM 404, or an instance id CAA's
// regex does not match: "VM name not found"), azure.compute_api_error (any other ARM status),
// azure.compute_unreachable (transport), azure.compute_bad_response (not the JSON expected),
// azure.compute_timeout (provisioning did not finish). ARM errors reach the caller as CAA wraps them, with
// the SDK's multi-line ResponseError on one line:
//   Creating instance (<nil>): beginning VM creation or update: PUT http://127.0.0.1:P/subscriptions/...:
//   RESPONSE 409: 409 Conflict: ERROR CODE: OperationNotAllowed: Operation could not be completed as ...
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "azure/cloud_config.h"
#include "core/http.h"
#include "core/result.h"

namespace coco::azure {

// The client sends these; the fake requires an api-version but accepts any.
inline constexpr std::string_view kArmComputeApiVersion = "2023-09-01";
inline constexpr std::string_view kArmNetworkApiVersion = "2023-09-01";
inline constexpr std::string_view kVmNetworkApiVersion = "2020-11-01";  // networkProfile.networkApiVersion
inline constexpr std::string_view kArmScope = "https://management.azure.com/.default";
inline constexpr std::size_t kMaxUserDataBase64 = 64 * 1024;  // Azure's limit, CAA checks it first
inline constexpr int kMaxInstanceNameLen = 63;                // CAA azure maxInstanceNameLen
// CAA provider.go sets Standard_LRS on the OS disk (pattern.md 5.1 says Premium_LRS; the source wins).
inline constexpr std::string_view kOsDiskStorageAccountType = "Standard_LRS";

struct VmSize {
  std::string name;
  int cores = 0;
  int memory_mb = 0;
  bool operator==(const VmSize&) const = default;
};

struct VmSizeInfo {
  VmSize size;
  int max_data_disks = 0;
  int os_disk_mb = 1047552;
  int resource_disk_mb = 0;
  std::string family;  // the quota family, e.g. "standardDCASv5Family"
  std::string tee;     // "snp", "tdx", or "" for a size that cannot be a ConfidentialVM
};

// What the fake's sizes API lists, with the real cores and memory: DCas_v5, DCads_v5, ECas_v5, ECads_v5
// (SEV-SNP), DCes_v5, DCes_v6 (TDX), each 2..96 vCPUs, and Dsv5 general-purpose sizes (negative cases).
const std::vector<VmSizeInfo>& vm_size_catalog();
const VmSizeInfo* find_vm_size(std::string_view name);  // nullptr when not in the catalog

// A VM as the fake holds it, decoded from the request.
struct VmRecord {
  std::string name, id, resource_group, location, size, tee;
  std::string image_id;  // imageReference.id or communityGalleryImageId
  bool community_gallery_image = false;
  std::string security_type;  // "ConfidentialVM", or "" (DISABLECVM)
  bool vtpm = false, secure_boot = false;
  std::string disk_encryption_type;  // osDisk.managedDisk.securityProfile.securityEncryptionType
  std::string storage_account_type;  // osDisk.managedDisk.storageAccountType
  std::string os_disk_name;
  int disk_size_gb = 0;   // 0 = the image's size
  std::string user_data;  // decoded
  std::map<std::string, std::string> tags;
  std::string nic_name, subnet_id, nsg_id, private_ip;
  std::string admin_username, ssh_public_key;
  bool password_authentication_disabled = false;
  bool boot_diagnostics = false;
  bool outbound = false;           // the subnet has a NAT gateway
  std::string provisioning_state;  // "Creating", then "Succeeded"
  std::string vm_id;               // properties.vmId
};

struct FakeComputeOptions {
  // Bind address, port, threads, TLS; `server.faults` may be given to share a switch.
  HttpServerOptions server;
  // The one service principal and subscription the fake knows.
  std::string tenant_id, client_id, client_secret, subscription_id;
  // From creation to "Succeeded".
  std::chrono::milliseconds provisioning_delay{0};
  // Image ids a VM may be created from; empty: any.
  std::vector<std::string> images;
  // Subnets with a NAT gateway from the start (set_nat_gateway later, as the pattern's job does).
  std::vector<std::string> nat_gateway_subnets;

  static FakeComputeOptions for_credentials(const CloudCredentials& creds);
};

class FakeCompute : public FakeService {
 public:
  explicit FakeCompute(FakeComputeOptions options);
  ~FakeCompute();

  // start(), stop(), url(), port(), faults() (down, slow, status codes): FakeService (core/http.h).

  // Faults, settable while the server runs.
  // Cores quota of a VM family (e.g. "standardDCASv5Family") in every location; a VM that would take the
  // family's usage in its location over the limit is refused (409 OperationNotAllowed).
  void set_quota(const std::string& family, int core_limit);
  void clear_quotas();
  // Capacity restriction: creating `size` in `location` answers 409 SkuNotAvailable.
  void set_size_unavailable(const std::string& size, const std::string& location, bool unavailable = true);
  void set_provisioning_delay(std::chrono::milliseconds delay);  // for VMs created from now on
  // The pattern's configure-azure-nat-gateway job: VMs on the subnet (existing and new) get outbound access.
  void configure_nat_gateway(const std::string& subnet_id);
  void add_image(const std::string& image_id);

  // What exists now (provisioning state and outbound evaluated at the call).
  std::vector<VmRecord> vms() const;
  std::optional<VmRecord> vm(const std::string& name) const;
  int cores_in_use(const std::string& family, const std::string& location) const;

  struct Counters {
    std::uint64_t total = 0;  // requests that reached the service
    std::uint64_t tokens_issued = 0;
    std::uint64_t token_refused = 0;
    std::uint64_t size_lists = 0;
    std::uint64_t create_requests = 0;  // PUTs received
    std::uint64_t created = 0;          // PUTs accepted
    std::uint64_t deleted = 0;
    std::uint64_t rejected = 0;  // 4xx answers
  };
  Counters counters() const;

  // The service without a socket: what the server calls for each request.
  HttpResponse handle(const HttpRequest& request);

 private:
  struct Vm {
    VmRecord record;
    std::chrono::steady_clock::time_point ready_at;
  };
  HttpResponse token(const HttpRequest& request, std::string_view tenant);
  HttpResponse arm(const HttpRequest& request, const std::vector<std::string>& segments);
  HttpResponse list_sizes(std::string_view location);
  HttpResponse put_vm(const HttpRequest& request, const std::string& rg, const std::string& name);
  HttpResponse get_vm(const std::string& rg, const std::string& name);
  HttpResponse delete_vm(const std::string& rg, const std::string& name);
  HttpResponse get_nic(const std::string& rg, const std::string& nic);
  HttpResponse arm_error(int status, std::string_view code, const std::string& message,
                         std::string_view target = {});
  VmRecord snapshot(const Vm& vm) const;  // with state and outbound as of now; mu_ held
  int usage_locked(const std::string& family, const std::string& location, const std::string& except) const;

  FakeComputeOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Vm> vms_;  // key: lower-case "<rg>/<name>" (ARM names are case-insensitive)
  std::map<std::string, int> quotas_;
  std::set<std::pair<std::string, std::string>> unavailable_;  // (size, location)
  std::set<std::string> nat_subnets_;
  std::set<std::string> images_;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens_;  // token -> expiry
  std::chrono::milliseconds provisioning_delay_{0};
  std::uint64_t next_seq_ = 0;

  std::atomic<std::uint64_t> total_{0}, tokens_issued_{0}, token_refused_{0}, size_lists_{0},
      create_requests_{0}, created_{0}, deleted_{0}, rejected_{0};
};

// ---------------------------------------------------------------------------------------------------------
// CAA's side.

// Pod annotations: io.katacontainers.config.hypervisor.machine_type, default_vcpus, default_memory (MiB).
struct InstanceTypeRequest {
  std::string machine_type;
  int vcpus = 0;
  int memory_mb = 0;
};

// CAA's SelectInstanceTypeToUse (util.go): machine_type first; else, when both vcpus and memory are set,
// the first size of `size_list` (sorted as sort_vm_sizes sorts) with enough of both, found with Go's
// sort.Search as CAA does; else default_size. The result must be in `allowed` (or be default_size when
// `allowed` is empty). Errors (azure.compute_instance_type), CAA's text exactly:
//   failed to get instance type based on vCPU and memory annotations: no instance type found for the given
//     vcpus (2) and memory (18432)
//   failed to verify instance type: requested instance type ("X") is not part of supported instance types
//   list failed to verify instance type: requested instance type ("X") is not default ("D") and supported
//     instance types list is empty
Result<std::string> select_instance_type(const InstanceTypeRequest& request,
                                         const std::vector<VmSize>& size_list,
                                         const std::vector<std::string>& allowed,
                                         const std::string& default_size);
// CAA's SortInstanceTypesOnResources (no GPUs here): by memory, then vCPUs.
std::vector<VmSize> sort_vm_sizes(std::vector<VmSize> sizes);
// CAA's util.GenerateInstanceName: "podvm-<pod>-<first 8 of sandbox>", both sanitised to [a-z0-9-], the pod
// name cut so the whole fits max_len.
std::string generate_instance_name(std::string_view pod_name, std::string_view sandbox_id,
                                   int max_len = kMaxInstanceNameLen);

// The peer-pods-cm + peer-pods-secret values CAA's Azure provider reads (manager.go: env names and defaults).
struct CaaAzureConfig {
  std::string subscription_id, client_id, client_secret, tenant_id;
  std::string region, resource_group, subnet_id, nsg_id, image_id;
  std::string instance_size = "Standard_DC2as_v5";  // AZURE_INSTANCE_SIZE
  std::vector<std::string> instance_sizes;          // AZURE_INSTANCE_SIZES, comma separated
  bool disable_cvm = false;                         // DISABLECVM
  bool enable_secure_boot = false;                  // ENABLE_SECURE_BOOT
  bool use_public_ip = false;                       // USE_PUBLIC_IP
  int root_volume_size_gb = 0;                      // ROOT_VOLUME_SIZE
  std::map<std::string, std::string> tags;          // TAGS, k=v,k=v
  std::string ssh_username = "peerpod";             // SSH_USERNAME
  // CAA generates a key pair in memory when no key file is mounted; here a fixed ed25519 public key
  // derived from the client id stands in for it.
  std::string ssh_public_key;
};

// The two maps as CAA's environment (envFrom the ConfigMap, then the Secret). Errors:
// azure.compute_config_missing (AZURE_SUBSCRIPTION_ID, AZURE_REGION, AZURE_RESOURCE_GROUP or
// AZURE_SUBNET_ID absent or empty; the message names it; CAA's own wording not confirmed),
// azure.compute_image_empty ("ImageId is empty", CAA's ConfigVerifier).
// As CAA: booleans are true for "1"/"true" (any case), ROOT_VOLUME_SIZE keeps 0 when not a number, TAGS
// pairs up to the first malformed one are kept (CAA ignores KeyValueFlag.Set's error).
Result<CaaAzureConfig> caa_azure_config(const std::map<std::string, std::string>& peer_pods_cm,
                                        const std::map<std::string, std::string>& peer_pods_secret);

// CAA's provider.Instance plus what the fake says about it.
struct VmInstance {
  std::string id;    // the ARM resource id
  std::string name;  // podvm-...
  std::vector<std::string> ips;
  std::string size;
  std::string provisioning_state;
};

struct AzureComputeClientOptions {
  HttpClientOptions http;
  std::chrono::milliseconds request_timeout{10'000};
  // The SDK's pollers wait 30 s between polls against Azure; the fake needs far less.
  std::chrono::milliseconds poll_interval{20};
  std::chrono::milliseconds provisioning_timeout{60'000};
};

// CAA's Azure provider over HTTP(S). Not thread-safe (one per simulated CAA).
class AzureComputeClient {
 public:
  AzureComputeClient(std::string endpoint /* http://127.0.0.1:port of FakeCompute */, CaaAzureConfig config,
                     AzureComputeClientOptions options = {});

  const CaaAzureConfig& config() const { return config_; }

  // updateInstanceSizeSpecList: the sizes API filtered to AZURE_INSTANCE_SIZES (or AZURE_INSTANCE_SIZE when
  // that list is empty), sorted as CAA sorts. Cached after the first success. Errors wrapped as
  // "getting next page of VM sizes: ...".
  Result<std::vector<VmSize>> instance_sizes();
  Result<std::string> select(const InstanceTypeRequest& request);

  // CAA's CreateInstance: the instance type (selection errors as CAA returns them), the name, the userData
  // check (CAA's "base64 encoded userData is greater than 64KB", before any request to create), then the
  // PUT with CAA's body, polling until Succeeded, and the NIC's private IP. Failures of the PUT or the poll
  // come back as "Creating instance (<nil>): beginning VM creation or update: ..." or "... waiting for the
  // VM creation: ...".
  Result<VmInstance> create_instance(const std::string& pod_name, const std::string& sandbox_id,
                                     const std::string& cloud_config_user_data,
                                     const InstanceTypeRequest& request);
  // The same with only the machine_type annotation (empty: no annotation).
  Result<VmInstance> create_instance(const std::string& pod_name, const std::string& sandbox_id,
                                     const std::string& cloud_config_user_data,
                                     const std::string& instance_type);
  Result<VmInstance> get_instance(const std::string& instance_id);
  // CAA's DeleteInstance: the VM name from the id by CAA's regex (errNotFound, "VM name not found", when it
  // does not match), DELETE in the configured resource group, wait for the operation. Errors wrapped as
  // "beginning VM deletion: ..." / "waiting for the VM deletion: ...".
  Status delete_instance(const std::string& instance_id);

  // The JSON body CreateInstance sends (what the Go SDK marshals from armcompute.VirtualMachine).
  nlohmann::json vm_parameters(const std::string& instance_name, const std::string& instance_size,
                               const std::string& user_data_b64) const;

 private:
  Result<std::string> bearer();
  Result<HttpResponse> send(std::string_view method, const std::string& url, std::string body);
  Error response_error(std::string_view method, const std::string& url, const HttpResponse& response) const;
  Result<nlohmann::json> get_json(const std::string& url);
  std::string vm_path(const std::string& name) const;

  std::string endpoint_;
  CaaAzureConfig config_;
  AzureComputeClientOptions options_;
  HttpClient http_;
  std::string token_;
  std::chrono::steady_clock::time_point token_expiry_{};
  std::optional<std::vector<VmSize>> sizes_;
};

}  // namespace coco::azure
