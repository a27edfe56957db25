// The simulated TD Quoting Enclave and the TD description -> quote generator: generated quotes parse and
// round-trip in every version/body type/chain encoding; their signatures, QE binding and PCK chain check
// out with independent OpenSSL-level calls; generation is deterministic; TD descriptions (code, YAML,
// CCEL replay) map to the right body fields. Corpus-free: the CCEL is built here.
#include "tdx/qe.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"
#include "core/x509.h"
#include "tdx/boot_log.h"

using namespace coco;
using namespace coco::tdx;

namespace {

constexpr const char* kSeed = "qe-test-seed";

// SubjectPublicKeyInfo for a raw P-256 X||Y: the fixed DER prefix (id-ecPublicKey, prime256v1) + 04.
Key p256_from_xy(const std::array<std::uint8_t, 64>& xy) {
  Bytes spki = *hex_decode("3059301306072a8648ce3d020106082a8648ce3d03010703420004");
  spki.insert(spki.end(), xy.begin(), xy.end());
  auto k = public_key_from_der(spki);
  if (!k) throw std::runtime_error(k.error().message);
  return *k;
}

EcdsaSignature split(const std::array<std::uint8_t, 64>& rs) {
  return {Bytes(rs.begin(), rs.begin() + 32), Bytes(rs.begin() + 32, rs.end())};
}

// Splits concatenated DER certificates by their outer SEQUENCE lengths.
std::vector<Cert> split_der_chain(ByteView der) {
  std::vector<Cert> out;
  std::size_t off = 0;
  while (off < der.size()) {
    if (der.size() - off < 4 || der[off] != 0x30 || der[off + 1] != 0x82)
      throw std::runtime_error("unexpected DER");
    const std::size_t len = 4 + ((static_cast<std::size_t>(der[off + 2]) << 8) | der[off + 3]);
    if (off + len > der.size()) throw std::runtime_error("DER truncated");
    auto c = cert_from_der(der.subspan(off, len));
    if (!c) throw std::runtime_error(c.error().message);
    out.push_back(*c);
    off += len;
  }
  return out;
}

std::vector<Cert> chain_of(const Quote& q) {
  const Bytes& data = q.signed_data.certification.cert_data;
  if (pck_chain_encoding(data) == PckChainEncoding::der) return split_der_chain(data);
  auto certs = certs_from_pem_or_der(data);
  if (!certs) throw std::runtime_error(certs.error().message);
  return *certs;
}

TdDescription sample_td() {
  TdDescription td;
  td.mr_td.fill(0x11);
  td.mr_config_id.fill(0x22);
  td.report_data.fill(0x33);
  td.tee_tcb_svn2 = td.tee_tcb_svn;
  td.mr_servicetd.fill(0x44);
  return td;
}

TdQuoteBody sample_body() {
  return *make_td_body(sample_td());
}

Bytes text(std::string_view s) {
  return to_bytes(as_bytes(s));
}

// The simulated TDVF boot log (tdx/boot_log.h) in a CCEL area.
Bytes sample_ccel() {
  Bytes area = simulated_tdvf_ccel({text("kernel"), "console=hvc0", text("initrd")});
  area.resize(area.size() + 512, 0xFF);  // the padding of a CCEL area
  return area;
}

struct Case {
  int version;
  std::uint16_t body_type;
  PckChainEncoding encoding;
};

std::string name(const Case& c) {
  return "v" + std::to_string(c.version) + " type " + std::to_string(c.body_type) +
         (c.encoding == PckChainEncoding::pem ? " pem" : " der");
}

const Case kCases[] = {
    {4, kBodyTypeTdx10, PckChainEncoding::pem}, {5, kBodyTypeTdx10, PckChainEncoding::pem},
    {5, kBodyTypeTdx15, PckChainEncoding::pem}, {4, kBodyTypeTdx10, PckChainEncoding::der},
    {5, kBodyTypeTdx10, PckChainEncoding::der}, {5, kBodyTypeTdx15, PckChainEncoding::der},
};

}  // namespace

