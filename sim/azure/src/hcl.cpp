// HCL report codec and the runtime-data JSON (sim/azure/hcl.h).
#include "azure/hcl.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"

namespace coco::azure {
namespace {

// Offsets inside the report (evidence.md 3.1).
constexpr std::size_t kOffVersion = 0x04;
constexpr std::size_t kOffReportSize = 0x08;
constexpr std::size_t kOffRequestType = 0x0C;
constexpr std::size_t kOffStatus = 0x10;
constexpr std::size_t kOffReserved = 0x14;
constexpr std::size_t kOffHwReport = kHclHeaderSize;
constexpr std::size_t kOffDataSize = kOffHwReport + kHclHwReportSize;  // 0x4C0
constexpr std::size_t kOffIgvmVersion = kOffDataSize + 4;
constexpr std::size_t kOffReportType = kOffDataSize + 8;
constexpr std::size_t kOffHashType = kOffDataSize + 12;
constexpr std::size_t kOffVarSize = kOffDataSize + 16;
constexpr std::size_t kIgvmRequestFixed = 20;  // data_size .. variable_data_size
static_assert(kOffVarSize + 4 == kHclVarDataOffset);

constexpr std::size_t kTdReportSize = 1024;
constexpr std::size_t kSnpReportDataOffset = 0x50;
constexpr std::size_t kTdReportDataOffset = 0x80;

Error truncated(std::string message) {
  return make_error("azure.hcl_truncated", std::move(message));
}
Error invalid(std::string message) {
  return make_error("azure.hcl_invalid", std::move(message));
}
Error runtime_invalid(std::string message) {
  return make_error("azure.runtime_data_invalid", std::move(message));
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// An RSA public key from big-endian modulus and exponent; an empty Key when OpenSSL refuses them.
Key rsa_public_key(ByteView n, ByteView e) {
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld) return {};
  if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return {};
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return {};
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !pkey) return {};
  return Key(pkey);
}

// A big-endian minimal-length RSA parameter of `key` (empty when it has none).
Bytes rsa_param(const Key& key, const char* name) {
  BIGNUM* raw = nullptr;
  if (!key || EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1 || !raw) return {};
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

// A JWK of the "keys" array as an RSA public key: kty "RSA", n and e base64url.
Result<Key> key_from_rsa_jwk(const nlohmann::json& jwk, const std::string& kid) {
  auto member = [&](const char* name) -> const nlohmann::json* {
    auto it = jwk.find(name);
    return it == jwk.end() || !it->is_string() ? nullptr : &*it;
  };
  const nlohmann::json* kty = member("kty");
  if (!kty || kty->get_ref<const std::string&>() != "RSA")
    return runtime_invalid(kid + ": kty is not \"RSA\"");
  const nlohmann::json* n = member("n");
  const nlohmann::json* e = member("e");
  if (!n || !e) return runtime_invalid(kid + ": n and e must be strings");
  auto n_bytes = base64url_decode(n->get_ref<const std::string&>());
  auto e_bytes = base64url_decode(e->get_ref<const std::string&>());
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty())
    return runtime_invalid(kid + ": n or e is not base64url");
  Key key = rsa_public_key(*n_bytes, *e_bytes);
  if (!key) return runtime_invalid(kid + ": not an RSA public key");
  return key;
}

nlohmann::json rsa_jwk(const Key& key, const char* kid, const char* op) {
  nlohmann::json jwk = nlohmann::json::object();
  jwk["kid"] = kid;
  jwk["key_ops"] = nlohmann::json::array({op});
  jwk["kty"] = "RSA";
  jwk["e"] = base64url_encode(rsa_param(key, OSSL_PKEY_PARAM_RSA_E));
  jwk["n"] = base64url_encode(rsa_param(key, OSSL_PKEY_PARAM_RSA_N));
  return jwk;
}

// The JWK as the paravisor writes it: members in the order kid, key_ops, kty, e, n (nlohmann sorts keys).
std::string jwk_text(const nlohmann::json& jwk) {
  std::string out = "{";
  bool first = true;
  for (const char* name : {"kid", "key_ops", "kty", "e", "n"}) {
    if (!first) out += ',';
    first = false;
    out += nlohmann::json(name).dump() + ":" + jwk.at(name).dump();
  }
  return out + "}";
}

}  // namespace

