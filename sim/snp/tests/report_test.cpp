#include "snp/report.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/test_support.h"
#include "snp/certs.h"

using namespace coco;
using namespace coco::snp;

using test::corpus_file;

TEST(SnpReport, RejectsWrongSizeAndUnknownVersion) {
  auto r = parse_report(Bytes(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "snp.report_size");
  Bytes b(kReportSize, 0);
  b[0] = 6;
  r = parse_report(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "snp.report_version_unknown");
  b[0] = 1;
  EXPECT_FALSE(parse_report(b));
}

TEST(SnpReport, RoundTripIsByteIdenticalEvenWithReservedBytes) {
  Bytes b(kReportSize);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::uint32_t v : {2u, 3u, 5u}) {
    store_le32(b, 0, v);
    auto r = parse_report(b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->encode(), b);
    EXPECT_FALSE(r->mbz_violations().empty());
  }
}

TEST(SnpReport, FieldOffsets) {
  Report r;
  r.version = 3;
  r.vmpl = 0x11223344;
  r.reported_tcb = 0x0102030405060708ull;
  r.chip_id[0] = 0xAB;
  r.current = {40, 55, 1};
  r.launch_mit_vector = 0x99;
  r.signature_r[0] = 0xCD;
  r.reserved_330[0x16F] = 0xEF;
  Bytes b = r.encode();
  EXPECT_EQ(load_le32(b, 0x30), 0x11223344u);
  EXPECT_EQ(load_le64(b, 0x180), 0x0102030405060708ull);
  EXPECT_EQ(b[0x1A0], 0xAB);
  EXPECT_EQ(b[0x1E8], 40);
  EXPECT_EQ(b[0x1EA], 1);
  EXPECT_EQ(b[0x1F8], 0x99);
  EXPECT_EQ(b[0x2A0], 0xCD);
  EXPECT_EQ(b[0x49F], 0xEF);
  EXPECT_EQ(r.signed_bytes().size(), 0x2A0u);
}

TEST(SnpTcb, MilanAndTurinLayouts) {
  // CCF: Milan report bytes 04 00 00 00 00 00 18 db -> bl=4 tee=0 snp=0x18 ucode=0xdb.
  auto raw = load_le64(*hex_decode("04000000000018db"), 0);
  Tcb m = decode_tcb(raw, Product::milan);
  EXPECT_EQ(m.bootloader, 4);
  EXPECT_EQ(m.snp, 0x18);
  EXPECT_EQ(m.microcode, 0xdb);
  EXPECT_FALSE(m.fmc);
  EXPECT_EQ(encode_tcb(m, Product::milan), raw);
  // CCF: Turin "1100000022334455" is LE bytes 55 44 33 22 00 00 00 11 -> fmc 0x55 bl 0x44 tee 0x33 snp 0x22
  // ucode 0x11.
  Tcb t = decode_tcb(0x1100000022334455ull, Product::turin);
  EXPECT_EQ(*t.fmc, 0x55);
  EXPECT_EQ(t.bootloader, 0x44);
  EXPECT_EQ(t.tee, 0x33);
  EXPECT_EQ(t.snp, 0x22);
  EXPECT_EQ(t.microcode, 0x11);
  EXPECT_EQ(encode_tcb(t, Product::turin), 0x1100000022334455ull);
}

TEST(SnpPolicy, DecodesKnownValues) {
  auto p = decode_policy(0xB0000);
  EXPECT_TRUE(p.smt);
  EXPECT_TRUE(p.reserved_one);
  EXPECT_TRUE(p.debug);
  EXPECT_FALSE(p.migrate_ma);
  auto q = decode_policy(0x3001F);
  EXPECT_EQ(q.abi_minor, 0x1F);
  EXPECT_EQ(q.abi_major, 0);
  EXPECT_FALSE(q.debug);
  auto s = decode_signer_info(0x4);
  EXPECT_EQ(s.signing_key, SigningKey::vlek);
  auto pi = decode_platform_info(0x27);
  EXPECT_TRUE(pi.smt_enabled);
  EXPECT_TRUE(pi.tsme_enabled);
  EXPECT_TRUE(pi.ecc_enabled);
  EXPECT_TRUE(pi.alias_check_complete);
  EXPECT_EQ(pi.reserved, 0u);
}

