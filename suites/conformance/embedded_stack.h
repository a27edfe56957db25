// The embedded stack: everything a peer pod talks to, on loopback, configured like the validated
// pattern's Trustee chart (pattern.md 1.8). It writes the chart's files into a work directory (HTTPS key
// and certificate, admin public key, attestation token signer, RVPS reference-values.json, LocalFs
// repository, attestation and resource policies), reads the chart's kbs-config.toml pointing at them, and
// starts a fake AMD KDS and the Trustee-compatible KBS over HTTPS with simulated AMD roots.
//
// Also what only a simulation can offer the suites: a KBS clock that can be moved forward (expired
// sessions and tokens), the KBS's hidden failure causes (Trustee logs them; clients see only the detail),
// and deliberate defects for showing that the suites catch a broken stack.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conformance/attester.h"
#include "conformance/target.h"
#include "core/result.h"
#include "snp/amd_sim.h"
#include "snp/kds.h"
#include "tdx/pcs.h"
#include "trustee/kbs.h"

namespace coco::conformance {

struct EmbeddedStackOptions {
  std::string seed = "coco-harness";
  std::filesystem::path key_cache;  // simulated RSA-4096 keys; empty: no caching (slow)
  std::filesystem::path work_dir;   // empty: a fresh temporary directory, removed on destruction
  // Trustee's status codes, or the protocol document's (issue 1419) to try clients against the fix.
  trustee::StatusMapping status_mapping = trustee::StatusMapping::trustee;
  // Deliberate defects (never in a real run): a resource policy bypass, SNP checks skipped by code.
  trustee::KbsFaults faults;
  std::set<std::string> ignored_snp_failures;
  std::set<std::string> ignored_tdx_failures;
  std::function<void(const std::string&)> progress;
};

class EmbeddedStack {
 public:
  // Errors: whatever writing the files, parsing the config or starting a server reports.
  static Result<std::unique_ptr<EmbeddedStack>> start(EmbeddedStackOptions options);
  ~EmbeddedStack();
  EmbeddedStack(const EmbeddedStack&) = delete;
  EmbeddedStack& operator=(const EmbeddedStack&) = delete;

  // A Target for the suites: name "embedded", HTTPS URL, CA, admin key, the pattern baseline.
  Target target();
  std::string url() const;
  const std::string& ca_pem() const { return ca_pem_; }
  const Key& admin_key() const { return admin_key_; }
  const PatternBaseline& baseline() const { return baseline_; }
  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::shared_ptr<snp::AmdAuthority> amd() const { return amd_; }
  std::shared_ptr<snp::AmdAuthority> rogue_amd() const { return rogue_; }
  std::shared_ptr<tdx::IntelAuthority> intel() const { return intel_; }
  // The roots the KBS trusts (amd, intel) and rogue ones, for make_attester.
  SimulatedAuthorities authorities() const { return {amd_, rogue_, intel_, rogue_intel_}; }
  tdx::FakePcs& pcs() { return *pcs_; }
  trustee::Kbs& kbs() { return *kbs_; }
  snp::FakeKds& kds() { return *kds_; }

  // The KBS clock is the system clock plus this offset.
  void advance_clock(std::chrono::seconds by) { offset_ += by.count(); }
  void reset_clock() { offset_ = 0; }

  // Failure causes the KBS logged since the last clear: "<Variant>: <detail> (<cause>)".
  std::vector<std::string> failure_causes() const;
  void clear_failure_causes();

 private:
  EmbeddedStack() = default;
  Status write_chart_files(const std::string& url_for_init_data);

  EmbeddedStackOptions opts_;
  std::filesystem::path work_dir_;
  bool remove_work_dir_ = false;
  std::string ca_pem_;
  Key admin_key_;
  PatternBaseline baseline_;
  std::shared_ptr<snp::AmdAuthority> amd_, rogue_;
  std::unique_ptr<snp::TrustedRoots> roots_;
  std::unique_ptr<snp::FakeKds> kds_;
  std::shared_ptr<tdx::IntelAuthority> intel_, rogue_intel_;
  std::unique_ptr<tdx::FakePcs> pcs_;
  std::unique_ptr<trustee::Kbs> kbs_;
  std::atomic<std::int64_t> offset_{0};
  mutable std::mutex causes_mu_;
  std::vector<std::string> causes_;
};

}  // namespace coco::conformance