Result<HclReport> parse_hcl_report(ByteView b) {
  if (b.size() < kHclVarDataOffset)
    return truncated("HCL report of " + std::to_string(b.size()) + " bytes, shorter than its " +
                     std::to_string(kHclVarDataOffset) + "-byte fixed part");
  if (load_le32(b, 0) != kHclSignature) return invalid("signature is not \"HCLA\"");
  HclReport r;
  r.version = load_le32(b, kOffVersion);
  const std::uint32_t report_size = load_le32(b, kOffReportSize);
  r.request_type = load_le32(b, kOffRequestType);
  r.status = load_le32(b, kOffStatus);
  std::copy_n(b.begin() + kOffReserved, r.reserved.size(), r.reserved.begin());
  r.hw_report.assign(b.begin() + kOffHwReport, b.begin() + kOffDataSize);
  const std::uint32_t data_size = load_le32(b, kOffDataSize);
  r.igvm_version = load_le32(b, kOffIgvmVersion);
  const std::uint32_t type = load_le32(b, kOffReportType);
  if (type != static_cast<std::uint32_t>(HclReportType::snp) &&
      type != static_cast<std::uint32_t>(HclReportType::tdx))
    return invalid("unknown report type " + std::to_string(type) + " (2 = SNP, 4 = TDX)");
  r.type = static_cast<HclReportType>(type);
  r.hash_type = load_le32(b, kOffHashType);
  if (r.hash_type < 1 || r.hash_type > 3)
    return invalid("report data hash type " + std::to_string(r.hash_type) +
                   " (1 SHA-256, 2 SHA-384, 3 SHA-512)");
  const std::uint32_t var_size = load_le32(b, kOffVarSize);
  if (var_size > b.size() - kHclVarDataOffset)
    return truncated("variable data of " + std::to_string(var_size) + " bytes runs past the end of the " +
                     std::to_string(b.size()) + "-byte report");
  if (std::uint64_t{data_size} != kIgvmRequestFixed + std::uint64_t{var_size})
    return invalid("IGVM request data size " + std::to_string(data_size) + " != 20 + variable data size " +
                   std::to_string(var_size));
  if (std::uint64_t{report_size} != kHclVarDataOffset + std::uint64_t{var_size})
    return invalid("report size " + std::to_string(report_size) + " != " + std::to_string(kHclVarDataOffset) +
                   " + variable data size " + std::to_string(var_size));
  const auto var_end = b.begin() + static_cast<std::ptrdiff_t>(kHclVarDataOffset + var_size);
  r.var_data.assign(b.begin() + kHclVarDataOffset, var_end);
  r.padding.assign(var_end, b.end());
  return r;
}

Bytes encode_hcl_report(const HclReport& r) {
  Bytes out(kHclVarDataOffset, 0);
  store_le32(out, 0, kHclSignature);
  store_le32(out, kOffVersion, r.version);
  const auto var_size = static_cast<std::uint32_t>(r.var_data.size());
  store_le32(out, kOffReportSize, static_cast<std::uint32_t>(kHclVarDataOffset) + var_size);
  store_le32(out, kOffRequestType, r.request_type);
  store_le32(out, kOffStatus, r.status);
  std::copy(r.reserved.begin(), r.reserved.end(), out.begin() + kOffReserved);
  std::copy_n(r.hw_report.begin(), std::min(r.hw_report.size(), kHclHwReportSize),
              out.begin() + kOffHwReport);
  store_le32(out, kOffDataSize, static_cast<std::uint32_t>(kIgvmRequestFixed) + var_size);
  store_le32(out, kOffIgvmVersion, r.igvm_version);
  store_le32(out, kOffReportType, static_cast<std::uint32_t>(r.type));
  store_le32(out, kOffHashType, r.hash_type);
  store_le32(out, kOffVarSize, var_size);
  out.insert(out.end(), r.var_data.begin(), r.var_data.end());
  out.insert(out.end(), r.padding.begin(), r.padding.end());
  return out;
}

