// The format side of the simulated Azure vTPM (AK template and name, argument checks shared by both
// implementations) and the in-process implementation on OpenSSL. See azure/vtpm.h.
#include "azure/vtpm.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <map>
#include <memory>
#include <mutex>

#include "core/hash.h"
#include "vtpm_internal.h"

namespace coco::azure {

Vtpm::~Vtpm() = default;

namespace detail {

std::string hex32(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xF];
  return s;
}

Error argument_invalid(std::string message) {
  return make_error("azure.vtpm_argument_invalid", std::move(message));
}

Status check_pcr_index(std::uint32_t index) {
  if (index >= kPcrCount) return argument_invalid("PCR " + std::to_string(index) + " does not exist (0..23)");
  return ok_status();
}

Status check_extend(std::uint32_t index, ByteView digest) {
  if (auto s = check_pcr_index(index); !s) return s;
  if (digest.size() != 32)
    return argument_invalid("a sha256 PCR extend takes a 32-byte digest, not " +
                            std::to_string(digest.size()));
  return ok_status();
}

Status check_nonce(ByteView nonce) {
  if (nonce.size() > kMaxNonceSize)
    return argument_invalid("qualifyingData is at most 64 bytes (TPM2B_DATA), not " +
                            std::to_string(nonce.size()));
  return ok_status();
}

Status check_selection(const PcrSelection& selection) {
  if (selection.hash != kTpmAlgSha256)
    return argument_invalid("only the sha256 PCR bank is allocated, not hash algorithm " +
                            hex32(selection.hash));
  // The PC client profile's PCR_SELECT_MIN = PCR_SELECT_MAX = 3 for 24 PCRs.
  if (selection.select.size() != 3)
    return argument_invalid("a PCR selection has 3 bitmap bytes (PCR 0..23), not " +
                            std::to_string(selection.select.size()));
  return ok_status();
}

Status check_nv_index(std::uint32_t index) {
  if (index < kNvIndexFirst || index > kNvIndexLast)
    return argument_invalid(hex32(index) + " is not an NV index handle (0x01000000..0x01FFFFFF)");
  return ok_status();
}

Status check_nv_write(std::uint32_t index, std::size_t size) {
  if (auto s = check_nv_index(index); !s) return s;
  if (size == 0) return argument_invalid("NV data must not be empty");
  if (size > kMaxNvData)
    return argument_invalid("NV data of " + std::to_string(size) + " bytes is over the " +
                            std::to_string(kMaxNvData) + "-byte limit");
  if (size > kTpmNvIndexMax && (index < kNvSplitFirst || index > kNvSplitLast))
    return argument_invalid("NV data over " + std::to_string(kTpmNvIndexMax) + " bytes needs an index in " +
                            "0x01400000..0x017FFFFF (its continuation index lies 0x00400000 above), not " +
                            hex32(index));
  return ok_status();
}

Error nv_undefined(std::uint32_t index) {
  return make_error("azure.nv_undefined", "NV index " + hex32(index) + " is not defined");
}

Bytes rsa_modulus(const Key& key) {
  BIGNUM* n = nullptr;
  if (!key || EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1) return {};
  Bytes out(static_cast<std::size_t>(BN_num_bytes(n)));
  BN_bn2bin(n, out.data());
  BN_free(n);
  return out;
}

Result<Key> rsa_public_key(ByteView modulus, std::uint32_t exponent) {
  const auto fail = [] { return make_error("azure.tpm_public_invalid", "not a usable RSA public key"); };
  if (modulus.empty()) return fail();
  std::unique_ptr<BIGNUM, decltype(&BN_free)> n(
      BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr), &BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> e(BN_new(), &BN_free);
  if (!n || !e || BN_set_word(e.get(), exponent == 0 ? 65537 : exponent) != 1) return fail();
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      &OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return fail();
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return fail();
  return Key(pkey);
}

}  // namespace detail

