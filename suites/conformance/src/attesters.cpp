// The sample, simulated SEV-SNP and simulated TDX attesters. The SNP one launches like the pattern's peer-pod
// VM on an Azure DCasv5 host (Milan), the TDX one like a bare-metal TDX peer pod (tdx_world.h); both make
// each defect the way a broken or hostile host would produce it.
#include <algorithm>

#include "attester_support.h"
#include "conformance/attester.h"
#include "conformance/tdx_world.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "snp/snp.h"
#include "tdx/quote.h"
#include "trustee/initdata.h"

namespace coco::conformance {

std::string_view defect_name(Defect d) {
  switch (d) {
    case Defect::none:
      return "none";
    case Defect::forged_signature:
      return "forged_signature";
    case Defect::debug_policy:
      return "debug_policy";
    case Defect::unknown_measurement:
      return "unknown_measurement";
    case Defect::tcb_below_reference:
      return "tcb_below_reference";
    case Defect::vmpl_not_zero:
      return "vmpl_not_zero";
    case Defect::untrusted_chain:
      return "untrusted_chain";
    case Defect::vlek_wrong_asvk:
      return "vlek_wrong_asvk";
    case Defect::host_data_mismatch:
      return "host_data_mismatch";
  }
  return "unknown";
}

std::string unsupported_defect_reason(const Attester& attester, Defect d) {
  return "the " + attester.name() + " attester cannot produce evidence with defect " +
         std::string(defect_name(d));
}

namespace {

class SampleAttester final : public Attester {
 public:
  std::string name() const override { return "sample"; }
  std::string tee() const override { return "sample"; }
  bool supports(Defect d) const override { return d == Defect::none; }
  Result<std::unique_ptr<guest::EvidenceProvider>> provider(const GuestEvidence& spec) override {
    if (spec.defect != Defect::none) return unsupported(*this, spec.defect);
    return guest::make_sample_provider();
  }
  nlohmann::json default_cpu_reference_values() const override {
    // Trustee's integration tests (trustee.md 3.8).
    return {{"svn", {"1"}}, {"launch_digest", {"abcde"}}, {"major_version", 1}, {"minimum_minor_version", 1}};
  }
  std::vector<std::string> claim_mismatches(const nlohmann::json& sent,
                                            const nlohmann::json& annotated) const override {
    std::vector<std::string> out;
    // Trustee's sample verifier: the evidence's svn, fixed platform claims; report_data lifted to the top.
    nlohmann::json expected = {{"svn", sent.value("svn", "")},
                               {"launch_digest", "abcde"},
                               {"platform_version", {{"major", 1}, {"minor", 4}}},
                               {"debug", false}};
    compare(expected, annotated.value("sample", nlohmann::json::object()), "sample.", out);
    compare({{"report_data", sent.value("report_data", "")}}, annotated, "", out);
    return out;
  }
  std::string init_data_claim(ByteView digest) const override { return base64_encode(digest); }
  bool pattern_policy_covers() const override { return false; }
};

class SimulatedSnpAttester final : public Attester {
 public:
  explicit SimulatedSnpAttester(SimulatedSnpAttesterOptions o) : opts_(std::move(o)) {}
  std::string name() const override { return "snp"; }
  std::string tee() const override { return "snp"; }
  bool supports(Defect d) const override {
    return d != Defect::untrusted_chain && d != Defect::vlek_wrong_asvk ? true : opts_.rogue != nullptr;
  }

  Result<std::unique_ptr<guest::EvidenceProvider>> provider(const GuestEvidence& spec) override {
    if (!supports(spec.defect)) return unsupported(*this, spec.defect);
    guest::SimulatedSnpOptions o;
    o.authority = opts_.amd;
    o.launch = opts_.launch;
    o.launch.host_data = spec.init_data_digest;
    o.include_cert_chain = opts_.include_cert_chain || o.launch.vlek;
    guest::EvidenceTamper tamper;
    switch (spec.defect) {
      case Defect::none:
        break;
      case Defect::forged_signature:
        tamper.edit_evidence = [](nlohmann::json& ev) {
          // One bit of the signature's R component (little-endian bytes in Trustee's JSON).
          auto& r = ev["attestation_report"]["signature"]["r"];
          r[0] = r[0].get<int>() ^ 0x01;
        };
        break;
      case Defect::debug_policy:
        o.launch.policy |= 1ULL << 19;
        break;
      case Defect::unknown_measurement:
        o.launch.measurement = sha384(as_bytes(std::string("an image nobody registered")));
        break;
      case Defect::tcb_below_reference: {
        snp::Tcb t = reference_tcb();
        t.snp = static_cast<std::uint8_t>(t.snp - 1);
        o.launch.tcb = t;
        break;
      }
      case Defect::vmpl_not_zero:
        o.launch.vmpl = 1;
        break;
      case Defect::untrusted_chain:
        o.authority = opts_.rogue;
        o.include_cert_chain = true;
        break;
      case Defect::vlek_wrong_asvk:
        o.authority = opts_.rogue;
        o.launch.vlek = true;
        o.include_cert_chain = true;
        break;
      case Defect::host_data_mismatch:
        o.launch.host_data = sha256(as_bytes(std::string("init-data of some other pod")));
        break;
    }
    auto p = guest::make_simulated_snp_provider(std::move(o));
    if (!tamper.edit_evidence) return p;
    return guest::make_tampering_provider(std::move(p), std::move(tamper));
  }

