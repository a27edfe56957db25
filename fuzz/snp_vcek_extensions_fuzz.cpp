// Fuzz target: the VCEK/VLEK KDS extension parser, driven two ways: as a whole DER certificate, and as
// raw extension values (the first byte picks the OID each value is presented under).
#include <cstdint>

#include "core/x509.h"
#include "snp/certs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco::snp;
  coco::ByteView in(data, size);
  if (auto cert = coco::cert_from_der(in)) (void)parse_kds_extensions(*cert);

  static const char* const kOids[] = {oid::kStructVersion, oid::kProductName, oid::kBlSpl,  oid::kTeeSpl,
                                      oid::kSnpSpl,        oid::kSpl4,        oid::kSpl5,   oid::kSpl6,
                                      oid::kSpl7,          oid::kUcodeSpl,    oid::kFmcSpl, oid::kHwId,
                                      oid::kCspId};
  std::vector<std::pair<std::string, coco::Bytes>> values;
  std::size_t pos = 0;
  // Records: [oid index][length][value...]
  while (pos + 2 <= size && values.size() < 32) {
    const char* o = kOids[data[pos] % (sizeof(kOids) / sizeof(kOids[0]))];
    std::size_t len = data[pos + 1];
    pos += 2;
    if (pos + len > size) len = size - pos;
    values.emplace_back(o, coco::Bytes(data + pos, data + pos + len));
    pos += len;
  }
  (void)parse_kds_extension_values(values);
  return 0;
}
