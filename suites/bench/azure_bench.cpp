// Azure vTPM evidence verification (Trustee's az-snp-vtpm v2 and az-tdx-vtpm) beside its floor, all in one
// run. The evidence comes from a simulated confidential VM (azure/cvm.h) with an in-process vTPM, an SNP
// Milan launch signed by a simulated AMD root (RSA-4096 keys from the key cache, as snp_bench), or a TD
// quote from a simulated Intel QE; nonce = a 48-byte digest, PCR8 binding an init-data digest.
//  - floors: the signatures a verification cannot avoid, through core:
//      az-snp-vtpm: one ECDSA P-384 / SHA-384 verify of the SNP report's signed part by the VCEK
//                   (ecdsa_verify_digest, hashing included) + one RSA-2048 PKCS#1 v1.5 SHA-256 verify of
//                   the TPM quote by the AK (rsa_pkcs1_verify);
//      az-tdx-vtpm: the two ECDSA P-256 verifies of the TD quote (QE report by the PCK key, quote by the
//                   attestation key) + the same RSA-2048 verify;
//  - BM_AzSnpVerify_ChainCached / BM_AzTdxVerify_ChainCached: verify_az_*_evidence on parsed evidence,
//    nonce and init-data checked, SNP (ChainCache) or PCK (TdxChainCache) chain signatures remembered;
//  - ..._FromJson: the evidence JSON (an nlohmann::json document) to structures, then the same;
//  - BM_Az*EvidenceFromJson: the JSON to structures alone (az_*_evidence_from_json);
//  - sub-parts of a verification: the HCL report parse, the runtime-data parse (JSON and the JWK RSA key
//    imports) and its JSON alone, the TPM quote's RSA verify, the TPMS_ATTEST parse, the SNP verification
//    of the HCL's report with its VCEK (cached chain), the TD quote verification (cached chain).
// Each benchmark reports its ratio to its TEE's floor as the counter `vs_floor`, in CPU time (the floor is
// measured first in the same process); docs/BENCHMARKS.md records the figures.
#include <benchmark/benchmark.h>
#include <time.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "azure/cvm.h"
#include "azure/evidence_json.h"
#include "azure/hcl.h"
#include "azure/tpm.h"
#include "azure/verify.h"
#include "core/crypto.h"
#include "core/hash.h"
#include "core/json_text.h"
#include "core/x509.h"
#include "snp/snp.h"
#include "tdx/qe.h"
#include "tdx/quote.h"
#include "tdx/verify.h"

using namespace coco;

namespace {

Bytes digest_of(const std::string& s) {
  return sha256(as_bytes(s));
}

const Bytes& nonce() {
  static const Bytes n = sha384(as_bytes(std::string("coco-harness azure bench runtime data")));
  return n;
}
const Bytes& init_data() {
  static const Bytes d = digest_of("coco-harness azure bench init-data");
  return d;
}

// Boot measurements in a few PCRs, init-data in PCR8, as a peer pod's image.
void boot(azure::SimulatedCvm& cvm) {
  for (std::uint32_t i : {0u, 4u, 7u, 11u, 12u}) {
    if (!cvm.tpm().extend_pcr(i, digest_of("boot " + std::to_string(i))))
      throw std::runtime_error("extend_pcr");
  }
  if (!cvm.measure_init_data(init_data())) throw std::runtime_error("measure_init_data");
}

struct SnpFixture {
  std::shared_ptr<snp::AmdAuthority> amd = std::make_shared<snp::AmdAuthority>("bench", COCO_KEY_CACHE_DIR);
  snp::TrustedRoots roots = snp::simulated_roots(*amd);
  azure::AzSnpEvidence evidence;
  nlohmann::json json;
  azure::RuntimeData runtime;
  snp::Report report;

