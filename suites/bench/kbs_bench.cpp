// Full RCAR handshakes against the Trustee-compatible KBS over loopback HTTP, beside the floor of the same
// run: the cryptography a handshake cannot avoid.
//  - floor: BM_Floor_HandshakeCrypto = one ECDSA P-384 sign (the simulated firmware signing the report) +
//    one P-384 verify (the verifier checking it) + the JOSE work: JCS + SHA-384 of the runtime data
//    (client and AS), ES256 sign + verify of the EAR token, ECDH-ES+A256KW/A256GCM encrypt + decrypt of
//    the secret. Each part is also reported alone.
//  - BM_KbsHandshake_Snp: auth + attest (simulated SNP evidence made per handshake, so it includes the
//    firmware signature) + resource GET + JWE decryption, through the real HTTP server and client;
//  - BM_KbsHandshake_Snp_InProcess: the same three requests through Kbs::handle() (no sockets);
//  - BM_KbsHandshake_Sample: the sample TEE (no hardware signature) over HTTP.
// Handshakes per second = 1 / time. Figures: docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include "core/hash.h"
#include "guest/evidence_provider.h"
#include "guest/rcar_client.h"
#include "jose/jose.h"
#include "snp/snp.h"
#include "trustee/default_policies.h"
#include "trustee/kbs.h"

using namespace coco;

namespace {

struct World {
  std::shared_ptr<snp::AmdAuthority> authority =
      std::make_shared<snp::AmdAuthority>("bench", COCO_KEY_CACHE_DIR);
  snp::TrustedRoots roots = snp::simulated_roots(*authority);
  std::unique_ptr<trustee::Kbs> kbs;

  World() {
    trustee::KbsOptions o;
    o.config.http_server.insecure_http = true;
    o.config.attestation_token.insecure_header_jwk = true;
    trustee::PluginConfig resource;
    resource.name = "resource";
    o.config.plugins.push_back(resource);
    o.port = 0;
    o.snp.roots = &roots;
    kbs = std::move(*trustee::Kbs::create(std::move(o)));
    (void)kbs->resource_policy().set(std::string(trustee::allow_all_resource_policy()));
    (void)kbs->resources()->put("default/kbsres1/key1",
                                as_bytes(std::string("0123456789abcdef0123456789abcdef")));
    if (!kbs->start()) throw std::runtime_error("KBS did not start");
  }

