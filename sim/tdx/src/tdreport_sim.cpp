#include "tdx/tdreport_sim.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/encoding.h"
#include "core/hash.h"

namespace coco::tdx {
namespace {

constexpr std::uint8_t kReportTypeTdx = 0x81;
constexpr std::size_t kTdInfoSize = 512;
constexpr std::size_t kTeeTcbInfoSize = 239;
constexpr std::size_t kServTdHashOffset = 0;  // SERVTD_HASH: the first 48 bytes of TDINFO's reserved tail

template <std::size_t N>
bool is_zero(const std::array<std::uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const Bytes& b) {
  if (b.size() != N) throw std::logic_error("digest of unexpected size");
  std::array<std::uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

// The encoded parts of a report, cut from encode_tdreport so the codec stays the one source of offsets.
struct Parts {
  Bytes mac_struct, tee_tcb_info, td_info;
};
Parts encoded_parts(const TdReport& report) {
  const Bytes all = encode_tdreport(report);
  if (all.size() != kTdReportSize) throw std::logic_error("encode_tdreport did not give 1024 bytes");
  Parts p;
  p.mac_struct.assign(all.begin(), all.begin() + 0x100);
  p.tee_tcb_info.assign(all.begin() + 0x100, all.begin() + 0x100 + kTeeTcbInfoSize);
  p.td_info.assign(all.begin() + 0x200, all.begin() + 0x200 + kTdInfoSize);
  return p;
}

// One bit per 8-byte unit of TEE_TCB_INFO the module reports.
std::array<std::uint8_t, 8> valid_mask(const TdQuoteBody& body) {
  std::uint64_t mask = 0;
  auto units = [&mask](unsigned first, unsigned count) {
    for (unsigned i = first; i < first + count; ++i) mask |= std::uint64_t{1} << i;
  };
  units(0, 1);  // VALID itself
  units(1, 2);  // TEE_TCB_SVN
  units(3, 6);  // MRSEAM
  if (!is_zero(body.mrsigner_seam)) units(9, 6);
  if (!is_zero(body.seam_attributes)) units(15, 1);
  if (!is_zero(body.tee_tcb_svn2)) units(16, 2);
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(mask >> (8 * i));
  return out;
}

}  // namespace

Bytes platform_report_mac_key(const IntelAuthority& intel, const PckRequest& pck) {
  return hmac(HashAlg::sha256, as_bytes(intel.seed()),
              as_bytes("coco-harness/tdx/report-mac-key/" + hex_encode(pck.ppid)));
}

std::array<std::uint8_t, 32> tdreport_mac(const TdReport& report, ByteView report_mac_key) {
  const Parts p = encoded_parts(report);
  return to_array<32>(
      hmac(HashAlg::sha256, report_mac_key, ByteView(p.mac_struct).first(kTdReportMacedSize)));
}

void reseal_tdreport(TdReport& report, ByteView report_mac_key) {
  const Parts p = encoded_parts(report);
  report.mac_struct.tee_tcb_info_hash = to_array<48>(sha384(p.tee_tcb_info));
  report.mac_struct.tee_info_hash = to_array<48>(sha384(p.td_info));
  report.mac_struct.mac = tdreport_mac(report, report_mac_key);
}

TdReport make_tdreport(const TdQuoteBody& body, ByteView report_mac_key) {
  return make_tdreport(body, report_mac_key, default_pck_request().cpusvn);
}

TdReport make_tdreport(const TdQuoteBody& body, ByteView report_mac_key,
                       const std::array<std::uint8_t, 16>& cpusvn) {
  TdReport r;
  ReportMacStruct& m = r.mac_struct;
  m.report_type = {kReportTypeTdx, 0, static_cast<std::uint8_t>(is_zero(body.mr_servicetd) ? 0 : 1), 0};
  m.cpusvn = cpusvn;
  m.report_data = body.report_data;

  TeeTcbInfo& t = r.tee_tcb_info;
  t.valid = valid_mask(body);
  t.tee_tcb_svn = body.tee_tcb_svn;
  t.mr_seam = body.mr_seam;
  t.mrsigner_seam = body.mrsigner_seam;
  t.attributes = body.seam_attributes;
  std::copy(body.tee_tcb_svn2.begin(), body.tee_tcb_svn2.end(), t.reserved_080.begin());

  TdInfo& d = r.td_info;
  d.attributes = body.td_attributes;
  d.xfam = body.xfam;
  d.mr_td = body.mr_td;
  d.mr_config_id = body.mr_config_id;
  d.mr_owner = body.mr_owner;
  d.mr_owner_config = body.mr_owner_config;
  d.rtmr = body.rtmr;
  std::copy(body.mr_servicetd.begin(), body.mr_servicetd.end(), d.reserved_190.begin() + kServTdHashOffset);

  reseal_tdreport(r, report_mac_key);
  return r;
}

TdQuoteBody quote_body_fields(const TdReport& report) {
  TdQuoteBody b;
  const TeeTcbInfo& t = report.tee_tcb_info;
  b.tee_tcb_svn = t.tee_tcb_svn;
  b.mr_seam = t.mr_seam;
  b.mrsigner_seam = t.mrsigner_seam;
  b.seam_attributes = t.attributes;
  std::copy_n(t.reserved_080.begin(), b.tee_tcb_svn2.size(), b.tee_tcb_svn2.begin());

  const TdInfo& d = report.td_info;
  b.td_attributes = d.attributes;
  b.xfam = d.xfam;
  b.mr_td = d.mr_td;
  b.mr_config_id = d.mr_config_id;
  b.mr_owner = d.mr_owner;
  b.mr_owner_config = d.mr_owner_config;
  b.rtmr = d.rtmr;
  if (report.mac_struct.report_type[2] >= 1) {
    std::copy_n(d.reserved_190.begin() + kServTdHashOffset, b.mr_servicetd.size(), b.mr_servicetd.begin());
  }
  b.report_data = report.mac_struct.report_data;
  return b;
}

Result<TdQuoteBody> quote_body_from_tdreport(const TdReport& report, ByteView report_mac_key) {
  const auto& type = report.mac_struct.report_type;
  if (type[0] != kReportTypeTdx || type[1] != 0 || type[2] > 1) {
    return make_error("tdx.tdreport_invalid",
                      "REPORTTYPE " + hex_encode(type) + " is not a TDX report (81 00 00|01 ..)");
  }
  const Parts p = encoded_parts(report);
  if (!equal_ct(report.mac_struct.tee_tcb_info_hash, sha384(p.tee_tcb_info))) {
    return make_error("tdx.tdreport_mac_invalid", "TEE_TCB_INFO_HASH does not match TEE_TCB_INFO");
  }
  if (!equal_ct(report.mac_struct.tee_info_hash, sha384(p.td_info))) {
    return make_error("tdx.tdreport_mac_invalid", "TEE_INFO_HASH does not match TDINFO");
  }
  const auto mac = tdreport_mac(report, report_mac_key);
  if (!equal_ct(mac, report.mac_struct.mac)) {
    return make_error("tdx.tdreport_mac_invalid",
                      "the TDREPORT MAC does not verify: it was not produced on this platform");
  }
  return quote_body_fields(report);
}

Result<TdQuoteBody> quote_body_from_tdreport(ByteView tdreport, ByteView report_mac_key) {
  auto r = parse_tdreport(tdreport);
  if (!r) return r.error();
  return quote_body_from_tdreport(*r, report_mac_key);
}

Result<Bytes> quote_from_tdreport(const QuotingEnclave& qe, ByteView tdreport, ByteView report_mac_key,
                                  int version, std::uint16_t body_type) {
  auto body = quote_body_from_tdreport(tdreport, report_mac_key);
  if (!body) return body.error();
  if (version != 4 && version != 5) {
    return make_error("tdx.td_description_invalid",
                      "quote version " + std::to_string(version) + " (4 or 5 expected)");
  }
  if (version == 5 && body_type != kBodyTypeTdx10 && body_type != kBodyTypeTdx15) {
    return make_error("tdx.td_description_invalid",
                      "v5 body type " + std::to_string(body_type) + " (2 or 3 expected)");
  }
  return qe.quote_bytes(*body, version, body_type);
}

}  // namespace coco::tdx
