// Real hardware SNP evidence from shared/corpus: each sample gives the verdict its MANIFEST.json entry
// expects, under the crypto-only profile (go-sev-guest verify) and Trustee's profile; and single-byte
// mutations of the signed area, the reported TCB, the chip id and the VCEK are each rejected with the
// right named reason.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/encoding.h"
#include "core/test_support.h"
#include "sim_world.h"
#include "snp/snp.h"

using namespace coco;
using namespace coco::snp;
using test::corpus_file;
using test_world::codes;

namespace {

std::vector<CertTableEntry> vek_entry(const std::string& file) {
  Bytes data = corpus_file(file);
  auto certs = certs_from_pem_or_der(data);
  EXPECT_TRUE(certs) << file;
  // PEM bundles from CCF hold VCEK, ASK, ARK: the first is the VEK.
  const Cert& c = (*certs)[0];
  CertKind k = c.subject_cn() == "SEV-VLEK" ? CertKind::vlek : CertKind::vcek;
  return {{guid_of(k), k, c.der()}};
}

// Validity is checked at a pinned time: the VLEK sample expired on 2025-12-10.
const SysTime kPinnedNow = utc_time(2025, 6, 1);

struct Case {
  const char* report;
  const char* signer;              // certificate file, or nullptr when the corpus has no signer
  std::optional<Product> product;  // for v2 reports
  bool crypto_ok;                  // go-sev-guest verify: signature, chain, TCB, chip id
  const char* trustee_reason;      // nullptr: Trustee's profile accepts; else the named failure
};

const Case kCases[] = {
    {"snp/ccf_genoa_attestation.bin", "snp/ccf_genoa_endorsements.pem", std::nullopt, true, nullptr},
    {"snp/ccf_milan_attestation.bin", "snp/ccf_milan_endorsements.pem", std::nullopt, true, nullptr},
    {"snp/ccf_v2_milan_attestation.bin", nullptr, Product::milan, false, "snp.report_version_too_old"},
    {"snp/go-sev-guest_attestation.bin", "snp/go-sev-guest_vcek.der", Product::milan, true,
     "snp.report_version_too_old"},
    {"snp/trustee_e2e_evidence_genoa.report.bin", "snp/trustee_e2e_evidence_genoa.vcek.der", std::nullopt,
     true, nullptr},
    {"snp/trustee_test-report.bin", "snp/trustee_test-vcek.der", Product::milan, true,
     "snp.report_version_too_old"},
    {"snp/trustee_test-vlek-report.bin", "snp/trustee_test-vlek.der", std::nullopt, true,
     "snp.vmpl_not_zero"},
    {"snp/virtee_report_milan.bin", "snp/virtee_vcek_milan.der", Product::milan, true,
     "snp.report_version_too_old"},
};

// Readable names in test output instead of a byte dump.
[[maybe_unused]] void PrintTo(const Case& c, std::ostream* os) {
  *os << c.report;
}

VerifyResult run(const Case& c, VerifyOptions o, const Bytes& raw, const std::vector<CertTableEntry>& certs) {
  o.product = c.product;
  o.now = kPinnedNow;
  auto r = parse_report(raw);
  EXPECT_TRUE(r);
  return verify_report(*r, certs, o);
}

}  // namespace

TEST(SnpRealCorpus, EveryReportHasACase) {
  COCO_REQUIRE_CORPUS();
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  auto manifest = nlohmann::json::parse(in);
  std::set<std::string> covered;
  for (const auto& c : kCases) covered.insert(c.report);
  for (const auto& e : manifest["entries"]) {
    if (e["kind"] != "snp-report" || e["path"].get<std::string>().ends_with(".hex")) continue;
    EXPECT_TRUE(covered.count(e["path"].get<std::string>())) << "no verdict case for " << e["path"];
    // The manifest's expectation and our crypto verdict agree.
    for (const auto& c : kCases)
      if (e["path"] == c.report) {
        const std::string expected = e["expected"];
        EXPECT_EQ(expected.rfind("valid", 0) == 0, c.crypto_ok) << c.report << ": " << expected;
      }
  }
}

TEST(SnpRealCorpus, VerdictsMatchManifest) {
  COCO_REQUIRE_CORPUS();
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.report);
    Bytes raw = corpus_file(c.report);
    std::vector<CertTableEntry> certs = c.signer ? vek_entry(c.signer) : std::vector<CertTableEntry>{};
    auto crypto = run(c, VerifyOptions::crypto_only(), raw, certs);
    if (c.crypto_ok) {
      EXPECT_TRUE(crypto.ok()) << codes(crypto);
      EXPECT_TRUE(crypto.chain_verified && crypto.signature_verified);
    } else {
      EXPECT_FALSE(crypto.ok());
    }
    auto trustee = run(c, VerifyOptions::trustee(), raw, certs);
    if (c.trustee_reason) {
      EXPECT_TRUE(trustee.has(c.trustee_reason)) << codes(trustee);
    } else {
      EXPECT_TRUE(trustee.ok()) << codes(trustee);
    }
  }
}

