#include "snp/verify.h"

#include <algorithm>

#include "core/crl.h"
#include "core/encoding.h"
#include "core/hash.h"

namespace coco::snp {
namespace {

class Checker {
 public:
  explicit Checker(VerifyResult& r) : r_(r) {}
  // Records a failure; returns false so callers can `return fail(...)`.
  bool fail(std::string code, std::string message) {
    r_.failures.push_back(Error{std::move(code), std::move(message)});
    return false;
  }
  void pass(std::string name) { r_.passed.push_back(std::move(name)); }
  // One check: pass when `ok`, else fail with the code.
  bool check(bool ok, const std::string& name, std::string code, std::string message) {
    if (ok) {
      pass(name);
      return true;
    }
    return fail(std::move(code), std::move(message));
  }

 private:
  VerifyResult& r_;
};

template <std::size_t N>
bool padded_equal(const std::array<std::uint8_t, N>& field, const Bytes& expected) {
  // Trustee's regularize_data: shorter values are zero-padded, longer ones truncated.
  Bytes e = expected;
  e.resize(N, 0);
  return std::equal(field.begin(), field.end(), e.begin());
}

std::string product_str(Product p) {
  return product_name(p);
}

bool pss_ok(const Cert& c) {
  auto p = c.pss_params();
  return c.signature_algorithm() == "rsassaPss" && p && p->hash == "SHA384" && p->mgf1_hash == "SHA384" &&
         p->salt_len == 48;
}

// Checks shared by AMD CA certificates and VEKs: version, RSA-PSS parameters, AMD's name layout.
void check_cert_form(Checker& ck, const Cert& c, const std::string& role, const std::string& expected_cn,
                     const std::string& expected_issuer_cn) {
  bool form = c.version() == 3 && pss_ok(c);
  std::string why;
  if (c.version() != 3)
    why = "is not an X.509 v3 certificate";
  else if (!pss_ok(c))
    why = "is not signed with RSASSA-PSS SHA-384 / MGF1 SHA-384 / salt 48";
  ck.check(form, role + ".format", "snp.cert_invalid", role + " certificate " + why);
  ck.check(c.subject_cn() == expected_cn, role + ".subject", "snp.cert_invalid",
           role + " subject CN is '" + c.subject_cn() + "', expected '" + expected_cn + "'");
  ck.check(c.issuer_cn() == expected_issuer_cn, role + ".issuer", "snp.cert_invalid",
           role + " issuer CN is '" + c.issuer_cn() + "', expected '" + expected_issuer_cn + "'");
  // go-sev-guest requires AMD's location RDNs, exactly one of each.
  auto rdns = c.subject_rdns();
  auto count = [&](const char* k) {
    return std::count_if(rdns.begin(), rdns.end(), [&](auto& p) { return p.first == k; });
  };
  bool names = count("OU") == 1 && count("O") == 1 && count("L") == 1 && count("ST") == 1 &&
               count("C") == 1 && count("CN") == 1;
  ck.check(names, role + ".rdns", "snp.cert_invalid",
           role + " subject must carry exactly one each of OU, O, L, ST, C and CN (AMD's layout)");
}

// go-sev-guest: an AMD CA certificate carries exactly one CRL distribution point, the KDS CRL URL.
void check_crl_link(Checker& ck, const Cert& c, const std::string& role, const std::string& expected) {
  auto dps = c.crl_distribution_points();
  ck.check(dps.size() == 1 && dps[0] == expected, role + ".crl_link", "snp.cert_invalid",
           role + " CRL distribution point is " +
               (dps.empty() ? std::string("missing") : "'" + dps[0] + "'") + ", expected exactly '" +
               expected + "'");
}

void check_validity(Checker& ck, const Cert& c, const std::string& role, SysTime now) {
  if (now < c.not_before())
    ck.fail("snp.cert_not_yet_valid", role + " is not valid before " + format_utc(c.not_before()));
  else if (now > c.not_after())
    ck.fail("snp.cert_expired",
            role + " expired at " + format_utc(c.not_after()) + " (checked at " + format_utc(now) + ")");
  else
    ck.pass(role + ".validity");
}

const CertTableEntry* find_entry(const std::vector<CertTableEntry>& certs, CertKind kind) {
  for (const auto& e : certs)
    if (e.kind == kind) return &e;
  return nullptr;
}

}  // namespace

Result<Cert> ChainCache::parse(ByteView der) {
  const std::string key = to_string(sha256(der));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = parsed_.find(key); it != parsed_.end()) return it->second;
  }
  auto c = cert_from_der(der);
  if (!c) return c;
  std::lock_guard<std::mutex> lock(mu_);
  if (parsed_.size() >= max_) parsed_.clear();
  parsed_.emplace(key, *c);
  return c;
}

