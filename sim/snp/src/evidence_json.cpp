#include "snp/evidence_json.h"

#include <algorithm>

namespace coco::snp {
namespace {

using nlohmann::json;

struct JsonError {
  std::string what;
};

template <std::size_t N>
json byte_array(const std::array<std::uint8_t, N>& a) {
  return json(std::vector<std::uint8_t>(a.begin(), a.end()));
}

json tcb_json(std::uint64_t raw, Product layout) {
  Tcb t = decode_tcb(raw, layout);
  return json{{"fmc", t.fmc ? json(*t.fmc) : json(nullptr)},
              {"bootloader", t.bootloader},
              {"tee", t.tee},
              {"snp", t.snp},
              {"microcode", t.microcode}};
}

const json& field(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) throw JsonError{std::string("missing field '") + name + "'"};
  return j.at(name);
}

std::uint64_t uint_field(const json& j, const char* name, std::uint64_t max) {
  const json& v = field(j, name);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw JsonError{std::string("field '") + name + "' must be a non-negative integer"};
  auto n = v.get<std::uint64_t>();
  if (n > max) throw JsonError{std::string("field '") + name + "' is out of range"};
  return n;
}

template <std::size_t N>
void bytes_field(const json& j, const char* name, std::array<std::uint8_t, N>& out) {
  const json& v = field(j, name);
  if (!v.is_array() || v.size() != N)
    throw JsonError{std::string("field '") + name + "' must be an array of " + std::to_string(N) + " bytes"};
  for (std::size_t i = 0; i < N; ++i) {
    if (!v[i].is_number_unsigned() || v[i].get<std::uint64_t>() > 255)
      throw JsonError{std::string("field '") + name + "' holds a value that is not a byte"};
    out[i] = static_cast<std::uint8_t>(v[i].get<std::uint64_t>());
  }
}

std::uint64_t tcb_field(const json& j, const char* name, Product layout) {
  const json& t = field(j, name);
  Tcb tcb;
  tcb.bootloader = static_cast<std::uint8_t>(uint_field(t, "bootloader", 255));
  tcb.tee = static_cast<std::uint8_t>(uint_field(t, "tee", 255));
  tcb.snp = static_cast<std::uint8_t>(uint_field(t, "snp", 255));
  tcb.microcode = static_cast<std::uint8_t>(uint_field(t, "microcode", 255));
  if (t.contains("fmc") && !t.at("fmc").is_null())
    tcb.fmc = static_cast<std::uint8_t>(uint_field(t, "fmc", 255));
  return encode_tcb(tcb, layout);
}

FirmwareVersion version_field(const json& j, const char* name) {
  const json& v = field(j, name);
  return {static_cast<std::uint8_t>(uint_field(v, "build", 255)),
          static_cast<std::uint8_t>(uint_field(v, "minor", 255)),
          static_cast<std::uint8_t>(uint_field(v, "major", 255))};
}

std::optional<std::uint8_t> optional_byte(const json& j, const char* name) {
  if (!j.contains(name) || j.at(name).is_null()) return std::nullopt;
  return static_cast<std::uint8_t>(uint_field(j, name, 255));
}

}  // namespace

Product tcb_layout(const Report& report, Product fallback) {
  Product p = report.product();
  if (p == Product::unknown) p = fallback;
  return p == Product::turin ? Product::turin : Product::milan;
}

