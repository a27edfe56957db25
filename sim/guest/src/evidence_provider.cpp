#include "guest/evidence_provider.h"

#include <utility>

#include "core/encoding.h"
#include "snp/evidence_json.h"

namespace coco::guest {

EvidenceProvider::~EvidenceProvider() = default;

namespace {

class SampleProvider final : public EvidenceProvider {
 public:
  explicit SampleProvider(std::string svn) : svn_(std::move(svn)) {}
  std::string tee() const override { return "sample"; }
  Result<nlohmann::json> evidence(ByteView digest) override {
    // guest-components' SampleQuote {svn, report_data}: report_data is base64 STANDARD of the digest as is.
    nlohmann::json ev = nlohmann::json::object();
    ev["svn"] = svn_;
    ev["report_data"] = base64_encode(digest);
    return ev;
  }

 private:
  std::string svn_;
};

class SimulatedSnpProvider final : public EvidenceProvider {
 public:
  explicit SimulatedSnpProvider(SimulatedSnpOptions options) : opts_(std::move(options)) {}
  std::string tee() const override { return "snp"; }
  Result<nlohmann::json> evidence(ByteView digest) override {
    if (!opts_.authority) {
      return make_error("guest.evidence", "simulated SNP provider has no AMD authority");
    }
    if (digest.size() > 64) {
      return make_error("guest.evidence", "runtime-data digest of " + std::to_string(digest.size()) +
                                              " bytes does not fit SNP report_data (64 bytes)");
    }
    snp::LaunchDescription launch = opts_.launch;
    launch.report_data.assign(64, 0);
    std::copy(digest.begin(), digest.end(), launch.report_data.begin());
    auto signed_report = snp::sign_report(*opts_.authority, launch);
    if (!signed_report) return signed_report.error();
    snp::SnpEvidence ev = signed_report->evidence();
    if (!opts_.include_cert_chain) ev.cert_chain = std::nullopt;
    return snp::evidence_to_json(ev, launch.product);
  }

 private:
  SimulatedSnpOptions opts_;
};

class SimulatedTdxProvider final : public EvidenceProvider {
 public:
  explicit SimulatedTdxProvider(SimulatedTdxOptions options) : opts_(std::move(options)) {}
  std::string tee() const override { return "tdx"; }
  Result<nlohmann::json> evidence(ByteView digest) override {
    if (!opts_.qe) return make_error("guest.evidence", "simulated TDX provider has no Quoting Enclave");
    if (digest.size() > 64) {
      return make_error("guest.evidence", "runtime-data digest of " + std::to_string(digest.size()) +
                                              " bytes does not fit TDX REPORTDATA (64 bytes)");
    }
    tdx::TdDescription td = opts_.td;
    td.report_data = {};
    std::copy(digest.begin(), digest.end(), td.report_data.begin());
    auto quote = tdx::generate_quote(*opts_.qe, td);
    if (!quote) return quote.error();
    nlohmann::json ev = nlohmann::json::object();
    ev["cc_eventlog"] = td.ccel ? nlohmann::json(base64_encode(*td.ccel)) : nlohmann::json(nullptr);
    ev["quote"] = base64_encode(tdx::encode_quote(*quote));
    return ev;
  }

 private:
  SimulatedTdxOptions opts_;
};

class SimulatedAzureProvider final : public EvidenceProvider {
 public:
  explicit SimulatedAzureProvider(std::shared_ptr<azure::SimulatedCvm> cvm) : cvm_(std::move(cvm)) {}
  std::string tee() const override { return cvm_ ? cvm_->tee() : "az-snp-vtpm"; }
  Result<nlohmann::json> evidence(ByteView digest) override {
    if (!cvm_) return make_error("guest.evidence", "simulated Azure provider has no confidential VM");
    return cvm_->evidence(digest);
  }

 private:
  std::shared_ptr<azure::SimulatedCvm> cvm_;
};

class TamperingProvider final : public EvidenceProvider {
 public:
  TamperingProvider(std::unique_ptr<EvidenceProvider> inner, EvidenceTamper tamper)
      : inner_(std::move(inner)), tamper_(std::move(tamper)) {}
  std::string tee() const override { return inner_ ? inner_->tee() : "sample"; }
  Result<nlohmann::json> evidence(ByteView digest) override {
    if (!inner_) return make_error("guest.evidence", "tampering provider wraps no provider");
    Bytes d = to_bytes(digest);
    if (tamper_.edit_digest) tamper_.edit_digest(d);
    auto ev = inner_->evidence(d);
    if (!ev) return ev;
    nlohmann::json out = std::move(ev).value();
    if (tamper_.edit_evidence) tamper_.edit_evidence(out);
    return out;
  }
  std::string additional_evidence() override { return inner_ ? inner_->additional_evidence() : ""; }

 private:
  std::unique_ptr<EvidenceProvider> inner_;
  EvidenceTamper tamper_;
};

}  // namespace

std::unique_ptr<EvidenceProvider> make_sample_provider(std::string svn) {
  return std::make_unique<SampleProvider>(std::move(svn));
}

std::unique_ptr<EvidenceProvider> make_simulated_snp_provider(SimulatedSnpOptions options) {
  return std::make_unique<SimulatedSnpProvider>(std::move(options));
}

std::unique_ptr<EvidenceProvider> make_simulated_tdx_provider(SimulatedTdxOptions options) {
  return std::make_unique<SimulatedTdxProvider>(std::move(options));
}

std::unique_ptr<EvidenceProvider> make_simulated_azure_provider(std::shared_ptr<azure::SimulatedCvm> cvm) {
  return std::make_unique<SimulatedAzureProvider>(std::move(cvm));
}

std::unique_ptr<EvidenceProvider> make_tampering_provider(std::unique_ptr<EvidenceProvider> inner,
                                                          EvidenceTamper tamper) {
  return std::make_unique<TamperingProvider>(std::move(inner), std::move(tamper));
}

}  // namespace coco::guest