bool ChainCache::verify(const Cert& cert, const Cert& issuer) {
  const std::string key = to_string(cert.sha256_fingerprint()) + to_string(issuer.sha256_fingerprint());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (verified_.count(key)) return true;
  }
  if (!cert.verify_signature(issuer.public_key()))
    return false;  // failures are not cached: they are cheap to repeat
  std::lock_guard<std::mutex> lock(mu_);
  if (verified_.size() >= max_) verified_.clear();
  verified_.insert(key);
  return true;
}

std::size_t ChainCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return verified_.size();
}

VerifyOptions VerifyOptions::crypto_only() {
  VerifyOptions o;
  o.min_version = 2;
  o.vmpl.reset();
  o.require_mbz = false;
  return o;
}

VerifyOptions VerifyOptions::trustee() {
  return VerifyOptions{};
}

bool VerifyResult::has(std::string_view code) const {
  return std::any_of(failures.begin(), failures.end(), [&](const Error& e) { return e.code == code; });
}

// One verification's shared state: options, the time, and certificate parsing / signature checks that
// go through the ChainCache when one is given.
struct Session {
  const VerifyOptions& opts;
  VerifyResult& res;
  Checker ck{res};
  const TrustedRoots& roots = opts.roots ? *opts.roots : real_amd_roots();
  const SysTime now = opts.now.value_or(std::chrono::system_clock::now());

  Result<Cert> parse_cert(ByteView der) {
    return opts.chain_cache ? opts.chain_cache->parse(der) : cert_from_der(der);
  }
  bool signed_by(const Cert& c, const Cert& issuer) {
    return opts.chain_cache ? opts.chain_cache->verify(c, issuer) : c.verify_signature(issuer.public_key());
  }

  // The chain of trust for `vek`: ARK pinned and self-signed, ASK (or ASVK for a VLEK) signed by the ARK,
  // the VEK signed by it, AMD's names and algorithms, validity at `now`, CRL links, and revocation when a
  // CRL is given. The CA and ARK come from `certs` when present, else from the trusted roots.
  void check_chain(Product product, bool vlek, const Cert& vek, const std::vector<CertTableEntry>& certs);
};

