#include "azure/compute.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <thread>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"

namespace coco::azure {
namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) out.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

// One line of text, printable, for messages built from peer input.
std::string snippet(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c == '\r' || c == '\n') break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

// The node at `path` if it is a string.
std::optional<std::string> str_at(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object()) return std::nullopt;
    auto it = node->find(key);
    if (it == node->end()) return std::nullopt;
    node = &*it;
  }
  if (!node->is_string()) return std::nullopt;
  return node->get<std::string>();
}

const json* node_at(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

bool bool_at(const json& j, std::initializer_list<const char*> path) {
  const json* n = node_at(j, path);
  return n && n->is_boolean() && n->get<bool>();
}

std::string utc_timestamp(const char* format) {
  const std::time_t now = static_cast<std::time_t>(unix_now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

Error wrap(Error e, std::string_view prefix) {
  e.message = std::string(prefix) + ": " + e.message;
  return e;
}

// The parts of an ARM VM resource id: /subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/
// virtualMachines/NAME. CAA's regex is ^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/
// Microsoft\.Compute/virtualMachines/(.*)$ (case-sensitive; the name may contain anything, slashes too).
struct VmIdParts {
  std::string subscription, resource_group, name;
};
std::optional<VmIdParts> parse_vm_id(std::string_view id) {
  auto segment = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!id.starts_with(prefix)) return std::nullopt;
    id.remove_prefix(prefix.size());
    const std::size_t slash = id.find('/');
    if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
    std::string seg(id.substr(0, slash));
    id.remove_prefix(slash);
    return seg;
  };
  VmIdParts p;
  auto sub = segment("/subscriptions/");
  if (!sub) return std::nullopt;
  auto rg = segment("/resourceGroups/");
  if (!rg) return std::nullopt;
  constexpr std::string_view kTail = "/providers/Microsoft.Compute/virtualMachines/";
  if (!id.starts_with(kTail)) return std::nullopt;
  p.subscription = *sub;
  p.resource_group = *rg;
  p.name = std::string(id.substr(kTail.size()));
  return p;
}

// Go's fmt %q for the ASCII names CAA quotes.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// Go's sort.Search: the smallest index in [0, n) for which f is true, assuming f is false then true; n if
// none. CAA relies on it, so a list where that assumption breaks gives CAA's answer, not a linear scan's.
template <typename F>
std::size_t go_sort_search(std::size_t n, F f) {
  std::size_t i = 0, j = n;
  while (i < j) {
    const std::size_t h = (i + j) >> 1;
    if (!f(h)) {
      i = h + 1;
    } else {
      j = h;
    }
  }
  return i;
}

std::vector<VmSizeInfo> build_catalog() {
  std::vector<VmSizeInfo> out;
  struct Row {
    int cores, memory_gib, data_disks, resource_disk_gib;
  };
  auto series = [&](const char* prefix, const char* suffix, const char* family, const char* tee,
                    std::initializer_list<Row> rows) {
    for (const Row& r : rows) {
      VmSizeInfo s;
      s.size = {std::string("Standard_") + prefix + std::to_string(r.cores) + suffix, r.cores,
                r.memory_gib * 1024};
      s.max_data_disks = r.data_disks;
      s.resource_disk_mb = r.resource_disk_gib * 1024;
      s.family = family;
      s.tee = tee;
      out.push_back(std::move(s));
    }
  };
  // Azure's published sizes (learn.microsoft.com DCasv5/DCadsv5, ECasv5/ECadsv5, DCesv5, DCesv6, Dsv5).
  series("DC", "as_v5", "standardDCASv5Family", "snp",
         {{2, 8, 4, 0},
          {4, 16, 8, 0},
          {8, 32, 16, 0},
          {16, 64, 32, 0},
          {32, 128, 32, 0},
          {48, 192, 32, 0},
          {64, 256, 32, 0},
          {96, 384, 32, 0}});
  series("DC", "ads_v5", "standardDCADSv5Family", "snp",
         {{2, 8, 4, 75},
          {4, 16, 8, 150},
          {8, 32, 16, 300},
          {16, 64, 32, 600},
          {32, 128, 32, 1200},
          {48, 192, 32, 1800},
          {64, 256, 32, 2400},
          {96, 384, 32, 3600}});
  series("EC", "as_v5", "standardECASv5Family", "snp",
         {{2, 16, 4, 0},
          {4, 32, 8, 0},
          {8, 64, 16, 0},
          {16, 128, 32, 0},
          {20, 160, 32, 0},
          {32, 256, 32, 0},
          {48, 384, 32, 0},
          {64, 512, 32, 0},
          {96, 672, 32, 0}});
  series("EC", "ads_v5", "standardECADSv5Family", "snp",
         {{2, 16, 4, 75},
          {4, 32, 8, 150},
          {8, 64, 16, 300},
          {16, 128, 32, 600},
          {20, 160, 32, 750},
          {32, 256, 32, 1200},
          {48, 384, 32, 1800},
          {64, 512, 32, 2400},
          {96, 672, 32, 3600}});
  series("DC", "es_v5", "standardDCESv5Family", "tdx",
         {{2, 8, 4, 0},
          {4, 16, 8, 0},
          {8, 32, 16, 0},
          {16, 64, 32, 0},
          {32, 128, 32, 0},
          {48, 192, 32, 0},
          {64, 256, 32, 0},
          {96, 384, 32, 0}});
  series("DC", "es_v6", "standardDCESv6Family", "tdx",
         {{2, 8, 4, 0},
          {4, 16, 8, 0},
          {8, 32, 16, 0},
          {16, 64, 32, 0},
          {32, 128, 32, 0},
          {48, 192, 32, 0},
          {64, 256, 32, 0},
          {96, 384, 32, 0}});
  series("D", "s_v5", "standardDSv5Family", "", {{2, 8, 4, 0}, {4, 16, 8, 0}, {8, 32, 16, 0}});
  return out;
}

// An Entra ID error body (the keys AAD answers with).
HttpResponse aad_error(int status, std::string_view error, int aadsts, const std::string& description) {
  const std::string trace = simulated_uuid(std::to_string(unix_now()), description);
  json body{{"error", error},
            {"error_description", "AADSTS" + std::to_string(aadsts) + ": " + description + "\r\nTrace ID: " +
                                      trace + "\r\nCorrelation ID: " + simulated_uuid(trace, "correlation") +
                                      "\r\nTimestamp: " + utc_timestamp("%Y-%m-%d %H:%M:%SZ")},
            {"error_codes", json::array({aadsts})},
            {"timestamp", utc_timestamp("%Y-%m-%d %H:%M:%SZ")},
            {"trace_id", trace},
            {"correlation_id", simulated_uuid(trace, "correlation")},
            {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts)}};
  return HttpResponse::json(status, body.dump());
}

std::string resource_not_found(std::string_view type, const std::string& name, const std::string& rg) {
  return "The Resource '" + std::string(type) + "/" + name + "' under resource group '" + rg +
         "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix";
}

}  // namespace

const std::vector<VmSizeInfo>& vm_size_catalog() {
  static const std::vector<VmSizeInfo> catalog = build_catalog();
  return catalog;
}

