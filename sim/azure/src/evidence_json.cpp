// Trustee's az-snp-vtpm and az-tdx-vtpm evidence JSON (sim/azure/evidence_json.h).
#include "azure/evidence_json.h"

#include <climits>
#include <cstdint>
#include <string>

#include "core/encoding.h"
#include "core/json_text.h"

namespace coco::azure {
namespace {

constexpr std::size_t kPcrSize = 32;
constexpr std::string_view kPemBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kPemEnd = "-----END CERTIFICATE-----";

// A JSON integer >= 0 (parsed numbers are unsigned, numbers built in code may be signed).
bool non_negative(const nlohmann::json& v, std::uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
    out = static_cast<std::uint64_t>(v.get<std::int64_t>());
    return true;
  }
  return false;
}

// Field readers in serde's terms, each naming the field in its error. `ctx` is "az-snp-vtpm v1" etc.
class Reader {
 public:
  explicit Reader(std::string ctx) : ctx_(std::move(ctx)) {}

  Error fail(const std::string& field, const std::string& what) const {
    return make_error("azure.evidence_invalid", ctx_ + " evidence: " + field + " " + what);
  }

  Result<const nlohmann::json*> member(const nlohmann::json& obj, const std::string& name,
                                       const std::string& path) const {
    if (!obj.is_object()) return fail(path.empty() ? "the document" : path, "is not an object");
    auto it = obj.find(name);
    if (it == obj.end()) return fail(full(path, name), "is missing");
    return &*it;
  }

  // Vec<u8>: an array of integers 0..255.
  Result<Bytes> byte_array(const nlohmann::json& v, const std::string& field) const {
    if (!v.is_array()) return fail(field, "is not an array of bytes");
    Bytes out;
    out.reserve(v.size());
    for (const auto& e : v) {
      std::uint64_t n = 0;
      if (!non_negative(e, n) || n > 255)
        return fail(field, "holds a value that is not a byte (integer 0..255)");
      out.push_back(static_cast<std::uint8_t>(n));
    }
    return out;
  }

  Result<Bytes> hex(const nlohmann::json& v, const std::string& field) const {
    if (!v.is_string()) return fail(field, "is not a hex string");
    auto b = hex_decode(v.get_ref<const std::string&>());
    if (!b) return fail(field, "is not hex");
    return *b;
  }

  Result<Bytes> b64url(const nlohmann::json& v, const std::string& field) const {
    if (!v.is_string()) return fail(field, "is not a base64url string");
    auto b = base64url_decode(v.get_ref<const std::string&>());
    if (!b) return fail(field, "is not base64url");
    return *b;
  }

  Result<std::uint32_t> u32(const nlohmann::json& v, const std::string& field) const {
    std::uint64_t n = 0;
    if (!non_negative(v, n) || n > UINT32_MAX) return fail(field, "is not an unsigned 32-bit integer");
    return static_cast<std::uint32_t>(n);
  }

  static std::string full(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }

 private:
  std::string ctx_;
};

#define COCO_TRY_ASSIGN(var, expr) \
  auto var##_r = (expr);           \
  if (!var##_r) return var##_r.error();

// {"signature":hex,"message":hex,"pcrs":[hex...]} (serde_with Hex, Vec<Hex>).
Result<TpmQuote> hex_quote(const Reader& rd, const nlohmann::json& q, const std::string& path) {
  TpmQuote out;
  COCO_TRY_ASSIGN(sig, rd.member(q, "signature", path));
  COCO_TRY_ASSIGN(sig_b, rd.hex(**sig_r, path + ".signature"));
  out.signature = std::move(*sig_b_r);
  COCO_TRY_ASSIGN(msg, rd.member(q, "message", path));
  COCO_TRY_ASSIGN(msg_b, rd.hex(**msg_r, path + ".message"));
  out.message = std::move(*msg_b_r);
  COCO_TRY_ASSIGN(pcrs, rd.member(q, "pcrs", path));
  const nlohmann::json& arr = **pcrs_r;
  if (!arr.is_array()) return rd.fail(path + ".pcrs", "is not an array");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    COCO_TRY_ASSIGN(pcr, rd.hex(arr[i], path + ".pcrs[" + std::to_string(i) + "]"));
    out.pcrs.push_back(std::move(*pcr_r));
  }
  return out;
}

// az-cvm-vtpm's Quote through serde: byte arrays, each PCR a [u8; 32].
Result<TpmQuote> array_quote(const Reader& rd, const nlohmann::json& q, const std::string& path) {
  TpmQuote out;
  COCO_TRY_ASSIGN(sig, rd.member(q, "signature", path));
  COCO_TRY_ASSIGN(sig_b, rd.byte_array(**sig_r, path + ".signature"));
  out.signature = std::move(*sig_b_r);
  COCO_TRY_ASSIGN(msg, rd.member(q, "message", path));
  COCO_TRY_ASSIGN(msg_b, rd.byte_array(**msg_r, path + ".message"));
  out.message = std::move(*msg_b_r);
  COCO_TRY_ASSIGN(pcrs, rd.member(q, "pcrs", path));
  const nlohmann::json& arr = **pcrs_r;
  if (!arr.is_array()) return rd.fail(path + ".pcrs", "is not an array");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string field = path + ".pcrs[" + std::to_string(i) + "]";
    COCO_TRY_ASSIGN(pcr, rd.byte_array(arr[i], field));
    if (pcr_r->size() != kPcrSize) return rd.fail(field, "is not 32 bytes");
    out.pcrs.push_back(std::move(*pcr_r));
  }
  return out;
}

nlohmann::json hex_quote_json(const TpmQuote& q) {
  nlohmann::json pcrs = nlohmann::json::array();
  for (const Bytes& p : q.pcrs) pcrs.push_back(hex_encode(p));
  return {{"signature", hex_encode(q.signature)}, {"message", hex_encode(q.message)}, {"pcrs", pcrs}};
}

nlohmann::json array_quote_json(const TpmQuote& q) {
  nlohmann::json pcrs = nlohmann::json::array();
  for (const Bytes& p : q.pcrs) pcrs.push_back(p);
  return {{"signature", q.signature}, {"message", q.message}, {"pcrs", pcrs}};
}

std::string b64url_padded(ByteView b) {
  return base64url_encode(b, true);
}