  SnpFixture() {
    azure::SnpCvm hw;
    hw.amd = amd;
    hw.launch.product = snp::Product::milan;
    hw.launch.policy = 0x3001f;
    hw.launch.measurement = sha384(as_bytes(std::string("coco-harness azure bench paravisor")));
    azure::SimulatedCvm cvm(azure::make_in_process_vtpm("coco-harness/azure-bench/snp"), std::move(hw));
    boot(cvm);
    auto ev = cvm.snp_evidence(nonce());
    if (!ev) throw std::runtime_error("snp_evidence: " + ev.error().message);
    evidence = *ev;
    json = azure::az_snp_evidence_to_json(evidence);
    auto rt = azure::parse_runtime_data(evidence.hcl_report.var_data);
    if (!rt) throw std::runtime_error("parse_runtime_data: " + rt.error().message);
    runtime = *rt;
    auto r = snp::parse_report(azure::hcl_hw_report(evidence.hcl_report));
    if (!r) throw std::runtime_error("parse_report: " + r.error().message);
    report = *r;

    // Both paths must succeed here, or the figures would time a failure.
    snp::ChainCache cache;
    auto res = azure::verify_az_snp_evidence(evidence, options(&cache));
    if (!res.ok())
      throw std::runtime_error("az-snp-vtpm evidence does not verify: " + res.failures[0].message);
    auto back = azure::az_snp_evidence_from_json(json);
    if (!back || !azure::verify_az_snp_evidence(*back, options(&cache)).ok())
      throw std::runtime_error("az-snp-vtpm JSON evidence does not verify");
  }

  azure::AzVerifyOptions options(snp::ChainCache* cache) const {
    azure::AzVerifyOptions o;
    o.report_data = nonce();
    o.init_data_hash = init_data();
    o.snp.roots = &roots;
    o.snp.chain_cache = cache;
    return o;
  }
};

struct TdxFixture {
  tdx::IntelAuthority intel{"bench"};
  std::shared_ptr<const tdx::QuotingEnclave> qe =
      std::make_shared<const tdx::QuotingEnclave>(intel, tdx::PlatformSpec{});
  azure::AzTdxEvidence evidence;
  nlohmann::json json;
  tdx::Quote quote;

  TdxFixture() {
    azure::TdxCvm hw;
    hw.qe = qe;
    const Bytes mr = sha384(as_bytes(std::string("coco-harness azure bench TDX paravisor")));
    std::copy(mr.begin(), mr.end(), hw.td.mr_td.begin());
    hw.report_mac_key = to_bytes(as_bytes(std::string("coco-harness/azure-bench/report-mac-key")));
    azure::SimulatedCvm cvm(azure::make_in_process_vtpm("coco-harness/azure-bench/tdx"), std::move(hw));
    boot(cvm);
    auto ev = cvm.tdx_evidence(nonce());
    if (!ev) throw std::runtime_error("tdx_evidence: " + ev.error().message);
    evidence = *ev;
    json = azure::az_tdx_evidence_to_json(evidence);
    auto q = tdx::parse_quote(evidence.td_quote);
    if (!q) throw std::runtime_error("parse_quote: " + q.error().message);
    quote = *q;

    tdx::TdxChainCache cache;
    auto res = azure::verify_az_tdx_evidence(evidence, options(&cache));
    if (!res.ok())
      throw std::runtime_error("az-tdx-vtpm evidence does not verify: " + res.failures[0].message);
    auto back = azure::az_tdx_evidence_from_json(json);
    if (!back || !azure::verify_az_tdx_evidence(*back, options(&cache)).ok())
      throw std::runtime_error("az-tdx-vtpm JSON evidence does not verify");
  }

