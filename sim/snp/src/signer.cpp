#include "snp/signer.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "core/encoding.h"
#include "core/hash.h"

namespace coco::snp {
namespace {

struct CpuId {
  std::uint8_t family, model;
};
CpuId cpuid_of(Product p) {
  switch (p) {
    case Product::milan:
      return {0x19, 0x01};
    case Product::genoa:
      return {0x19, 0x11};
    case Product::turin:
      return {0x1A, 0x02};
    case Product::unknown:
      break;
  }
  return {0, 0};
}

template <std::size_t N>
Status fill(std::array<std::uint8_t, N>& dst, const Bytes& src, const char* name) {
  if (src.size() > N)
    return make_error("snp.launch_invalid", std::string(name) + " is " + std::to_string(src.size()) +
                                                " bytes; at most " + std::to_string(N));
  dst.fill(0);
  std::copy(src.begin(), src.end(), dst.begin());
  return ok_status();
}

Bytes seeded(const std::string& seed, const std::string& label, std::size_t n) {
  Bytes d = sha512(as_bytes(seed + "/" + label));
  d.resize(n);
  return d;
}

}  // namespace

Tcb default_tcb(Product product) {
  switch (product) {
    case Product::genoa:
      return Tcb{std::nullopt, 10, 0, 23, 84};
    case Product::turin:
      return Tcb{1, 1, 1, 4, 81};
    default:
      return Tcb{std::nullopt, 4, 0, 24, 219};
  }
}

void resign(Report& report, const Key& vek_key) {
  auto sig = ecdsa_sign_digest(vek_key, sha384(report.signed_bytes()));
  set_signature(report, sig.r, sig.s);
}

Result<SignedReport> sign_report(AmdAuthority& authority, const LaunchDescription& d) {
  if (d.version != 2 && d.version != 3 && d.version != 4 && d.version != 5)
    return make_error("snp.launch_invalid",
                      "report version " + std::to_string(d.version) + " cannot be simulated (2 to 5)");
  if (d.product == Product::unknown)
    return make_error("snp.launch_invalid", "a product line is required (Milan, Genoa, Turin)");
  if (d.stepping < 0 || d.stepping > 15) return make_error("snp.launch_invalid", "stepping must be 0..15");

  Report r;
  r.version = d.version;
  r.guest_svn = d.guest_svn;
  r.policy = d.policy;
  r.vmpl = d.vmpl;
  r.signature_algo = kSigAlgoEcdsaP384Sha384;
  r.platform_info = d.platform_info;
  r.signer_info = (d.author_key_en ? 1u : 0u) | (d.mask_chip_id ? 2u : 0u) | ((d.vlek ? 1u : 0u) << 2);
  const std::string& seed = authority.seed();
  Bytes measurement = d.measurement.empty() ? sha384(as_bytes("coco-harness launch")) : d.measurement;
  Bytes report_id =
      d.report_id.empty() ? seeded(seed, "report_id/" + hex_encode(measurement), 32) : d.report_id;
  Bytes report_id_ma = d.report_id_ma.empty() ? Bytes(32, 0xFF) : d.report_id_ma;
  Bytes chip_id = d.chip_id.empty() ? seeded(seed, "chip/" + product_name(d.product), 64) : d.chip_id;
  chip_id.resize(64, 0);
  if (d.product == Product::turin) std::fill(chip_id.begin() + 8, chip_id.end(), 0);  // only 8 bytes on Turin
  for (auto st :
       {fill(r.family_id, d.family_id, "family_id"), fill(r.image_id, d.image_id, "image_id"),
        fill(r.report_data, d.report_data, "report_data"), fill(r.measurement, measurement, "measurement"),
        fill(r.host_data, d.host_data, "host_data"), fill(r.id_key_digest, d.id_key_digest, "id_key_digest"),
        fill(r.author_key_digest, d.author_key_digest, "author_key_digest"),
        fill(r.report_id, report_id, "report_id"), fill(r.report_id_ma, report_id_ma, "report_id_ma"),
        fill(r.chip_id, chip_id, "chip_id")})
    if (!st) return st.error();
  // A VLEK-signed or MASK_CHIP_ID report carries no chip id.
  if (d.vlek || d.mask_chip_id) r.chip_id.fill(0);

  Tcb tcb = d.tcb.value_or(default_tcb(d.product));
  if (d.product == Product::turin && !tcb.fmc) tcb.fmc = 0;
  const Tcb reported = d.reported_tcb.value_or(tcb);
  r.current_tcb = encode_tcb(tcb, d.product);
  r.reported_tcb = encode_tcb(reported, d.product);
  r.committed_tcb = encode_tcb(d.committed_tcb.value_or(tcb), d.product);
  r.launch_tcb = encode_tcb(d.launch_tcb.value_or(tcb), d.product);
  if (d.version >= 3) {
    auto c = cpuid_of(d.product);
    r.cpuid_fam_id = c.family;
    r.cpuid_mod_id = c.model;
    r.cpuid_step = static_cast<std::uint8_t>(d.stepping);
  }
  r.current = d.current_fw;
  r.committed = d.committed_fw;
  if (d.version >= 5) {
    r.launch_mit_vector = d.launch_mit_vector;
    r.current_mit_vector = d.current_mit_vector;
  }

  VekRequest req;
  req.product = d.product;
  req.tcb = reported;
  req.chip_id = chip_id;
  req.csp_id = d.csp_id;
  req.stepping = d.stepping;
  SignedReport out;
  out.vek = d.vlek ? authority.issue_vlek(req) : authority.issue_vcek(req);
  resign(r, out.vek.key);
  out.report = r;
  out.raw = r.encode();
  out.chain_pem = authority.cert_chain_pem(d.product, d.vlek);
  const AmdCa& ca = authority.ca(d.product);
  out.cert_table = {{guid_of(d.vlek ? CertKind::vlek : CertKind::vcek),
                     d.vlek ? CertKind::vlek : CertKind::vcek, out.vek.cert.der()},
                    {guid_of(CertKind::ask), d.vlek ? CertKind::asvk : CertKind::ask,
                     d.vlek ? ca.asvk.der() : ca.ask.der()},
                    {guid_of(CertKind::ark), CertKind::ark, ca.ark.der()}};
  return out;
}

SnpEvidence SignedReport::evidence() const {
  const CertKind k =
      report.decoded_signer().signing_key == SigningKey::vlek ? CertKind::vlek : CertKind::vcek;
  return SnpEvidence{report, std::vector<CertTableEntry>{{guid_of(k), k, vek.cert.der()}}};
}

namespace {

struct YamlError {
  std::string what;
};

Bytes yaml_hex(const YAML::Node& n, const std::string& key) {
  auto s = n.as<std::string>();
  if (s.rfind("0x", 0) == 0) s = s.substr(2);
  auto b = hex_decode(s);
  if (!b) throw YamlError{key + " must be hex"};
  return *b;
}

std::uint64_t yaml_uint(const YAML::Node& n, const std::string& key) {
  auto s = n.as<std::string>();
  try {
    std::size_t used = 0;
    std::uint64_t v = std::stoull(s, &used, 0);  // accepts 0x... and decimal
    if (used != s.size()) throw YamlError{key + " must be a number"};
    return v;
  } catch (const std::logic_error&) {
    throw YamlError{key + " must be a number"};
  }
}

std::uint8_t yaml_u8(const YAML::Node& n, const std::string& key) {
  auto v = yaml_uint(n, key);
  if (v > 255) throw YamlError{key + " must be 0..255"};
  return static_cast<std::uint8_t>(v);
}

Tcb yaml_tcb(const YAML::Node& n, const std::string& key) {
  if (!n.IsMap()) throw YamlError{key + " must be a map {fmc, bl, tee, snp, ucode}"};
  Tcb t;
  for (const auto& kv : n) {
    auto k = kv.first.as<std::string>();
    if (k == "fmc")
      t.fmc = yaml_u8(kv.second, key + ".fmc");
    else if (k == "bl" || k == "bootloader")
      t.bootloader = yaml_u8(kv.second, key + ".bl");
    else if (k == "tee")
      t.tee = yaml_u8(kv.second, key + ".tee");
    else if (k == "snp")
      t.snp = yaml_u8(kv.second, key + ".snp");
    else if (k == "ucode" || k == "microcode")
      t.microcode = yaml_u8(kv.second, key + ".ucode");
    else
      throw YamlError{"unknown key " + key + "." + k};
  }
  return t;
}

FirmwareVersion yaml_fw(const YAML::Node& n, const std::string& key) {
  // "1.55.40" = major.minor.build
  auto s = n.as<std::string>();
  unsigned major = 0, minor = 0, build = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%u.%u.%u%c", &major, &minor, &build, &tail) != 3 || major > 255 ||
      minor > 255 || build > 255)
    throw YamlError{key + " must be major.minor.build, e.g. 1.55.40"};
  return {static_cast<std::uint8_t>(build), static_cast<std::uint8_t>(minor),
          static_cast<std::uint8_t>(major)};
}

}  // namespace

