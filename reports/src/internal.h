// Internal to reports/: what the three renderings share, so that JUnit, JSON and HTML agree on how text is
// made safe, how numbers look and in which order (suite, attester) groups appear. Not a public header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/run_report.h"

namespace coco::reports::detail {

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD (one per maximal subpart, as Unicode
// recommends), so nlohmann's dump and XML/HTML consumers never see invalid bytes.
std::string valid_utf8(std::string_view s);
// Valid UTF-8 escaped for XML and HTML alike: & < > " ' as references, control characters and
// noncharacters U+FFFE/U+FFFF (not allowed in XML 1.0) as U+FFFD. In attribute values, tab and line
// breaks become character references so XML attribute normalisation keeps them.
std::string escape_markup(std::string_view s, bool attribute = false);
// Fixed-point, locale-independent; a non-finite wall time (a clock fault) prints as 0 so no consumer
// chokes on "nan".
std::string fixed(double v, int decimals);
double finite_or_zero(double v);

void count(Summary& s, const CaseResult& c);

struct CaseGroup {
  std::string suite, attester;
  std::vector<const CaseResult*> cases;  // in run order
};
// (suite, attester) groups in the order each was first seen.
std::vector<CaseGroup> groups_in_run_order(const RunReport& report);
std::vector<std::string> suites_in_run_order(const RunReport& report);
// The report's attesters, then any that only cases name (so no case drops out of the matrix).
std::vector<std::string> attester_columns(const RunReport& report);

}  // namespace coco::reports::detail
