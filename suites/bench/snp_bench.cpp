// SNP verification hot paths beside their floor, all in one run:
//  - floor: one bare ECDSA P-384 / SHA-384 verify through OpenSSL (digest precomputed, DER signature);
//  - BM_SnpVerifyReport_ChainCached: full verify_report (parse VCEK, chain via ChainCache, KDS
//    extensions, TCB/chip-id checks, report signature) against the same key;
//  - BM_SnpVerifyReport_ChainUncached: the same with the three RSA-4096 chain signatures each time;
//  - BM_SnpParseReport / BM_SnpSignReport: codec and simulated firmware signer.
// The ratio of ChainCached to the floor is recorded in docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "core/hash.h"
#include "snp/snp.h"

using namespace coco;
using namespace coco::snp;

namespace {

struct Fixture {
  AmdAuthority authority{"bench", COCO_KEY_CACHE_DIR};
  TrustedRoots roots = simulated_roots(authority);
  SignedReport signed_report = [this] {
    LaunchDescription d;
    d.product = Product::genoa;
    return *sign_report(authority, d);
  }();
};

Fixture& fx() {
  static Fixture f;
  return f;
}

void BM_Floor_EcdsaP384Verify(benchmark::State& state) {
  auto& f = fx();
  const Key pub = f.signed_report.vek.cert.public_key();
  const Bytes digest = sha384(f.signed_report.report.signed_bytes());
  const Bytes der = ecdsa_signature_to_der(
      {signature_r_be(f.signed_report.report), signature_s_be(f.signed_report.report)});
  for (auto _ : state) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub.get(), nullptr);
    EVP_PKEY_verify_init(ctx);
    int ok = EVP_PKEY_verify(ctx, der.data(), der.size(), digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    if (ok != 1) state.SkipWithError("floor verify failed");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Floor_EcdsaP384Verify);

void BM_SnpVerifyReport_ChainCached(benchmark::State& state) {
  auto& f = fx();
  ChainCache cache;
  VerifyOptions o;
  o.roots = &f.roots;
  o.chain_cache = &cache;
  for (auto _ : state) {
    auto res = verify_report(f.signed_report.report, f.signed_report.cert_table, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_SnpVerifyReport_ChainCached);

void BM_SnpVerifyReport_ChainUncached(benchmark::State& state) {
  auto& f = fx();
  VerifyOptions o;
  o.roots = &f.roots;
  for (auto _ : state) {
    auto res = verify_report(f.signed_report.report, f.signed_report.cert_table, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_SnpVerifyReport_ChainUncached);

void BM_SnpParseReport(benchmark::State& state) {
  const Bytes raw = fx().signed_report.raw;
  for (auto _ : state) {
    auto r = parse_report(raw);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SnpParseReport);

void BM_SnpSignReport(benchmark::State& state) {
  auto& f = fx();
  Report r = f.signed_report.report;
  for (auto _ : state) {
    resign(r, f.signed_report.vek.key);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SnpSignReport);

}  // namespace

BENCHMARK_MAIN();
