// The DCAP quote verifier on simulated quotes and collateral: v4 and v5 quotes verify with collateral
// fetched from a fake PCS over HTTP, every TCB status is reachable by choosing the platform's TCB, and
// each mutation of the quote, chain or collateral fails with its own named reason.
#include "tdx/verify.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/boot_log.h"
#include "tdx/qe.h"

using namespace coco;
using namespace coco::tdx;
using namespace std::chrono_literals;

namespace {

IntelAuthority& intel() {
  static IntelAuthority a("verify-test");
  return a;
}
IntelAuthority& rogue() {
  static IntelAuthority a("verify-test/rogue");
  return a;
}

// Platform levels by PCESVN, one per status (SGX components all 0: the default PCK has zero components).
const std::vector<std::pair<std::uint16_t, TcbStatus>> kLevels = {
    {13, TcbStatus::up_to_date},
    {12, TcbStatus::sw_hardening_needed},
    {11, TcbStatus::configuration_and_sw_hardening_needed},
    {10, TcbStatus::configuration_needed},
    {9, TcbStatus::out_of_date},
    {8, TcbStatus::out_of_date_configuration_needed},
    {0, TcbStatus::revoked},
};

TcbInfo tcb_info(SysTime now) {
  std::vector<SimTcbLevelSpec> levels;
  for (const auto& [pcesvn, status] : kLevels) levels.push_back({0, pcesvn, 4, status, "", {}});
  return simulated_tcb_info(default_pck_request().fmspc, levels, now - 24h, now + 24h * 30);
}

QeIdentity qe_identity(SysTime now) {
  return simulated_qe_identity(
      {{8, "", TcbStatus::up_to_date, {}}, {0, "", TcbStatus::out_of_date, {"INTEL-SA-00615"}}}, now - 24h,
      now + 24h * 30);
}

PcsContent content(SysTime now) {
  PcsContent c;
  c.tcb_info_by_fmspc[hex_encode(default_pck_request().fmspc)] =
      sign_tcb_info(tcb_info(now), intel().tcb_signing_key());
  c.qe_identity = sign_qe_identity(qe_identity(now), intel().tcb_signing_key());
  return c;
}

// A fake PCS on loopback; each test fetches the collateral through the real client.
class TdxVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    pcs_ = std::make_unique<FakePcs>(intel(), content(now_));
    ASSERT_TRUE(pcs_->start());
  }
  void TearDown() override { pcs_->stop(); }

  CollateralSet fetch(PckCa ca = PckCa::platform) {
    auto set = PcsClient(pcs_->url()).fetch(default_pck_request().fmspc, ca);
    EXPECT_TRUE(set) << set.error().code << ": " << set.error().message;
    return set ? *set : CollateralSet{};
  }

  static Quote quote(const PlatformSpec& spec = {}, TdDescription td = {},
                     IntelAuthority& authority = intel()) {
    QuotingEnclave qe(authority, spec);
    td.report_data[0] = 0x5a;
    auto q = generate_quote(qe, td);
    EXPECT_TRUE(q) << q.error().message;
    return *q;
  }

  VerifyOptions options(const CollateralSet* collateral = nullptr) const {
    VerifyOptions o;
    o.trusted_roots = {intel().root()};
    o.now = now_;
    o.collateral = collateral;
    return o;
  }

  static std::string codes(const VerifyResult& r) {
    std::string out;
    for (const auto& e : r.failures) out += e.code + " (" + e.message + ") ";
    return out;
  }

  SysTime now_ = std::chrono::system_clock::now();
  std::unique_ptr<FakePcs> pcs_;
};

PlatformSpec with_pcesvn(std::uint16_t pcesvn) {
  PlatformSpec p;
  p.pck.pcesvn = pcesvn;
  return p;
}

}  // namespace