void Session::check_chain(Product product, bool vlek, const Cert& vek,
                          const std::vector<CertTableEntry>& certs) {
  auto root_it = roots.find(product);
  if (root_it == roots.end()) {
    ck.fail("snp.chain_untrusted", "no trusted ARK for " + product_str(product));
    return;
  }
  const AmdRoots& pinned = root_it->second;
  const std::string pname = product_str(product);

  // ARK: the evidence may carry one; it must be the pinned ARK itself.
  Cert ark = pinned.ark;
  if (const auto* e = find_entry(certs, CertKind::ark)) {
    auto c = parse_cert(e->data);
    if (!c || !c->public_key().same_public(pinned.ark.public_key()))
      ck.fail("snp.chain_untrusted", "the ARK in the evidence is not the pinned ARK-" + pname);
    else
      ck.pass("ark.pinned");
  }
  check_cert_form(ck, ark, "ARK", "ARK-" + pname, "ARK-" + pname);
  ck.check(signed_by(ark, ark), "ARK.self_signature", "snp.chain_untrusted",
           "ARK-" + pname + " is not self-signed");
  check_validity(ck, ark, "ARK", now);
  check_crl_link(ck, ark, "ARK", kds_crl_url(product, false));

  // ASK (VCEK chain) or ASVK (VLEK chain): from the evidence if present, else the trusted bundle.
  const std::string ca_role = vlek ? "ASVK" : "ASK";
  const std::string ca_cn = vlek ? "SEV-VLEK-" + pname : "SEV-" + pname;
  Cert ca = vlek ? pinned.asvk : pinned.ask;
  for (const auto& e : certs) {
    if (e.kind != CertKind::ask && e.kind != CertKind::asvk) continue;
    auto c = parse_cert(e.data);
    if (!c) {
      ck.fail("snp.cert_invalid", ca_role + " in the evidence is not a DER certificate");
      continue;
    }
    ca = *c;
  }
  check_cert_form(ck, ca, ca_role, ca_cn, "ARK-" + pname);
  bool chain = ck.check(signed_by(ca, ark), ca_role + ".signed_by_ark", "snp.chain_untrusted",
                        ca_role + " (" + ca.subject_cn() + ") is not signed by ARK-" + pname);
  check_validity(ck, ca, ca_role, now);
  check_crl_link(ck, ca, ca_role, kds_crl_url(product, vlek));

  const std::string vek_role = vlek ? "VLEK" : "VCEK";
  check_cert_form(ck, vek, vek_role, "SEV-" + vek_role, ca_cn);
  ck.check(vek.public_key().is_ec() && vek.public_key().curve_name() == "secp384r1", vek_role + ".key",
           "snp.cert_invalid", vek_role + " public key is not ECDSA P-384");
  chain = ck.check(signed_by(vek, ca), vek_role + ".signed_by_" + ca_role, "snp.chain_untrusted",
                   vek_role + " is not signed by " + ca_role + " " + ca.subject_cn() +
                       (vlek ? " (a VLEK must chain to the ASVK)" : "")) &&
          chain;
  check_validity(ck, vek, vek_role, now);
  res.chain_verified = chain;

  // Revocation, when a CRL is given: it must be the ARK's, and name neither the CA nor the VEK.
  if (opts.crl_der) {
    auto crl = crl_from_pem_or_der(*opts.crl_der);
    if (!crl) {
      ck.fail("snp.crl_invalid", "the CRL does not parse: " + crl.error().message);
    } else if (!crl->issued_by(ark) || !crl->verify_signature(ark.public_key())) {
      ck.fail("snp.crl_invalid", "the CRL is not issued and signed by ARK-" + pname);
    } else {
      ck.check(!crl->is_revoked(ca), ca_role + ".not_revoked", "snp.cert_revoked",
               ca_role + " serial " + ca.serial_hex() + " is revoked by the ARK's CRL");
      ck.check(!crl->is_revoked(vek), vek_role + ".not_revoked", "snp.cert_revoked",
               vek_role + " serial " + vek.serial_hex() + " is revoked by the ARK's CRL");
    }
  }
}

