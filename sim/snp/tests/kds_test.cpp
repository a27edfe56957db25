#include "snp/kds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/encoding.h"
#include "core/test_support.h"
#include "snp/certs.h"

using namespace coco;
using namespace coco::snp;
using namespace std::chrono_literals;

namespace {

AmdAuthority& authority() {
  static AmdAuthority amd("kds-test", COCO_KEY_CACHE_DIR);
  return amd;
}

Bytes chip(std::uint8_t first) {
  Bytes c(64);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(first + i);
  return c;
}

Tcb milan_tcb() {
  return Tcb{std::nullopt, 3, 0, 8, 115};
}
Tcb turin_tcb() {
  return Tcb{1, 1, 1, 4, 81};
}

class Kds : public ::testing::Test {
 protected:
  void SetUp() override {
    kds_ = std::make_unique<FakeKds>(authority());
    ASSERT_TRUE(kds_->start());
  }
  KdsClient client(bool check = true, std::chrono::milliseconds timeout = 5s) {
    KdsClientOptions o;
    o.base_url = kds_->url();
    o.cache_dir = cache_.path();
    o.timeout = timeout;
    o.check_response = check;
    return KdsClient(o);
  }
  Result<HttpResponse> get(const std::string& path_and_query) {
    return HttpClient().get(kds_->url() + path_and_query);
  }

  coco::test::TempDir cache_{"coco-kds-test"};
  std::unique_ptr<FakeKds> kds_;
};

}  // namespace

