// The pods' userland (pattern/shell.h): a small sh with curl and wget as their manuals describe them.
#include "pattern/shell.h"

#include <algorithm>
#include <sstream>

namespace coco::pattern {
namespace {

struct Word {
  std::string text;
  bool op = false;  // ";", "&&", "||", ">", ">>"
};

// sh's word splitting with quotes; operators outside quotes are their own words. Error: an unclosed quote.
Result<std::vector<Word>> split_words(const std::string& s) {
  std::vector<Word> words;
  std::string cur;
  bool have = false;
  auto flush = [&]() {
    if (have) words.push_back({cur, false});
    cur.clear();
    have = false;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'' || c == '"') {
      const std::size_t end = s.find(c, i + 1);
      if (end == std::string::npos)
        return Error{"pattern.shell_syntax", std::string("sh: syntax error: unterminated quoted string")};
      cur += s.substr(i + 1, end - i - 1);
      have = true;
      i = end;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      flush();
    } else if (c == ';') {
      flush();
      words.push_back({";", true});
    } else if ((c == '&' || c == '|') && i + 1 < s.size() && s[i + 1] == c) {
      flush();
      words.push_back({std::string(2, c), true});
      ++i;
    } else if (c == '>') {
      flush();
      if (i + 1 < s.size() && s[i + 1] == '>') {
        words.push_back({">>", true});
        ++i;
      } else {
        words.push_back({">", true});
      }
    } else {
      cur += c;
      have = true;
    }
  }
  flush();
  return words;
}

std::string host_port_of(const std::string& url) {
  auto u = parse_url(url);
  if (!u) return url;
  return u.value().host + " port " + std::to_string(u.value().port);
}

ShellResult curl(const std::vector<std::string>& args, ShellEnvironment& env) {
  bool fail = false, silent = false, show_error = false;
  std::string output_file, url, write_out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-o" || a == "--output" || a == "-w" || a == "--write-out" || a == "-H" || a == "--header" ||
        a == "-m" || a == "--max-time") {
      if (i + 1 >= args.size()) return {2, "", "curl: option " + a + ": requires parameter\n"};
      if (a == "-o" || a == "--output") output_file = args[i + 1];
      if (a == "-w" || a == "--write-out") write_out = args[i + 1];
      ++i;
    } else if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
      for (char f : a.substr(1)) {
        if (f == 'f')
          fail = true;
        else if (f == 's')
          silent = true;
        else if (f == 'S')
          show_error = true;
        else if (f != 'L' && f != 'k' && f != 'v')
          return {2, "", "curl: option " + a + ": is unknown\n"};
      }
    } else if (a == "--fail") {
      fail = true;
    } else if (a == "--silent") {
      silent = true;
    } else if (a == "--show-error") {
      show_error = true;
    } else if (a.rfind("--", 0) == 0) {
      return {2, "", "curl: option " + a + ": is unknown\n"};
    } else {
      url = a;
    }
  }
  if (url.empty()) return {2, "", "curl: no URL specified\n"};
  const bool print_errors = !silent || show_error;
  auto response = env.http_get(url);
  if (!response) {
    const Error& e = response.error();
    int code = 56;
    std::string line = "curl: (56) Failure when receiving data from the peer";
    if (e.code == "http.connect_failed") {
      code = 7;
      line = "curl: (7) Failed to connect to " + host_port_of(url) + ": Connection refused";
    } else if (e.code == "pattern.unknown_host") {
      code = 6;
      auto u = parse_url(url);
      line = "curl: (6) Could not resolve host: " + (u ? u.value().host : url);
    } else if (e.code == "http.timeout") {
      code = 28;
      line = "curl: (28) Failed to connect to " + host_port_of(url) + ": Connection timed out";
    } else if (e.code == "http.bad_url") {
      code = 3;
      line = "curl: (3) URL using bad/illegal format or missing URL";
    }
    return {code, "", print_errors ? line + "\n" : ""};
  }
  const HttpResponse& r = response.value();
  if (fail && r.status >= 400) {
    return {22, "",
            print_errors ? "curl: (22) The requested URL returned error: " + std::to_string(r.status) + "\n"
                         : ""};
  }
  std::string out;
  if (output_file.empty()) {
    out = r.body;
  } else if (output_file != "/dev/null") {
    if (!env.files) return {23, "", "curl: (23) Failure writing output to destination\n"};
    (*env.files)[output_file] = r.body;
  }
  if (!write_out.empty()) {
    std::string w = write_out;
    const std::string tag = "%{http_code}";
    for (std::size_t p; (p = w.find(tag)) != std::string::npos;)
      w.replace(p, tag.size(), std::to_string(r.status));
    out += w;
  }
  return {0, out, ""};
}

