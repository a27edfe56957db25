// The swtpm-backed Vtpm: swtpm (libtpms) as a child process, driven through libtss2 ESYS over the swtpm
// TCP TCTI. See azure/vtpm.h for the AK template, the NV continuation scheme and the process rules.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_swtpm.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "azure/vtpm.h"
#include "vtpm_internal.h"

namespace coco::azure {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kInstallHint =
    "install the Debian packages swtpm and swtpm-tools (ci/setup does: apt-get install swtpm swtpm-tools)";

Error unavailable(std::string message) {
  return make_error("azure.swtpm_unavailable", std::move(message));
}

// ---- TPM response codes -------------------------------------------------------------------------

// Names of TPM 2.0 response codes (TPM2 Part 2 section 6.6), for messages.
const char* tpm_rc_base_name(std::uint32_t base) {
  switch (base) {
    // Format 1 (bit 7 set): the error number, without the handle/parameter/session number.
    case 0x081:
      return "TPM_RC_ASYMMETRIC";
    case 0x082:
      return "TPM_RC_ATTRIBUTES";
    case 0x083:
      return "TPM_RC_HASH";
    case 0x084:
      return "TPM_RC_VALUE";
    case 0x085:
      return "TPM_RC_HIERARCHY";
    case 0x087:
      return "TPM_RC_KEY_SIZE";
    case 0x088:
      return "TPM_RC_MGF";
    case 0x089:
      return "TPM_RC_MODE";
    case 0x08A:
      return "TPM_RC_TYPE";
    case 0x08B:
      return "TPM_RC_HANDLE";
    case 0x08C:
      return "TPM_RC_KDF";
    case 0x08D:
      return "TPM_RC_RANGE";
    case 0x08E:
      return "TPM_RC_AUTH_FAIL";
    case 0x08F:
      return "TPM_RC_NONCE";
    case 0x090:
      return "TPM_RC_PP";
    case 0x092:
      return "TPM_RC_SCHEME";
    case 0x095:
      return "TPM_RC_SIZE";
    case 0x096:
      return "TPM_RC_SYMMETRIC";
    case 0x097:
      return "TPM_RC_TAG";
    case 0x098:
      return "TPM_RC_SELECTOR";
    case 0x09A:
      return "TPM_RC_INSUFFICIENT";
    case 0x09B:
      return "TPM_RC_SIGNATURE";
    case 0x09C:
      return "TPM_RC_KEY";
    case 0x09D:
      return "TPM_RC_POLICY_FAIL";
    case 0x09F:
      return "TPM_RC_INTEGRITY";
    case 0x0A0:
      return "TPM_RC_TICKET";
    case 0x0A1:
      return "TPM_RC_RESERVED_BITS";
    case 0x0A2:
      return "TPM_RC_BAD_AUTH";
    case 0x0A3:
      return "TPM_RC_EXPIRED";
    case 0x0A4:
      return "TPM_RC_POLICY_CC";
    case 0x0A5:
      return "TPM_RC_BINDING";
    case 0x0A6:
      return "TPM_RC_CURVE";
    case 0x0A7:
      return "TPM_RC_ECC_POINT";
    // Format 0, version 1 errors.
    case 0x100:
      return "TPM_RC_INITIALIZE";
    case 0x101:
      return "TPM_RC_FAILURE";
    case 0x103:
      return "TPM_RC_SEQUENCE";
    case 0x10B:
      return "TPM_RC_PRIVATE";
    case 0x119:
      return "TPM_RC_HMAC";
    case 0x120:
      return "TPM_RC_DISABLED";
    case 0x121:
      return "TPM_RC_EXCLUSIVE";
    case 0x124:
      return "TPM_RC_AUTH_TYPE";
    case 0x125:
      return "TPM_RC_AUTH_MISSING";
    case 0x126:
      return "TPM_RC_POLICY";
    case 0x127:
      return "TPM_RC_PCR";
    case 0x128:
      return "TPM_RC_PCR_CHANGED";
    case 0x12D:
      return "TPM_RC_UPGRADE";
    case 0x12E:
      return "TPM_RC_TOO_MANY_CONTEXTS";
    case 0x12F:
      return "TPM_RC_AUTH_UNAVAILABLE";
    case 0x130:
      return "TPM_RC_REBOOT";
    case 0x131:
      return "TPM_RC_UNBALANCED";
    case 0x142:
      return "TPM_RC_COMMAND_SIZE";
    case 0x143:
      return "TPM_RC_COMMAND_CODE";
    case 0x144:
      return "TPM_RC_AUTHSIZE";
    case 0x145:
      return "TPM_RC_AUTH_CONTEXT";
    case 0x146:
      return "TPM_RC_NV_RANGE";
    case 0x147:
      return "TPM_RC_NV_SIZE";
    case 0x148:
      return "TPM_RC_NV_LOCKED";
    case 0x149:
      return "TPM_RC_NV_AUTHORIZATION";
    case 0x14A:
      return "TPM_RC_NV_UNINITIALIZED";
    case 0x14B:
      return "TPM_RC_NV_SPACE";
    case 0x14C:
      return "TPM_RC_NV_DEFINED";
    case 0x150:
      return "TPM_RC_BAD_CONTEXT";
    case 0x151:
      return "TPM_RC_CPHASH";
    case 0x152:
      return "TPM_RC_PARENT";
    case 0x153:
      return "TPM_RC_NEEDS_TEST";
    case 0x154:
      return "TPM_RC_NO_RESULT";
    case 0x155:
      return "TPM_RC_SENSITIVE";
    // Warnings.
    case 0x901:
      return "TPM_RC_CONTEXT_GAP";
    case 0x902:
      return "TPM_RC_OBJECT_MEMORY";
    case 0x903:
      return "TPM_RC_SESSION_MEMORY";
    case 0x904:
      return "TPM_RC_MEMORY";
    case 0x905:
      return "TPM_RC_SESSION_HANDLES";
    case 0x906:
      return "TPM_RC_OBJECT_HANDLES";
    case 0x907:
      return "TPM_RC_LOCALITY";
    case 0x908:
      return "TPM_RC_YIELDED";
    case 0x909:
      return "TPM_RC_CANCELED";
    case 0x90A:
      return "TPM_RC_TESTING";
    case 0x922:
      return "TPM_RC_NV_RATE";
    case 0x923:
      return "TPM_RC_LOCKOUT";
    case 0x924:
      return "TPM_RC_RETRY";
    case 0x925:
      return "TPM_RC_NV_UNAVAILABLE";
    default:
      return nullptr;
  }
}

}  // namespace