TEST(TdxQe, QuotesParseAndRoundTrip) {
  IntelAuthority intel(kSeed);
  for (const Case& c : kCases) {
    SCOPED_TRACE(name(c));
    PlatformSpec spec;
    spec.chain_encoding = c.encoding;
    QuotingEnclave qe(intel, spec);
    const Quote q = qe.quote(sample_body(), c.version, c.body_type);
    const Bytes raw = encode_quote(q);
    auto parsed = parse_quote(raw);
    ASSERT_TRUE(parsed) << parsed.error().code << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, q);
    EXPECT_EQ(encode_quote(*parsed), raw);
    EXPECT_EQ(parsed->header.version, c.version);
    EXPECT_EQ(parsed->is_tdx15(), c.version == 5 && c.body_type == kBodyTypeTdx15);
    EXPECT_EQ(pck_chain_encoding(parsed->signed_data.certification.cert_data), c.encoding);
    if (parsed->is_tdx15()) {
      EXPECT_EQ(parsed->body.mr_servicetd, sample_body().mr_servicetd);
      EXPECT_EQ(raw.size(), 0x36 + kBody15Size + 4 + encode_signed_data(q.signed_data).size());
    } else {
      EXPECT_TRUE(all_zero(parsed->body.mr_servicetd));
    }
    EXPECT_EQ(qe.quote_bytes(sample_body(), c.version, c.body_type), raw);
  }
}

