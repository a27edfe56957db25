// Format layer of sim/azure on built inputs: HCL report, TPMS_ATTEST and bincode quote round trips,
// truncation at every length, bad magic/type/sizes, PCR arithmetic and init-data PCR8 against
// hand-computed values, runtime data JSON both ways, and the evidence JSON versions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"

using namespace coco;
using namespace coco::azure;

namespace {

const Key& ak() {
  static const Key k = rsa_key_from_seed(2048, as_bytes("azure-format-test"), "ak");
  return k;
}
const Key& ek() {
  static const Key k = rsa_key_from_seed(2048, as_bytes("azure-format-test"), "ek");
  return k;
}

const nlohmann::json kVmConfiguration = {
    {"console-enabled", true}, {"secure-boot", true}, {"tpm-enabled", true}, {"vmUniqueId", "ABC"}};

HclReport built_hcl(HclReportType type, std::size_t total = 2600) {
  HclReport r;
  r.version = type == HclReportType::tdx ? 2 : 1;
  r.type = type;
  const std::string var = runtime_data_json(ak(), ek(), kVmConfiguration, Bytes(64, 0xAB));
  r.var_data = Bytes(var.begin(), var.end());
  r.hw_report.assign(kHclHwReportSize, 0);
  const Bytes digest = sha256(r.var_data);
  const std::size_t rd = type == HclReportType::tdx ? 0x80 : 0x50;
  std::copy(digest.begin(), digest.end(), r.hw_report.begin() + static_cast<std::ptrdiff_t>(rd));
  const std::size_t used = kHclVarDataOffset + r.var_data.size();
  r.padding.assign(total > used ? total - used : 0, 0);
  return r;
}

TpmsAttest built_attest() {
  TpmsAttest a;
  a.qualified_signer = Bytes{0x00, 0x0B, 1, 2, 3};
  a.extra_data = to_bytes(as_bytes("challenge"));
  return a;
}

}  // namespace

// ---- HCL report ----

TEST(AzureHcl, RoundTripsBothReportTypes) {
  for (HclReportType type : {HclReportType::snp, HclReportType::tdx}) {
    const HclReport r = built_hcl(type);
    const Bytes b = encode_hcl_report(r);
    ASSERT_EQ(b.size(), 2600u);
    EXPECT_EQ(load_le32(b, 0), kHclSignature);
    EXPECT_EQ(load_le32(b, 0x08), kHclVarDataOffset + r.var_data.size());
    EXPECT_EQ(load_le32(b, 0x4C0), 20 + r.var_data.size());
    EXPECT_EQ(load_le32(b, 0x4D0), r.var_data.size());
    auto back = parse_hcl_report(b);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, r);
    EXPECT_EQ(encode_hcl_report(*back), b);
    const Bytes rd = hcl_hw_report_data(*back);
    EXPECT_EQ(Bytes(rd.begin(), rd.begin() + 32), hcl_var_data_digest(*back));
    EXPECT_EQ(hcl_hw_report(*back).size(), type == HclReportType::tdx ? 1024u : 1184u);
  }
}

TEST(AzureHcl, KeepsNonZeroPaddingAndOtherHashes) {
  HclReport r = built_hcl(HclReportType::snp, 3000);
  r.padding.back() = 0x5A;
  r.hash_type = 2;
  r.status = 7;
  r.reserved[3] = 1;
  auto back = parse_hcl_report(encode_hcl_report(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_EQ(hcl_var_data_digest(*back), sha384(r.var_data));
}

TEST(AzureHcl, TruncationAtEveryLengthIsAnError) {
  const HclReport r = built_hcl(HclReportType::tdx, 0);
  const Bytes b = encode_hcl_report(r);  // no padding: every shorter prefix cuts the variable data
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto p = parse_hcl_report(ByteView(b).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error().code, "azure.hcl_truncated") << n;
  }
  EXPECT_TRUE(parse_hcl_report(b));
}

TEST(AzureHcl, RejectsBadSignatureTypeHashAndSizes) {
  const Bytes good = encode_hcl_report(built_hcl(HclReportType::snp));
  auto expect_invalid = [&](std::size_t off, std::uint32_t value) {
    Bytes b = good;
    store_le32(b, off, value);
    auto p = parse_hcl_report(b);
    ASSERT_FALSE(p) << off;
    EXPECT_EQ(p.error().code, "azure.hcl_invalid") << off << ": " << p.error().message;
  };
  expect_invalid(0x00, 0x414C4349);  // "ICLA"
  expect_invalid(0x4C8, 3);          // report type
  expect_invalid(0x4C8, 0);
  expect_invalid(0x4CC, 0);  // hash type
  expect_invalid(0x4CC, 4);
  expect_invalid(0x08, load_le32(good, 0x08) + 1);    // report_size
  expect_invalid(0x4C0, load_le32(good, 0x4C0) - 1);  // data_size
  Bytes huge = good;
  store_le32(huge, 0x4D0, 0xFFFFFFFF);
  auto p = parse_hcl_report(huge);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, "azure.hcl_truncated");
}