  azure::AzVerifyOptions options(tdx::TdxChainCache* cache) const {
    azure::AzVerifyOptions o;
    o.report_data = nonce();
    o.init_data_hash = init_data();
    o.tdx.trusted_roots = {intel.root()};
    o.tdx.chain_cache = cache;
    return o;
  }
};

SnpFixture& snp_fx() {
  static SnpFixture f;
  return f;
}
TdxFixture& tdx_fx() {
  static TdxFixture f;
  return f;
}

// This thread's CPU time, as Google Benchmark's CPU column: the ratio stays meaningful on a loaded machine.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Mean CPU time per iteration of each floor, measured by the floor benchmarks (registered first).
double g_snp_floor_ns = 0;
double g_tdx_floor_ns = 0;

void report_vs_floor(benchmark::State& state, double start, double floor_ns) {
  const double ns = thread_cpu_ns() - start;
  if (floor_ns > 0 && state.iterations() > 0)
    state.counters["vs_floor"] = ns / static_cast<double>(state.iterations()) / floor_ns;
}

// Runs `body` per iteration (it returns false on failure) and reports vs_floor against `floor_ns`.
template <typename F>
void run(benchmark::State& state, const double& floor_ns, F&& body) {
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    if (!body()) state.SkipWithError("failed");
  }
  report_vs_floor(state, start, floor_ns);
}

struct EcVerify {
  Key key;
  HashAlg alg;
  Bytes message;
  EcdsaSignature sig;
};

struct RsaVerify {
  Key key;
  Bytes message;
  Bytes sig;
};

RsaVerify tpm_quote_verify(const azure::TpmQuote& q, const Bytes& hcl_bytes) {
  auto hcl = azure::parse_hcl_report(hcl_bytes);
  if (!hcl) throw std::runtime_error("parse_hcl_report");
  auto rt = azure::parse_runtime_data(hcl->var_data);
  if (!rt) throw std::runtime_error("parse_runtime_data");
  return {rt->ak_pub, q.message, q.signature};
}

void run_floor(benchmark::State& state, const std::vector<EcVerify>& ec, const RsaVerify& rsa, double& out) {
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    bool ok = true;
    for (const auto& v : ec) ok &= ecdsa_verify_digest(v.key, digest(v.alg, v.message), v.sig);
    ok &= rsa_pkcs1_verify(rsa.key, HashAlg::sha256, rsa.message, rsa.sig);
    if (!ok) state.SkipWithError("floor verify failed");
    benchmark::DoNotOptimize(ok);
  }
  const double ns = thread_cpu_ns() - start;
  if (state.iterations() > 0) out = ns / static_cast<double>(state.iterations());
  state.counters["vs_floor"] = 1.0;
}

// ---- az-snp-vtpm ----

void BM_AzSnp_Floor_P384_Rsa2048(benchmark::State& state) {
  auto& f = snp_fx();
  auto vcek = cert_from_der(f.evidence.vcek_der);
  if (!vcek) throw std::runtime_error("VCEK");
  const std::vector<EcVerify> ec = {{vcek->public_key(),
                                     HashAlg::sha384,
                                     f.report.signed_bytes(),
                                     {snp::signature_r_be(f.report), snp::signature_s_be(f.report)}}};
  run_floor(state, ec, tpm_quote_verify(f.evidence.tpm_quote, f.evidence.hcl_report_bytes), g_snp_floor_ns);
}
BENCHMARK(BM_AzSnp_Floor_P384_Rsa2048);

