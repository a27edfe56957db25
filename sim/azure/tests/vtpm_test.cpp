// The simulated Azure vTPM: the in-process model and swtpm (through libtss2 ESYS) give quotes the same
// verifier accepts (and tpm2_checkquote, for swtpm), PCR 8 init-data extends, NV round trips of a real
// HCL report's size, and the swtpm process goes away with the object.
#include "azure/vtpm.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <tss2/tss2_tpm2_types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "azure/src/vtpm_internal.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/test_support.h"

namespace coco::azure {
namespace {

Bytes pattern(std::size_t n, std::uint8_t salt) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 31 + salt) & 0xFF);
  return b;
}

Bytes nonce64() {
  return sha512(as_bytes("vtpm-test-nonce"));
}

#define COCO_REQUIRE_SWTPM()                                                                                 \
  do {                                                                                                       \
    if (find_swtpm_binary("swtpm").empty() || find_swtpm_binary("swtpm_setup").empty())                      \
      GTEST_SKIP() << "swtpm / swtpm_setup not installed (Debian packages swtpm swtpm-tools; run ci/setup)"; \
  } while (0)

// Everything a verifier checks in a quote, with the expectations the vTPM contract gives.
void expect_quote_verifies(const Vtpm& vtpm, const TpmQuote& q, ByteView nonce, const PcrSelection& sel) {
  EXPECT_TRUE(verify_quote_signature(q, vtpm.ak_public()));
  EXPECT_EQ(q.signature.size(), 256u);
  ASSERT_EQ(q.pcrs.size(), kPcrCount);
  auto a = parse_tpms_attest(q.message);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->magic, kTpmGeneratedValue);
  EXPECT_EQ(a->type, kTpmStAttestQuote);
  EXPECT_EQ(a->extra_data, to_bytes(nonce));
  EXPECT_EQ(a->qualified_signer, vtpm_ak_qualified_name(vtpm.ak_public()));
  ASSERT_EQ(a->pcr_select.size(), 1u);
  EXPECT_EQ(a->pcr_select[0], sel);
  EXPECT_EQ(a->pcr_digest, pcr_digest(q.pcrs, sel));
}

// Child processes of this test process (by /proc/<pid>/stat's ppid) whose command is `name`.
int children_named(const std::string& name) {
  int count = 0;
  DIR* d = ::opendir("/proc");
  if (!d) return 0;
  while (dirent* e = ::readdir(d)) {
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string comm = line.substr(open + 1, close - open - 1);
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) != 2) continue;
    if (ppid == ::getpid() && comm == name) ++count;
  }
  ::closedir(d);
  return count;
}

// ---- in-process ----------------------------------------------------------------------------------------

TEST(InProcessVtpm, QuoteVerifies) {
  auto vtpm = make_in_process_vtpm("vtpm-test");
  EXPECT_EQ(vtpm->kind(), "in-process");
  EXPECT_TRUE(vtpm->ak_public().is_rsa());
  EXPECT_EQ(vtpm->ak_public().bits(), 2048);
  EXPECT_EQ(vtpm->ek_public().bits(), 2048);
  EXPECT_FALSE(vtpm->ak_public().same_public(vtpm->ek_public()));
  const Bytes nonce = nonce64();
  auto q = vtpm->quote(nonce);
  ASSERT_TRUE(q.ok()) << q.error().message;
  expect_quote_verifies(*vtpm, *q, nonce, all_sha256_pcrs());
  auto a = parse_tpms_attest(q->message);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->clock, kInProcessClockStart);
  EXPECT_EQ(a->firmware_version, kLibtpmsFirmwareVersion);
  EXPECT_TRUE(a->safe);
  // PC client reset values: PCR 17..22 all ones, the others zero.
  for (std::size_t i = 0; i < kPcrCount; ++i)
    EXPECT_EQ(q->pcrs[i], Bytes(32, (i >= 17 && i <= 22) ? 0xFF : 0x00)) << "PCR " << i;
  // A quote over a subset.
  const PcrSelection some{kTpmAlgSha256, Bytes{0x81, 0x01, 0x80}};  // PCR 0, 7, 8, 23
  auto q2 = vtpm->quote(Bytes{1, 2, 3}, some);
  ASSERT_TRUE(q2.ok());
  expect_quote_verifies(*vtpm, *q2, Bytes{1, 2, 3}, some);
  EXPECT_EQ(parse_tpms_attest(q2->message)->clock, kInProcessClockStart + kInProcessClockStep);
}