TEST(TdxQe, HeaderAndQeReportLookLikeIntels) {
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  const Quote q = qe.quote(sample_body());
  EXPECT_EQ(q.header.att_key_type, kAttKeyTypeEcdsaP256);
  EXPECT_EQ(q.header.tee_type, kTeeTypeTdx);
  EXPECT_EQ(hex_encode(q.header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
  EXPECT_TRUE(all_zero(q.header.reserved));
  EXPECT_TRUE(std::equal(qe.qe_id().begin(), qe.qe_id().end(), q.header.user_data.begin()));
  EXPECT_FALSE(all_zero(qe.qe_id()));
  EXPECT_TRUE(all_zero(ByteView(q.header.user_data).subspan(16)));

  const SgxReportBody& r = q.signed_data.certification.qe_report;
  EXPECT_EQ(hex_encode(r.mrsigner), "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  EXPECT_EQ(hex_encode(r.attributes), "1500000000000000e700000000000000");
  EXPECT_EQ(r.isvprodid, 2);
  EXPECT_EQ(r.isvsvn, 8);
  EXPECT_EQ(r.miscselect, 0u);
  EXPECT_EQ(r.cpusvn, qe.spec().pck.cpusvn);
  EXPECT_FALSE(all_zero(r.mrenclave));
  EXPECT_EQ(q.signed_data.certification.qe_auth_data, PlatformSpec::default_qe_auth_data());
  EXPECT_EQ(hex_encode(q.signed_data.certification.qe_auth_data),
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_EQ(q.signed_data.certification.cert_data_type, kCertDataPckChain);
  EXPECT_EQ(q.signed_data.certification.cert_data.back(), 0);  // PEM with a trailing NUL

  // MRENCLAVE follows the QE build (ISVSVN), not the seed.
  IntelAuthority other("another seed");
  EXPECT_EQ(QuotingEnclave(other, PlatformSpec{}).certification().qe_report.mrenclave, r.mrenclave);
  PlatformSpec older;
  older.qe_isvsvn = 7;
  EXPECT_NE(QuotingEnclave(intel, older).certification().qe_report.mrenclave, r.mrenclave);
  PlatformSpec raw_cpusvn;
  raw_cpusvn.qe_cpusvn = std::array<std::uint8_t, 16>{0x04, 0x04, 0x19, 0x1b, 0x04, 0xff, 0x00, 0x06};
  EXPECT_EQ(QuotingEnclave(intel, raw_cpusvn).certification().qe_report.cpusvn, *raw_cpusvn.qe_cpusvn);
}

TEST(TdxQe, SignaturesBindingAndChainVerifyIndependently) {
  IntelAuthority intel(kSeed);
  for (const Case& c : kCases) {
    for (PckCa ca : {PckCa::platform, PckCa::processor}) {
      SCOPED_TRACE(name(c) + (ca == PckCa::platform ? " platform CA" : " processor CA"));
      PlatformSpec spec;
      spec.chain_encoding = c.encoding;
      spec.pck.ca = ca;
      QuotingEnclave qe(intel, spec);
      const Quote q = *parse_quote(qe.quote_bytes(sample_body(), c.version, c.body_type));

      // Quote signature: ECDSA P-256 SHA-256 by the raw attestation key over the header and body.
      const Key ak = p256_from_xy(q.signed_data.attestation_key);
      EXPECT_TRUE(ak.same_public(qe.attestation_key()));
      const Bytes msg = signed_part(q);
      EXPECT_EQ(msg.size(), c.version == 4 ? 632u : 0x36 + q.body_size());
      EXPECT_TRUE(ecdsa_verify_digest(ak, sha256(msg), split(q.signed_data.signature)));
      Bytes tampered = msg;
      tampered[0x40] ^= 1;
      EXPECT_FALSE(ecdsa_verify_digest(ak, sha256(tampered), split(q.signed_data.signature)));

      // PCK chain: leaf, intermediate, root of this IntelAuthority.
      const std::vector<Cert> chain = chain_of(q);
      ASSERT_EQ(chain.size(), 3u);
      EXPECT_EQ(chain[0].der(), qe.pck().cert.der());
      EXPECT_EQ(chain[1].der(), intel.intermediate(ca).der());
      EXPECT_EQ(chain[2].der(), intel.root().der());
      EXPECT_EQ(chain[0].subject_cn(), "Intel SGX PCK Certificate");
      EXPECT_TRUE(chain[0].verify_signature(chain[1].public_key()));
      EXPECT_TRUE(chain[1].verify_signature(chain[2].public_key()));
      EXPECT_TRUE(chain[2].verify_signature(chain[2].public_key()));

      // QE report signature by the PCK leaf's key over the 384-byte report.
      const QeCertificationData& cd = q.signed_data.certification;
      const Bytes report = encode_sgx_report_body(cd.qe_report);
      ASSERT_EQ(report.size(), kQeReportSize);
      EXPECT_TRUE(ecdsa_verify_digest(chain[0].public_key(), sha256(report), split(cd.qe_report_signature)));
      EXPECT_FALSE(ecdsa_verify_digest(ak, sha256(report), split(cd.qe_report_signature)));

      // QE binding: REPORTDATA = SHA-256(AK X||Y || QE auth data) || 32 zero bytes.
      Bytes bound(q.signed_data.attestation_key.begin(), q.signed_data.attestation_key.end());
      bound.insert(bound.end(), cd.qe_auth_data.begin(), cd.qe_auth_data.end());
      Bytes expected = sha256(bound);
      expected.resize(64, 0);
      EXPECT_EQ(Bytes(cd.qe_report.report_data.begin(), cd.qe_report.report_data.end()), expected);

      // The PCK carries the platform asked for.
      auto ext = parse_sgx_extensions(chain[0]);
      ASSERT_TRUE(ext) << ext.error().message;
      EXPECT_EQ(ext->fmspc, spec.pck.fmspc);
      EXPECT_EQ(ext->tcb_comp_svn, spec.pck.tcb_comp_svn);
      EXPECT_EQ(ext->pcesvn, spec.pck.pcesvn);
      EXPECT_EQ(ext->cpusvn, spec.pck.cpusvn);
      EXPECT_EQ(ext->ppid, spec.pck.ppid);
      EXPECT_EQ(ext->sgx_type, ca == PckCa::platform ? 1u : 0u);
    }
  }
}

TEST(TdxQe, DefaultPlatformIsTheV5SamplesTcb) {
  const PckRequest r = default_pck_request();
  EXPECT_EQ(hex_encode(r.fmspc), "90c06f000000");
  EXPECT_EQ(hex_encode(r.tcb_comp_svn), "04040202040100050000000000000000");
  EXPECT_EQ(r.pcesvn, 13);
  EXPECT_EQ(r.ca, PckCa::platform);
  EXPECT_FALSE(all_zero(r.ppid));
}

TEST(TdxQe, CustomPlatformTcbReachesThePck) {
  IntelAuthority intel(kSeed);
  PlatformSpec spec;
  spec.pck.fmspc = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};
  spec.pck.tcb_comp_svn = {3, 3, 2, 2, 2, 1, 0, 2};
  spec.pck.pcesvn = 11;
  spec.qe_auth_data = Bytes{};  // QVL's sample carries none
  QuotingEnclave qe(intel, spec);
  const Quote q = *parse_quote(qe.quote_bytes(sample_body()));
  auto ext = parse_sgx_extensions(chain_of(q)[0]);
  ASSERT_TRUE(ext);
  EXPECT_EQ(hex_encode(ext->fmspc), "50806f000000");
  EXPECT_EQ(ext->tcb_comp_svn, spec.pck.tcb_comp_svn);
  EXPECT_EQ(ext->pcesvn, 11);
  EXPECT_TRUE(q.signed_data.certification.qe_auth_data.empty());
  Bytes expected = sha256(Bytes(q.signed_data.attestation_key.begin(), q.signed_data.attestation_key.end()));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(),
                         q.signed_data.certification.qe_report.report_data.begin()));
}

TEST(TdxQe, DeterministicFromSeedAndSpec) {
  IntelAuthority a(kSeed), b(kSeed);
  for (const Case& c : kCases) {
    SCOPED_TRACE(name(c));
    PlatformSpec spec;
    spec.chain_encoding = c.encoding;
    EXPECT_EQ(QuotingEnclave(a, spec).quote_bytes(sample_body(), c.version, c.body_type),
              QuotingEnclave(b, spec).quote_bytes(sample_body(), c.version, c.body_type));
  }
  // Another seed: another attestation key, QE id and PCK.
  IntelAuthority other("other");
  QuotingEnclave qa(a, PlatformSpec{}), qo(other, PlatformSpec{});
  EXPECT_FALSE(qa.attestation_key().same_public(qo.attestation_key()));
  EXPECT_NE(qa.qe_id(), qo.qe_id());
  // Another platform on the same seed: another attestation key.
  PlatformSpec p2;
  p2.pck.ppid[0] ^= 1;
  EXPECT_FALSE(qa.attestation_key().same_public(QuotingEnclave(a, p2).attestation_key()));
}

TEST(TdxQe, ReportDataChangesOnlyBodyAndSignature) {
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  TdQuoteBody b1 = sample_body(), b2 = sample_body();
  b2.report_data[0] ^= 0xFF;
  for (int version : {4, 5}) {
    const Bytes r1 = qe.quote_bytes(b1, version, kBodyTypeTdx15);
    const Bytes r2 = qe.quote_bytes(b2, version, kBodyTypeTdx15);
    ASSERT_EQ(r1.size(), r2.size());
    const Quote q1 = *parse_quote(r1), q2 = *parse_quote(r2);
    EXPECT_EQ(q1.header, q2.header);
    EXPECT_NE(q1.body, q2.body);
    TdQuoteBody same = q2.body;
    same.report_data = q1.body.report_data;
    EXPECT_EQ(same, q1.body);
    EXPECT_NE(q1.signed_data.signature, q2.signed_data.signature);
    EXPECT_EQ(q1.signed_data.attestation_key, q2.signed_data.attestation_key);
    EXPECT_EQ(q1.signed_data.certification, q2.signed_data.certification);
    // Byte level: differences only in REPORTDATA and in the quote signature.
    const std::size_t body_at = version == 4 ? kHeaderSize : 0x36;
    const std::size_t rd_at = body_at + 0x208;
    const std::size_t sig_at = signed_part(q1).size() + 4;
    for (std::size_t i = 0; i < r1.size(); ++i) {
      if (r1[i] == r2[i]) continue;
      const bool in_rd = i >= rd_at && i < rd_at + 64;
      const bool in_sig = i >= sig_at && i < sig_at + 64;
      EXPECT_TRUE(in_rd || in_sig) << "byte " << i << " differs";
    }
  }
}

TEST(TdxQe, ResignAfterEdit) {
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  Quote q = qe.quote(sample_body());
  q.body.td_attributes[0] |= 1;
  const Key ak = p256_from_xy(q.signed_data.attestation_key);
  EXPECT_FALSE(ecdsa_verify_digest(ak, sha256(signed_part(q)), split(q.signed_data.signature)));
  qe.resign(q);
  EXPECT_TRUE(ecdsa_verify_digest(ak, sha256(signed_part(q)), split(q.signed_data.signature)));
}

TEST(TdxQe, BadVersionOrEncodingIsAProgrammingError) {
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  EXPECT_THROW((void)qe.quote(sample_body(), 3), std::invalid_argument);
  EXPECT_THROW((void)qe.quote(sample_body(), 5, 1), std::invalid_argument);
  PlatformSpec bad;
  bad.chain_encoding = PckChainEncoding::unknown;
  EXPECT_THROW(QuotingEnclave(intel, bad), std::invalid_argument);
}

// ---- TD description -> body ----

TEST(TdxTdBody, AttributesAndDefaults) {
  TdDescription td;
  auto b = make_td_body(td);
  ASSERT_TRUE(b);
  EXPECT_EQ(hex_encode(b->td_attributes), "0000001000000000");  // SEPT_VE_DISABLE only, as real TDs
  EXPECT_EQ(decode_td_attributes(b->td_attributes).septve_disable, true);
  EXPECT_EQ(decode_td_attributes(b->td_attributes).debug, false);
  EXPECT_EQ(hex_encode(b->xfam), "e702060000000000");
  EXPECT_EQ(hex_encode(b->tee_tcb_svn), "0b010400000000000000000000000000");
  EXPECT_EQ(Bytes(b->mr_seam.begin(), b->mr_seam.end()),
            sha384(as_bytes("coco-harness/tdx-module/0b010400000000000000000000000000")));
  EXPECT_TRUE(all_zero(b->mrsigner_seam));
  EXPECT_TRUE(all_zero(b->seam_attributes));
  for (const auto& r : b->rtmr) EXPECT_TRUE(all_zero(r));

  td.debug = true;
  td.septve_disable = false;
  EXPECT_EQ(load_le64(make_td_body(td)->td_attributes, 0), 1u);
  td.septve_disable = true;
  td.extra_attributes = 1ULL << 30;  // PKS
  const std::uint64_t attrs = load_le64(make_td_body(td)->td_attributes, 0);
  EXPECT_EQ(attrs, (1ULL << 0) | (1ULL << 28) | (1ULL << 30));
  EXPECT_TRUE(decode_td_attributes(make_td_body(td)->td_attributes).protection_keys);

  std::array<std::uint8_t, 48> seam{};
  seam.fill(0xAB);
  td.mr_seam = seam;
  EXPECT_EQ(make_td_body(td)->mr_seam, seam);
}

TEST(TdxTdBody, FieldsLandWhereTheQuoteSaysTheyAre) {
  TdDescription td = sample_td();
  td.mr_owner.fill(0x55);
  td.mr_owner_config.fill(0x66);
  std::array<std::array<std::uint8_t, 48>, 4> rtmrs{};
  for (std::size_t i = 0; i < 4; ++i) rtmrs[i].fill(static_cast<std::uint8_t>(0xA0 + i));
  td.rtmrs = rtmrs;
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  const Bytes raw = qe.quote_bytes(*make_td_body(td));
  EXPECT_EQ(raw[0x0B8], 0x11);                                                   // MRTD
  EXPECT_EQ(raw[0x0E8], 0x22);                                                   // MRCONFIGID
  EXPECT_EQ(raw[0x118], 0x55);                                                   // MROWNER
  EXPECT_EQ(raw[0x148], 0x66);                                                   // MROWNERCONFIG
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(raw[0x178 + 48 * i], 0xA0 + i);  // RTMRi
  EXPECT_EQ(raw[0x238], 0x33);                                                   // REPORTDATA
  EXPECT_EQ(raw[0x0A8 + 3], 0x10);                                               // TDATTRIBUTES bit 28
}

TEST(TdxTdBody, RtmrsReplayedFromCcel) {
  const Bytes ccel = sample_ccel();
  TdDescription td;
  td.ccel = ccel;
  auto b = make_td_body(td);
  ASSERT_TRUE(b) << b.error().message;
  const auto expected = replay_rtmrs(*parse_eventlog(ccel));
  EXPECT_EQ(b->rtmr, expected);
  EXPECT_FALSE(all_zero(b->rtmr[0]));
  EXPECT_FALSE(all_zero(b->rtmr[2]));
  EXPECT_TRUE(all_zero(b->rtmr[3]));
  // RTMR0 by hand: one extend (the separator) from zero.
  Bytes m(48, 0);
  const Bytes separator = sha384(Bytes(4, 0));
  m.insert(m.end(), separator.begin(), separator.end());
  m = sha384(m);
  EXPECT_EQ(Bytes(b->rtmr[0].begin(), b->rtmr[0].end()), m);
}

TEST(TdxTdBody, Errors) {
  TdDescription both;
  both.ccel = sample_ccel();
  both.rtmrs = std::array<std::array<std::uint8_t, 48>, 4>{};
  auto r = make_td_body(both);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "tdx.td_description_invalid");

  TdDescription bad;
  bad.ccel = Bytes{1, 2, 3};
  r = make_td_body(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "tdx.eventlog_truncated");
  Bytes not_a_log(64, 0x5A);
  bad.ccel = not_a_log;
  r = make_td_body(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code.rfind("tdx.eventlog_", 0), 0u) << r.error().code;

  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  TdDescription v;
  v.version = 3;
  EXPECT_EQ(generate_quote(qe, v).error().code, "tdx.td_description_invalid");
  v.version = 4;
  v.body_type = kBodyTypeTdx15;
  EXPECT_EQ(generate_quote(qe, v).error().code, "tdx.td_description_invalid");
  v.version = 5;
  v.body_type = 7;
  EXPECT_EQ(generate_quote(qe, v).error().code, "tdx.td_description_invalid");
}