  std::unique_ptr<guest::EvidenceProvider> snp_provider() const {
    guest::SimulatedSnpOptions so;
    so.authority = authority;
    so.launch.product = snp::Product::genoa;
    return guest::make_simulated_snp_provider(so);
  }
};

World& world() {
  static World w;
  return w;
}

// ---- floor ------------------------------------------------------------------------------------

struct FloorParts {
  Key p384 = ec_key_from_seed(Curve::p384, as_bytes(std::string("bench")), "vcek");
  Key es256 = jose::generate_ec_key(Curve::p256);
  Key tee = jose::generate_ec_key(Curve::p256);
  nlohmann::json tee_jwk = [this] {
    auto j = jose::public_jwk(tee);
    j["alg"] = "ECDH-ES+A256KW";
    return j;
  }();
  Bytes digest = sha384(as_bytes(std::string("report")));
  nlohmann::json runtime = {
      {"tee-pubkey", tee_jwk}, {"nonce", std::string(44, 'A')}, {"additional-evidence", ""}};
  std::string claims = std::string(1500, 'x');
  Bytes secret = Bytes(32, 7);
};

FloorParts& parts() {
  static FloorParts p;
  return p;
}

void p384_sign_verify() {
  auto& p = parts();
  auto sig = ecdsa_sign_digest(p.p384, p.digest);
  if (!ecdsa_verify_digest(p.p384, p.digest, sig)) throw std::runtime_error("floor verify failed");
}

void jose_work() {
  auto& p = parts();
  for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(sha384(as_bytes(*jose::jcs_canonicalize(p.runtime))));
  auto token = jose::jws_sign({{"alg", "ES256"}, {"typ", "JWT"}}, p.claims, p.es256);
  auto jws = jose::jws_parse(*token);
  if (!jose::jws_verify(*jws, p.es256)) throw std::runtime_error("floor JWS failed");
  auto jwe = jose::jwe_encrypt(p.secret, p.tee_jwk);
  if (!jose::jwe_decrypt(*jwe, p.tee)) throw std::runtime_error("floor JWE failed");
}

void BM_Floor_HandshakeCrypto(benchmark::State& state) {
  for (auto _ : state) {
    p384_sign_verify();
    jose_work();
  }
}
BENCHMARK(BM_Floor_HandshakeCrypto)->Unit(benchmark::kMicrosecond);

void BM_Floor_P384SignVerify(benchmark::State& state) {
  for (auto _ : state) p384_sign_verify();
}
BENCHMARK(BM_Floor_P384SignVerify)->Unit(benchmark::kMicrosecond);

void BM_Floor_Jose(benchmark::State& state) {
  for (auto _ : state) jose_work();
}
BENCHMARK(BM_Floor_Jose)->Unit(benchmark::kMicrosecond);

// ---- handshakes -------------------------------------------------------------------------------

void handshake_over_http(benchmark::State& state, bool snp) {
  auto& w = world();
  for (auto _ : state) {
    guest::KbsClientOptions o;
    o.url = w.kbs->url();
    guest::KbsClient client(o, snp ? w.snp_provider() : guest::make_sample_provider());
    auto secret = client.get_resource("default/kbsres1/key1");
    if (!secret) state.SkipWithError(secret.error().message.c_str());
    benchmark::DoNotOptimize(secret);
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_KbsHandshake_Snp(benchmark::State& state) {
  handshake_over_http(state, true);
}
BENCHMARK(BM_KbsHandshake_Snp)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_KbsHandshake_Sample(benchmark::State& state) {
  handshake_over_http(state, false);
}
BENCHMARK(BM_KbsHandshake_Sample)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same protocol through Kbs::handle(): what the KBS itself costs without sockets and HTTP parsing.
void BM_KbsHandshake_Snp_InProcess(benchmark::State& state) {
  auto& w = world();
  auto provider = w.snp_provider();
  for (auto _ : state) {
    auto key = guest::TeeKey::generate();
    HttpResponse ch =
        w.kbs->handle({"POST", "/kbs/v0/auth", {}, R"({"version":"0.4.0","tee":"snp","extra-params":{}})"});
    std::string cookie = ch.headers.get("Set-Cookie").value_or("");
    cookie = cookie.substr(0, cookie.find(';'));
    std::string nonce = nlohmann::json::parse(ch.body)["nonce"];
    nlohmann::json rd = {{"tee-pubkey", key.public_jwk()}, {"nonce", nonce}, {"additional-evidence", ""}};
    Bytes digest = sha384(as_bytes(*jose::jcs_canonicalize(rd)));
    nlohmann::json body = {
        {"runtime-data", {{"nonce", nonce}, {"tee-pubkey", key.public_jwk()}}},
        {"tee-evidence", {{"primary_evidence", *provider->evidence(digest)}, {"additional_evidence", ""}}}};
    HttpResponse at = w.kbs->handle({"POST", "/kbs/v0/attest", {{"Cookie", cookie}}, body.dump()});
    HttpResponse res =
        w.kbs->handle({"GET", "/kbs/v0/resource/default/kbsres1/key1", {{"Cookie", cookie}}, ""});
    if (at.status != 200 || res.status != 200) state.SkipWithError("handshake failed");
    auto plain = key.decrypt(nlohmann::json::parse(res.body));
    if (!plain) state.SkipWithError("decrypt failed");
  }
}
BENCHMARK(BM_KbsHandshake_Snp_InProcess)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
