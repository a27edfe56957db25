#include "azure/cvm.h"

#include <algorithm>

#include "azure/tpm.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "tdx/quote.h"
#include "tdx/tdreport_sim.h"

namespace coco::azure {
namespace {

Bytes padded64(ByteView data) {
  Bytes out(64, 0);
  std::copy_n(data.begin(), std::min<std::size_t>(64, data.size()), out.begin());
  return out;
}

// A UUID-shaped VM id from a seed, upper case as Azure writes vmUniqueId.
std::string vm_unique_id(const std::string& seed) {
  std::string h = hex_encode(sha256(as_bytes(seed)));
  std::transform(h.begin(), h.end(), h.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

}  // namespace

namespace {

const std::vector<std::pair<std::uint32_t, std::string_view>>& podvm_boot_chain() {
  static const std::vector<std::pair<std::uint32_t, std::string_view>> m = {
      {0, "podvm firmware"},     {1, "podvm firmware configuration"},
      {2, "option ROMs"},        {3, "option ROM config"},
      {4, "podvm boot manager"}, {5, "GPT"},
      {7, "secure boot policy"}, {9, "podvm initrd"},
      {11, kPodvmKernel},        {12, "podvm kernel command line"}};
  return m;
}

Bytes boot_digest(std::uint32_t index, std::string_view what, std::string_view unified_kernel) {
  return sha256(as_bytes(std::string("coco-harness ") + std::string(index == 11 ? unified_kernel : what)));
}

}  // namespace

snp::LaunchDescription podvm_snp_launch() {
  snp::LaunchDescription l;
  l.product = snp::Product::milan;
  l.policy = 0x3001f;  // what Azure's SNP reports carry (corpus)
  l.measurement = sha384(as_bytes(std::string("coco-harness Azure paravisor (HCL) launch")));
  return l;
}

tdx::TdDescription podvm_td() {
  tdx::TdDescription td;
  const Bytes mr = sha384(as_bytes(std::string("coco-harness Azure TDX paravisor")));
  std::copy(mr.begin(), mr.end(), td.mr_td.begin());
  return td;
}

Status measure_podvm_boot(Vtpm& tpm, std::string_view unified_kernel) {
  for (const auto& [index, what] : podvm_boot_chain()) {
    if (auto st = tpm.extend_pcr(index, boot_digest(index, what, unified_kernel)); !st) return st;
  }
  return ok_status();
}

std::vector<Bytes> podvm_pcrs(std::string_view unified_kernel) {
  std::vector<Bytes> pcrs(kPcrCount, Bytes(32, 0));
  for (std::uint32_t i = 17; i <= 22; ++i) pcrs[i] = Bytes(32, 0xFF);  // TPM2_Startup(CLEAR), as the vTPMs
  for (const auto& [index, what] : podvm_boot_chain()) {
    pcrs[index] = pcr_extend(pcrs[index], boot_digest(index, what, unified_kernel));
  }
  return pcrs;
}

nlohmann::json default_vm_configuration(const std::string& seed) {
  return {{"console-enabled", true},
          {"secure-boot", true},
          {"tpm-enabled", true},
          {"vmUniqueId", vm_unique_id(seed)}};
}

SimulatedCvm::SimulatedCvm(std::unique_ptr<Vtpm> tpm, SnpCvm hardware, nlohmann::json vm_configuration)
    : tpm_(std::move(tpm)), snp_(std::move(hardware)), vm_configuration_(std::move(vm_configuration)) {
  if (vm_configuration_.is_null()) vm_configuration_ = default_vm_configuration("snp");
}

SimulatedCvm::SimulatedCvm(std::unique_ptr<Vtpm> tpm, TdxCvm hardware, nlohmann::json vm_configuration)
    : tpm_(std::move(tpm)), tdx_(std::move(hardware)), vm_configuration_(std::move(vm_configuration)) {
  if (vm_configuration_.is_null()) vm_configuration_ = default_vm_configuration("tdx");
}

Status SimulatedCvm::measure_init_data(ByteView init_data_digest) {
  // tpm2_pcrextend 8:sha256=<first 32 bytes of the digest>: PCR8 = SHA-256(0^32 || digest[0..32]).
  Bytes first(init_data_digest.begin(),
              init_data_digest.begin() + std::min<std::size_t>(32, init_data_digest.size()));
  first.resize(32, 0);
  return tpm_->extend_pcr(kInitDataPcr, first);
}

Status SimulatedCvm::refresh_hcl_report(ByteView report_data) {
  const Bytes user_data = padded64(report_data);
  HclReport hcl;
  hcl.version = is_tdx() ? 2 : 1;
  hcl.type = is_tdx() ? HclReportType::tdx : HclReportType::snp;
  const std::string json =
      runtime_data_json(tpm_->ak_public(), tpm_->ek_public(), vm_configuration_, user_data);
  hcl.var_data = to_bytes(as_bytes(json));
  const Bytes binding = padded64(sha256(hcl.var_data));
  if (snp_) {
    snp::LaunchDescription launch = snp_->launch;
    launch.report_data = binding;
    launch.host_data.clear();  // VMPL stays the launch's: 0 for the paravisor, unless a test says otherwise
    auto signed_report = snp::sign_report(*snp_->amd, launch);
    if (!signed_report) return signed_report.error();
    hcl.hw_report = signed_report->raw;
    vcek_der_ = signed_report->vek.cert.der();
    vcek_chain_pem_ = signed_report->chain_pem;
  } else {
    tdx::TdDescription td = tdx_->td;
    std::copy(binding.begin(), binding.end(), td.report_data.begin());
    auto body = tdx::make_td_body(td);
    if (!body) return body.error();
    hcl.hw_report = tdx::encode_tdreport(tdx::make_tdreport(*body, tdx_->report_mac_key));
    hcl.hw_report.resize(kHclHwReportSize, 0);
  }
  Bytes encoded = encode_hcl_report(hcl);
  encoded.resize(std::max<std::size_t>(encoded.size(), 2600), 0);  // the NV index size Azure uses
  if (auto st = tpm_->nv_write(kNvIndexReportData, user_data); !st) return st;
  return tpm_->nv_write(kNvIndexHclReport, encoded);
}

Result<TpmQuote> SimulatedCvm::report_and_quote(ByteView nonce, Bytes& hcl_bytes) {
  if (nonce.size() > 64) return make_error("azure.evidence_invalid", "a TPM nonce holds at most 64 bytes");
  if (auto st = refresh_hcl_report(nonce); !st) return st.error();
  auto hcl = tpm_->nv_read(kNvIndexHclReport);
  if (!hcl) return hcl.error();
  hcl_bytes = std::move(*hcl);
  return tpm_->quote(nonce);
}

Result<AzSnpEvidence> SimulatedCvm::snp_evidence(ByteView nonce) {
  if (!snp_) return make_error("azure.evidence_invalid", "this confidential VM is TDX, not SNP");
  AzSnpEvidence ev;
  ev.version = 2;
  auto quote = report_and_quote(nonce, ev.hcl_report_bytes);
  if (!quote) return quote.error();
  ev.tpm_quote = std::move(*quote);
  auto parsed = parse_hcl_report(ev.hcl_report_bytes);
  if (!parsed) return parsed.error();
  ev.hcl_report = *parsed;
  ev.vcek_der = vcek_der_;  // what IMDS THIM serves for this chip and TCB
  if (!imds_url_.empty()) {
    auto thim = ImdsClient(imds_url_).vcek_certification();
    if (!thim) return thim.error();
    auto certs = certs_from_pem(thim->vcek_pem);
    if (!certs || certs->empty()) return make_error("imds.bad_response", "THIM served no VCEK certificate");
    ev.vcek_der = certs->front().der();
  }
  return ev;
}

Result<AzTdxEvidence> SimulatedCvm::tdx_evidence(ByteView nonce) {
  if (!tdx_) return make_error("azure.evidence_invalid", "this confidential VM is SNP, not TDX");
  AzTdxEvidence ev;
  ev.version = 1;
  auto quote = report_and_quote(nonce, ev.hcl_report_bytes);
  if (!quote) return quote.error();
  ev.tpm_quote = std::move(*quote);
  auto hcl = parse_hcl_report(ev.hcl_report_bytes);
  if (!hcl) return hcl.error();
  // IMDS /acc/tdquote: the host's QE turns the HCL report's TDREPORT into a quote after checking its MAC.
  const ByteView tdreport = hcl_hw_report(*hcl);
  auto td_quote = imds_url_.empty() ? td_quote_service()(tdreport) : ImdsClient(imds_url_).td_quote(tdreport);
  if (!td_quote) return td_quote.error();
  ev.td_quote = std::move(*td_quote);
  return ev;
}

ImdsContent SimulatedCvm::imds_content() const {
  ImdsContent c;
  if (snp_ && !vcek_der_.empty()) {
    if (auto vcek = cert_from_der(vcek_der_)) c.vcek_pem = vcek->pem();
    c.chain_pem = vcek_chain_pem_;
  }
  return c;
}

TdQuoteService SimulatedCvm::td_quote_service() const {
  if (!tdx_) return {};
  return simulated_td_quote_service(tdx_->qe, tdx_->report_mac_key);
}

Result<nlohmann::json> SimulatedCvm::evidence(ByteView nonce) {
  if (is_tdx()) {
    auto ev = tdx_evidence(nonce);
    if (!ev) return ev.error();
    return az_tdx_evidence_to_json(*ev);
  }
  auto ev = snp_evidence(nonce);
  if (!ev) return ev.error();
  return az_snp_evidence_to_json(*ev);
}

}  // namespace coco::azure
