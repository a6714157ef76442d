// CVE-2019-5736 against lit: a container process reopens the executable of
// the lit process that enters the container (through /proc/PID/exe) and
// writes it once nothing runs it any more. The attack runs against a copy of
// lit's binaries in the test's directory, so a lit that falls for it damages
// only that copy, and the test compares them with the originals afterwards.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "runtime/process/sealed_exec.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

constexpr const char* kBinaries[] = {"lit", "lit-init", "lit-exec", "lit-shim", "lit-dns"};

// In the container: finds a process whose executable is not busybox (lit
// entering the container, or what it ran), holds that executable open and,
// once nothing runs it any more (no ETXTBSY), writes to it.
constexpr const char* kAttack = R"(#!/bin/sh
attack() {
  exec 3<"$1/exe" || return 1
  readlink "$1/exe" > /shared/seen
  while [ ! -e /shared/stop ]; do
    if (printf X 1<>/proc/self/fd/3) 2>/shared/err; then echo wrote > /shared/result; return 0; fi
    grep -q busy /shared/err || { cp /shared/err /shared/result; return 0; }
  done
}
while [ ! -e /shared/stop ]; do
  for d in /proc/[0-9]*; do
    x=$(readlink "$d/exe" 2>/dev/null) || continue
    case "$x" in ""|*busybox*) continue ;; esac
    if (attack "$d"); then
      while [ ! -e /shared/stop ]; do sleep 1; done
      exit 0
    fi
  done
done
)";

// Run as `lit exec ... /evil -u x --password-stdin`: the kernel runs the
// executable of the process that execs it, with "login /evil -u x
// --password-stdin": a lit that execs it itself becomes `lit login`, waiting
// for a password on stdin, and stays to be found. The trampoline (lit-exec),
// run that way, refuses at once (exit 126) instead of exec'ing /evil again.
constexpr const char* kEvil = "#!/proc/self/exe login\n";
constexpr const char* kLogin = "#!/bin/sh\ncat\nsleep 2\n";

// A process whose stdin is a pipe the test holds open.
struct HeldProcess {
  pid_t pid = -1;
  int in = -1;

  void close_stdin() {
    if (in >= 0) ::close(std::exchange(in, -1));
  }
  // Its exit code once it ended (bounded); -1 when it had to be killed.
  int wait() {
    int st = 0;
    bool done = eventually([&] { return ::waitpid(pid, &st, WNOHANG) == pid; }, 30s);
    if (!done) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
};

HeldProcess spawn_held(const std::vector<std::string>& args, const fs::path& log) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(p[0], 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[0]);
  return {pid, p[1]};
}

class ExeEscapeTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    load_test_image();
    bin_ = base_ / "bin";
    shared_ = base_ / "shared";
    ctx_ = base_ / "ctx";
    fs::create_directories(bin_);
    fs::create_directories(shared_);
    // LIT_ESCAPE_BIN_DIR: attack another build's binaries (one without the
    // fix shows the attack succeed: these tests then fail).
    const char* other = std::getenv("LIT_ESCAPE_BIN_DIR");
    const fs::path built = other && *other ? fs::path(other) : fs::path(LIT_BINARY).parent_path();
    for (const char* name : kBinaries) {
      if (!fs::exists(built / name)) continue;  // an older build: no lit-exec
      fs::copy_file(built / name, bin_ / name);
      originals_[name] = read_file(bin_ / name);
    }
  }

  // The copy of lit, on this test's state.
  std::vector<std::string> litc(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{(bin_ / "lit").string(), "--root", root_.string(), "--run-root",
                                  run_root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  void put(const std::string& rel, const std::string& content, fs::perms mode) {
    fs::create_directories((ctx_ / rel).parent_path());
    std::ofstream(ctx_ / rel, std::ios::binary) << content;
    fs::permissions(ctx_ / rel, mode);
  }

  // The busybox image with lit's shared libraries (so lit, run as an
  // interpreter inside it, really starts), the attacker and /evil.
  void build_image() {
    Result ldd = run_process({"ldd", (bin_ / "lit").string()});
    ASSERT_EQ(ldd.exit_code, 0) << ldd;
    std::istringstream words(ldd.out);
    for (std::string w; words >> w;) {
      if (w.starts_with("/") && fs::exists(w)) {
        fs::create_directories((ctx_ / "sys" / w.substr(1)).parent_path());
        fs::copy_file(w, ctx_ / "sys" / w.substr(1), fs::copy_options::overwrite_existing);
      }
    }
    const auto exe = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                     fs::perms::others_read | fs::perms::others_exec;
    put("attack.sh", kAttack, exe);
    put("evil", kEvil, exe);
    put("login", kLogin, exe);
    put("Containerfile",
        std::string("FROM ") + kTestImage +
            "\nCOPY sys/ /\nCOPY evil attack.sh /\n"
            "COPY login /usr/local/bin/login\n",
        fs::perms::owner_read | fs::perms::owner_write);
    RunOptions opts;
    opts.timeout = 90s;
    Result r = run_process(litc({"build", "-t", "localhost/escape-exe", ctx_.string()}), opts);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  void expect_binaries_intact() {
    for (const auto& [name, content] : originals_)
      EXPECT_TRUE(read_file(bin_ / name) == content)
          << name << " was overwritten from the container";
  }

  std::string shared(const std::string& name) const {
    return fs::exists(shared_ / name) ? read_file(shared_ / name) : "";
  }

  fs::path bin_, shared_, ctx_;
  std::map<std::string, std::string> originals_;
};

TEST_F(ExeEscapeTest, ExecOfProcSelfExeCannotOverwriteLitsBinaries) {
  build_image();
  if (HasFatalFailure()) return;
  Result started =
      run_process(litc({"container", "run", "-d", "--name", "victim", "-v",
                        shared_.string() + ":/shared", "localhost/escape-exe", "/attack.sh"}));
  ASSERT_EQ(started.exit_code, 0) << started;
  container_ids();

  HeldProcess exec = spawn_held(
      litc({"container", "exec", "-i", "victim", "/evil", "-u", "x", "--password-stdin"}),
      base_ / "exec.log");
  ASSERT_GT(exec.pid, 0);
  // A lit that runs /evil itself waits here, found by the attacker.
  const bool seen = eventually([&] { return fs::exists(shared_ / "seen"); }, 5s);
  exec.close_stdin();
  const int code = exec.wait();
  // Nothing runs what it holds now: the write is refused for good, or done.
  if (seen) {
    EXPECT_TRUE(eventually([&] { return fs::exists(shared_ / "result"); }, 20s));
  }
  std::ofstream(shared_ / "stop") << "";
  const std::string result = shared("result");
  const std::string log = read_file(base_ / "exec.log");

  EXPECT_EQ(result.find("wrote"), std::string::npos) << "the attack wrote " << shared("seen");
  if (seen) {
    EXPECT_TRUE(result.find("Read-only file system") != std::string::npos ||
                result.find("Operation not permitted") != std::string::npos)
        << "held " << shared("seen") << ", write: " << result;
  }
  EXPECT_EQ(code, 126) << log;
  EXPECT_NE(log.find("lit-exec: only lit runs this"), std::string::npos) << log;
  expect_binaries_intact();
  EXPECT_EQ(run_process(litc({"container", "rm", "-f", "victim"})).exit_code, 0);
}

// The same through the health-check path (lit-shim runs `lit __health`, which
// enters the container as exec does), probing every 300ms with stdin /dev/null.
TEST_F(ExeEscapeTest, HealthCheckOfProcSelfExeCannotOverwriteLitsBinaries) {
  build_image();
  if (HasFatalFailure()) return;
  put("compose.yaml",
      "name: esc\nservices:\n  victim:\n    image: localhost/escape-exe\n"
      "    command: /attack.sh\n    volumes: [\"" +
          shared_.string() +
          ":/shared\"]\n    healthcheck:\n      test: [\"CMD\", \"/evil\", \"-u\", "
          "\"x\", \"--password-stdin\"]\n      interval: 300ms\n",
      fs::perms::owner_read | fs::perms::owner_write);
  const std::string file = (ctx_ / "compose.yaml").string();
  Result up = run_process(litc({"-f", file, "up", "-d"}));
  ASSERT_EQ(up.exit_code, 0) << up;
  container_ids();
  // The probes fail (lit-exec refuses to run /evil: 126) and the container
  // turns unhealthy; the attacker races them for 5 s more. A lit that ran
  // /evil itself is found by the attacker within that time.
  EXPECT_TRUE(eventually(
      [&] {
        return run_process(litc({"container", "ls", "-a"})).out.find("(unhealthy)") !=
               std::string::npos;
      },
      30s))
      << run_process(litc({"container", "ls", "-a"}));
  eventually([&] { return fs::exists(shared_ / "result"); }, 5s);
  std::ofstream(shared_ / "stop") << "";
  const std::string result = shared("result");
  EXPECT_EQ(result.find("wrote"), std::string::npos) << "the attack wrote " << shared("seen");
  if (!result.empty()) {
    EXPECT_TRUE(result.find("Read-only file system") != std::string::npos ||
                result.find("Operation not permitted") != std::string::npos)
        << "held " << shared("seen") << ", write: " << result;
  }
  EXPECT_EQ(run_process(litc({"-f", file, "down", "-t", "1"})).exit_code, 0);
  expect_binaries_intact();
}

// What the container would reopen through /proc/PID/exe while lit-exec runs:
// the trampoline lit opens (a detached read-only mount of lit-exec, or a
// sealed copy) cannot be written, reopened as the attacker would.
TEST(ExecTrampoline, CannotBeOpenedForWriting) {
  if (::geteuid() != 0) GTEST_SKIP() << "root only (the read-only mount clone)";
  UniqueFd trampoline = runtime::open_exec_trampoline();
  ASSERT_TRUE(trampoline);
  const std::string via = "/proc/self/fd/" + std::to_string(trampoline.get());
  struct stat st {};
  ASSERT_EQ(::fstat(trampoline.get(), &st), 0);
  EXPECT_EQ(static_cast<std::uintmax_t>(st.st_size), fs::file_size(helper_executable("lit-exec")));
  UniqueFd w(::open(via.c_str(), O_WRONLY | O_CLOEXEC));
  if (w) {  // a sealed copy opens, but refuses the write
    EXPECT_LT(::write(w.get(), "X", 1), 0);
    EXPECT_EQ(errno, EPERM);
  } else {
    EXPECT_EQ(errno, EROFS) << std::strerror(errno);
  }
}

}  // namespace
}  // namespace lit::test
