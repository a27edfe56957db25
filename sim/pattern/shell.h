// The commands the pattern's pods run, interpreted: the kbs-access init container's
// `curl -s http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3 > /output/kbsres1.txt`, the exec
// allow-list's curls, CAA's e2e `wget -q -O- http://127.0.0.1:8006/cdh/resource/...`, `ls`, `cat`, `echo`,
// `printenv` (sealed secrets unsealed into the environment). A container here has no image to run, so this
// is its userland: enough of sh, curl and wget, with their real exit codes and error lines, for what a
// user of the pattern types into `oc exec` or writes into a pod spec.
//
// Supported: `sh -c` / `bash -c` scripts with `;`, `&&`, `||`, single and double quotes, `>` and `>>`
// redirection of stdout into the pod's files; curl -s -S -f -o FILE -w ... URL (exit 7 cannot connect,
// 22 HTTP >= 400 with -f, 6 unknown host), wget -q -O FILE|- URL (exit 8 on HTTP errors, 4 network),
// cat, echo, ls, printenv/env, true, false, sleep (no wait). Anything else: exit 127, "sh: X: command not
// found". HTTP goes through ShellEnvironment::http_get, which decides what the pod's network reaches.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/http.h"
#include "core/result.h"

namespace coco::pattern {

struct ShellEnvironment {
  // GET `url` from inside the pod. Errors: http.connect_failed (curl exit 7), pattern.unknown_host (exit 6),
  // http.timeout (exit 28), anything else (exit 56, a receive failure).
  std::function<Result<HttpResponse>(const std::string& url)> http_get;
  std::map<std::string, std::string>* files = nullptr;  // the pod's volumes: absolute path -> content
  std::map<std::string, std::string> env;
};

struct ShellResult {
  int exit_code = 0;
  std::string out;  // stdout not redirected
  std::string err;  // stderr
};

ShellResult run_command(const std::vector<std::string>& argv, ShellEnvironment& env);
// A script as `sh -c` would run it.
ShellResult run_script(const std::string& script, ShellEnvironment& env);

}  // namespace coco::pattern
