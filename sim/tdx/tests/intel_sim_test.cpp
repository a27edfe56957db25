// The simulated Intel PKI: chains verify (signatures and an OpenSSL store anchored at the simulated
// root), names and extension layout match Intel's real certificates, everything is reproducible from
// the seed, the SGX extension round-trips, and the parser reads the real PCK leaves of the corpus quotes.
#include "tdx/intel_sim.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/test_support.h"
#include "tdx/quote.h"

using namespace coco;
using namespace coco::tdx;

namespace {

constexpr const char* kSgxOid = "1.2.840.113741.1.13.1";

PckRequest sample_request(PckCa ca) {
  PckRequest r;
  for (std::size_t i = 0; i < r.ppid.size(); ++i) r.ppid[i] = static_cast<std::uint8_t>(0xA0 + i);
  r.fmspc = {0x50, 0x80, 0x6F, 0x00, 0x00, 0x00};
  r.pceid = {0x00, 0x00};
  r.tcb_comp_svn = {5, 5, 13, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  r.pcesvn = 11;
  r.cpusvn = {5, 5, 13, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  r.ca = ca;
  return r;
}

// Verifies `leaf` up to `root` with OpenSSL at a fixed time inside every validity period.
bool openssl_verifies(const Cert& root, const Cert& intermediate, const Cert& leaf) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  if (intermediate) sk_X509_push(untrusted, intermediate.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), untrusted);
  X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(utc_time(2026, 1, 1)));
  const bool ok = X509_verify_cert(ctx) == 1;
  if (!ok) ADD_FAILURE() << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  return ok;
}

Cert corpus_leaf(const std::string& rel) {
  auto q = parse_quote(test::corpus_file(rel));
  if (!q) throw std::runtime_error(q.error().message);
  const Bytes& chain = q->signed_data.certification.cert_data;
  auto certs = certs_from_pem(to_string(chain));
  if (!certs || certs->size() != 3) throw std::runtime_error("no 3-certificate PEM chain in " + rel);
  return (*certs)[0];
}

}  // namespace

TEST(IntelSim, CaCertificatesChainToTheSimulatedRoot) {
  IntelAuthority a("intel-sim-test");
  EXPECT_TRUE(a.root().verify_signature(a.root().public_key()));
  EXPECT_TRUE(a.platform_ca().verify_signature(a.root().public_key()));
  EXPECT_TRUE(a.processor_ca().verify_signature(a.root().public_key()));
  EXPECT_TRUE(a.tcb_signing().verify_signature(a.root().public_key()));
  EXPECT_TRUE(openssl_verifies(a.root(), Cert{}, a.tcb_signing()));
  EXPECT_TRUE(a.root().is_ca());
  EXPECT_TRUE(a.platform_ca().is_ca());
  EXPECT_FALSE(a.tcb_signing().is_ca());
  EXPECT_TRUE(a.tcb_signing().public_key().same_public(a.tcb_signing_key()));
}

TEST(IntelSim, PckChainsVerifyForBothIntermediates) {
  IntelAuthority a("intel-sim-test");
  for (PckCa ca : {PckCa::processor, PckCa::platform}) {
    IssuedPck p = a.issue_pck(sample_request(ca));
    EXPECT_TRUE(p.cert.verify_signature(a.intermediate(ca).public_key()));
    EXPECT_FALSE(p.cert.verify_signature(
        a.intermediate(ca == PckCa::platform ? PckCa::processor : PckCa::platform).public_key()));
    EXPECT_TRUE(p.cert.public_key().same_public(p.key));
    EXPECT_TRUE(openssl_verifies(a.root(), a.intermediate(ca), p.cert));
    auto chain = certs_from_pem(a.pck_chain_pem(ca, p.cert));
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->size(), 3u);
    EXPECT_EQ((*chain)[0].der(), p.cert.der());
    EXPECT_EQ((*chain)[2].der(), a.root().der());
  }
  auto tcb_chain = certs_from_pem(a.tcb_signing_chain_pem());
  ASSERT_TRUE(tcb_chain);
  EXPECT_EQ(tcb_chain->size(), 2u);
}

