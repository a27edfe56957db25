#include <string>

#include "azure/verify.h"
#include "core/encoding.h"
#include "snp/evidence_json.h"
#include "tdx/eventlog.h"
#include "trustee/verifier.h"

namespace coco::trustee {

namespace {

// Trustee's sample verifier: no signature, report_data compared without padding, fixed platform claims.
// As `sampledevice` (a GPU-class device in additional evidence) the claims are only svn and report_data.
class SampleVerifier final : public Verifier {
 public:
  explicit SampleVerifier(bool device) : device_(device) {}

  Result<nlohmann::json> evaluate(const VerifyRequest& req) const override {
    const auto& ev = req.evidence;
    if (!ev.is_object() || !ev.contains("svn") || !ev["svn"].is_string()) {
      return make_error("trustee.evidence_invalid", "sample evidence must be an object with a string `svn`");
    }
    std::string report_data;
    if (ev.contains("report_data")) {
      if (!ev["report_data"].is_string()) {
        return make_error("trustee.evidence_invalid", "sample evidence `report_data` must be a string");
      }
      report_data = ev["report_data"].get<std::string>();
    }
    if (req.report_data) {
      auto decoded = base64_decode(report_data);
      if (!decoded || *decoded != *req.report_data) {
        return make_error("trustee.report_data_mismatch",
                          "sample evidence report_data is not the digest of this session's runtime data");
      }
    }
    if (device_) return nlohmann::json{{"svn", ev["svn"]}, {"report_data", report_data}};
    nlohmann::json claims = {
        {"svn", ev["svn"]},         {"report_data", report_data},
        {"launch_digest", "abcde"}, {"platform_version", {{"major", 1}, {"minor", 4}}},
        {"debug", false},
    };
    if (req.init_data_hash) claims["init_data"] = base64_encode(*req.init_data_hash);
    return claims;
  }

 private:
  bool device_;
};

Error first_failure(std::vector<Error> failures);

class SnpVerifier final : public Verifier {
 public:
  explicit SnpVerifier(SnpVerifierOptions options) : opts_(std::move(options)) {}

  Result<nlohmann::json> evaluate(const VerifyRequest& req) const override {
    auto evidence = snp::evidence_from_json(req.evidence);
    if (!evidence) return evidence.error();
    snp::VerifyOptions vo = snp::VerifyOptions::trustee();
    vo.roots = opts_.roots;
    vo.fetch_vcek = opts_.fetch_vcek;
    vo.chain_cache = opts_.chain_cache.get();
    if (opts_.now) vo.now = opts_.now();
    // snp::verify_report pads or truncates these to the report's field sizes, as Trustee's regularize_data.
    vo.report_data = req.report_data;
    vo.host_data = req.init_data_hash;
    snp::VerifyResult result = snp::verify_evidence(*evidence, vo);
    std::erase_if(result.failures,
                  [this](const Error& e) { return opts_.ignored_failures.count(e.code) > 0; });
    if (!result.ok()) return first_failure(std::move(result.failures));
    return snp::trustee_claims(evidence->report, result.product);
  }

 private:
  SnpVerifierOptions opts_;
};

// The first failure names the reason; the rest are in the message for people.
Error first_failure(std::vector<Error> failures) {
  Error first = failures.front();
  for (std::size_t i = 1; i < failures.size(); ++i) first.message += "; " + failures[i].code;
  return first;
}

class TdxVerifier final : public Verifier {
 public:
  explicit TdxVerifier(TdxVerifierOptions options) : opts_(std::move(options)) {}
  Result<nlohmann::json> evaluate(const VerifyRequest& req) const override {
    const auto& ev = req.evidence;
    if (!ev.is_object() || !ev.contains("quote") || !ev["quote"].is_string()) {
      return make_error("trustee.evidence_invalid", "tdx evidence must be an object with a base64 `quote`");
    }
    auto quote_bytes = base64_decode(ev["quote"].get<std::string>());
    if (!quote_bytes) return make_error("trustee.evidence_invalid", "tdx evidence `quote` is not base64");
    auto quote = tdx::parse_quote(*quote_bytes);
    if (!quote) return quote.error();

    std::optional<tdx::EventLog> eventlog;
    if (ev.contains("cc_eventlog") && !ev["cc_eventlog"].is_null()) {
      if (!ev["cc_eventlog"].is_string()) {
        return make_error("trustee.evidence_invalid", "tdx evidence `cc_eventlog` must be base64 or null");
      }
      auto ccel = base64_decode(ev["cc_eventlog"].get<std::string>());
      if (!ccel) return make_error("trustee.evidence_invalid", "tdx evidence `cc_eventlog` is not base64");
      auto parsed = tdx::parse_eventlog(*ccel);
      if (!parsed) return parsed.error();
      eventlog = std::move(*parsed);
    }

    tdx::VerifyOptions vo = tdx::VerifyOptions::trustee();
    vo.trusted_roots = opts_.trusted_roots;
    vo.chain_cache = opts_.chain_cache.get();
    if (opts_.now) vo.now = opts_.now();
    vo.report_data = req.report_data;
    vo.mr_config_id = req.init_data_hash;
    // The collateral is for the PCK's platform; its FMSPC and CA come from the quote's own chain.
    std::optional<tdx::CollateralSet> collateral;
    if (opts_.fetch_collateral) {
      if (auto pck = tdx::quote_pck(
              *quote, opts_.chain_cache.get())) {  // else verify_quote names what is wrong with the chain
        auto fetched = opts_.fetch_collateral(pck->extensions.fmspc, pck->ca);
        if (!fetched) return fetched.error();
        collateral = std::move(*fetched);
        vo.collateral = &*collateral;
      }
    }
    tdx::VerifyResult result = tdx::verify_quote(*quote, vo);
    if (eventlog) {
      const auto replayed = tdx::replay_rtmrs(*eventlog);
      for (std::size_t i = 0; i < 4; ++i) {
        if (!std::equal(replayed[i].begin(), replayed[i].end(), quote->body.rtmr[i].begin())) {
          result.failures.push_back(Error{"tdx.eventlog_rtmr_mismatch",
                                          "the CC event log does not replay to RTMR" + std::to_string(i)});
        }
      }
    }
    std::erase_if(result.failures,
                  [this](const Error& e) { return opts_.ignored_failures.count(e.code) > 0; });
    if (!result.ok()) return first_failure(std::move(result.failures));
    const nlohmann::json logs = eventlog ? tdx::trustee_eventlog_claims(*eventlog) : nlohmann::json();
    return tdx::trustee_claims(*quote, result, eventlog ? &logs : nullptr);
  }

