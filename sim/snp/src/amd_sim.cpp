#include "snp/amd_sim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <stdexcept>

#include "core/encoding.h"
#include "core/hash.h"
#include "snp/certs.h"

namespace coco::snp {
namespace {

// The product line's index in AMD's serial numbers: ARK-Milan is 0x010000, ARK-Genoa 0x020000, ...
std::uint8_t product_index(Product p) {
  switch (p) {
    case Product::milan:
      return 1;
    case Product::genoa:
      return 2;
    case Product::turin:
      return 3;
    case Product::unknown:
      break;
  }
  throw std::invalid_argument("AMD product line required (Milan, Genoa or Turin)");
}

// Serialises key/certificate generation between processes sharing a cache directory (ctest -j).
class DirLock {
 public:
  explicit DirLock(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    fd_ = ::open((dir / ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~DirLock() {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

std::optional<std::string> read_text(const std::filesystem::path& p) {
  auto r = read_file(p);
  if (!r) return std::nullopt;
  return to_string(*r);
}

CertExtension ext(const char* oid, Bytes der) {
  return CertExtension{oid, false, std::move(der), ""};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> amd_name(const std::string& cn) {
  return {{"OU", "Engineering"},           {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},
          {"O", "Advanced Micro Devices"}, {"CN", cn}};
}

std::string kds_crl_url(Product product, bool vlek) {
  return std::string("https://kdsintf.amd.com/") + (vlek ? "vlek" : "vcek") + "/v1/" + product_name(product) +
         "/crl";
}

std::string default_product_name(Product product, int stepping, bool vlek) {
  // Real VCEKs: "Milan-B0" (stepping suffix), newer Genoa and Turin VCEKs and all VLEKs: the bare name.
  if (product == Product::milan && !vlek) return "Milan-B" + std::to_string(stepping);
  return product_name(product);
}

AmdAuthority::AmdAuthority(std::string seed, std::filesystem::path cache_dir, AmdValidity validity)
    : seed_(std::move(seed)), cache_dir_(std::move(cache_dir)), validity_(validity) {
  if (!cache_dir_.empty()) cache_dir_ /= "amd-" + hex_encode(sha256(as_bytes(seed_))).substr(0, 16);
}

Key AmdAuthority::load_or_make_rsa(Product product, const std::string& role) {
  const std::string label = "amd/" + product_name(product) + "/" + role;
  if (cache_dir_.empty()) return rsa_key_from_seed(4096, as_bytes(seed_), label);
  auto path = cache_dir_ / (product_name(product) + "-" + role + ".key.pem");
  if (auto pem = read_text(path)) {
    if (auto k = private_key_from_pem(*pem)) return *k;
  }
  Key k = rsa_key_from_seed(4096, as_bytes(seed_), label);
  auto pem = private_key_to_pem(k);
  (void)write_file(path, as_bytes(pem));  // a cache: failure to write only costs time
  return k;
}

const AmdCa& AmdAuthority::ca(Product product) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cas_.find(product); it != cas_.end()) return *it->second;
  const std::uint8_t idx = product_index(product);
  const std::string name = product_name(product);

  std::optional<DirLock> dir_lock;
  if (!cache_dir_.empty()) dir_lock.emplace(cache_dir_);

  auto ca = std::make_unique<AmdCa>();
  ca->product = product;
  ca->ark_key = load_or_make_rsa(product, "ark");
  ca->ask_key = load_or_make_rsa(product, "ask");
  ca->asvk_key = load_or_make_rsa(product, "asvk");

  // RSA-PSS signatures are salted, so certificates are cached too: every user of the cache then sees
  // byte-identical certificates.
  auto cert_path = [&](const char* role) { return cache_dir_ / (name + "-" + role + ".crt.pem"); };
  auto load_cert = [&](const char* role, const Key& key) -> std::optional<Cert> {
    if (cache_dir_.empty()) return std::nullopt;
    auto pem = read_text(cert_path(role));
    if (!pem) return std::nullopt;
    auto certs = certs_from_pem(*pem);
    if (!certs || certs->size() != 1 || !(*certs)[0].public_key().same_public(key)) return std::nullopt;
    return (*certs)[0];
  };
  auto store_cert = [&](const char* role, const Cert& c) {
    if (!cache_dir_.empty()) (void)write_file(cert_path(role), as_bytes(c.pem()));
  };

  if (auto c = load_cert("ark", ca->ark_key)) {
    ca->ark = *c;
  } else {
    CertSpec s;
    s.subject = amd_name("ARK-" + name);
    s.serial = {idx, 0x00, 0x00};
    s.not_before = validity_.ca_not_before;
    s.not_after = validity_.ca_not_after;
    s.subject_key = ca->ark_key;
    s.extensions = {{"keyUsage", true, {}, "critical,keyCertSign,cRLSign"},
                    {"subjectKeyIdentifier", false, {}, "hash"},
                    {"basicConstraints", true, {}, "critical,CA:TRUE"},
                    {"crlDistributionPoints", false, {}, "URI:" + kds_crl_url(product, false)}};
    auto built = build_cert(s, ca->ark_key, SigAlg::rsa_pss_sha384);
    if (!built) throw std::runtime_error(built.error().message);
    ca->ark = *built;
    store_cert("ark", ca->ark);
  }
  auto make_intermediate = [&](const char* role, const std::string& cn, std::uint8_t mid, const Key& key,
                               bool vlek) -> Cert {
    if (auto c = load_cert(role, key)) return *c;
    CertSpec s;
    s.subject = amd_name(cn);
    s.issuer = amd_name("ARK-" + name);
    s.serial = {idx, mid, 0x01};
    s.not_before = validity_.ca_not_before;
    s.not_after = validity_.ca_not_after;
    s.subject_key = key;
    s.extensions = {{"subjectKeyIdentifier", false, {}, "hash"},
                    {"authorityKeyIdentifier", false, {}, "keyid:always"},
                    {"basicConstraints", true, {}, "critical,CA:TRUE,pathlen:0"},
                    {"keyUsage", true, {}, "critical,keyCertSign"},
                    {"crlDistributionPoints", false, {}, "URI:" + kds_crl_url(product, vlek)}};
    auto built = build_cert(s, ca->ark_key, SigAlg::rsa_pss_sha384, &ca->ark);
    if (!built) throw std::runtime_error(built.error().message);
    store_cert(role, *built);
    return *built;
  };
  ca->ask = make_intermediate("ask", "SEV-" + name, 0x00, ca->ask_key, false);
  ca->asvk = make_intermediate("asvk", "SEV-VLEK-" + name, 0x01, ca->asvk_key, true);
  auto& ref = *ca;
  cas_[product] = std::move(ca);
  return ref;
}

namespace {

// KDS extensions in the order AMD's certificates carry them (see the real VCEKs in shared/corpus):
// Milan/Genoa: structVersion, productName, bl, tee, spl4..spl7, snp, ucode, hwID|cspID
// Turin:       structVersion(1), productName, fmc, bl, tee, snp, spl5..spl7, ucode, hwID|cspID
std::vector<CertExtension> vek_extensions(Product product, const std::string& pname, const Tcb& tcb,
                                          const std::optional<Bytes>& hwid,
                                          const std::optional<std::string>& csp) {
  std::vector<CertExtension> e;
  const bool turin = product == Product::turin;
  e.push_back(ext(oid::kStructVersion, der_integer(turin ? 1 : 0)));
  e.push_back(ext(oid::kProductName, der_ia5string(pname)));
  if (turin) {
    e.push_back(ext(oid::kFmcSpl, der_integer(tcb.fmc.value_or(0))));
    e.push_back(ext(oid::kBlSpl, der_integer(tcb.bootloader)));
    e.push_back(ext(oid::kTeeSpl, der_integer(tcb.tee)));
    e.push_back(ext(oid::kSnpSpl, der_integer(tcb.snp)));
    for (const char* o : {oid::kSpl5, oid::kSpl6, oid::kSpl7}) e.push_back(ext(o, der_integer(0)));
  } else {
    e.push_back(ext(oid::kBlSpl, der_integer(tcb.bootloader)));
    e.push_back(ext(oid::kTeeSpl, der_integer(tcb.tee)));
    for (const char* o : {oid::kSpl4, oid::kSpl5, oid::kSpl6, oid::kSpl7})
      e.push_back(ext(o, der_integer(0)));
    e.push_back(ext(oid::kSnpSpl, der_integer(tcb.snp)));
  }
  e.push_back(ext(oid::kUcodeSpl, der_integer(tcb.microcode)));
  // Current real VCEKs store the hwID bytes raw inside the extension (no inner OCTET STRING).
  if (hwid) e.push_back(ext(oid::kHwId, *hwid));
  if (csp) e.push_back(ext(oid::kCspId, der_ia5string(*csp)));
  return e;
}

}  // namespace

IssuedVek AmdAuthority::issue_vek(const VekRequest& req, bool vlek) {
  const AmdCa& c = ca(req.product);
  const bool turin = req.product == Product::turin;
  Tcb tcb = req.tcb;
  if (turin && !tcb.fmc) tcb.fmc = 0;
  if (!turin) tcb.fmc.reset();
  // A VCEK is bound to a chip (hwID: 64 bytes, the first 8 on Turin), a VLEK to a cloud provider.
  std::optional<Bytes> hwid;
  std::optional<std::string> csp;
  if (vlek) {
    csp = req.csp_id;
  } else {
    hwid = req.chip_id;
    hwid->resize(turin ? 8 : 64, 0);
  }
  const std::string role = vlek ? "VLEK" : "VCEK";
  const std::string label = (vlek ? "vlek/" : "vcek/") + product_name(req.product) + "/" +
                            (vlek ? *csp : hex_encode(*hwid)) + "/" +
                            std::to_string(encode_tcb(tcb, req.product));
  const std::string name = req.product_name.value_or(default_product_name(req.product, req.stepping, vlek));
  const std::string memo_key = label + "/" + name;
  {
    std::lock_guard lock(vek_mu_);
    if (auto it = veks_.find(memo_key); it != veks_.end()) return it->second;
  }
  IssuedVek out;
  out.key = ec_key_from_seed(Curve::p384, as_bytes(seed_), label);
  CertSpec s;
  s.subject = amd_name("SEV-" + role);
  s.issuer = amd_name((vlek ? "SEV-VLEK-" : "SEV-") + product_name(req.product));
  s.not_before = validity_.vek_not_before;
  s.not_after = validity_.vek_not_after;
  s.subject_key = out.key;
  s.extensions = vek_extensions(req.product, name, tcb, hwid, csp);
  auto built = build_cert(s, vlek ? c.asvk_key : c.ask_key, SigAlg::rsa_pss_sha384, vlek ? &c.asvk : &c.ask);
  if (!built) throw std::runtime_error(built.error().message);
  out.cert = *built;
  std::lock_guard lock(vek_mu_);
  return veks_.emplace(memo_key, out).first->second;
}

IssuedVek AmdAuthority::issue_vcek(const VekRequest& req) {
  return issue_vek(req, false);
}
IssuedVek AmdAuthority::issue_vlek(const VekRequest& req) {
  return issue_vek(req, true);
}

std::string AmdAuthority::cert_chain_pem(Product product, bool vlek) {
  const AmdCa& c = ca(product);
  return (vlek ? c.asvk.pem() : c.ask.pem()) + c.ark.pem();
}

}  // namespace coco::snp