TEST(IntelSim, NamesAlgorithmsAndExtensionsAreIntels) {
  IntelAuthority a("intel-sim-test");
  const std::vector<std::pair<std::string, std::string>> root_name = {{"CN", "Intel SGX Root CA"},
                                                                      {"O", "Intel Corporation"},
                                                                      {"L", "Santa Clara"},
                                                                      {"ST", "CA"},
                                                                      {"C", "US"}};
  EXPECT_EQ(a.root().subject_rdns(), root_name);
  EXPECT_EQ(a.root().issuer_rdns(), root_name);
  EXPECT_EQ(a.platform_ca().subject_cn(), "Intel SGX PCK Platform CA");
  EXPECT_EQ(a.processor_ca().subject_cn(), "Intel SGX PCK Processor CA");
  EXPECT_EQ(a.tcb_signing().subject_cn(), "Intel SGX TCB Signing");
  EXPECT_EQ(a.tcb_signing().issuer_cn(), "Intel SGX Root CA");
  IssuedPck p = a.issue_pck(sample_request(PckCa::processor));
  EXPECT_EQ(p.cert.subject_cn(), "Intel SGX PCK Certificate");
  EXPECT_EQ(p.cert.issuer_cn(), "Intel SGX PCK Processor CA");
  for (const Cert* c :
       std::vector<const Cert*>{&a.root(), &a.platform_ca(), &a.processor_ca(), &a.tcb_signing(), &p.cert}) {
    EXPECT_EQ(c->signature_algorithm(), "ecdsa-with-SHA256");
    EXPECT_EQ(c->public_key().curve_name(), "prime256v1");
    EXPECT_EQ(c->version(), 3);
    EXPECT_EQ(c->serial_hex().size(), 40u) << c->subject_cn();  // 20-byte serials, as Intel's
  }
  const std::vector<std::string> ca_exts = {"2.5.29.35", "2.5.29.31", "2.5.29.14", "2.5.29.15", "2.5.29.19"};
  EXPECT_EQ(a.root().extension_oids(), ca_exts);
  EXPECT_EQ(a.platform_ca().extension_oids(), ca_exts);
  EXPECT_EQ(a.tcb_signing().extension_oids(), ca_exts);
  std::vector<std::string> pck_exts = ca_exts;
  pck_exts.push_back(kSgxOid);
  EXPECT_EQ(p.cert.extension_oids(), pck_exts);
  // The root's AKI and SKI are the same key identifier; the leaf's AKI is the intermediate's SKI.
  EXPECT_EQ(a.root().serial_hex().size(), 40u);
  auto aki = p.cert.extension_value("2.5.29.35");
  auto ski = a.processor_ca().extension_value("2.5.29.14");
  ASSERT_TRUE(aki && ski);
  ASSERT_EQ(aki->size(), 24u);
  EXPECT_EQ(Bytes(aki->begin() + 4, aki->end()), Bytes(ski->begin() + 2, ski->end()));
  EXPECT_EQ(
      p.cert.crl_distribution_points(),
      std::vector<std::string>{
          "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der"});
  EXPECT_EQ(a.root().crl_distribution_points(),
            std::vector<std::string>{"https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"});
}

TEST(IntelSim, DeterministicFromTheSeed) {
  IntelAuthority a("seed-1"), b("seed-1"), c("seed-2");
  EXPECT_EQ(a.root().der(), b.root().der());
  EXPECT_EQ(a.platform_ca().der(), b.platform_ca().der());
  EXPECT_EQ(a.processor_ca().der(), b.processor_ca().der());
  EXPECT_EQ(a.tcb_signing().der(), b.tcb_signing().der());
  EXPECT_NE(a.root().der(), c.root().der());
  for (PckCa ca : {PckCa::processor, PckCa::platform}) {
    const auto req = sample_request(ca);
    IssuedPck pa = a.issue_pck(req), pb = b.issue_pck(req), pc = c.issue_pck(req);
    EXPECT_EQ(pa.cert.der(), pb.cert.der());
    EXPECT_TRUE(pa.key.same_public(pb.key));
    EXPECT_FALSE(pa.key.same_public(pc.key));
    EXPECT_EQ(a.issue_pck(req).cert.der(), pa.cert.der());  // issued once, then reused
  }
  // Another TCB level of the same platform gets another key, as a real PCE derives it from CPUSVN.
  auto req = sample_request(PckCa::processor);
  req.cpusvn[0] = 7;
  EXPECT_FALSE(a.issue_pck(req).key.same_public(a.issue_pck(sample_request(PckCa::processor)).key));
}

TEST(IntelSim, SgxExtensionsRoundTrip) {
  IntelAuthority a("intel-sim-test");
  const auto req = sample_request(PckCa::processor);
  auto x = parse_sgx_extensions(a.issue_pck(req).cert);
  ASSERT_TRUE(x) << x.error().message;
  EXPECT_EQ(x->ppid, req.ppid);
  EXPECT_EQ(x->fmspc, req.fmspc);
  EXPECT_EQ(x->pceid, req.pceid);
  EXPECT_EQ(x->tcb_comp_svn, req.tcb_comp_svn);
  EXPECT_EQ(x->pcesvn, req.pcesvn);
  EXPECT_EQ(x->cpusvn, req.cpusvn);
  EXPECT_EQ(x->sgx_type, 0u);
  EXPECT_FALSE(x->platform_instance_id);
  EXPECT_FALSE(x->configuration);

  auto preq = sample_request(PckCa::platform);
  preq.pcesvn = 0x1234;          // two-byte INTEGER
  preq.tcb_comp_svn[15] = 0xFF;  // needs a leading zero byte in DER
  preq.configuration = {true, false, true};
  auto px = parse_sgx_extensions(a.issue_pck(preq).cert);
  ASSERT_TRUE(px) << px.error().message;
  EXPECT_EQ(px->pcesvn, 0x1234);
  EXPECT_EQ(px->tcb_comp_svn[15], 0xFF);
  EXPECT_EQ(px->sgx_type, 1u);
  ASSERT_TRUE(px->platform_instance_id);
  ASSERT_TRUE(px->configuration);
  EXPECT_EQ(*px->configuration, (PckConfiguration{true, false, true}));
  EXPECT_EQ(encode_sgx_extensions(*px), a.issue_pck(preq).cert.extension_value(kSgxOid).value());
}