std::string detail::tpm_rc_name(std::uint32_t rc) {
  std::ostringstream out;
  const std::uint32_t layer = (rc >> 16) & 0xFF;
  const std::uint32_t code = rc & 0xFFFF;
  const char* name = nullptr;
  if (layer == 0) name = tpm_rc_base_name((code & 0x080) ? (code & 0x0BF) : (code & 0xFFF));
  out << (name ? name : "TSS2_RC") << " (0x" << std::hex << std::uppercase << rc << ")";
  if (const char* text = Tss2_RC_Decode(rc)) out << ": " << text;
  return out.str();
}

namespace {

Error tpm_error(const std::string& what, TSS2_RC rc) {
  return make_error("azure.tpm_error", what + ": " + detail::tpm_rc_name(rc));
}

struct EsysFree {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

// ---- processes and ports ----------------------------------------------------------------------

bool is_executable(const fs::path& p) {
  return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p);
}

// Forks and execs argv[0] with stdin from /dev/null, stdout and stderr to `log`. The child dies with
// the thread that started it (PR_SET_PDEATHSIG). With `reap_descendants` the program runs under an
// intermediate process that is a child subreaper and reaps whatever the program leaves behind
// (swtpm_setup does not wait for the swtpm it runs), then exits with the program's status. Returns the
// pid, or -1.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log, bool reap_descendants = false) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    ::close_range(3, ~0U, 0);
    if (reap_descendants) {
      ::prctl(PR_SET_CHILD_SUBREAPER, 1);
      const pid_t self = ::getpid();
      const pid_t program = ::fork();
      if (program == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != self) ::_exit(126);
        ::execv(argv[0], argv.data());
        ::_exit(127);
      }
      int program_status = 127 << 8;
      for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(-1, &status, 0);
        if (r < 0) break;  // ECHILD: every descendant has been reaped
        if (r == program) program_status = status;
      }
      ::_exit(WIFEXITED(program_status) ? WEXITSTATUS(program_status) : 125);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  return pid;
}