TEST_F(TdxVerify, V4AndV5QuotesVerifyWithSimulatedCollateral) {
  const CollateralSet collateral = fetch();
  for (int version : {4, 5}) {
    for (std::uint16_t body_type : {kBodyTypeTdx10, kBodyTypeTdx15}) {
      if (version == 4 && body_type == kBodyTypeTdx15) continue;
      for (PckChainEncoding encoding : {PckChainEncoding::pem, PckChainEncoding::der}) {
        PlatformSpec spec = with_pcesvn(13);
        spec.chain_encoding = encoding;
        TdDescription td;
        td.version = version;
        td.body_type = body_type;
        const Quote q = quote(spec, td);
        const VerifyResult r = verify_quote(q, options(&collateral));
        SCOPED_TRACE("v" + std::to_string(version) + " body type " + std::to_string(body_type));
        EXPECT_TRUE(r.ok()) << codes(r);
        EXPECT_TRUE(r.chain_verified);
        EXPECT_TRUE(r.signatures_verified);
        ASSERT_TRUE(r.tcb_status);
        EXPECT_EQ(*r.tcb_status, TcbStatus::up_to_date);
        // Bytes round trip: the verifier sees the same thing from the wire form.
        EXPECT_TRUE(verify_quote_bytes(encode_quote(q), options(&collateral)).ok());
      }
    }
  }
}

TEST_F(TdxVerify, TrusteeClaimsCarryTheQuoteAndTheSupplementalData) {
  const CollateralSet collateral = fetch();
  const Quote q = quote(with_pcesvn(13));
  const VerifyResult r = verify_quote(q, options(&collateral));
  ASSERT_TRUE(r.ok()) << codes(r);
  const nlohmann::json c = trustee_claims(q, r);
  EXPECT_EQ(c["quote"]["header"]["version"], "0400");
  EXPECT_EQ(c["report_data"], hex_encode(q.body.report_data));
  EXPECT_EQ(c["init_data"], hex_encode(q.body.mr_config_id));
  EXPECT_EQ(c["td_attributes"]["septve_disable"], true);
  EXPECT_EQ(c["td_attributes"]["debug"], false);
  EXPECT_EQ(c["tcb_status"], "UpToDate");
  EXPECT_EQ(c["collateral_expiration_status"], "0");
  EXPECT_EQ(c["sgx_type"], "Scalable");  // a Platform CA PCK
  EXPECT_EQ(c["is_dynamic_platform"], true);
  EXPECT_EQ(c["tcb_eval_num"], 17);
  EXPECT_EQ(c["platform_provider_id"], hex_encode(default_pck_request().ppid));
  EXPECT_TRUE(c.contains("platform_instance_id"));
  EXPECT_EQ(c["advisory_ids"], nlohmann::json::array());
  // QVL's root_key_id: SHA-384 of the root's public point.
  EXPECT_EQ(c["root_key_id"], hex_encode(sha384(ec_public_point(intel().root().public_key()))));
  for (const char* key : {"earliest_issue_date", "latest_issue_date", "earliest_expiration_date", "tcb_date",
                          "pck_crl_num", "root_ca_crl_num"}) {
    EXPECT_TRUE(c.contains(key)) << key;
  }
  // Without collateral there are no DCAP claims.
  const VerifyResult bare = verify_quote(q, options());
  ASSERT_TRUE(bare.ok()) << codes(bare);
  EXPECT_FALSE(trustee_claims(q, bare).contains("tcb_status"));
}

TEST_F(TdxVerify, EveryTcbStatusIsReachableByChoosingThePlatformTcb) {
  const CollateralSet collateral = fetch();
  for (const auto& [pcesvn, status] : kLevels) {
    const VerifyResult r = verify_quote(quote(with_pcesvn(pcesvn)), options(&collateral));
    SCOPED_TRACE(std::string(tcb_status_name(status)));
    ASSERT_TRUE(r.tcb_status) << codes(r);
    EXPECT_EQ(*r.tcb_status, status);
    if (status == TcbStatus::revoked) {
      EXPECT_TRUE(r.has("tdx.tcb_revoked")) << codes(r);
      EXPECT_EQ(r.failures.size(), 1U) << codes(r);
    } else {
      EXPECT_TRUE(r.ok()) << codes(r);  // Trustee's acceptable statuses: everything but Revoked
    }
  }
  // An out-of-date QE pulls an up-to-date platform down (QVL's convergence).
  PlatformSpec old_qe = with_pcesvn(13);
  old_qe.qe_isvsvn = 7;
  const VerifyResult r = verify_quote(quote(old_qe), options(&collateral));
  ASSERT_TRUE(r.tcb_status) << codes(r);
  EXPECT_EQ(*r.tcb_status, TcbStatus::out_of_date);
  ASSERT_TRUE(r.supplemental);
  EXPECT_EQ(r.supplemental->advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});
  // A status the caller rejects gets its own reason.
  VerifyOptions strict = options(&collateral);
  strict.rejected_statuses.insert(TcbStatus::out_of_date);
  EXPECT_TRUE(verify_quote(quote(with_pcesvn(9)), strict).has("tdx.tcb_status_unacceptable"));
}