TEST(InProcessVtpm, DeterministicFromSeed) {
  auto a = make_in_process_vtpm("seed-a");
  auto b = make_in_process_vtpm("seed-a");
  auto c = make_in_process_vtpm("seed-c");
  EXPECT_TRUE(a->ak_public().same_public(b->ak_public()));
  EXPECT_TRUE(a->ek_public().same_public(b->ek_public()));
  EXPECT_FALSE(a->ak_public().same_public(c->ak_public()));
  for (auto* v : {a.get(), b.get()}) ASSERT_TRUE(v->extend_pcr(8, sha256(as_bytes("x"))).ok());
  auto qa = a->quote(nonce64());
  auto qb = b->quote(nonce64());
  ASSERT_TRUE(qa.ok() && qb.ok());
  EXPECT_EQ(*qa, *qb);
}

TEST(InProcessVtpm, TamperedQuoteFails) {
  auto vtpm = make_in_process_vtpm("vtpm-test");
  auto q = vtpm->quote(nonce64());
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(verify_quote_signature(*q, vtpm->ak_public()));

  TpmQuote bad_msg = *q;
  bad_msg.message.back() ^= 0x01;  // the pcrDigest's last byte
  EXPECT_FALSE(verify_quote_signature(bad_msg, vtpm->ak_public()));
  TpmQuote bad_sig = *q;
  bad_sig.signature[10] ^= 0x80;
  EXPECT_FALSE(verify_quote_signature(bad_sig, vtpm->ak_public()));
  // Another vTPM's AK does not verify it.
  EXPECT_FALSE(verify_quote_signature(*q, make_in_process_vtpm("other")->ak_public()));
  // PCR values shipped beside the quote that were not quoted: the signature holds, the digest does not.
  TpmQuote bad_pcr = *q;
  bad_pcr.pcrs[8][0] ^= 0x01;
  EXPECT_TRUE(verify_quote_signature(bad_pcr, vtpm->ak_public()));
  EXPECT_NE(parse_tpms_attest(bad_pcr.message)->pcr_digest, pcr_digest(bad_pcr.pcrs, all_sha256_pcrs()));
}

TEST(InProcessVtpm, InitDataPcr8) {
  auto vtpm = make_in_process_vtpm("vtpm-test");
  const Bytes init_data_digest = sha256(as_bytes("algorithm = \"sha256\"\nversion = \"0.1.0\"\n"));
  ASSERT_TRUE(vtpm->extend_pcr(kInitDataPcr, init_data_digest).ok());
  auto pcrs = vtpm->read_pcrs();
  ASSERT_TRUE(pcrs.ok());
  EXPECT_EQ((*pcrs)[8], init_data_pcr8(init_data_digest));
}

TEST(InProcessVtpm, NvRoundTripAndErrors) {
  auto vtpm = make_in_process_vtpm("vtpm-test");
  const Bytes hcl = pattern(2600, 7), user = pattern(64, 9);
  ASSERT_TRUE(vtpm->nv_write(kNvIndexHclReport, hcl).ok());
  ASSERT_TRUE(vtpm->nv_write(kNvIndexReportData, user).ok());
  EXPECT_EQ(*vtpm->nv_read(kNvIndexHclReport), hcl);
  EXPECT_EQ(*vtpm->nv_read(kNvIndexReportData), user);
  EXPECT_EQ(vtpm->nv_read(0x01400003).error().code, "azure.nv_undefined");

  EXPECT_EQ(vtpm->extend_pcr(24, Bytes(32)).error().code, "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->extend_pcr(8, Bytes(48)).error().code, "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->quote(Bytes(65)).error().code, "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->quote(Bytes(4), PcrSelection{0x0004, Bytes{0xFF, 0xFF, 0xFF}}).error().code,
            "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->nv_write(0x81000003, user).error().code, "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->nv_write(kNvIndexReportData, Bytes{}).error().code, "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->nv_write(kNvIndexHclReport, Bytes(kMaxNvData + 1)).error().code,
            "azure.vtpm_argument_invalid");
  EXPECT_EQ(vtpm->nv_write(0x01800010, hcl).error().code, "azure.vtpm_argument_invalid");
}

// The AK name is the TPM's: 0x000B || SHA-256 of the public area.
TEST(InProcessVtpm, AkPublicArea) {
  auto vtpm = make_in_process_vtpm("vtpm-test");
  const Bytes area = vtpm_ak_public_area(vtpm->ak_public());
  ASSERT_EQ(area.size(), 2u + 2 + 4 + 2 + 2 + 4 + 2 + 4 + 2 + 256);
  // type RSA, nameAlg SHA-256, attributes, empty authPolicy, symmetric NULL, RSASSA SHA-256, 2048 bits,
  // exponent 0, unique.rsa size 256.
  EXPECT_EQ(hex_encode(ByteView(area).first(24)), "0001000b00050072000000100014000b0800000000000100");
  Bytes name{0x00, 0x0B};
  const Bytes h = sha256(area);
  name.insert(name.end(), h.begin(), h.end());
  EXPECT_EQ(vtpm_ak_name(vtpm->ak_public()), name);
}