const VmSizeInfo* find_vm_size(std::string_view name) {
  for (const auto& s : vm_size_catalog()) {
    if (iequals(s.size.name, name)) return &s;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// FakeCompute

FakeComputeOptions FakeComputeOptions::for_credentials(const CloudCredentials& creds) {
  FakeComputeOptions o;
  o.tenant_id = creds.tenant_id;
  o.client_id = creds.client_id;
  o.client_secret = creds.client_secret;
  o.subscription_id = creds.subscription_id;
  return o;
}

FakeCompute::FakeCompute(FakeComputeOptions options)
    : FakeService(options.server, [this](const HttpRequest& r) { return handle(r); }),
      options_(std::move(options)),
      provisioning_delay_(options_.provisioning_delay) {
  for (const auto& s : options_.nat_gateway_subnets) nat_subnets_.insert(lower(s));
  for (const auto& i : options_.images) images_.insert(lower(i));
}

FakeCompute::~FakeCompute() {
  stop();
}

void FakeCompute::set_quota(const std::string& family, int core_limit) {
  std::lock_guard lock(mu_);
  quotas_[lower(family)] = core_limit;
}

void FakeCompute::clear_quotas() {
  std::lock_guard lock(mu_);
  quotas_.clear();
}

void FakeCompute::set_size_unavailable(const std::string& size, const std::string& location,
                                       bool unavailable) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(lower(size), lower(location));
  if (unavailable) {
    unavailable_.insert(key);
  } else {
    unavailable_.erase(key);
  }
}

void FakeCompute::set_provisioning_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  provisioning_delay_ = delay;
}

void FakeCompute::configure_nat_gateway(const std::string& subnet_id) {
  std::lock_guard lock(mu_);
  nat_subnets_.insert(lower(subnet_id));
}

void FakeCompute::add_image(const std::string& image_id) {
  std::lock_guard lock(mu_);
  images_.insert(lower(image_id));
}

VmRecord FakeCompute::snapshot(const Vm& vm) const {
  VmRecord r = vm.record;
  r.provisioning_state = std::chrono::steady_clock::now() >= vm.ready_at ? "Succeeded" : "Creating";
  r.outbound = nat_subnets_.count(lower(r.subnet_id)) > 0;
  return r;
}

std::vector<VmRecord> FakeCompute::vms() const {
  std::lock_guard lock(mu_);
  std::vector<VmRecord> out;
  for (const auto& [key, vm] : vms_) out.push_back(snapshot(vm));
  return out;
}

std::optional<VmRecord> FakeCompute::vm(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& [key, vm] : vms_) {
    if (iequals(vm.record.name, name)) return snapshot(vm);
  }
  return std::nullopt;
}

int FakeCompute::usage_locked(const std::string& family, const std::string& location,
                              const std::string& except) const {
  int cores = 0;
  for (const auto& [key, vm] : vms_) {
    if (key == except) continue;
    const VmSizeInfo* info = find_vm_size(vm.record.size);
    if (info && iequals(info->family, family) && iequals(vm.record.location, location))
      cores += info->size.cores;
  }
  return cores;
}

int FakeCompute::cores_in_use(const std::string& family, const std::string& location) const {
  std::lock_guard lock(mu_);
  return usage_locked(family, location, "");
}

FakeCompute::Counters FakeCompute::counters() const {
  Counters c;
  c.total = total_.load();
  c.tokens_issued = tokens_issued_.load();
  c.token_refused = token_refused_.load();
  c.size_lists = size_lists_.load();
  c.create_requests = create_requests_.load();
  c.created = created_.load();
  c.deleted = deleted_.load();
  c.rejected = rejected_.load();
  return c;
}

HttpResponse FakeCompute::arm_error(int status, std::string_view code, const std::string& message,
                                    std::string_view target) {
  if (status >= 400 && status < 500) rejected_.fetch_add(1);
  json err{{"code", code}, {"message", message}};
  if (!target.empty()) err["target"] = target;
  return HttpResponse::json(status, json{{"error", err}}.dump());
}

HttpResponse FakeCompute::handle(const HttpRequest& req) {
  total_.fetch_add(1);
  const auto segs = split_path(req.path());
  try {
    if (segs.size() == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token") {
      if (req.method != "POST")
        return arm_error(405, "MethodNotAllowed", "The token endpoint only takes POST.");
      return token(req, segs[0]);
    }
    if (!segs.empty() && iequals(segs[0], "subscriptions")) return arm(req, segs);
    return arm_error(404, "NotFound", "No route for " + snippet(req.method, 16) + " " + snippet(req.path()));
  } catch (const std::exception& e) {
    return arm_error(500, "InternalServerError", std::string("fake compute failure: ") + snippet(e.what()));
  }
}

HttpResponse FakeCompute::token(const HttpRequest& req, std::string_view tenant) {
  std::map<std::string, std::string> form;
  for (auto& [k, v] : parse_query(req.body)) form.emplace(k, v);
  auto refuse = [&](int status, std::string_view error, int code, const std::string& description) {
    token_refused_.fetch_add(1);
    rejected_.fetch_add(1);
    return aad_error(status, error, code, description);
  };
  if (!iequals(tenant, options_.tenant_id)) {
    // Not confirmed against a live answer: the wording of AADSTS90002.
    return refuse(
        400, "invalid_request", 90002,
        "Tenant '" + snippet(tenant, 64) +
            "' not found. Check to make sure you have the correct tenant ID and are signing into the "
            "correct cloud. Check with your subscription administrator, this may happen if there are no "
            "active subscriptions for the tenant.");
  }
  if (form["grant_type"] != "client_credentials") {
    return refuse(400, "unsupported_grant_type", 70003,
                  "The app requested an unsupported grant type '" + snippet(form["grant_type"], 64) + "'.");
  }
  if (form["client_id"] != options_.client_id) {
    return refuse(
        400, "unauthorized_client", 700016,
        "Application with identifier '" + snippet(form["client_id"], 64) +
            "' was not found in the directory '" + options_.tenant_id +
            "'. This can happen if the application has not been installed by the administrator of the "
            "tenant or consented to by any user in the tenant. You may have sent your authentication "
            "request to the wrong tenant.");
  }
  if (!form.count("client_secret") || form["client_secret"].empty()) {
    return refuse(401, "invalid_client", 7000216,
                  "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' "
                  "grant type.");
  }
  if (form["client_secret"] != options_.client_secret) {
    return refuse(401, "invalid_client", 7000215,
                  "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                  "secret value, not the client secret ID, for a secret added to app '" +
                      options_.client_id + "'.");
  }
  if (form["scope"] != kArmScope) {
    return refuse(
        400, "invalid_scope", 1002012,
        "The provided value for scope " + snippet(form["scope"], 128) +
            " is not valid. Client credential flows must have a scope value with /.default suffixed to "
            "the resource identifier (application ID URI).");
  }
  // A JWT-shaped opaque token: clients must not read it, the fake only looks it up.
  const std::int64_t now = unix_now();
  const std::uint64_t n = tokens_issued_.fetch_add(1);
  json claims{{"aud", "https://management.azure.com"},
              {"iss", "https://sts.windows.net/" + options_.tenant_id + "/"},
              {"iat", now},
              {"nbf", now},
              {"exp", now + 3599},
              {"appid", options_.client_id},
              {"tid", options_.tenant_id},
              {"oid", simulated_uuid(options_.client_id, "oid")},
              {"uti", simulated_uuid(options_.client_id, std::to_string(n) + "/" + std::to_string(now))}};
  const std::string header = base64url_encode(as_bytes(R"({"typ":"JWT","alg":"RS256"})"));
  const std::string payload = base64url_encode(as_bytes(claims.dump()));
  const std::string sig = base64url_encode(
      hmac(HashAlg::sha256, as_bytes(options_.client_secret), as_bytes(header + "." + payload)));
  const std::string token = header + "." + payload + "." + sig;
  {
    std::lock_guard lock(mu_);
    tokens_[token] = std::chrono::steady_clock::now() + std::chrono::seconds(3599);
  }
  json body{
      {"token_type", "Bearer"}, {"expires_in", 3599}, {"ext_expires_in", 3599}, {"access_token", token}};
  return HttpResponse::json(200, body.dump());
}