TEST_F(TdxVerify, MutationsAreRejectedWithTheirReasons) {
  const Quote good = quote(with_pcesvn(13));
  ASSERT_TRUE(verify_quote(good, options()).ok());
  struct Mutation {
    const char* name;
    std::function<void(Quote&)> edit;
    const char* reason;
  };
  const std::vector<Mutation> mutations = {
      {"quote signature", [](Quote& q) { q.signed_data.signature[7] ^= 0x01; },
       "tdx.quote_signature_invalid"},
      {"TD body", [](Quote& q) { q.body.mr_td[0] ^= 0x01; }, "tdx.quote_signature_invalid"},
      {"header", [](Quote& q) { q.header.user_data[19] ^= 0x01; }, "tdx.quote_signature_invalid"},
      {"QE report", [](Quote& q) { q.signed_data.certification.qe_report.isvsvn++; },
       "tdx.qe_report_signature_invalid"},
      {"QE report signature", [](Quote& q) { q.signed_data.certification.qe_report_signature[40] ^= 0x01; },
       "tdx.qe_report_signature_invalid"},
      {"QE auth data", [](Quote& q) { q.signed_data.certification.qe_auth_data[0] ^= 0x01; },
       "tdx.qe_binding_mismatch"},
      {"attestation key", [](Quote& q) { q.signed_data.attestation_key[63] ^= 0x01; },
       "tdx.attestation_key_invalid"},
      {"QE vendor", [](Quote& q) { q.header.qe_vendor_id[0] ^= 0x01; }, "tdx.qe_vendor_id_mismatch"},
      {"PCK chain type", [](Quote& q) { q.signed_data.certification.cert_data_type = 1; },
       "tdx.pck_chain_missing"},
      {"PCK chain bytes", [](Quote& q) { q.signed_data.certification.cert_data.resize(100); },
       "tdx.pck_chain_invalid"},
  };
  for (const auto& m : mutations) {
    Quote q = good;
    m.edit(q);
    const VerifyResult r = verify_quote(q, options());
    EXPECT_TRUE(r.has(m.reason)) << m.name << ": " << codes(r);
  }
  // The attestation key replaced by another valid key: the binding and the quote signature both fail.
  Quote other_key = good;
  PlatformSpec other_qe = with_pcesvn(13);
  other_qe.qe_isvsvn = 9;  // the attestation key is derived per QE version
  other_key.signed_data.attestation_key = quote(other_qe).signed_data.attestation_key;
  ASSERT_NE(other_key.signed_data.attestation_key, good.signed_data.attestation_key);
  const VerifyResult r = verify_quote(other_key, options());
  EXPECT_TRUE(r.has("tdx.qe_binding_mismatch")) << codes(r);
  EXPECT_TRUE(r.has("tdx.quote_signature_invalid")) << codes(r);
}

TEST_F(TdxVerify, PckChainMustLeadToAPinnedRootAndBeValid) {
  const Quote q = quote(with_pcesvn(13));
  VerifyOptions real_root = options();
  real_root.trusted_roots.clear();  // Intel's real root: the simulated chain is not under it
  EXPECT_TRUE(verify_quote(q, real_root).has("tdx.pck_chain_untrusted"));
  // A whole chain from another (rogue) authority.
  const VerifyResult r = verify_quote(quote(with_pcesvn(13), {}, rogue()), options());
  EXPECT_TRUE(r.has("tdx.pck_chain_untrusted")) << codes(r);
  EXPECT_FALSE(r.chain_verified);
  // The rogue PCK chain spliced into a good quote: chain untrusted and the QE report not by its PCK.
  Quote spliced = q;
  spliced.signed_data.certification.cert_data =
      quote(with_pcesvn(13), {}, rogue()).signed_data.certification.cert_data;
  EXPECT_TRUE(verify_quote(spliced, options()).has("tdx.qe_report_signature_invalid"));
  // Validity.
  VerifyOptions later = options();
  later.now = utc_time(2040, 1, 1);
  EXPECT_TRUE(verify_quote(q, later).has("tdx.pck_expired"));
  VerifyOptions earlier = options();
  earlier.now = utc_time(2020, 1, 1);
  EXPECT_TRUE(verify_quote(q, earlier).has("tdx.pck_expired"));
  // quote_pck reads the platform without verifying anything.
  auto pck = quote_pck(q);
  ASSERT_TRUE(pck);
  EXPECT_EQ(pck->extensions.fmspc, default_pck_request().fmspc);
  EXPECT_EQ(pck->ca, PckCa::platform);
  EXPECT_EQ(pck->chain.size(), 3U);
}

