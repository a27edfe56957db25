// Scenario files, CAA's cloud-config userData and the pods' sh scripts (sim/pattern): whatever the bytes,
// a named error or a value, never a crash or a hang. The scenario's base directory does not exist, so
// referenced files fail to read instead of touching the disk.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pattern/podvm.h"
#include "pattern/scenario.h"
#include "pattern/shell.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)coco::pattern::parse_scenario(text, "/nonexistent/coco-fuzz");
  (void)coco::pattern::parse_cloud_config("#cloud-config\n" + text);
  std::map<std::string, std::string> files;
  coco::pattern::ShellEnvironment env;
  env.files = &files;
  env.http_get = [](const std::string&) -> coco::Result<coco::HttpResponse> {
    return coco::HttpResponse::text(200, "x");
  };
  (void)coco::pattern::run_script(text, env);
  return 0;
}
