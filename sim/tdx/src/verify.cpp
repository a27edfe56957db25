#include "tdx/verify.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/embedded_root.h"

namespace coco::tdx {

struct DecodedPckChain {
  Result<std::vector<Cert>> chain;           // leaf, intermediate, root
  std::optional<Result<SgxExtensions>> ext;  // when the chain decodes
};

template <class T>
struct DecodedDocument {
  Result<T> parsed;                        // the signed body's split or parse error, else the document
  Result<std::vector<Cert>> issuer_chain;  // from the PCS header
  bool signature_ok = false;               // by the issuer chain's first certificate
};

struct DecodedCollateral {
  DecodedDocument<TcbInfo> tcb_info;
  DecodedDocument<QeIdentity> qe_identity;
  Result<Crl> pck_crl;
  Result<Crl> root_crl;
};

namespace {

constexpr const char* kRootCn = "Intel SGX Root CA";
constexpr const char* kPlatformCaCn = "Intel SGX PCK Platform CA";
constexpr const char* kProcessorCaCn = "Intel SGX PCK Processor CA";
constexpr const char* kPckCn = "Intel SGX PCK Certificate";
constexpr const char* kTcbSigningCn = "Intel SGX TCB Signing";
constexpr const char* kEcdsaSha256 = "ecdsa-with-SHA256";

class Checker {
 public:
  explicit Checker(VerifyResult& r) : r_(r) {}
  // Records `name` as passed, or a failure with `code` and `message`; returns `ok`.
  bool check(bool ok, std::string_view name, const char* code, std::string message) {
    if (ok) {
      r_.passed.emplace_back(name);
    } else {
      r_.failures.push_back(Error{code, std::move(message)});
    }
    return ok;
  }
  void fail(Error e) { r_.failures.push_back(std::move(e)); }

