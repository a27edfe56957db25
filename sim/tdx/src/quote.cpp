#include "tdx/quote.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/encoding.h"

namespace coco::tdx {
namespace {

constexpr std::size_t kV5DescriptorSize = 6;           // body_type u16 + body_size u32
constexpr std::size_t kSignedFixedSize = 64 + 64 + 6;  // signature, key, cert type + size
constexpr std::size_t kQeCertFixedSize = kQeReportSize + 64 + 2 + 6;

Error truncated(const std::string& what) {
  return make_error("tdx.quote_truncated", "TDX quote ends inside " + what);
}
Error invalid(const std::string& what) {
  return make_error("tdx.quote_invalid", "TDX quote is inconsistent: " + what);
}

// Sequential bounds-checked reads; every read reports failure instead of touching memory past the end.
class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return b_.size() - pos_; }
  bool has(std::size_t n) const { return n <= left(); }
  ByteView take(std::size_t n) {
    ByteView v = b_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  std::uint16_t u16() { return load_le16(take(2), 0); }
  std::uint32_t u32() { return load_le32(take(4), 0); }
  template <std::size_t N>
  void get(std::array<std::uint8_t, N>& out) {
    std::memcpy(out.data(), take(N).data(), N);
  }

 private:
  ByteView b_;
  std::size_t pos_ = 0;
};

class Writer {
 public:
  void u16(std::uint16_t v) {
    std::size_t at = grow(2);
    store_le16(out_, at, v);
  }
  void u32(std::uint32_t v) {
    std::size_t at = grow(4);
    store_le32(out_, at, v);
  }
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  template <std::size_t N>
  void put(const std::array<std::uint8_t, N>& a) {
    bytes(a);
  }
  Bytes take() { return std::move(out_); }

 private:
  std::size_t grow(std::size_t n) {
    out_.resize(out_.size() + n);
    return out_.size() - n;
  }
  Bytes out_;
};

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return hex_encode(a);
}
std::string hex_le16(std::uint16_t v) {
  std::array<std::uint8_t, 2> b{};
  store_le16(b, 0, v);
  return hex(b);
}
std::string hex_le32(std::uint32_t v) {
  std::array<std::uint8_t, 4> b{};
  store_le32(b, 0, v);
  return hex(b);
}

// ---- header ----

void read_header(Reader& r, QuoteHeader& h) {
  h.version = r.u16();
  h.att_key_type = r.u16();
  h.tee_type = r.u32();
  r.get(h.reserved);
  r.get(h.qe_vendor_id);
  r.get(h.user_data);
}

void write_header(Writer& w, const QuoteHeader& h) {
  w.u16(h.version);
  w.u16(h.att_key_type);
  w.u32(h.tee_type);
  w.put(h.reserved);
  w.put(h.qe_vendor_id);
  w.put(h.user_data);
}

std::optional<Error> check_header(const QuoteHeader& h) {
  if (h.version != 4 && h.version != 5)
    return make_error("tdx.quote_version_unsupported",
                      "TDX quote version " + std::to_string(h.version) + " (supported: 4, 5)");
  if (h.att_key_type != kAttKeyTypeEcdsaP256)
    return make_error(
        "tdx.quote_key_type_unsupported",
        "attestation key type " + std::to_string(h.att_key_type) + " (supported: 2, ECDSA P-256)");
  if (h.tee_type != kTeeTypeTdx)
    return make_error("tdx.quote_tee_type_unsupported",
                      "TEE type 0x" + hex_le32(h.tee_type) + " (little-endian) is not TDX (0x81)");
  return std::nullopt;
}

// ---- body ----

void read_body(Reader& r, TdQuoteBody& b, bool tdx15) {
  r.get(b.tee_tcb_svn);
  r.get(b.mr_seam);
  r.get(b.mrsigner_seam);
  r.get(b.seam_attributes);
  r.get(b.td_attributes);
  r.get(b.xfam);
  r.get(b.mr_td);
  r.get(b.mr_config_id);
  r.get(b.mr_owner);
  r.get(b.mr_owner_config);
  for (auto& m : b.rtmr) r.get(m);
  r.get(b.report_data);
  if (!tdx15) return;
  r.get(b.tee_tcb_svn2);
  r.get(b.mr_servicetd);
}

