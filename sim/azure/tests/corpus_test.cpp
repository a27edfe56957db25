// The real Azure CVM evidence of shared/corpus/azure (Trustee's az-snp-vtpm / az-tdx-vtpm test data): HCL
// reports parse, round-trip byte-identically and match the facts MANIFEST.json records; their hardware
// report binds SHA-256 of the variable data; the TPM quotes parse, round-trip, carry the nonce
// "challenge", select the PCRs the facts name, digest the shipped PCRs and verify with the HCL AK;
// quote.bin (bincode) equals tpm-quote-v1.json; evidence JSON v0/v1/v2 (SNP) and v0/v1 (TDX) parse,
// ship the standalone HCL report and TD quote where the manifest says so, and re-serialise to equal JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"
#include "core/x509.h"
#include "snp/report.h"
#include "tdx/quote.h"

using namespace coco;
using namespace coco::azure;
using test::corpus_file;

namespace {

const char* const kHclReports[] = {
    "azure/snp-vtpm/hcl-report.bin",
    "azure/snp-vtpm/hcl-report-legacy-2048.bin",
    "azure/tdx-vtpm/hcl-report.bin",
};
const char* const kSnpEvidence[] = {
    "azure/snp-vtpm/evidence-v0.json",
    "azure/snp-vtpm/evidence-v1.json",
    "azure/snp-vtpm/evidence-v2.json",
    "azure/snp-vtpm/evidence-genoa.json",
};
const char* const kTdxEvidence[] = {
    "azure/tdx-vtpm/evidence-v0.json",
    "azure/tdx-vtpm/evidence-v1.json",
};
// TPM quotes with the HCL report whose AK signed them.
const std::map<std::string, std::string> kQuoteAk = {
    {"azure/snp-vtpm/tpm-quote-v1.json", "azure/snp-vtpm/hcl-report.bin"},
    {"azure/snp-vtpm/quote.bin", "azure/snp-vtpm/hcl-report.bin"},
    {"azure/tdx-vtpm/tpm-quote-v1.json", "azure/tdx-vtpm/hcl-report.bin"},
    {"azure/tdx-vtpm/quote.bin", "azure/tdx-vtpm/hcl-report.bin"},
};

nlohmann::json manifest() {
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  return nlohmann::json::parse(in);
}

nlohmann::json facts_of(const std::string& path) {
  const nlohmann::json m = manifest();
  for (const auto& e : m["entries"])
    if (e["path"] == path) return e["facts"];
  return nullptr;
}

nlohmann::json corpus_json(const std::string& path) {
  std::ifstream in(test::shared_dir() / "corpus" / path);
  return nlohmann::json::parse(in);
}

HclReport hcl_of(const std::string& path) {
  auto r = parse_hcl_report(corpus_file(path));
  if (!r) throw std::runtime_error(path + ": " + r.error().message);
  return *r;
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 32);
  return s;
}