// ---- swtpm
// -------------------------------------------------------------------------------------------------

class SwtpmVtpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    COCO_REQUIRE_SWTPM();
    auto v = start_swtpm_vtpm(dir_.path() / "state");
    ASSERT_TRUE(v.ok()) << v.error().code << ": " << v.error().message;
    vtpm_ = std::move(*v);
  }
  test::TempDir dir_{"coco-vtpm"};
  std::unique_ptr<Vtpm> vtpm_;
};

TEST_F(SwtpmVtpmTest, QuoteVerifies) {
  EXPECT_EQ(vtpm_->kind(), "swtpm");
  EXPECT_EQ(vtpm_->ak_public().bits(), 2048);
  EXPECT_EQ(vtpm_->ek_public().bits(), 2048);
  const Bytes nonce = nonce64();
  auto q = vtpm_->quote(nonce);
  ASSERT_TRUE(q.ok()) << q.error().message;
  // qualifiedSigner == vtpm_ak_qualified_name: the TPM built the same TPMT_PUBLIC the in-process model
  // marshals, as a primary of the endorsement hierarchy.
  expect_quote_verifies(*vtpm_, *q, nonce, all_sha256_pcrs());
  for (std::size_t i = 0; i < kPcrCount; ++i)
    EXPECT_EQ(q->pcrs[i], Bytes(32, (i >= 17 && i <= 22) ? 0xFF : 0x00)) << "PCR " << i;
  TpmQuote bad = *q;
  bad.message[bad.message.size() / 2] ^= 0x01;
  EXPECT_FALSE(verify_quote_signature(bad, vtpm_->ak_public()));
  auto q2 = vtpm_->quote(Bytes{});
  ASSERT_TRUE(q2.ok()) << q2.error().message;
  expect_quote_verifies(*vtpm_, *q2, Bytes{}, all_sha256_pcrs());
}

// tpm2-tools' verifier accepts the quote: AK as PEM, the TPMS_ATTEST, the signature as tpm2_quote writes
// it (a marshalled TPMT_SIGNATURE) and the PCRs in tpm2-tools' serialized form (TPML_PCR_SELECTION, a
// UINT32 count, then TPML_DIGESTs of up to 8 values, as host structs), like tpm2_quote -o writes them.
TEST_F(SwtpmVtpmTest, Tpm2CheckquoteAccepts) {
  const std::string checkquote = find_swtpm_binary("tpm2_checkquote");
  if (checkquote.empty())
    GTEST_SKIP() << "tpm2_checkquote not installed (Debian package tpm2-tools; run ci/setup)";
  ASSERT_TRUE(vtpm_->extend_pcr(8, sha256(as_bytes("init-data"))).ok());
  const Bytes nonce = nonce64();
  auto q = vtpm_->quote(nonce);
  ASSERT_TRUE(q.ok()) << q.error().message;

  const auto d = dir_.path();
  ASSERT_TRUE(write_file(d / "ak.pem", as_bytes(public_key_to_pem(vtpm_->ak_public()))).ok());
  ASSERT_TRUE(write_file(d / "quote.msg", q->message).ok());
  Bytes sig{0x00, 0x14, 0x00, 0x0B, 0x01, 0x00};  // TPMT_SIGNATURE: RSASSA, SHA-256, TPM2B size 256
  sig.insert(sig.end(), q->signature.begin(), q->signature.end());
  ASSERT_TRUE(write_file(d / "quote.sig", sig).ok());

  TPML_PCR_SELECTION sel{};
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  sel.pcrSelections[0].pcrSelect[0] = sel.pcrSelections[0].pcrSelect[1] = sel.pcrSelections[0].pcrSelect[2] =
      0xFF;
  std::vector<TPML_DIGEST> digests(3);
  for (std::size_t i = 0; i < kPcrCount; ++i) {
    auto& list = digests[i / 8];
    auto& v = list.digests[list.count++];
    v.size = 32;
    std::copy(q->pcrs[i].begin(), q->pcrs[i].end(), v.buffer);
  }
  Bytes pcrs_file;
  const auto append = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    pcrs_file.insert(pcrs_file.end(), b, b + n);
  };
  append(&sel, sizeof sel);
  const std::uint32_t count = 3;
  append(&count, sizeof count);
  for (const auto& list : digests) append(&list, sizeof list);
  ASSERT_TRUE(write_file(d / "quote.pcrs", pcrs_file).ok());

  const std::string cmd = "timeout 60 " + checkquote + " -u " + (d / "ak.pem").string() + " -m " +
                          (d / "quote.msg").string() + " -s " + (d / "quote.sig").string() + " -f " +
                          (d / "quote.pcrs").string() + " -g sha256 -q " + hex_encode(nonce) + " > " +
                          (d / "checkquote.out").string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  auto out = read_file(d / "checkquote.out");
  const std::string text = out ? to_string(*out) : "";
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << cmd << "\n" << text;

  // A wrong nonce is refused.
  const std::string wrong = "timeout 60 " + checkquote + " -u " + (d / "ak.pem").string() + " -m " +
                            (d / "quote.msg").string() + " -s " + (d / "quote.sig").string() + " -f " +
                            (d / "quote.pcrs").string() + " -g sha256 -q 00112233 > /dev/null 2>&1";
  const int wrong_status = std::system(wrong.c_str());
  EXPECT_TRUE(WIFEXITED(wrong_status) && WEXITSTATUS(wrong_status) != 0);
}

