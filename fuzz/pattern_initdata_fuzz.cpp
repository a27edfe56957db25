// Fuzz target: what `coco-harness initdata decode / explain` take from users, on the same input:
//   decode_initdata: errors are pattern.initdata_encoding; a decoded value is at most 1 MiB, and encoding it
//     again decodes to the same text (gzip round trip);
//   explain_initdata (annotation value, ConfigMap YAML through parse_manifests, or TOML), without and with a
//     fixed set of reference values in both accepted forms: errors carry one of the documented codes; on
//     success the digests have their fixed sizes, the TOML digests to them, and in_reference_values is set
//     exactly when reference values were given;
//   the input's first byte picks a wrapping so YAML and TOML paths are reached from small seeds too.
// Nothing may throw or crash.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "pattern/initdata.h"

namespace {

using namespace coco;
using namespace coco::pattern;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "pattern_initdata_fuzz: invariant violated: %s %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  __builtin_trap();
}

const std::set<std::string> kExplainCodes = {"pattern.initdata_unrecognized",
                                             "pattern.initdata_encoding",
                                             "pattern.manifest_invalid",
                                             "trustee.initdata_invalid",
                                             "trustee.initdata_algorithm_unsupported",
                                             "pattern.reference_values_invalid"};

void check_decode(std::string_view in) {
  auto d = decode_initdata(in);
  if (!d) {
    if (d.error().code != "pattern.initdata_encoding") fail("decode error code", d.error().code);
    return;
  }
  if (d->size() > kMaxDecodedInitData) fail("decoded over the limit");
  auto again = decode_initdata(encode_initdata(*d));
  if (!again || *again != *d) fail("encode/decode round trip");
}

void check_explain(std::string_view in, const std::optional<nlohmann::json>& rv) {
  auto e = explain_initdata(in, rv);
  if (!e) {
    if (!kExplainCodes.count(e.error().code)) fail("explain error code", e.error().code);
    return;
  }
  if (e->digests.pcr8.size() != 32 || e->digests.snp_host_data.size() != 32 ||
      e->digests.tdx_mr_config_id.size() != 48)
    fail("digest sizes");
  auto d = initdata_digests(e->toml);
  if (!d || d->raw != e->digests.raw) fail("explained TOML does not digest to the reported value");
  if (e->in_reference_values.has_value() != rv.has_value())
    fail("in_reference_values without reference values");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  const std::string raw(reinterpret_cast<const char*>(data), size);
  std::string input = raw;
  if (!raw.empty()) {
    const std::string rest = raw.substr(1);
    switch (static_cast<unsigned char>(raw[0]) % 4) {
      case 0:  // as given
        break;
      case 1:  // the rest as a TOML, gzipped into an annotation value
        input = encode_initdata(rest);
        break;
      case 2:  // the rest as INITDATA of a ConfigMap
        input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: initdata\ndata:\n  INITDATA: \"" +
                base64_encode(as_bytes(rest)) + "\"\n  RAW_HASH: \"00\"\n";
        break;
      default:  // the rest as an init-data body under a fixed header
        input = "algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data]\n" + rest;
        break;
    }
  }
  check_decode(raw);
  check_decode(input);
  check_explain(input, std::nullopt);
  static const nlohmann::json list_form = nlohmann::json::parse(
      R"([{"name":"snp_pcr08","expiration":"2027-12-12T00:00:00Z","value":["00"]},{"name":"init_data","value":[]}])");
  static const nlohmann::json map_form = nlohmann::json::parse(R"({"tdx_pcr08":["0xAB"],"init_data":"00"})");
  check_explain(input, list_form);
  check_explain(input, map_form);
  return 0;
}
