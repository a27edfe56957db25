// TDX quote verification hot paths beside their floor, all in one run:
//  - floor: the irreducible cryptography of a quote, two bare ECDSA P-256 / SHA-256 verifies through
//    core's ecdsa_verify_digest: the QE report signature by the PCK key (SHA-256 of the 384-byte QE report)
//    and the quote signature by the attestation key (SHA-256 of the 632-byte header and body of a v4
//    quote), hashing included;
//  - BM_Floor_EcdsaP256Verify_x6: the same two plus the four verifies collateral adds (TCB info and QE
//    identity by the TCB Signing key, PCK CRL by the PCK CA, root CRL by the root), the floor of the
//    collateral path;
//  - BM_TdxVerifyQuote_ChainCached: tdx::verify_quote without collateral, PCK chain signatures remembered
//    by a TdxChainCache, pinned root IntelAuthority::root();
//  - BM_TdxVerifyQuote_Collateral_ChainCached: the same with a CollateralSet built once in-process (signed
//    TCB info and QE identity as suites/conformance's tdx world, PCK and root CRLs signed ECDSA-SHA256);
//  - BM_TdxVerifyQuote_ChainUncached: no cache, the three chain signatures each time;
//  - BM_TdxQuotePck: decoding the quote's PCK chain and SGX extension, which every verification does;
//  - BM_TdxCollateralParse: parsing what collateral verification parses each call (two JSON bodies split
//    and parsed, two issuer chains decoded, two CRLs decoded), no signatures;
//  - BM_TdxParseQuote: the codec alone.
// Each verify benchmark reports its ratio to the two-verify floor as the counter `vs_floor`, in CPU time
// (the floor is measured first in the same process); docs/BENCHMARKS.md records the figures.
#include <benchmark/benchmark.h>
#include <time.h>

#include <chrono>
#include <stdexcept>

#include "core/crl.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/collateral.h"
#include "tdx/pcs.h"
#include "tdx/qe.h"
#include "tdx/quote.h"
#include "tdx/verify.h"

using namespace coco;
using namespace coco::tdx;

namespace {

EcdsaSignature split_rs(const std::array<std::uint8_t, 64>& rs) {
  return {Bytes(rs.begin(), rs.begin() + 32), Bytes(rs.begin() + 32, rs.end())};
}

struct Fixture {
  IntelAuthority intel{"bench"};
  QuotingEnclave qe{intel, PlatformSpec{}};
  SysTime now = std::chrono::system_clock::now();
  Bytes raw;
  Quote quote;
  CollateralSet collateral;
  std::vector<Cert> roots{intel.root()};

  Fixture() {
    TdDescription td;
    td.mr_td[0] = 0x42;
    td.report_data[0] = 0x01;
    auto q = generate_quote(qe, td);
    if (!q) throw std::runtime_error("generate_quote: " + q.error().message);
    quote = *q;
    raw = encode_quote(quote);

    // Collateral as suites/conformance/src/tdx_world.cpp signs it: one UpToDate level at the platform's
    // PCESVN and an OutOfDate level below, QE identity UpToDate from ISVSVN 8.
    const SysTime next = now + std::chrono::hours(24 * 30);
    const PckRequest pck = default_pck_request();
    const std::vector<SimTcbLevelSpec> levels = {
        {0, pck.pcesvn, 4, TcbStatus::up_to_date, "", {}},
        {0, 0, 0, TcbStatus::out_of_date, "", {"INTEL-SA-00837"}},
    };
    const std::vector<QeTcbLevel> qe_levels = {{8, "", TcbStatus::up_to_date, {}},
                                               {0, "", TcbStatus::out_of_date, {"INTEL-SA-00615"}}};
    collateral.tcb_info =
        sign_tcb_info(simulated_tcb_info(pck.fmspc, levels, now, next), intel.tcb_signing_key());
    collateral.tcb_info_issuer_chain = intel.tcb_signing_chain_pem();
    collateral.qe_identity =
        sign_qe_identity(simulated_qe_identity(qe_levels, now, next), intel.tcb_signing_key());
    collateral.qe_identity_issuer_chain = intel.tcb_signing_chain_pem();
    const CrlOptions crl_options{SigAlg::ecdsa_sha256, 1};
    const SysTime this_update = now - std::chrono::hours(1);
    auto pck_crl =
        build_crl(intel.platform_ca(), intel.platform_ca_key(), {}, this_update, next, crl_options);
    auto root_crl = build_crl(intel.root(), intel.root_key(), {}, this_update, next, crl_options);
    if (!pck_crl || !root_crl) throw std::runtime_error("build_crl failed");
    collateral.pck_crl = pck_crl->der();
    collateral.pck_crl_issuer_chain = intel.platform_ca().pem() + intel.root().pem();
    collateral.root_crl = root_crl->der();

    // Both verify paths must succeed here, or the figures would time a failure.
    TdxChainCache cache;
    auto res = verify_quote(quote, options(&cache, true));
    if (!res.ok()) throw std::runtime_error("fixture quote does not verify: " + res.failures[0].message);
    if (!res.tcb_status || *res.tcb_status != TcbStatus::up_to_date)
      throw std::runtime_error("fixture quote is not UpToDate");
  }

