// Simulated reports through the verifier: every product line, VCEK and VLEK, versions 2, 3 and 5 verify;
// every named failure is produced by the mutation that should produce it.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"
#include "sim_world.h"
#include "snp/snp.h"

using namespace coco;
using namespace coco::snp;

namespace {

using test_world::authority;
using test_world::codes;
const TrustedRoots& roots() {
  static TrustedRoots r = simulated_roots(authority());
  return r;
}
VerifyOptions sim_options(VerifyOptions o = VerifyOptions::trustee()) {
  o.roots = &roots();
  return o;
}
SignedReport make(Product p, bool vlek, std::uint32_t version = 3) {
  LaunchDescription d;
  d.product = p;
  d.vlek = vlek;
  d.version = version;
  d.report_data = Bytes{1, 2, 3};
  return *sign_report(authority(), d);
}

}  // namespace

struct Matrix {
  Product product;
  bool vlek;
  std::uint32_t version;
};

[[maybe_unused]] void PrintTo(const Matrix& m, std::ostream* os) {
  *os << product_name(m.product) << (m.vlek ? " VLEK" : " VCEK") << " v" << m.version;
}

class SnpSimMatrix : public ::testing::TestWithParam<Matrix> {};

TEST_P(SnpSimMatrix, Verifies) {
  auto [p, vlek, version] = GetParam();
  auto s = make(p, vlek, version);
  auto opts = sim_options(version == 2 ? VerifyOptions::crypto_only() : VerifyOptions::trustee());
  if (version == 2) opts.product = p;
  auto res = verify_evidence(s.evidence(), opts);
  EXPECT_TRUE(res.ok()) << codes(res);
  EXPECT_TRUE(res.chain_verified);
  EXPECT_TRUE(res.signature_verified);
  EXPECT_EQ(res.product, p);
  EXPECT_EQ(res.signer, vlek ? SigningKey::vlek : SigningKey::vcek);
  // The same report through the extended-report certificate table and the raw bytes.
  auto parsed = parse_report(s.raw);
  ASSERT_TRUE(parsed);
  auto table = parse_cert_table(encode_cert_table(s.cert_table));
  ASSERT_TRUE(table);
  EXPECT_TRUE(verify_report(*parsed, *table, opts).ok());
  // Trustee JSON round trip is lossless.
  auto back = evidence_from_json(evidence_to_json(s.evidence(), p), p);  // v2: the caller names the product
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->report.encode(), s.raw);
}

INSTANTIATE_TEST_SUITE_P(AllProducts, SnpSimMatrix,
                         ::testing::Values(Matrix{Product::milan, false, 2}, Matrix{Product::milan, false, 3},
                                           Matrix{Product::milan, false, 5}, Matrix{Product::milan, true, 3},
                                           Matrix{Product::milan, true, 5}, Matrix{Product::genoa, false, 2},
                                           Matrix{Product::genoa, false, 3}, Matrix{Product::genoa, false, 5},
                                           Matrix{Product::genoa, true, 3}, Matrix{Product::genoa, true, 5},
                                           Matrix{Product::turin, false, 2}, Matrix{Product::turin, false, 3},
                                           Matrix{Product::turin, false, 5}, Matrix{Product::turin, true, 3},
                                           Matrix{Product::turin, true, 5}),
                         [](const auto& p) {
                           return product_name(p.param.product) + (p.param.vlek ? "Vlek" : "Vcek") + "V" +
                                  std::to_string(p.param.version);
                         });

TEST(SnpSim, DeterministicFromSeed) {
  auto a = make(Product::genoa, false);
  auto b = make(Product::genoa, false);
  EXPECT_EQ(a.raw, b.raw);  // RFC 6979 signatures and seeded keys
  EXPECT_TRUE(a.vek.cert.public_key().same_public(b.vek.cert.public_key()));
}

TEST(SnpSim, TurinLayoutAndHwid) {
  auto s = make(Product::turin, false, 5);
  EXPECT_TRUE(all_zero(ByteView(s.report.chip_id).subspan(8)));
  auto ext = parse_kds_extensions(s.vek.cert);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->hwid->size(), 8u);
  EXPECT_EQ(*ext->struct_version, 1u);
  EXPECT_TRUE(ext->tcb.fmc.has_value());
  EXPECT_EQ(decode_tcb(s.report.reported_tcb, Product::turin), ext->tcb);
}