 private:
  VerifyResult& r_;
};

// Splits concatenated DER certificates (Intel's synthetic samples carry the chain that way).
Result<std::vector<Cert>> certs_from_der_concat(ByteView der) {
  std::vector<Cert> out;
  std::size_t pos = 0;
  while (pos < der.size()) {
    if (der.size() - pos < 4 || der[pos] != 0x30) break;
    std::size_t len = der[pos + 1], hdr = 2;
    if (len & 0x80) {
      const std::size_t n = len & 0x7F;
      if (n == 0 || n > 3 || der.size() - pos < 2 + n)
        return make_error("x509.der_invalid", "bad DER length");
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | der[pos + 2 + i];
      hdr = 2 + n;
    }
    if (der.size() - pos < hdr + len) return make_error("x509.der_invalid", "DER certificate truncated");
    auto cert = cert_from_der(der.subspan(pos, hdr + len));
    if (!cert) return cert.error();
    out.push_back(*cert);
    pos += hdr + len;
  }
  if (out.empty()) return make_error("x509.der_invalid", "no DER certificate");
  return out;
}

Result<std::vector<Cert>> decode_chain(ByteView data) {
  switch (pck_chain_encoding(data)) {
    case PckChainEncoding::pem: {
      std::string pem(data.begin(), data.end());
      while (!pem.empty() && pem.back() == '\0') pem.pop_back();
      return certs_from_pem(pem);
    }
    case PckChainEncoding::der:
      return certs_from_der_concat(data);
    case PckChainEncoding::unknown:
      break;
  }
  return make_error("tdx.pck_chain_invalid", "the PCK chain is neither PEM nor DER");
}

PckCa ca_of(const Cert& intermediate) {
  return intermediate.subject_cn() == kProcessorCaCn ? PckCa::processor : PckCa::platform;
}

DecodedPckChain decode_pck_chain(ByteView cert_data) {
  DecodedPckChain d{decode_chain(cert_data), std::nullopt};
  if (!d.chain) {
    d.chain =
        make_error("tdx.pck_chain_invalid", "the PCK chain does not decode: " + d.chain.error().message);
  } else if (d.chain->size() != 3) {
    d.chain = make_error("tdx.pck_chain_invalid",
                         "the PCK chain has " + std::to_string(d.chain->size()) + " certificates, not 3");
  } else {
    d.ext = parse_sgx_extensions(d.chain->front());
  }
  return d;
}

std::shared_ptr<const DecodedPckChain> decoded_pck(const Quote& q, TdxChainCache* cache) {
  const QeCertificationData& cert = q.signed_data.certification;
  if (cert.cert_data_type != kCertDataPckChain) {
    return std::make_shared<const DecodedPckChain>(DecodedPckChain{
        make_error("tdx.pck_chain_missing", "certification data type " + std::to_string(cert.cert_data_type) +
                                                " carries no PCK chain (type 5); fetch the PCK from PCS"),
        std::nullopt});
  }
  return cache ? cache->pck_chain(cert.cert_data)
               : std::make_shared<const DecodedPckChain>(decode_pck_chain(cert.cert_data));
}

template <class T, class Parse>
DecodedDocument<T> decode_document(const std::string& body, std::string_view inner_key,
                                   const std::string& chain_pem, Parse parse) {
  auto split = split_signed_body(body, inner_key);
  Result<T> parsed = split ? parse(body) : Result<T>(split.error());
  auto chain = certs_from_pem(chain_pem);
  const bool signature_ok =
      split && parsed && chain && !chain->empty() && verify_collateral_signature(*split, chain->front());
  return {std::move(parsed), std::move(chain), signature_ok};
}

DecodedCollateral decode_collateral(const CollateralSet& set) {
  return {decode_document<TcbInfo>(set.tcb_info, "tcbInfo", set.tcb_info_issuer_chain, parse_tcb_info),
          decode_document<QeIdentity>(set.qe_identity, "enclaveIdentity", set.qe_identity_issuer_chain,
                                      parse_qe_identity),
          crl_from_pem_or_der(set.pck_crl), crl_from_pem_or_der(set.root_crl)};
}

// A digest naming a collateral set: every field, length-prefixed.
std::string collateral_key(const CollateralSet& set) {
  Bytes all;
  auto add = [&all](ByteView b) {
    for (int i = 0; i < 8; ++i) all.push_back(static_cast<std::uint8_t>(b.size() >> (8 * i)));
    all.insert(all.end(), b.begin(), b.end());
  };
  for (const std::string* t : {&set.tcb_info, &set.tcb_info_issuer_chain, &set.qe_identity,
                               &set.qe_identity_issuer_chain, &set.pck_crl_issuer_chain}) {
    add(as_bytes(*t));
  }
  add(set.pck_crl);
  add(set.root_crl);
  return hex_encode(sha256(all));
}

// Looks `key` up in `map`, else makes the value outside the lock and keeps it (clearing a full map).
template <class V, class Make>
std::shared_ptr<const V> memo(std::mutex& mu, std::map<std::string, std::shared_ptr<const V>>& map,
                              std::size_t max, const std::string& key, Make make) {
  {
    std::lock_guard lock(mu);
    if (auto it = map.find(key); it != map.end()) return it->second;
  }
  auto value = std::make_shared<const V>(make());
  std::lock_guard lock(mu);
  if (map.size() >= max) map.clear();
  map.emplace(key, value);
  return value;
}

bool is_pinned(const Cert& root, const std::vector<Cert>& pinned) {
  const Bytes der = root.der();
  return std::any_of(pinned.begin(), pinned.end(), [&](const Cert& p) { return p.der() == der; });
}

bool signed_by(const Cert& cert, const Cert& issuer, TdxChainCache* cache) {
  return cache ? cache->verify(cert, issuer) : cert.verify_signature(issuer.public_key());
}

bool within(const Cert& c, SysTime now) {
  return c.not_before() <= now && now <= c.not_after();
}

// Pads (or truncates) an expected value to the field size, as Trustee's regularize_data.
template <std::size_t N>
bool equals_padded(const std::array<std::uint8_t, N>& field, const Bytes& expected) {
  std::array<std::uint8_t, N> want{};
  std::copy_n(expected.begin(), std::min(expected.size(), N), want.begin());
  return field == want;
}

Key attestation_public_key(const std::array<std::uint8_t, 64>& xy, bool& ok) {
  Bytes point{0x04};
  point.insert(point.end(), xy.begin(), xy.end());
  auto key = ec_public_key_from_point(Curve::p256, point);
  ok = static_cast<bool>(key);
  return ok ? *key : Key{};
}

bool verify_p256(const Key& key, ByteView message, const std::array<std::uint8_t, 64>& rs) {
  EcdsaSignature sig{Bytes(rs.begin(), rs.begin() + 32), Bytes(rs.begin() + 32, rs.end())};
  return ecdsa_verify_digest(key, sha256(message), sig);
}

// A collateral issuer chain (signing certificate then root) checked against the pinned roots.
std::optional<Cert> collateral_signer(const Result<std::vector<Cert>>& chain, const std::vector<Cert>& roots,
                                      SysTime now, TdxChainCache* cache, std::string_view what, Checker& c) {
  const std::string label(what);
  if (!chain || chain->size() != 2) {
    c.fail(
        Error{"tdx.collateral_invalid", label + " issuer chain is not a TCB Signing certificate and a root"});
    return std::nullopt;
  }
  const Cert& signer = (*chain)[0];
  const Cert& root = (*chain)[1];
  bool ok = c.check(signer.subject_cn() == kTcbSigningCn, label + "_signer_name", "tdx.collateral_invalid",
                    label + " is signed by \"" + signer.subject_cn() + "\", not \"" + kTcbSigningCn + "\"");
  ok &= c.check(is_pinned(root, roots) && signed_by(signer, root, cache), label + "_signer_chain",
                "tdx.collateral_invalid", label + " issuer chain does not lead to a pinned Intel root");
  ok &= c.check(within(signer, now), label + "_signer_validity", "tdx.collateral_invalid",
                label + " signing certificate is not valid at the verification time");
  if (!ok) return std::nullopt;
  return signer;
}

void add_dates(Supplemental& s, SysTime issued, std::optional<SysTime> expires) {
  s.earliest_issue_date = std::min(s.earliest_issue_date, issued);
  s.latest_issue_date = std::max(s.latest_issue_date, issued);
  if (expires) s.earliest_expiration_date = std::min(s.earliest_expiration_date, *expires);
}

void check_collateral(const Quote& q, const DecodedCollateral& d, const VerifyOptions& opts,
                      const std::vector<Cert>& roots, SysTime now, VerifyResult& r, Checker& c) {
  Supplemental s;
  s.earliest_issue_date = SysTime::max();
  s.latest_issue_date = SysTime::min();
  s.earliest_expiration_date = SysTime::max();
  for (const Cert& cert : r.pck_chain) add_dates(s, cert.not_before(), cert.not_after());
  const Bytes root_point = ec_public_point(r.pck_chain.back().public_key());
  s.root_key_id = sha384(root_point);
  bool expired = false;
  auto note_expiry = [&](std::optional<SysTime> next_update) {
    if (next_update && *next_update < now) expired = true;
  };

  // TCB info.
  const TcbInfo* tcb_info = nullptr;
  if (!d.tcb_info.parsed) {
    c.fail(d.tcb_info.parsed.error());
  } else if (auto signer =
                 collateral_signer(d.tcb_info.issuer_chain, roots, now, opts.chain_cache, "tcb_info", c)) {
    add_dates(s, signer->not_before(), signer->not_after());
    if (c.check(d.tcb_info.signature_ok, "tcb_info_signature", "tdx.collateral_signature_invalid",
                "the TCB info signature does not verify")) {
      tcb_info = &*d.tcb_info.parsed;
      c.check(tcb_info->id == "TDX" && tcb_info->version == 3, "tcb_info_kind", "tdx.collateral_invalid",
              "TCB info is \"" + tcb_info->id + "\" version " + std::to_string(tcb_info->version) +
                  ", not TDX version 3");
      if (r.pck_extensions) {
        c.check(tcb_info->fmspc == r.pck_extensions->fmspc && tcb_info->pce_id == r.pck_extensions->pceid,
                "tcb_info_fmspc", "tdx.fmspc_mismatch",
                "TCB info is for FMSPC " + hex_encode(tcb_info->fmspc) + ", the PCK's is " +
                    hex_encode(r.pck_extensions->fmspc));
      }
      add_dates(s, tcb_info->issue_date, tcb_info->next_update);
      note_expiry(tcb_info->next_update);
    }
  }

  // QE identity.
  const QeIdentity* qe_identity = nullptr;
  if (!d.qe_identity.parsed) {
    c.fail(d.qe_identity.parsed.error());
  } else if (collateral_signer(d.qe_identity.issuer_chain, roots, now, opts.chain_cache, "qe_identity", c)) {
    if (c.check(d.qe_identity.signature_ok, "qe_identity_signature", "tdx.collateral_signature_invalid",
                "the QE identity signature does not verify")) {
      qe_identity = &*d.qe_identity.parsed;
      c.check(qe_identity->id == "TD_QE" && qe_identity->version == 2, "qe_identity_kind",
              "tdx.collateral_invalid",
              "QE identity is \"" + qe_identity->id + "\" version " + std::to_string(qe_identity->version) +
                  ", not TD_QE version 2");
      add_dates(s, qe_identity->issue_date, qe_identity->next_update);
      note_expiry(qe_identity->next_update);
    }
  }

  // CRLs: the PCK CRL is issued by the quote's PCK CA, the root CRL by the root.
  const Cert& leaf = r.pck_chain[0];
  const Cert& ca = r.pck_chain[1];
  const Cert& root = r.pck_chain[2];
  auto check_crl = [&](const Result<Crl>& crl, const Cert& issuer, const Cert& subject, std::string_view name,
                       std::uint64_t& number) {
    const std::string label(name);
    if (!crl) {
      c.fail(Error{"tdx.collateral_invalid", label + " does not parse: " + crl.error().message});
      return;
    }
    const bool signed_ok =
        crl->issued_by(issuer) && (opts.chain_cache ? opts.chain_cache->verify(*crl, issuer)
                                                    : crl->verify_signature(issuer.public_key()));
    if (!c.check(signed_ok, label + "_signature", "tdx.collateral_signature_invalid",
                 label + " is not signed by \"" + issuer.subject_cn() + "\"")) {
      return;
    }
    number = crl->crl_number().value_or(0);
    add_dates(s, crl->this_update(), crl->next_update());
    note_expiry(crl->next_update());
    c.check(
        !crl->is_revoked(subject), label + "_revocation", "tdx.pck_revoked",
        "\"" + subject.subject_cn() + "\" (serial " + subject.serial_hex() + ") is revoked by the " + label);
  };
  check_crl(d.pck_crl, ca, leaf, "pck_crl", s.pck_crl_num);
  check_crl(d.root_crl, root, ca, "root_crl", s.root_ca_crl_num);

  s.collateral_expired = expired;
  if (!opts.allow_expired_collateral) {
    c.check(!expired, "collateral_expiry", "tdx.collateral_expired",
            "collateral is past its nextUpdate at " + format_utc(now) + "; fetch fresh collateral from PCS");
  }

  // TCB status: platform (and TDX module) level, QE level, converged.
  std::optional<TcbMatch> tcb;
  if (tcb_info && r.pck_extensions) {
    auto m = match_tcb_level(*tcb_info, *r.pck_extensions, q.body);
    if (m) {
      tcb = *m;
      r.passed.emplace_back("tcb_level");
    } else {
      c.fail(m.error());
    }
  }
  std::optional<QeMatch> qe;
  if (qe_identity) {
    auto m = match_qe_identity(*qe_identity, q.signed_data.certification.qe_report);
    if (m) {
      qe = *m;
      r.passed.emplace_back("qe_identity");
    } else {
      c.fail(m.error());
    }
  }
  if (tcb_info && qe_identity) {
    s.tcb_eval_num = std::min(tcb_info->tcb_evaluation_data_number, qe_identity->tcb_evaluation_data_number);
  }
  if (tcb && qe) {
    const TcbStatus status = converge_tcb_status(tcb->platform_status, tcb->module_status, qe->status);
    r.tcb_status = status;
    s.tcb_date = tcb->tcb_date;
    s.advisory_ids = tcb->advisory_ids;
    for (const auto* ids : {&tcb->module_advisory_ids, &qe->advisory_ids}) {
      for (const auto& id : *ids) {
        if (std::find(s.advisory_ids.begin(), s.advisory_ids.end(), id) == s.advisory_ids.end()) {
          s.advisory_ids.push_back(id);
        }
      }
    }
    if (status == TcbStatus::revoked && opts.rejected_statuses.count(status)) {
      c.fail(Error{"tdx.tcb_revoked", "the platform's TCB level is Revoked in the TCB info"});
    } else {
      c.check(!opts.rejected_statuses.count(status), "tcb_status", "tdx.tcb_status_unacceptable",
              "TCB status " + std::string(tcb_status_name(status)) + " is not accepted");
    }
  }
  r.tcb_match = tcb;
  r.qe_match = qe;
  r.supplemental = s;
}

}  // namespace

const Cert& intel_sgx_root_ca() {
  static const Cert root = [] {
    auto certs = certs_from_pem(embedded::kIntelSgxRootCa);
    return certs && !certs->empty() ? certs->front() : Cert{};
  }();
  return root;
}

bool TdxChainCache::verify(const Crl& crl, const Cert& issuer) {
  const std::string key = "crl" + hex_encode(sha256(crl.der())) + hex_encode(sha256(issuer.der()));
  {
    std::lock_guard lock(mu_);
    if (verified_.count(key)) return true;
  }
  if (!crl.verify_signature(issuer.public_key())) return false;
  std::lock_guard lock(mu_);
  if (verified_.size() >= max_) verified_.clear();
  verified_.insert(key);
  return true;
}

std::shared_ptr<const DecodedPckChain> TdxChainCache::pck_chain(ByteView cert_data) {
  return memo(mu_, chains_, max_, hex_encode(sha256(cert_data)), [&] { return decode_pck_chain(cert_data); });
}

std::shared_ptr<const DecodedCollateral> TdxChainCache::collateral(const CollateralSet& set) {
  return memo(mu_, collateral_, max_, collateral_key(set), [&] { return decode_collateral(set); });
}

bool TdxChainCache::verify(const Cert& cert, const Cert& issuer) {
  const std::string key = hex_encode(sha256(cert.der())) + hex_encode(sha256(issuer.der()));
  {
    std::lock_guard lock(mu_);
    if (verified_.count(key)) return true;
  }
  if (!cert.verify_signature(issuer.public_key())) return false;
  std::lock_guard lock(mu_);
  if (verified_.size() >= max_) verified_.clear();
  verified_.insert(key);
  return true;
}

VerifyOptions VerifyOptions::trustee() {
  VerifyOptions o;
  o.allow_expired_collateral = true;
  return o;
}

bool VerifyResult::has(std::string_view code) const {
  return std::any_of(failures.begin(), failures.end(), [&](const Error& e) { return e.code == code; });
}

Result<QuotePck> quote_pck(const Quote& q, TdxChainCache* cache) {
  const auto d = decoded_pck(q, cache);
  if (!d->chain) return d->chain.error();
  if (!*d->ext) return d->ext->error();
  return QuotePck{*d->chain, **d->ext, ca_of((*d->chain)[1])};
}

VerifyResult verify_quote(const Quote& q, const VerifyOptions& opts) {
  VerifyResult r;
  Checker c(r);
  const SysTime now = opts.now.value_or(std::chrono::system_clock::now());
  std::vector<Cert> roots = opts.trusted_roots;
  if (roots.empty()) roots.push_back(intel_sgx_root_ca());

  // Header (parse_quote already checked version, key type and TEE type).
  c.check(q.header.qe_vendor_id == kIntelQeVendorId, "qe_vendor_id", "tdx.qe_vendor_id_mismatch",
          "QE vendor ID " + hex_encode(q.header.qe_vendor_id) + " is not Intel's " +
              hex_encode(kIntelQeVendorId));

  // PCK chain.
  const QeCertificationData& cert = q.signed_data.certification;
  const auto pck = decoded_pck(q, opts.chain_cache);
  if (!pck->chain) {
    c.fail(pck->chain.error());
  } else {
    r.pck_chain = *pck->chain;
    const Cert& leaf = r.pck_chain[0];
    const Cert& ca = r.pck_chain[1];
    const Cert& root = r.pck_chain[2];
    r.ca = ca_of(ca);
    bool names = leaf.subject_cn() == kPckCn &&
                 (ca.subject_cn() == kPlatformCaCn || ca.subject_cn() == kProcessorCaCn) &&
                 root.subject_cn() == kRootCn;
    bool algs = std::all_of(r.pck_chain.begin(), r.pck_chain.end(),
                            [](const Cert& x) { return x.signature_algorithm() == kEcdsaSha256; });
    bool structure = c.check(names && algs, "pck_chain_names", "tdx.pck_chain_invalid",
                             "the chain is \"" + leaf.subject_cn() + "\" <- \"" + ca.subject_cn() +
                                 "\" <- \"" + root.subject_cn() + "\", not an ECDSA-SHA256 Intel PCK chain");
    bool pinned = c.check(
        is_pinned(root, roots), "pck_root_pinned", "tdx.pck_chain_untrusted",
        "the chain's root is not a pinned Intel SGX Root CA" +
            std::string(opts.trusted_roots.empty() ? " (simulated quotes need the simulated root)" : ""));
    bool sigs = c.check(signed_by(root, root, opts.chain_cache) && signed_by(ca, root, opts.chain_cache) &&
                            signed_by(leaf, ca, opts.chain_cache),
                        "pck_chain_signatures", "tdx.pck_chain_untrusted",
                        "a signature in the PCK chain does not verify");
    bool valid = c.check(
        std::all_of(r.pck_chain.begin(), r.pck_chain.end(), [&](const Cert& x) { return within(x, now); }),
        "pck_chain_validity", "tdx.pck_expired",
        "a PCK chain certificate is not valid at " + format_utc(now) + " (PCK valid " +
            format_utc(leaf.not_before()) + " .. " + format_utc(leaf.not_after()) + ")");
    r.chain_verified = structure && pinned && sigs && valid;
    if (*pck->ext) {
      r.pck_extensions = **pck->ext;
      r.passed.emplace_back("pck_extensions");
    } else {
      c.fail(pck->ext->error());
    }
  }

  // QE report signature (by the PCK key), QE binding, quote signature (by the attestation key).
  bool qe_sig = false;
  if (!r.pck_chain.empty()) {
    qe_sig = c.check(verify_p256(r.pck_chain[0].public_key(), encode_sgx_report_body(cert.qe_report),
                                 cert.qe_report_signature),
                     "qe_report_signature", "tdx.qe_report_signature_invalid",
                     "the QE report signature does not verify with the PCK key");
  }
  Bytes bound(q.signed_data.attestation_key.begin(), q.signed_data.attestation_key.end());
  bound.insert(bound.end(), cert.qe_auth_data.begin(), cert.qe_auth_data.end());
  Bytes expected_report_data = sha256(bound);
  expected_report_data.resize(64, 0);
  const bool binding = c.check(std::equal(expected_report_data.begin(), expected_report_data.end(),
                                          cert.qe_report.report_data.begin()),
                               "qe_binding", "tdx.qe_binding_mismatch",
                               "QE report data is not SHA-256(attestation key || QE auth data) || zeros");
  bool key_ok = false;
  const Key att_key = attestation_public_key(q.signed_data.attestation_key, key_ok);
  bool quote_sig = false;
  if (c.check(key_ok, "attestation_key", "tdx.attestation_key_invalid",
              "the attestation key is not a P-256 point")) {
    quote_sig = c.check(verify_p256(att_key, signed_part(q), q.signed_data.signature), "quote_signature",
                        "tdx.quote_signature_invalid",
                        "the quote signature does not verify with the attestation key");
  }
  r.signatures_verified = qe_sig && binding && quote_sig;

  if (opts.collateral && r.pck_chain.size() == 3) {
    const auto decoded = opts.chain_cache
                             ? opts.chain_cache->collateral(*opts.collateral)
                             : std::make_shared<const DecodedCollateral>(decode_collateral(*opts.collateral));
    check_collateral(q, *decoded, opts, roots, now, r, c);
  }

  // Policy.
  const TdAttributes attrs = decode_td_attributes(q.body.td_attributes);
  if (!opts.allow_debug) {
    c.check(!attrs.debug, "debug", "tdx.debug_not_allowed", "the TD runs with DEBUG set in TD_ATTRIBUTES");
  }
  if (opts.report_data) {
    c.check(equals_padded(q.body.report_data, *opts.report_data), "report_data", "tdx.report_data_mismatch",
            "REPORTDATA " + hex_encode(q.body.report_data) + " is not the expected " +
                hex_encode(*opts.report_data));
  }
  if (opts.mr_config_id) {
    c.check(equals_padded(q.body.mr_config_id, *opts.mr_config_id), "mr_config_id",
            "tdx.mr_config_id_mismatch",
            "MRCONFIGID " + hex_encode(q.body.mr_config_id) + " is not the init-data digest " +
                hex_encode(*opts.mr_config_id));
  }
  if (opts.mr_td) {
    c.check(equals_padded(q.body.mr_td, *opts.mr_td), "mr_td", "tdx.mr_td_mismatch",
            "MRTD " + hex_encode(q.body.mr_td) + " is not the expected " + hex_encode(*opts.mr_td));
  }
  return r;
}

VerifyResult verify_quote_bytes(ByteView bytes, const VerifyOptions& opts) {
  auto quote = parse_quote(bytes);
  if (!quote) {
    VerifyResult r;
    r.failures.push_back(quote.error());
    return r;
  }
  return verify_quote(*quote, opts);
}

nlohmann::json trustee_supplemental_claims(const VerifyResult& r) {
  nlohmann::json j = nlohmann::json::object();
  if (!r.supplemental) return j;
  const Supplemental& s = *r.supplemental;
  j["earliest_issue_date"] = format_utc(s.earliest_issue_date);
  j["latest_issue_date"] = format_utc(s.latest_issue_date);
  j["earliest_expiration_date"] = format_utc(s.earliest_expiration_date);
  j["tcb_date"] = s.tcb_date;
  j["pck_crl_num"] = s.pck_crl_num;
  j["root_ca_crl_num"] = s.root_ca_crl_num;
  j["tcb_eval_num"] = s.tcb_eval_num;
  if (r.pck_extensions) {
    const SgxExtensions& e = *r.pck_extensions;
    j["platform_provider_id"] = hex_encode(e.ppid);
    static const char* const kTypes[] = {"Standard", "Scalable", "Scalable with Integrity"};
    j["sgx_type"] =
        e.sgx_type < 3 ? std::string(kTypes[e.sgx_type]) : "Unknown (" + std::to_string(e.sgx_type) + ")";
    if (e.sgx_type > 0) {
      const PckConfiguration conf = e.configuration.value_or(PckConfiguration{false, false, false});
      j["is_dynamic_platform"] = conf.dynamic_platform;
      j["is_cached_keys"] = conf.cached_keys;
      j["is_smt_enabled"] = conf.smt_enabled;
    }
  }
  j["root_key_id"] = hex_encode(s.root_key_id);
  if (r.tcb_status) j["tcb_status"] = std::string(tcb_status_name(*r.tcb_status));
  j["collateral_expiration_status"] = s.collateral_expired ? "1" : "0";
  j["advisory_ids"] = s.advisory_ids;
  return j;
}

nlohmann::json trustee_claims(const Quote& q, const VerifyResult& r, const nlohmann::json* uefi_event_logs) {
  nlohmann::json claims = trustee_quote_claims(q);
  claims["td_attributes"] = trustee_td_attributes_claims(decode_td_attributes(q.body.td_attributes));
  claims["report_data"] = hex_encode(q.body.report_data);
  claims["init_data"] = hex_encode(q.body.mr_config_id);
  if (uefi_event_logs) claims["uefi_event_logs"] = *uefi_event_logs;
  if (r.pck_extensions && r.pck_extensions->platform_instance_id) {
    // Trustee prints the PCK's PlatformInstanceID byte-reversed, as the little-endian number QVL's
    // supplemental data holds (parse_tdx_claims_expected.json: 82548d22.. for the PCK's 021ac64d..).
    const auto& id = *r.pck_extensions->platform_instance_id;
    claims["platform_instance_id"] = hex_encode(Bytes(id.rbegin(), id.rend()));
  }
  const nlohmann::json supplemental = trustee_supplemental_claims(r);
  for (const auto& [k, v] : supplemental.items()) claims[k] = v;
  return claims;
}

nlohmann::json result_to_json(const VerifyResult& r) {
  nlohmann::json failures = nlohmann::json::array();
  for (const Error& e : r.failures) failures.push_back({{"code", e.code}, {"message", e.message}});
  nlohmann::json j = {{"verified", r.ok()},
                      {"failures", failures},
                      {"passed", r.passed},
                      {"chain_verified", r.chain_verified},
                      {"signatures_verified", r.signatures_verified}};
  if (!r.pck_chain.empty()) {
    j["pck"] = {{"subject", r.pck_chain[0].subject_cn()},
                {"issuer", r.pck_chain[0].issuer_cn()},
                {"not_after", format_utc(r.pck_chain[0].not_after())}};
  }
  if (r.pck_extensions) j["fmspc"] = hex_encode(r.pck_extensions->fmspc);
  if (r.supplemental) j["supplemental"] = trustee_supplemental_claims(r);
  return j;
}

}  // namespace coco::tdx