TEST(KdsUrl, MilanAndGenoaUse64ByteHwidAndPaddedSpls) {
  Bytes c = chip(0);
  std::string hex = hex_encode(c);
  ASSERT_EQ(hex.size(), 128u);
  EXPECT_EQ(vcek_path(Product::milan, c, milan_tcb()),
            "/vcek/v1/Milan/" + hex + "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
  EXPECT_EQ(vcek_url(Product::genoa, c, milan_tcb()),
            "https://kdsintf.amd.com/vcek/v1/Genoa/" + hex + "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
  // CCF's "Quote endorsements url generation" case (bl=4 tee=0 snp=24 ucode=219), padded as Trustee does.
  EXPECT_EQ(kds_tcb_query(Product::milan, Tcb{std::nullopt, 4, 0, 24, 219}),
            "blSPL=04&teeSPL=00&snpSPL=24&ucodeSPL=219");
  // An fmc value has no place in a Milan query.
  EXPECT_EQ(kds_tcb_query(Product::milan, Tcb{9, 4, 0, 24, 219}),
            "blSPL=04&teeSPL=00&snpSPL=24&ucodeSPL=219");
  EXPECT_EQ(vcek_url(Product::milan, c, milan_tcb(), "http://127.0.0.1:1234/"),
            "http://127.0.0.1:1234/vcek/v1/Milan/" + hex + "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
}

TEST(KdsUrl, TurinUses8ByteHwidAndFmcFirst) {
  // evidence.md 1.6 (from CCF):
  // /vcek/v1/Turin/59790fb1c39f35c1?fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81. CCF prints the numbers
  // unpadded; Trustee pads them to two digits, which is what we send.
  Bytes c = *hex_decode("59790fb1c39f35c1");
  c.resize(64, 0);
  EXPECT_EQ(vcek_url(Product::turin, c, turin_tcb()),
            "https://kdsintf.amd.com/vcek/v1/Turin/"
            "59790fb1c39f35c1?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81");
  // The 8-byte hwID may be passed directly.
  EXPECT_EQ(vcek_path(Product::turin, *hex_decode("59790fb1c39f35c1"), turin_tcb()),
            "/vcek/v1/Turin/59790fb1c39f35c1?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81");
  EXPECT_EQ(kds_hwid(Product::turin, c).size(), 8u);
  EXPECT_EQ(kds_hwid(Product::genoa, c).size(), 64u);
}

TEST(KdsUrl, ChainCrlAndVlekPaths) {
  EXPECT_EQ(cert_chain_url(Product::milan, false), "https://kdsintf.amd.com/vcek/v1/Milan/cert_chain");
  EXPECT_EQ(cert_chain_url(Product::genoa, true), "https://kdsintf.amd.com/vlek/v1/Genoa/cert_chain");
  EXPECT_EQ(crl_url(Product::turin, false), "https://kdsintf.amd.com/vcek/v1/Turin/crl");
  EXPECT_EQ(crl_url(Product::milan, true, "http://x:1"), "http://x:1/vlek/v1/Milan/crl");
  // The same URL the simulated certificates carry as their CRL distribution point.
  EXPECT_EQ(crl_url(Product::milan, false), kds_crl_url(Product::milan, false));
  EXPECT_EQ(crl_url(Product::genoa, true), kds_crl_url(Product::genoa, true));
  EXPECT_EQ(vlek_cert_url(Product::milan, milan_tcb()),
            "https://kdsintf.amd.com/vlek/v1/Milan/cert?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
  EXPECT_EQ(vlek_cert_path(Product::turin, turin_tcb()),
            "/vlek/v1/Turin/cert?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81");
}

TEST_F(Kds, ServesVcekMatchingTheRequest) {
  Bytes c = chip(0x10);
  auto r = get(vcek_path(Product::milan, c, milan_tcb()));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->headers.get("content-type"), "application/octet-stream");
  auto cert = cert_from_der(as_bytes(r->body));
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ(cert->subject_cn(), "SEV-VCEK");
  EXPECT_EQ(cert->issuer_cn(), "SEV-Milan");
  auto ext = parse_kds_extensions(*cert);
  ASSERT_TRUE(ext) << ext.error().message;
  ASSERT_TRUE(ext->hwid);
  EXPECT_EQ(*ext->hwid, c);
  EXPECT_EQ(ext->tcb, milan_tcb());
  EXPECT_TRUE(cert->verify_signature(authority().ca(Product::milan).ask.public_key()));
  // Unpadded numbers (as CCF sends them) name the same certificate.
  auto unpadded = get("/vcek/v1/Milan/" + hex_encode(c) + "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115");
  ASSERT_TRUE(unpadded);
  EXPECT_EQ(unpadded->body, r->body);
  EXPECT_EQ(kds_->counters().vcek, 2u);
}

TEST_F(Kds, ServesTurinVcekWith8ByteHwid) {
  Bytes c = *hex_decode("59790fb1c39f35c1");
  auto r = get(vcek_path(Product::turin, c, turin_tcb()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto cert = cert_from_der(as_bytes(r->body));
  ASSERT_TRUE(cert);
  auto ext = parse_kds_extensions(*cert);
  ASSERT_TRUE(ext) << ext.error().message;
  EXPECT_EQ(ext->hwid, c);
  EXPECT_EQ(ext->tcb, turin_tcb());
  // A 64-byte hwID is not a Turin route.
  auto long_hwid =
      get("/vcek/v1/Turin/" + hex_encode(chip(1)) + "?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81");
  ASSERT_TRUE(long_hwid);
  EXPECT_EQ(long_hwid->status, 400);
  auto no_fmc = get("/vcek/v1/Turin/59790fb1c39f35c1?blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81");
  ASSERT_TRUE(no_fmc);
  EXPECT_EQ(no_fmc->status, 400);
  EXPECT_NE(no_fmc->body.find("fmcSPL"), std::string::npos);
}

TEST_F(Kds, ChainPemIsAskThenArk) {
  auto r = get(cert_chain_path(Product::milan, false));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("content-type"), "application/x-pem-file");
  auto chain = certs_from_pem(r->body);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].subject_cn(), "SEV-Milan");
  EXPECT_EQ((*chain)[1].subject_cn(), "ARK-Milan");
  EXPECT_TRUE((*chain)[0].verify_signature((*chain)[1].public_key()));

  auto v = get(cert_chain_path(Product::milan, true));
  ASSERT_TRUE(v);
  auto vchain = certs_from_pem(v->body);
  ASSERT_TRUE(vchain);
  ASSERT_EQ(vchain->size(), 2u);
  EXPECT_EQ((*vchain)[0].subject_cn(), "SEV-VLEK-Milan");
  EXPECT_EQ((*vchain)[1].subject_cn(), "ARK-Milan");
  EXPECT_EQ(kds_->counters().cert_chain, 2u);
}

TEST_F(Kds, CrlIsSignedByArkAndListsRevokedSerials) {
  const AmdCa& ca = authority().ca(Product::milan);
  auto first = get(crl_path(Product::milan, false));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->headers.get("content-type"), "application/pkix-crl");
  auto crl = crl_from_der(as_bytes(first->body));
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_TRUE(crl->verify_signature(ca.ark.public_key()));
  EXPECT_FALSE(crl->verify_signature(ca.ask.public_key()));
  EXPECT_TRUE(crl->issued_by(ca.ark));
  EXPECT_EQ(crl->signature_algorithm(), "rsassaPss");
  EXPECT_TRUE(crl->revoked_serials().empty());
  ASSERT_TRUE(crl->next_update());
  EXPECT_GT(*crl->next_update(), std::chrono::system_clock::now());

  auto ask_serial = hex_decode(ca.ask.serial_hex());
  ASSERT_TRUE(ask_serial);
  kds_->revoke(Product::milan, *ask_serial);
  auto second = get(crl_path(Product::milan, false));
  ASSERT_TRUE(second);
  auto revoked = crl_from_der(as_bytes(second->body));
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->verify_signature(ca.ark.public_key()));
  EXPECT_TRUE(revoked->is_revoked(ca.ask));
  EXPECT_FALSE(revoked->is_revoked(ca.ark));
  EXPECT_GT(*revoked->crl_number(), *crl->crl_number());

  // The VLEK CRL is separate.
  auto vlek = get(crl_path(Product::milan, true));
  ASSERT_TRUE(vlek);
  auto vcrl = crl_from_der(as_bytes(vlek->body));
  ASSERT_TRUE(vcrl);
  EXPECT_TRUE(vcrl->revoked_serials().empty());
  EXPECT_TRUE(vcrl->verify_signature(ca.ark.public_key()));
}

