// Helpers shared by the JOSE sources (see internal.h).
#include <openssl/rand.h>

#include <stdexcept>

#include "core/encoding.h"
#include "internal.h"

namespace coco::jose::detail {
namespace {

constexpr CurveInfo kCurves[] = {
    {Curve::p256, "P-256", "prime256v1", 32},
    {Curve::p384, "P-384", "secp384r1", 48},
    {Curve::p521, "P-521", "secp521r1", 66},
};

}  // namespace

const CurveInfo* curve_by_jwk_name(std::string_view name) {
  for (const auto& c : kCurves)
    if (name == c.jwk_name) return &c;
  return nullptr;
}

const CurveInfo& curve_info(Curve curve) {
  for (const auto& c : kCurves)
    if (c.curve == curve) return c;
  throw std::logic_error("unknown curve");
}

const CurveInfo* curve_of(const Key& key) {
  if (!key.is_ec()) return nullptr;
  const std::string name = key.curve_name();
  for (const auto& c : kCurves)
    if (name == c.ossl_name || name == c.jwk_name) return &c;
  return nullptr;
}

std::optional<Bytes> b64u_decode(std::string_view s) {
  // The core decoder tolerates '=' padding; JOSE forbids it, so refuse it here.
  if (s.find('=') != std::string_view::npos) return std::nullopt;
  return base64url_decode(s);
}

const std::string* string_member(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::optional<std::string> dump_json(const nlohmann::json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Bytes bn_bytes(const BIGNUM* bn) {
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  if (out.empty()) return Bytes{0};
  BN_bn2bin(bn, out.data());
  return out;
}

std::optional<Bytes> bn_bytes_fixed(const BIGNUM* bn, std::size_t width) {
  Bytes out(width);
  if (BN_bn2binpad(bn, out.data(), static_cast<int>(width)) < 0) return std::nullopt;
  return out;
}

Bn bn_from_bytes(ByteView be) {
  Bn bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  if (!bn) throw std::bad_alloc();
  return bn;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

}  // namespace coco::jose::detail
