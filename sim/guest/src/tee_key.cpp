#include "guest/tee_key.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace coco::guest {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool suits(const Key& key, TeeKeyType type) {
  if (!key) return false;
  switch (type) {
    case TeeKeyType::ec_p256:
      return key.is_ec() && key.curve_name() == "prime256v1";
    case TeeKeyType::ec_p521:
      return key.is_ec() && key.curve_name() == "secp521r1";
    case TeeKeyType::rsa_oaep_256:
    case TeeKeyType::rsa1_5:
      return key.is_rsa();
  }
  return false;
}

}  // namespace

std::string_view tee_key_type_name(TeeKeyType type) {
  switch (type) {
    case TeeKeyType::ec_p256:
      return "ec-p256";
    case TeeKeyType::ec_p521:
      return "ec-p521";
    case TeeKeyType::rsa_oaep_256:
      return "rsa-oaep-256";
    case TeeKeyType::rsa1_5:
      return "rsa1_5";
  }
  return "unknown";
}

std::string_view tee_key_alg(TeeKeyType type) {
  switch (type) {
    case TeeKeyType::ec_p256:
    case TeeKeyType::ec_p521:
      return "ECDH-ES+A256KW";
    case TeeKeyType::rsa_oaep_256:
      return "RSA-OAEP-256";
    case TeeKeyType::rsa1_5:
      return "RSA1_5";
  }
  return "";
}

Result<TeeKeyType> parse_tee_key_type(std::string_view name) {
  const std::string n = lower(name);
  for (TeeKeyType t :
       {TeeKeyType::ec_p256, TeeKeyType::ec_p521, TeeKeyType::rsa_oaep_256, TeeKeyType::rsa1_5}) {
    if (n == tee_key_type_name(t)) return t;
  }
  return make_error("guest.bad_key_type", "unknown TEE key type `" + std::string(name) +
                                              "`: use ec-p256, ec-p521, rsa-oaep-256 or rsa1_5");
}

TeeKey TeeKey::generate(TeeKeyType type) {
  switch (type) {
    case TeeKeyType::ec_p256:
      return TeeKey(type, jose::generate_ec_key(Curve::p256));
    case TeeKeyType::ec_p521:
      return TeeKey(type, jose::generate_ec_key(Curve::p521));
    case TeeKeyType::rsa_oaep_256:
    case TeeKeyType::rsa1_5:
      break;
  }
  return TeeKey(type, jose::generate_rsa_key(2048));
}

Result<TeeKey> TeeKey::from_key(Key private_key, TeeKeyType type) {
  if (!suits(private_key, type)) {
    return make_error("guest.bad_key_type",
                      "the key does not suit TEE key type " + std::string(tee_key_type_name(type)));
  }
  return TeeKey(type, std::move(private_key));
}

nlohmann::json TeeKey::public_jwk() const {
  nlohmann::json jwk = jose::public_jwk(key_);
  jwk["alg"] = std::string(alg());
  return jwk;
}

Result<Bytes> TeeKey::decrypt(const nlohmann::json& flattened_jwe) const {
  if (!flattened_jwe.is_object()) {
    return make_error("guest.decrypt", "the KBS response is not a JWE object");
  }
  auto jwe = jose::Jwe::from_json(flattened_jwe);
  if (!jwe) return make_error("guest.decrypt", "bad JWE: " + jwe.error().code + ": " + jwe.error().message);
  return decrypt(*jwe);
}

Result<Bytes> TeeKey::decrypt(const jose::Jwe& jwe) const {
  auto plain = jose::jwe_decrypt(jwe, key_);
  if (!plain) {
    return make_error("guest.decrypt", "JWE decryption with the " + std::string(tee_key_type_name(type_)) +
                                           " TEE key failed: " + plain.error().code + ": " +
                                           plain.error().message);
  }
  return std::move(plain).value();
}

}  // namespace coco::guest