HttpResponse FakeCompute::arm(const HttpRequest& req, const std::vector<std::string>& s) {
  const auto auth = req.headers.get("Authorization");
  if (!auth || !auth->starts_with("Bearer ")) {
    auto r = arm_error(401, "AuthenticationFailed",
                       "Authentication failed. The 'Authorization' header is missing.");
    r.headers.set("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/" +
                                          options_.tenant_id + "\", error=\"invalid_token\"");
    return r;
  }
  {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(auth->substr(7));
    if (it == tokens_.end() || std::chrono::steady_clock::now() >= it->second) {
      auto r = arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.");
      r.headers.set("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/" +
                                            options_.tenant_id + "\", error=\"invalid_token\"");
      return r;
    }
  }
  bool has_version = false;
  for (const auto& [k, v] : parse_query(req.query()))
    has_version = has_version || (k == "api-version" && !v.empty());
  if (!has_version) {
    return arm_error(400, "MissingApiVersionParameter",
                     "The api-version query parameter (?api-version=) is required for all requests.");
  }
  if (s.size() < 2 || !iequals(s[1], options_.subscription_id)) {
    return arm_error(
        404, "SubscriptionNotFound",
        "The subscription '" + (s.size() > 1 ? snippet(s[1], 64) : std::string()) + "' could not be found.");
  }
  auto method_not_allowed = [&] {
    return arm_error(
        405, "MethodNotAllowed",
        "The requested resource does not support http method '" + snippet(req.method, 16) + "'.");
  };
  // /subscriptions/S/providers/Microsoft.Compute/locations/L/{vmSizes | operations/ID}
  if (s.size() >= 7 && iequals(s[2], "providers") && iequals(s[3], "Microsoft.Compute") &&
      iequals(s[4], "locations")) {
    if (s.size() == 7 && iequals(s[6], "vmSizes")) {
      if (req.method != "GET") return method_not_allowed();
      return list_sizes(s[5]);
    }
    if (s.size() == 8 && iequals(s[6], "operations")) {
      if (req.method != "GET") return method_not_allowed();
      json body{{"startTime", utc_timestamp("%Y-%m-%dT%H:%M:%S.0000000+00:00")},
                {"endTime", utc_timestamp("%Y-%m-%dT%H:%M:%S.0000000+00:00")},
                {"status", "Succeeded"},
                {"name", s[7]}};
      return HttpResponse::json(200, body.dump());
    }
  }
  // /subscriptions/S/resourceGroups/G/providers/NS/TYPE/NAME
  if (s.size() == 8 && iequals(s[2], "resourceGroups") && iequals(s[4], "providers")) {
    if (iequals(s[5], "Microsoft.Compute") && iequals(s[6], "virtualMachines")) {
      if (req.method == "PUT") return put_vm(req, s[3], s[7]);
      if (req.method == "GET") return get_vm(s[3], s[7]);
      if (req.method == "DELETE") return delete_vm(s[3], s[7]);
      return method_not_allowed();
    }
    if (iequals(s[5], "Microsoft.Network") && iequals(s[6], "networkInterfaces")) {
      if (req.method != "GET") return method_not_allowed();
      return get_nic(s[3], s[7]);
    }
  }
  return arm_error(404, "NotFound", "No route for " + snippet(req.method, 16) + " " + snippet(req.path()));
}

HttpResponse FakeCompute::list_sizes(std::string_view /*location*/) {
  size_lists_.fetch_add(1);
  json value = json::array();
  for (const auto& s : vm_size_catalog()) {
    value.push_back({{"name", s.size.name},
                     {"numberOfCores", s.size.cores},
                     {"osDiskSizeInMB", s.os_disk_mb},
                     {"resourceDiskSizeInMB", s.resource_disk_mb},
                     {"memoryInMB", s.size.memory_mb},
                     {"maxDataDiskCount", s.max_data_disks}});
  }
  return HttpResponse::json(200, json{{"value", value}}.dump());
}

namespace {

std::string vm_resource_id(const std::string& sub, const VmRecord& r) {
  return "/subscriptions/" + sub + "/resourceGroups/" + r.resource_group +
         "/providers/Microsoft.Compute/virtualMachines/" + r.name;
}

std::string nic_resource_id(const std::string& sub, const VmRecord& r) {
  return "/subscriptions/" + sub + "/resourceGroups/" + r.resource_group +
         "/providers/Microsoft.Network/networkInterfaces/" + r.nic_name;
}

// The VM resource as ARM answers it (userData is only returned with $expand=userData; not served).
json vm_json(const std::string& sub, const VmRecord& r) {
  json image =
      r.community_gallery_image ? json{{"communityGalleryImageId", r.image_id}} : json{{"id", r.image_id}};
  json managed{{"storageAccountType", r.storage_account_type}};
  if (!r.disk_encryption_type.empty())
    managed["securityProfile"] = {{"securityEncryptionType", r.disk_encryption_type}};
  json os_disk{{"osType", "Linux"},      {"name", r.os_disk_name}, {"createOption", "FromImage"},
               {"caching", "ReadWrite"}, {"managedDisk", managed}, {"deleteOption", "Delete"}};
  if (r.disk_size_gb > 0) os_disk["diskSizeGB"] = r.disk_size_gb;
  json ip_config{{"name", "ip-config"}, {"properties", {{"subnet", {{"id", r.subnet_id}}}}}};
  json nic_config{
      {"name", r.nic_name},
      {"properties", {{"deleteOption", "Delete"}, {"ipConfigurations", json::array({ip_config})}}}};
  if (!r.nsg_id.empty()) nic_config["properties"]["networkSecurityGroup"] = {{"id", r.nsg_id}};
  json props{
      {"vmId", r.vm_id},
      {"hardwareProfile", {{"vmSize", r.size}}},
      {"storageProfile", {{"imageReference", image}, {"osDisk", os_disk}, {"dataDisks", json::array()}}},
      {"osProfile",
       {{"computerName", r.name},
        {"adminUsername", r.admin_username},
        {"linuxConfiguration",
         {{"disablePasswordAuthentication", r.password_authentication_disabled},
          {"ssh",
           {{"publicKeys", json::array({{{"path", "/home/" + r.admin_username + "/.ssh/authorized_keys"},
                                         {"keyData", r.ssh_public_key}}})}}},
          {"provisionVMAgent", true}}},
        {"secrets", json::array()},
        {"allowExtensionOperations", true}}},
      {"networkProfile",
       {{"networkApiVersion", kVmNetworkApiVersion},
        {"networkInterfaceConfigurations", json::array({nic_config})},
        {"networkInterfaces",
         json::array({{{"id", nic_resource_id(sub, r)}, {"properties", {{"deleteOption", "Delete"}}}}})}}},
      {"diagnosticsProfile", {{"bootDiagnostics", {{"enabled", r.boot_diagnostics}}}}},
      {"provisioningState", r.provisioning_state},
  };
  if (!r.security_type.empty()) {
    props["securityProfile"] = {
        {"securityType", r.security_type},
        {"uefiSettings", {{"secureBootEnabled", r.secure_boot}, {"vTpmEnabled", r.vtpm}}}};
  }
  json tags = json::object();
  for (const auto& [k, v] : r.tags) tags[k] = v;
  return json{{"name", r.name},
              {"id", vm_resource_id(sub, r)},
              {"type", "Microsoft.Compute/virtualMachines"},
              {"location", r.location},
              {"tags", tags},
              {"properties", props}};
}

}  // namespace