namespace {

void put_be(Bytes& out, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

constexpr std::uint16_t kTpmAlgRsa = 0x0001;
constexpr std::uint16_t kTpmAlgNull = 0x0010;
constexpr std::uint16_t kTpmAlgRsassa = 0x0014;
constexpr std::uint32_t kTpmRhEndorsement = 0x4000000B;

// A public-only copy of a key.
Key public_only(const Key& key) {
  auto pub = public_key_from_der(public_key_to_der(key));
  return pub ? *pub : Key{};
}

// RSA-2048 keys derived from a seed, remembered: the prime search costs tens of milliseconds, and a harness
// makes many vTPMs (one per simulated VM) from few seeds. Keys are immutable, so sharing them is safe.
Key seeded_rsa_2048(const std::string& seed, const char* label) {
  static std::mutex mu;
  static std::map<std::string, Key> keys;
  const std::string id = seed + '\0' + label;
  {
    std::lock_guard lock(mu);
    if (auto it = keys.find(id); it != keys.end()) return it->second;
  }
  Key key = rsa_key_from_seed(2048, as_bytes(seed), label);
  std::lock_guard lock(mu);
  if (keys.size() >= 256) keys.clear();
  return keys.emplace(id, key).first->second;
}

class InProcessVtpm final : public Vtpm {
 public:
  explicit InProcessVtpm(const std::string& seed)
      : ak_(seeded_rsa_2048(seed, "azure-vtpm-ak")),
        ak_pub_(public_only(ak_)),
        ek_pub_(public_only(seeded_rsa_2048(seed, "azure-vtpm-ek"))),
        ak_qualified_name_(vtpm_ak_qualified_name(ak_pub_)) {
    // TPM2_Startup(CLEAR) reset values of the PC client profile (libtpms): PCR 17..22 all ones.
    for (std::uint32_t i = 0; i < kPcrCount; ++i) pcrs_.emplace_back(32, (i >= 17 && i <= 22) ? 0xFF : 0x00);
  }

  std::string kind() const override { return "in-process"; }
  const Key& ak_public() const override { return ak_pub_; }
  const Key& ek_public() const override { return ek_pub_; }

  Result<std::vector<Bytes>> read_pcrs() override { return pcrs_; }

  Status extend_pcr(std::uint32_t index, ByteView digest) override {
    if (auto s = detail::check_extend(index, digest); !s) return s;
    pcrs_[index] = pcr_extend(pcrs_[index], digest);
    return ok_status();
  }

  Result<TpmQuote> quote(ByteView nonce, const PcrSelection& selection) override {
    if (auto s = detail::check_nonce(nonce); !s) return s.error();
    if (auto s = detail::check_selection(selection); !s) return s.error();
    TpmsAttest a;
    a.qualified_signer = ak_qualified_name_;
    a.extra_data = to_bytes(nonce);
    a.clock = clock_;
    clock_ += kInProcessClockStep;
    a.reset_count = 0;
    a.restart_count = 0;
    a.safe = true;
    a.firmware_version = kLibtpmsFirmwareVersion;
    a.pcr_select = {selection};
    a.pcr_digest = pcr_digest(pcrs_, selection);
    TpmQuote q;
    q.message = encode_tpms_attest(a);
    q.signature = rsa_pkcs1_sign(ak_, HashAlg::sha256, q.message);
    q.pcrs = pcrs_;
    return q;
  }

  Status nv_write(std::uint32_t index, ByteView data) override {
    if (auto s = detail::check_nv_write(index, data.size()); !s) return s;
    nv_[index] = to_bytes(data);
    return ok_status();
  }

  Result<Bytes> nv_read(std::uint32_t index) override {
    if (auto s = detail::check_nv_index(index); !s) return s.error();
    auto it = nv_.find(index);
    if (it == nv_.end()) return detail::nv_undefined(index);
    return it->second;
  }

 private:
  Key ak_;
  Key ak_pub_;
  Key ek_pub_;
  Bytes ak_qualified_name_;
  std::vector<Bytes> pcrs_;
  std::map<std::uint32_t, Bytes> nv_;
  std::uint64_t clock_ = kInProcessClockStart;
};

}  // namespace

Bytes vtpm_ak_public_area(const Key& ak_pub) {
  const Bytes n = detail::rsa_modulus(ak_pub);
  Bytes out;
  put_be(out, kTpmAlgRsa, 2);           // type
  put_be(out, kTpmAlgSha256, 2);        // nameAlg
  put_be(out, kAkObjectAttributes, 4);  // objectAttributes
  put_be(out, 0, 2);                    // authPolicy: empty TPM2B_DIGEST
  put_be(out, kTpmAlgNull, 2);          // parameters.rsaDetail.symmetric.algorithm
  put_be(out, kTpmAlgRsassa, 2);        // scheme.scheme
  put_be(out, kTpmAlgSha256, 2);        // scheme.details.rsassa.hashAlg
  put_be(out, 2048, 2);                 // keyBits
  put_be(out, 0, 4);                    // exponent: 0 = 65537
  put_be(out, n.size(), 2);             // unique.rsa
  out.insert(out.end(), n.begin(), n.end());
  return out;
}

namespace {

// `width` big-endian bytes of `v` followed by `rest`, laid out in a buffer of its final size (appending
// piecewise trips a GCC 12 -O3 false -Wstringop-overflow).
Bytes be_then(std::uint64_t v, std::size_t width, ByteView rest) {
  Bytes out(width + rest.size());
  for (std::size_t i = 0; i < width; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (width - 1 - i)));
  std::copy(rest.begin(), rest.end(), out.begin() + static_cast<std::ptrdiff_t>(width));
  return out;
}

}  // namespace

Bytes vtpm_ak_name(const Key& ak_pub) {
  return be_then(kTpmAlgSha256, 2, sha256(vtpm_ak_public_area(ak_pub)));
}

Bytes vtpm_ak_qualified_name(const Key& ak_pub) {
  // QN(primary) = nameAlg || H(QN(hierarchy) || Name), the QN of a hierarchy being its handle.
  return be_then(kTpmAlgSha256, 2, sha256(be_then(kTpmRhEndorsement, 4, vtpm_ak_name(ak_pub))));
}

std::unique_ptr<Vtpm> make_in_process_vtpm(const std::string& seed) {
  return std::make_unique<InProcessVtpm>(seed);
}

}  // namespace coco::azure