// The checks every HCL report gets, against the `hcl` facts of its manifest entry.
void check_hcl(const HclReport& hcl, ByteView raw, const nlohmann::json& f) {
  EXPECT_EQ(encode_hcl_report(hcl), Bytes(raw.begin(), raw.end()));
  EXPECT_EQ(raw.size(), f["total"].get<std::size_t>());
  EXPECT_EQ(hcl.version, f["hcla_version"].get<std::uint32_t>());
  EXPECT_EQ(hcl.request_type, f["request_type"].get<std::uint32_t>());
  EXPECT_EQ(static_cast<std::uint32_t>(hcl.type), f["igvm_report_type"].get<std::uint32_t>());
  EXPECT_EQ(hcl.hash_type, f["hash_type"].get<std::uint32_t>());
  EXPECT_EQ(hcl.var_data.size(), f["var_size"].get<std::size_t>());
  EXPECT_EQ(load_le32(raw, 0x08), f["report_size"].get<std::uint32_t>());
  EXPECT_EQ(hcl.status, 0u);
  EXPECT_TRUE(all_zero(hcl.padding));

  // The hardware report binds SHA-256 of exactly the variable data; its second half is zero.
  const Bytes digest = hcl_var_data_digest(hcl);
  EXPECT_EQ(digest, sha256(hcl.var_data));
  const Bytes rd = hcl_hw_report_data(hcl);
  ASSERT_EQ(rd.size(), 64u);
  EXPECT_EQ(Bytes(rd.begin(), rd.begin() + 32), digest);
  EXPECT_TRUE(all_zero(ByteView(rd).subspan(32)));
  if (hcl.type == HclReportType::snp) {
    auto snp = snp::parse_report(hcl_hw_report(hcl));
    ASSERT_TRUE(snp) << snp.error().message;
    const auto& s = f["snp"];
    EXPECT_EQ(snp->version, s["version"].get<std::uint32_t>());
    EXPECT_EQ(snp->vmpl, s["vmpl"].get<std::uint32_t>());
    EXPECT_EQ(snp->policy, std::stoull(s["policy"].get<std::string>(), nullptr, 16));
    EXPECT_EQ(hex_encode(snp->report_data), s["report_data"]);
    EXPECT_EQ(hex_encode(snp->chip_id), s["chip_id"]);
    EXPECT_EQ(Bytes(snp->report_data.begin(), snp->report_data.end()), rd);
  } else {
    EXPECT_EQ(hcl_hw_report(hcl).size(), 1024u);
    auto td = tdx::parse_tdreport(hcl_hw_report(hcl));
    ASSERT_TRUE(td) << td.error().message;
    EXPECT_TRUE(td->type_is_tdx());
    EXPECT_EQ(hex_encode(td->mac_struct.report_data), f["tdreport_reportdata"]);
    EXPECT_TRUE(all_zero(ByteView(hcl.hw_report).subspan(1024)));
  }

  // Runtime data: the AK is RSA-2048, the keys and the VM configuration as recorded.
  auto rt = parse_runtime_data(hcl.var_data);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_TRUE(rt->ak_pub.is_rsa());
  EXPECT_EQ(rt->ak_pub.bits(), 2048);
  std::vector<std::string> kids;
  for (const auto& k : rt->json["keys"]) kids.push_back(k["kid"]);
  EXPECT_EQ(nlohmann::json(kids), f["var_data_keys"]);
  EXPECT_EQ(static_cast<bool>(rt->ek_pub), kids.size() == 2);
  EXPECT_EQ(rt->vm_configuration, f["vm_configuration"]);
  if (f["user_data"].is_null()) {
    EXPECT_FALSE(rt->user_data);
  } else {
    ASSERT_TRUE(rt->user_data);
    EXPECT_EQ(upper(hex_encode(*rt->user_data)), f["user_data"]);
    EXPECT_EQ(rt->json["user-data"], f["user_data"]);  // stored upper-case
    // Reports of the current paravisor serialise exactly as runtime_data_json writes them.
    EXPECT_EQ(runtime_data_json(rt->ak_pub, rt->ek_pub, rt->vm_configuration, rt->user_data),
              to_string(hcl.var_data));
  }
}

// The checks every TPM quote gets: TPMS_ATTEST parses and round-trips, nonce "challenge", all 24 sha256
// PCRs selected, their digest is the attest's, the AK signature verifies.
void check_quote(const TpmQuote& q, const Key& ak, const nlohmann::json& f) {
  auto a = parse_tpms_attest(q.message);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(encode_tpms_attest(*a), q.message);
  EXPECT_EQ(hex_encode(a->extra_data), f["extraData_nonce_hex"]);
  ASSERT_EQ(a->pcr_select.size(), 1u);
  EXPECT_EQ(a->pcr_select[0], all_sha256_pcrs());
  EXPECT_EQ(f["pcr_selection"], "sha256 all 24 PCRs");
  ASSERT_EQ(q.pcrs.size(), kPcrCount);
  for (const Bytes& p : q.pcrs) EXPECT_EQ(p.size(), 32u);
  EXPECT_EQ(pcr_digest(q.pcrs, a->pcr_select[0]), a->pcr_digest);
  EXPECT_EQ(hex_encode(q.pcrs[0]), f["pcr00"]);
  EXPECT_EQ(hex_encode(q.pcrs[8]), f["pcr08"]);
  EXPECT_TRUE(verify_quote_signature(q, ak));
  TpmQuote bad = q;
  bad.signature[0] ^= 1;
  EXPECT_FALSE(verify_quote_signature(bad, ak));
}

}  // namespace