TEST(SnpSim, ExtensionOrderMatchesRealCertificates) {
  auto milan = make(Product::milan, false).vek.cert.extension_oids();
  std::vector<std::string> want = {oid::kStructVersion, oid::kProductName, oid::kBlSpl, oid::kTeeSpl,
                                   oid::kSpl4,          oid::kSpl5,        oid::kSpl6,  oid::kSpl7,
                                   oid::kSnpSpl,        oid::kUcodeSpl,    oid::kHwId};
  EXPECT_EQ(milan, want);
  auto turin = make(Product::turin, false).vek.cert.extension_oids();
  std::vector<std::string> want_turin = {oid::kStructVersion, oid::kProductName, oid::kFmcSpl, oid::kBlSpl,
                                         oid::kTeeSpl,        oid::kSnpSpl,      oid::kSpl5,   oid::kSpl6,
                                         oid::kSpl7,          oid::kUcodeSpl,    oid::kHwId};
  EXPECT_EQ(turin, want_turin);
  auto vlek = make(Product::milan, true).vek.cert;
  EXPECT_EQ(vlek.extension_oids().back(), oid::kCspId);
  EXPECT_EQ(vlek.serial_hex(), "0");
  EXPECT_EQ(vlek.issuer_cn(), "SEV-VLEK-Milan");
}

// --- Named failures -----------------------------------------------------------------------------

TEST(SnpReject, SignedAreaByteFlip) {
  auto s = make(Product::milan, false);
  for (std::size_t off : {std::size_t{0x04}, std::size_t{0x50}, std::size_t{0x90}, std::size_t{0x29F}}) {
    Bytes raw = s.raw;
    raw[off] ^= 0x01;
    auto r = parse_report(raw);
    ASSERT_TRUE(r);
    auto res = verify_report(*r, s.cert_table, sim_options(VerifyOptions::crypto_only()));
    EXPECT_TRUE(res.has("snp.signature_invalid")) << "offset " << off << "\n" << codes(res);
  }
}

TEST(SnpReject, SignatureBytesFlip) {
  auto s = make(Product::genoa, false);
  Bytes raw = s.raw;
  raw[0x2A0] ^= 0x01;
  auto res = verify_report(*parse_report(raw), s.cert_table, sim_options());
  EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
}

TEST(SnpReject, ReportedTcbChangedAndResigned) {
  // Re-signing isolates the TCB check: the signature is good, the TCB no longer matches the VCEK.
  auto s = make(Product::milan, false);
  Report r = s.report;
  Tcb t = decode_tcb(r.reported_tcb, Product::milan);
  t.microcode++;
  r.reported_tcb = encode_tcb(t, Product::milan);
  resign(r, s.vek.key);
  auto res = verify_report(r, s.cert_table, sim_options());
  EXPECT_TRUE(res.has("snp.tcb_mismatch")) << codes(res);
  EXPECT_FALSE(res.has("snp.signature_invalid"));
  EXPECT_EQ(res.failures.size(), 1u) << codes(res);
}

TEST(SnpReject, ReportedTcbByteFlipWithoutResign) {
  auto s = make(Product::milan, false);
  Bytes raw = s.raw;
  raw[0x180] += 1;  // Trustee's negative: first REPORTED_TCB byte
  auto res = verify_report(*parse_report(raw), s.cert_table, sim_options());
  EXPECT_TRUE(res.has("snp.tcb_mismatch")) << codes(res);
  EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
}

TEST(SnpReject, ChipIdChanged) {
  auto s = make(Product::milan, false);
  Report r = s.report;
  r.chip_id[5] ^= 0xFF;
  resign(r, s.vek.key);
  auto res = verify_report(r, s.cert_table, sim_options());
  EXPECT_TRUE(res.has("snp.chip_id_mismatch")) << codes(res);
  EXPECT_EQ(res.failures.size(), 1u) << codes(res);
}