TEST_F(Kds, ServesVlekForTheTcb) {
  auto r = get(vlek_cert_path(Product::milan, milan_tcb()) + "&cspId=CN%3Dtest");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto cert = cert_from_der(as_bytes(r->body));
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject_cn(), "SEV-VLEK");
  auto ext = parse_kds_extensions(*cert);
  ASSERT_TRUE(ext) << ext.error().message;
  EXPECT_EQ(ext->tcb, milan_tcb());
  EXPECT_FALSE(ext->hwid);
  EXPECT_EQ(ext->csp_id, "CN=test");
  EXPECT_EQ(kds_->counters().vlek, 1u);
}

TEST_F(Kds, RejectsBadProductsRoutesAndQueries) {
  const std::string hex = hex_encode(chip(0));
  const std::string q = "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115";
  struct Case {
    std::string target;
    int status;
  };
  for (const auto& c : std::vector<Case>{
           {"/vcek/v1/Rome/cert_chain", 404},
           {"/vcek/v1/milan/cert_chain", 404},
           {"/vcek/v2/Milan/cert_chain", 404},
           {"/vcek/v1/Milan", 404},
           {"/", 404},
           {"/vcek/v1/Milan/cert_chain/extra", 404},
           {"/vlek/v1/Milan/" + hex + q, 404},
           {"/vcek/v1/Milan/" + hex.substr(2) + q, 400},
           {"/vcek/v1/Milan/" + std::string(128, 'z') + q, 400},
           {"/vcek/v1/Milan/" + hex, 400},
           {"/vcek/v1/Milan/" + hex + "?blSPL=03&teeSPL=00&snpSPL=08", 400},
           {"/vcek/v1/Milan/" + hex + q + "&blSPL=03", 400},
           {"/vcek/v1/Milan/" + hex + "?blSPL=256&teeSPL=00&snpSPL=08&ucodeSPL=115", 400},
           {"/vcek/v1/Milan/" + hex + "?blSPL=-1&teeSPL=00&snpSPL=08&ucodeSPL=115", 400},
           {"/vcek/v1/Milan/" + hex + "?blSPL=&teeSPL=00&snpSPL=08&ucodeSPL=115", 400},
           {"/vcek/v1/Milan/" + hex + q + "&fmcSPL=01", 400},
           {"/vlek/v1/Milan/cert?blSPL=x&teeSPL=00&snpSPL=08&ucodeSPL=115", 400},
       }) {
    auto r = get(c.target);
    ASSERT_TRUE(r) << c.target;
    EXPECT_EQ(r->status, c.status) << c.target << " -> " << r->body;
    EXPECT_FALSE(r->body.empty());
  }
  auto post = HttpClient().post(kds_->url() + cert_chain_path(Product::milan, false), "x");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(kds_->counters().vcek, 0u);
  EXPECT_EQ(kds_->counters().rejected, 18u);
}

