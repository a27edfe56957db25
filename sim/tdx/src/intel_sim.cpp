#include "tdx/intel_sim.h"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include "core/encoding.h"
#include "core/hash.h"

namespace coco::tdx {
namespace {

constexpr const char* kErr = "tdx.pck_extensions_invalid";
constexpr const char* kSgxExtensionOid = "1.2.840.113741.1.13.1";
// DER content of OID 1.2.840.113741.1.13.1; the SGX extension's entries are its single-byte sub-arcs.
constexpr std::uint8_t kSgxOidPrefix[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

constexpr std::uint8_t kTagBoolean = 0x01, kTagInteger = 0x02, kTagOctetString = 0x04, kTagOid = 0x06,
                       kTagEnumerated = 0x0A, kTagSequence = 0x30;

// ---- DER writing -------------------------------------------------------------------------------

Bytes tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes len;
    for (std::size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(v & 0xFF));
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

void append(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}

// OID 1.2.840.113741.1.13.1.<arcs...>; every arc Intel uses is below 128 (one DER byte).
Bytes sgx_oid(std::initializer_list<std::uint8_t> arcs) {
  Bytes c(std::begin(kSgxOidPrefix), std::end(kSgxOidPrefix));
  c.insert(c.end(), arcs.begin(), arcs.end());
  return tlv(kTagOid, c);
}

// Minimal non-negative DER INTEGER / ENUMERATED content.
Bytes uint_content(std::uint64_t v) {
  Bytes c;
  do {
    c.insert(c.begin(), static_cast<std::uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v != 0);
  if (c[0] & 0x80) c.insert(c.begin(), 0x00);
  return c;
}

Bytes entry(Bytes oid, ByteView value_tlv) {
  append(oid, value_tlv);
  return tlv(kTagSequence, oid);
}

// ---- DER reading (bounds-checked) --------------------------------------------------------------

struct Tlv {
  std::uint8_t tag = 0;
  ByteView content;
};

// Reads one TLV at `pos`, advancing it; nullopt on truncation, indefinite or over-long lengths.
std::optional<Tlv> read_tlv(ByteView in, std::size_t& pos) {
  if (pos >= in.size() || in.size() - pos < 2) return std::nullopt;
  Tlv t;
  t.tag = in[pos++];
  std::size_t len = in[pos++];
  if (len & 0x80) {
    const std::size_t n = len & 0x7F;
    if (n == 0 || n > 4 || in.size() - pos < n) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[pos++];
  }
  if (in.size() - pos < len) return std::nullopt;
  t.content = in.subspan(pos, len);
  pos += len;
  return t;
}

// The sub-arcs after 1.2.840.113741.1.13.1 of an OID's content, or nullopt for another OID.
std::optional<Bytes> sgx_arcs(ByteView oid_content) {
  const std::size_t n = sizeof(kSgxOidPrefix);
  if (oid_content.size() <= n || !std::equal(kSgxOidPrefix, kSgxOidPrefix + n, oid_content.begin()))
    return std::nullopt;
  Bytes arcs(oid_content.begin() + static_cast<std::ptrdiff_t>(n), oid_content.end());
  for (auto a : arcs)
    if (a & 0x80) return std::nullopt;  // multi-byte arcs: not an OID Intel defines
  return arcs;
}

std::optional<std::uint64_t> read_uint(const Tlv& t, std::uint8_t tag, std::uint64_t max) {
  if (t.tag != tag || t.content.empty() || t.content.size() > 9 || (t.content[0] & 0x80)) return std::nullopt;
  std::uint64_t v = 0;
  for (auto b : t.content) {
    if (v > (UINT64_MAX >> 8)) return std::nullopt;
    v = (v << 8) | b;
  }
  if (v > max) return std::nullopt;
  return v;
}

template <std::size_t N>
bool read_fixed(const Tlv& t, std::array<std::uint8_t, N>& out) {
  if (t.tag != kTagOctetString || t.content.size() != N) return false;
  std::copy(t.content.begin(), t.content.end(), out.begin());
  return true;
}

std::optional<bool> read_bool(const Tlv& t) {
  if (t.tag != kTagBoolean || t.content.size() != 1) return std::nullopt;
  return t.content[0] != 0;
}

// One SEQUENCE { OID, value } entry of the extension or of a nested sequence.
struct Entry {
  Bytes arcs;  // empty for a non-SGX OID
  Tlv value;
};

Result<Entry> read_entry(ByteView in, std::size_t& pos, const std::string& where) {
  auto seq = read_tlv(in, pos);
  if (!seq || seq->tag != kTagSequence) return make_error(kErr, where + ": entry is not a SEQUENCE");
  std::size_t p = 0;
  auto oid = read_tlv(seq->content, p);
  auto val = read_tlv(seq->content, p);
  if (!oid || oid->tag != kTagOid || !val || p != seq->content.size())
    return make_error(kErr, where + ": entry is not SEQUENCE { OID, value }");
  Entry e;
  if (auto arcs = sgx_arcs(oid->content)) e.arcs = *arcs;
  e.value = *val;
  return e;
}

// ---- certificate helpers -----------------------------------------------------------------------

// RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits (the uncompressed EC point),
// which is what Intel's SKIs are (the root's equals its serial number, both derived this way).
Bytes key_id(const Key& key) {
  const Bytes point = ec_public_point(key);
  Bytes out(20);
  unsigned int n = 0;
  if (EVP_Digest(point.data(), point.size(), out.data(), &n, EVP_sha1(), nullptr) != 1 || n != 20)
    throw std::runtime_error("SHA-1 failed: " + openssl_error());
  return out;
}

CertExtension raw_ext(const char* oid, Bytes der) {
  return CertExtension{oid, false, std::move(der), ""};
}

CertExtension ski_ext(const Key& subject) {
  return raw_ext("2.5.29.14", tlv(kTagOctetString, key_id(subject)));
}

CertExtension aki_ext(const Key& issuer) {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
  return raw_ext("2.5.29.35", tlv(kTagSequence, tlv(0x80, key_id(issuer))));
}

CertExtension cdp_ext(const std::string& url) {
  return CertExtension{"crlDistributionPoints", false, {}, "URI:" + url};
}

// A positive 20-byte serial number, deterministic per (seed, role), like Intel's 20-byte serials.
Bytes serial_for(const std::string& seed, const std::string& role) {
  Bytes s = sha256(as_bytes("intel-serial/" + role + "/" + seed));
  s.resize(20);
  s[0] = static_cast<std::uint8_t>((s[0] & 0x7F) | 0x01);  // positive, and exactly 20 bytes
  return s;
}

// OpenSSL's ECDSA signing uses a random nonce (deterministic nonces need OpenSSL 3.2), so the
// certificate is re-signed over the same TBSCertificate with RFC 6979 to make it reproducible.
Cert sign_deterministically(const Cert& built, const Key& issuer_key) {
  const Bytes der = built.der();
  std::size_t pos = 0;
  auto outer = read_tlv(der, pos);
  if (!outer || outer->tag != kTagSequence)
    throw std::runtime_error("re-sign: certificate is not a SEQUENCE");
  std::size_t p = 0;
  const std::size_t tbs_start = p;
  auto tbs = read_tlv(outer->content, p);
  const std::size_t alg_start = p;
  auto alg = read_tlv(outer->content, p);
  if (!tbs || !alg) throw std::runtime_error("re-sign: malformed certificate");
  const ByteView tbs_der = outer->content.subspan(tbs_start, alg_start - tbs_start);
  const ByteView alg_der = outer->content.subspan(alg_start, p - alg_start);
  const Bytes sig = ecdsa_signature_to_der(ecdsa_sign_digest(issuer_key, sha256(tbs_der)));
  Bytes bits{0x00};  // no unused bits
  append(bits, sig);
  Bytes body(tbs_der.begin(), tbs_der.end());
  append(body, alg_der);
  append(body, tlv(0x03, bits));
  auto cert = cert_from_der(tlv(kTagSequence, body));
  if (!cert) throw std::runtime_error("re-sign: " + cert.error().message);
  return *cert;
}

Cert issue(const CertSpec& spec, const Key& issuer_key) {
  auto built = build_cert(spec, issuer_key, SigAlg::ecdsa_sha256);
  if (!built) throw std::runtime_error(built.error().message);
  return sign_deterministically(*built, issuer_key);
}

std::string pck_label(const PckRequest& r, std::uint32_t sgx_type) {
  std::string s = r.ca == PckCa::platform ? "platform/" : "processor/";
  s += hex_encode(r.ppid) + "/" + hex_encode(r.fmspc) + "/" + hex_encode(r.pceid) + "/" +
       hex_encode(r.tcb_comp_svn) + "/" + std::to_string(r.pcesvn) + "/" + hex_encode(r.cpusvn) + "/" +
       std::to_string(sgx_type);
  return s;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> intel_name(const std::string& cn) {
  return {{"CN", cn}, {"O", "Intel Corporation"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
}

std::string pck_crl_url(PckCa ca) {
  return std::string("https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=") +
         (ca == PckCa::platform ? "platform" : "processor") + "&encoding=der";
}

std::string intel_root_crl_url() {
  return "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
}

IntelAuthority::IntelAuthority(std::string seed, std::filesystem::path cache_dir, IntelValidity validity)
    : seed_(std::move(seed)), cache_dir_(std::move(cache_dir)), validity_(validity) {
  const ByteView sd = as_bytes(seed_);
  root_key_ = ec_key_from_seed(Curve::p256, sd, "intel/root");
  platform_ca_key_ = ec_key_from_seed(Curve::p256, sd, "intel/platform-ca");
  processor_ca_key_ = ec_key_from_seed(Curve::p256, sd, "intel/processor-ca");
  tcb_signing_key_ = ec_key_from_seed(Curve::p256, sd, "intel/tcb-signing");

  // Extension order as in Intel's certificates: AKI, CDP, SKI, key usage, basic constraints.
  CertSpec r;
  r.subject = intel_name("Intel SGX Root CA");
  r.serial = key_id(root_key_);  // the real root's serial number is its key identifier
  r.not_before = validity_.root_not_before;
  r.not_after = validity_.root_not_after;
  r.subject_key = root_key_;
  r.extensions = {aki_ext(root_key_), cdp_ext(intel_root_crl_url()), ski_ext(root_key_),
                  CertExtension{"keyUsage", true, {}, "critical,keyCertSign,cRLSign"},
                  CertExtension{"basicConstraints", true, {}, "critical,CA:TRUE,pathlen:1"}};
  root_ = issue(r, root_key_);

  auto intermediate = [&](const std::string& cn, const Key& key) {
    CertSpec s;
    s.subject = intel_name(cn);
    s.issuer = intel_name("Intel SGX Root CA");
    s.serial = key_id(key);  // as the real Platform CA (serial = SKI)
    s.not_before = validity_.ca_not_before;
    s.not_after = validity_.ca_not_after;
    s.subject_key = key;
    s.extensions = {aki_ext(root_key_), cdp_ext(intel_root_crl_url()), ski_ext(key),
                    CertExtension{"keyUsage", true, {}, "critical,keyCertSign,cRLSign"},
                    CertExtension{"basicConstraints", true, {}, "critical,CA:TRUE,pathlen:0"}};
    return issue(s, root_key_);
  };
  platform_ca_ = intermediate("Intel SGX PCK Platform CA", platform_ca_key_);
  processor_ca_ = intermediate("Intel SGX PCK Processor CA", processor_ca_key_);

  CertSpec t;
  t.subject = intel_name("Intel SGX TCB Signing");
  t.issuer = intel_name("Intel SGX Root CA");
  t.serial = serial_for(seed_, "tcb-signing");
  t.not_before = validity_.tcb_signing_not_before;
  t.not_after = validity_.tcb_signing_not_after;
  t.subject_key = tcb_signing_key_;
  t.extensions = {aki_ext(root_key_), cdp_ext(intel_root_crl_url()), ski_ext(tcb_signing_key_),
                  CertExtension{"keyUsage", true, {}, "critical,digitalSignature,nonRepudiation"},
                  CertExtension{"basicConstraints", true, {}, "critical,CA:FALSE"}};
  tcb_signing_ = issue(t, root_key_);
}

IssuedPck IntelAuthority::issue_pck(const PckRequest& req) {
  const bool platform = req.ca == PckCa::platform;
  const std::uint32_t sgx_type = req.sgx_type.value_or(platform ? 1u : 0u);
  std::string label = pck_label(req, sgx_type);
  SgxExtensions x;
  x.ppid = req.ppid;
  x.tcb_comp_svn = req.tcb_comp_svn;
  x.pcesvn = req.pcesvn;
  x.cpusvn = req.cpusvn;
  x.pceid = req.pceid;
  x.fmspc = req.fmspc;
  x.sgx_type = sgx_type;
  if (platform) {
    if (req.platform_instance_id) {
      x.platform_instance_id = *req.platform_instance_id;
    } else {
      const Bytes h = sha256(as_bytes("intel/platform-instance/" + hex_encode(req.ppid) + "/" + seed_));
      std::array<std::uint8_t, 16> id{};
      std::copy_n(h.begin(), id.size(), id.begin());
      x.platform_instance_id = id;
    }
    x.configuration = req.configuration;
    label += "/" + hex_encode(*x.platform_instance_id) + "/" +
             std::to_string(req.configuration.dynamic_platform) +
             std::to_string(req.configuration.cached_keys) + std::to_string(req.configuration.smt_enabled);
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = pcks_.find(label); it != pcks_.end()) return it->second;
  }
  IssuedPck out;
  // The key depends on the platform and its TCB level only, as a real PCE derives it.
  out.key = ec_key_from_seed(Curve::p256, as_bytes(seed_),
                             "intel/pck/" + hex_encode(req.ppid) + "/" + hex_encode(req.cpusvn) + "/" +
                                 std::to_string(req.pcesvn) + "/" + hex_encode(req.pceid));
  const Key& ca_key = platform ? platform_ca_key_ : processor_ca_key_;
  CertSpec s;
  s.subject = intel_name("Intel SGX PCK Certificate");
  s.issuer = intel_name(platform ? "Intel SGX PCK Platform CA" : "Intel SGX PCK Processor CA");
  s.serial = serial_for(seed_, "pck/" + label);
  s.not_before = validity_.pck_not_before;
  s.not_after = validity_.pck_not_after;
  s.subject_key = out.key;
  s.extensions = {aki_ext(ca_key),
                  cdp_ext(pck_crl_url(req.ca)),
                  ski_ext(out.key),
                  CertExtension{"keyUsage", true, {}, "critical,digitalSignature,nonRepudiation"},
                  CertExtension{"basicConstraints", true, {}, "critical,CA:FALSE"},
                  raw_ext(kSgxExtensionOid, encode_sgx_extensions(x))};
  out.cert = issue(s, ca_key);
  std::lock_guard lock(mu_);
  return pcks_.emplace(label, out).first->second;
}

std::string IntelAuthority::pck_chain_pem(PckCa ca, const Cert& leaf) const {
  return leaf.pem() + intermediate(ca).pem() + root_.pem();
}

std::string IntelAuthority::tcb_signing_chain_pem() const {
  return tcb_signing_.pem() + root_.pem();
}

Bytes encode_sgx_extensions(const SgxExtensions& x) {
  Bytes tcb;
  for (std::uint8_t i = 0; i < 16; ++i)
    append(tcb, entry(sgx_oid({2, static_cast<std::uint8_t>(i + 1)}),
                      tlv(kTagInteger, uint_content(x.tcb_comp_svn[i]))));
  append(tcb, entry(sgx_oid({2, 17}), tlv(kTagInteger, uint_content(x.pcesvn))));
  append(tcb, entry(sgx_oid({2, 18}), tlv(kTagOctetString, x.cpusvn)));

  Bytes body;
  append(body, entry(sgx_oid({1}), tlv(kTagOctetString, x.ppid)));
  append(body, entry(sgx_oid({2}), tlv(kTagSequence, tcb)));
  append(body, entry(sgx_oid({3}), tlv(kTagOctetString, x.pceid)));
  append(body, entry(sgx_oid({4}), tlv(kTagOctetString, x.fmspc)));
  append(body, entry(sgx_oid({5}), tlv(kTagEnumerated, uint_content(x.sgx_type))));
  if (x.platform_instance_id)
    append(body, entry(sgx_oid({6}), tlv(kTagOctetString, *x.platform_instance_id)));
  if (x.configuration) {
    auto b = [](bool v) { return tlv(kTagBoolean, Bytes{static_cast<std::uint8_t>(v ? 0xFF : 0x00)}); };
    Bytes conf;
    append(conf, entry(sgx_oid({7, 1}), b(x.configuration->dynamic_platform)));
    append(conf, entry(sgx_oid({7, 2}), b(x.configuration->cached_keys)));
    append(conf, entry(sgx_oid({7, 3}), b(x.configuration->smt_enabled)));
    append(body, entry(sgx_oid({7}), tlv(kTagSequence, conf)));
  }
  return tlv(kTagSequence, body);
}

namespace {

Result<PckConfiguration> parse_configuration(const Tlv& v) {
  if (v.tag != kTagSequence) return make_error(kErr, "Configuration is not a SEQUENCE");
  PckConfiguration c;
  bool seen[3] = {false, false, false};
  std::size_t pos = 0;
  while (pos < v.content.size()) {
    auto e = read_entry(v.content, pos, "Configuration");
    if (!e) return e.error();
    if (e->arcs.size() != 2 || e->arcs[0] != 7 || e->arcs[1] < 1 || e->arcs[1] > 3) continue;
    const std::size_t i = static_cast<std::size_t>(e->arcs[1] - 1);
    auto b = read_bool(e->value);
    if (!b || seen[i])
      return make_error(kErr, "Configuration entry 7." + std::to_string(i + 1) + " invalid or duplicated");
    seen[i] = true;
    (i == 0 ? c.dynamic_platform : i == 1 ? c.cached_keys : c.smt_enabled) = *b;
  }
  if (!seen[0] || !seen[1] || !seen[2]) return make_error(kErr, "Configuration lacks an entry");
  return c;
}

Status parse_tcb(const Tlv& v, SgxExtensions& x) {
  if (v.tag != kTagSequence) return make_error(kErr, "TCB is not a SEQUENCE");
  bool seen[18] = {};
  std::size_t pos = 0;
  while (pos < v.content.size()) {
    auto e = read_entry(v.content, pos, "TCB");
    if (!e) return e.error();
    if (e->arcs.size() != 2 || e->arcs[0] != 2 || e->arcs[1] < 1 || e->arcs[1] > 18) continue;
    const std::size_t i = static_cast<std::size_t>(e->arcs[1] - 1);
    const std::string name = "TCB entry 2." + std::to_string(i + 1);
    if (seen[i]) return make_error(kErr, name + " duplicated");
    seen[i] = true;
    if (i < 16) {
      auto svn = read_uint(e->value, kTagInteger, 0xFF);
      if (!svn) return make_error(kErr, name + " is not an INTEGER in 0..255");
      x.tcb_comp_svn[i] = static_cast<std::uint8_t>(*svn);
    } else if (i == 16) {
      auto svn = read_uint(e->value, kTagInteger, 0xFFFF);
      if (!svn) return make_error(kErr, name + " (PCESVN) is not an INTEGER in 0..65535");
      x.pcesvn = static_cast<std::uint16_t>(*svn);
    } else if (!read_fixed(e->value, x.cpusvn)) {
      return make_error(kErr, name + " (CPUSVN) is not a 16-byte OCTET STRING");
    }
  }
  for (std::size_t i = 0; i < 18; ++i)
    if (!seen[i]) return make_error(kErr, "TCB lacks entry 2." + std::to_string(i + 1));
  return Unit{};
}

}  // namespace

Result<SgxExtensions> parse_sgx_extensions_der(ByteView der) {
  std::size_t top = 0;
  auto outer = read_tlv(der, top);
  if (!outer || outer->tag != kTagSequence || top != der.size())
    return make_error(kErr, "SGX extension is not a single DER SEQUENCE");
  SgxExtensions x;
  bool seen[8] = {};
  std::size_t pos = 0;
  while (pos < outer->content.size()) {
    auto e = read_entry(outer->content, pos, "SGX extension");
    if (!e) return e.error();
    if (e->arcs.size() != 1 || e->arcs[0] < 1 || e->arcs[0] > 7) continue;  // a field this code predates
    const std::uint8_t arc = e->arcs[0];
    const std::string name = "SGX extension entry " + std::to_string(arc);
    if (seen[arc]) return make_error(kErr, name + " duplicated");
    seen[arc] = true;
    const Tlv& v = e->value;
    switch (arc) {
      case 1:
        if (!read_fixed(v, x.ppid)) return make_error(kErr, "PPID is not a 16-byte OCTET STRING");
        break;
      case 2: {
        auto t = parse_tcb(v, x);
        if (!t) return t.error();
        break;
      }
      case 3:
        if (!read_fixed(v, x.pceid)) return make_error(kErr, "PCE-ID is not a 2-byte OCTET STRING");
        break;
      case 4:
        if (!read_fixed(v, x.fmspc)) return make_error(kErr, "FMSPC is not a 6-byte OCTET STRING");
        break;
      case 5: {
        auto t = read_uint(v, kTagEnumerated, 0xFFFFFFFF);
        if (!t) return make_error(kErr, "SGX Type is not an ENUMERATED");
        x.sgx_type = static_cast<std::uint32_t>(*t);
        break;
      }
      case 6: {
        std::array<std::uint8_t, 16> id{};
        if (!read_fixed(v, id)) return make_error(kErr, "PlatformInstanceID is not a 16-byte OCTET STRING");
        x.platform_instance_id = id;
        break;
      }
      default: {
        auto c = parse_configuration(v);
        if (!c) return c.error();
        x.configuration = *c;
        break;
      }
    }
  }
  for (int i = 1; i <= 5; ++i)
    if (!seen[i]) return make_error(kErr, "SGX extension lacks mandatory entry " + std::to_string(i));
  return x;
}

Result<SgxExtensions> parse_sgx_extensions(const Cert& pck) {
  const int n = pck.extension_count(kSgxExtensionOid);
  if (n == 0) return make_error(kErr, "certificate has no SGX extension (1.2.840.113741.1.13.1)");
  if (n > 1) return make_error(kErr, "certificate has the SGX extension more than once");
  auto v = pck.extension_value(kSgxExtensionOid);
  if (!v) return make_error(kErr, "SGX extension unreadable");
  return parse_sgx_extensions_der(*v);
}

}  // namespace coco::tdx
