// `coco-harness initdata digest`: the init-data digest of a TOML file in every form the pattern needs
// (shared/reference/pattern.md 3.4; sim/trustee/initdata.h): the raw digest per the TOML's `algorithm`, the
// Azure PCR8 value, SNP HOST_DATA and TDX MRCONFIGID.
#include <iostream>

#include "azure/tpm.h"
#include "cli_common.h"
#include "core/encoding.h"
#include "trustee/initdata.h"

namespace coco::cli {
namespace {

void add_digest(CLI::App& group) {
  auto* cmd = group.add_subcommand(
      "digest",
      "Print the init-data digest of a TOML file (version, algorithm, data) in every form a verifier "
      "compares:\n"
      "  digest         HASH_algorithm(the file's exact bytes), algorithm sha256, sha384 or sha512\n"
      "  pcr8           Azure vTPM PCR8 after boot: SHA-256(32 zero bytes || digest[0..32])\n"
      "  snp_host_data  SEV-SNP HOST_DATA: the digest truncated or zero-padded to 32 bytes\n"
      "  tdx_mr_config_id  TDX MRCONFIGID: the digest zero-padded (or truncated) to 48 bytes");
  auto path = std::make_shared<std::string>();
  cmd->add_option("toml", *path, "Init-data TOML file (as given to the peer pod's annotation)")->required();
  cmd->footer(
      "Example: coco-harness initdata digest initdata.toml\n"
      "         coco-harness azure verify evidence.json --init-data-digest <digest>");
  on_run(cmd, [path]() {
    const trustee::InitData d = need(trustee::parse_initdata_toml(to_string(read_input(*path))), *path);
    const Bytes digest = trustee::initdata_digest(d);
    const nlohmann::json j{{"file", *path},
                           {"version", d.version},
                           {"algorithm", std::string(trustee::initdata_alg_name(d.algorithm))},
                           {"digest", hex_encode(digest)},
                           {"pcr8", hex_encode(azure::init_data_pcr8(digest))},
                           {"snp_host_data", hex_encode(trustee::pad_or_truncate(digest, 32))},
                           {"tdx_mr_config_id", hex_encode(trustee::pad_or_truncate(digest, 48))}};
    if (globals().json) {
      print_json(j);
    } else {
      for (const char* k : {"algorithm", "digest", "pcr8", "snp_host_data", "tdx_mr_config_id"})
        std::cout << k << ": " << j[k].get<std::string>() << "\n";
    }
    return kExitOk;
  });
}

}  // namespace

void add_initdata_commands(CLI::App& app) {
  auto* g =
      app.add_subcommand("initdata", "Init-data (the peer pod's TOML): digests as verifiers compare them");
  g->require_subcommand(1);
  add_digest(*g);
}

}  // namespace coco::cli
