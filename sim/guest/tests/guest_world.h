// Test-only: what the guest tests share. The simulated AMD world: the seed is the SNP tests' ("snp-tests"),
// so a build that runs both generates the RSA-4096 ARK/ASK/ASVK keys once (cached in the build tree). A
// KBS on loopback: a minimal kbs-config.toml and a self-signed HTTPS certificate for 127.0.0.1.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/http.h"
#include "core/test_support.h"
#include "core/x509.h"
#include "jose/jose.h"
#include "snp/snp.h"

namespace coco::guest::test_world {

inline std::shared_ptr<snp::AmdAuthority> authority() {
  static std::shared_ptr<snp::AmdAuthority> a =
      std::make_shared<snp::AmdAuthority>("snp-tests", coco::test::key_cache_dir());
  return a;
}

inline const snp::TrustedRoots& roots() {
  static snp::TrustedRoots r = snp::simulated_roots(*authority());
  return r;
}

// Admin open to all, tokens verified with the key in their header, resources in memory.
inline constexpr const char* kInsecureKbsConfigToml = R"([http_server]
sockets = ["127.0.0.1:8080"]
insecure_http = false
worker_count = 2

[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = true

[attestation_service]
type = "coco_as_builtin"

[[plugins]]
name = "resource"
storage_backend_type = "kvstorage"
)";

struct Tls {
  TlsServerConfig server;
  std::string ca_pem;  // the self-signed certificate itself
};

// A fresh P-256 key and a self-signed CA certificate for IP 127.0.0.1, valid a day either side of now.
inline Tls make_loopback_tls() {
  using namespace std::chrono_literals;
  const Key key = jose::generate_ec_key(Curve::p256);
  CertSpec spec;
  spec.subject = {{"CN", "127.0.0.1"}};
  spec.serial = {0x01};
  spec.not_before = std::chrono::system_clock::now() - 24h;
  spec.not_after = std::chrono::system_clock::now() + 24h;
  spec.subject_key = key;
  spec.extensions = {{"basicConstraints", false, {}, "critical,CA:TRUE"},
                     {"subjectAltName", false, {}, "IP:127.0.0.1"},
                     {"subjectKeyIdentifier", false, {}, "hash"}};
  auto cert = build_cert(spec, key, SigAlg::ecdsa_sha256);
  if (!cert) throw std::runtime_error("loopback TLS certificate: " + cert.error().message);
  Tls t;
  t.server.cert_pem = cert->pem();
  t.server.key_pem = private_key_to_pem(key);
  t.ca_pem = t.server.cert_pem;
  return t;
}

// One loopback certificate per test process.
inline const Tls& tls() {
  static const Tls t = make_loopback_tls();
  return t;
}

}  // namespace coco::guest::test_world
