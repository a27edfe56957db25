#include "snp/report.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/encoding.h"

namespace coco::snp {
namespace {

template <std::size_t N>
void get(ByteView b, std::size_t off, std::array<std::uint8_t, N>& out) {
  std::memcpy(out.data(), b.data() + off, N);
}
template <std::size_t N>
void put(std::span<std::uint8_t> b, std::size_t off, const std::array<std::uint8_t, N>& in) {
  std::memcpy(b.data() + off, in.data(), N);
}
void put_fw(std::span<std::uint8_t> b, std::size_t off, const FirmwareVersion& v) {
  b[off] = v.build;
  b[off + 1] = v.minor;
  b[off + 2] = v.major;
}
FirmwareVersion get_fw(ByteView b, std::size_t off) {
  return {b[off], b[off + 1], b[off + 2]};
}

}  // namespace

std::string product_name(Product p) {
  switch (p) {
    case Product::milan:
      return "Milan";
    case Product::genoa:
      return "Genoa";
    case Product::turin:
      return "Turin";
    case Product::unknown:
      break;
  }
  return "unknown";
}

std::optional<Product> product_from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // KDS productName values carry a stepping suffix, e.g. "Milan-B0".
  auto dash = lower.find('-');
  if (dash != std::string::npos) lower = lower.substr(0, dash);
  if (lower == "milan") return Product::milan;
  if (lower == "genoa") return Product::genoa;
  if (lower == "turin") return Product::turin;
  return std::nullopt;
}

Product product_from_cpuid(std::uint8_t family, std::uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return Product::milan;
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) return Product::genoa;
  } else if (family == 0x1A) {
    if (model <= 0x11) return Product::turin;
  }
  return Product::unknown;
}

