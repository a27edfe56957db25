#include "azure/verify.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/hash.h"
#include "snp/certs.h"
#include "snp/report.h"
#include "tdx/quote.h"

namespace coco::azure {
namespace {

class Steps {
 public:
  explicit Steps(AzVerifyResult& r) : r_(r) {}
  bool check(bool ok, std::string_view name, const char* code, std::string message) {
    if (ok) {
      r_.passed.emplace_back(name);
    } else {
      r_.failures.push_back(Error{code, std::move(message)});
    }
    return ok;
  }
  void fail(Error e) { r_.failures.push_back(std::move(e)); }

 private:
  AzVerifyResult& r_;
};

// Steps 1-3: the TPM quote against the HCL report's AK and the expected nonce. Returns the HCL report when
// it parses (later steps need it).
void verify_tpm_side(ByteView hcl_bytes, const TpmQuote& quote, const AzVerifyOptions& opts,
                     AzVerifyResult& r, Steps& s) {
  auto hcl = parse_hcl_report(hcl_bytes);
  if (!hcl) {
    s.fail(hcl.error());
    return;
  }
  r.hcl = *hcl;
  auto runtime = parse_runtime_data(hcl->var_data);
  if (!runtime) {
    s.fail(Error{"azure.ak_invalid", "Failed to get AKpub (" + runtime.error().message + ")"});
  } else {
    r.runtime_data = *runtime;
    s.check(verify_quote_signature(quote, runtime->ak_pub), "tpm_signature", "azure.tpm_signature_invalid",
            "vTPM quote is not signed by AKpub");
  }
  auto attest = parse_tpms_attest(quote.message);
  if (!attest) {
    s.fail(attest.error());
    return;
  }
  r.attest = *attest;
  if (opts.report_data) {
    s.check(attest->extra_data == *opts.report_data, "tpm_nonce", "azure.nonce_mismatch",
            "TPM quote nonce doesn't match expected report_data");
  }
  // Trustee hashes every PCR it was given, in order (the Azure attester ships all 24 sha256 PCRs).
  Bytes all;
  for (const Bytes& p : quote.pcrs) all.insert(all.end(), p.begin(), p.end());
  s.check(sha256(all) == attest->pcr_digest, "tpm_pcrs", "azure.pcr_digest_mismatch",
          "Digest of PCRs does not match digest in Quote");
}

// Step 10 (both TEEs): PCR8 binds the init-data digest.
void verify_init_data(const TpmQuote& quote, const AzVerifyOptions& opts, Steps& s) {
  if (!opts.init_data_hash) return;
  const bool ok =
      quote.pcrs.size() > kInitDataPcr && quote.pcrs[kInitDataPcr] == init_data_pcr8(*opts.init_data_hash);
  s.check(ok, "init_data_pcr8", "azure.init_data_mismatch",
          "Expected init_data digest is different from the content of PCR" + std::to_string(kInitDataPcr));
}

// The TPM-derived claims both Azure verifiers add: tpm.pcrNN, report_data = nonce, init_data = PCR8.
void add_tpm_claims(nlohmann::json& claims, const TpmQuote& quote, const AzVerifyResult& r) {
  nlohmann::json tpm = nlohmann::json::object();
  for (std::size_t i = 0; i < quote.pcrs.size(); ++i) {
    tpm[(i < 10 ? "pcr0" : "pcr") + std::to_string(i)] = hex_encode(quote.pcrs[i]);
  }
  claims["tpm"] = tpm;
  if (quote.pcrs.size() > kInitDataPcr) claims["init_data"] = hex_encode(quote.pcrs[kInitDataPcr]);
  if (r.attest) claims["report_data"] = hex_encode(r.attest->extra_data);
}

std::string json_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

bool AzVerifyResult::has(std::string_view code) const {
  return std::any_of(failures.begin(), failures.end(), [&](const Error& e) { return e.code == code; });
}

AzVerifyResult verify_az_snp_evidence(const AzSnpEvidence& ev, const AzVerifyOptions& opts) {
  AzVerifyResult r;
  Steps s(r);
  verify_tpm_side(ev.hcl_report_bytes, ev.tpm_quote, opts, r, s);
  if (r.hcl) {
    if (r.hcl->type != HclReportType::snp) {
      s.fail(Error{"azure.hcl_invalid", "the HCL report carries a TDX report, not an SNP report"});
    } else if (auto report = snp::parse_report(hcl_hw_report(*r.hcl)); !report) {
      s.fail(report.error());
    } else {
      const Bytes digest = hcl_var_data_digest(*r.hcl);
      s.check(std::equal(digest.begin(), digest.begin() + 32, report->report_data.begin()), "hcl_report_data",
              "azure.report_data_mismatch", "HCL variable data digest doesn't match SNP report data");
      if (ev.version >= 2 && opts.report_data) {
        const auto& user = r.runtime_data ? r.runtime_data->user_data : std::nullopt;
        const bool prefix = user && user->size() >= opts.report_data->size() &&
                            std::equal(opts.report_data->begin(), opts.report_data->end(), user->begin());
        s.check(prefix, "hcl_user_data", "azure.user_data_mismatch",
                "User-data in HCL variable data doesn't match report_data");
      }
      // Steps 6-9: the VCEK the evidence carries, AMD's chain, TCB, signature and VMPL 0, by the SNP
      // verifier (report_data and host_data are the TPM's business here, not the SNP report's).
      snp::VerifyOptions so = opts.snp;
      so.report_data.reset();
      so.host_data.reset();
      so.vmpl = 0;
      snp::CertTableEntry vcek;
      vcek.kind = snp::CertKind::vcek;
      vcek.guid = snp::guid_of(snp::CertKind::vcek);
      vcek.data = ev.vcek_der;
      r.snp = snp::verify_report(*report, {vcek}, so);
      for (const Error& e : r.snp->failures) s.fail(e);
      if (r.snp->ok()) r.passed.emplace_back("snp_report");
    }
  }
  verify_init_data(ev.tpm_quote, opts, s);
  return r;
}

AzVerifyResult verify_az_tdx_evidence(const AzTdxEvidence& ev, const AzVerifyOptions& opts) {
  AzVerifyResult r;
  Steps s(r);
  verify_tpm_side(ev.hcl_report_bytes, ev.tpm_quote, opts, r, s);
  auto quote = tdx::parse_quote(ev.td_quote);
  if (!quote) {
    s.fail(quote.error());
  } else {
    tdx::VerifyOptions to = opts.tdx;
    to.report_data.reset();
    to.mr_config_id.reset();
    r.tdx = tdx::verify_quote(*quote, to);
    for (const Error& e : r.tdx->failures) s.fail(e);
    if (r.tdx->ok()) r.passed.emplace_back("td_quote");
    if (r.hcl) {
      const Bytes digest = hcl_var_data_digest(*r.hcl);
      s.check(std::equal(digest.begin(), digest.begin() + 32, quote->body.report_data.begin()),
              "hcl_report_data", "azure.report_data_mismatch", "TDX Quote report data mismatch");
    }
  }
  verify_init_data(ev.tpm_quote, opts, s);
  return r;
}

nlohmann::json trustee_az_snp_claims(const AzSnpEvidence& ev, const AzVerifyResult& r) {
  nlohmann::json claims = nlohmann::json::object();
  if (r.hcl) {
    if (auto report = snp::parse_report(hcl_hw_report(*r.hcl))) {
      const snp::Product product = r.snp ? r.snp->product : snp::Product::milan;
      // Trustee's parse_tee_evidence_az: the SNP claims formatted as strings, measurement in base64.
      const nlohmann::json snp = snp::trustee_claims(*report, product);
      for (const char* key :
           {"policy_abi_major", "policy_abi_minor", "policy_smt_allowed", "policy_migrate_ma",
            "policy_debug_allowed", "policy_single_socket", "reported_tcb_bootloader", "reported_tcb_tee",
            "reported_tcb_snp", "reported_tcb_microcode", "platform_tsme_enabled", "platform_smt_enabled"}) {
        claims[key] = json_text(snp[key]);
      }
      claims["measurement"] = base64_encode(report->measurement);
      claims["report_data"] = base64_encode(report->report_data);
      claims["init_data"] = base64_encode(report->host_data);
    }
  }
  add_tpm_claims(claims, ev.tpm_quote, r);
  return claims;
}

nlohmann::json trustee_az_tdx_claims(const AzTdxEvidence& ev, const AzVerifyResult& r) {
  nlohmann::json claims = nlohmann::json::object();
  if (auto quote = tdx::parse_quote(ev.td_quote)) {
    tdx::VerifyResult none;
    claims = tdx::trustee_claims(*quote, r.tdx ? *r.tdx : none);
  }
  add_tpm_claims(claims, ev.tpm_quote, r);
  return claims;
}

nlohmann::json result_to_json(const AzVerifyResult& r) {
  nlohmann::json failures = nlohmann::json::array();
  for (const Error& e : r.failures) failures.push_back({{"code", e.code}, {"message", e.message}});
  nlohmann::json j = {{"verified", r.ok()}, {"failures", failures}, {"passed", r.passed}};
  if (r.hcl) j["hcl_report_type"] = r.hcl->type == HclReportType::snp ? "snp" : "tdx";
  if (r.attest) j["tpm_nonce"] = hex_encode(r.attest->extra_data);
  if (r.snp) j["snp"] = snp::result_to_json(*r.snp);
  if (r.tdx) j["tdx"] = tdx::result_to_json(*r.tdx);
  return j;
}

}  // namespace coco::azure