  VerifyOptions options(TdxChainCache* cache, bool with_collateral) const {
    VerifyOptions o;
    o.trusted_roots = roots;
    o.now = now;
    o.chain_cache = cache;
    if (with_collateral) o.collateral = &collateral;
    return o;
  }
};

Fixture& fx() {
  static Fixture f;
  return f;
}

// This thread's CPU time, as Google Benchmark's CPU column: the ratio stays meaningful on a loaded machine.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Mean CPU time per iteration of the floor, measured by BM_Floor_EcdsaP256Verify_x2 (registered first).
double g_floor_ns = 0;

void report_vs_floor(benchmark::State& state, double start) {
  const double ns = thread_cpu_ns() - start;
  if (g_floor_ns > 0 && state.iterations() > 0)
    state.counters["vs_floor"] = ns / static_cast<double>(state.iterations()) / g_floor_ns;
}

struct P256Verify {
  Key key;
  Bytes message;
  EcdsaSignature sig;
};

// The two verifies of a quote: QE report by the PCK key, quote by the attestation key.
std::vector<P256Verify> quote_verifies() {
  auto& f = fx();
  const auto& sd = f.quote.signed_data;
  Bytes ak_point{0x04};
  ak_point.insert(ak_point.end(), sd.attestation_key.begin(), sd.attestation_key.end());
  auto ak = ec_public_key_from_point(Curve::p256, ak_point);
  if (!ak) throw std::runtime_error("attestation key");
  return {
      {f.qe.pck().cert.public_key(), encode_sgx_report_body(sd.certification.qe_report),
       split_rs(sd.certification.qe_report_signature)},
      {*ak, signed_part(f.quote), split_rs(sd.signature)},
  };
}

// The four more verifies of collateral: TCB info, QE identity, PCK CRL, root CRL (their own signatures,
// as the verifier checks them; the CRLs' tbsCertList is approximated by the CRL DER, a few bytes longer).
std::vector<P256Verify> collateral_verifies() {
  auto& f = fx();
  std::vector<P256Verify> out;
  auto add_body = [&](const std::string& body, std::string_view key) {
    auto sb = split_signed_body(body, key);
    if (!sb) throw std::runtime_error("split_signed_body");
    Bytes msg(sb->signed_bytes.begin(), sb->signed_bytes.end());
    out.push_back({f.intel.tcb_signing().public_key(), msg, split_rs(sb->signature)});
  };
  add_body(f.collateral.tcb_info, "tcbInfo");
  add_body(f.collateral.qe_identity, "enclaveIdentity");
  // A CRL signature check is an ECDSA P-256 verify over ~300 bytes: sign fresh digests with the CA keys.
  for (const Key* key : {&f.intel.platform_ca_key(), &f.intel.root_key()}) {
    const Bytes& msg = key == &f.intel.root_key() ? f.collateral.root_crl : f.collateral.pck_crl;
    out.push_back(
        {public_key_from_der(public_key_to_der(*key)).value(), msg, ecdsa_sign_digest(*key, sha256(msg))});
  }
  return out;
}

void run_floor(benchmark::State& state, const std::vector<P256Verify>& verifies) {
  for (auto _ : state) {
    bool ok = true;
    for (const auto& v : verifies) ok &= ecdsa_verify_digest(v.key, sha256(v.message), v.sig);
    if (!ok) state.SkipWithError("floor verify failed");
    benchmark::DoNotOptimize(ok);
  }
}

void BM_Floor_EcdsaP256Verify_x2(benchmark::State& state) {
  const auto verifies = quote_verifies();
  const double start = thread_cpu_ns();
  run_floor(state, verifies);
  const double ns = thread_cpu_ns() - start;
  if (state.iterations() > 0) g_floor_ns = ns / static_cast<double>(state.iterations());
  state.counters["vs_floor"] = 1.0;
}
BENCHMARK(BM_Floor_EcdsaP256Verify_x2);

void BM_Floor_EcdsaP256Verify_x6(benchmark::State& state) {
  auto verifies = quote_verifies();
  for (auto& v : collateral_verifies()) verifies.push_back(std::move(v));
  const double start = thread_cpu_ns();
  run_floor(state, verifies);
  report_vs_floor(state, start);
}
BENCHMARK(BM_Floor_EcdsaP256Verify_x6);

void BM_TdxVerifyQuote_ChainCached(benchmark::State& state) {
  auto& f = fx();
  TdxChainCache cache;
  const VerifyOptions o = f.options(&cache, false);
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto res = verify_quote(f.quote, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxVerifyQuote_ChainCached);

void BM_TdxVerifyQuote_Collateral_ChainCached(benchmark::State& state) {
  auto& f = fx();
  TdxChainCache cache;
  const VerifyOptions o = f.options(&cache, true);
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto res = verify_quote(f.quote, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxVerifyQuote_Collateral_ChainCached);

void BM_TdxVerifyQuote_ChainUncached(benchmark::State& state) {
  auto& f = fx();
  const VerifyOptions o = f.options(nullptr, false);
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto res = verify_quote(f.quote, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxVerifyQuote_ChainUncached);

// Bytes in, verdict out: the parse plus the cached-chain verification, as a verifier service runs it.
void BM_TdxVerifyQuoteBytes_ChainCached(benchmark::State& state) {
  auto& f = fx();
  TdxChainCache cache;
  const VerifyOptions o = f.options(&cache, false);
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto res = verify_quote_bytes(f.raw, o);
    if (!res.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(res);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxVerifyQuoteBytes_ChainCached);

// What the verifier decodes from every quote before any signature: the PCK chain (three certificates,
// PEM) and the leaf's SGX extension (tdx::quote_pck).
void BM_TdxQuotePck(benchmark::State& state) {
  auto& f = fx();
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto pck = quote_pck(f.quote);
    if (!pck) state.SkipWithError("quote_pck failed");
    benchmark::DoNotOptimize(pck);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxQuotePck);

// What the collateral path parses on every call, without any signature check.
void BM_TdxCollateralParse(benchmark::State& state) {
  auto& f = fx();
  const auto& c = f.collateral;
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    auto tb = split_signed_body(c.tcb_info, "tcbInfo");
    auto ti = parse_tcb_info(c.tcb_info);
    auto qb = split_signed_body(c.qe_identity, "enclaveIdentity");
    auto qi = parse_qe_identity(c.qe_identity);
    auto ch1 = certs_from_pem(c.tcb_info_issuer_chain);
    auto ch2 = certs_from_pem(c.qe_identity_issuer_chain);
    auto pc = crl_from_pem_or_der(c.pck_crl);
    auto rc = crl_from_pem_or_der(c.root_crl);
    if (!tb || !ti || !qb || !qi || !ch1 || !ch2 || !pc || !rc)
      state.SkipWithError("collateral parse failed");
    benchmark::DoNotOptimize(ti);
    benchmark::DoNotOptimize(qi);
    benchmark::DoNotOptimize(pc);
  }
  report_vs_floor(state, start);
}
BENCHMARK(BM_TdxCollateralParse);

void BM_TdxParseQuote(benchmark::State& state) {
  const Bytes raw = fx().raw;
  for (auto _ : state) {
    auto q = parse_quote(raw);
    benchmark::DoNotOptimize(q);
  }
}
BENCHMARK(BM_TdxParseQuote);

}  // namespace

BENCHMARK_MAIN();
