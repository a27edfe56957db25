#include "snp/certs.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/encoding.h"

namespace coco::snp {
namespace {

struct KnownGuid {
  CertKind kind;
  const char* text;
};
constexpr KnownGuid kGuids[] = {
    {CertKind::vcek, "63da758d-e664-4564-adc5-f4b93be8accd"},
    {CertKind::vlek, "a8074bc2-a25a-483e-aae6-39c045a0b8a1"},
    {CertKind::ask, "4ab7b379-bbac-4fe4-a02f-05aef327c782"},
    {CertKind::ark, "c0b406a4-a803-4952-9743-3fb6014cd0ae"},
    {CertKind::extra_platform_info, "ecae0c0f-9502-43b1-afa2-0ae2e0d565b6"},
};
constexpr std::size_t kEntrySize = 24;

CertKind kind_of(const Guid& g) {
  for (const auto& k : kGuids)
    if (guid_from_string(k.text) == g) return k.kind;
  return CertKind::unknown;
}

}  // namespace

std::string cert_kind_name(CertKind k) {
  switch (k) {
    case CertKind::vcek:
      return "VCEK";
    case CertKind::vlek:
      return "VLEK";
    case CertKind::ask:
      return "ASK";
    case CertKind::ark:
      return "ARK";
    case CertKind::asvk:
      return "ASVK";
    case CertKind::extra_platform_info:
      return "EXTRA_PLATFORM_INFO";
    case CertKind::unknown:
      break;
  }
  return "UNKNOWN";
}

std::optional<CertKind> cert_kind_from_name(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto k : {CertKind::vcek, CertKind::vlek, CertKind::ask, CertKind::ark, CertKind::asvk})
    if (cert_kind_name(k) == up) return k;
  return std::nullopt;
}

Guid guid_of(CertKind kind) {
  CertKind lookup = kind == CertKind::asvk ? CertKind::ask : kind;
  for (const auto& k : kGuids)
    if (k.kind == lookup) return *guid_from_string(k.text);
  return Guid{};
}

std::string guid_to_string(const Guid& g) {
  std::string h = hex_encode(g);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

std::optional<Guid> guid_from_string(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return std::nullopt;
  std::string hex;
  for (char c : s)
    if (c != '-') hex += c;
  auto b = hex_decode(hex);
  if (!b || b->size() != 16) return std::nullopt;
  Guid g;
  std::copy(b->begin(), b->end(), g.begin());
  return g;
}

Result<std::vector<CertTableEntry>> parse_cert_table(ByteView table) {
  std::vector<CertTableEntry> out;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  std::size_t pos = 0;
  for (;;) {
    if (pos + kEntrySize > table.size())
      return make_error(out.empty() && table.size() < kEntrySize ? "snp.cert_table_truncated"
                                                                 : "snp.cert_table_unterminated",
                        "certificate table ends before its all-zero terminator entry");
    ByteView entry = table.subspan(pos, kEntrySize);
    pos += kEntrySize;
    if (all_zero(entry)) break;
    CertTableEntry e;
    std::memcpy(e.guid.data(), entry.data(), 16);
    e.kind = kind_of(e.guid);
    spans.emplace_back(load_le32(entry, 16), load_le32(entry, 20));
    out.push_back(std::move(e));
  }
  const std::size_t header_end = pos;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto [offset, length] = spans[i];
    if (offset < header_end || static_cast<std::uint64_t>(offset) + length > table.size())
      return make_error("snp.cert_table_bad_entry",
                        "certificate table entry " + std::to_string(i) + " (" + guid_to_string(out[i].guid) +
                            ") points outside the table: offset " + std::to_string(offset) + ", length " +
                            std::to_string(length) + ", table " + std::to_string(table.size()) + " bytes");
    auto data = table.subspan(offset, length);
    out[i].data.assign(data.begin(), data.end());
  }
  return out;
}

Bytes encode_cert_table(const std::vector<CertTableEntry>& entries) {
  const std::size_t header = (entries.size() + 1) * kEntrySize;
  Bytes out(header, 0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::memcpy(out.data() + i * kEntrySize, entries[i].guid.data(), 16);
    store_le32(out, i * kEntrySize + 16, static_cast<std::uint32_t>(out.size()));
    store_le32(out, i * kEntrySize + 20, static_cast<std::uint32_t>(entries[i].data.size()));
    out.insert(out.end(), entries[i].data.begin(), entries[i].data.end());
  }
  return out;
}