 private:
  TdxVerifierOptions opts_;
};

}  // namespace

std::shared_ptr<const Verifier> make_sample_verifier() {
  return std::make_shared<SampleVerifier>(false);
}

std::shared_ptr<const Verifier> make_sampledevice_verifier() {
  return std::make_shared<SampleVerifier>(true);
}

std::shared_ptr<const Verifier> make_snp_verifier(SnpVerifierOptions options) {
  return std::make_shared<SnpVerifier>(std::move(options));
}

}  // namespace coco::trustee

namespace coco::trustee {
std::shared_ptr<const Verifier> make_tdx_verifier(TdxVerifierOptions options) {
  return std::make_shared<TdxVerifier>(std::move(options));
}
}  // namespace coco::trustee

namespace coco::trustee {
namespace {

// The Azure verifiers share this: the runtime-data digest is the TPM nonce (compared exactly), the
// init-data digest is PCR8's.
azure::AzVerifyOptions azure_options(const VerifyRequest& req) {
  azure::AzVerifyOptions o;
  o.report_data = req.report_data;
  o.init_data_hash = req.init_data_hash;
  return o;
}

class AzSnpVtpmVerifier final : public Verifier {
 public:
  explicit AzSnpVtpmVerifier(SnpVerifierOptions options) : opts_(std::move(options)) {}
  Result<nlohmann::json> evaluate(const VerifyRequest& req) const override {
    auto evidence = azure::az_snp_evidence_from_json(req.evidence);
    if (!evidence) return evidence.error();
    azure::AzVerifyOptions o = azure_options(req);
    o.snp.roots = opts_.roots;
    o.snp.chain_cache = opts_.chain_cache.get();
    if (opts_.now) o.snp.now = opts_.now();
    azure::AzVerifyResult result = azure::verify_az_snp_evidence(*evidence, o);
    std::erase_if(result.failures,
                  [this](const Error& e) { return opts_.ignored_failures.count(e.code) > 0; });
    if (!result.ok()) return first_failure(std::move(result.failures));
    return azure::trustee_az_snp_claims(*evidence, result);
  }

 private:
  SnpVerifierOptions opts_;
};

class AzTdxVtpmVerifier final : public Verifier {
 public:
  explicit AzTdxVtpmVerifier(TdxVerifierOptions options) : opts_(std::move(options)) {}
  Result<nlohmann::json> evaluate(const VerifyRequest& req) const override {
    auto evidence = azure::az_tdx_evidence_from_json(req.evidence);
    if (!evidence) return evidence.error();
    azure::AzVerifyOptions o = azure_options(req);
    o.tdx.trusted_roots = opts_.trusted_roots;
    o.tdx.chain_cache = opts_.chain_cache.get();
    if (opts_.now) o.tdx.now = opts_.now();
    std::optional<tdx::CollateralSet> collateral;
    if (opts_.fetch_collateral) {
      if (auto quote = tdx::parse_quote(evidence->td_quote)) {
        if (auto pck = tdx::quote_pck(*quote, opts_.chain_cache.get())) {
          auto fetched = opts_.fetch_collateral(pck->extensions.fmspc, pck->ca);
          if (!fetched) return fetched.error();
          collateral = std::move(*fetched);
          o.tdx.collateral = &*collateral;
        }
      }
    }
    azure::AzVerifyResult result = azure::verify_az_tdx_evidence(*evidence, o);
    std::erase_if(result.failures,
                  [this](const Error& e) { return opts_.ignored_failures.count(e.code) > 0; });
    if (!result.ok()) return first_failure(std::move(result.failures));
    return azure::trustee_az_tdx_claims(*evidence, result);
  }

 private:
  TdxVerifierOptions opts_;
};

}  // namespace

std::shared_ptr<const Verifier> make_az_snp_vtpm_verifier(SnpVerifierOptions options) {
  return std::make_shared<AzSnpVtpmVerifier>(std::move(options));
}

std::shared_ptr<const Verifier> make_az_tdx_vtpm_verifier(TdxVerifierOptions options) {
  return std::make_shared<AzTdxVtpmVerifier>(std::move(options));
}

}  // namespace coco::trustee