TEST_F(Kds, ClientFetchesAndCachesOnDisk) {
  auto kc = client();
  Bytes c = chip(0x20);
  auto v1 = kc.fetch_vcek(Product::milan, c, milan_tcb());
  ASSERT_TRUE(v1) << v1.error().code << ": " << v1.error().message;
  EXPECT_EQ(kds_->counters().vcek, 1u);
  auto file = kc.cache_file(vcek_path(Product::milan, c, milan_tcb()));
  EXPECT_TRUE(std::filesystem::exists(file)) << file;
  EXPECT_EQ(file.filename().string(),
            hex_encode(sha256(as_bytes(vcek_path(Product::milan, c, milan_tcb())))) + ".der");

  auto v2 = kc.fetch_vcek(Product::milan, c, milan_tcb());
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->der(), v1->der());
  EXPECT_EQ(kds_->counters().vcek, 1u);  // served from disk
  EXPECT_EQ(kc.stats().cache_hits, 1u);

  auto chain = kc.fetch_cert_chain(Product::milan);
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_TRUE(v1->verify_signature((*chain)[0].public_key()));
  auto crl = kc.fetch_crl(Product::milan);
  ASSERT_TRUE(crl) << crl.error().message;
  EXPECT_TRUE(crl->verify_signature((*chain)[1].public_key()));

  // With the server gone, a new client on the same cache still answers, without the network.
  kds_->stop();
  auto offline = client();
  auto v3 = offline.fetch_vcek(Product::milan, c, milan_tcb());
  ASSERT_TRUE(v3) << v3.error().message;
  EXPECT_EQ(v3->der(), v1->der());
  EXPECT_TRUE(offline.fetch_cert_chain(Product::milan));
  EXPECT_TRUE(offline.fetch_crl(Product::milan));
  EXPECT_EQ(offline.stats().network_fetches, 0u);
  // Another TCB is another URL: not cached, so the dead server shows.
  auto miss = offline.fetch_vcek(Product::milan, c, Tcb{std::nullopt, 3, 0, 9, 115});
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, "kds.unreachable");
}

TEST_F(Kds, ClientFetchesForAReportAndTurin) {
  auto kc = client();
  Report r;
  r.version = 3;
  r.cpuid_fam_id = 0x1A;
  r.cpuid_mod_id = 0x02;
  Bytes c = *hex_decode("59790fb1c39f35c1");
  std::copy(c.begin(), c.end(), r.chip_id.begin());
  r.reported_tcb = encode_tcb(turin_tcb(), Product::turin);
  auto v = kc.fetch_vcek_for_report(r);
  ASSERT_TRUE(v) << v.error().code << ": " << v.error().message;
  auto ext = parse_kds_extensions(*v);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->hwid, c);
  EXPECT_EQ(ext->tcb, turin_tcb());

  Report v2;
  v2.version = 2;
  auto none = kc.fetch_vcek_for_report(v2);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "kds.product_unknown");
}

