// The pods' userland (pattern/shell.h): the commands the pattern's pods and users run, with curl's and
// wget's exit codes and error lines.
#include "pattern/shell.h"

#include <gtest/gtest.h>

namespace coco::pattern {
namespace {

struct Fixture {
  std::map<std::string, std::string> files;
  ShellEnvironment env;
  Fixture() {
    env.files = &files;
    env.env = {{"PROTECTED_SECRET", "unsealed value"}};
    env.http_get = [](const std::string& url) -> Result<HttpResponse> {
      if (url == "http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3")
        return HttpResponse::text(200, "key3-value");
      if (url.find("/cdh/resource/default/denied") != std::string::npos)
        return HttpResponse::text(500, "get resource failed");
      if (url.find("unknown.example") != std::string::npos)
        return Error{"pattern.unknown_host", "no such host"};
      if (url.find("slow.example") != std::string::npos) return Error{"http.timeout", "timed out"};
      return Error{"http.connect_failed", "refused"};
    };
  }
};

TEST(Shell, KbsAccessInitContainerWritesTheSecret) {
  Fixture f;
  const auto r = run_command(
      {"sh", "-c", "curl -s http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3 > /output/kbsres1.txt"},
      f.env);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(f.files.at("/output/kbsres1.txt"), "key3-value");
  EXPECT_EQ(run_command({"cat", "/output/kbsres1.txt"}, f.env).out, "key3-value");
}

TEST(Shell, CurlWithoutFailWritesTheErrorBodyAndSucceeds) {
  // What the pattern's users meet: the init container "succeeds" and the file holds no secret.
  Fixture f;
  const auto r = run_script("curl -s http://127.0.0.1:8006/cdh/resource/default/denied/x > /output/f", f.env);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(f.files.at("/output/f"), "get resource failed");
}

TEST(Shell, CurlExitCodesAndMessages) {
  Fixture f;
  auto r =
      run_command({"curl", "-f", "-s", "-S", "http://127.0.0.1:8006/cdh/resource/default/denied/x"}, f.env);
  EXPECT_EQ(r.exit_code, 22);
  EXPECT_EQ(r.err, "curl: (22) The requested URL returned error: 500\n");
  r = run_command({"curl", "-s", "http://127.0.0.1:9999/"}, f.env);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.err, "");  // -s without -S: silent
  r = run_command({"curl", "http://127.0.0.1:9999/"}, f.env);
  EXPECT_EQ(r.err, "curl: (7) Failed to connect to 127.0.0.1 port 9999: Connection refused\n");
  r = run_command({"curl", "http://unknown.example/"}, f.env);
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.err, "curl: (6) Could not resolve host: unknown.example\n");
  r = run_command({"curl", "-sS", "http://slow.example/"}, f.env);
  EXPECT_EQ(r.exit_code, 28);
  r = run_command({"curl", "-o", "/dev/null", "-w", "%{http_code}", "-s",
                   "http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3"},
                  f.env);
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(run_command({"curl"}, f.env).exit_code, 2);
  EXPECT_EQ(run_command({"curl", "--bogus", "http://x/"}, f.env).err, "curl: option --bogus: is unknown\n");
}

TEST(Shell, WgetAsCaaE2eUsesIt) {
  Fixture f;
  auto r =
      run_command({"wget", "-q", "-O-", "http://127.0.0.1:8006/cdh/resource/default/kbsres1/key3"}, f.env);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "key3-value");
  r = run_command({"wget", "-O-", "http://127.0.0.1:8006/cdh/resource/default/denied/x"}, f.env);
  EXPECT_EQ(r.exit_code, 8);
  EXPECT_EQ(r.err, "wget: server returned error: HTTP/1.1 500 Internal Server Error\n");
  EXPECT_EQ(run_command({"wget", "-q", "-O-", "http://127.0.0.1:1/"}, f.env).exit_code, 4);
}

TEST(Shell, ScriptsOperatorsQuotesAndRedirects) {
  Fixture f;
  auto r = run_script("echo 'a  b' && echo c; false || echo d; false && echo never", f.env);
  EXPECT_EQ(r.out, "a  b\nc\nd\n");
  EXPECT_EQ(r.exit_code, 1);
  run_script("echo one > /tmp/x; echo two >> /tmp/x", f.env);
  EXPECT_EQ(f.files.at("/tmp/x"), "one\ntwo\n");
  EXPECT_EQ(run_script("printenv PROTECTED_SECRET", f.env).out, "unsealed value\n");
  r = run_script("echo 'unterminated", f.env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sh: syntax error: unterminated quoted string\n");
  EXPECT_EQ(run_script("echo >", f.env).exit_code, 2);
  r = run_command({"python3", "-V"}, f.env);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, "sh: python3: command not found\n");
  EXPECT_EQ(run_command({"ls", "/output"}, f.env).out, "");
  f.files["/output/a.txt"] = "x";
  f.files["/output/sub/b"] = "y";
  EXPECT_EQ(run_command({"ls", "/output"}, f.env).out, "a.txt\nsub\n");
  EXPECT_EQ(run_command({"cat", "/nope"}, f.env).err, "cat: /nope: No such file or directory\n");
}

}  // namespace
}  // namespace coco::pattern