VerifyResult verify_report(const Report& report, const std::vector<CertTableEntry>& certs,
                           const VerifyOptions& opts) {
  VerifyResult res;
  Session session{opts, res};
  Checker& ck = session.ck;
  auto parse_cert = [&](ByteView der) { return session.parse_cert(der); };

  // --- Product line -----------------------------------------------------------------------------
  Product product = report.product();
  if (report.has_cpuid() && product == Product::unknown)
    ck.fail("snp.product_unknown", "CPUID family " + std::to_string(report.cpuid_fam_id) + " model " +
                                       std::to_string(report.cpuid_mod_id) +
                                       " is not a known SNP product line");
  if (opts.product) {
    if (product != Product::unknown && product != *opts.product)
      ck.fail("snp.product_mismatch",
              "report CPUID says " + product_str(product) + ", expected " + product_str(*opts.product));
    if (product == Product::unknown) product = *opts.product;
  }
  if (!report.has_cpuid() && !opts.product)
    ck.fail("snp.product_unknown", "a version 2 report carries no CPUID: give the product line (--product)");
  res.product = product;

  // --- Report format / policy (validate) ----------------------------------------------------------
  if (report.version < opts.min_version)
    ck.fail("snp.report_version_too_old",
            "report version " + std::to_string(report.version) + " is below the minimum " +
                std::to_string(opts.min_version) +
                " (Trustee: \"Attestation Report version is too old. Please update your firmware.\")");
  else if (report.version > opts.max_version)
    ck.fail("snp.report_version_unsupported", "report version " + std::to_string(report.version) +
                                                  " is above " + std::to_string(opts.max_version));
  else
    ck.pass("report.version");
  if (opts.require_mbz) {
    auto v = report.mbz_violations();
    std::string list;
    for (const auto& s : v) list += (list.empty() ? "" : ", ") + s;
    ck.check(v.empty(), "report.reserved", "snp.reserved_nonzero",
             "reserved fields are not as the ABI requires: " + list);
  }
  if (opts.vmpl)
    ck.check(report.vmpl == *opts.vmpl, "report.vmpl",
             *opts.vmpl == 0 ? "snp.vmpl_not_zero" : "snp.vmpl_mismatch",
             "VMPL is " + std::to_string(report.vmpl) + ", expected " + std::to_string(*opts.vmpl) +
                 " (Trustee: \"VMPL Check Failed\")");
  const GuestPolicy pol = report.decoded_policy();
  if (!opts.allow_debug)
    ck.check(!pol.debug, "policy.debug", "snp.debug_allowed",
             "guest policy allows debugging (POLICY bit 19)");
  if (!opts.allow_migrate_ma)
    ck.check(!pol.migrate_ma, "policy.migrate_ma", "snp.migrate_ma_allowed",
             "guest policy allows a migration agent (POLICY bit 18)");
  if (!opts.allow_smt)
    ck.check(!pol.smt, "policy.smt", "snp.smt_allowed", "guest policy allows SMT (POLICY bit 16)");
  if (product != Product::unknown) {
    const Tcb reported = decode_tcb(report.reported_tcb, product);
    if (opts.minimum_tcb)
      ck.check(tcb_at_least(reported, *opts.minimum_tcb), "policy.minimum_tcb", "snp.tcb_below_minimum",
               "reported TCB (" + tcb_to_string(reported) + ") is below the minimum (" +
                   tcb_to_string(*opts.minimum_tcb) + ")");
  }
  if (opts.minimum_guest_svn)
    ck.check(report.guest_svn >= *opts.minimum_guest_svn, "policy.guest_svn", "snp.guest_svn_below_minimum",
             "guest SVN " + std::to_string(report.guest_svn) + " is below " +
                 std::to_string(*opts.minimum_guest_svn));
  if (!opts.permit_provisional_firmware)
    ck.check(report.committed == report.current && report.committed_tcb == report.current_tcb,
             "policy.committed", "snp.provisional_firmware",
             "firmware is provisional: committed version/TCB differ from current");
  if (opts.measurement)
    ck.check(padded_equal(report.measurement, *opts.measurement) && opts.measurement->size() == 48,
             "report.measurement", "snp.measurement_mismatch",
             "measurement " + hex_encode(report.measurement) + " is not the expected " +
                 hex_encode(*opts.measurement));
  if (opts.host_data)
    ck.check(padded_equal(report.host_data, *opts.host_data), "report.host_data", "snp.host_data_mismatch",
             "host_data " + hex_encode(report.host_data) + " is not the expected " +
                 hex_encode(*opts.host_data) + " (Trustee: \"Host Data Mismatch\")");
  if (opts.report_data)
    ck.check(padded_equal(report.report_data, *opts.report_data), "report.report_data",
             "snp.report_data_mismatch",
             "report_data " + hex_encode(report.report_data) + " is not the expected " +
                 hex_encode(*opts.report_data) + " (Trustee: \"Report Data Mismatch\")");
  if (opts.family_id)
    ck.check(padded_equal(report.family_id, *opts.family_id), "report.family_id", "snp.family_id_mismatch",
             "family_id " + hex_encode(report.family_id) + " is not the expected one");
  if (opts.image_id)
    ck.check(padded_equal(report.image_id, *opts.image_id), "report.image_id", "snp.image_id_mismatch",
             "image_id " + hex_encode(report.image_id) + " is not the expected one");

  // --- Signer and certificates (verify) ----------------------------------------------------------
  const SignerInfo signer = report.decoded_signer();
  res.signer = signer.signing_key;
  const bool vlek = signer.signing_key == SigningKey::vlek;
  if (signer.signing_key != SigningKey::vcek && !vlek) {
    ck.fail("snp.signer_unsupported", "report signing key is " + signing_key_name(signer.signing_key) +
                                          "; only VCEK and VLEK can be verified");
    return res;
  }
  if (product == Product::unknown) return res;  // nothing below can be chosen without a product

  // VEK: from the evidence, or fetched from a KDS (VCEK only).
  const CertKind vek_kind = vlek ? CertKind::vlek : CertKind::vcek;
  const std::string vek_role = vlek ? "VLEK" : "VCEK";
  std::optional<Cert> vek;
  if (const auto* e = find_entry(certs, vek_kind)) {
    auto c = parse_cert(e->data);
    if (!c)
      ck.fail("snp.cert_invalid",
              vek_role + " in the evidence is not a DER certificate: " + c.error().message);
    else
      vek = *c;
  } else if (!vlek && opts.fetch_vcek) {
    auto der = opts.fetch_vcek(product, report.chip_id, decode_tcb(report.reported_tcb, product));
    if (!der) {
      ck.fail("snp.vek_unavailable", "no VCEK in the evidence and the KDS fetch failed: " +
                                         der.error().message + " [" + der.error().code + "]");
    } else if (auto c = cert_from_der(*der); !c) {
      ck.fail("snp.vek_unavailable", "the KDS returned something that is not a DER certificate");
    } else {
      vek = *c;
      res.vek_fetched = true;
    }
  } else {
    const bool other = find_entry(certs, vlek ? CertKind::vcek : CertKind::vlek) != nullptr;
    ck.fail("snp.vek_missing",
            "the report is signed by a " + vek_role + " but the evidence carries " +
                (other ? std::string(vlek ? "a VCEK" : "a VLEK") + " instead" : "no " + vek_role) +
                (vlek ? "" : "; pass it, or allow a KDS fetch"));
  }
  if (!vek) return res;
  res.vek = *vek;
  session.check_chain(product, vlek, *vek, certs);
  const std::string pname = product_str(product);

  auto ext = parse_kds_extensions(*vek);
  if (!ext) {
    ck.fail(ext.error().code, vek_role + ": " + ext.error().message);
  } else {
    res.vek_extensions = *ext;
    auto named = product_from_name(ext->product_name);
    ck.check(named && *named == product, vek_role + ".product", "snp.product_mismatch",
             vek_role + " productName '" + ext->product_name + "' is not " + pname);
    // Stepping: from productName "Milan-B1" (when it has one) and from the report's CPUID.
    if (opts.stepping) {
      std::optional<int> got;
      if (report.has_cpuid()) got = report.cpuid_step;
      auto dash = ext->product_name.find("-B");
      if (!got && dash != std::string::npos) got = std::atoi(ext->product_name.c_str() + dash + 2);
      if (got)
        ck.check(
            *got == *opts.stepping, "product.stepping", "snp.stepping_mismatch",
            "expected product stepping " + std::to_string(*opts.stepping) + ", got " + std::to_string(*got));
    }
    // Reported TCB must equal the SPLs the VEK was issued for.
    const Tcb reported = decode_tcb(report.reported_tcb, product);
    std::vector<std::string> diff;
    auto cmp = [&](const char* n, std::uint8_t cert_v, std::uint8_t rep_v, const char* trustee) {
      if (cert_v != rep_v)
        diff.push_back(std::string(n) + " certificate " + std::to_string(cert_v) + " vs report " +
                       std::to_string(rep_v) + " (Trustee: \"" + trustee + "\")");
    };
    cmp("ucodeSPL", ext->tcb.microcode, reported.microcode, "Microcode version mismatch");
    cmp("snpSPL", ext->tcb.snp, reported.snp, "SNP version mismatch");
    cmp("teeSPL", ext->tcb.tee, reported.tee, "TEE version mismatch");
    cmp("blSPL", ext->tcb.bootloader, reported.bootloader, "Boot loader version mismatch");
    if (product == Product::turin) {
      if (!ext->tcb.fmc)
        diff.push_back("fmcSPL missing from a Turin certificate");
      else
        cmp("fmcSPL", *ext->tcb.fmc, reported.fmc.value_or(0), "FMC version mismatch");
    }
    std::string text;
    for (const auto& d : diff) text += (text.empty() ? "" : "; ") + d;
    ck.check(diff.empty(), "tcb.matches_" + vek_role, "snp.tcb_mismatch",
             "reported TCB differs from the " + vek_role + ": " + text);
    // hwID = CHIP_ID for a VCEK (8 bytes on Turin). Trustee's own check compares CN "VCEK" and so never
    // runs on real certificates (evidence.md 1.5); we run it, as go-sev-guest and CCF do.
    if (!vlek) {
      if (!ext->hwid) {
        ck.fail("snp.cert_extension_missing", "VCEK has no hwID extension");
      } else {
        const std::size_t n = product == Product::turin ? 8 : 64;
        bool same = ext->hwid->size() >= n &&
                    std::equal(report.chip_id.begin(), report.chip_id.begin() + static_cast<long>(n),
                               ext->hwid->begin());
        ck.check(same, "chip_id.matches_vcek", "snp.chip_id_mismatch",
                 "CHIP_ID " + hex_encode(ByteView(report.chip_id).first(n)) + " is not the VCEK's hwID " +
                     hex_encode(*ext->hwid) + " (Trustee: \"Chip ID mismatch\")");
      }
    } else {
      ck.check(ext->csp_id.has_value(), "VLEK.csp_id", "snp.cert_extension_missing",
               "VLEK has no cspID extension");
    }
  }

  // Report signature.
  if (report.signature_algo != kSigAlgoEcdsaP384Sha384) {
    ck.fail("snp.signature_algo_unsupported", "SIGNATURE_ALGO is " + std::to_string(report.signature_algo) +
                                                  "; only 1 (ECDSA P-384 with SHA-384) is defined");
  } else {
    EcdsaSignature sig{signature_r_be(report), signature_s_be(report)};
    bool good = signature_padding_zero(report) &&
                ecdsa_verify_digest(vek->public_key(), sha384(report.signed_bytes()), sig);
    res.signature_verified = ck.check(good, "report.signature", "snp.signature_invalid",
                                      "the report signature does not verify with the " + vek_role +
                                          " (Trustee: \"Signature validation failed.\")");
  }
  return res;
}