void write_body(Writer& w, const TdQuoteBody& b, bool tdx15) {
  w.put(b.tee_tcb_svn);
  w.put(b.mr_seam);
  w.put(b.mrsigner_seam);
  w.put(b.seam_attributes);
  w.put(b.td_attributes);
  w.put(b.xfam);
  w.put(b.mr_td);
  w.put(b.mr_config_id);
  w.put(b.mr_owner);
  w.put(b.mr_owner_config);
  for (const auto& m : b.rtmr) w.put(m);
  w.put(b.report_data);
  if (!tdx15) return;
  w.put(b.tee_tcb_svn2);
  w.put(b.mr_servicetd);
}

// v5 body descriptor: the type fixes the size, so a size that disagrees is an inconsistency.
std::optional<Error> read_v5_descriptor(Reader& r, std::uint16_t& body_type) {
  if (!r.has(kV5DescriptorSize)) return truncated("the v5 body descriptor");
  body_type = r.u16();
  std::uint32_t size = r.u32();
  if (body_type != kBodyTypeTdx10 && body_type != kBodyTypeTdx15)
    return make_error("tdx.quote_body_type_unsupported",
                      "v5 body type " + std::to_string(body_type) + " (supported: 2 TDX 1.0, 3 TDX 1.5)");
  std::size_t expected = body_type == kBodyTypeTdx15 ? kBody15Size : kBody10Size;
  if (size != expected)
    return invalid("v5 body size " + std::to_string(size) + ", type " + std::to_string(body_type) +
                   " needs " + std::to_string(expected));
  return std::nullopt;
}

// ---- signed data ----

std::optional<Error> read_qe_cert(Reader& r, QeCertificationData& c) {
  if (!r.has(kQeCertFixedSize)) return invalid("QE certification data shorter than its fixed part");
  auto report = parse_sgx_report_body(r.take(kQeReportSize));
  c.qe_report = *report;
  r.get(c.qe_report_signature);
  std::uint16_t auth_size = r.u16();
  if (!r.has(std::size_t{auth_size} + 6)) return invalid("QE auth data overruns the certification data");
  c.qe_auth_data = to_bytes(r.take(auth_size));
  c.cert_data_type = r.u16();
  std::uint32_t chain_size = r.u32();
  if (r.left() != chain_size)
    return invalid("inner certification data size " + std::to_string(chain_size) + ", " +
                   std::to_string(r.left()) + " bytes remain");
  c.cert_data = to_bytes(r.take(chain_size));
  return std::nullopt;
}

std::optional<Error> read_signed_data(ByteView bytes, SignedData& s) {
  Reader r(bytes);
  if (!r.has(kSignedFixedSize)) return invalid("signed data shorter than its fixed part");
  r.get(s.signature);
  r.get(s.attestation_key);
  std::uint16_t type = r.u16();
  std::uint32_t size = r.u32();
  if (type != kCertDataQeReport)
    return make_error("tdx.quote_cert_data_unsupported",
                      "certification data type " + std::to_string(type) + " (supported: 6)");
  if (r.left() != size)
    return invalid("certification data size " + std::to_string(size) + ", " + std::to_string(r.left()) +
                   " bytes remain in the signed data");
  Reader inner(r.take(size));
  return read_qe_cert(inner, s.certification);
}

void write_qe_cert(Writer& w, const QeCertificationData& c) {
  w.bytes(encode_sgx_report_body(c.qe_report));
  w.put(c.qe_report_signature);
  w.u16(static_cast<std::uint16_t>(c.qe_auth_data.size()));
  w.bytes(c.qe_auth_data);
  w.u16(c.cert_data_type);
  w.u32(static_cast<std::uint32_t>(c.cert_data.size()));
  w.bytes(c.cert_data);
}

// ---- whole quote ----

std::optional<Error> read_quote(Reader& r, Quote& q) {
  if (!r.has(kHeaderSize)) return truncated("the 48-byte header");
  read_header(r, q.header);
  if (auto e = check_header(q.header)) return e;
  q.body_type = kBodyTypeTdx10;
  if (q.header.version == 5)
    if (auto e = read_v5_descriptor(r, q.body_type)) return e;
  if (!r.has(q.body_size())) return truncated("the TD quote body");
  read_body(r, q.body, q.is_tdx15());
  if (!r.has(4)) return truncated("the signed data size");
  std::uint32_t signed_size = r.u32();
  if (!r.has(signed_size))
    return truncated("the signed data (" + std::to_string(signed_size) + " bytes declared, " +
                     std::to_string(r.left()) + " present)");
  if (auto e = read_signed_data(r.take(signed_size), q.signed_data)) return e;
  q.trailing = to_bytes(r.take(r.left()));
  return std::nullopt;
}