TEST(SnpRealCorpus, GoSevGuestSteppingMessage) {
  COCO_REQUIRE_CORPUS();
  auto o = VerifyOptions::crypto_only();
  o.product = Product::milan;
  o.stepping = 12;
  o.now = kPinnedNow;
  auto res = verify_report(*parse_report(corpus_file("snp/go-sev-guest_attestation.bin")),
                           vek_entry("snp/go-sev-guest_vcek.der"), o);
  ASSERT_TRUE(res.has("snp.stepping_mismatch")) << codes(res);
  for (const auto& f : res.failures)
    if (f.code == "snp.stepping_mismatch") {
      EXPECT_EQ(f.message, "expected product stepping 12, got 0");
    }
  o.stepping = 0;
  EXPECT_TRUE(verify_report(*parse_report(corpus_file("snp/go-sev-guest_attestation.bin")),
                            vek_entry("snp/go-sev-guest_vcek.der"), o)
                  .ok());
}

TEST(SnpRealCorpus, TrusteeEvidenceJson) {
  COCO_REQUIRE_CORPUS();
  auto ev = evidence_from_text(to_string(corpus_file("snp/trustee_e2e_evidence_genoa.json")));
  ASSERT_TRUE(ev) << ev.error().message;
  // The JSON form re-encodes to exactly the raw report the manifest derived from it.
  EXPECT_EQ(ev->report.encode(), corpus_file("snp/trustee_e2e_evidence_genoa.report.bin"));
  ASSERT_TRUE(ev->cert_chain);
  EXPECT_EQ((*ev->cert_chain)[0].data, corpus_file("snp/trustee_e2e_evidence_genoa.vcek.der"));
  auto o = VerifyOptions::trustee();
  o.now = kPinnedNow;
  auto res = verify_evidence(*ev, o);
  EXPECT_TRUE(res.ok()) << codes(res);
  // And our JSON encoding reproduces Trustee's field for field.
  auto original = nlohmann::json::parse(to_string(corpus_file("snp/trustee_e2e_evidence_genoa.json")));
  EXPECT_EQ(evidence_to_json(*ev), original);
  auto claims = trustee_claims(ev->report, res.product);
  EXPECT_EQ(claims["reported_tcb_bootloader"], 10);
  EXPECT_EQ(claims["reported_tcb_microcode"], 25);
  EXPECT_EQ(claims["report_data"].get<std::string>().substr(0, 8), "7e732088");
}

TEST(SnpRealCorpus, InvalidVceksAreRejected) {
  COCO_REQUIRE_CORPUS();
  for (const char* f :
       {"snp/trustee_test-vcek-invalid-legacy.der", "snp/trustee_test-vcek-invalid-new.der"}) {
    auto o = VerifyOptions::crypto_only();
    o.product = Product::milan;
    o.now = kPinnedNow;
    auto res = verify_report(*parse_report(corpus_file("snp/trustee_test-report.bin")), vek_entry(f), o);
    EXPECT_TRUE(res.has("snp.chain_untrusted")) << f << "\n" << codes(res);
  }
}

TEST(SnpRealCorpus, VlekExpiresAfterItsValidity) {
  COCO_REQUIRE_CORPUS();
  auto o = VerifyOptions::crypto_only();
  o.now = utc_time(2026, 1, 1);
  auto res = verify_report(*parse_report(corpus_file("snp/trustee_test-vlek-report.bin")),
                           vek_entry("snp/trustee_test-vlek.der"), o);
  EXPECT_TRUE(res.has("snp.cert_expired")) << codes(res);
}

TEST(SnpRealCorpus, WrongProductEndorsements) {
  COCO_REQUIRE_CORPUS();
  // CCF's negative: a Milan report with the Genoa endorsements.
  auto o = VerifyOptions::crypto_only();
  o.now = kPinnedNow;
  auto res = verify_report(*parse_report(corpus_file("snp/ccf_milan_attestation.bin")),
                           vek_entry("snp/ccf_genoa_endorsements.pem"), o);
  EXPECT_TRUE(res.has("snp.chain_untrusted")) << codes(res);
  EXPECT_TRUE(res.has("snp.product_mismatch")) << codes(res);
}

// Single-byte mutations of every real VCEK-signed sample.
class SnpRealMutation : public ::testing::TestWithParam<Case> {};