VerifyResult verify_vek_chain(const Cert& vek, Product product, const std::vector<CertTableEntry>& certs,
                              const VerifyOptions& opts) {
  VerifyResult res;
  Session session{opts, res};
  const bool vlek = vek.subject_cn() == "SEV-VLEK";
  res.product = product;
  res.signer = vlek ? SigningKey::vlek : SigningKey::vcek;
  res.vek = vek;
  session.check_chain(product, vlek, vek, certs);
  auto ext = parse_kds_extensions(vek);
  if (!ext) {
    session.ck.fail(ext.error().code, std::string(vlek ? "VLEK" : "VCEK") + ": " + ext.error().message);
  } else {
    res.vek_extensions = *ext;
    auto named = product_from_name(ext->product_name);
    session.ck.check(named && *named == product, "vek.product", "snp.product_mismatch",
                     "productName '" + ext->product_name + "' is not " + product_name(product));
  }
  return res;
}

VerifyResult verify_evidence(const SnpEvidence& evidence, const VerifyOptions& opts) {
  static const std::vector<CertTableEntry> none;
  return verify_report(evidence.report, evidence.cert_chain ? *evidence.cert_chain : none, opts);
}

nlohmann::json trustee_claims(const Report& r, Product product) {
  const GuestPolicy p = r.decoded_policy();
  const PlatformInfo pi = r.decoded_platform_info();
  const Tcb t = decode_tcb(r.reported_tcb, product == Product::turin ? Product::turin : Product::milan);
  return nlohmann::json{
      {"policy_abi_major", p.abi_major},
      {"policy_abi_minor", p.abi_minor},
      {"policy_smt_allowed", p.smt},
      {"policy_migrate_ma", p.migrate_ma},
      {"policy_debug_allowed", p.debug},
      {"policy_single_socket", p.single_socket},
      {"reported_tcb_bootloader", t.bootloader},
      {"reported_tcb_tee", t.tee},
      {"reported_tcb_snp", t.snp},
      {"reported_tcb_microcode", t.microcode},
      {"platform_tsme_enabled", pi.tsme_enabled},
      {"platform_smt_enabled", pi.smt_enabled},
      {"measurement", hex_encode(r.measurement)},
      {"report_data", hex_encode(r.report_data)},
      {"init_data", hex_encode(r.host_data)},
      {"chip_id", hex_encode(r.chip_id)},
  };
}

nlohmann::json result_to_json(const VerifyResult& res) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : res.failures) failures.push_back({{"code", f.code}, {"message", f.message}});
  nlohmann::json j{{"verdict", res.ok() ? "verified" : "rejected"},
                   {"product", product_name(res.product)},
                   {"signer", signing_key_name(res.signer)},
                   {"chain_verified", res.chain_verified},
                   {"signature_verified", res.signature_verified},
                   {"vek_fetched", res.vek_fetched},
                   {"failures", failures},
                   {"checks_passed", res.passed}};
  if (res.vek_extensions) {
    const auto& e = *res.vek_extensions;
    j["vek"] = {{"product_name", e.product_name}, {"tcb", tcb_to_string(e.tcb)}};
    if (e.hwid) j["vek"]["hwid"] = hex_encode(*e.hwid);
    if (e.csp_id) j["vek"]["csp_id"] = *e.csp_id;
  }
  return j;
}

}  // namespace coco::snp