// The DER of the first CERTIFICATE block of a PEM text (what X509::from_pem reads).
std::optional<Bytes> pem_certificate_der(std::string_view pem) {
  const auto begin = pem.find(kPemBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  const auto body = begin + kPemBegin.size();
  const auto end = pem.find(kPemEnd, body);
  if (end == std::string_view::npos) return std::nullopt;
  std::string b64;
  for (char c : pem.substr(body, end - body))
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64 += c;
  auto der = base64_decode(b64);
  if (!der || der->empty()) return std::nullopt;
  return der;
}

std::string der_to_pem(ByteView der) {
  const std::string b64 = base64_encode(der);
  std::string out(kPemBegin);
  out += '\n';
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + '\n';
  out += kPemEnd;
  out += '\n';
  return out;
}

Result<HclReport> parse_hcl_field(const Reader& rd, const Bytes& bytes, const std::string& field) {
  auto hcl = parse_hcl_report(bytes);
  if (!hcl) return make_error(hcl.error().code, rd.fail(field, hcl.error().message).message);
  return hcl;
}

Result<AzSnpEvidence> snp_v1_v2(const nlohmann::json& j, std::uint32_t want) {
  const Reader rd("az-snp-vtpm v" + std::to_string(want));
  AzSnpEvidence ev;
  COCO_TRY_ASSIGN(ver, rd.member(j, "version", ""));
  COCO_TRY_ASSIGN(ver_n, rd.u32(**ver_r, "version"));
  if (*ver_n_r != want) return rd.fail("version", "is not " + std::to_string(want));
  ev.version = static_cast<int>(want);
  COCO_TRY_ASSIGN(quote, rd.member(j, "tpm_quote", ""));
  COCO_TRY_ASSIGN(quote_v, hex_quote(rd, **quote_r, "tpm_quote"));
  ev.tpm_quote = std::move(*quote_v_r);
  COCO_TRY_ASSIGN(hcl, rd.member(j, "hcl_report", ""));
  COCO_TRY_ASSIGN(hcl_b, rd.b64url(**hcl_r, "hcl_report"));
  ev.hcl_report_bytes = std::move(*hcl_b_r);
  COCO_TRY_ASSIGN(vcek, rd.member(j, "vcek", ""));
  COCO_TRY_ASSIGN(vcek_b, rd.b64url(**vcek_r, "vcek"));
  ev.vcek_der = std::move(*vcek_b_r);
  COCO_TRY_ASSIGN(parsed, parse_hcl_field(rd, ev.hcl_report_bytes, "hcl_report"));
  ev.hcl_report = std::move(*parsed_r);
  return ev;
}

Result<AzSnpEvidence> snp_v0(const nlohmann::json& j) {
  const Reader rd("az-snp-vtpm v0");
  AzSnpEvidence ev;
  ev.version = 0;
  COCO_TRY_ASSIGN(quote, rd.member(j, "quote", ""));
  COCO_TRY_ASSIGN(quote_v, array_quote(rd, **quote_r, "quote"));
  ev.tpm_quote = std::move(*quote_v_r);
  COCO_TRY_ASSIGN(report, rd.member(j, "report", ""));
  COCO_TRY_ASSIGN(report_b, rd.byte_array(**report_r, "report"));
  ev.hcl_report_bytes = std::move(*report_b_r);
  COCO_TRY_ASSIGN(vcek, rd.member(j, "vcek", ""));
  if (!(*vcek_r)->is_string()) return rd.fail("vcek", "is not a string");
  auto der = pem_certificate_der((*vcek_r)->get_ref<const std::string&>());
  if (!der) return rd.fail("vcek", "is not a PEM certificate");
  ev.vcek_der = std::move(*der);
  COCO_TRY_ASSIGN(parsed, parse_hcl_field(rd, ev.hcl_report_bytes, "report"));
  ev.hcl_report = std::move(*parsed_r);
  return ev;
}

Result<AzTdxEvidence> tdx_v1(const nlohmann::json& j) {
  const Reader rd("az-tdx-vtpm v1");
  AzTdxEvidence ev;
  COCO_TRY_ASSIGN(ver, rd.member(j, "version", ""));
  COCO_TRY_ASSIGN(ver_n, rd.u32(**ver_r, "version"));
  if (*ver_n_r > static_cast<std::uint32_t>(INT_MAX)) return rd.fail("version", "is larger than 2^31 - 1");
  ev.version = static_cast<int>(*ver_n_r);
  COCO_TRY_ASSIGN(quote, rd.member(j, "tpm_quote", ""));
  COCO_TRY_ASSIGN(quote_v, hex_quote(rd, **quote_r, "tpm_quote"));
  ev.tpm_quote = std::move(*quote_v_r);
  COCO_TRY_ASSIGN(hcl, rd.member(j, "hcl_report", ""));
  COCO_TRY_ASSIGN(hcl_b, rd.b64url(**hcl_r, "hcl_report"));
  ev.hcl_report_bytes = std::move(*hcl_b_r);
  COCO_TRY_ASSIGN(td, rd.member(j, "td_quote", ""));
  COCO_TRY_ASSIGN(td_b, rd.b64url(**td_r, "td_quote"));
  ev.td_quote = std::move(*td_b_r);
  return ev;
}

Result<AzTdxEvidence> tdx_v0(const nlohmann::json& j) {
  const Reader rd("az-tdx-vtpm v0");
  AzTdxEvidence ev;
  ev.version = 0;
  COCO_TRY_ASSIGN(quote, rd.member(j, "tpm_quote", ""));
  COCO_TRY_ASSIGN(quote_v, array_quote(rd, **quote_r, "tpm_quote"));
  ev.tpm_quote = std::move(*quote_v_r);
  COCO_TRY_ASSIGN(hcl, rd.member(j, "hcl_report", ""));
  COCO_TRY_ASSIGN(hcl_b, rd.byte_array(**hcl_r, "hcl_report"));
  ev.hcl_report_bytes = std::move(*hcl_b_r);
  COCO_TRY_ASSIGN(td, rd.member(j, "td_quote", ""));
  COCO_TRY_ASSIGN(td_b, rd.byte_array(**td_r, "td_quote"));
  ev.td_quote = std::move(*td_b_r);
  return ev;
}

// The "version" a document names, when it is a small unsigned integer; -1 otherwise.
long named_version(const nlohmann::json& j) {
  auto it = j.find("version");
  std::uint64_t n = 0;
  if (it == j.end() || !non_negative(*it, n) || n > 2) return -1;
  return static_cast<long>(n);
}

#undef COCO_TRY_ASSIGN

}  // namespace