TEST_F(Kds, MaskedChipIdNeverReachesTheServer) {
  auto kc = client();
  auto r = kc.fetch_vcek(Product::milan, Bytes(64, 0), milan_tcb());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "kds.chip_id_masked");
  EXPECT_EQ(r.error().message,
            "Hardware ID is 0s on attestation report. Confirm that MASK_CHIP_ID is set to 0 to request VCEK "
            "from KDS.");
  EXPECT_EQ(kds_->counters().total, 0u);
}

TEST_F(Kds, FaultsMapToNamedErrors) {
  Bytes c = chip(0x30);
  auto expect_code = [&](Fault f, const std::string& code, const std::string& in_message = "") {
    kds_->faults().set(f);
    auto kc = client(true, 300ms);
    auto r = kc.fetch_vcek(Product::milan, c, milan_tcb());
    ASSERT_FALSE(r) << fault_name(f);
    EXPECT_EQ(r.error().code, code) << fault_name(f) << ": " << r.error().message;
    if (!in_message.empty()) {
      EXPECT_NE(r.error().message.find(in_message), std::string::npos) << r.error().message;
    }
  };
  expect_code(Fault::down, "kds.unreachable");
  kds_->faults().set_slow_delay(10s);
  expect_code(Fault::slow, "kds.unreachable", "timed out");
  expect_code(Fault::status_404, "kds.http_status", "HTTP 404");
  expect_code(Fault::status_429, "kds.http_status", "HTTP 429");
  expect_code(Fault::status_500, "kds.http_status", "HTTP 500");
  expect_code(Fault::wrong_answer, "kds.bad_response", "hwID");
  EXPECT_FALSE(std::filesystem::exists(client().cache_file(vcek_path(Product::milan, c, milan_tcb()))));

  // Wrong chains and CRLs are caught too.
  kds_->faults().set(Fault::wrong_answer);
  auto chain = client().fetch_cert_chain(Product::milan);
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().code, "kds.bad_response");
  auto crl = client().fetch_crl(Product::milan);
  ASSERT_FALSE(crl);
  EXPECT_EQ(crl.error().code, "kds.bad_response");

  // Unchecked, the wrong VCEK is handed over (for a verifier to reject) but not cached.
  auto loose = client(false).fetch_vcek(Product::milan, c, milan_tcb());
  ASSERT_TRUE(loose) << loose.error().message;
  auto ext = parse_kds_extensions(*loose);
  ASSERT_TRUE(ext);
  EXPECT_NE(ext->hwid, c);
  EXPECT_FALSE(std::filesystem::exists(client().cache_file(vcek_path(Product::milan, c, milan_tcb()))));

  kds_->faults().clear();
  auto good = client().fetch_vcek(Product::milan, c, milan_tcb());
  ASSERT_TRUE(good) << good.error().message;
}

TEST(KdsClient, NonCertificateAnswerIsBadResponse) {
  HttpServer junk([](const HttpRequest&) { return HttpResponse::text(200, "hello, not a certificate"); });
  ASSERT_TRUE(junk.start());
  KdsClientOptions o;
  o.base_url = junk.url();
  KdsClient kc(o);
  auto v = kc.fetch_vcek(Product::milan, chip(1), milan_tcb());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "kds.bad_response");
  auto chain = kc.fetch_cert_chain(Product::genoa);
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().code, "kds.bad_response");
  auto crl = kc.fetch_crl(Product::genoa);
  ASSERT_FALSE(crl);
  EXPECT_EQ(crl.error().code, "kds.bad_response");

  KdsClientOptions bad;
  bad.base_url = "not a url";
  auto b = KdsClient(bad).fetch_cert_chain(Product::milan);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "kds.bad_url");
}

TEST_F(Kds, FetcherForTheVerifier) {
  auto fetch = make_kds_fetcher(kds_->url(), cache_.path());
  Bytes c = chip(0x40);
  auto der = fetch(Product::milan, c, milan_tcb());
  ASSERT_TRUE(der) << der.error().message;
  auto cert = cert_from_der(*der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(parse_kds_extensions(*cert)->hwid, c);
  auto again = fetch(Product::milan, c, milan_tcb());
  ASSERT_TRUE(again);
  EXPECT_EQ(kds_->counters().vcek, 1u);
}
