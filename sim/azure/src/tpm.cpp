// TPMS_ATTEST codec, PCR arithmetic and the bincode TPM quote (sim/azure/tpm.h).
#include "azure/tpm.h"

#include <algorithm>
#include <string>

#include "core/hash.h"

namespace coco::azure {
namespace {

// Largest sizes a TPM 2.0 (and the TSS marshalling code Trustee goes through) accepts.
constexpr std::size_t kMaxName = 2 + 64;    // TPM2B_NAME: sizeof(TPMU_NAME) = sizeof(TPMT_HA)
constexpr std::size_t kMaxData = 64;        // TPM2B_DATA as tss-esapi's Data (MAX_SIZE 64)
constexpr std::size_t kMaxDigest = 64;      // TPM2B_DIGEST: sizeof(TPMU_HA)
constexpr std::uint32_t kMaxBanks = 16;     // TPML_PCR_SELECTION: HASH_COUNT
constexpr std::size_t kMaxSelectBytes = 4;  // TPMS_PCR_SELECTION: PCR_SELECT_MAX
constexpr std::size_t kPcrSize = 32;

Error attest_truncated(const char* what) {
  return make_error("azure.tpm_attest_truncated", std::string("TPMS_ATTEST ends inside ") + what);
}
Error attest_invalid(std::string message) {
  return make_error("azure.tpm_attest_invalid", std::move(message));
}
Error quote_invalid(std::string message) {
  return make_error("azure.tpm_quote_invalid", std::move(message));
}

// Big-endian, bounds-checked reads; every read says whether it fit.
class BeReader {
 public:
  explicit BeReader(ByteView b) : b_(b) {}
  std::size_t left() const { return b_.size() - pos_; }
  bool u8(std::uint8_t& v) { return uint(1, v); }
  bool u16(std::uint16_t& v) { return uint(2, v); }
  bool u32(std::uint32_t& v) { return uint(4, v); }
  bool u64(std::uint64_t& v) { return uint(8, v); }
  bool bytes(std::size_t n, Bytes& out) {
    if (n > left()) return false;
    out.assign(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
               b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }

 private:
  template <typename T>
  bool uint(std::size_t n, T& v) {
    if (n > left()) return false;
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = (acc << 8) | b_[pos_ + i];
    v = static_cast<T>(acc);
    pos_ += n;
    return true;
  }
  ByteView b_;
  std::size_t pos_ = 0;
};

void put_be(Bytes& out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A TPM2B: u16 size (at most `max`) then the bytes.
Result<Bytes> read_tpm2b(BeReader& r, std::size_t max, const char* what) {
  std::uint16_t size = 0;
  if (!r.u16(size)) return attest_truncated(what);
  if (size > max)
    return attest_invalid(std::string(what) + " of " + std::to_string(size) + " bytes (at most " +
                          std::to_string(max) + ")");
  Bytes out;
  if (!r.bytes(size, out)) return attest_truncated(what);
  return out;
}

void put_tpm2b(Bytes& out, const Bytes& b) {
  put_be(out, b.size(), 2);
  out.insert(out.end(), b.begin(), b.end());
}

void put_le64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Result<TpmsAttest> parse_tpms_attest(ByteView bytes) {
  BeReader r(bytes);
  TpmsAttest a;
  if (!r.u32(a.magic)) return attest_truncated("magic");
  if (a.magic != kTpmGeneratedValue) return attest_invalid("magic is not TPM_GENERATED_VALUE (0xFF544347)");
  if (!r.u16(a.type)) return attest_truncated("type");
  if (a.type != kTpmStAttestQuote) return attest_invalid("type is not TPM_ST_ATTEST_QUOTE (0x8018)");
  auto signer = read_tpm2b(r, kMaxName, "qualifiedSigner");
  if (!signer) return signer.error();
  a.qualified_signer = std::move(*signer);
  auto extra = read_tpm2b(r, kMaxData, "extraData");
  if (!extra) return extra.error();
  a.extra_data = std::move(*extra);
  std::uint8_t safe = 0;
  if (!r.u64(a.clock) || !r.u32(a.reset_count) || !r.u32(a.restart_count) || !r.u8(safe))
    return attest_truncated("clockInfo");
  if (safe > 1)
    return attest_invalid("clockInfo.safe is " + std::to_string(safe) + " (TPMI_YES_NO is 0 or 1)");
  a.safe = safe == 1;
  if (!r.u64(a.firmware_version)) return attest_truncated("firmwareVersion");
  std::uint32_t count = 0;
  if (!r.u32(count)) return attest_truncated("pcrSelect.count");
  if (count > kMaxBanks)
    return attest_invalid("pcrSelect of " + std::to_string(count) + " banks (at most 16)");
  for (std::uint32_t i = 0; i < count; ++i) {
    PcrSelection sel;
    std::uint8_t size = 0;
    if (!r.u16(sel.hash) || !r.u8(size)) return attest_truncated("pcrSelect");
    if (size > kMaxSelectBytes)
      return attest_invalid("sizeofSelect " + std::to_string(size) + " (at most " +
                            std::to_string(kMaxSelectBytes) + ")");
    if (!r.bytes(size, sel.select)) return attest_truncated("pcrSelect");
    a.pcr_select.push_back(std::move(sel));
  }
  auto digest = read_tpm2b(r, kMaxDigest, "pcrDigest");
  if (!digest) return digest.error();
  a.pcr_digest = std::move(*digest);
  if (r.left() != 0) return attest_invalid(std::to_string(r.left()) + " bytes after the TPMS_ATTEST");
  return a;
}

Bytes encode_tpms_attest(const TpmsAttest& a) {
  Bytes out;
  put_be(out, a.magic, 4);
  put_be(out, a.type, 2);
  put_tpm2b(out, a.qualified_signer);
  put_tpm2b(out, a.extra_data);
  put_be(out, a.clock, 8);
  put_be(out, a.reset_count, 4);
  put_be(out, a.restart_count, 4);
  out.push_back(a.safe ? 1 : 0);
  put_be(out, a.firmware_version, 8);
  put_be(out, a.pcr_select.size(), 4);
  for (const PcrSelection& sel : a.pcr_select) {
    put_be(out, sel.hash, 2);
    out.push_back(static_cast<std::uint8_t>(sel.select.size()));
    out.insert(out.end(), sel.select.begin(), sel.select.end());
  }
  put_tpm2b(out, a.pcr_digest);
  return out;
}

PcrSelection all_sha256_pcrs() {
  return PcrSelection{kTpmAlgSha256, Bytes{0xFF, 0xFF, 0xFF}};
}

std::vector<std::uint32_t> selected_pcrs(const PcrSelection& selection) {
  std::vector<std::uint32_t> out;
  for (std::size_t byte = 0; byte < selection.select.size(); ++byte)
    for (std::uint32_t bit = 0; bit < 8; ++bit)
      if (selection.select[byte] & (1u << bit)) out.push_back(static_cast<std::uint32_t>(byte * 8) + bit);
  return out;
}

Bytes pcr_digest(const std::vector<Bytes>& pcrs, const PcrSelection& selection) {
  Bytes all;
  for (std::uint32_t i : selected_pcrs(selection)) {
    if (i >= pcrs.size()) return {};  // a selected PCR without a value: no digest
    all.insert(all.end(), pcrs[i].begin(), pcrs[i].end());
  }
  return sha256(all);
}

Bytes pcr_extend(ByteView value, ByteView data) {
  Bytes in(value.begin(), value.end());
  in.insert(in.end(), data.begin(), data.end());
  return sha256(in);
}

Bytes init_data_pcr8(ByteView init_data_digest) {
  Bytes digest32(kPcrSize, 0);
  std::copy_n(init_data_digest.begin(), std::min(init_data_digest.size(), kPcrSize), digest32.begin());
  return pcr_extend(Bytes(kPcrSize, 0), digest32);
}

bool verify_quote_signature(const TpmQuote& quote, const Key& ak_pub) {
  if (!ak_pub || !ak_pub.is_rsa()) return false;
  return rsa_pkcs1_verify(ak_pub, HashAlg::sha256, quote.message, quote.signature);
}

Result<TpmQuote> parse_bincode_quote(ByteView bytes) {
  std::size_t pos = 0;
  auto len = [&](std::uint64_t& v) -> bool {
    if (bytes.size() - pos < 8) return false;
    v = load_le64(bytes, pos);
    pos += 8;
    return true;
  };
  auto vec = [&](const char* what, Bytes& out) -> Status {
    std::uint64_t n = 0;
    if (!len(n)) return quote_invalid(std::string("bincode quote ends inside the length of ") + what);
    if (n > bytes.size() - pos)
      return quote_invalid(std::string("bincode quote: ") + what + " of " + std::to_string(n) +
                           " bytes runs past the end");
    out.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
               bytes.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += static_cast<std::size_t>(n);
    return ok_status();
  };
  TpmQuote q;
  if (auto s = vec("signature", q.signature); !s) return s.error();
  if (auto s = vec("message", q.message); !s) return s.error();
  std::uint64_t count = 0;
  if (!len(count)) return quote_invalid("bincode quote ends inside the PCR count");
  if (count > (bytes.size() - pos) / kPcrSize)
    return quote_invalid("bincode quote: " + std::to_string(count) + " PCRs run past the end");
  for (std::uint64_t i = 0; i < count; ++i) {
    q.pcrs.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                        bytes.begin() + static_cast<std::ptrdiff_t>(pos + kPcrSize));
    pos += kPcrSize;
  }
  if (pos != bytes.size())
    return quote_invalid(std::to_string(bytes.size() - pos) + " bytes after the bincode quote");
  return q;
}

Bytes encode_bincode_quote(const TpmQuote& quote) {
  Bytes out;
  put_le64(out, quote.signature.size());
  out.insert(out.end(), quote.signature.begin(), quote.signature.end());
  put_le64(out, quote.message.size());
  out.insert(out.end(), quote.message.begin(), quote.message.end());
  put_le64(out, quote.pcrs.size());
  for (const Bytes& pcr : quote.pcrs) {
    Bytes fixed(kPcrSize, 0);
    std::copy_n(pcr.begin(), std::min(pcr.size(), kPcrSize), fixed.begin());
    out.insert(out.end(), fixed.begin(), fixed.end());
  }
  return out;
}

}  // namespace coco::azure