Result<TpmQuote> tpm_quote_from_json(const nlohmann::json& j) {
  return hex_quote(Reader("TPM quote"), j, "");
}

nlohmann::json tpm_quote_to_json(const TpmQuote& quote) {
  return hex_quote_json(quote);
}

Result<AzSnpEvidence> az_snp_evidence_from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return make_error("azure.evidence_invalid", "az-snp-vtpm evidence: the document is not an object");
  auto v2 = snp_v1_v2(j, 2);
  if (v2) return v2;
  auto v1 = snp_v1_v2(j, 1);
  if (v1) return v1;
  auto v0 = snp_v0(j);
  if (v0) return v0;
  switch (named_version(j)) {
    case 2:
      return v2.error();
    case 1:
      return v1.error();
    default:
      return v0.error();
  }
}

nlohmann::json az_snp_evidence_to_json(const AzSnpEvidence& ev) {
  const Bytes hcl = ev.hcl_report_bytes.empty() ? encode_hcl_report(ev.hcl_report) : ev.hcl_report_bytes;
  if (ev.version == 0) {
    return {{"quote", array_quote_json(ev.tpm_quote)}, {"report", hcl}, {"vcek", der_to_pem(ev.vcek_der)}};
  }
  return {{"version", ev.version},
          {"tpm_quote", hex_quote_json(ev.tpm_quote)},
          {"hcl_report", b64url_padded(hcl)},
          {"vcek", b64url_padded(ev.vcek_der)}};
}

Result<AzTdxEvidence> az_tdx_evidence_from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return make_error("azure.evidence_invalid", "az-tdx-vtpm evidence: the document is not an object");
  auto v1 = tdx_v1(j);
  if (v1) return v1;
  auto v0 = tdx_v0(j);
  if (v0) return v0;
  return j.contains("version") ? v1.error() : v0.error();
}

nlohmann::json az_tdx_evidence_to_json(const AzTdxEvidence& ev) {
  if (ev.version == 0) {
    return {{"tpm_quote", array_quote_json(ev.tpm_quote)},
            {"hcl_report", ev.hcl_report_bytes},
            {"td_quote", ev.td_quote}};
  }
  return {{"version", ev.version},
          {"tpm_quote", hex_quote_json(ev.tpm_quote)},
          {"hcl_report", b64url_padded(ev.hcl_report_bytes)},
          {"td_quote", b64url_padded(ev.td_quote)}};
}

Result<AzSnpEvidence> az_snp_evidence_from_text(std::string_view text) {
  const nlohmann::json j = parse_json_limited(text);
  if (j.is_discarded()) return make_error("azure.evidence_invalid", "az-snp-vtpm evidence is not JSON");
  return az_snp_evidence_from_json(j);
}

Result<AzTdxEvidence> az_tdx_evidence_from_text(std::string_view text) {
  const nlohmann::json j = parse_json_limited(text);
  if (j.is_discarded()) return make_error("azure.evidence_invalid", "az-tdx-vtpm evidence is not JSON");
  return az_tdx_evidence_from_json(j);
}

}  // namespace coco::azure