TEST_F(SwtpmVtpmTest, InitDataPcr8) {
  const Bytes init_data_digest = sha256(as_bytes("algorithm = \"sha256\"\nversion = \"0.1.0\"\n"));
  ASSERT_TRUE(vtpm_->extend_pcr(kInitDataPcr, init_data_digest).ok());
  auto pcrs = vtpm_->read_pcrs();
  ASSERT_TRUE(pcrs.ok()) << pcrs.error().message;
  EXPECT_EQ((*pcrs)[8], init_data_pcr8(init_data_digest));
  EXPECT_EQ((*pcrs)[7], Bytes(32, 0));
  EXPECT_EQ(vtpm_->extend_pcr(24, Bytes(32)).error().code, "azure.vtpm_argument_invalid");
}

TEST_F(SwtpmVtpmTest, NvRoundTrip) {
  const Bytes hcl = pattern(2600, 1), user = pattern(64, 2);
  auto w = vtpm_->nv_write(kNvIndexHclReport, hcl);
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_TRUE(vtpm_->nv_write(kNvIndexReportData, user).ok());
  auto r = vtpm_->nv_read(kNvIndexHclReport);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, hcl);
  EXPECT_EQ(*vtpm_->nv_read(kNvIndexReportData), user);
  // Rewrites with other sizes redefine the index (and drop the continuation).
  const Bytes hcl2 = pattern(2048, 3), small = pattern(100, 4);
  ASSERT_TRUE(vtpm_->nv_write(kNvIndexHclReport, hcl2).ok());
  EXPECT_EQ(*vtpm_->nv_read(kNvIndexHclReport), hcl2);
  ASSERT_TRUE(vtpm_->nv_write(kNvIndexHclReport, small).ok());
  EXPECT_EQ(*vtpm_->nv_read(kNvIndexHclReport), small);
  EXPECT_EQ(vtpm_->nv_read(kNvIndexHclReport + kNvContinuationOffset).error().code, "azure.nv_undefined");
  ASSERT_TRUE(vtpm_->nv_write(kNvIndexHclReport, hcl).ok());
  EXPECT_EQ(*vtpm_->nv_read(kNvIndexHclReport), hcl);
  // The continuation holds the bytes past 2048.
  EXPECT_EQ(*vtpm_->nv_read(kNvIndexHclReport + kNvContinuationOffset), Bytes(hcl.begin() + 2048, hcl.end()));
  EXPECT_EQ(vtpm_->nv_read(0x01400003).error().code, "azure.nv_undefined");
  EXPECT_EQ(vtpm_->nv_write(0x01800010, hcl).error().code, "azure.vtpm_argument_invalid");
}