ShellResult wget(const std::vector<std::string>& args, ShellEnvironment& env) {
  bool quiet = false;
  std::string output = "", url;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-O") {
      if (i + 1 >= args.size()) return {1, "", "wget: option requires an argument -- 'O'\n"};
      output = args[++i];
    } else if (a.rfind("-O", 0) == 0 && a.size() > 2 && a[1] == 'O') {
      output = a.substr(2);
    } else if (a == "-q") {
      quiet = true;
    } else if (a == "-qO-" || a == "-q-O-") {
      quiet = true;
      output = "-";
    } else if (a[0] == '-') {
      return {2, "", "wget: unrecognized option '" + a + "'\n"};
    } else {
      url = a;
    }
  }
  if (url.empty()) return {1, "", "wget: missing URL\n"};
  auto response = env.http_get(url);
  if (!response) {
    return {4, "", quiet ? "" : "wget: can't connect to remote host: Connection refused\n"};
  }
  const HttpResponse& r = response.value();
  if (r.status >= 400) {
    return {8, "",
            quiet ? ""
                  : "wget: server returned error: HTTP/1.1 " + std::to_string(r.status) + " " +
                        std::string(status_reason(r.status)) + "\n"};
  }
  if (output == "-") return {0, r.body, ""};
  std::string file = output;
  if (file.empty()) {
    const std::size_t slash = url.find_last_of('/');
    file = slash == std::string::npos || slash + 1 == url.size() ? "index.html" : url.substr(slash + 1);
  }
  if (env.files) (*env.files)[file] = r.body;
  return {0, "", ""};
}

ShellResult builtin(const std::vector<std::string>& argv, ShellEnvironment& env) {
  const std::string& cmd = argv[0];
  if (cmd == "sh" || cmd == "bash" || cmd == "/bin/sh" || cmd == "/bin/bash") {
    if (argv.size() >= 3 && argv[1] == "-c") return run_script(argv[2], env);
    return {2, "", cmd + ": only -c SCRIPT is supported here\n"};
  }
  if (cmd == "curl") return curl(argv, env);
  if (cmd == "wget") return wget(argv, env);
  if (cmd == "true" || cmd == "sleep") return {0, "", ""};
  if (cmd == "false") return {1, "", ""};
  if (cmd == "echo") {
    std::string out;
    for (std::size_t i = 1; i < argv.size(); ++i) out += (i > 1 ? " " : "") + argv[i];
    return {0, out + "\n", ""};
  }
  if (cmd == "printenv" || cmd == "env") {
    if (argv.size() >= 2) {
      auto it = env.env.find(argv[1]);
      if (it == env.env.end()) return {1, "", ""};
      return {0, it->second + "\n", ""};
    }
    std::string out;
    for (const auto& [k, v] : env.env) out += k + "=" + v + "\n";
    return {0, out, ""};
  }
  if (cmd == "cat") {
    std::string out;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (!env.files || !env.files->count(argv[i]))
        return {1, out, "cat: " + argv[i] + ": No such file or directory\n"};
      out += env.files->at(argv[i]);
    }
    return {0, out, ""};
  }
  if (cmd == "ls") {
    const std::string dir = argv.size() >= 2 ? argv[1] : "/";
    std::vector<std::string> names;
    if (env.files) {
      const std::string prefix = dir.back() == '/' ? dir : dir + "/";
      for (const auto& [path, content] : *env.files) {
        if (path.rfind(prefix, 0) != 0) continue;
        const std::string rest = path.substr(prefix.size());
        const std::string name = rest.substr(0, rest.find('/'));
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
    std::string out;
    for (const auto& n : names) out += n + "\n";
    return {0, out, ""};
  }
  return {127, "", "sh: " + cmd + ": command not found\n"};
}

}  // namespace

ShellResult run_command(const std::vector<std::string>& argv, ShellEnvironment& env) {
  if (argv.empty()) return {0, "", ""};
  return builtin(argv, env);
}

ShellResult run_script(const std::string& script, ShellEnvironment& env) {
  auto words = split_words(script);
  if (!words) return {2, "", words.error().message + "\n"};
  ShellResult total;
  int last = 0;
  std::string pending_op;  // the operator before the current command
  std::size_t i = 0;
  const auto& w = words.value();
  while (i < w.size()) {
    std::vector<std::string> argv;
    std::string redirect, mode;
    for (; i < w.size() && !(w[i].op && (w[i].text == ";" || w[i].text == "&&" || w[i].text == "||")); ++i) {
      if (w[i].op) {
        if (i + 1 >= w.size() || w[i + 1].op)
          return {2, total.out, total.err + "sh: syntax error: unexpected end of file\n"};
        mode = w[i].text;
        redirect = w[++i].text;
      } else {
        argv.push_back(w[i].text);
      }
    }
    const bool run = pending_op.empty() || pending_op == ";" || (pending_op == "&&" && last == 0) ||
                     (pending_op == "||" && last != 0);
    if (run) {
      ShellResult r = run_command(argv, env);
      if (!redirect.empty()) {
        if (env.files) {
          std::string& f = (*env.files)[redirect];
          f = mode == ">>" ? f + r.out : r.out;
        }
      } else {
        total.out += r.out;
      }
      total.err += r.err;
      last = r.exit_code;
    }
    if (i < w.size()) pending_op = w[i++].text;
  }
  total.exit_code = last;
  return total;
}

}  // namespace coco::pattern