Result<LaunchDescription> launch_from_yaml(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return make_error("snp.launch_invalid", "a launch description is a YAML map");
    LaunchDescription d;
    for (const auto& kv : root) {
      const auto key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "version")
        d.version = static_cast<std::uint32_t>(yaml_uint(v, key));
      else if (key == "product") {
        auto p = product_from_name(v.as<std::string>());
        if (!p) throw YamlError{"product must be Milan, Genoa or Turin"};
        d.product = *p;
      } else if (key == "stepping")
        d.stepping = yaml_u8(v, key);
      else if (key == "guest_svn")
        d.guest_svn = static_cast<std::uint32_t>(yaml_uint(v, key));
      else if (key == "policy")
        d.policy = yaml_uint(v, key);
      else if (key == "family_id")
        d.family_id = yaml_hex(v, key);
      else if (key == "image_id")
        d.image_id = yaml_hex(v, key);
      else if (key == "vmpl")
        d.vmpl = static_cast<std::uint32_t>(yaml_uint(v, key));
      else if (key == "report_data")
        d.report_data = yaml_hex(v, key);
      else if (key == "measurement")
        d.measurement = yaml_hex(v, key);
      else if (key == "host_data")
        d.host_data = yaml_hex(v, key);
      else if (key == "id_key_digest")
        d.id_key_digest = yaml_hex(v, key);
      else if (key == "author_key_digest")
        d.author_key_digest = yaml_hex(v, key);
      else if (key == "report_id")
        d.report_id = yaml_hex(v, key);
      else if (key == "report_id_ma")
        d.report_id_ma = yaml_hex(v, key);
      else if (key == "chip_id")
        d.chip_id = yaml_hex(v, key);
      else if (key == "tcb")
        d.tcb = yaml_tcb(v, key);
      else if (key == "reported_tcb")
        d.reported_tcb = yaml_tcb(v, key);
      else if (key == "committed_tcb")
        d.committed_tcb = yaml_tcb(v, key);
      else if (key == "launch_tcb")
        d.launch_tcb = yaml_tcb(v, key);
      else if (key == "platform_info")
        d.platform_info = yaml_uint(v, key);
      else if (key == "signer") {
        auto s = v.as<std::string>();
        if (s != "vcek" && s != "vlek" && s != "VCEK" && s != "VLEK")
          throw YamlError{"signer must be vcek or vlek"};
        d.vlek = (s == "vlek" || s == "VLEK");
      } else if (key == "mask_chip_id")
        d.mask_chip_id = v.as<bool>();
      else if (key == "author_key_en")
        d.author_key_en = v.as<bool>();
      else if (key == "current_fw")
        d.current_fw = yaml_fw(v, key);
      else if (key == "committed_fw")
        d.committed_fw = yaml_fw(v, key);
      else if (key == "launch_mit_vector")
        d.launch_mit_vector = yaml_uint(v, key);
      else if (key == "current_mit_vector")
        d.current_mit_vector = yaml_uint(v, key);
      else if (key == "csp_id")
        d.csp_id = v.as<std::string>();
      else
        throw YamlError{"unknown key '" + key + "'"};
    }
    return d;
  } catch (const YamlError& e) {
    return make_error("snp.launch_invalid", e.what);
  } catch (const YAML::Exception& e) {
    return make_error("snp.launch_invalid", std::string("YAML: ") + e.what());
  }
}

}  // namespace coco::snp