Result<KdsExtensions> parse_kds_extension_values(const std::vector<std::pair<std::string, Bytes>>& values) {
  auto find = [&](const char* id) -> Result<std::optional<Bytes>> {
    std::optional<Bytes> found;
    for (const auto& [o, v] : values) {
      if (o != id) continue;
      if (found)
        return make_error("snp.cert_extension_duplicate", std::string("extension ") + id + " appears twice");
      found = v;
    }
    return found;
  };
  auto spl = [&](const char* id, const char* name, bool required) -> Result<std::optional<std::uint8_t>> {
    auto v = find(id);
    if (!v) return v.error();
    if (!*v) {
      if (required)
        return make_error("snp.cert_extension_missing",
                          std::string(name) + " extension (" + id + ") missing");
      return std::optional<std::uint8_t>{};
    }
    auto n = parse_der_uint(**v);
    if (!n || *n > 255)
      return make_error("snp.cert_extension_invalid",
                        std::string(name) + " (" + id + ") is not an INTEGER 0..255");
    return std::optional<std::uint8_t>(static_cast<std::uint8_t>(*n));
  };

  KdsExtensions ext;
  auto sv = find(oid::kStructVersion);
  if (!sv) return sv.error();
  if (*sv) {
    auto n = parse_der_uint(**sv);
    if (!n) return make_error("snp.cert_extension_invalid", "structVersion is not an INTEGER");
    ext.struct_version = *n;
  }
  auto pn = find(oid::kProductName);
  if (!pn) return pn.error();
  if (!*pn)
    return make_error("snp.cert_extension_missing", "productName extension (1.3.6.1.4.1.3704.1.2) missing");
  auto name = parse_der_string(**pn);
  if (!name) return make_error("snp.cert_extension_invalid", "productName is not an IA5String");
  ext.product_name = *name;

  struct {
    const char* id;
    const char* name;
    std::uint8_t* dst;
  } spls[] = {{oid::kBlSpl, "blSPL", &ext.tcb.bootloader},
              {oid::kTeeSpl, "teeSPL", &ext.tcb.tee},
              {oid::kSnpSpl, "snpSPL", &ext.tcb.snp},
              {oid::kUcodeSpl, "ucodeSPL", &ext.tcb.microcode}};
  for (auto& s : spls) {
    auto v = spl(s.id, s.name, true);
    if (!v) return v.error();
    *s.dst = **v;
  }
  auto fmc = spl(oid::kFmcSpl, "fmcSPL", false);
  if (!fmc) return fmc.error();
  ext.tcb.fmc = *fmc;
  // spl4..spl7 are reserved; they must still be well-formed when present.
  for (const char* id : {oid::kSpl4, oid::kSpl5, oid::kSpl6, oid::kSpl7}) {
    auto v = spl(id, "reserved SPL", false);
    if (!v) return v.error();
  }

  auto hw = find(oid::kHwId);
  if (!hw) return hw.error();
  if (*hw) {
    // Older VCEKs carry the hwID bytes directly; newer ones wrap them in an OCTET STRING. A raw 64-byte
    // (or 8-byte Turin) value is taken as-is, as Trustee's get_oid_octets does.
    const Bytes& v = **hw;
    auto inner = parse_der_octet_string(v);
    if (inner && (inner->size() == 64 || inner->size() == 8)) {
      ext.hwid = *inner;
    } else if (v.size() == 64 || v.size() == 8) {
      ext.hwid = v;
      ext.hwid_raw = true;
    } else {
      return make_error("snp.cert_extension_invalid",
                        "hwID is " + std::to_string(v.size()) + " bytes; expected 64 (8 on Turin)");
    }
  }
  auto csp = find(oid::kCspId);
  if (!csp) return csp.error();
  if (*csp) {
    auto s = parse_der_string(**csp);
    if (!s) return make_error("snp.cert_extension_invalid", "cspID is not an IA5String");
    ext.csp_id = *s;
  }
  if (ext.hwid && ext.csp_id)
    return make_error("snp.cert_hwid_and_cspid", "certificate carries both hwID and cspID");
  return ext;
}

Result<KdsExtensions> parse_kds_extensions(const Cert& cert) {
  auto values = cert.extensions();
  // Only AMD's arc matters here; every occurrence is kept so duplicates are caught.
  std::erase_if(values, [](const auto& ov) { return ov.first.rfind("1.3.6.1.4.1.3704.", 0) != 0; });
  return parse_kds_extension_values(values);
}

}  // namespace coco::snp