TEST(TdxTdBody, GenerateQuoteUsesTheDescriptionsVersion) {
  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  TdDescription td = sample_td();
  auto q4 = generate_quote(qe, td);
  ASSERT_TRUE(q4);
  EXPECT_EQ(q4->header.version, 4);
  td.version = 5;
  auto q5 = generate_quote(qe, td);
  ASSERT_TRUE(q5);
  EXPECT_TRUE(q5->is_tdx15());  // v5 defaults to a TDX 1.5 body
  EXPECT_EQ(q5->body.tee_tcb_svn2, td.tee_tcb_svn2);
  td.body_type = kBodyTypeTdx10;
  EXPECT_FALSE(generate_quote(qe, td)->is_tdx15());
}

// ---- YAML ----

TEST(TdxTdYaml, LoadsTheSampleFixture) {
  const std::filesystem::path path = std::filesystem::path(COCO_SOURCE_DIR) / "fixtures/tdx/td.yaml";
  const Bytes raw = test::read_or_die(path);
  auto td = td_description_from_yaml(to_string(raw), path.parent_path());
  ASSERT_TRUE(td) << td.error().message;
  EXPECT_EQ(td->version, 5);
  EXPECT_EQ(td->body_type, kBodyTypeTdx15);
  EXPECT_FALSE(td->debug);
  EXPECT_TRUE(td->septve_disable);
  EXPECT_FALSE(td->ccel);
  ASSERT_TRUE(td->rtmrs);
  EXPECT_FALSE(all_zero((*td->rtmrs)[0]));
  EXPECT_TRUE(all_zero((*td->rtmrs)[3]));
  // Init-data digest (SHA-256) zero-padded to 48 bytes.
  EXPECT_EQ(hex_encode(td->mr_config_id),
            "9c0426d1ed9c40a9197f2d431aa5831989b60fd03eea649b05942ead2fd941b4" + std::string(32, '0'));
  EXPECT_EQ(hex_encode(td->report_data).substr(0, 8), "00112233");

  IntelAuthority intel(kSeed);
  QuotingEnclave qe(intel, PlatformSpec{});
  auto q = generate_quote(qe, *td);
  ASSERT_TRUE(q) << q.error().message;
  const Bytes bytes = encode_quote(*q);
  auto back = parse_quote(bytes);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->is_tdx15());
  EXPECT_EQ(back->body.mr_config_id, td->mr_config_id);
  EXPECT_EQ(back->body.rtmr, *td->rtmrs);
  EXPECT_EQ(back->body.tee_tcb_svn2, td->tee_tcb_svn2);
  EXPECT_EQ(encode_quote(*back), bytes);
}