TEST(SnpProduct, FromCpuid) {
  EXPECT_EQ(product_from_cpuid(0x19, 0x01), Product::milan);
  EXPECT_EQ(product_from_cpuid(0x19, 0x11), Product::genoa);
  EXPECT_EQ(product_from_cpuid(0x19, 0xA0), Product::genoa);
  EXPECT_EQ(product_from_cpuid(0x1A, 0x02), Product::turin);
  EXPECT_EQ(product_from_cpuid(0x1A, 0x50), Product::unknown);
  EXPECT_EQ(*product_from_name("Milan-B0"), Product::milan);
}

TEST(SnpCertTable, RoundTripAndBounds) {
  std::vector<CertTableEntry> entries = {{guid_of(CertKind::vcek), CertKind::vcek, Bytes{1, 2, 3}},
                                         {guid_of(CertKind::ask), CertKind::ask, Bytes{4, 5}}};
  Bytes t = encode_cert_table(entries);
  auto back = parse_cert_table(t);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].kind, CertKind::vcek);
  EXPECT_EQ((*back)[1].data, (Bytes{4, 5}));
  EXPECT_EQ(guid_to_string(guid_of(CertKind::ark)), "c0b406a4-a803-4952-9743-3fb6014cd0ae");
  Bytes bad = t;
  store_le32(bad, 20, 1000);  // length beyond the buffer
  EXPECT_EQ(parse_cert_table(bad).error().code, "snp.cert_table_bad_entry");
  Bytes into_header = t;
  store_le32(into_header, 16, 0);
  EXPECT_EQ(parse_cert_table(into_header).error().code, "snp.cert_table_bad_entry");
  EXPECT_EQ(parse_cert_table(Bytes(24, 1)).error().code, "snp.cert_table_unterminated");
  EXPECT_EQ(parse_cert_table(Bytes(10)).error().code, "snp.cert_table_truncated");
}

TEST(SnpCorpus, EveryRealReportRoundTrips) {
  COCO_REQUIRE_CORPUS();
  for (const char* f :
       {"snp/ccf_genoa_attestation.bin", "snp/ccf_milan_attestation.bin", "snp/ccf_v2_milan_attestation.bin",
        "snp/go-sev-guest_attestation.bin", "snp/trustee_e2e_evidence_genoa.report.bin",
        "snp/trustee_test-report.bin", "snp/trustee_test-vlek-report.bin", "snp/virtee_report_milan.bin"}) {
    Bytes b = corpus_file(f);
    auto r = parse_report(b);
    ASSERT_TRUE(r) << f;
    EXPECT_EQ(r->encode(), b) << f;
    EXPECT_TRUE(r->mbz_violations().empty()) << f;
  }
}

TEST(SnpCorpus, RealVcekExtensions) {
  COCO_REQUIRE_CORPUS();
  auto parse = [](const std::string& f) {
    auto c = cert_from_der(corpus_file(f));
    EXPECT_TRUE(c) << f;
    auto e = parse_kds_extensions(*c);
    EXPECT_TRUE(e) << f << ": " << (e ? "" : e.error().message);
    return *e;
  };
  auto go = parse("snp/go-sev-guest_vcek.der");
  EXPECT_EQ(go.product_name, "Milan-B0");
  EXPECT_EQ(go.tcb.bootloader, 2);
  EXPECT_EQ(go.tcb.snp, 5);
  EXPECT_EQ(go.tcb.microcode, 68);
  EXPECT_EQ(hex_encode(*go.hwid).substr(0, 8), "3ac3fe21");
  auto turin = parse("snp/virtee_vcek_turin.der");
  EXPECT_EQ(*turin.struct_version, 1u);
  EXPECT_EQ(*turin.tcb.fmc, 0);
  EXPECT_EQ(turin.tcb.microcode, 9);
  EXPECT_EQ(hex_encode(*turin.hwid), "1e550a8ee5cf9f4d");
  auto vlek = parse("snp/trustee_test-vlek.der");
  EXPECT_FALSE(vlek.hwid);
  EXPECT_EQ(*vlek.csp_id, "CN=cc-us-east-2.amazonaws.com");
  EXPECT_EQ(vlek.tcb.microcode, 217);  // a two-byte INTEGER (020200D9)
  auto legacy = parse("snp/trustee_test-vcek-invalid-legacy.der");
  EXPECT_EQ(legacy.hwid->size(), 64u);
  auto fresh = parse("snp/trustee_test-vcek-invalid-new.der");
  EXPECT_FALSE(fresh.hwid_raw);
  EXPECT_EQ(*legacy.hwid, *fresh.hwid);
}