// The same operations on both give quotes of the same structure; PCR values and digests are equal, and
// only the keys and clock values differ.
TEST_F(SwtpmVtpmTest, SameStructureAsInProcess) {
  auto local = make_in_process_vtpm("vtpm-test");
  const Bytes nonce = nonce64();
  const PcrSelection some{kTpmAlgSha256, Bytes{0xFF, 0x01, 0x80}};
  for (Vtpm* v : {vtpm_.get(), local.get()}) {
    ASSERT_TRUE(v->extend_pcr(8, sha256(as_bytes("init"))).ok());
    ASSERT_TRUE(v->extend_pcr(23, sha256(as_bytes("app"))).ok());
  }
  for (const auto& sel : {all_sha256_pcrs(), some}) {
    auto qs = vtpm_->quote(nonce, sel);
    auto ql = local->quote(nonce, sel);
    ASSERT_TRUE(qs.ok() && ql.ok());
    expect_quote_verifies(*vtpm_, *qs, nonce, sel);
    expect_quote_verifies(*local, *ql, nonce, sel);
    EXPECT_EQ(qs->message.size(), ql->message.size());
    EXPECT_EQ(qs->signature.size(), ql->signature.size());
    EXPECT_EQ(qs->pcrs, ql->pcrs);
    auto as = parse_tpms_attest(qs->message);
    auto al = parse_tpms_attest(ql->message);
    ASSERT_TRUE(as.ok() && al.ok());
    EXPECT_EQ(as->magic, al->magic);
    EXPECT_EQ(as->type, al->type);
    EXPECT_EQ(as->qualified_signer.size(), al->qualified_signer.size());
    EXPECT_NE(as->qualified_signer, al->qualified_signer);  // different AKs
    EXPECT_EQ(as->extra_data, al->extra_data);
    EXPECT_EQ(as->safe, al->safe);
    EXPECT_EQ(as->pcr_select, al->pcr_select);
    EXPECT_EQ(as->pcr_digest, al->pcr_digest);
    // The in-process model claims the firmware version of Debian 12's libtpms.
    EXPECT_EQ(as->firmware_version, kLibtpmsFirmwareVersion) << std::hex << as->firmware_version;
    // The clock values are swtpm's own; the rest of the message is laid out identically.
    TpmsAttest s_no_clock = *as, l_no_clock = *al;
    for (auto* a : {&s_no_clock, &l_no_clock}) {
      a->clock = 0;
      a->reset_count = a->restart_count = 0;
      a->firmware_version = 0;
      a->qualified_signer.assign(a->qualified_signer.size(), 0);
    }
    EXPECT_EQ(encode_tpms_attest(s_no_clock), encode_tpms_attest(l_no_clock));
  }
}

// The AK is persisted at 0x81000003 and stays the same across a restart on the same state; the swtpm
// process is gone after destruction.
TEST_F(SwtpmVtpmTest, RestartKeepsKeysAndLeavesNoProcess) {
  const Key ak = vtpm_->ak_public(), ek = vtpm_->ek_public();
  ASSERT_TRUE(vtpm_->nv_write(kNvIndexHclReport, pattern(2600, 5)).ok());
  EXPECT_EQ(children_named("swtpm"), 1);
  vtpm_.reset();
  EXPECT_EQ(children_named("swtpm"), 0);
  auto again = start_swtpm_vtpm(dir_.path() / "state");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE((*again)->ak_public().same_public(ak));
  EXPECT_TRUE((*again)->ek_public().same_public(ek));
  EXPECT_EQ(*(*again)->nv_read(kNvIndexHclReport), pattern(2600, 5));
  auto q = (*again)->quote(Bytes{9});
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(verify_quote_signature(*q, ak));
  again->reset();
  EXPECT_EQ(children_named("swtpm"), 0);
}

TEST(SwtpmVtpm, ResponseCodesAreNamed) {
  EXPECT_EQ(detail::tpm_rc_name(0x2D5).rfind("TPM_RC_SIZE (0x2D5)", 0), 0u) << detail::tpm_rc_name(0x2D5);
  EXPECT_EQ(detail::tpm_rc_name(0x902).rfind("TPM_RC_OBJECT_MEMORY (0x902)", 0), 0u);
  EXPECT_EQ(detail::tpm_rc_name(0x14C).rfind("TPM_RC_NV_DEFINED (0x14C)", 0), 0u);
  EXPECT_EQ(detail::tpm_rc_name(0x18B).rfind("TPM_RC_HANDLE (0x18B)", 0), 0u);  // handle 1
}

// A state directory that cannot be created is reported as azure.swtpm_unavailable, with no process left.
TEST(SwtpmVtpm, UnusableStateDirIsUnavailable) {
  COCO_REQUIRE_SWTPM();
  test::TempDir dir("coco-vtpm");
  ASSERT_TRUE(write_file(dir.path() / "file", as_bytes("x")).ok());
  auto v = start_swtpm_vtpm(dir.path() / "file" / "state");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "azure.swtpm_unavailable");
  EXPECT_EQ(children_named("swtpm"), 0);
}

}  // namespace
}  // namespace coco::azure