json report_to_json(const Report& r, Product fallback) {
  const Product layout = tcb_layout(r, fallback);
  json j;
  j["version"] = r.version;
  j["guest_svn"] = r.guest_svn;
  j["policy"] = r.policy;
  j["family_id"] = byte_array(r.family_id);
  j["image_id"] = byte_array(r.image_id);
  j["vmpl"] = r.vmpl;
  j["sig_algo"] = r.signature_algo;
  j["current_tcb"] = tcb_json(r.current_tcb, layout);
  j["plat_info"] = r.platform_info;
  j["key_info"] = r.signer_info;
  j["report_data"] = byte_array(r.report_data);
  j["measurement"] = byte_array(r.measurement);
  j["host_data"] = byte_array(r.host_data);
  j["id_key_digest"] = byte_array(r.id_key_digest);
  j["author_key_digest"] = byte_array(r.author_key_digest);
  j["report_id"] = byte_array(r.report_id);
  j["report_id_ma"] = byte_array(r.report_id_ma);
  j["reported_tcb"] = tcb_json(r.reported_tcb, layout);
  j["cpuid_fam_id"] = r.has_cpuid() ? json(r.cpuid_fam_id) : json(nullptr);
  j["cpuid_mod_id"] = r.has_cpuid() ? json(r.cpuid_mod_id) : json(nullptr);
  j["cpuid_step"] = r.has_cpuid() ? json(r.cpuid_step) : json(nullptr);
  j["chip_id"] = byte_array(r.chip_id);
  j["committed_tcb"] = tcb_json(r.committed_tcb, layout);
  j["current"] = {{"major", r.current.major}, {"minor", r.current.minor}, {"build", r.current.build}};
  j["committed"] = {{"major", r.committed.major}, {"minor", r.committed.minor}, {"build", r.committed.build}};
  j["launch_tcb"] = tcb_json(r.launch_tcb, layout);
  // The sev crate carries the mitigation vectors as Option<u64>; Trustee's v3 sample omits them.
  if (r.has_mitigation_vectors()) {
    j["launch_mit_vector"] = r.launch_mit_vector;
    j["current_mit_vector"] = r.current_mit_vector;
  }
  j["signature"] = {{"r", byte_array(r.signature_r)}, {"s", byte_array(r.signature_s)}};
  return j;
}

json evidence_to_json(const SnpEvidence& e, Product fallback) {
  json chain = nullptr;
  if (e.cert_chain) {
    chain = json::array();
    for (const auto& c : *e.cert_chain)
      chain.push_back({{"cert_type", cert_kind_name(c.kind == CertKind::asvk ? CertKind::ask : c.kind)},
                       {"data", c.data}});
  }
  return json{{"attestation_report", report_to_json(e.report, fallback)}, {"cert_chain", chain}};
}