TEST(TdxTdYaml, CcelRelativeToBaseDir) {
  test::TempDir dir("coco-qe-yaml");
  std::filesystem::create_directories(dir.path() / "logs");
  ASSERT_TRUE(write_file(dir.path() / "logs/ccel.bin", sample_ccel()));
  auto td = td_description_from_yaml("ccel: logs/ccel.bin\ndebug: true\nextra_attributes: 0x40000000\n",
                                     dir.path());
  ASSERT_TRUE(td) << td.error().message;
  ASSERT_TRUE(td->ccel);
  EXPECT_EQ(*td->ccel, sample_ccel());
  auto b = make_td_body(*td);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rtmr, replay_rtmrs(*parse_eventlog(sample_ccel())));
  EXPECT_EQ(load_le64(b->td_attributes, 0), (1ULL << 0) | (1ULL << 28) | (1ULL << 30));
}

TEST(TdxTdYaml, ShortFieldsArePaddedAndPrefixesAccepted) {
  auto td = td_description_from_yaml(
      "report_data: 0xabcd\ntee_tcb_svn: 0501\nversion: 4\nseptve_disable: false\n", {});
  ASSERT_TRUE(td) << td.error().message;
  EXPECT_EQ(td->report_data[0], 0xab);
  EXPECT_EQ(td->report_data[1], 0xcd);
  EXPECT_TRUE(all_zero(ByteView(td->report_data).subspan(2)));
  EXPECT_EQ(hex_encode(td->tee_tcb_svn), "05010000000000000000000000000000");
  EXPECT_FALSE(td->septve_disable);
  EXPECT_FALSE(td->rtmrs);
}