Tcb decode_tcb(std::uint64_t raw, Product product) {
  auto byte = [raw](int i) { return static_cast<std::uint8_t>(raw >> (8 * i)); };
  Tcb t;
  if (product == Product::turin) {
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

std::uint64_t encode_tcb(const Tcb& t, Product product) {
  auto at = [](std::uint8_t v, int i) { return static_cast<std::uint64_t>(v) << (8 * i); };
  if (product == Product::turin)
    return at(t.fmc.value_or(0), 0) | at(t.bootloader, 1) | at(t.tee, 2) | at(t.snp, 3) | at(t.microcode, 7);
  return at(t.bootloader, 0) | at(t.tee, 1) | at(t.snp, 6) | at(t.microcode, 7);
}

bool tcb_at_least(const Tcb& a, const Tcb& b) {
  if (a.fmc && b.fmc && *a.fmc < *b.fmc) return false;
  return a.bootloader >= b.bootloader && a.tee >= b.tee && a.snp >= b.snp && a.microcode >= b.microcode;
}

std::string tcb_to_string(const Tcb& t) {
  std::string s;
  if (t.fmc) s += "fmc=" + std::to_string(*t.fmc) + " ";
  s += "bl=" + std::to_string(t.bootloader) + " tee=" + std::to_string(t.tee) +
       " snp=" + std::to_string(t.snp) + " ucode=" + std::to_string(t.microcode);
  return s;
}

GuestPolicy decode_policy(std::uint64_t raw) {
  auto bit = [raw](int i) { return ((raw >> i) & 1) != 0; };
  GuestPolicy p;
  p.abi_minor = static_cast<std::uint8_t>(raw);
  p.abi_major = static_cast<std::uint8_t>(raw >> 8);
  p.smt = bit(16);
  p.reserved_one = bit(17);
  p.migrate_ma = bit(18);
  p.debug = bit(19);
  p.single_socket = bit(20);
  p.cxl_allow = bit(21);
  p.mem_aes_256_xts = bit(22);
  p.rapl_dis = bit(23);
  p.ciphertext_hiding = bit(24);
  p.page_swap_disable = bit(25);
  p.reserved_high = raw >> 26;
  return p;
}

PlatformInfo decode_platform_info(std::uint64_t raw) {
  auto bit = [raw](int i) { return ((raw >> i) & 1) != 0; };
  PlatformInfo p;
  p.smt_enabled = bit(0);
  p.tsme_enabled = bit(1);
  p.ecc_enabled = bit(2);
  p.rapl_disabled = bit(3);
  p.ciphertext_hiding_enabled = bit(4);
  p.alias_check_complete = bit(5);
  p.tio_enabled = bit(7);
  p.reserved = raw & ~std::uint64_t{0xBF};
  return p;
}

SignerInfo decode_signer_info(std::uint32_t raw) {
  SignerInfo s;
  s.author_key_en = (raw & 1) != 0;
  s.mask_chip_key = (raw & 2) != 0;
  s.signing_key_raw = (raw >> 2) & 7;
  switch (s.signing_key_raw) {
    case 0:
      s.signing_key = SigningKey::vcek;
      break;
    case 1:
      s.signing_key = SigningKey::vlek;
      break;
    case 7:
      s.signing_key = SigningKey::none;
      break;
    default:
      s.signing_key = SigningKey::reserved;
      break;
  }
  s.reserved = raw >> 5;
  return s;
}

std::string signing_key_name(SigningKey k) {
  switch (k) {
    case SigningKey::vcek:
      return "VCEK";
    case SigningKey::vlek:
      return "VLEK";
    case SigningKey::none:
      return "none";
    case SigningKey::reserved:
      break;
  }
  return "reserved";
}

Product Report::product() const {
  if (!has_cpuid()) return Product::unknown;
  return product_from_cpuid(cpuid_fam_id, cpuid_mod_id);
}

Bytes Report::encode() const {
  Bytes b(kReportSize, 0);
  std::span<std::uint8_t> s(b);
  store_le32(s, 0x000, version);
  store_le32(s, 0x004, guest_svn);
  store_le64(s, 0x008, policy);
  put(s, 0x010, family_id);
  put(s, 0x020, image_id);
  store_le32(s, 0x030, vmpl);
  store_le32(s, 0x034, signature_algo);
  store_le64(s, 0x038, current_tcb);
  store_le64(s, 0x040, platform_info);
  store_le32(s, 0x048, signer_info);
  store_le32(s, 0x04C, reserved_04c);
  put(s, 0x050, report_data);
  put(s, 0x090, measurement);
  put(s, 0x0C0, host_data);
  put(s, 0x0E0, id_key_digest);
  put(s, 0x110, author_key_digest);
  put(s, 0x140, report_id);
  put(s, 0x160, report_id_ma);
  store_le64(s, 0x180, reported_tcb);
  b[0x188] = cpuid_fam_id;
  b[0x189] = cpuid_mod_id;
  b[0x18A] = cpuid_step;
  put(s, 0x18B, reserved_18b);
  put(s, 0x1A0, chip_id);
  store_le64(s, 0x1E0, committed_tcb);
  put_fw(s, 0x1E8, current);
  b[0x1EB] = reserved_1eb;
  put_fw(s, 0x1EC, committed);
  b[0x1EF] = reserved_1ef;
  store_le64(s, 0x1F0, launch_tcb);
  store_le64(s, 0x1F8, launch_mit_vector);
  store_le64(s, 0x200, current_mit_vector);
  put(s, 0x208, reserved_208);
  put(s, 0x2A0, signature_r);
  put(s, 0x2E8, signature_s);
  put(s, 0x330, reserved_330);
  return b;
}

Bytes Report::signed_bytes() const {
  Bytes b = encode();
  b.resize(kSignedSize);
  return b;
}

std::vector<std::string> Report::mbz_violations() const {
  std::vector<std::string> v;
  auto decoded = decoded_policy();
  if (!decoded.reserved_one) v.push_back("POLICY bit 17 (must be one)");
  if (decoded.reserved_high != 0) v.push_back("POLICY bits 63:26");
  if (decoded_signer().reserved != 0) v.push_back("signer info bits 31:5");
  if (reserved_04c != 0) v.push_back("reserved 0x04C..0x050");
  if (!has_cpuid() && (cpuid_fam_id | cpuid_mod_id | cpuid_step) != 0)
    v.push_back("reserved 0x188..0x18B (v2)");
  if (!all_zero(reserved_18b)) v.push_back("reserved 0x18B..0x1A0");
  if (reserved_1eb != 0) v.push_back("reserved 0x1EB");
  if (reserved_1ef != 0) v.push_back("reserved 0x1EF");
  if (!has_mitigation_vectors() && (launch_mit_vector | current_mit_vector) != 0)
    v.push_back("reserved 0x1F8..0x208 (mitigation vectors before v5)");
  if (!all_zero(reserved_208)) v.push_back("reserved 0x208..0x2A0");
  if (!all_zero(reserved_330)) v.push_back("reserved 0x330..0x4A0");
  return v;
}

Result<Report> parse_report(ByteView b) {
  if (b.size() != kReportSize)
    return make_error("snp.report_size",
                      "an SNP attestation report is 1184 bytes; got " + std::to_string(b.size()));
  Report r;
  r.version = load_le32(b, 0x000);
  if (r.version < 2 || r.version > 5)
    return make_error("snp.report_version_unknown",
                      "unknown SNP report version " + std::to_string(r.version) + " (known: 2 to 5)");
  r.guest_svn = load_le32(b, 0x004);
  r.policy = load_le64(b, 0x008);
  get(b, 0x010, r.family_id);
  get(b, 0x020, r.image_id);
  r.vmpl = load_le32(b, 0x030);
  r.signature_algo = load_le32(b, 0x034);
  r.current_tcb = load_le64(b, 0x038);
  r.platform_info = load_le64(b, 0x040);
  r.signer_info = load_le32(b, 0x048);
  r.reserved_04c = load_le32(b, 0x04C);
  get(b, 0x050, r.report_data);
  get(b, 0x090, r.measurement);
  get(b, 0x0C0, r.host_data);
  get(b, 0x0E0, r.id_key_digest);
  get(b, 0x110, r.author_key_digest);
  get(b, 0x140, r.report_id);
  get(b, 0x160, r.report_id_ma);
  r.reported_tcb = load_le64(b, 0x180);
  r.cpuid_fam_id = b[0x188];
  r.cpuid_mod_id = b[0x189];
  r.cpuid_step = b[0x18A];
  get(b, 0x18B, r.reserved_18b);
  get(b, 0x1A0, r.chip_id);
  r.committed_tcb = load_le64(b, 0x1E0);
  r.current = get_fw(b, 0x1E8);
  r.reserved_1eb = b[0x1EB];
  r.committed = get_fw(b, 0x1EC);
  r.reserved_1ef = b[0x1EF];
  r.launch_tcb = load_le64(b, 0x1F0);
  r.launch_mit_vector = load_le64(b, 0x1F8);
  r.current_mit_vector = load_le64(b, 0x200);
  get(b, 0x208, r.reserved_208);
  get(b, 0x2A0, r.signature_r);
  get(b, 0x2E8, r.signature_s);
  get(b, 0x330, r.reserved_330);
  return r;
}

void set_signature(Report& report, ByteView r_be, ByteView s_be) {
  report.signature_r.fill(0);
  report.signature_s.fill(0);
  // Big-endian integers become little-endian fields: byte i of the field is byte (n-1-i) of the BE form.
  for (std::size_t i = 0; i < r_be.size() && i < 72; ++i) report.signature_r[i] = r_be[r_be.size() - 1 - i];
  for (std::size_t i = 0; i < s_be.size() && i < 72; ++i) report.signature_s[i] = s_be[s_be.size() - 1 - i];
}

namespace {
Bytes le72_to_be48(const std::array<std::uint8_t, 72>& le) {
  Bytes be(48);
  for (std::size_t i = 0; i < 48; ++i) be[i] = le[47 - i];
  return be;
}
}  // namespace

Bytes signature_r_be(const Report& r) {
  return le72_to_be48(r.signature_r);
}
Bytes signature_s_be(const Report& r) {
  return le72_to_be48(r.signature_s);
}
bool signature_padding_zero(const Report& r) {
  return all_zero(ByteView(r.signature_r).subspan(48)) && all_zero(ByteView(r.signature_s).subspan(48));
}

}  // namespace coco::snp