HttpResponse FakeCompute::put_vm(const HttpRequest& req, const std::string& rg, const std::string& name) {
  create_requests_.fetch_add(1);
  const json body = parse_json_limited(req.body);
  if (body.is_discarded() || !body.is_object()) {
    return arm_error(400, "InvalidRequestContent",
                     "The request content was invalid and could not be deserialized.");
  }
  VmRecord r;
  r.name = name;
  r.resource_group = rg;
  auto location = str_at(body, {"location"});
  if (!location || location->empty()) {
    return arm_error(400, "LocationRequired", "The location property is required for this definition.");
  }
  r.location = *location;
  const json* props = node_at(body, {"properties"});
  if (!props || !props->is_object()) {
    return arm_error(400, "InvalidParameter", "Required parameter 'properties' is missing (null).",
                     "properties");
  }

  // Size.
  r.size = str_at(*props, {"hardwareProfile", "vmSize"}).value_or("");
  const VmSizeInfo* info = find_vm_size(r.size);
  if (!info) {
    std::string all;
    for (const auto& s : vm_size_catalog()) all += (all.empty() ? "" : ",") + s.size.name;
    return arm_error(
        400, "InvalidParameter",
        "The requested VM size " + snippet(r.size, 64) +
            " is not available in the current region. The sizes available in the current region are: " + all +
            ". Find out more on the available VM sizes in each region at https://aka.ms/azure-regions.",
        "vmSize");
  }
  r.size = info->size.name;
  r.tee = info->tee;

  // Image. Not confirmed: the wording of the missing-reference error (Azure's "Required parameter" form).
  if (auto id = str_at(*props, {"storageProfile", "imageReference", "communityGalleryImageId"});
      id && !id->empty()) {
    r.image_id = *id;
    r.community_gallery_image = true;
  } else if (auto mid = str_at(*props, {"storageProfile", "imageReference", "id"}); mid && !mid->empty()) {
    r.image_id = *mid;
  } else {
    return arm_error(400, "InvalidParameter", "Required parameter 'imageReference' is missing (null).",
                     "imageReference");
  }

  // OS disk.
  r.os_disk_name = str_at(*props, {"storageProfile", "osDisk", "name"}).value_or(name + "_OsDisk");
  r.storage_account_type = str_at(*props, {"storageProfile", "osDisk", "managedDisk", "storageAccountType"})
                               .value_or("Premium_LRS");
  r.disk_encryption_type =
      str_at(*props, {"storageProfile", "osDisk", "managedDisk", "securityProfile", "securityEncryptionType"})
          .value_or("");
  if (const json* size = node_at(*props, {"storageProfile", "osDisk", "diskSizeGB"});
      size && size->is_number_integer()) {
    const auto gb = size->get<std::int64_t>();
    if (gb < 1 || gb > 4095) {
      return arm_error(400, "InvalidParameter", "The value of parameter osDisk.diskSizeGB is invalid.",
                       "osDisk.diskSizeGB");
    }
    r.disk_size_gb = static_cast<int>(gb);
  }

  // OS profile.
  auto admin = str_at(*props, {"osProfile", "adminUsername"});
  if (!admin || admin->empty()) {
    return arm_error(400, "InvalidParameter", "Required parameter 'adminUsername' is missing (null).",
                     "adminUsername");
  }
  r.admin_username = *admin;
  r.password_authentication_disabled =
      bool_at(*props, {"osProfile", "linuxConfiguration", "disablePasswordAuthentication"});
  if (const json* keys = node_at(*props, {"osProfile", "linuxConfiguration", "ssh", "publicKeys"});
      keys && keys->is_array() && !keys->empty()) {
    r.ssh_public_key = str_at((*keys)[0], {"keyData"}).value_or("");
  }

  // Network: the implicit NIC of networkInterfaceConfigurations (networkApiVersion 2020-11-01).
  const json* nics = node_at(*props, {"networkProfile", "networkInterfaceConfigurations"});
  if (!nics || !nics->is_array() || nics->empty()) {
    return arm_error(400, "InvalidParameter", "Required parameter 'networkProfile' is missing (null).",
                     "networkProfile");
  }
  const json& nic = (*nics)[0];
  r.nic_name = str_at(nic, {"name"}).value_or(name + "-nic");
  if (const json* ipcs = node_at(nic, {"properties", "ipConfigurations"});
      ipcs && ipcs->is_array() && !ipcs->empty()) {
    r.subnet_id = str_at((*ipcs)[0], {"properties", "subnet", "id"}).value_or("");
  }
  if (r.subnet_id.empty()) {
    // Not confirmed: Azure's wording for an IP configuration without a subnet.
    return arm_error(
        400, "InvalidParameter",
        "Required parameter 'networkInterfaceConfigurations[0].ipConfigurations[0].subnet' is missing "
        "(null).",
        "subnet");
  }
  r.nsg_id = str_at(nic, {"properties", "networkSecurityGroup", "id"}).value_or("");
  r.boot_diagnostics = bool_at(*props, {"diagnosticsProfile", "bootDiagnostics", "enabled"});

  // User data: base64, at most 64 KiB of it. Not confirmed: Azure's wording for the size limit.
  if (const json* ud = node_at(*props, {"userData"}); ud && !ud->is_null()) {
    std::optional<Bytes> decoded;
    if (ud->is_string()) decoded = base64_decode(ud->get<std::string>());
    if (!decoded) {
      return arm_error(400, "InvalidParameter", "The value of parameter userData is invalid.", "userData");
    }
    if (ud->get<std::string>().size() > kMaxUserDataBase64) {
      return arm_error(400, "InvalidParameter",
                       "The value of parameter userData is invalid. The base64 encoded user data is " +
                           std::to_string(ud->get<std::string>().size()) + " bytes; the maximum is 65536.",
                       "userData");
    }
    r.user_data = to_string(*decoded);
  }

  // Security profile.
  r.security_type = str_at(*props, {"securityProfile", "securityType"}).value_or("");
  r.secure_boot = bool_at(*props, {"securityProfile", "uefiSettings", "secureBootEnabled"});
  r.vtpm = bool_at(*props, {"securityProfile", "uefiSettings", "vTpmEnabled"});
  if (r.security_type == "ConfidentialVM") {
    if (info->tee.empty()) {
      // Confirmed message; the code (BadRequest) is not confirmed.
      return arm_error(
          400, "BadRequest",
          "The VM size '" + r.size +
              "' is not supported for creation of VMs with 'ConfidentialVM' security type and "
              "managedDisk.securityProfile.securityEncryptionType set as '" +
              (r.disk_encryption_type.empty() ? std::string("VMGuestStateOnly") : r.disk_encryption_type) +
              "'");
    }
    if (!r.vtpm) {
      // Not confirmed: Azure's wording.
      return arm_error(
          400, "InvalidParameter",
          "'securityProfile.uefiSettings.vTpmEnabled' must be true for VMs with 'ConfidentialVM' "
          "security type.",
          "securityProfile.uefiSettings.vTpmEnabled");
    }
    if (r.disk_encryption_type != "VMGuestStateOnly" && r.disk_encryption_type != "DiskWithVMGuestState") {
      // Not confirmed: Azure's wording.
      return arm_error(
          400, "InvalidParameter",
          "'managedDisk.securityProfile.securityEncryptionType' must be set to 'VMGuestStateOnly' or "
          "'DiskWithVMGuestState' for VMs with 'ConfidentialVM' security type.",
          "managedDisk.securityProfile.securityEncryptionType");
    }
  } else if (!r.security_type.empty() && r.security_type != "TrustedLaunch") {
    return arm_error(400, "InvalidParameter",
                     "The value of parameter securityProfile.securityType is invalid.",
                     "securityProfile.securityType");
  }

  if (const json* tags = node_at(body, {"tags"}); tags && tags->is_object()) {
    for (auto it = tags->begin(); it != tags->end(); ++it) {
      if (it->is_string()) r.tags[it.key()] = it->get<std::string>();
    }
  }

  std::lock_guard lock(mu_);
  if (!images_.empty() && !images_.count(lower(r.image_id))) {
    rejected_.fetch_add(1);
    json err{{"error", {{"code", "NotFound"}, {"message", "The Image " + r.image_id + " cannot be found."}}}};
    return HttpResponse::json(404, err.dump());
  }
  // Capacity and quota come after validation, as on Azure.
  if (unavailable_.count({lower(r.size), lower(r.location)})) {
    rejected_.fetch_add(1);
    json err{{"error",
              {{"code", "SkuNotAvailable"},
               {"message",
                "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: " +
                    r.size + "' is currently not available in location '" + r.location +
                    "'. Please try another size or deploy to a different location or different zone. See "
                    "https://aka.ms/azureskunotavailable for details."}}}};
    return HttpResponse::json(409, err.dump());
  }
  const std::string key = lower(rg) + "/" + lower(name);
  if (auto q = quotas_.find(lower(info->family)); q != quotas_.end()) {
    const int usage = usage_locked(info->family, r.location, key);
    const int limit = q->second;
    const int need = info->size.cores;
    if (usage + need > limit) {
      rejected_.fetch_add(1);
      const std::string fam = info->family;
      const std::string loc = r.location;
      const std::string new_limit = std::to_string(usage + need);
      const std::string msg =
          "Operation could not be completed as it results in exceeding approved " + fam +
          " Cores quota. Additional details - Deployment Model: Resource Manager, Location: " + loc +
          ", Current Limit: " + std::to_string(limit) + ", Current Usage: " + std::to_string(usage) +
          ", Additional Required: " + std::to_string(need) + ", (Minimum) New Limit Required: " + new_limit +
          ". Setup Alerts when Quota reaches threshold. Learn more at https://aka.ms/quotamonitoringalerting "
          ". "
          "Submit a request for Quota increase at "
          "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/"
          "%7B%22subscriptionId%22:%22" +
          options_.subscription_id +
          "%22,%22command%22:%22openQuotaApprovalBlade%22,%22quotas%22:[%7B%22location%22:%22" + loc +
          "%22,%22providerId%22:%22Microsoft.Compute%22,%22resourceName%22:%22" + fam +
          "%22,%22quotaRequest%22:%7B%22properties%22:%7B%22limit%22:" + new_limit +
          ",%22unit%22:%22Count%22,%22name%22:%7B%22value%22:%22" + fam +
          "%22%7D%7D%7D%7D]%7D by specifying parameters listed in the \xe2\x80\x98"
          "Details\xe2\x80\x99 section for "
          "deployment to succeed. Please read more about quota limits at "
          "https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests";
      json err{{"error", {{"code", "OperationNotAllowed"}, {"message", msg}}}};
      return HttpResponse::json(409, err.dump());
    }
  }

  int status = 201;
  auto existing = vms_.find(key);
  Vm vm;
  if (existing != vms_.end()) {
    status = 200;  // CreateOrUpdate of an existing VM
    r.vm_id = existing->second.record.vm_id;
    r.private_ip = existing->second.record.private_ip;
  } else {
    const std::uint64_t seq = next_seq_++;
    r.vm_id = simulated_uuid(options_.subscription_id, key + "/" + std::to_string(seq));
    // OpenShift's Azure worker subnet is 10.0.128.0/17; Azure keeps .0-.3 of a subnet for itself.
    r.private_ip = "10.0." + std::to_string(128 + (seq / 250) % 128) + "." + std::to_string(4 + seq % 250);
  }
  r.id = vm_resource_id(options_.subscription_id, r);
  vm.record = r;
  vm.ready_at = std::chrono::steady_clock::now() + provisioning_delay_;
  vms_[key] = vm;
  created_.fetch_add(1);
  VmRecord now = snapshot(vm);
  now.provisioning_state = "Creating";  // a PUT always answers before provisioning is done
  return HttpResponse::json(status, vm_json(options_.subscription_id, now).dump());
}