void write_signed_part(Writer& w, const Quote& q) {
  write_header(w, q.header);
  if (q.header.version == 5) {
    w.u16(q.body_type);
    w.u32(static_cast<std::uint32_t>(q.body_size()));
  }
  write_body(w, q.body, q.is_tdx15());
}

}  // namespace

// ---- SGX report body ----

Result<SgxReportBody> parse_sgx_report_body(ByteView bytes) {
  if (bytes.size() != kQeReportSize)
    return make_error("tdx.qe_report_size",
                      "an SGX report body is 384 bytes; got " + std::to_string(bytes.size()));
  Reader r(bytes);
  SgxReportBody b;
  r.get(b.cpusvn);
  b.miscselect = r.u32();
  r.get(b.reserved_014);
  r.get(b.attributes);
  r.get(b.mrenclave);
  r.get(b.reserved_060);
  r.get(b.mrsigner);
  r.get(b.reserved_0a0);
  b.isvprodid = r.u16();
  b.isvsvn = r.u16();
  r.get(b.reserved_104);
  r.get(b.report_data);
  return b;
}

Bytes encode_sgx_report_body(const SgxReportBody& b) {
  Writer w;
  w.put(b.cpusvn);
  w.u32(b.miscselect);
  w.put(b.reserved_014);
  w.put(b.attributes);
  w.put(b.mrenclave);
  w.put(b.reserved_060);
  w.put(b.mrsigner);
  w.put(b.reserved_0a0);
  w.u16(b.isvprodid);
  w.u16(b.isvsvn);
  w.put(b.reserved_104);
  w.put(b.report_data);
  return w.take();
}

// ---- quote ----

Result<Quote> parse_quote(ByteView bytes) {
  Reader r(bytes);
  Quote q;
  if (auto e = read_quote(r, q)) return *e;
  return q;
}

Bytes encode_signed_data(const SignedData& s) {
  Writer qe;
  write_qe_cert(qe, s.certification);
  Bytes cert = qe.take();
  Writer w;
  w.put(s.signature);
  w.put(s.attestation_key);
  w.u16(kCertDataQeReport);
  w.u32(static_cast<std::uint32_t>(cert.size()));
  w.bytes(cert);
  return w.take();
}

Bytes encode_quote(const Quote& q) {
  Writer w;
  write_signed_part(w, q);
  Bytes signed_data = encode_signed_data(q.signed_data);
  w.u32(static_cast<std::uint32_t>(signed_data.size()));
  w.bytes(signed_data);
  w.bytes(q.trailing);
  return w.take();
}

Bytes signed_part(const Quote& q) {
  Writer w;
  write_signed_part(w, q);
  return w.take();
}

PckChainEncoding pck_chain_encoding(ByteView chain) {
  static constexpr std::string_view kPem = "-----BEGIN";
  if (chain.size() >= kPem.size() && std::equal(kPem.begin(), kPem.end(), chain.begin()))
    return PckChainEncoding::pem;
  // A DER certificate is a SEQUENCE with a long-form length.
  if (chain.size() >= 2 && chain[0] == 0x30 && (chain[1] & 0x80) != 0) return PckChainEncoding::der;
  return PckChainEncoding::unknown;
}

// ---- claims ----

TdAttributes decode_td_attributes(const std::array<std::uint8_t, 8>& le) {
  TdAttributes a;
  a.raw = load_le64(le, 0);
  auto bit = [&a](int i) { return ((a.raw >> i) & 1) != 0; };
  a.debug = bit(0);
  a.septve_disable = bit(28);
  a.protection_keys = bit(30);
  a.key_locker = bit(31);
  a.perfmon = bit(63);
  return a;
}