  nlohmann::json default_cpu_reference_values() const override {
    const snp::Tcb t = reference_tcb();
    const snp::LaunchDescription& l = opts_.launch;
    Bytes measurement =
        l.measurement.empty() ? sha384(as_bytes(std::string("coco-harness launch"))) : l.measurement;
    const snp::GuestPolicy p = snp::decode_policy(l.policy);
    return {{"snp_launch_measurement", {hex_encode(measurement)}},
            {"snp_bootloader", {t.bootloader}},
            {"snp_microcode", {t.microcode}},
            {"snp_snp_svn", {t.snp}},
            {"snp_tee_svn", {t.tee}},
            {"snp_smt_enabled", (l.platform_info & 1) != 0},
            {"snp_tsme_enabled", (l.platform_info & 2) != 0},
            {"snp_guest_abi_major", p.abi_major},
            {"snp_guest_abi_minor", p.abi_minor},
            {"snp_single_socket", p.single_socket},
            {"snp_smt_allowed", p.smt}};
  }

  std::vector<std::string> claim_mismatches(const nlohmann::json& sent,
                                            const nlohmann::json& annotated) const override {
    std::vector<std::string> out;
    auto ev = snp::evidence_from_json(sent, opts_.launch.product);
    if (!ev) return {"the evidence sent does not parse: " + ev.error().message};
    nlohmann::json expected = snp::trustee_claims(ev->report, opts_.launch.product);
    nlohmann::json top = nlohmann::json::object();
    for (const char* lifted : {"report_data", "init_data"}) {
      if (expected.contains(lifted)) {
        top[lifted] = expected[lifted];
        expected.erase(lifted);
      }
    }
    compare(expected, annotated.value("snp", nlohmann::json::object()), "snp.", out);
    compare(top, annotated, "", out);
    return out;
  }
  std::string init_data_claim(ByteView digest) const override {
    return hex_encode(trustee::pad_or_truncate(digest, 32));
  }
  bool pattern_policy_covers() const override { return true; }

 private:
  snp::Tcb reference_tcb() const { return opts_.launch.tcb.value_or(snp::default_tcb(opts_.launch.product)); }
  SimulatedSnpAttesterOptions opts_;
};

class SimulatedTdxAttester final : public Attester {
 public:
  explicit SimulatedTdxAttester(SimulatedTdxAttesterOptions o) : opts_(std::move(o)) {}
  std::string name() const override { return "tdx"; }
  std::string tee() const override { return "tdx"; }
  bool supports(Defect d) const override {
    switch (d) {
      case Defect::vmpl_not_zero:
      case Defect::vlek_wrong_asvk:
        return false;  // SEV-SNP notions
      case Defect::untrusted_chain:
        return opts_.rogue != nullptr;
      default:
        return true;
    }
  }