HttpResponse FakeCompute::get_vm(const std::string& rg, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = vms_.find(lower(rg) + "/" + lower(name));
  if (it == vms_.end()) {
    rejected_.fetch_add(1);
    json err{{"error",
              {{"code", "ResourceNotFound"},
               {"message", resource_not_found("Microsoft.Compute/virtualMachines", name, rg)}}}};
    return HttpResponse::json(404, err.dump());
  }
  return HttpResponse::json(200, vm_json(options_.subscription_id, snapshot(it->second)).dump());
}

HttpResponse FakeCompute::delete_vm(const std::string& rg, const std::string& name) {
  std::string location;
  {
    std::lock_guard lock(mu_);
    auto it = vms_.find(lower(rg) + "/" + lower(name));
    if (it == vms_.end()) return HttpResponse{204, {}, {}};
    location = it->second.record.location;
    vms_.erase(it);
  }
  deleted_.fetch_add(1);
  const std::string op = simulated_uuid(options_.subscription_id,
                                        "delete/" + rg + "/" + name + "/" + std::to_string(deleted_.load()));
  const std::string base = url() + "/subscriptions/" + options_.subscription_id +
                           "/providers/Microsoft.Compute/locations/" + location + "/operations/" + op;
  HttpResponse r{202, {}, {}};
  r.headers.set("Azure-AsyncOperation",
                base + "?p=" + op + "&api-version=" + std::string(kArmComputeApiVersion));
  r.headers.set("Location",
                base + "?p=" + op + "&monitor=true&api-version=" + std::string(kArmComputeApiVersion));
  r.headers.set("Retry-After", "0");
  return r;
}

HttpResponse FakeCompute::get_nic(const std::string& rg, const std::string& nic) {
  std::lock_guard lock(mu_);
  for (const auto& [key, vm] : vms_) {
    const VmRecord& r = vm.record;
    if (!iequals(r.resource_group, rg) || !iequals(r.nic_name, nic)) continue;
    json ipc{{"name", "ip-config"},
             {"id", nic_resource_id(options_.subscription_id, r) + "/ipConfigurations/ip-config"},
             {"properties",
              {{"provisioningState", "Succeeded"},
               {"privateIPAddress", r.private_ip},
               {"privateIPAllocationMethod", "Dynamic"},
               {"subnet", {{"id", r.subnet_id}}},
               {"primary", true},
               {"privateIPAddressVersion", "IPv4"}}}};
    json props{{"provisioningState", "Succeeded"},
               {"ipConfigurations", json::array({ipc})},
               {"virtualMachine", {{"id", r.id}}}};
    if (!r.nsg_id.empty()) props["networkSecurityGroup"] = {{"id", r.nsg_id}};
    json body{{"name", r.nic_name},
              {"id", nic_resource_id(options_.subscription_id, r)},
              {"type", "Microsoft.Network/networkInterfaces"},
              {"location", r.location},
              {"properties", props}};
    return HttpResponse::json(200, body.dump());
  }
  rejected_.fetch_add(1);
  json err{{"error",
            {{"code", "ResourceNotFound"},
             {"message", resource_not_found("Microsoft.Network/networkInterfaces", nic, rg)}}}};
  return HttpResponse::json(404, err.dump());
}

// ---------------------------------------------------------------------------------------------------------
// CAA's side

std::vector<VmSize> sort_vm_sizes(std::vector<VmSize> sizes) {
  std::stable_sort(sizes.begin(), sizes.end(), [](const VmSize& a, const VmSize& b) {
    if (a.memory_mb != b.memory_mb) return a.memory_mb < b.memory_mb;
    return a.cores < b.cores;
  });
  return sizes;
}