TEST(SnpReject, TurinChipIdComparedOverEightBytes) {
  auto s = make(Product::turin, false, 5);
  Report r = s.report;
  r.chip_id[7] ^= 0x01;
  resign(r, s.vek.key);
  EXPECT_TRUE(verify_report(r, s.cert_table, sim_options()).has("snp.chip_id_mismatch"));
}

TEST(SnpReject, VcekByteFlip) {
  auto s = make(Product::milan, false);
  auto table = s.cert_table;
  // Flip a byte inside the signed TBS (the public key) so the DER still parses.
  Bytes& der = table[0].data;
  der[der.size() / 2] ^= 0x01;
  auto res = verify_report(s.report, table, sim_options());
  EXPECT_TRUE(res.has("snp.chain_untrusted") || res.has("snp.cert_invalid")) << codes(res);
  EXPECT_FALSE(res.ok());
}

TEST(SnpReject, VcekFromAnotherChip) {
  auto s = make(Product::milan, false);
  VekRequest req;
  req.product = Product::milan;
  req.tcb = decode_tcb(s.report.reported_tcb, Product::milan);
  req.chip_id = Bytes(64, 0x42);
  auto other = authority().issue_vcek(req);
  auto table = s.cert_table;
  table[0].data = other.cert.der();
  auto res = verify_report(s.report, table, sim_options());
  EXPECT_TRUE(res.has("snp.chip_id_mismatch")) << codes(res);
  EXPECT_TRUE(res.has("snp.signature_invalid")) << codes(res);
  EXPECT_TRUE(res.chain_verified);  // the other VCEK is genuine; it just did not sign this report
}

TEST(SnpReject, UntrustedRoots) {
  // A whole different simulated AMD (other seed) is not trusted by this one's roots.
  AmdAuthority rogue("rogue-amd", test::key_cache_dir());
  LaunchDescription d;
  d.product = Product::genoa;
  auto s = *sign_report(rogue, d);
  auto res = verify_evidence(s.evidence(), sim_options());
  EXPECT_TRUE(res.has("snp.chain_untrusted")) << codes(res);
  // And the real AMD roots reject the simulated world.
  auto real = verify_evidence(make(Product::genoa, false).evidence(), VerifyOptions::trustee());
  EXPECT_TRUE(real.has("snp.chain_untrusted")) << codes(real);
  // Evidence carrying a foreign ARK is named as such.
  auto with_ark = make(Product::milan, false).cert_table;
  with_ark[2].data = rogue.ca(Product::milan).ark.der();
  EXPECT_TRUE(
      verify_report(make(Product::milan, false).report, with_ark, sim_options()).has("snp.chain_untrusted"));
}

TEST(SnpReject, VlekWithWrongAsvk) {
  // A VLEK chain presented with the ASK (the VCEK CA) in place of the ASVK.
  auto s = make(Product::milan, true);
  auto table = s.cert_table;
  table[1] = {guid_of(CertKind::ask), CertKind::ask, authority().ca(Product::milan).ask.der()};
  auto res = verify_report(s.report, table, sim_options());
  EXPECT_TRUE(res.has("snp.chain_untrusted")) << codes(res);
}

TEST(SnpReject, SignerMismatchAndMissingVek) {
  auto s = make(Product::milan, true);
  auto res = verify_report(s.report, {}, sim_options());
  EXPECT_TRUE(res.has("snp.vek_missing")) << codes(res);
  Report r = s.report;
  r.signer_info = 7 << 2;  // SIGNING_KEY none
  EXPECT_TRUE(verify_report(r, s.cert_table, sim_options()).has("snp.signer_unsupported"));
}