Bytes hcl_hw_report_data(const HclReport& r) {
  const std::size_t off = r.type == HclReportType::tdx ? kTdReportDataOffset : kSnpReportDataOffset;
  if (r.hw_report.size() < off + 64) return {};
  return Bytes(r.hw_report.begin() + static_cast<std::ptrdiff_t>(off),
               r.hw_report.begin() + static_cast<std::ptrdiff_t>(off + 64));
}

ByteView hcl_hw_report(const HclReport& r) {
  const std::size_t size = r.type == HclReportType::tdx ? kTdReportSize : kHclHwReportSize;
  return ByteView(r.hw_report).first(std::min(size, r.hw_report.size()));
}

Bytes hcl_var_data_digest(const HclReport& r) {
  switch (r.hash_type) {
    case 2:
      return sha384(r.var_data);
    case 3:
      return sha512(r.var_data);
    default:
      return sha256(r.var_data);
  }
}

Result<RuntimeData> parse_runtime_data(ByteView var_data) {
  nlohmann::json j =
      parse_json_limited(std::string_view(reinterpret_cast<const char*>(var_data.data()), var_data.size()));
  if (j.is_discarded()) return runtime_invalid("the variable data is not JSON");
  if (!j.is_object()) return runtime_invalid("the variable data is not a JSON object");
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array()) return runtime_invalid("\"keys\" is not an array");
  RuntimeData out;
  for (const auto& jwk : *keys) {
    if (!jwk.is_object()) return runtime_invalid("a member of \"keys\" is not an object");
    auto kid = jwk.find("kid");
    if (kid == jwk.end() || !kid->is_string()) continue;
    const std::string& name = kid->get_ref<const std::string&>();
    Key* slot = name == "HCLAkPub" ? &out.ak_pub : name == "HCLEkPub" ? &out.ek_pub : nullptr;
    if (!slot || *slot) continue;  // the first key of each kid counts, as Trustee's find() takes it
    auto key = key_from_rsa_jwk(jwk, name);
    if (!key) return key.error();
    *slot = *key;
  }
  if (!out.ak_pub) return runtime_invalid("no \"HCLAkPub\" key in \"keys\"");
  if (auto vm = j.find("vm-configuration"); vm != j.end()) out.vm_configuration = *vm;
  if (auto user = j.find("user-data"); user != j.end()) {
    if (!user->is_string()) return runtime_invalid("\"user-data\" is not a string");
    auto bytes = hex_decode(user->get_ref<const std::string&>());
    if (!bytes) return runtime_invalid("\"user-data\" is not hex");
    out.user_data = std::move(*bytes);
  }
  out.json = std::move(j);
  return out;
}

std::string runtime_data_json(const Key& ak_pub, const Key& ek_pub, const nlohmann::json& vm_configuration,
                              const std::optional<Bytes>& user_data) {
  std::string out = "{\"keys\":[" + jwk_text(rsa_jwk(ak_pub, "HCLAkPub", "sign"));
  if (ek_pub) out += "," + jwk_text(rsa_jwk(ek_pub, "HCLEkPub", "encrypt"));
  out += "]";
  if (!vm_configuration.is_null())
    out += ",\"vm-configuration\":" +
           vm_configuration.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (user_data) {
    std::string hex = hex_encode(*user_data);
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c; });
    out += ",\"user-data\":\"" + hex + "\"";
  }
  return out + "}";
}

}  // namespace coco::azure