// ---- runtime data ----

TEST(AzureRuntimeData, JsonRoundTrip) {
  const std::string text = runtime_data_json(ak(), ek(), kVmConfiguration, Bytes(64, 0xAB));
  EXPECT_EQ(
      text.rfind(
          "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"",
          0),
      0u);
  std::string upper_hex;
  for (int i = 0; i < 64; ++i) upper_hex += "AB";
  EXPECT_TRUE(text.ends_with(",\"user-data\":\"" + upper_hex + "\"}")) << text;
  auto rt = parse_runtime_data(as_bytes(text));
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_TRUE(rt->ak_pub.same_public(ak()));
  EXPECT_TRUE(rt->ek_pub.same_public(ek()));
  EXPECT_EQ(rt->vm_configuration, kVmConfiguration);
  ASSERT_TRUE(rt->user_data);
  EXPECT_EQ(*rt->user_data, Bytes(64, 0xAB));
  EXPECT_EQ(runtime_data_json(rt->ak_pub, rt->ek_pub, rt->vm_configuration, rt->user_data), text);
  EXPECT_EQ(rt->json, nlohmann::json::parse(text));

  // Without EK, VM configuration and user-data (the older paravisor's AK-only document).
  const std::string bare = runtime_data_json(ak(), Key(), nullptr, std::nullopt);
  auto rt2 = parse_runtime_data(as_bytes(bare));
  ASSERT_TRUE(rt2) << rt2.error().message;
  EXPECT_FALSE(rt2->ek_pub);
  EXPECT_FALSE(rt2->user_data);
  EXPECT_TRUE(rt2->vm_configuration.is_null());
}

TEST(AzureRuntimeData, RejectsBadDocuments) {
  for (const char* text : {
           "",
           "[]",
           "{}",
           "{\"keys\":{}}",
           "{\"keys\":[1]}",
           "{\"keys\":[]}",
           R"({"keys":[{"kid":"HCLEkPub","kty":"RSA","e":"AQAB","n":"AQAB"}]})",
           R"({"keys":[{"kid":"HCLAkPub","kty":"EC","e":"AQAB","n":"AQAB"}]})",
           R"({"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"!!"}]})",
           R"({"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB"}]})",
           R"({"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"wQ"}],"user-data":"0g"})",
           R"({"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"wQ"}],"user-data":1})",
       }) {
    auto rt = parse_runtime_data(as_bytes(text));
    ASSERT_FALSE(rt) << text;
    EXPECT_EQ(rt.error().code, "azure.runtime_data_invalid") << text;
  }
  std::string deep(200, '[');
  EXPECT_FALSE(parse_runtime_data(as_bytes(deep)));
}

// ---- TPM ----

TEST(AzureTpm, AttestRoundTripAndLayout) {
  TpmsAttest a = built_attest();
  a.clock = 0x0102030405060708;
  a.reset_count = 9;
  a.restart_count = 10;
  a.safe = false;
  a.firmware_version = 0x2000000000000001;
  a.pcr_select = {all_sha256_pcrs(), PcrSelection{0x000C, Bytes{0x01, 0x00, 0x80}}};
  a.pcr_digest = Bytes(32, 0x11);
  const Bytes b = encode_tpms_attest(a);
  EXPECT_EQ(hex_encode(ByteView(b).first(6)), "ff5443478018");
  EXPECT_EQ(hex_encode(ByteView(b).subspan(6, 7)), "0005000b010203");
  auto back = parse_tpms_attest(b);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, a);
  EXPECT_EQ(encode_tpms_attest(*back), b);
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto p = parse_tpms_attest(ByteView(b).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error().code, "azure.tpm_attest_truncated") << n;
  }
}