Result<Report> report_from_json(const json& j, Product fallback) {
  try {
    if (!j.is_object()) throw JsonError{"attestation_report must be an object"};
    Report r;
    r.version = static_cast<std::uint32_t>(uint_field(j, "version", 0xffffffff));
    if (r.version < 2 || r.version > 5)
      return make_error("snp.report_version_unknown",
                        "unknown SNP report version " + std::to_string(r.version) + " (known: 2 to 5)");
    r.guest_svn = static_cast<std::uint32_t>(uint_field(j, "guest_svn", 0xffffffff));
    r.policy = uint_field(j, "policy", ~std::uint64_t{0});
    bytes_field(j, "family_id", r.family_id);
    bytes_field(j, "image_id", r.image_id);
    r.vmpl = static_cast<std::uint32_t>(uint_field(j, "vmpl", 0xffffffff));
    r.signature_algo = static_cast<std::uint32_t>(uint_field(j, "sig_algo", 0xffffffff));
    r.platform_info = uint_field(j, "plat_info", ~std::uint64_t{0});
    r.signer_info = static_cast<std::uint32_t>(uint_field(j, "key_info", 0xffffffff));
    bytes_field(j, "report_data", r.report_data);
    bytes_field(j, "measurement", r.measurement);
    bytes_field(j, "host_data", r.host_data);
    bytes_field(j, "id_key_digest", r.id_key_digest);
    bytes_field(j, "author_key_digest", r.author_key_digest);
    bytes_field(j, "report_id", r.report_id);
    bytes_field(j, "report_id_ma", r.report_id_ma);
    if (r.version >= 3) {
      auto fam = optional_byte(j, "cpuid_fam_id");
      auto mod = optional_byte(j, "cpuid_mod_id");
      auto step = optional_byte(j, "cpuid_step");
      if (!fam || !mod || !step)
        throw JsonError{"report version 3+ needs cpuid_fam_id, cpuid_mod_id and cpuid_step"};
      r.cpuid_fam_id = *fam;
      r.cpuid_mod_id = *mod;
      r.cpuid_step = *step;
    }
    bytes_field(j, "chip_id", r.chip_id);
    r.current = version_field(j, "current");
    r.committed = version_field(j, "committed");
    if (r.version >= 5) {
      if (j.contains("launch_mit_vector") && !j["launch_mit_vector"].is_null())
        r.launch_mit_vector = uint_field(j, "launch_mit_vector", ~std::uint64_t{0});
      if (j.contains("current_mit_vector") && !j["current_mit_vector"].is_null())
        r.current_mit_vector = uint_field(j, "current_mit_vector", ~std::uint64_t{0});
    }
    // TCBs need the layout, which the CPUID fields (or an fmc value) decide.
    Product layout = tcb_layout(r, fallback);
    if (layout != Product::turin && field(j, "reported_tcb").contains("fmc") &&
        !j["reported_tcb"]["fmc"].is_null())
      layout = Product::turin;
    r.current_tcb = tcb_field(j, "current_tcb", layout);
    r.reported_tcb = tcb_field(j, "reported_tcb", layout);
    r.committed_tcb = tcb_field(j, "committed_tcb", layout);
    r.launch_tcb = tcb_field(j, "launch_tcb", layout);
    const json& sig = field(j, "signature");
    bytes_field(sig, "r", r.signature_r);
    bytes_field(sig, "s", r.signature_s);
    return r;
  } catch (const JsonError& e) {
    return make_error("snp.evidence_json_invalid", "attestation_report: " + e.what);
  } catch (const json::exception& e) {
    return make_error("snp.evidence_json_invalid", std::string("attestation_report: ") + e.what());
  }
}

Result<SnpEvidence> evidence_from_json(const json& j, Product fallback) {
  if (!j.is_object() || !j.contains("attestation_report"))
    return make_error("snp.evidence_json_invalid", "SNP evidence needs an 'attestation_report' object");
  auto report = report_from_json(j.at("attestation_report"), fallback);
  if (!report) return report.error();
  SnpEvidence ev{*report, std::nullopt};
  if (j.contains("cert_chain") && !j.at("cert_chain").is_null()) {
    const json& chain = j.at("cert_chain");
    if (!chain.is_array())
      return make_error("snp.evidence_json_invalid", "cert_chain must be an array or null");
    std::vector<CertTableEntry> entries;
    for (const auto& c : chain) {
      if (!c.is_object() || !c.contains("cert_type") || !c["cert_type"].is_string() || !c.contains("data") ||
          !c["data"].is_array())
        return make_error("snp.evidence_json_invalid", "cert_chain entries need 'cert_type' and 'data'");
      CertTableEntry e;
      auto kind = cert_kind_from_name(c["cert_type"].get<std::string>());
      e.kind = kind.value_or(CertKind::unknown);
      e.guid = guid_of(e.kind);
      for (const auto& b : c["data"]) {
        if (!b.is_number_unsigned() || b.get<std::uint64_t>() > 255)
          return make_error("snp.evidence_json_invalid", "cert_chain data must be an array of bytes");
        e.data.push_back(static_cast<std::uint8_t>(b.get<std::uint64_t>()));
      }
      entries.push_back(std::move(e));
    }
    ev.cert_chain = std::move(entries);
  }
  return ev;
}

Result<SnpEvidence> evidence_from_text(std::string_view text, Product fallback) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error("snp.evidence_json_invalid", "SNP evidence is not valid JSON");
  return evidence_from_json(j, fallback);
}

}  // namespace coco::snp
