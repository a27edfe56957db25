#include "tdx/qe.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/encoding.h"
#include "core/hash.h"

namespace coco::tdx {
namespace {

constexpr const char* kInvalid = "tdx.td_description_invalid";

template <std::size_t N>
std::array<std::uint8_t, N> first_bytes(const Bytes& b) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

void put_signature(std::array<std::uint8_t, 64>& dst, const EcdsaSignature& sig) {
  if (sig.r.size() != 32 || sig.s.size() != 32)
    throw std::logic_error("ECDSA P-256 signature is not 32+32 bytes");
  std::copy(sig.r.begin(), sig.r.end(), dst.begin());
  std::copy(sig.s.begin(), sig.s.end(), dst.begin() + 32);
}

Bytes pck_chain_der(const IntelAuthority& intel, PckCa ca, const Cert& leaf) {
  Bytes out = leaf.der();
  const Bytes mid = intel.intermediate(ca).der();
  const Bytes root = intel.root().der();
  out.insert(out.end(), mid.begin(), mid.end());
  out.insert(out.end(), root.begin(), root.end());
  return out;
}

}  // namespace

PckRequest default_pck_request() {
  PckRequest r;
  r.ppid = first_bytes<16>(sha256(as_bytes("coco-harness/tdx/ppid")));
  r.fmspc = {0x90, 0xc0, 0x6f, 0x00, 0x00, 0x00};
  r.pceid = {0x00, 0x00};
  r.tcb_comp_svn = {0x04, 0x04, 0x02, 0x02, 0x04, 0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0};
  r.pcesvn = 13;
  r.cpusvn = r.tcb_comp_svn;
  r.ca = PckCa::platform;
  return r;
}

Bytes PlatformSpec::default_qe_auth_data() {
  Bytes b(32);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

QuotingEnclave::QuotingEnclave(IntelAuthority& intel, PlatformSpec spec) : spec_(std::move(spec)) {
  if (spec_.chain_encoding == PckChainEncoding::unknown)
    throw std::invalid_argument("QuotingEnclave: the PCK chain encoding must be pem or der");
  if (spec_.qe_auth_data.size() > 0xFFFF)
    throw std::invalid_argument("QuotingEnclave: QE auth data longer than 65535 bytes");
  if (std::all_of(spec_.qe_mrenclave.begin(), spec_.qe_mrenclave.end(),
                  [](std::uint8_t b) { return b == 0; }))
    spec_.qe_mrenclave =
        first_bytes<32>(sha256(as_bytes("coco-harness/td-qe/mrenclave/" + std::to_string(spec_.qe_isvsvn))));

  pck_ = intel.issue_pck(spec_.pck);
  const std::string platform = hex_encode(spec_.pck.ppid) + "/" + hex_encode(spec_.pck.pceid);
  ak_ = ec_key_from_seed(Curve::p256, as_bytes(intel.seed()),
                         "intel/td-qe/attestation-key/" + platform + "/" + std::to_string(spec_.qe_isvsvn));
  const Bytes point = ec_public_point(ak_);
  if (point.size() != 65 || point[0] != 0x04)
    throw std::logic_error("attestation key point is not uncompressed P-256");
  std::copy(point.begin() + 1, point.end(), ak_xy_.begin());
  qe_id_ = first_bytes<16>(sha256(as_bytes("intel/td-qe/qe-id/" + platform + "/" + intel.seed())));

  SgxReportBody& r = certification_.qe_report;
  r.cpusvn = spec_.qe_cpusvn.value_or(spec_.pck.cpusvn);
  r.miscselect = spec_.qe_miscselect;
  r.attributes = spec_.qe_attributes;
  r.mrenclave = spec_.qe_mrenclave;
  r.mrsigner = spec_.qe_mrsigner;
  r.isvprodid = kTdQeIsvProdId;
  r.isvsvn = spec_.qe_isvsvn;
  Bytes bound(ak_xy_.begin(), ak_xy_.end());
  bound.insert(bound.end(), spec_.qe_auth_data.begin(), spec_.qe_auth_data.end());
  const Bytes h = sha256(bound);
  std::copy(h.begin(), h.end(), r.report_data.begin());  // the upper 32 bytes stay zero
  put_signature(certification_.qe_report_signature,
                ecdsa_sign_digest(pck_.key, sha256(encode_sgx_report_body(r))));
  certification_.qe_auth_data = spec_.qe_auth_data;
  certification_.cert_data_type = kCertDataPckChain;
  if (spec_.chain_encoding == PckChainEncoding::pem) {
    const std::string pem = intel.pck_chain_pem(spec_.pck.ca, pck_.cert);
    certification_.cert_data.assign(pem.begin(), pem.end());
    certification_.cert_data.push_back(0);  // real quotes end the chain with a NUL
  } else {
    certification_.cert_data = pck_chain_der(intel, spec_.pck.ca, pck_.cert);
  }
}

Quote QuotingEnclave::quote(const TdQuoteBody& body, int version, std::uint16_t body_type) const {
  if (version != 4 && version != 5)
    throw std::invalid_argument("QuotingEnclave::quote: version " + std::to_string(version) + " (4 or 5)");
  if (version == 5 && body_type != kBodyTypeTdx10 && body_type != kBodyTypeTdx15)
    throw std::invalid_argument("QuotingEnclave::quote: body type " + std::to_string(body_type) +
                                " (2 or 3)");
  Quote q;
  q.header.version = static_cast<std::uint16_t>(version);
  q.header.att_key_type = kAttKeyTypeEcdsaP256;
  q.header.tee_type = kTeeTypeTdx;
  q.header.qe_vendor_id = spec_.qe_vendor_id;
  q.header.user_data.fill(0);
  std::copy(qe_id_.begin(), qe_id_.end(), q.header.user_data.begin());
  q.body_type = version == 4 ? kBodyTypeTdx10 : body_type;
  q.body = body;
  if (!q.is_tdx15()) {
    q.body.tee_tcb_svn2.fill(0);
    q.body.mr_servicetd.fill(0);
  }
  q.signed_data.attestation_key = ak_xy_;
  q.signed_data.certification = certification_;
  resign(q);
  return q;
}

void QuotingEnclave::resign(Quote& quote) const {
  put_signature(quote.signed_data.signature, ecdsa_sign_digest(ak_, sha256(signed_part(quote))));
}

// ---- TD description ----

Result<TdQuoteBody> make_td_body(const TdDescription& td) {
  if (td.rtmrs && td.ccel)
    return make_error(kInvalid, "rtmrs and ccel: give the RTMRs directly or a CCEL to replay, not both");
  TdQuoteBody b;
  b.tee_tcb_svn = td.tee_tcb_svn;
  if (td.mr_seam) {
    b.mr_seam = *td.mr_seam;
  } else {
    const Bytes h = sha384(as_bytes("coco-harness/tdx-module/" + hex_encode(td.tee_tcb_svn)));
    std::copy(h.begin(), h.end(), b.mr_seam.begin());
  }
  b.mrsigner_seam = td.mrsigner_seam;
  std::uint64_t attributes = td.extra_attributes;
  if (td.debug) attributes |= 1ULL << 0;
  if (td.septve_disable) attributes |= 1ULL << 28;
  store_le64(b.td_attributes, 0, attributes);
  b.xfam = td.xfam;
  b.mr_td = td.mr_td;
  b.mr_config_id = td.mr_config_id;
  b.mr_owner = td.mr_owner;
  b.mr_owner_config = td.mr_owner_config;
  if (td.rtmrs) {
    b.rtmr = *td.rtmrs;
  } else if (td.ccel) {
    auto log = parse_eventlog(*td.ccel);
    if (!log) return log.error();
    b.rtmr = replay_rtmrs(*log);
  }
  b.report_data = td.report_data;
  b.tee_tcb_svn2 = td.tee_tcb_svn2;
  b.mr_servicetd = td.mr_servicetd;
  return b;
}

Result<Quote> generate_quote(const QuotingEnclave& qe, const TdDescription& td) {
  if (td.version != 4 && td.version != 5)
    return make_error(kInvalid,
                      "version: " + std::to_string(td.version) + " is not a TDX quote version (4 or 5)");
  std::uint16_t type = td.body_type;
  if (type == 0) type = td.version == 5 ? kBodyTypeTdx15 : kBodyTypeTdx10;
  if (type != kBodyTypeTdx10 && type != kBodyTypeTdx15)
    return make_error(kInvalid, "body_type: " + std::to_string(type) + " (2 = TDX 1.0, 3 = TDX 1.5)");
  if (td.version == 4 && type != kBodyTypeTdx10)
    return make_error(kInvalid, "body_type: a v4 quote carries a TDX 1.0 body (type 2)");
  auto body = make_td_body(td);
  if (!body) return body.error();
  return qe.quote(*body, td.version, type);
}

// ---- YAML ----

namespace {

struct YamlError {
  std::string what;
};

std::string scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) throw YamlError{key + " must be a scalar"};
  return n.as<std::string>();
}

Bytes yaml_hex(const YAML::Node& n, const std::string& key) {
  std::string s = scalar(n, key);
  if (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0) s = s.substr(2);
  auto b = hex_decode(s);
  if (!b) throw YamlError{key + " must be hex (an even number of hex digits)"};
  return *b;
}

// Exactly N bytes.
template <std::size_t N>
std::array<std::uint8_t, N> yaml_exact(const YAML::Node& n, const std::string& key) {
  const Bytes b = yaml_hex(n, key);
  if (b.size() != N)
    throw YamlError{key + " is " + std::to_string(b.size()) + " bytes; it must be exactly " +
                    std::to_string(N)};
  return first_bytes<N>(b);
}

// At most N bytes, zero-padded at the end.
template <std::size_t N>
std::array<std::uint8_t, N> yaml_padded(const YAML::Node& n, const std::string& key) {
  const Bytes b = yaml_hex(n, key);
  if (b.size() > N)
    throw YamlError{key + " is " + std::to_string(b.size()) + " bytes; at most " + std::to_string(N)};
  return first_bytes<N>(b);
}

bool yaml_bool(const YAML::Node& n, const std::string& key) {
  const std::string s = scalar(n, key);
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no") return false;
  throw YamlError{key + " must be true or false"};
}

std::uint64_t yaml_uint(const YAML::Node& n, const std::string& key) {
  const std::string s = scalar(n, key);
  if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == ' ')
    throw YamlError{key + " must be a non-negative number"};
  try {
    std::size_t used = 0;
    const std::uint64_t v = std::stoull(s, &used, 0);  // decimal or 0x...
    if (used != s.size()) throw YamlError{key + " must be a number"};
    return v;
  } catch (const std::logic_error&) {
    throw YamlError{key + " must be a number"};
  }
}

}  // namespace