// Waits for `pid` up to `timeout`; kills it (SIGKILL) after that. Returns its wait status, or -1 when
// it had to be killed.
int wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

// Stops a child: SIGTERM (swtpm saves its state), SIGKILL after 3 s.
void stop_child(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
}

std::string tail_of(const fs::path& p, std::size_t max = 600) {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > max) s = "..." + s.substr(s.size() - max);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "(no output)" : s;
}

int loopback_socket(std::uint16_t port, bool do_bind) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int r = do_bind ? ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
                        : ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (r != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Two consecutive free loopback ports P, P + 1 (the swtpm TCTI expects the control port right after
// the server port). Returns P, or 0.
std::uint16_t free_port_pair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = loopback_socket(0, true);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const std::uint16_t port = ntohs(addr.sin_port);
    if (port < 1024 || port == 65535) {
      ::close(fd);
      continue;
    }
    const int fd2 = loopback_socket(static_cast<std::uint16_t>(port + 1), true);
    ::close(fd);
    if (fd2 >= 0) {
      ::close(fd2);
      return port;
    }
  }
  return 0;
}

// ---- the vTPM ---------------------------------------------------------------------------------------

class SwtpmVtpm final : public Vtpm {
 public:
  SwtpmVtpm() = default;
  ~SwtpmVtpm() override {
    if (esys_) Esys_Finalize(&esys_);
    if (tcti_) {
      Tss2_Tcti_Finalize(tcti_);
      std::free(tcti_);
    }
    stop_child(pid_);
  }

