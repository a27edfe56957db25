#include "tdx/eventlog.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

#include "core/encoding.h"
#include "core/hash.h"

namespace coco::tdx {

namespace {

constexpr std::string_view kSpecIdSignature("Spec ID Event03\0", 16);
constexpr std::size_t kSha1DigestSize = std::tuple_size_v<decltype(SpecIdEvent::legacy_digest)>;
constexpr std::size_t kSpecIdFixedSize = 16 + 4 + 4 + 4;  // signature .. numberOfAlgorithms

Error truncated(const std::string& what) {
  return make_error("tdx.eventlog_truncated", "CC event log ends inside " + what);
}
Error invalid(const std::string& what) {
  return make_error("tdx.eventlog_invalid", "CC event log is invalid: " + what);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Cursor over the log buffer: every read is checked against the end.
class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return b_.size() - pos_; }
  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = b_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = load_le16(b_, pos_);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = load_le32(b_, pos_);
    pos_ += 4;
    return true;
  }
  bool take(std::size_t n, ByteView& out) {
    if (left() < n) return false;
    out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  ByteView b_;
  std::size_t pos_ = 0;
};

struct Writer {
  Bytes out;
  void u8(std::uint8_t v) { out.push_back(v); }
  void u16(std::uint16_t v) {
    out.resize(out.size() + 2);
    store_le16(out, out.size() - 2, v);
  }
  void u32(std::uint32_t v) {
    out.resize(out.size() + 4);
    store_le32(out, out.size() - 4, v);
  }
  void raw(ByteView b) { out.insert(out.end(), b.begin(), b.end()); }
};

Result<SpecIdEvent> parse_spec_id(Reader& r) {
  SpecIdEvent s;
  std::uint32_t type = 0;
  std::uint32_t size = 0;
  ByteView legacy_digest;
  ByteView body;
  if (!r.u32(s.index) || !r.u32(type) || !r.take(kSha1DigestSize, legacy_digest) || !r.u32(size))
    return truncated("the Spec ID header event");
  std::copy(legacy_digest.begin(), legacy_digest.end(), s.legacy_digest.begin());
  if (type != kEvNoAction) return invalid("first event type is " + hex32(type) + ", not EV_NO_ACTION");
  if (!r.take(size, body)) return truncated("the Spec ID header event data");
  if (body.size() < kSpecIdFixedSize) return invalid("Spec ID event data is too short");
  if (!std::equal(kSpecIdSignature.begin(), kSpecIdSignature.end(), body.begin()))
    return invalid("first event is not a \"Spec ID Event03\" header (crypto-agile log required)");
  Reader h(body.subspan(16));
  std::uint32_t count = 0;
  // Sizes were checked above, so these fixed reads cannot fail.
  (void)h.u32(s.platform_class);
  (void)h.u8(s.spec_version_minor);
  (void)h.u8(s.spec_version_major);
  (void)h.u8(s.spec_errata);
  (void)h.u8(s.uintn_size);
  (void)h.u32(count);
  if (count == 0) return invalid("Spec ID header lists no digest algorithm");
  for (std::uint32_t i = 0; i < count; ++i) {
    SpecIdAlgorithm a;
    if (!h.u16(a.alg) || !h.u16(a.digest_size)) return invalid("Spec ID algorithm list overruns its event");
    for (const auto& seen : s.algorithms)
      if (seen.alg == a.alg) return invalid("Spec ID header lists an algorithm twice");
    s.algorithms.push_back(a);
  }
  std::uint8_t vendor_size = 0;
  ByteView vendor;
  if (!h.u8(vendor_size) || !h.take(vendor_size, vendor))
    return invalid("Spec ID vendor info overruns its event");
  if (h.left() != 0) return invalid("Spec ID event has bytes after the vendor info");
  s.vendor_info = to_bytes(vendor);
  return s;
}

// The padding after the last event: a CCEL area is pre-filled with 0xFF (OVMF) or 0x00 (td-shim).
bool is_padding(ByteView b) {
  bool ff = true;
  bool zero = true;
  for (auto c : b) {
    ff = ff && c == 0xFF;
    zero = zero && c == 0x00;
  }
  return ff || zero;
}

// Strict UTF-8 check with Rust's String::from_utf8 rules (no overlongs, surrogates or > U+10FFFF),
// decoding to code points so callers can drop control characters the way Trustee does.
std::optional<std::u32string> decode_utf8(ByteView b) {
  std::u32string out;
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint32_t c = b[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (b.size() - i - 1 < n) return std::nullopt;
    for (std::size_t k = 1; k <= n; ++k) {
      const std::uint32_t cc = b[i + k];
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += n + 1;
  }
  return out;
}

void append_utf8(std::string& s, std::uint32_t cp) {
  auto put = [&s](std::uint32_t v) { s.push_back(static_cast<char>(static_cast<unsigned char>(v))); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

std::optional<std::string> utf8_text(ByteView b) {
  if (!decode_utf8(b)) return std::nullopt;
  return to_string(b);
}

// UTF-16LE to UTF-8. `lossy` maps unpaired surrogates to U+FFFD (Rust from_utf16_lossy); otherwise
// they make the name invalid (from_utf16).
std::optional<std::string> utf16le_text(ByteView b, bool lossy) {
  std::string out;
  const std::size_t units = b.size() / 2;
  for (std::size_t i = 0; i < units; ++i) {
    std::uint32_t u = load_le16(b, 2 * i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
      const std::uint32_t lo = load_le16(b, 2 * (i + 1));
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        ++i;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) {
      if (!lossy) return std::nullopt;
      u = 0xFFFD;
    }
    append_utf8(out, u);
  }
  return out;
}

// Rust char::is_control: general category Cc.
bool is_control(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

nlohmann::json string_details(std::string s) {
  return nlohmann::json{{"string", std::move(s)}};
}

// EV_PLATFORM_CONFIG_FLAGS: free-form; Trustee shows it as text with control characters dropped, after
// turning 0x10 into a space (td-shim separates a descriptor from the kernel command line with it), and
// as "" when the bytes are not UTF-8 (td-shim's binary TD HOB).
nlohmann::json platform_config_flags_details(ByteView data) {
  std::string s;
  if (auto cps = decode_utf8(data))
    for (auto cp : *cps) {
      if (cp == 0x10) cp = ' ';
      if (!is_control(cp)) append_utf8(s, cp);
    }
  return string_details(std::move(s));
}

// UEFI_PLATFORM_FIRMWARE_BLOB2 / UEFI_HANDOFF_TABLE_POINTERS2 start with a length-prefixed description.
// Trustee takes the description's first size - 1 bytes (the last is the C string's NUL).
nlohmann::json description_details(ByteView data) {
  if (data.empty()) return nlohmann::json::object();
  const std::size_t n = data[0];
  if (n == 0) return string_details("");
  if (data.size() < n) return nlohmann::json::object();
  auto s = utf8_text(data.subspan(1, n - 1));
  return s ? string_details(*s) : nlohmann::json::object();
}

// TCG_PCClientTaggedEvent: id (u32), size (u32), data; text with NULs removed.
nlohmann::json event_tag_details(ByteView data) {
  if (data.size() < 8) return nlohmann::json::object();
  const std::uint32_t size = load_le32(data, 4);
  if (data.size() - 8 < size) return nlohmann::json::object();
  auto s = utf8_text(data.subspan(8, size));
  if (!s) return nlohmann::json::object();
  std::string out;
  for (char c : *s)
    if (c != '\0') out.push_back(c);
  return string_details(std::move(out));
}

// EV_IPL is vendor-defined. GCE's firmware writes 0x2E 0x00 then a NUL-terminated UTF-16 name (Trustee
// shows the units between the prefix and the last 2 bytes); others (shim, GRUB) write a C string, shown
// up to its NUL, or as hex when that is not UTF-8.
nlohmann::json ipl_details(ByteView data) {
  if (data.size() < 2) return nlohmann::json::object();
  if (data[0] == 0x2E && data[1] == 0x00) {
    const std::size_t n = data.size() - 2;
    if (n == 0 || n % 2 != 0) return nlohmann::json::object();
    return string_details(*utf16le_text(data.subspan(2, n - 2), true));
  }
  const auto nul = std::find(data.begin(), data.end(), std::uint8_t{0});
  auto s = utf8_text(data.first(static_cast<std::size_t>(nul - data.begin())));
  return string_details(s ? *s : hex_encode(data));
}

// The GUID's 16 bytes in storage order, grouped 4-2-2-2-6: Trustee does not byte-swap the first three
// fields, so EFI_GLOBAL_VARIABLE shows as 61dfe48b-ca93-d211-...
std::string raw_guid(ByteView g) {
  const std::string h = hex_encode(g);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

// The EFI text form (device-path text): little-endian first three fields, upper case.
std::string efi_guid(ByteView g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", load_le32(g, 0),
                unsigned{load_le16(g, 4)}, unsigned{load_le16(g, 6)}, unsigned{g[8]}, unsigned{g[9]},
                unsigned{g[10]}, unsigned{g[11]}, unsigned{g[12]}, unsigned{g[13]}, unsigned{g[14]},
                unsigned{g[15]});
  return buf;
}

std::string upper_hex(ByteView b) {
  std::string h = hex_encode(b);
  for (char& c : h)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return h;
}

// UEFI_VARIABLE_DATA: GUID, name length (UTF-16 units), data length, name, data.
nlohmann::json efi_variable_details(ByteView data) {
  if (data.size() < 32) return nlohmann::json::object();
  const std::uint64_t name_len = load_le64(data, 16);
  const std::uint64_t data_len = load_le64(data, 24);
  const std::size_t rest = data.size() - 32;
  if (name_len > rest / 2) return nlohmann::json::object();
  const std::size_t name_bytes = static_cast<std::size_t>(name_len) * 2;
  if (data_len > rest - name_bytes) return nlohmann::json::object();
  auto name = utf16le_text(data.subspan(32, name_bytes), false);
  if (!name) return nlohmann::json::object();
  const ByteView value = data.subspan(32 + name_bytes, static_cast<std::size_t>(data_len));
  return nlohmann::json{{"unicode_name", *name},
                        {"unicode_name_length", name_len},
                        {"variable_data", base64_encode(value)},
                        {"variable_data_length", data_len},
                        {"variable_name", raw_guid(data.first(16))}};
}

std::string device_path_node_text(std::uint8_t type, std::uint8_t subtype, ByteView body) {
  if (type == 4 && subtype == 4 && body.size() >= 2)  // media / file path: UTF-16 with a NUL
    return "File(" + *utf16le_text(body.first(body.size() - 2), true) + ")";
  if (type == 4 && subtype == 3 && body.size() >= 16)  // media / vendor
    return "VenMedia(" + efi_guid(body.first(16)) + "," + upper_hex(body.subspan(16)) + ")";
  return "Path(" + std::to_string(type) + "," + std::to_string(subtype) + "," + hex_encode(body) + ")";
}

// UEFI_IMAGE_LOAD_EVENT: three u64, device path length, device path. Trustee lists the nodes before
// the final end node (the last 4 bytes).
nlohmann::json boot_services_app_details(ByteView data) {
  if (data.size() < 32) return nlohmann::json::object();
  const std::uint64_t len = load_le64(data, 24);
  if (len == 0) return nlohmann::json::object();
  if (len < 4 || len - 4 > data.size() - 32) return nlohmann::json::object();
  ByteView path = data.subspan(32, static_cast<std::size_t>(len - 4));
  nlohmann::json paths = nlohmann::json::array();
  while (!path.empty()) {
    if (path.size() < 4) return nlohmann::json::object();
    const std::size_t node_len = load_le16(path, 2);
    if (node_len < 4 || node_len > path.size()) return nlohmann::json::object();
    paths.push_back(device_path_node_text(path[0], path[1], path.subspan(4, node_len - 4)));
    path = path.subspan(node_len);
  }
  if (paths.empty()) return nlohmann::json::object();
  return nlohmann::json{{"device_paths", std::move(paths)}};
}

std::optional<HashAlg> hash_alg(std::uint16_t alg) {
  switch (alg) {
    case kTpmAlgSha256:
      return HashAlg::sha256;
    case kTpmAlgSha384:
      return HashAlg::sha384;
    case kTpmAlgSha512:
      return HashAlg::sha512;
    default:
      return std::nullopt;
  }
}

// Whether the event data hashes to its digests: true when every digest this build can compute matches
// (and there is at least one). Only events that measure their own data (separators, EFI actions,
// driver-config variables) match; the rest measure something else (an image, a variable's value).
bool digest_matches_event(const Event& e) {
  bool any = false;
  for (const auto& d : e.digests) {
    auto alg = hash_alg(d.alg);
    if (!alg) continue;
    if (digest(*alg, e.data) != d.digest) return false;
    any = true;
  }
  return any;
}

}  // namespace

Result<EventLog> parse_eventlog(ByteView buffer) {
  Reader r(buffer);
  EventLog log;
  auto spec = parse_spec_id(r);
  if (!spec) return spec.error();
  log.spec_id = std::move(*spec);
  for (;;) {
    const std::size_t start = r.pos();
    // End of buffer, or padding: the first 8 bytes of a would-be header all 0xFF or all 0x00.
    if (r.left() == 0 || is_padding(buffer.subspan(start, std::min<std::size_t>(8, r.left())))) {
      log.size = start;
      return log;
    }
    const std::string where =
        "event " + std::to_string(log.events.size()) + " at offset " + std::to_string(start);
    Event e;
    std::uint32_t count = 0;
    if (!r.u32(e.index) || !r.u32(e.type) || !r.u32(count)) return truncated(where);
    for (std::uint32_t i = 0; i < count; ++i) {
      EventDigest d;
      if (!r.u16(d.alg)) return truncated(where);
      const SpecIdAlgorithm* a = nullptr;
      for (const auto& s : log.spec_id.algorithms)
        if (s.alg == d.alg) a = &s;
      if (!a)
        return invalid(where + " has digest algorithm " + digest_alg_name(d.alg) +
                       ", which the Spec ID header does not list");
      ByteView v;
      if (!r.take(a->digest_size, v)) return truncated(where);
      d.digest = to_bytes(v);
      e.digests.push_back(std::move(d));
    }
    std::uint32_t size = 0;
    ByteView data;
    if (!r.u32(size) || !r.take(size, data)) return truncated(where);
    e.data = to_bytes(data);
    log.events.push_back(std::move(e));
  }
}

Bytes encode_eventlog(const EventLog& log) {
  const auto& s = log.spec_id;
  Writer body;
  body.raw(as_bytes(kSpecIdSignature));
  body.u32(s.platform_class);
  body.u8(s.spec_version_minor);
  body.u8(s.spec_version_major);
  body.u8(s.spec_errata);
  body.u8(s.uintn_size);
  body.u32(static_cast<std::uint32_t>(s.algorithms.size()));
  for (const auto& a : s.algorithms) {
    body.u16(a.alg);
    body.u16(a.digest_size);
  }
  body.u8(static_cast<std::uint8_t>(s.vendor_info.size()));
  body.raw(s.vendor_info);

  Writer w;
  w.u32(s.index);
  w.u32(kEvNoAction);
  w.raw(s.legacy_digest);
  w.u32(static_cast<std::uint32_t>(body.out.size()));
  w.raw(body.out);
  for (const auto& e : log.events) {
    w.u32(e.index);
    w.u32(e.type);
    w.u32(static_cast<std::uint32_t>(e.digests.size()));
    for (const auto& d : e.digests) {
      w.u16(d.alg);
      w.raw(d.digest);
    }
    w.u32(static_cast<std::uint32_t>(e.data.size()));
    w.raw(e.data);
  }
  return std::move(w.out);
}

std::array<Rtmr, 4> replay_rtmrs(const EventLog& log) {
  std::array<Rtmr, 4> rtmr{};
  for (const auto& e : log.events) {
    if (e.index < 1 || e.index > 4 || e.type == kEvNoAction) continue;
    Rtmr& m = rtmr[e.index - 1];
    for (const auto& d : e.digests) {
      if (d.alg != kTpmAlgSha384 || d.digest.size() != m.size()) continue;
      Bytes in(m.begin(), m.end());
      in.insert(in.end(), d.digest.begin(), d.digest.end());
      const Bytes h = sha384(in);
      std::copy(h.begin(), h.end(), m.begin());
    }
  }
  return rtmr;
}

std::string event_type_name(std::uint32_t type) {
  switch (type) {
    case 0x0:
      return "EV_PREBOOT_CERT";
    case 0x1:
      return "EV_POST_CODE";
    case 0x2:
      return "EV_UNUSED";
    case 0x3:
      return "EV_NO_ACTION";
    case 0x4:
      return "EV_SEPARATOR";
    case 0x5:
      return "EV_ACTION";
    case 0x6:
      return "EV_EVENT_TAG";
    case 0x7:
      return "EV_S_CRTM_CONTENTS";
    case 0x8:
      return "EV_S_CRTM_VERSION";
    case 0x9:
      return "EV_CPU_MICROCODE";
    case 0xA:
      return "EV_PLATFORM_CONFIG_FLAGS";
    case 0xB:
      return "EV_TABLE_OF_DEVICES";
    case 0xC:
      return "EV_COMPACT_HASH";
    case 0xD:
      return "EV_IPL";
    case 0xE:
      return "EV_IPL_PARTITION_DATA";
    case 0xF:
      return "EV_NONHOST_CODE";
    case 0x10:
      return "EV_NONHOST_CONFIG";
    case 0x11:
      return "EV_NONHOST_INFO";
    case 0x12:
      return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case 0x80000000:
      return "EV_EFI_EVENT_BASE";
    case 0x80000001:
      return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case 0x80000002:
      return "EV_EFI_VARIABLE_BOOT";
    case 0x80000003:
      return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case 0x80000004:
      return "EV_EFI_BOOT_SERVICES_DRIVER";
    case 0x80000005:
      return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case 0x80000006:
      return "EV_EFI_GPT_EVENT";
    case 0x80000007:
      return "EV_EFI_ACTION";
    case 0x80000008:
      return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case 0x80000009:
      return "EV_EFI_HANDOFF_TABLES";
    case 0x8000000A:
      return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case 0x8000000B:
      return "EV_EFI_HANDOFF_TABLES2";
    case 0x8000000C:
      return "EV_EFI_VARIABLE_BOOT2";
    case 0x80000010:
      return "EV_EFI_HCRTM_EVENT";
    case 0x800000E0:
      return "EV_EFI_VARIABLE_AUTHORITY";
    case 0x800000E1:
      return "EV_EFI_SPDM_FIRMWARE_BLOB";
    case 0x800000E2:
      return "EV_EFI_SPDM_FIRMWARE_CONFIG";
    default:
      return "EV_UNKNOWN_" + hex32(type);
  }
}

std::string digest_alg_name(std::uint16_t alg) {
  switch (alg) {
    case kTpmAlgSha1:
      return "SHA-1";
    case kTpmAlgSha256:
      return "SHA-256";
    case kTpmAlgSha384:
      return "SHA-384";
    case kTpmAlgSha512:
      return "SHA-512";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%04x", unsigned{alg});
      return buf;
    }
  }
}

nlohmann::json trustee_event_details(const Event& e) {
  const ByteView data = e.data;
  switch (e.type) {
    case 0x1:           // EV_POST_CODE
    case 0x5:           // EV_ACTION
    case 0xC:           // EV_COMPACT_HASH
    case 0x12:          // EV_OMIT_BOOT_DEVICE_EVENTS
    case 0x80000007: {  // EV_EFI_ACTION
      auto s = utf8_text(data);
      return s ? string_details(*s) : nlohmann::json::object();
    }
    case 0x6:
      return event_tag_details(data);
    case 0xA:
      return platform_config_flags_details(data);
    case 0xD:
      return ipl_details(data);
    case 0x8000000A:  // EV_EFI_PLATFORM_FIRMWARE_BLOB2
    case 0x8000000B:  // EV_EFI_HANDOFF_TABLES2
      return description_details(data);
    case 0x80000001:  // EV_EFI_VARIABLE_DRIVER_CONFIG
    case 0x80000002:  // EV_EFI_VARIABLE_BOOT
    case 0x8000000C:  // EV_EFI_VARIABLE_BOOT2
    case 0x800000E0:  // EV_EFI_VARIABLE_AUTHORITY
      return efi_variable_details(data);
    case kEvEfiBootServicesApplication:
      return boot_services_app_details(data);
    default:
      return nlohmann::json::object();
  }
}

nlohmann::json trustee_eventlog_claims(const EventLog& log) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : log.events) {
    nlohmann::json digests = nlohmann::json::array();
    for (const auto& d : e.digests)
      digests.push_back({{"alg", digest_alg_name(d.alg)}, {"digest", hex_encode(d.digest)}});
    out.push_back({{"index", e.index},
                   {"type_name", event_type_name(e.type)},
                   {"digests", std::move(digests)},
                   {"event", base64_encode(e.data)},
                   {"details", trustee_event_details(e)},
                   {"digest_matches_event", digest_matches_event(e)}});
  }
  return out;
}

}  // namespace coco::tdx