TEST(AzureCorpus, EveryAzureFileInTheManifestIsCovered) {
  COCO_REQUIRE_CORPUS();
  std::set<std::string> covered(std::begin(kHclReports), std::end(kHclReports));
  covered.insert(std::begin(kSnpEvidence), std::end(kSnpEvidence));
  covered.insert(std::begin(kTdxEvidence), std::end(kTdxEvidence));
  for (const auto& [q, ak] : kQuoteAk) covered.insert(q);
  covered.insert({"azure/snp-vtpm/tpm-quote.msg", "azure/snp-vtpm/tpm-quote.sig"});
  const nlohmann::json m = manifest();
  for (const auto& e : m["entries"]) {
    const std::string kind = e["kind"];
    if (kind == "hcl-report" || kind == "tpm-quote" || kind == "azure-evidence") {
      EXPECT_TRUE(covered.count(e["path"])) << e["path"];
    }
  }
}

TEST(AzureCorpus, HclReportsMatchTheManifest) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kHclReports) {
    SCOPED_TRACE(path);
    const Bytes raw = corpus_file(path);
    auto hcl = parse_hcl_report(raw);
    ASSERT_TRUE(hcl) << hcl.error().message;
    check_hcl(*hcl, raw, facts_of(path));
  }
}

TEST(AzureCorpus, HclReportsTruncatedAnywhereFailCleanly) {
  COCO_REQUIRE_CORPUS();
  const Bytes raw = corpus_file("azure/snp-vtpm/hcl-report.bin");
  for (std::size_t n = 0; n < kHclVarDataOffset + 1110; ++n) {
    auto r = parse_hcl_report(ByteView(raw).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, "azure.hcl_truncated") << n;
  }
  // From the end of the variable data on, only the padding is shorter.
  auto r = parse_hcl_report(ByteView(raw).first(kHclVarDataOffset + 1110));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->padding.empty());
}

TEST(AzureCorpus, TrusteeNegativeBytesKeepTheirMeaning) {
  COCO_REQUIRE_CORPUS();
  // byte[0x06e0]+=1 (inside the variable data): the binding breaks. byte[0x0540]=0: the AK's JWK breaks.
  Bytes raw = corpus_file("azure/snp-vtpm/hcl-report.bin");
  Bytes changed = raw;
  changed[0x06e0] = static_cast<std::uint8_t>(changed[0x06e0] + 1);
  auto hcl = parse_hcl_report(changed);
  ASSERT_TRUE(hcl);
  const Bytes rd = hcl_hw_report_data(*hcl);
  EXPECT_NE(Bytes(rd.begin(), rd.begin() + 32), hcl_var_data_digest(*hcl));
  changed = raw;
  changed[0x0540] = 0;
  hcl = parse_hcl_report(changed);
  ASSERT_TRUE(hcl);
  auto rt = parse_runtime_data(hcl->var_data);
  ASSERT_FALSE(rt);
  EXPECT_EQ(rt.error().code, "azure.runtime_data_invalid");
}

TEST(AzureCorpus, TpmQuotesVerifyWithTheHclAk) {
  COCO_REQUIRE_CORPUS();
  for (const auto& [path, ak_path] : kQuoteAk) {
    SCOPED_TRACE(path);
    const nlohmann::json f = facts_of(path);
    // quote.bin's facts point at tpm-quote-v1.json of the same folder.
    const std::string json_path = path.substr(0, path.rfind('/')) + "/tpm-quote-v1.json";
    const nlohmann::json jf = facts_of(json_path);
    TpmQuote q;
    if (path.ends_with(".bin")) {
      const Bytes raw = corpus_file(path);
      auto parsed = parse_bincode_quote(raw);
      ASSERT_TRUE(parsed) << parsed.error().message;
      EXPECT_EQ(encode_bincode_quote(*parsed), raw);
      auto from_json = tpm_quote_from_json(corpus_json(json_path));
      ASSERT_TRUE(from_json);
      EXPECT_EQ(*parsed, *from_json);
      q = *parsed;
    } else {
      const nlohmann::json j = corpus_json(path);
      auto parsed = tpm_quote_from_json(j);
      ASSERT_TRUE(parsed) << parsed.error().message;
      EXPECT_EQ(tpm_quote_to_json(*parsed), j);
      q = *parsed;
    }
    auto rt = parse_runtime_data(hcl_of(ak_path).var_data);
    ASSERT_TRUE(rt);
    check_quote(q, rt->ak_pub, jf);
  }
}