Result<std::string> select_instance_type(const InstanceTypeRequest& request,
                                         const std::vector<VmSize>& size_list,
                                         const std::vector<std::string>& allowed,
                                         const std::string& default_size) {
  std::string type;
  if (!request.machine_type.empty()) {
    type = request.machine_type;
  } else if (request.vcpus != 0 && request.memory_mb != 0) {
    const std::size_t i = go_sort_search(size_list.size(), [&](std::size_t k) {
      return size_list[k].memory_mb >= request.memory_mb && size_list[k].cores >= request.vcpus;
    });
    if (i == size_list.size()) {
      return make_error(
          "azure.compute_instance_type",
          "failed to get instance type based on vCPU and memory annotations: no instance type found "
          "for the given vcpus (" +
              std::to_string(request.vcpus) + ") and memory (" + std::to_string(request.memory_mb) + ")");
    }
    type = size_list[i].name;
  }
  // VerifyCloudInstanceType.
  if (type.empty()) return default_size;
  if (allowed.empty() && type != default_size) {
    return make_error("azure.compute_instance_type",
                      "failed to verify instance type: requested instance type (" + go_quote(type) +
                          ") is not default (" + go_quote(default_size) +
                          ") and supported instance types list is empty");
  }
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
    return make_error("azure.compute_instance_type",
                      "failed to verify instance type: requested instance type (" + go_quote(type) +
                          ") is not part of supported instance types list");
  }
  return type;
}

std::string generate_instance_name(std::string_view pod_name, std::string_view sandbox_id, int max_len) {
  // sanitize: lower case, every rune outside [a-z0-9-] becomes one '-' (UTF-8 continuation bytes belong to
  // the rune before them).
  auto sanitize = [](std::string_view in) {
    std::string out;
    for (unsigned char c : in) {
      if ((c & 0xc0) == 0x80) continue;
      const char l = static_cast<char>(std::tolower(c < 0x80 ? c : 'A'));
      out.push_back(c < 0x80 && ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-') ? l : '-');
    }
    return out;
  };
  const std::string pod = sanitize(pod_name);
  const std::string sandbox = sanitize(sandbox_id);
  constexpr std::string_view kPrefix = "podvm";
  std::size_t pod_len = pod.size();
  if (max_len > 0 && static_cast<int>(kPrefix.size() + pod_len + 10) > max_len) {
    const int room = max_len - static_cast<int>(kPrefix.size()) - 10;
    pod_len = room < 0 ? 0 : static_cast<std::size_t>(room);  // CAA panics here; no caller gets this small
  }
  return std::string(kPrefix) + "-" + pod.substr(0, pod_len) + "-" + sandbox.substr(0, 8);
}

namespace {

// CAA's FlagRegistrar.BoolWithEnv.
bool env_bool(std::string_view v) {
  const std::string l = lower(v);
  return l == "1" || l == "true";
}

// fmt.Sscanf(v, "%d"): leading spaces, a sign, digits; anything after them is ignored; no digits: unset.
std::optional<int> env_int(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
  bool neg = false;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) neg = v[i++] == '-';
  long long n = 0;
  std::size_t digits = 0;
  for (; i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])); ++i, ++digits) {
    n = n * 10 + (v[i] - '0');
    if (n > 2147483647LL) return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  return static_cast<int>(neg ? -n : n);
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// An OpenSSH ed25519 public key line ("ssh-ed25519 AAAA...") whose 32 key bytes come from `seed`.
std::string derived_ssh_public_key(std::string_view seed) {
  Bytes blob;
  auto put = [&](ByteView b) {
    const auto n = static_cast<std::uint32_t>(b.size());
    for (int s = 24; s >= 0; s -= 8) blob.push_back(static_cast<std::uint8_t>(n >> s));
    blob.insert(blob.end(), b.begin(), b.end());
  };
  put(as_bytes("ssh-ed25519"));
  put(sha256(as_bytes(std::string("caa-ssh-key/") + std::string(seed))));
  return "ssh-ed25519 " + base64_encode(blob);
}

}  // namespace