TEST_F(TdxVerify, CollateralFaultsHaveTheirReasons) {
  const Quote q = quote(with_pcesvn(13));
  const CollateralSet good = fetch();
  auto check = [&](const CollateralSet& set, const char* reason, VerifyOptions o) {
    o.collateral = &set;
    const VerifyResult r = verify_quote(q, o);
    EXPECT_TRUE(r.has(reason)) << reason << ": " << codes(r);
  };
  // A byte of the signed TCB info changed (the JSON still parses).
  CollateralSet tampered = good;
  const auto pos = tampered.tcb_info.find("\"tcbEvaluationDataNumber\":17");
  ASSERT_NE(pos, std::string::npos);
  tampered.tcb_info.replace(pos, 28, "\"tcbEvaluationDataNumber\":18");
  check(tampered, "tdx.collateral_signature_invalid", options());
  // Signed by the rogue TCB Signing key: its chain does not lead to the pinned root.
  CollateralSet rogue_signed = good;
  rogue_signed.tcb_info_issuer_chain = rogue().tcb_signing_chain_pem();
  check(rogue_signed, "tdx.collateral_invalid", options());
  // Missing issuer chain (e.g. collateral saved without its headers).
  CollateralSet no_chain = good;
  no_chain.qe_identity_issuer_chain.clear();
  check(no_chain, "tdx.collateral_invalid", options());
  // Past nextUpdate: a failure by default, a claim for Trustee.
  VerifyOptions late = options();
  late.now = now_ + 24h * 40;
  check(good, "tdx.collateral_expired", late);
  VerifyOptions trustee = VerifyOptions::trustee();
  trustee.trusted_roots = {intel().root()};
  trustee.now = late.now;
  trustee.collateral = &good;
  const VerifyResult lenient = verify_quote(q, trustee);
  EXPECT_TRUE(lenient.ok()) << codes(lenient);
  EXPECT_EQ(trustee_claims(q, lenient)["collateral_expiration_status"], "1");
  // TCB info for another FMSPC.
  TcbInfo other = tcb_info(now_);
  other.fmspc = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
  CollateralSet wrong_fmspc = good;
  wrong_fmspc.tcb_info = sign_tcb_info(other, intel().tcb_signing_key());
  check(wrong_fmspc, "tdx.fmspc_mismatch", options());
  // QE identity of another enclave signer.
  QeIdentity foreign = qe_identity(now_);
  foreign.mrsigner[0] ^= 0x01;
  CollateralSet wrong_qe = good;
  wrong_qe.qe_identity = sign_qe_identity(foreign, intel().tcb_signing_key());
  check(wrong_qe, "tdx.qe_identity_mismatch", options());
  // CRL signed by someone else.
  CollateralSet bad_crl = good;
  bad_crl.pck_crl = good.root_crl;  // issued by the root, not the PCK Platform CA
  check(bad_crl, "tdx.collateral_signature_invalid", options());
}

TEST_F(TdxVerify, RevokedPckIsRejected) {
  const Quote q = quote(with_pcesvn(13));
  auto pck = quote_pck(q);
  ASSERT_TRUE(pck);
  PcsContent c = content(now_);
  c.revoked_pck_serials = {*hex_decode(pck->chain[0].serial_hex())};
  pcs_->set_content(c);
  const CollateralSet revoked = fetch();
  const VerifyResult r = verify_quote(q, options(&revoked));
  EXPECT_TRUE(r.has("tdx.pck_revoked")) << codes(r);
  c.revoked_pck_serials.clear();
  c.revoked_ca_serials = {*hex_decode(pck->chain[1].serial_hex())};
  pcs_->set_content(c);
  const CollateralSet ca_revoked = fetch();
  EXPECT_TRUE(verify_quote(q, options(&ca_revoked)).has("tdx.pck_revoked"));
}