void BM_AzSnpVerify_ChainCached(benchmark::State& state) {
  auto& f = snp_fx();
  snp::ChainCache cache;
  const azure::AzVerifyOptions o = f.options(&cache);
  run(state, g_snp_floor_ns, [&] {
    auto res = azure::verify_az_snp_evidence(f.evidence, o);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzSnpVerify_ChainCached);

void BM_AzSnpVerifyFromJson_ChainCached(benchmark::State& state) {
  auto& f = snp_fx();
  snp::ChainCache cache;
  const azure::AzVerifyOptions o = f.options(&cache);
  run(state, g_snp_floor_ns, [&] {
    auto ev = azure::az_snp_evidence_from_json(f.json);
    if (!ev) return false;
    auto res = azure::verify_az_snp_evidence(*ev, o);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzSnpVerifyFromJson_ChainCached);

void BM_AzSnpEvidenceFromJson(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns, [&] {
    auto ev = azure::az_snp_evidence_from_json(f.json);
    benchmark::DoNotOptimize(ev);
    return static_cast<bool>(ev);
  });
}
BENCHMARK(BM_AzSnpEvidenceFromJson);

// Sub-parts of one az-snp-vtpm verification.
void BM_AzSnp_ParseHclReport(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns, [&] {
    auto hcl = azure::parse_hcl_report(f.evidence.hcl_report_bytes);
    benchmark::DoNotOptimize(hcl);
    return static_cast<bool>(hcl);
  });
}
BENCHMARK(BM_AzSnp_ParseHclReport);

void BM_AzSnp_ParseRuntimeData(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns, [&] {
    auto rt = azure::parse_runtime_data(f.evidence.hcl_report.var_data);
    benchmark::DoNotOptimize(rt);
    return static_cast<bool>(rt);
  });
}
BENCHMARK(BM_AzSnp_ParseRuntimeData);

// The runtime-data JSON parse alone (what parse_runtime_data does before importing the AK and EK JWKs):
// ParseRuntimeData minus this is the two RSA public-key imports.
void BM_AzSnp_RuntimeDataJsonOnly(benchmark::State& state) {
  auto& f = snp_fx();
  const auto& v = f.evidence.hcl_report.var_data;
  const std::string_view text(reinterpret_cast<const char*>(v.data()), v.size());
  run(state, g_snp_floor_ns, [&] {
    auto j = parse_json_limited(text);
    benchmark::DoNotOptimize(j);
    return !j.is_discarded();
  });
}
BENCHMARK(BM_AzSnp_RuntimeDataJsonOnly);

// The TPM quote's RSA verify alone, the AK already imported (what the floor holds for the TPM side).
void BM_AzSnp_TpmQuoteSignature(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns,
      [&] { return azure::verify_quote_signature(f.evidence.tpm_quote, f.runtime.ak_pub); });
}
BENCHMARK(BM_AzSnp_TpmQuoteSignature);

// The runtime-data parse and the quote's RSA verify by the AK just imported, as every verification runs
// them (a fresh key: OpenSSL's per-key RSA set-up is not amortised as in BM_AzSnp_TpmQuoteSignature).
void BM_AzSnp_RuntimeDataAndTpmSignature(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns, [&] {
    auto rt = azure::parse_runtime_data(f.evidence.hcl_report.var_data);
    return rt && azure::verify_quote_signature(f.evidence.tpm_quote, rt->ak_pub);
  });
}
BENCHMARK(BM_AzSnp_RuntimeDataAndTpmSignature);

void BM_AzSnp_ParseTpmsAttest(benchmark::State& state) {
  auto& f = snp_fx();
  run(state, g_snp_floor_ns, [&] {
    auto a = azure::parse_tpms_attest(f.evidence.tpm_quote.message);
    benchmark::DoNotOptimize(a);
    return static_cast<bool>(a);
  });
}
BENCHMARK(BM_AzSnp_ParseTpmsAttest);