TEST(AzureTpm, AttestRejectsWhatTheTpmCannotProduce) {
  auto invalid = [](const TpmsAttest& a, std::string_view why) {
    auto p = parse_tpms_attest(encode_tpms_attest(a));
    ASSERT_FALSE(p) << why;
    EXPECT_EQ(p.error().code, "azure.tpm_attest_invalid") << why;
  };
  TpmsAttest a = built_attest();
  a.magic = 0xFF544348;
  invalid(a, "magic");
  a = built_attest();
  a.type = 0x8017;
  invalid(a, "type");
  a = built_attest();
  a.extra_data.assign(65, 1);
  invalid(a, "extraData");
  a = built_attest();
  a.qualified_signer.assign(67, 1);
  invalid(a, "qualifiedSigner");
  a = built_attest();
  a.pcr_digest.assign(65, 1);
  invalid(a, "pcrDigest");
  a = built_attest();
  a.pcr_select = {PcrSelection{kTpmAlgSha256, Bytes(5, 0xFF)}};
  invalid(a, "sizeofSelect");
  a = built_attest();
  a.pcr_select.assign(17, all_sha256_pcrs());
  invalid(a, "banks");
  Bytes b = encode_tpms_attest(built_attest());
  b.push_back(0);
  auto trailing = parse_tpms_attest(b);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().code, "azure.tpm_attest_invalid");
  b = encode_tpms_attest(built_attest());
  b[6 + 2 + 5 + 2 + 9 + 16] = 2;  // clockInfo.safe
  auto safe = parse_tpms_attest(b);
  ASSERT_FALSE(safe);
  EXPECT_EQ(safe.error().code, "azure.tpm_attest_invalid");
}

TEST(AzureTpm, PcrSelectionAndDigest) {
  EXPECT_EQ(selected_pcrs(all_sha256_pcrs()).size(), kPcrCount);
  EXPECT_EQ(selected_pcrs(PcrSelection{kTpmAlgSha256, Bytes{0x21, 0x01}}),
            (std::vector<std::uint32_t>{0, 5, 8}));
  std::vector<Bytes> pcrs;
  Bytes all;
  for (std::size_t i = 0; i < kPcrCount; ++i) {
    pcrs.push_back(Bytes(32, static_cast<std::uint8_t>(i)));
    all.insert(all.end(), pcrs.back().begin(), pcrs.back().end());
  }
  EXPECT_EQ(pcr_digest(pcrs, all_sha256_pcrs()), sha256(all));
  Bytes some;
  for (int i : {0, 5, 8}) some.insert(some.end(), pcrs[i].begin(), pcrs[i].end());
  EXPECT_EQ(pcr_digest(pcrs, PcrSelection{kTpmAlgSha256, Bytes{0x21, 0x01}}), sha256(some));
  pcrs.resize(8);
  EXPECT_TRUE(pcr_digest(pcrs, all_sha256_pcrs()).empty());  // PCR 8.. selected but not given
  // SHA-256 of 64 zero bytes.
  EXPECT_EQ(hex_encode(pcr_extend(Bytes(32, 0), Bytes(32, 0))),
            "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
}

TEST(AzureTpm, InitDataPcr8IsHandComputed) {
  // PCR8 = SHA-256(32 zero bytes || first 32 bytes of the init-data digest), computed with Python hashlib.
  Bytes digest48(48);
  for (std::size_t i = 0; i < digest48.size(); ++i) digest48[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(hex_encode(init_data_pcr8(digest48)),
            "bb2275c49f28ad52cae6d55e34a974a58c7a3ba26f976e8ecbbe7a536918dc73");
  EXPECT_EQ(hex_encode(init_data_pcr8(sha256(Bytes{}))),
            "1c9ecec90e28d2461650418635878a5c91e49f47586ecf75f2b0cbb94e897112");
  EXPECT_EQ(init_data_pcr8(digest48), pcr_extend(Bytes(32, 0), ByteView(digest48).first(32)));
}

TEST(AzureTpm, SignatureByTheAk) {
  TpmQuote q;
  q.message = encode_tpms_attest(built_attest());
  q.signature = rsa_pkcs1_sign(ak(), HashAlg::sha256, q.message);
  EXPECT_TRUE(verify_quote_signature(q, ak()));
  EXPECT_FALSE(verify_quote_signature(q, ek()));
  EXPECT_FALSE(verify_quote_signature(q, Key()));
  q.message.back() ^= 1;
  EXPECT_FALSE(verify_quote_signature(q, ak()));
}

TEST(AzureTpm, BincodeQuoteRoundTripAndTruncation) {
  TpmQuote q;
  q.signature = Bytes(256, 0x5A);
  q.message = encode_tpms_attest(built_attest());
  for (std::size_t i = 0; i < kPcrCount; ++i) q.pcrs.push_back(Bytes(32, static_cast<std::uint8_t>(i)));
  const Bytes b = encode_bincode_quote(q);
  EXPECT_EQ(b.size(), 8 + 256 + 8 + q.message.size() + 8 + 24 * 32);
  EXPECT_EQ(load_le64(b, 0), 256u);
  auto back = parse_bincode_quote(b);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, q);
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto p = parse_bincode_quote(ByteView(b).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error().code, "azure.tpm_quote_invalid");
  }
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_FALSE(parse_bincode_quote(longer));
  Bytes huge = b;
  store_le64(huge, 0, ~std::uint64_t{0});
  EXPECT_FALSE(parse_bincode_quote(huge));
  huge = b;
  store_le64(huge, 8 + 256 + 8 + q.message.size(), std::uint64_t{1} << 60);
  EXPECT_FALSE(parse_bincode_quote(huge));
}