TEST(SnpReject, PolicyChecks) {
  LaunchDescription d;
  d.product = Product::genoa;
  d.vmpl = 1;
  d.policy = 0x30000 | (1 << 19) | (1 << 18);
  d.host_data = Bytes(32, 0x11);
  auto s = *sign_report(authority(), d);
  auto o = sim_options();
  o.allow_debug = false;
  o.allow_migrate_ma = false;
  o.allow_smt = false;
  o.minimum_tcb = Tcb{std::nullopt, 99, 0, 0, 0};
  o.minimum_guest_svn = 3;
  o.measurement = Bytes(48, 0xAA);
  o.host_data = Bytes(32, 0x22);
  o.report_data = Bytes{9, 9};
  auto res = verify_evidence(s.evidence(), o);
  for (const char* code : {"snp.vmpl_not_zero", "snp.debug_allowed", "snp.migrate_ma_allowed",
                           "snp.smt_allowed", "snp.tcb_below_minimum", "snp.guest_svn_below_minimum",
                           "snp.measurement_mismatch", "snp.host_data_mismatch", "snp.report_data_mismatch"})
    EXPECT_TRUE(res.has(code)) << code << "\n" << codes(res);
  EXPECT_TRUE(res.signature_verified);  // all checks ran, not just the first
}

TEST(SnpReject, VersionAndReservedFields) {
  auto s = make(Product::milan, false, 2);
  auto o = sim_options();
  o.product = Product::milan;
  EXPECT_TRUE(verify_evidence(s.evidence(), o).has("snp.report_version_too_old"));
  Report r = make(Product::milan, false).report;
  r.reserved_208[3] = 1;
  resign(r, make(Product::milan, false).vek.key);
  EXPECT_TRUE(
      verify_report(r, make(Product::milan, false).cert_table, sim_options()).has("snp.reserved_nonzero"));
}

TEST(SnpReject, ProductAndStepping) {
  auto s = make(Product::milan, false);
  auto o = sim_options();
  o.product = Product::genoa;
  EXPECT_TRUE(verify_evidence(s.evidence(), o).has("snp.product_mismatch"));
  auto o2 = sim_options();
  o2.stepping = 12;
  auto res = verify_evidence(s.evidence(), o2);
  ASSERT_TRUE(res.has("snp.stepping_mismatch"));
  // v2 without a product is a named error, not a guess.
  auto v2 = make(Product::milan, false, 2);
  EXPECT_TRUE(
      verify_evidence(v2.evidence(), sim_options(VerifyOptions::crypto_only())).has("snp.product_unknown"));
}

TEST(SnpReject, ExpiredCertificates) {
  auto s = make(Product::milan, false);
  auto o = sim_options();
  o.now = utc_time(2040, 1, 1);
  EXPECT_TRUE(verify_evidence(s.evidence(), o).has("snp.cert_expired"));
  o.now = utc_time(2020, 1, 1);
  EXPECT_TRUE(verify_evidence(s.evidence(), o).has("snp.cert_not_yet_valid"));
}

TEST(SnpClaims, TrusteeShape) {
  auto s = make(Product::genoa, false);
  auto c = trustee_claims(s.report, Product::genoa);
  EXPECT_TRUE(c["policy_smt_allowed"].is_boolean());
  EXPECT_TRUE(c["reported_tcb_microcode"].is_number_integer());
  EXPECT_EQ(c["reported_tcb_microcode"], 84);
  EXPECT_EQ(c["report_data"].get<std::string>().substr(0, 6), "010203");
  EXPECT_EQ(c["measurement"].get<std::string>().size(), 96u);
  EXPECT_EQ(c.size(), 16u);
}

TEST(SnpLaunchYaml, ParsesAndRejects) {
  auto d = launch_from_yaml(
      "product: Turin\nversion: 5\nsigner: vlek\nreport_data: 0a0b\ntcb: {fmc: 2, bl: 3, tee: 1, snp: 5, "
      "ucode: 90}\npolicy: 0x30000\n");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->product, Product::turin);
  EXPECT_TRUE(d->vlek);
  EXPECT_EQ(*d->tcb->fmc, 2);
  auto s = sign_report(authority(), *d);
  ASSERT_TRUE(s);
  EXPECT_TRUE(verify_evidence(s->evidence(), sim_options()).ok());
  EXPECT_EQ(launch_from_yaml("prodcut: Milan\n").error().code, "snp.launch_invalid");
  EXPECT_EQ(launch_from_yaml("report_data: xyz\n").error().code, "snp.launch_invalid");
  EXPECT_EQ(launch_from_yaml("[1, 2").error().code, "snp.launch_invalid");
  LaunchDescription big;
  big.report_data = Bytes(65, 1);
  EXPECT_EQ(sign_report(authority(), big).error().code, "snp.launch_invalid");
}