TEST(AzureCorpus, TpmQuoteMsgSigVerifiesWithTheLegacyAk) {
  COCO_REQUIRE_CORPUS();
  const nlohmann::json f = facts_of("azure/snp-vtpm/tpm-quote.msg");
  TpmQuote q;
  q.message = corpus_file("azure/snp-vtpm/tpm-quote.msg");
  q.signature = corpus_file("azure/snp-vtpm/tpm-quote.sig");
  auto a = parse_tpms_attest(q.message);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(encode_tpms_attest(*a), q.message);
  EXPECT_EQ(to_string(a->extra_data), f["extraData_nonce_ascii"]);
  ASSERT_EQ(a->pcr_select.size(), 1u);
  EXPECT_EQ(a->pcr_select[0].hash, kTpmAlgSha256);
  EXPECT_EQ(hex_encode(a->pcr_select[0].select), "ff4000");
  EXPECT_EQ(selected_pcrs(a->pcr_select[0]), (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 14}));
  EXPECT_EQ(hex_encode(a->pcr_digest), f["pcr_digest"]);
  auto legacy = parse_runtime_data(hcl_of("azure/snp-vtpm/hcl-report-legacy-2048.bin").var_data);
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(verify_quote_signature(q, legacy->ak_pub));
  auto current = parse_runtime_data(hcl_of("azure/snp-vtpm/hcl-report.bin").var_data);
  ASSERT_TRUE(current);
  EXPECT_FALSE(verify_quote_signature(q, current->ak_pub));  // as the manifest notes
}

TEST(AzureCorpus, SnpEvidenceParsesAndReserialises) {
  COCO_REQUIRE_CORPUS();
  for (const char* path : kSnpEvidence) {
    SCOPED_TRACE(path);
    const nlohmann::json j = corpus_json(path);
    const nlohmann::json f = facts_of(path);
    auto ev = az_snp_evidence_from_json(j);
    ASSERT_TRUE(ev) << ev.error().message;
    const std::string format = f["format"];
    EXPECT_EQ(ev->version, format[1] - '0');
    EXPECT_EQ(az_snp_evidence_to_json(*ev), j);
    check_hcl(ev->hcl_report, ev->hcl_report_bytes, f["hcl"]);
    auto rt = parse_runtime_data(ev->hcl_report.var_data);
    ASSERT_TRUE(rt);
    check_quote(ev->tpm_quote, rt->ak_pub, f["tpm"]);
    // The VCEK is the DER of a certificate whose facts the manifest records.
    auto vcek = cert_from_der(ev->vcek_der);
    ASSERT_TRUE(vcek) << vcek.error().message;
    EXPECT_EQ(vcek->der(), ev->vcek_der);
  }
}