  Result<std::unique_ptr<guest::EvidenceProvider>> provider(const GuestEvidence& spec) override {
    if (!supports(spec.defect) || !opts_.intel) return unsupported(*this, spec.defect);
    guest::SimulatedTdxOptions o;
    o.td = opts_.td;
    o.td.mr_config_id = {};
    std::copy_n(spec.init_data_digest.begin(), std::min<std::size_t>(48, spec.init_data_digest.size()),
                o.td.mr_config_id.begin());
    tdx::IntelAuthority* intel = opts_.intel.get();
    tdx::PlatformSpec platform = tdx_reference_platform();
    guest::EvidenceTamper tamper;
    switch (spec.defect) {
      case Defect::none:
      case Defect::vmpl_not_zero:
      case Defect::vlek_wrong_asvk:
        break;
      case Defect::forged_signature:
        tamper.edit_evidence = [](nlohmann::json& ev) {
          // One bit of the quote signature's r, after the header and body it covers.
          auto bytes = base64_decode(ev["quote"].get<std::string>());
          auto quote = tdx::parse_quote(*bytes);
          quote->signed_data.signature[0] ^= 0x01;
          ev["quote"] = base64_encode(tdx::encode_quote(*quote));
        };
        break;
      case Defect::debug_policy:
        o.td.debug = true;
        break;
      case Defect::unknown_measurement: {
        const Bytes mr = sha384(as_bytes(std::string("an image nobody registered")));
        std::copy_n(mr.begin(), 48, o.td.mr_td.begin());
        break;
      }
      case Defect::tcb_below_reference:
        platform = tdx_outdated_platform();
        break;
      case Defect::untrusted_chain:
        intel = opts_.rogue.get();
        break;
      case Defect::host_data_mismatch: {
        const Bytes other = sha256(as_bytes(std::string("init-data of some other pod")));
        o.td.mr_config_id = {};
        std::copy(other.begin(), other.end(), o.td.mr_config_id.begin());
        break;
      }
    }
    o.qe = std::make_shared<const tdx::QuotingEnclave>(*intel, platform);
    auto p = guest::make_simulated_tdx_provider(std::move(o));
    if (!tamper.edit_evidence) return p;
    return guest::make_tampering_provider(std::move(p), std::move(tamper));
  }

  nlohmann::json default_cpu_reference_values() const override {
    return tdx_default_cpu_reference_values(opts_.td);
  }

  std::vector<std::string> claim_mismatches(const nlohmann::json& sent,
                                            const nlohmann::json& annotated) const override {
    std::vector<std::string> out;
    auto bytes = base64_decode(sent.value("quote", ""));
    auto quote = bytes ? tdx::parse_quote(*bytes)
                       : Result<tdx::Quote>(make_error("conformance.evidence", "not base64"));
    if (!quote) return {"the evidence sent does not parse: " + quote.error().message};
    // What the quote itself fixes; the DCAP claims (tcb_status, dates) depend on the collateral.
    nlohmann::json expected = tdx::trustee_quote_claims(*quote);
    expected["td_attributes"] =
        tdx::trustee_td_attributes_claims(tdx::decode_td_attributes(quote->body.td_attributes));
    compare(expected, annotated.value("tdx", nlohmann::json::object()), "tdx.", out);
    compare({{"report_data", hex_encode(quote->body.report_data)},
             {"init_data", hex_encode(quote->body.mr_config_id)}},
            annotated, "", out);
    return out;
  }
  std::string init_data_claim(ByteView digest) const override {
    return hex_encode(trustee::pad_or_truncate(digest, 48));
  }
  bool pattern_policy_covers() const override { return true; }

 private:
  SimulatedTdxAttesterOptions opts_;
};

}  // namespace

std::unique_ptr<Attester> make_sample_attester() {
  return std::make_unique<SampleAttester>();
}

std::unique_ptr<Attester> make_simulated_snp_attester(SimulatedSnpAttesterOptions options) {
  return std::make_unique<SimulatedSnpAttester>(std::move(options));
}

std::unique_ptr<Attester> make_simulated_tdx_attester(SimulatedTdxAttesterOptions options) {
  return std::make_unique<SimulatedTdxAttester>(std::move(options));
}

const std::vector<std::string>& attester_names() {
  static const std::vector<std::string> names = {"sample", "snp", "tdx", "az-snp-vtpm", "az-tdx-vtpm"};
  return names;
}

Result<std::unique_ptr<Attester>> make_attester(const std::string& name,
                                                const SimulatedAuthorities& authorities, bool send_vcek) {
  if (name == "sample") return make_sample_attester();
  if (name == "az-snp-vtpm" || name == "az-tdx-vtpm") {
    return make_simulated_azure_attester({name == "az-tdx-vtpm", authorities.amd, authorities.rogue_amd,
                                          authorities.intel, authorities.rogue_intel});
  }
  if (name == "tdx") {
    SimulatedTdxAttesterOptions o;
    o.intel = authorities.intel;
    o.rogue = authorities.rogue_intel;
    o.td = tdx_pattern_td();
    return make_simulated_tdx_attester(std::move(o));
  }
  if (name == "snp") {
    SimulatedSnpAttesterOptions o;
    o.amd = authorities.amd;
    o.rogue = authorities.rogue_amd;
    o.launch.product = snp::Product::milan;  // Azure DCasv5
    o.include_cert_chain = send_vcek;
    return make_simulated_snp_attester(std::move(o));
  }
  std::string known;
  for (const auto& n : attester_names()) known += (known.empty() ? "" : ", ") + n;
  return make_error("conformance.unknown_attester", "unknown attester \"" + name + "\"; known: " + known);
}

}  // namespace coco::conformance
