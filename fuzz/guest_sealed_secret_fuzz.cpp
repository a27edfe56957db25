// Fuzz target: sealed secrets as the guest's CDH reads them, on the same input:
//   parse_sealed_secret: fails only with guest.sealed_secret_invalid; what parses is a vault or envelope
//     secret whose signing input is the first two dot-separated parts after the "sealed." prefixes;
//   unseal_secret with a fixed verification key and fixed resources, with and without
//     skip_verification: errors carry one of the three documented codes; with verification on, nothing
//     unseals (the input cannot carry a valid signature by the fixed key, whose private half the fuzzer
//     never signs the input with);
//   the input taken as a payload, sealed with the fixed key and unsealed: a valid vault/envelope payload
//     naming a known resource round-trips, and nothing else crashes;
//   unseal_env over the input as one value: the same codes, plain values untouched.
// Nothing may throw or crash. Seeds: any sealed secret text (the unit tests' forms) and payload JSON.
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "guest/sealed_secret.h"
#include "jose/jose.h"

namespace {

using namespace coco;
using namespace coco::guest;

constexpr const char* kKid = "kbs:///default/signing-key/sealed-secret";

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "guest_sealed_secret_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

const Key& signing_key() {
  static const Key k = ec_key_from_seed(Curve::p256, as_bytes("guest-sealed-secret-fuzz"), "signing");
  return k;
}

const std::map<std::string, Bytes>& resources() {
  static const std::map<std::string, Bytes> r = {
      {kKid, to_bytes(as_bytes(jose::public_jwk(signing_key()).dump()))},
      {"kbs:///default/sealed-secret/test", to_bytes(as_bytes("secret"))},
      {"kbs:///default/kek/key1", Bytes(32, 0x42)},
  };
  return r;
}

Result<Bytes> get(const std::string& uri) {
  auto it = resources().find(uri);
  if (it == resources().end()) return make_error("guest.kbs_error", "not found");
  return it->second;
}

void check_code(const Error& e, const char* where) {
  if (e.code != "guest.sealed_secret_invalid" && e.code != "guest.sealed_secret_signature" &&
      e.code != "guest.sealed_secret_unseal") {
    fail(where, e.code);
  }
}

void check_parse(std::string_view text) {
  auto s = parse_sealed_secret(text);
  if (!s) {
    if (s.error().code != "guest.sealed_secret_invalid") fail("parse error code", s.error().code);
    return;
  }
  if (s->type != "vault" && s->type != "envelope") fail("type", s->type);
  std::string_view body = text;
  while (body.starts_with(kSealedPrefix)) body.remove_prefix(kSealedPrefix.size());
  if (!body.starts_with(s->signing_input) || body.size() <= s->signing_input.size() ||
      body[s->signing_input.size()] != '.') {
    fail("signing input is not the first two parts");
  }
}

void check_unseal(std::string_view text) {
  auto verified = unseal_secret(text, get);
  if (verified) fail("an unsigned input unsealed");
  check_code(verified.error(), "unseal error code");
  auto skipped = unseal_secret(text, get, {.skip_verification = true});
  if (!skipped) check_code(skipped.error(), "unseal (skip) error code");
}

void check_seal_round_trip(std::string_view text) {
  const nlohmann::json payload = nlohmann::json::parse(text, nullptr, false);
  if (payload.is_discarded()) return;
  auto sealed = seal_secret(payload, signing_key(), kKid);
  if (!sealed) fail("sealing with a P-256 key failed", sealed.error().message);
  auto parsed = parse_sealed_secret(*sealed);
  auto plain = unseal_secret(*sealed, get);
  if (!plain) {
    check_code(plain.error(), "round-trip error code");
    if (plain.error().code == "guest.sealed_secret_signature")
      fail("own signature refused", plain.error().message);
    return;
  }
  if (!parsed) fail("unsealed but does not parse");
  if (parsed->type == "vault" && payload.value("name", "") == "kbs:///default/sealed-secret/test" &&
      to_string(*plain) != "secret") {
    fail("vault secret differs");
  }
}

void check_env(std::string_view text) {
  const std::string value(text);
  auto out = unseal_env({{"PLAIN", "x"}, {"V", value}}, get);
  if (!out) {
    check_code(out.error(), "env error code");
    if (!value.starts_with(kSealedPrefix)) fail("a plain value failed");
    return;
  }
  if (out->size() != 2 || (*out)[0].second != "x") fail("plain value changed");
  if (!value.starts_with(kSealedPrefix) && (*out)[1].second != value) fail("plain value changed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_parse(text);
    check_unseal(text);
    check_seal_round_trip(text);
    check_env(text);
  } catch (const std::exception& e) {
    fail("exception:", e.what());
  }
  return 0;
}