TEST(TdxTdYaml, ErrorsNameTheField) {
  const std::string h48(96, 'a');
  const std::pair<std::string, std::string> cases[] = {
      {"mr_td: zz", "mr_td"},
      {"mr_td: abcd", "mr_td"},                         // not 48 bytes
      {"rtmr2: " + h48.substr(2), "rtmr2"},             // 47 bytes
      {"mr_config_id: " + h48 + "aa", "mr_config_id"},  // 49 bytes
      {"report_data: " + std::string(130, 'a'), "report_data"},
      {"debug: maybe", "debug"},
      {"debug: [1]", "debug"},
      {"version: 6", "version"},
      {"version: four", "version"},
      {"body_type: 1", "body_type"},
      {"version: 4\nbody_type: 3", "body_type"},
      {"extra_attributes: -1", "extra_attributes"},
      {"rtmr4: " + h48, "rtmr4"},
      {"colour: blue", "colour"},
      {"ccel: does-not-exist.bin", "ccel"},
      {"ccel: x\nrtmr0: " + h48, "ccel"},
      {"mr_td:", "mr_td"},
      {"- a\n- b", "map"},
      {"mr_td: [unclosed", "YAML"},
  };
  for (const auto& [yaml, field] : cases) {
    SCOPED_TRACE(yaml);
    auto td = td_description_from_yaml(yaml, std::filesystem::temp_directory_path());
    ASSERT_FALSE(td);
    EXPECT_EQ(td.error().code, "tdx.td_description_invalid");
    EXPECT_NE(td.error().message.find(field), std::string::npos) << td.error().message;
  }
}