namespace {

nlohmann::json header_claims(const QuoteHeader& h) {
  return {{"version", hex_le16(h.version)},   {"att_key_type", hex_le16(h.att_key_type)},
          {"tee_type", hex_le32(h.tee_type)}, {"reserved", hex(h.reserved)},
          {"vendor_id", hex(h.qe_vendor_id)}, {"user_data", hex(h.user_data)}};
}

nlohmann::json body_claims(const TdQuoteBody& b, bool tdx15) {
  nlohmann::json j = {{"tcb_svn", hex(b.tee_tcb_svn)},
                      {"mr_seam", hex(b.mr_seam)},
                      {"mrsigner_seam", hex(b.mrsigner_seam)},
                      {"seam_attributes", hex(b.seam_attributes)},
                      {"td_attributes", hex(b.td_attributes)},
                      {"xfam", hex(b.xfam)},
                      {"mr_td", hex(b.mr_td)},
                      {"mr_config_id", hex(b.mr_config_id)},
                      {"mr_owner", hex(b.mr_owner)},
                      {"mr_owner_config", hex(b.mr_owner_config)},
                      {"report_data", hex(b.report_data)}};
  for (std::size_t i = 0; i < b.rtmr.size(); ++i) j["rtmr_" + std::to_string(i)] = hex(b.rtmr[i]);
  if (tdx15) {
    j["tee_tcb_svn2"] = hex(b.tee_tcb_svn2);
    j["mr_servicetd"] = hex(b.mr_servicetd);
  }
  return j;
}

}  // namespace

nlohmann::json trustee_quote_claims(const Quote& q) {
  nlohmann::json quote = {{"header", header_claims(q.header)}, {"body", body_claims(q.body, q.is_tdx15())}};
  // Trustee reports the v5 descriptor beside header and body, as the raw little-endian fields.
  if (q.header.version == 5) {
    quote["type"] = hex_le16(q.body_type);
    quote["size"] = hex_le32(static_cast<std::uint32_t>(q.body_size()));
  }
  return {{"quote", quote}};
}

nlohmann::json trustee_td_attributes_claims(const TdAttributes& a) {
  return {{"debug", a.debug},
          {"key_locker", a.key_locker},
          {"perfmon", a.perfmon},
          {"protection_keys", a.protection_keys},
          {"septve_disable", a.septve_disable}};
}

// ---- TDREPORT ----

namespace {

// One field list per structure, walked by the reader and the writer alike, so the two cannot drift apart.
template <class M, class F>
void mac_struct_fields(M& m, F&& f) {
  f(m.report_type);
  f(m.reserved_004);
  f(m.cpusvn);
  f(m.tee_tcb_info_hash);
  f(m.tee_info_hash);
  f(m.report_data);
  f(m.reserved_0c0);
  f(m.mac);
}

template <class T, class F>
void tee_tcb_info_fields(T& t, F&& f) {
  f(t.valid);
  f(t.tee_tcb_svn);
  f(t.mr_seam);
  f(t.mrsigner_seam);
  f(t.attributes);
  f(t.reserved_080);
}

template <class T, class F>
void td_info_fields(T& t, F&& f) {
  f(t.attributes);
  f(t.xfam);
  f(t.mr_td);
  f(t.mr_config_id);
  f(t.mr_owner);
  f(t.mr_owner_config);
  for (auto& m : t.rtmr) f(m);
  f(t.reserved_190);
}

}  // namespace

Result<TdReport> parse_tdreport(ByteView bytes) {
  if (bytes.size() != kTdReportSize)
    return make_error("tdx.tdreport_size", "a TDREPORT is 1024 bytes; got " + std::to_string(bytes.size()));
  Reader r(bytes);
  TdReport t;
  const auto get = [&r](auto& field) { r.get(field); };
  mac_struct_fields(t.mac_struct, get);
  tee_tcb_info_fields(t.tee_tcb_info, get);
  r.get(t.reserved_1ef);
  td_info_fields(t.td_info, get);
  return t;
}

Bytes encode_tdreport(const TdReport& t) {
  Writer w;
  const auto put = [&w](const auto& field) { w.put(field); };
  mac_struct_fields(t.mac_struct, put);
  tee_tcb_info_fields(t.tee_tcb_info, put);
  w.put(t.reserved_1ef);
  td_info_fields(t.td_info, put);
  return w.take();
}

}  // namespace coco::tdx