TEST_P(SnpRealMutation, SignedAreaTcbChipIdAndVcek) {
  COCO_REQUIRE_CORPUS();
  const Case& c = GetParam();
  const Bytes raw = corpus_file(c.report);
  const auto certs = vek_entry(c.signer);
  const auto o = VerifyOptions::crypto_only();
  // Each signed-area field region: the signature no longer verifies.
  for (std::size_t off :
       {std::size_t{0x00} + 4, std::size_t{0x08}, std::size_t{0x2A}, std::size_t{0x50}, std::size_t{0x90},
        std::size_t{0xC0}, std::size_t{0x140}, std::size_t{0x1F0}, std::size_t{0x29F}}) {
    Bytes m = raw;
    m[off] ^= 0x01;
    auto res = run(c, o, m, certs);
    EXPECT_TRUE(res.has("snp.signature_invalid")) << "offset 0x" << std::hex << off << "\n" << codes(res);
  }
  {  // Reported TCB (Trustee's byte[384] += 1)
    Bytes m = raw;
    m[0x180] = static_cast<std::uint8_t>(m[0x180] + 1);
    auto res = run(c, o, m, certs);
    EXPECT_TRUE(res.has("snp.tcb_mismatch")) << codes(res);
    EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
  }
  {  // Chip id (VCEK only)
    Bytes m = raw;
    m[0x1A0] ^= 0x80;
    auto res = run(c, o, m, certs);
    if (certs[0].kind == CertKind::vcek) {
      EXPECT_TRUE(res.has("snp.chip_id_mismatch")) << codes(res);
    }
    EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
  }
  {  // The VCEK: a byte inside its to-be-signed part (Trustee flips byte 42, virtee byte 40)
    for (std::size_t off : {std::size_t{40}, std::size_t{42}}) {
      auto bad = certs;
      bad[0].data[off] ^= 0x01;
      auto res = run(c, o, raw, bad);
      EXPECT_FALSE(res.ok()) << "VCEK byte " << off;
      EXPECT_TRUE(res.has("snp.chain_untrusted") || res.has("snp.cert_invalid")) << codes(res);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, SnpRealMutation,
                         ::testing::Values(kCases[0], kCases[1], kCases[3], kCases[4], kCases[5], kCases[6],
                                           kCases[7]),
                         [](const auto& p) {
                           std::string n = p.param.report;
                           n = n.substr(4, n.find('.') - 4);
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// Every VCEK/VLEK and AMD chain in the manifest: the chain verdict it expects.
TEST(SnpRealCorpus, CertificateEntriesMatchManifest) {
  COCO_REQUIRE_CORPUS();
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  auto manifest = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& e : manifest["entries"]) {
    const std::string kind = e["kind"], path = e["path"], expected = e["expected"];
    if (!path.starts_with("snp/") && !path.starts_with("amd/")) continue;
    SCOPED_TRACE(path + " (" + expected + ")");
    const bool want_valid = expected.rfind("valid", 0) == 0;
    if (kind == "vcek" || kind == "vlek") {
      auto cert = cert_from_der(corpus_file(path));
      ASSERT_TRUE(cert);
      auto ext = parse_kds_extensions(*cert);
      ASSERT_TRUE(ext) << ext.error().message;
      auto product = product_from_name(ext->product_name);
      ASSERT_TRUE(product);
      auto o = VerifyOptions::crypto_only();
      o.now = kPinnedNow;
      auto res = verify_vek_chain(*cert, *product, {}, o);
      EXPECT_EQ(res.ok(), want_valid) << codes(res);
      if (!want_valid) {
        EXPECT_TRUE(res.has("snp.chain_untrusted")) << codes(res);
      }
      ++checked;
    } else if (kind == "amd-chain") {
      auto certs = certs_from_pem(to_string(corpus_file(path)));
      ASSERT_TRUE(certs);
      const Cert* ark = nullptr;
      for (const auto& c : *certs)
        if (c.subject_cn().starts_with("ARK-")) ark = &c;
      ASSERT_NE(ark, nullptr);
      auto product = product_from_name(ark->subject_cn().substr(4));
      ASSERT_TRUE(product);
      const AmdRoots& pinned = real_amd_roots().at(*product);
      bool ok =
          ark->public_key().same_public(pinned.ark.public_key()) && ark->verify_signature(ark->public_key());
      for (const auto& c : *certs)
        if (&c != ark && !c.subject_cn().starts_with("SEV-VCEK"))
          ok = ok && c.verify_signature(ark->public_key());
      EXPECT_EQ(ok, want_valid);
      ++checked;
    }
  }
  EXPECT_GE(checked, 15);
}

TEST(SnpTrust, EmbeddedRootsMatchPinnedFingerprints) {
  // shared/reference/evidence.md section 5 (fixtures/trust/SOURCES.md repeats them).
  const std::map<Product, std::string> ark_fp = {
      {Product::milan, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
      {Product::genoa, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
      {Product::turin, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"}};
  const std::map<Product, std::string> ask_fp = {
      {Product::milan, "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b"},
      {Product::genoa, "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521"},
      {Product::turin, "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185"}};
  for (const auto& [p, fp] : ark_fp) {
    const AmdRoots& r = real_amd_roots().at(p);
    EXPECT_EQ(hex_encode(r.ark.sha256_fingerprint()), fp) << product_name(p);
    EXPECT_EQ(hex_encode(r.ask.sha256_fingerprint()), ask_fp.at(p)) << product_name(p);
    EXPECT_EQ(r.asvk.subject_cn(), "SEV-VLEK-" + product_name(p));
  }
}