// ---- evidence JSON ----

namespace {

AzSnpEvidence built_snp_evidence(int version) {
  AzSnpEvidence ev;
  ev.version = version;
  ev.hcl_report = built_hcl(HclReportType::snp);
  ev.hcl_report_bytes = encode_hcl_report(ev.hcl_report);
  ev.tpm_quote.message = encode_tpms_attest(built_attest());
  ev.tpm_quote.signature = rsa_pkcs1_sign(ak(), HashAlg::sha256, ev.tpm_quote.message);
  for (std::size_t i = 0; i < kPcrCount; ++i)
    ev.tpm_quote.pcrs.push_back(Bytes(32, static_cast<std::uint8_t>(i)));
  ev.vcek_der = Bytes(1000, 0x30);  // the format layer does not parse the certificate
  return ev;
}

}  // namespace

TEST(AzureEvidence, SnpAllVersionsRoundTrip) {
  for (int v : {0, 1, 2}) {
    SCOPED_TRACE(v);
    const AzSnpEvidence ev = built_snp_evidence(v);
    const nlohmann::json j = az_snp_evidence_to_json(ev);
    EXPECT_EQ(j.contains("version"), v != 0);
    EXPECT_EQ(j.contains("quote"), v == 0);
    auto back = az_snp_evidence_from_json(j);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, ev);
    auto from_text = az_snp_evidence_from_text(j.dump());
    ASSERT_TRUE(from_text);
    EXPECT_EQ(*from_text, ev);
    EXPECT_EQ(az_snp_evidence_to_json(*back), j);
  }
  // The writer encodes the parsed report when no bytes are given.
  AzSnpEvidence ev = built_snp_evidence(1);
  const Bytes bytes = ev.hcl_report_bytes;
  ev.hcl_report_bytes.clear();
  EXPECT_EQ(az_snp_evidence_to_json(ev)["hcl_report"], base64url_encode(bytes, true));
}

TEST(AzureEvidence, SnpPaddingAndPemForms) {
  const AzSnpEvidence ev = built_snp_evidence(1);
  nlohmann::json j = az_snp_evidence_to_json(ev);
  const std::string padded = j["vcek"];
  ASSERT_EQ(padded.back(), '=');
  j["vcek"] = padded.substr(0, padded.find('='));  // serde_with reads unpadded too
  auto unpadded = az_snp_evidence_from_json(j);
  ASSERT_TRUE(unpadded) << unpadded.error().message;
  EXPECT_EQ(unpadded->vcek_der, ev.vcek_der);
  j["vcek"] = base64_encode(ev.vcek_der);  // the standard alphabet is not base64url
  j["vcek"] = std::string(j["vcek"]).replace(0, 1, "+");
  auto bad = az_snp_evidence_from_json(j);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("vcek"), std::string::npos) << bad.error().message;

  const nlohmann::json v0 = az_snp_evidence_to_json(built_snp_evidence(0));
  const std::string pem = v0["vcek"];
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_TRUE(pem.ends_with("\n-----END CERTIFICATE-----\n"));
  EXPECT_EQ(pem.find('\n', 28), 28u + 64u);
}