TEST_F(TdxVerify, PolicyChecksPadAsTrusteeDoes) {
  TdDescription td;
  const Bytes digest = sha256(as_bytes(std::string("init-data")));
  std::copy(digest.begin(), digest.end(), td.mr_config_id.begin());
  td.debug = true;
  const Quote q = quote(with_pcesvn(13), td);
  VerifyOptions o = options();
  o.mr_config_id = digest;      // 32 bytes, padded to 48
  o.report_data = Bytes{0x5a};  // padded to 64
  EXPECT_TRUE(verify_quote(q, o).ok()) << codes(verify_quote(q, o));
  o.report_data = Bytes{0x5b};
  EXPECT_TRUE(verify_quote(q, o).has("tdx.report_data_mismatch"));
  o.report_data.reset();
  o.mr_config_id = sha256(as_bytes(std::string("other")));
  EXPECT_TRUE(verify_quote(q, o).has("tdx.mr_config_id_mismatch"));
  o.mr_config_id.reset();
  o.mr_td = Bytes(48, 0x01);
  EXPECT_TRUE(verify_quote(q, o).has("tdx.mr_td_mismatch"));
  o.mr_td.reset();
  o.allow_debug = false;
  EXPECT_TRUE(verify_quote(q, o).has("tdx.debug_not_allowed"));
}

TEST_F(TdxVerify, UnparseableInputIsOneNamedFailure) {
  Bytes b = encode_quote(quote());
  b.resize(700);
  const VerifyResult r = verify_quote_bytes(b, options());
  ASSERT_EQ(r.failures.size(), 1U);
  EXPECT_EQ(r.failures[0].code, "tdx.quote_truncated");
  EXPECT_FALSE(verify_quote_bytes(Bytes{}, options()).ok());
}

TEST(TdxVerifyRoots, EmbeddedIntelRootIsTheRealOne) {
  // The SHA-256 fingerprint shared/corpus/MANIFEST.json and evidence.md record for Intel's SGX Root CA.
  EXPECT_EQ(hex_encode(intel_sgx_root_ca().sha256_fingerprint()),
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  EXPECT_EQ(intel_sgx_root_ca().subject_cn(), "Intel SGX Root CA");
}

// One cache shared across good and tampered inputs gives exactly the verdicts of no cache: everything it
// keeps is keyed by the digest of what was decoded or verified.
TEST_F(TdxVerify, SharedCacheGivesTheSameVerdicts) {
  const CollateralSet good = fetch();
  CollateralSet tampered = good;
  tampered.tcb_info.replace(tampered.tcb_info.find("\"tcbEvaluationDataNumber\":17"), 28,
                            "\"tcbEvaluationDataNumber\":18");
  CollateralSet other_crl = good;
  other_crl.pck_crl = good.root_crl;
  const Quote q = quote(with_pcesvn(13));
  Quote forged = q;
  forged.signed_data.signature[3] ^= 0x01;
  Quote rogue_chain = q;
  rogue_chain.signed_data.certification.cert_data =
      quote(with_pcesvn(13), {}, rogue()).signed_data.certification.cert_data;
  TdxChainCache cache;
  auto failure_codes = [](const VerifyResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.failures) out.push_back(e.code);
    return out;
  };
  for (int round = 0; round < 2; ++round) {
    for (const Quote* quote : std::initializer_list<const Quote*>{&q, &forged, &rogue_chain}) {
      for (const CollateralSet* set :
           std::initializer_list<const CollateralSet*>{&good, &tampered, &other_crl}) {
        VerifyOptions plain = options(set);
        VerifyOptions cached = plain;
        cached.chain_cache = &cache;
        const VerifyResult a = verify_quote(*quote, plain);
        const VerifyResult b = verify_quote(*quote, cached);
        EXPECT_EQ(failure_codes(a), failure_codes(b)) << codes(a) << " vs " << codes(b);
        EXPECT_EQ(a.tcb_status, b.tcb_status);
      }
    }
  }
  EXPECT_TRUE(verify_quote(q,
                           [&] {
                             auto o = options(&good);
                             o.chain_cache = &cache;
                             return o;
                           }())
                  .ok());
}