// The SNP step as verify_az_snp_evidence runs it: the report with the evidence's VCEK, chain cached.
void BM_AzSnp_SnpVerifyReport_ChainCached(benchmark::State& state) {
  auto& f = snp_fx();
  snp::ChainCache cache;
  snp::VerifyOptions so = f.options(&cache).snp;
  so.vmpl = 0;
  snp::CertTableEntry vcek;
  vcek.kind = snp::CertKind::vcek;
  vcek.guid = snp::guid_of(snp::CertKind::vcek);
  vcek.data = f.evidence.vcek_der;
  const std::vector<snp::CertTableEntry> table = {vcek};
  run(state, g_snp_floor_ns, [&] {
    auto res = snp::verify_report(f.report, table, so);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzSnp_SnpVerifyReport_ChainCached);

// ---- az-tdx-vtpm ----

EcdsaSignature split_rs(const std::array<std::uint8_t, 64>& rs) {
  return {Bytes(rs.begin(), rs.begin() + 32), Bytes(rs.begin() + 32, rs.end())};
}

void BM_AzTdx_Floor_P256x2_Rsa2048(benchmark::State& state) {
  auto& f = tdx_fx();
  const auto& sd = f.quote.signed_data;
  Bytes ak_point{0x04};
  ak_point.insert(ak_point.end(), sd.attestation_key.begin(), sd.attestation_key.end());
  auto ak = ec_public_key_from_point(Curve::p256, ak_point);
  if (!ak) throw std::runtime_error("attestation key");
  const std::vector<EcVerify> ec = {
      {f.qe->pck().cert.public_key(), HashAlg::sha256,
       tdx::encode_sgx_report_body(sd.certification.qe_report),
       split_rs(sd.certification.qe_report_signature)},
      {*ak, HashAlg::sha256, tdx::signed_part(f.quote), split_rs(sd.signature)},
  };
  run_floor(state, ec, tpm_quote_verify(f.evidence.tpm_quote, f.evidence.hcl_report_bytes), g_tdx_floor_ns);
}
BENCHMARK(BM_AzTdx_Floor_P256x2_Rsa2048);

void BM_AzTdxVerify_ChainCached(benchmark::State& state) {
  auto& f = tdx_fx();
  tdx::TdxChainCache cache;
  const azure::AzVerifyOptions o = f.options(&cache);
  run(state, g_tdx_floor_ns, [&] {
    auto res = azure::verify_az_tdx_evidence(f.evidence, o);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzTdxVerify_ChainCached);

void BM_AzTdxVerifyFromJson_ChainCached(benchmark::State& state) {
  auto& f = tdx_fx();
  tdx::TdxChainCache cache;
  const azure::AzVerifyOptions o = f.options(&cache);
  run(state, g_tdx_floor_ns, [&] {
    auto ev = azure::az_tdx_evidence_from_json(f.json);
    if (!ev) return false;
    auto res = azure::verify_az_tdx_evidence(*ev, o);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzTdxVerifyFromJson_ChainCached);

void BM_AzTdxEvidenceFromJson(benchmark::State& state) {
  auto& f = tdx_fx();
  run(state, g_tdx_floor_ns, [&] {
    auto ev = azure::az_tdx_evidence_from_json(f.json);
    benchmark::DoNotOptimize(ev);
    return static_cast<bool>(ev);
  });
}
BENCHMARK(BM_AzTdxEvidenceFromJson);

void BM_AzTdx_ParseRuntimeData(benchmark::State& state) {
  auto& f = tdx_fx();
  auto hcl = azure::parse_hcl_report(f.evidence.hcl_report_bytes);
  if (!hcl) throw std::runtime_error("parse_hcl_report");
  run(state, g_tdx_floor_ns, [&] {
    auto rt = azure::parse_runtime_data(hcl->var_data);
    benchmark::DoNotOptimize(rt);
    return static_cast<bool>(rt);
  });
}
BENCHMARK(BM_AzTdx_ParseRuntimeData);

// The TD quote step as verify_az_tdx_evidence runs it (Trustee's options, chain cached).
void BM_AzTdx_TdxVerifyQuote_ChainCached(benchmark::State& state) {
  auto& f = tdx_fx();
  tdx::TdxChainCache cache;
  const tdx::VerifyOptions to = f.options(&cache).tdx;
  run(state, g_tdx_floor_ns, [&] {
    auto res = tdx::verify_quote(f.quote, to);
    benchmark::DoNotOptimize(res);
    return res.ok();
  });
}
BENCHMARK(BM_AzTdx_TdxVerifyQuote_ChainCached);

}  // namespace

BENCHMARK_MAIN();