TEST(IntelSim, ParserRejectsMalformedExtensions) {
  IntelAuthority a("intel-sim-test");
  const Bytes good =
      encode_sgx_extensions(*parse_sgx_extensions(a.issue_pck(sample_request(PckCa::platform)).cert));
  ASSERT_TRUE(parse_sgx_extensions_der(good));
  // Every truncation fails cleanly (the outer length no longer matches).
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = parse_sgx_extensions_der(ByteView(good).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, "tdx.pck_extensions_invalid");
  }
  // Flipping any byte never crashes; the result is either an error or a decoded value.
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0xFF;
    (void)parse_sgx_extensions_der(bad);
  }
  // No SGX extension at all.
  auto none = parse_sgx_extensions(a.root());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "tdx.pck_extensions_invalid");
  // A missing mandatory entry: drop the FMSPC from an otherwise valid extension.
  SgxExtensions x;
  Bytes enc = encode_sgx_extensions(x);
  const Bytes fmspc_entry = {0x30, 0x14, 0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86,
                             0xF8, 0x4D, 0x01, 0x0D, 0x01, 0x04, 0x04, 0x06};
  auto it = std::search(enc.begin(), enc.end(), fmspc_entry.begin(), fmspc_entry.end());
  ASSERT_NE(it, enc.end());
  Bytes body(enc.begin() + 4, enc.end());  // outer SEQUENCE uses a two-byte long-form length (> 255 bytes)
  ASSERT_EQ(enc[1], 0x82);
  auto bit = std::search(body.begin(), body.end(), fmspc_entry.begin(), fmspc_entry.end());
  body.erase(bit, bit + 22);
  Bytes dropped = {0x30, 0x82, static_cast<std::uint8_t>(body.size() >> 8),
                   static_cast<std::uint8_t>(body.size() & 0xFF)};
  dropped.insert(dropped.end(), body.begin(), body.end());
  auto r = parse_sgx_extensions_der(dropped);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("entry 4"), std::string::npos) << r.error().message;
}

// The real PCK leaves in the corpus quotes: the parser reads them and the FMSPC is the one MANIFEST.json
// records; the simulated leaf has the same extension layout.
TEST(IntelSim, ParsesRealPckLeavesFromCorpusQuotes) {
  COCO_REQUIRE_CORPUS();
  std::ifstream in(test::shared_dir() / "corpus" / "MANIFEST.json");
  const nlohmann::json m = nlohmann::json::parse(in);
  IntelAuthority a("intel-sim-test");
  const Cert sim_leaf = a.issue_pck(sample_request(PckCa::platform)).cert;
  int checked = 0;
  for (const auto& e : m["entries"]) {
    if (e["kind"] != "tdx-quote") continue;
    const std::string path = e["path"];
    SCOPED_TRACE(path);
    const Cert leaf = corpus_leaf(path);
    auto x = parse_sgx_extensions(leaf);
    ASSERT_TRUE(x) << x.error().message;
    EXPECT_EQ(hex_encode(x->fmspc), e["facts"]["fmspc"].get<std::string>());
    EXPECT_EQ(leaf.extension_oids(), sim_leaf.extension_oids());
    EXPECT_EQ(leaf.issuer_rdns(), sim_leaf.issuer_rdns());
    EXPECT_EQ(leaf.subject_rdns(), sim_leaf.subject_rdns());
    ++checked;
  }
  EXPECT_GE(checked, 7);
}

// trustee_tdx_quote_4.dat's PCK leaf, values read with `openssl asn1parse`.
TEST(IntelSim, RealPckLeafValues) {
  COCO_REQUIRE_CORPUS();
  const Cert leaf = corpus_leaf("tdx/trustee_tdx_quote_4.dat");
  auto x = parse_sgx_extensions(leaf);
  ASSERT_TRUE(x) << x.error().message;
  EXPECT_EQ(hex_encode(x->ppid), "df4c32a9d8d86009aaf380ec43cfcefb");
  EXPECT_EQ(hex_encode(x->tcb_comp_svn), "05050d02030100030000000000000000");
  EXPECT_EQ(x->pcesvn, 11);
  EXPECT_EQ(hex_encode(x->cpusvn), "05050d02030100030000000000000000");
  EXPECT_EQ(hex_encode(x->pceid), "0000");
  EXPECT_EQ(hex_encode(x->fmspc), "50806f000000");
  EXPECT_EQ(x->sgx_type, 1u);
  ASSERT_TRUE(x->platform_instance_id);
  EXPECT_EQ(hex_encode(*x->platform_instance_id), "021ac64d355ba904e2d5948d228d5482");
  ASSERT_TRUE(x->configuration);
  EXPECT_EQ(*x->configuration, (PckConfiguration{true, true, true}));
  // The encoder reproduces Intel's bytes exactly.
  EXPECT_EQ(encode_sgx_extensions(*x), leaf.extension_value(kSgxOid).value());
}