TEST(AzureCorpus, SnpEvidenceVersionsShareTheirContent) {
  COCO_REQUIRE_CORPUS();
  auto v0 = az_snp_evidence_from_json(corpus_json("azure/snp-vtpm/evidence-v0.json"));
  auto v1 = az_snp_evidence_from_json(corpus_json("azure/snp-vtpm/evidence-v1.json"));
  ASSERT_TRUE(v0 && v1);
  // Two captures of one VM: the same variable data, SNP REPORT_DATA, PCRs and VCEK, but the SNP report
  // (its signature) and the TPM quote (clock, signature) differ.
  EXPECT_EQ(v0->hcl_report.var_data, v1->hcl_report.var_data);
  EXPECT_EQ(hcl_hw_report_data(v0->hcl_report), hcl_hw_report_data(v1->hcl_report));
  EXPECT_NE(v0->hcl_report_bytes, v1->hcl_report_bytes);
  EXPECT_EQ(v0->tpm_quote.pcrs, v1->tpm_quote.pcrs);
  EXPECT_NE(v0->tpm_quote.message, v1->tpm_quote.message);
  EXPECT_EQ(v0->vcek_der, v1->vcek_der);
  // v2 binds the nonce into the HCL user-data: the nonce is a prefix of it.
  auto v2 = az_snp_evidence_from_json(corpus_json("azure/snp-vtpm/evidence-v2.json"));
  ASSERT_TRUE(v2);
  auto attest = parse_tpms_attest(v2->tpm_quote.message);
  auto rt = parse_runtime_data(v2->hcl_report.var_data);
  ASSERT_TRUE(attest && rt && rt->user_data);
  ASSERT_LE(attest->extra_data.size(), rt->user_data->size());
  EXPECT_TRUE(std::equal(attest->extra_data.begin(), attest->extra_data.end(), rt->user_data->begin()));
}

TEST(AzureCorpus, TdxEvidenceParsesAndReserialises) {
  COCO_REQUIRE_CORPUS();
  const Bytes hcl_raw = corpus_file("azure/tdx-vtpm/hcl-report.bin");
  const Bytes td_quote = corpus_file("azure/tdx-vtpm/td-quote.bin");
  for (const char* path : kTdxEvidence) {
    SCOPED_TRACE(path);
    const nlohmann::json j = corpus_json(path);
    const nlohmann::json f = facts_of(path);
    auto ev = az_tdx_evidence_from_json(j);
    ASSERT_TRUE(ev) << ev.error().message;
    EXPECT_EQ(ev->version, std::string(path).ends_with("v1.json") ? 1 : 0);
    EXPECT_EQ(az_tdx_evidence_to_json(*ev), j);
    ASSERT_EQ(f["hcl_report_identical_to"], "azure/tdx-vtpm/hcl-report.bin");
    ASSERT_EQ(f["td_quote_identical_to"], "azure/tdx-vtpm/td-quote.bin");
    EXPECT_EQ(ev->hcl_report_bytes, hcl_raw);
    EXPECT_EQ(ev->td_quote, td_quote);
    auto hcl = parse_hcl_report(ev->hcl_report_bytes);
    ASSERT_TRUE(hcl);
    auto rt = parse_runtime_data(hcl->var_data);
    ASSERT_TRUE(rt);
    check_quote(ev->tpm_quote, rt->ak_pub, f["tpm"]);
    // The TD quote carries the TDREPORT's REPORTDATA = SHA-256(variable data) || zeros.
    auto q = tdx::parse_quote(ev->td_quote);
    ASSERT_TRUE(q) << q.error().message;
    EXPECT_EQ(Bytes(q->body.report_data.begin(), q->body.report_data.end()), hcl_hw_report_data(*hcl));
  }
  auto tpm = tpm_quote_from_json(corpus_json("azure/tdx-vtpm/tpm-quote-v1.json"));
  auto ev = az_tdx_evidence_from_json(corpus_json("azure/tdx-vtpm/evidence-v1.json"));
  ASSERT_TRUE(tpm && ev);
  EXPECT_EQ(ev->tpm_quote, *tpm);
}

TEST(AzureCorpus, EvidenceOfOneTeeIsNotTheOther) {
  COCO_REQUIRE_CORPUS();
  auto snp_as_tdx = az_tdx_evidence_from_json(corpus_json("azure/snp-vtpm/evidence-v1.json"));
  ASSERT_FALSE(snp_as_tdx);
  EXPECT_EQ(snp_as_tdx.error().code, "azure.evidence_invalid");
  EXPECT_NE(snp_as_tdx.error().message.find("td_quote"), std::string::npos) << snp_as_tdx.error().message;
  auto tdx_as_snp = az_snp_evidence_from_json(corpus_json("azure/tdx-vtpm/evidence-v1.json"));
  ASSERT_FALSE(tdx_as_snp);
  EXPECT_EQ(tdx_as_snp.error().code, "azure.evidence_invalid");
  EXPECT_NE(tdx_as_snp.error().message.find("vcek"), std::string::npos) << tdx_as_snp.error().message;
}
