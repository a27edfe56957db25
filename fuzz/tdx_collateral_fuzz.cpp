// Fuzz target: the Intel PCS TDX collateral parsers of tdx/collateral.h on one input: split_signed_body
// (both inner keys), parse_tcb_info / parse_qe_identity (whole PCS responses) and the inner-object parsers.
// Asserts: parsing never throws and fails only with tdx.collateral_invalid; a body the whole-response
// parser accepts also splits (what is parsed is what is signed); serialising a parsed TCB info / QE identity
// in Intel's compact form reaches a fixed point after one round (tcb_info_json(parse(tcb_info_json(x))) ==
// tcb_info_json(x)); TCB level and QE identity matching against the seed platform never throw and fail only
// with their documented codes.
#include <cstdint>
#include <string>
#include <string_view>

#include "tdx/collateral.h"
#include "tdx_fuzz_common.h"

using namespace coco;
using namespace coco::tdx;
using coco::fuzz::tdx_fuzz_fail;

namespace {

void expect_collateral_invalid(const Error& e) {
  if (e.code != "tdx.collateral_invalid") tdx_fuzz_fail();
}

struct Platform {
  SgxExtensions pck;
  TdQuoteBody module_body;  // TEE_TCB_SVN[1] = 1: the module is matched in tdxModuleIdentities
  TdQuoteBody legacy_body;  // TEE_TCB_SVN[1] = 0: tdxModule only
  SgxReportBody qe_report;
};

const Platform& platform() {
  static const Platform p = [] {
    Platform out;
    const PckRequest req = default_pck_request();
    out.pck.ppid = req.ppid;
    out.pck.tcb_comp_svn = req.tcb_comp_svn;
    out.pck.pcesvn = req.pcesvn;
    out.pck.cpusvn = req.cpusvn;
    out.pck.pceid = req.pceid;
    out.pck.fmspc = req.fmspc;
    out.pck.sgx_type = 1;
    TdDescription td;
    out.module_body = make_td_body(td).value();
    td.tee_tcb_svn = {3, 0, 3};
    out.legacy_body = make_td_body(td).value();
    out.qe_report = coco::fuzz::tdx_fuzz_qe().certification().qe_report;
    return out;
  }();
  return p;
}

void check_match(const TcbInfo& info) {
  const Platform& p = platform();
  for (const TdQuoteBody* body : {&p.module_body, &p.legacy_body}) {
    auto m = match_tcb_level(info, p.pck, *body);
    if (m) {
      if (m->level_index >= info.tcb_levels.size()) tdx_fuzz_fail();
      (void)tcb_status_name(m->platform_status);
    } else if (m.error().code != "tdx.tcb_level_not_found" &&
               m.error().code != "tdx.module_identity_not_found" &&
               m.error().code != "tdx.module_identity_mismatch") {
      tdx_fuzz_fail();
    }
  }
}

void check_tcb_info(std::string_view body, bool whole) {
  auto info = whole ? parse_tcb_info(body) : parse_tcb_info_object(body);
  if (!info) return expect_collateral_invalid(info.error());
  if (whole && !split_signed_body(body, "tcbInfo")) tdx_fuzz_fail();
  const std::string once = tcb_info_json(*info);
  auto again = parse_tcb_info_object(once);
  if (!again) tdx_fuzz_fail();  // our own serialisation must parse
  if (tcb_info_json(*again) != once) tdx_fuzz_fail();
  check_match(*info);
}

void check_qe_identity(std::string_view body, bool whole) {
  auto identity = whole ? parse_qe_identity(body) : parse_qe_identity_object(body);
  if (!identity) return expect_collateral_invalid(identity.error());
  if (whole && !split_signed_body(body, "enclaveIdentity")) tdx_fuzz_fail();
  const std::string once = qe_identity_json(*identity);
  auto again = parse_qe_identity_object(once);
  if (!again) tdx_fuzz_fail();
  if (qe_identity_json(*again) != once) tdx_fuzz_fail();
  auto m = match_qe_identity(*identity, platform().qe_report);
  if (!m && m.error().code != "tdx.qe_identity_mismatch" && m.error().code != "tdx.qe_tcb_level_not_found")
    tdx_fuzz_fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    for (std::string_view key : {"tcbInfo", "enclaveIdentity"}) {
      auto sb = split_signed_body(in, key);
      if (!sb) {
        expect_collateral_invalid(sb.error());
        continue;
      }
      // The signed bytes are a substring of the body.
      if (in.find(sb->signed_bytes) == std::string_view::npos) tdx_fuzz_fail();
    }
    check_tcb_info(in, true);
    check_qe_identity(in, true);
    check_tcb_info(in, false);
    check_qe_identity(in, false);
  } catch (...) {
    tdx_fuzz_fail();  // parsing never throws
  }
  return 0;
}