Result<TdDescription> td_description_from_yaml(std::string_view yaml, const std::filesystem::path& base_dir) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return make_error(kInvalid, "a TD description is a YAML map");
    TdDescription d;
    std::array<std::array<std::uint8_t, 48>, 4> rtmrs{};
    bool any_rtmr = false;
    for (const auto& kv : root) {
      const std::string key = scalar(kv.first, "key");
      const YAML::Node& v = kv.second;
      if (key == "mr_td")
        d.mr_td = yaml_exact<48>(v, key);
      else if (key == "mr_config_id")
        d.mr_config_id = yaml_padded<48>(v, key);
      else if (key == "mr_owner")
        d.mr_owner = yaml_padded<48>(v, key);
      else if (key == "mr_owner_config")
        d.mr_owner_config = yaml_padded<48>(v, key);
      else if (key.size() == 5 && key.rfind("rtmr", 0) == 0 && key[4] >= '0' && key[4] <= '3') {
        rtmrs[static_cast<std::size_t>(key[4] - '0')] = yaml_exact<48>(v, key);
        any_rtmr = true;
      } else if (key == "ccel") {
        const std::filesystem::path p = base_dir / scalar(v, key);
        auto data = read_file(p);
        if (!data) throw YamlError{"ccel: cannot read " + p.string() + ": " + data.error().message};
        d.ccel = std::move(*data);
      } else if (key == "debug")
        d.debug = yaml_bool(v, key);
      else if (key == "septve_disable")
        d.septve_disable = yaml_bool(v, key);
      else if (key == "extra_attributes")
        d.extra_attributes = yaml_uint(v, key);
      else if (key == "xfam")
        d.xfam = yaml_padded<8>(v, key);
      else if (key == "tee_tcb_svn")
        d.tee_tcb_svn = yaml_padded<16>(v, key);
      else if (key == "mr_seam")
        d.mr_seam = yaml_exact<48>(v, key);
      else if (key == "mrsigner_seam")
        d.mrsigner_seam = yaml_exact<48>(v, key);
      else if (key == "report_data")
        d.report_data = yaml_padded<64>(v, key);
      else if (key == "tee_tcb_svn2")
        d.tee_tcb_svn2 = yaml_padded<16>(v, key);
      else if (key == "mr_servicetd")
        d.mr_servicetd = yaml_exact<48>(v, key);
      else if (key == "version") {
        const std::uint64_t ver = yaml_uint(v, key);
        if (ver != 4 && ver != 5) throw YamlError{"version must be 4 or 5"};
        d.version = static_cast<int>(ver);
      } else if (key == "body_type") {
        const std::uint64_t t = yaml_uint(v, key);
        if (t != kBodyTypeTdx10 && t != kBodyTypeTdx15)
          throw YamlError{"body_type must be 2 (TDX 1.0) or 3 (TDX 1.5)"};
        d.body_type = static_cast<std::uint16_t>(t);
      } else
        throw YamlError{"unknown key '" + key + "'"};
    }
    if (any_rtmr) {
      if (d.ccel) throw YamlError{"ccel and rtmr0..3: give the RTMRs directly or a CCEL to replay, not both"};
      d.rtmrs = rtmrs;
    }
    if (d.version == 4 && d.body_type == kBodyTypeTdx15)
      throw YamlError{"body_type: a v4 quote carries a TDX 1.0 body (type 2)"};
    return d;
  } catch (const YamlError& e) {
    return make_error(kInvalid, e.what);
  } catch (const YAML::Exception& e) {
    return make_error(kInvalid, std::string("YAML: ") + e.what());
  }
}

}  // namespace coco::tdx
