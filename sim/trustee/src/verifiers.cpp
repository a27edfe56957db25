#include <string>

#include "core/encoding.h"
#include "snp/evidence_json.h"
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
    if (!result.ok()) {
      // The first failure names the reason; the rest are in the message for people.
      Error first = result.failures.front();
      for (std::size_t i = 1; i < result.failures.size(); ++i) {
        first.message += "; " + result.failures[i].code;
      }
      return first;
    }
    return snp::trustee_claims(evidence->report, result.product);
  }

 private:
  SnpVerifierOptions opts_;
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