TEST(AzureEvidence, SnpVersionsAreTriedAsTrusteeDoes) {
  // A v0 document that also says "version": 1 is v0 (v1 needs tpm_quote): serde's untagged enum.
  nlohmann::json v0 = az_snp_evidence_to_json(built_snp_evidence(0));
  v0["version"] = 1;
  auto ev = az_snp_evidence_from_json(v0);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->version, 0);
  // Version 3 in the v1 shape is nothing Trustee knows; the error is about the v0 shape.
  nlohmann::json v3 = az_snp_evidence_to_json(built_snp_evidence(1));
  v3["version"] = 3;
  auto bad = az_snp_evidence_from_json(v3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "azure.evidence_invalid");
  EXPECT_NE(bad.error().message.find("v0"), std::string::npos) << bad.error().message;
  // Errors name the field of the version the document names.
  nlohmann::json v2 = az_snp_evidence_to_json(built_snp_evidence(2));
  v2["tpm_quote"]["signature"] = "abc";
  bad = az_snp_evidence_from_json(v2);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("v2 evidence: tpm_quote.signature"), std::string::npos)
      << bad.error().message;
  v2 = az_snp_evidence_to_json(built_snp_evidence(2));
  v2["tpm_quote"]["pcrs"][3] = 7;
  bad = az_snp_evidence_from_json(v2);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("tpm_quote.pcrs[3]"), std::string::npos) << bad.error().message;
  v2 = az_snp_evidence_to_json(built_snp_evidence(2));
  v2["version"] = -2;
  EXPECT_FALSE(az_snp_evidence_from_json(v2));
  v2["version"] = 2.0;
  EXPECT_FALSE(az_snp_evidence_from_json(v2));
  // The HCL report must parse; its own code comes back, naming the field.
  v2 = az_snp_evidence_to_json(built_snp_evidence(2));
  v2["hcl_report"] = base64url_encode(Bytes(100, 0), true);
  bad = az_snp_evidence_from_json(v2);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "azure.hcl_truncated");
  EXPECT_NE(bad.error().message.find("hcl_report"), std::string::npos);
  // v0 byte arrays: only integers 0..255, PCRs of 32 bytes.
  nlohmann::json v0b = az_snp_evidence_to_json(built_snp_evidence(0));
  v0b["quote"]["signature"][0] = 256;
  bad = az_snp_evidence_from_json(v0b);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("quote.signature"), std::string::npos) << bad.error().message;
  v0b = az_snp_evidence_to_json(built_snp_evidence(0));
  v0b["quote"]["pcrs"][0].erase(0);
  bad = az_snp_evidence_from_json(v0b);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("quote.pcrs[0] is not 32 bytes"), std::string::npos)
      << bad.error().message;
  v0b = az_snp_evidence_to_json(built_snp_evidence(0));
  v0b["vcek"] = "not a pem";
  bad = az_snp_evidence_from_json(v0b);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("vcek"), std::string::npos) << bad.error().message;
  for (const char* text : {"", "[]", "null", "{}", "{\"version\":2}"}) {
    auto r = az_snp_evidence_from_text(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, "azure.evidence_invalid");
  }
}

TEST(AzureEvidence, TdxVersionsRoundTrip) {
  AzTdxEvidence ev;
  ev.hcl_report_bytes = encode_hcl_report(built_hcl(HclReportType::tdx));
  ev.td_quote = Bytes(5006, 0x42);
  ev.tpm_quote = built_snp_evidence(1).tpm_quote;
  for (int v : {0, 1, 2}) {  // Trustee's TDX v1 reads "version" without checking it
    SCOPED_TRACE(v);
    ev.version = v;
    const nlohmann::json j = az_tdx_evidence_to_json(ev);
    auto back = az_tdx_evidence_from_json(j);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, ev);
    EXPECT_EQ(az_tdx_evidence_to_json(*back), j);
    auto from_text = az_tdx_evidence_from_text(j.dump());
    ASSERT_TRUE(from_text);
  }
  ev.version = 1;
  nlohmann::json j = az_tdx_evidence_to_json(ev);
  j["td_quote"] = "*";
  auto bad = az_tdx_evidence_from_json(j);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "azure.evidence_invalid");
  EXPECT_NE(bad.error().message.find("v1 evidence: td_quote"), std::string::npos) << bad.error().message;
  ev.version = 0;
  j = az_tdx_evidence_to_json(ev);
  j.erase("hcl_report");
  bad = az_tdx_evidence_from_json(j);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("v0 evidence: hcl_report is missing"), std::string::npos)
      << bad.error().message;
}