  Status start(const fs::path& state_dir) {
    const std::string swtpm = find_swtpm_binary("swtpm");
    const std::string setup = find_swtpm_binary("swtpm_setup");
    if (swtpm.empty() || setup.empty())
      return unavailable(std::string(swtpm.empty() ? "swtpm" : "swtpm_setup") +
                         " not found on PATH: " + kInstallHint);
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    if (ec)
      return unavailable("cannot create the swtpm state directory " + state_dir.string() + ": " +
                         ec.message());
    state_dir_ = fs::absolute(state_dir, ec);

    if (!fs::exists(state_dir_ / "tpm2-00.permall")) {
      const fs::path log = state_dir_ / "swtpm_setup.log";
      const pid_t pid = spawn({setup, "--tpm2", "--tpmstate", state_dir_.string(), "--createek",
                               "--pcr-banks", "sha256", "--overwrite"},
                              log, /*reap_descendants=*/true);
      if (pid < 0) return unavailable("cannot start " + setup + ": " + std::strerror(errno));
      const int status = wait_for(pid, std::chrono::seconds(60));
      if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return unavailable(
            "swtpm_setup failed (" +
            (status < 0 ? std::string("timed out after 60 s") : "status " + std::to_string(status)) +
            "): " + tail_of(log));
    }

    std::string last_error = "no free loopback port pair";
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::uint16_t port = free_port_pair();
      if (port == 0) break;
      auto s = launch(swtpm, port);
      if (s) return connect(port);
      last_error = s.error().message;
    }
    return unavailable(last_error);
  }

  std::string kind() const override { return "swtpm"; }
  const Key& ak_public() const override { return ak_pub_; }
  const Key& ek_public() const override { return ek_pub_; }

  Result<std::vector<Bytes>> read_pcrs() override {
    std::vector<Bytes> pcrs(kPcrCount);
    std::uint32_t missing = (1u << kPcrCount) - 1;
    while (missing != 0) {
      TPML_PCR_SELECTION sel{};
      sel.count = 1;
      sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
      sel.pcrSelections[0].sizeofSelect = 3;
      for (int b = 0; b < 3; ++b) sel.pcrSelections[0].pcrSelect[b] = static_cast<BYTE>(missing >> (8 * b));
      UINT32 counter = 0;
      TPML_PCR_SELECTION* out_sel_raw = nullptr;
      TPML_DIGEST* values_raw = nullptr;
      const TSS2_RC rc = Esys_PCR_Read(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
                                       &out_sel_raw, &values_raw);
      EsysPtr<TPML_PCR_SELECTION> out_sel(out_sel_raw);
      EsysPtr<TPML_DIGEST> values(values_raw);
      if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_PCR_Read", rc);
      std::uint32_t got = 0;
      for (UINT32 i = 0; i < out_sel->count; ++i) {
        const auto& s = out_sel->pcrSelections[i];
        if (s.hash != TPM2_ALG_SHA256) continue;
        for (int b = 0; b < s.sizeofSelect && b < 3; ++b)
          got |= static_cast<std::uint32_t>(s.pcrSelect[b]) << (8 * b);
      }
      got &= missing;
      std::size_t v = 0;
      for (std::uint32_t i = 0; i < kPcrCount; ++i) {
        if (!(got & (1u << i))) continue;
        if (v >= values->count)
          return make_error("azure.tpm_error", "TPM2_PCR_Read returned fewer digests than it selected");
        pcrs[i].assign(values->digests[v].buffer, values->digests[v].buffer + values->digests[v].size);
        ++v;
      }
      if (got == 0)
        return make_error("azure.tpm_error", "TPM2_PCR_Read returned none of the requested sha256 PCRs");
      missing &= ~got;
    }
    return pcrs;
  }

  Status extend_pcr(std::uint32_t index, ByteView digest) override {
    if (auto s = detail::check_extend(index, digest); !s) return s;
    TPML_DIGEST_VALUES values{};
    values.count = 1;
    values.digests[0].hashAlg = TPM2_ALG_SHA256;
    std::copy(digest.begin(), digest.end(), values.digests[0].digest.sha256);
    const TSS2_RC rc =
        Esys_PCR_Extend(esys_, ESYS_TR_PCR0 + index, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &values);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_PCR_Extend(" + std::to_string(index) + ")", rc);
    return ok_status();
  }

  Result<TpmQuote> quote(ByteView nonce, const PcrSelection& selection) override {
    if (auto s = detail::check_nonce(nonce); !s) return s.error();
    if (auto s = detail::check_selection(selection); !s) return s.error();
    TPM2B_DATA qualifying{};
    qualifying.size = static_cast<UINT16>(nonce.size());
    std::copy(nonce.begin(), nonce.end(), qualifying.buffer);
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_NULL;  // the key's own: RSASSA SHA-256
    TPML_PCR_SELECTION sel{};
    sel.count = 1;
    sel.pcrSelections[0].hash = selection.hash;
    sel.pcrSelections[0].sizeofSelect = static_cast<UINT8>(selection.select.size());
    std::copy(selection.select.begin(), selection.select.end(), sel.pcrSelections[0].pcrSelect);
    TPM2B_ATTEST* quoted_raw = nullptr;
    TPMT_SIGNATURE* sig_raw = nullptr;
    const TSS2_RC rc = Esys_Quote(esys_, ak_, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
                                  &scheme, &sel, &quoted_raw, &sig_raw);
    EsysPtr<TPM2B_ATTEST> quoted(quoted_raw);
    EsysPtr<TPMT_SIGNATURE> sig(sig_raw);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_Quote", rc);
    if (sig->sigAlg != TPM2_ALG_RSASSA)
      return make_error("azure.tpm_error", "TPM2_Quote signed with algorithm " + detail::hex32(sig->sigAlg) +
                                               ", not RSASSA (0x0014)");
    TpmQuote q;
    q.message.assign(quoted->attestationData, quoted->attestationData + quoted->size);
    q.signature.assign(sig->signature.rsassa.sig.buffer,
                       sig->signature.rsassa.sig.buffer + sig->signature.rsassa.sig.size);
    auto pcrs = read_pcrs();
    if (!pcrs) return pcrs.error();
    q.pcrs = std::move(*pcrs);
    return q;
  }

  Status nv_write(std::uint32_t index, ByteView data) override {
    if (auto s = detail::check_nv_write(index, data.size()); !s) return s;
    const std::size_t first = std::min(data.size(), nv_index_max_);
    if (auto s = write_index(index, data.first(first)); !s) return s;
    const std::uint32_t cont = index + kNvContinuationOffset;
    if (first < data.size()) return write_index(cont, data.subspan(first));
    if (index >= detail::kNvSplitFirst && index <= detail::kNvSplitLast) {
      auto exists = handle_exists(cont);
      if (!exists) return exists.error();
      if (*exists) return undefine(cont);
    }
    return ok_status();
  }

  Result<Bytes> nv_read(std::uint32_t index) override {
    if (auto s = detail::check_nv_index(index); !s) return s.error();
    auto exists = handle_exists(index);
    if (!exists) return exists.error();
    if (!*exists) return detail::nv_undefined(index);
    auto data = read_index(index);
    if (!data) return data;
    if (index >= detail::kNvSplitFirst && index <= detail::kNvSplitLast) {
      const std::uint32_t cont = index + kNvContinuationOffset;
      auto cont_exists = handle_exists(cont);
      if (!cont_exists) return cont_exists.error();
      if (*cont_exists) {
        auto rest = read_index(cont);
        if (!rest) return rest;
        data->insert(data->end(), rest->begin(), rest->end());
      }
    }
    return data;
  }

 private:
  // Starts swtpm on (port, port + 1) and waits until it accepts connections.
  Status launch(const std::string& swtpm, std::uint16_t port) {
    const fs::path log = state_dir_ / "swtpm.log";
    const std::string p = std::to_string(port), c = std::to_string(port + 1);
    pid_ = spawn(
        {swtpm, "socket", "--tpm2", "--tpmstate", "dir=" + state_dir_.string(), "--server",
         "type=tcp,port=" + p + ",bindaddr=127.0.0.1", "--ctrl", "type=tcp,port=" + c + ",bindaddr=127.0.0.1",
         "--flags", "not-need-init,startup-clear", "--log", "file=" + log.string() + ",level=1"},
        log);
    if (pid_ < 0) return unavailable("cannot start " + swtpm + ": " + std::strerror(errno));
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return unavailable("swtpm exited at start (status " + std::to_string(status) + "): " + tail_of(log));
      }
      if (const int fd = loopback_socket(port, false); fd >= 0) {
        ::close(fd);
        // Another process's swtpm may hold the port we were given (a race between picking and binding):
        // ours then exits at once, so make sure it is still running.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return unavailable("swtpm exited at start (status " + std::to_string(status) +
                             "): " + tail_of(log));
        }
        return ok_status();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop_child(pid_);
    pid_ = -1;
    return unavailable("swtpm did not accept connections on 127.0.0.1:" + p +
                       " within 10 s: " + tail_of(log));
  }

  Status connect(std::uint16_t port) {
    const std::string conf = "host=127.0.0.1,port=" + std::to_string(port);
    size_t size = 0;
    TSS2_RC rc = Tss2_Tcti_Swtpm_Init(nullptr, &size, conf.c_str());
    if (rc != TSS2_RC_SUCCESS) return tpm_error("Tss2_Tcti_Swtpm_Init", rc);
    tcti_ = static_cast<TSS2_TCTI_CONTEXT*>(std::calloc(1, size));
    if (!tcti_) return make_error("azure.tpm_error", "out of memory for the TCTI");
    rc = Tss2_Tcti_Swtpm_Init(tcti_, &size, conf.c_str());
    if (rc != TSS2_RC_SUCCESS) {
      std::free(tcti_);
      tcti_ = nullptr;
      return tpm_error("Tss2_Tcti_Swtpm_Init(" + conf + ")", rc);
    }
    rc = Esys_Initialize(&esys_, tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("Esys_Initialize", rc);

    if (auto s = read_limits(); !s) return s;
    auto ek = read_public(kEkHandle);
    if (!ek) return ek.error();
    ek_pub_ = *ek;
    if (auto s = ensure_ak(); !s) return s;
    return ok_status();
  }

  Status read_limits() {
    for (const TPM2_PT property : {TPM2_PT_NV_INDEX_MAX, TPM2_PT_NV_BUFFER_MAX}) {
      TPMI_YES_NO more = 0;
      TPMS_CAPABILITY_DATA* data_raw = nullptr;
      const TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                            TPM2_CAP_TPM_PROPERTIES, property, 1, &more, &data_raw);
      EsysPtr<TPMS_CAPABILITY_DATA> data(data_raw);
      if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_GetCapability(TPM_PROPERTIES)", rc);
      const auto& props = data->data.tpmProperties;
      if (props.count == 0 || props.tpmProperty[0].property != property)
        return make_error("azure.tpm_error", "the TPM does not report property " + detail::hex32(property));
      const std::size_t value = props.tpmProperty[0].value;
      if (property == TPM2_PT_NV_INDEX_MAX) nv_index_max_ = std::min(value, kTpmNvIndexMax);
      if (property == TPM2_PT_NV_BUFFER_MAX) nv_buffer_max_ = std::min(value, kTpmNvBufferMax);
    }
    if (nv_index_max_ == 0 || nv_buffer_max_ == 0)
      return make_error("azure.tpm_error", "the TPM reports no NV index or NV buffer size");
    return ok_status();
  }

  Result<bool> handle_exists(std::uint32_t handle) {
    TPMI_YES_NO more = 0;
    TPMS_CAPABILITY_DATA* data_raw = nullptr;
    const TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                                          handle, 1, &more, &data_raw);
    EsysPtr<TPMS_CAPABILITY_DATA> data(data_raw);
    if (rc != TSS2_RC_SUCCESS)
      return tpm_error("TPM2_GetCapability(HANDLES " + detail::hex32(handle) + ")", rc);
    return data->data.handles.count > 0 && data->data.handles.handle[0] == handle;
  }

  // An ESYS_TR for a TPM handle, closed when it goes out of scope.
  class Tr {
   public:
    Tr(ESYS_CONTEXT* ctx, ESYS_TR tr) : ctx_(ctx), tr_(tr) {}
    ~Tr() {
      if (tr_ != ESYS_TR_NONE) Esys_TR_Close(ctx_, &tr_);
    }
    Tr(const Tr&) = delete;
    Tr& operator=(const Tr&) = delete;
    ESYS_TR get() const { return tr_; }
    void release() { tr_ = ESYS_TR_NONE; }  // the TPM object is gone and ESYS freed the handle

   private:
    ESYS_CONTEXT* ctx_;
    ESYS_TR tr_;
  };

  Result<std::unique_ptr<Tr>> from_tpm(std::uint32_t handle) {
    ESYS_TR tr = ESYS_TR_NONE;
    const TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("Esys_TR_FromTPMPublic(" + detail::hex32(handle) + ")", rc);
    return std::make_unique<Tr>(esys_, tr);
  }

  static Result<Key> key_of(const TPM2B_PUBLIC& pub, std::uint32_t handle) {
    if (pub.publicArea.type != TPM2_ALG_RSA || pub.publicArea.parameters.rsaDetail.keyBits != 2048)
      return make_error("azure.tpm_error", detail::hex32(handle) + " is not an RSA-2048 key");
    const auto& n = pub.publicArea.unique.rsa;
    return detail::rsa_public_key(ByteView(n.buffer, n.size), pub.publicArea.parameters.rsaDetail.exponent);
  }

  Result<Key> read_public(std::uint32_t handle) {
    auto tr = from_tpm(handle);
    if (!tr) return tr.error();
    TPM2B_PUBLIC* pub_raw = nullptr;
    TPM2B_NAME* name_raw = nullptr;
    TPM2B_NAME* qname_raw = nullptr;
    const TSS2_RC rc = Esys_ReadPublic(esys_, (*tr)->get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       &pub_raw, &name_raw, &qname_raw);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_NAME> name(name_raw), qname(qname_raw);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_ReadPublic(" + detail::hex32(handle) + ")", rc);
    return key_of(*pub, handle);
  }

  // The AK at 0x81000003: loaded when persisted, else created as an endorsement-hierarchy primary and
  // persisted (see azure/vtpm.h for why a primary).
  Status ensure_ak() {
    auto exists = handle_exists(kAkHandle);
    if (!exists) return exists.error();
    if (!*exists) {
      TPM2B_SENSITIVE_CREATE sensitive{};
      TPM2B_PUBLIC in_public{};
      auto& area = in_public.publicArea;
      area.type = TPM2_ALG_RSA;
      area.nameAlg = TPM2_ALG_SHA256;
      area.objectAttributes = kAkObjectAttributes;
      area.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
      area.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
      area.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
      area.parameters.rsaDetail.keyBits = 2048;
      area.parameters.rsaDetail.exponent = 0;
      TPM2B_DATA outside{};
      TPML_PCR_SELECTION creation_pcr{};
      ESYS_TR handle = ESYS_TR_NONE;
      TPM2B_PUBLIC* out_pub = nullptr;
      TPM2B_CREATION_DATA* creation_data = nullptr;
      TPM2B_DIGEST* creation_hash = nullptr;
      TPMT_TK_CREATION* ticket = nullptr;
      TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                      ESYS_TR_NONE, &sensitive, &in_public, &outside, &creation_pcr, &handle,
                                      &out_pub, &creation_data, &creation_hash, &ticket);
      EsysPtr<TPM2B_PUBLIC> p1(out_pub);
      EsysPtr<TPM2B_CREATION_DATA> p2(creation_data);
      EsysPtr<TPM2B_DIGEST> p3(creation_hash);
      EsysPtr<TPMT_TK_CREATION> p4(ticket);
      if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_CreatePrimary(AK, endorsement hierarchy)", rc);
      ESYS_TR persisted = ESYS_TR_NONE;
      rc = Esys_EvictControl(esys_, ESYS_TR_RH_OWNER, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                             kAkHandle, &persisted);
      const TSS2_RC flush_rc = Esys_FlushContext(esys_, handle);
      if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_EvictControl(AK -> 0x81000003)", rc);
      if (flush_rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_FlushContext(AK)", flush_rc);
      Esys_TR_Close(esys_, &persisted);
    }
    auto key = read_public(kAkHandle);
    if (!key) return key.error();
    ak_pub_ = *key;
    const TSS2_RC rc =
        Esys_TR_FromTPMPublic(esys_, kAkHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak_);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("Esys_TR_FromTPMPublic(0x81000003)", rc);
    return ok_status();
  }

  Status undefine(std::uint32_t index) {
    auto tr = from_tpm(index);
    if (!tr) return tr.error();
    const TSS2_RC rc = Esys_NV_UndefineSpace(esys_, ESYS_TR_RH_OWNER, (*tr)->get(), ESYS_TR_PASSWORD,
                                             ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_NV_UndefineSpace(" + detail::hex32(index) + ")", rc);
    (*tr)->release();
    return ok_status();
  }

  Result<std::size_t> index_size(std::uint32_t index, ESYS_TR tr) {
    TPM2B_NV_PUBLIC* pub_raw = nullptr;
    TPM2B_NAME* name_raw = nullptr;
    const TSS2_RC rc =
        Esys_NV_ReadPublic(esys_, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub_raw, &name_raw);
    EsysPtr<TPM2B_NV_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_NAME> name(name_raw);
    if (rc != TSS2_RC_SUCCESS) return tpm_error("TPM2_NV_ReadPublic(" + detail::hex32(index) + ")", rc);
    return static_cast<std::size_t>(pub->nvPublic.dataSize);
  }

  // Defines `index` with exactly data.size() bytes (undefining it first when it has another size), then
  // writes it in chunks of at most TPM2_PT_NV_BUFFER_MAX.
  Status write_index(std::uint32_t index, ByteView data) {
    auto exists = handle_exists(index);
    if (!exists) return exists.error();
    std::unique_ptr<Tr> tr;
    if (*exists) {
      auto t = from_tpm(index);
      if (!t) return t.error();
      auto size = index_size(index, (*t)->get());
      if (!size) return size.error();
      if (*size == data.size()) {
        tr = std::move(*t);
      } else {
        t->reset();
        if (auto s = undefine(index); !s) return s;
      }
    }
    if (!tr) {
      TPM2B_AUTH auth{};
      TPM2B_NV_PUBLIC info{};
      info.nvPublic.nvIndex = index;
      info.nvPublic.nameAlg = TPM2_ALG_SHA256;
      info.nvPublic.attributes =
          TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD;
      info.nvPublic.dataSize = static_cast<UINT16>(data.size());
      ESYS_TR handle = ESYS_TR_NONE;
      const TSS2_RC rc = Esys_NV_DefineSpace(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                             ESYS_TR_NONE, &auth, &info, &handle);
      if (rc != TSS2_RC_SUCCESS)
        return tpm_error(
            "TPM2_NV_DefineSpace(" + detail::hex32(index) + ", " + std::to_string(data.size()) + " bytes)",
            rc);
      tr = std::make_unique<Tr>(esys_, handle);
    }
    for (std::size_t off = 0; off < data.size(); off += nv_buffer_max_) {
      const std::size_t n = std::min(nv_buffer_max_, data.size() - off);
      TPM2B_MAX_NV_BUFFER chunk{};
      chunk.size = static_cast<UINT16>(n);
      std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(off), n, chunk.buffer);
      const TSS2_RC rc = Esys_NV_Write(esys_, ESYS_TR_RH_OWNER, tr->get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                       ESYS_TR_NONE, &chunk, static_cast<UINT16>(off));
      if (rc != TSS2_RC_SUCCESS)
        return tpm_error("TPM2_NV_Write(" + detail::hex32(index) + ", offset " + std::to_string(off) + ")",
                         rc);
    }
    return ok_status();
  }

  Result<Bytes> read_index(std::uint32_t index) {
    auto tr = from_tpm(index);
    if (!tr) return tr.error();
    auto size = index_size(index, (*tr)->get());
    if (!size) return size.error();
    Bytes out;
    out.reserve(*size);
    for (std::size_t off = 0; off < *size; off += nv_buffer_max_) {
      const std::size_t n = std::min(nv_buffer_max_, *size - off);
      TPM2B_MAX_NV_BUFFER* chunk_raw = nullptr;
      const TSS2_RC rc =
          Esys_NV_Read(esys_, ESYS_TR_RH_OWNER, (*tr)->get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                       static_cast<UINT16>(n), static_cast<UINT16>(off), &chunk_raw);
      EsysPtr<TPM2B_MAX_NV_BUFFER> chunk(chunk_raw);
      if (rc != TSS2_RC_SUCCESS)
        return tpm_error("TPM2_NV_Read(" + detail::hex32(index) + ", offset " + std::to_string(off) + ")",
                         rc);
      out.insert(out.end(), chunk->buffer, chunk->buffer + chunk->size);
    }
    return out;
  }

  fs::path state_dir_;
  pid_t pid_ = -1;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
  ESYS_TR ak_ = ESYS_TR_NONE;
  Key ak_pub_;
  Key ek_pub_;
  std::size_t nv_index_max_ = 0;
  std::size_t nv_buffer_max_ = 0;
};

}  // namespace

std::string find_swtpm_binary(const std::string& name) {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty()) dirs.emplace_back(dir);
  }
  dirs.emplace_back("/usr/bin");
  dirs.emplace_back("/usr/local/bin");
  for (const auto& d : dirs)
    if (is_executable(d / name)) return (d / name).string();
  return {};
}

Result<std::unique_ptr<Vtpm>> start_swtpm_vtpm(const std::filesystem::path& state_dir) {
  auto vtpm = std::make_unique<SwtpmVtpm>();
  if (auto s = vtpm->start(state_dir); !s) return s.error();
  return std::unique_ptr<Vtpm>(std::move(vtpm));
}

}  // namespace coco::azure