Result<CaaAzureConfig> caa_azure_config(const std::map<std::string, std::string>& peer_pods_cm,
                                        const std::map<std::string, std::string>& peer_pods_secret) {
  std::map<std::string, std::string> env = peer_pods_cm;
  for (const auto& [k, v] : peer_pods_secret) env[k] = v;
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = env.find(key);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  CaaAzureConfig c;
  for (const char* required :
       {"AZURE_SUBSCRIPTION_ID", "AZURE_REGION", "AZURE_RESOURCE_GROUP", "AZURE_SUBNET_ID"}) {
    if (get(required).value_or("").empty()) {
      // Not confirmed: CAA's wording (its flags are marked Required in manager.go).
      return make_error(
          "azure.compute_config_missing",
          std::string(required) + " is required but not set in peer-pods-cm or peer-pods-secret");
    }
  }
  c.subscription_id = *get("AZURE_SUBSCRIPTION_ID");
  c.region = *get("AZURE_REGION");
  c.resource_group = *get("AZURE_RESOURCE_GROUP");
  c.subnet_id = *get("AZURE_SUBNET_ID");
  c.image_id = get("AZURE_IMAGE_ID").value_or("");
  if (c.image_id.empty()) return make_error("azure.compute_image_empty", "ImageId is empty");
  c.client_id = get("AZURE_CLIENT_ID").value_or("");
  c.client_secret = get("AZURE_CLIENT_SECRET").value_or("");
  c.tenant_id = get("AZURE_TENANT_ID").value_or("");
  c.nsg_id = get("AZURE_NSG_ID").value_or("");
  if (auto v = get("AZURE_INSTANCE_SIZE"))
    c.instance_size = *v;  // an empty value is kept, as StringWithEnv does
  if (auto v = get("AZURE_INSTANCE_SIZES"); v && !v->empty()) {
    std::size_t pos = 0;
    while (true) {
      const std::size_t comma = v->find(',', pos);
      c.instance_sizes.push_back(
          v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  if (auto v = get("DISABLECVM")) c.disable_cvm = env_bool(*v);
  if (auto v = get("ENABLE_SECURE_BOOT")) c.enable_secure_boot = env_bool(*v);
  if (auto v = get("USE_PUBLIC_IP")) c.use_public_ip = env_bool(*v);
  if (auto v = get("ROOT_VOLUME_SIZE")) c.root_volume_size_gb = env_int(*v).value_or(0);
  if (auto v = get("SSH_USERNAME")) c.ssh_username = *v;
  if (auto v = get("TAGS")) {
    // KeyValueFlag.Set: pairs split on ',', each on the first '='; it stops at the first malformed pair and
    // CAA drops that error, keeping what came before.
    std::size_t pos = 0;
    while (true) {
      const std::size_t comma = v->find(',', pos);
      const std::string pair = v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      const std::size_t eq = pair.find('=');
      if (eq == std::string::npos) break;
      c.tags[trim(pair.substr(0, eq))] = trim(pair.substr(eq + 1));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  c.ssh_public_key = derived_ssh_public_key(c.client_id + "/" + c.subscription_id);
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// AzureComputeClient

AzureComputeClient::AzureComputeClient(std::string endpoint, CaaAzureConfig config,
                                       AzureComputeClientOptions options)
    : endpoint_(std::move(endpoint)),
      config_(std::move(config)),
      options_(std::move(options)),
      http_(options_.http) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

std::string AzureComputeClient::vm_path(const std::string& name) const {
  return "/subscriptions/" + config_.subscription_id + "/resourceGroups/" + config_.resource_group +
         "/providers/Microsoft.Compute/virtualMachines/" + name;
}

Result<std::string> AzureComputeClient::bearer() {
  if (!token_.empty() && std::chrono::steady_clock::now() < token_expiry_) return token_;
  const std::string url = endpoint_ + "/" + config_.tenant_id + "/oauth2/v2.0/token";
  std::string form = "grant_type=client_credentials&client_id=" + url_encode(config_.client_id);
  if (!config_.client_secret.empty()) form += "&client_secret=" + url_encode(config_.client_secret);
  form += "&scope=" + url_encode(kArmScope);
  auto r = http_.post(url, std::move(form), {{"Content-Type", "application/x-www-form-urlencoded"}},
                      options_.request_timeout);
  // Not confirmed: azidentity's exact layout; the parts a user sees (credential type, URL, status, AAD's
  // error and description) are kept, on one line.
  const std::string prefix = "ClientSecretCredential: authentication failed: POST " + url;
  if (!r) return make_error("azure.compute_unreachable", prefix + ": " + r.error().message);
  const json body = parse_json_limited(r->body);
  if (r->status != 200) {
    std::string detail;
    if (auto e = str_at(body, {"error"})) detail += ": " + *e;
    if (auto d = str_at(body, {"error_description"})) detail += ": " + snippet(*d, 400);
    return make_error("azure.compute_auth_failed", prefix + ": RESPONSE " + std::to_string(r->status) + ": " +
                                                       std::to_string(r->status) + " " +
                                                       std::string(status_reason(r->status)) + detail);
  }
  auto token = str_at(body, {"access_token"});
  const json* expires = node_at(body, {"expires_in"});
  if (!token || token->empty() || !expires || !expires->is_number_integer()) {
    return make_error("azure.compute_bad_response",
                      prefix + ": the token response has no access_token/expires_in");
  }
  token_ = *token;
  // Renew five minutes early, as azidentity does.
  token_expiry_ = std::chrono::steady_clock::now() +
                  std::chrono::seconds(std::max<std::int64_t>(0, expires->get<std::int64_t>() - 300));
  return token_;
}

Result<HttpResponse> AzureComputeClient::send(std::string_view method, const std::string& url,
                                              std::string body) {
  auto token = bearer();
  if (!token) return token.error();
  HttpHeaders headers{{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}};
  if (!body.empty()) headers.set("Content-Type", "application/json");
  auto r = http_.request(method, url, std::move(body), headers, options_.request_timeout);
  if (!r)
    return make_error("azure.compute_unreachable",
                      std::string(method) + " " + url + ": " + r.error().message);
  return r;
}

Error AzureComputeClient::response_error(std::string_view method, const std::string& url,
                                         const HttpResponse& response) const {
  const json body = parse_json_limited(response.body);
  const std::string code = str_at(body, {"error", "code"}).value_or("");
  const std::string message = str_at(body, {"error", "message"}).value_or("");
  std::string ours = "azure.compute_api_error";
  if (response.status == 401) {
    ours = "azure.compute_auth_failed";
  } else if (code == "SkuNotAvailable") {
    ours = "azure.compute_sku_not_available";
  } else if (code == "OperationNotAllowed") {
    ours = "azure.compute_operation_not_allowed";
  } else if (response.status == 404) {
    ours = "azure.compute_not_found";
  } else if (response.status == 400) {
    ours = "azure.compute_invalid_request";
  }
  // azcore ResponseError: "<METHOD> <scheme://host/path>", "RESPONSE <n>: <status>", "ERROR CODE: <code>"
  // (or "ERROR CODE UNAVAILABLE"), then the body; here on one line with the body's message.
  const std::string where = url.substr(0, url.find('?'));
  std::string text = std::string(method) + " " + where + ": RESPONSE " + std::to_string(response.status) +
                     ": " + std::to_string(response.status) + " " +
                     std::string(status_reason(response.status)) + ": " +
                     (code.empty() ? std::string("ERROR CODE UNAVAILABLE") : "ERROR CODE: " + code);
  if (!message.empty()) {
    text += ": " + message;
  } else if (!response.body.empty() && body.is_discarded()) {
    text += ": " + snippet(response.body);
  }
  return Error{ours, text};
}

Result<nlohmann::json> AzureComputeClient::get_json(const std::string& url) {
  auto r = send("GET", url, "");
  if (!r) return r.error();
  if (r->status < 200 || r->status > 299) return response_error("GET", url, *r);
  json body = parse_json_limited(r->body);
  if (body.is_discarded() || !body.is_object()) {
    return make_error("azure.compute_bad_response",
                      "GET " + url.substr(0, url.find('?')) + ": not a JSON object");
  }
  return body;
}

Result<std::vector<VmSize>> AzureComputeClient::instance_sizes() {
  if (sizes_) return *sizes_;
  std::vector<std::string> wanted = config_.instance_sizes;
  if (wanted.empty()) wanted.push_back(config_.instance_size);
  const std::string url = endpoint_ + "/subscriptions/" + config_.subscription_id +
                          "/providers/Microsoft.Compute/locations/" + config_.region +
                          "/vmSizes?api-version=" + std::string(kArmComputeApiVersion);
  auto body = get_json(url);
  constexpr std::string_view kWrap = "getting next page of VM sizes";
  if (!body) return wrap(body.error(), kWrap);
  const json* value = node_at(*body, {"value"});
  if (!value || !value->is_array()) {
    return wrap(make_error("azure.compute_bad_response", "the sizes answer has no \"value\" list"), kWrap);
  }
  std::vector<VmSize> out;
  for (const json& s : *value) {
    auto name = str_at(s, {"name"});
    const json* cores = node_at(s, {"numberOfCores"});
    const json* mem = node_at(s, {"memoryInMB"});
    if (!name || !cores || !mem || !cores->is_number_integer() || !mem->is_number_integer()) {
      return wrap(
          make_error("azure.compute_bad_response", "a VM size without name, numberOfCores or memoryInMB"),
          kWrap);
    }
    if (std::find(wanted.begin(), wanted.end(), *name) == wanted.end()) continue;
    out.push_back({*name, cores->get<int>(), mem->get<int>()});
  }
  sizes_ = sort_vm_sizes(std::move(out));
  return *sizes_;
}

Result<std::string> AzureComputeClient::select(const InstanceTypeRequest& request) {
  // CAA fills the list at start-up; here on first need.
  if (request.machine_type.empty() && request.vcpus != 0 && request.memory_mb != 0 && !sizes_) {
    auto s = instance_sizes();
    if (!s) return s.error();
  }
  return select_instance_type(request, sizes_.value_or(std::vector<VmSize>{}), config_.instance_sizes,
                              config_.instance_size);
}

nlohmann::json AzureComputeClient::vm_parameters(const std::string& instance_name,
                                                 const std::string& instance_size,
                                                 const std::string& user_data_b64) const {
  json managed{{"storageAccountType", kOsDiskStorageAccountType}};
  if (!config_.disable_cvm) managed["securityProfile"] = {{"securityEncryptionType", "VMGuestStateOnly"}};
  json os_disk{{"name", instance_name + "-disk"},
               {"createOption", "FromImage"},
               {"caching", "ReadWrite"},
               {"deleteOption", "Delete"},
               {"managedDisk", managed}};
  if (config_.root_volume_size_gb > 0) os_disk["diskSizeGB"] = config_.root_volume_size_gb;
  const bool community = config_.image_id.starts_with("/CommunityGalleries/");
  json image =
      community ? json{{"communityGalleryImageId", config_.image_id}} : json{{"id", config_.image_id}};
  const std::string nic_name = instance_name + "-net";
  json ip_props{{"subnet", {{"id", config_.subnet_id}}}};
  if (config_.use_public_ip) {
    ip_props["publicIPAddressConfiguration"] = {{"name", nic_name},
                                                {"properties", {{"deleteOption", "Delete"}}}};
  }
  json nic{{"name", nic_name},
           {"properties",
            {{"deleteOption", "Delete"},
             {"ipConfigurations", json::array({{{"name", "ip-config"}, {"properties", ip_props}}})}}}};
  if (!config_.nsg_id.empty()) nic["properties"]["networkSecurityGroup"] = {{"id", config_.nsg_id}};
  json props{
      {"hardwareProfile", {{"vmSize", instance_size}}},
      {"storageProfile", {{"imageReference", image}, {"osDisk", os_disk}}},
      {"osProfile",
       {{"adminUsername", config_.ssh_username},
        {"computerName", instance_name},
        {"linuxConfiguration",
         {{"disablePasswordAuthentication", true},
          {"ssh",
           {{"publicKeys", json::array({{{"path", "/home/" + config_.ssh_username + "/.ssh/authorized_keys"},
                                         {"keyData", config_.ssh_public_key}}})}}}}}}},
      {"networkProfile",
       {{"networkApiVersion", kVmNetworkApiVersion}, {"networkInterfaceConfigurations", json::array({nic})}}},
      {"diagnosticsProfile", {{"bootDiagnostics", {{"enabled", true}}}}},
      {"userData", user_data_b64},
  };
  if (!config_.disable_cvm) {
    props["securityProfile"] = {
        {"securityType", "ConfidentialVM"},
        {"uefiSettings", {{"secureBootEnabled", config_.enable_secure_boot}, {"vTpmEnabled", true}}}};
  }
  json tags = json::object();
  for (const auto& [k, v] : config_.tags) tags[k] = v;
  return json{{"location", config_.region}, {"properties", props}, {"tags", tags}};
}

namespace {

VmInstance instance_from(const json& vm) {
  VmInstance out;
  out.id = str_at(vm, {"id"}).value_or("");
  out.name = str_at(vm, {"name"}).value_or("");
  out.size = str_at(vm, {"properties", "hardwareProfile", "vmSize"}).value_or("");
  out.provisioning_state = str_at(vm, {"properties", "provisioningState"}).value_or("");
  return out;
}

}  // namespace

Result<VmInstance> AzureComputeClient::create_instance(const std::string& pod_name,
                                                       const std::string& sandbox_id,
                                                       const std::string& cloud_config_user_data,
                                                       const InstanceTypeRequest& request) {
  auto size = select(request);
  if (!size) return size.error();
  const std::string name = generate_instance_name(pod_name, sandbox_id);
  const std::string user_data_b64 = base64_encode(as_bytes(cloud_config_user_data));
  if (user_data_b64.size() > kMaxUserDataBase64) {
    return make_error("azure.compute_userdata_too_large", "base64 encoded userData is greater than 64KB");
  }
  constexpr std::string_view kWrap = "Creating instance (<nil>)";
  const std::string url = endpoint_ + vm_path(name) + "?api-version=" + std::string(kArmComputeApiVersion);
  auto put = send("PUT", url, vm_parameters(name, *size, user_data_b64).dump());
  if (!put) return wrap(wrap(put.error(), "beginning VM creation or update"), kWrap);
  if (put->status != 200 && put->status != 201) {
    return wrap(wrap(response_error("PUT", url, *put), "beginning VM creation or update"), kWrap);
  }
  json vm = parse_json_limited(put->body);
  if (vm.is_discarded() || !vm.is_object()) {
    return wrap(wrap(make_error("azure.compute_bad_response",
                                "PUT " + endpoint_ + vm_path(name) + ": not a JSON object"),
                     "beginning VM creation or update"),
                kWrap);
  }
  // PollUntilDone on the resource (no Azure-AsyncOperation header: the SDK's body poller).
  const auto deadline = std::chrono::steady_clock::now() + options_.provisioning_timeout;
  while (true) {
    const std::string state = str_at(vm, {"properties", "provisioningState"}).value_or("");
    if (state == "Succeeded") break;
    if (state == "Failed" || state == "Canceled") {
      return wrap(wrap(make_error("azure.compute_api_error", "the VM's provisioning state is " + state),
                       "waiting for the VM creation"),
                  kWrap);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return wrap(wrap(make_error("azure.compute_timeout", "context deadline exceeded"),
                       "waiting for the VM creation"),
                  kWrap);
    }
    std::this_thread::sleep_for(options_.poll_interval);
    auto next = get_json(url);
    if (!next) return wrap(wrap(next.error(), "waiting for the VM creation"), kWrap);
    vm = std::move(*next);
  }
  VmInstance out = instance_from(vm);
  if (out.name.empty()) out.name = name;
  // getIPs: the private address of every IP configuration of every NIC.
  const json* nics = node_at(vm, {"properties", "networkProfile", "networkInterfaces"});
  if (nics && nics->is_array()) {
    for (const json& ref : *nics) {
      const std::string nic_id = str_at(ref, {"id"}).value_or("");
      const std::string nic_name = nic_id.substr(nic_id.rfind('/') + 1);
      auto nic = get_json(endpoint_ + "/subscriptions/" + config_.subscription_id + "/resourceGroups/" +
                          config_.resource_group + "/providers/Microsoft.Network/networkInterfaces/" +
                          nic_name + "?api-version=" + std::string(kArmNetworkApiVersion));
      if (!nic) return wrap(nic.error(), "get network interface");
      const json* ipcs = node_at(*nic, {"properties", "ipConfigurations"});
      if (!ipcs || !ipcs->is_array()) continue;
      for (std::size_t i = 0; i < ipcs->size(); ++i) {
        auto ip = str_at((*ipcs)[i], {"properties", "privateIPAddress"});
        if (!ip) {
          return make_error("azure.compute_bad_response",
                            "private IP address not found in IP configuration " + std::to_string(i));
        }
        if (ip->empty() || *ip == "0.0.0.0")
          return make_error("azure.compute_bad_response", "address not ready");
        out.ips.push_back(*ip);
      }
    }
  }
  return out;
}

Result<VmInstance> AzureComputeClient::create_instance(const std::string& pod_name,
                                                       const std::string& sandbox_id,
                                                       const std::string& cloud_config_user_data,
                                                       const std::string& instance_type) {
  return create_instance(pod_name, sandbox_id, cloud_config_user_data,
                         InstanceTypeRequest{instance_type, 0, 0});
}

Result<VmInstance> AzureComputeClient::get_instance(const std::string& instance_id) {
  auto parts = parse_vm_id(instance_id);
  if (!parts) return make_error("azure.compute_not_found", "VM name not found");
  auto vm = get_json(endpoint_ + instance_id + "?api-version=" + std::string(kArmComputeApiVersion));
  if (!vm) return vm.error();
  return instance_from(*vm);
}

Status AzureComputeClient::delete_instance(const std::string& instance_id) {
  auto parts = parse_vm_id(instance_id);
  if (!parts) return make_error("azure.compute_not_found", "VM name not found");
  const std::string url =
      endpoint_ + vm_path(parts->name) + "?api-version=" + std::string(kArmComputeApiVersion);
  auto r = send("DELETE", url, "");
  constexpr std::string_view kBegin = "beginning VM deletion";
  if (!r) return wrap(r.error(), kBegin);
  if (r->status == 200 || r->status == 204) return ok_status();
  if (r->status != 202) return wrap(response_error("DELETE", url, *r), kBegin);
  std::string poll = r->headers.get("Azure-AsyncOperation").value_or(r->headers.get("Location").value_or(""));
  if (poll.empty()) return ok_status();
  constexpr std::string_view kWait = "waiting for the VM deletion";
  const auto deadline = std::chrono::steady_clock::now() + options_.provisioning_timeout;
  while (true) {
    auto op = get_json(poll);
    if (!op) return wrap(op.error(), kWait);
    const std::string status = str_at(*op, {"status"}).value_or("");
    if (status == "Succeeded") return ok_status();
    if (status == "Failed" || status == "Canceled") {
      return wrap(make_error("azure.compute_api_error", "the delete operation is " + status), kWait);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return wrap(make_error("azure.compute_timeout", "context deadline exceeded"), kWait);
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

}  // namespace coco::azure
