// Detached containers' stdin and attach, as docker and docker compose do them:
// `run -d SERVICE cat` keeps running, `lit attach` / `lit container attach`
// stream the container's output as it arrives, forward input, and exit with
// the container's exit code; `-t` gives a detached container a terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

class AttachTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(R"(name: shop
services:
  job:
    image: localhost/lit-test:latest
    command: ["cat"]
)");
  }

  // `lit run -d ARGS...`: the one-off's id.
  std::string run_detached(const std::vector<std::string>& args) {
    std::vector<std::string> full{"run", "-d"};
    full.insert(full.end(), args.begin(), args.end());
    Result r = project(full);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out_lines().empty() ? "" : r.out_lines()[0].substr(0, 12);
  }

  std::string state_of(const std::string& id) {
    for (const auto& [name, j] : ps_all())
      if (j.at("ID") == id) return j.at("State");
    return "";
  }
};

TEST_F(AttachTest, RunDetachedKeepsTheOneOffsStdinOpen) {
  std::string id = run_detached({"-T", "job", "cat"});
  ASSERT_FALSE(id.empty());
  // cat reads a stdin that stays open: it is still running a while later.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(state_of(id), "running") << project({"ps", "-a"});
  // -i=false: stdin is /dev/null, as compose's, and cat is done at once.
  std::string closed = run_detached({"-T", "--interactive=false", "job", "cat"});
  EXPECT_TRUE(eventually([&] { return state_of(closed) == "exited"; }, 10s))
      << project({"ps", "-a"});
}

TEST_F(AttachTest, AttachForwardsInputAndEndsWithTheContainersExitCode) {
  std::string id = run_detached({"-T", "job", "sh", "-c", "read x; echo got:$x; exit 3"});
  ASSERT_FALSE(id.empty());
  RunOptions o;
  o.stdin_data = "hello\n";
  o.timeout = 30s;
  Result r = project({"attach", "job"}, {}, o);
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "got:hello\n") << r;
  // The exit is recorded by the time attach returns.
  EXPECT_EQ(state_of(id), "exited");
}

TEST_F(AttachTest, EndOfInputClosesTheOneOffsStdin) {
  // compose's one-offs are StdinOnce: the attached client's end of input is cat's.
  std::string id = run_detached({"-T", "job"});
  ASSERT_FALSE(id.empty());
  RunOptions o;
  o.stdin_data = "hello\nworld\n";
  o.timeout = 30s;
  Result r = lit({"container", "attach", id}, o);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "hello\nworld\n") << r;
  EXPECT_EQ(state_of(id), "exited");
}

TEST_F(AttachTest, AttachShowsNewOutputAndNoStdinSendsNothing) {
  write(R"(name: shop
services:
  ticker:
    image: localhost/lit-test:latest
    stdin_open: true
    command: ["sh", "-c", "i=0; while :; do echo line$$i; i=$$((i+1)); sleep 0.1; done"]
  reader:
    image: localhost/lit-test:latest
    stdin_open: true
    command: ["cat"]
)");
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  // Attach once the ticker has been going for a while: only what comes next is shown.
  ASSERT_TRUE(eventually(
      [&] {
        return project({"logs", "ticker"}).out.find("line3\n") != std::string::npos;
      },
      10s));
  RunOptions o;
  o.timeout = 30s;
  bool stopped = false;
  o.on_stdout = [&](pid_t, const std::string& out) {
    size_t lines = std::count(out.begin(), out.end(), '\n');
    if (lines >= 5 && !stopped) {
      stopped = true;
      lit({"container", "kill", "shop-ticker-1"});
    }
  };
  Result r = project({"attach", "--no-stdin", "ticker"}, {}, o);
  EXPECT_EQ(r.exit_code, 137) << r;
  EXPECT_EQ(r.out.find("line0\n"), std::string::npos) << r;
  EXPECT_GE(r.out_lines().size(), 5u) << r;
  for (const auto& line : r.out_lines()) EXPECT_TRUE(line.starts_with("line")) << r;

  // The service's stdin_open container is not StdinOnce: the end of an
  // attach's input leaves cat running...
  o = {};
  o.stdin_data = "hello\n";
  o.timeout = 30s;
  o.on_stdout = [&](pid_t, const std::string& out) {
    if (out == "hello\n") lit({"container", "kill", "shop-reader-1"});
  };
  r = project({"attach", "reader"}, {}, o);
  EXPECT_EQ(r.exit_code, 137) << r;
  EXPECT_EQ(r.out, "hello\n") << r;
  // ...and --no-stdin sends it nothing: attach streams until it is stopped.
  ASSERT_EQ(project({"start", "reader"}).exit_code, 0);
  o = {};
  o.stdin_data = "not for cat\n";
  o.timeout = 2s;
  r = project({"attach", "--no-stdin", "reader"}, {}, o);
  EXPECT_TRUE(r.timed_out) << r;
  EXPECT_EQ(r.out, "") << r;
  EXPECT_EQ(states().at("shop-reader-1"), "running");
}

TEST_F(AttachTest, AttachRefusesAStoppedContainer) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_EQ(project({"stop", "-t", "1"}).exit_code, 0);
  expect_lit_error(project({"attach", "job"}), "service \"job\" is not running");
  std::string id = ids().at("job");
  Result r = lit({"container", "attach", id});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_EQ(r.err, "lit: cannot attach to a stopped container, start it first\n") << r;
}

TEST_F(AttachTest, SignalsToAttachGoToTheContainer) {
  std::string id =
      run_detached({"-T", "job", "sh", "-c",
                    "trap 'echo got-int; exit 5' INT; while :; do echo tick; sleep 0.2; done"});
  ASSERT_FALSE(id.empty());
  // --sig-proxy (the default): Ctrl-C on attach is the container's SIGINT.
  RunOptions o;
  o.timeout = 30s;
  bool sent = false;
  o.on_stdout = [&](pid_t pid, const std::string& out) {
    if (!sent && out.find("tick\n") != std::string::npos) sent = ::kill(pid, SIGINT) == 0;
  };
  Result r = project({"attach", "--no-stdin", "job"}, {}, o);
  EXPECT_TRUE(sent);
  EXPECT_EQ(r.exit_code, 5) << r;
  EXPECT_TRUE(r.out.ends_with("tick\ngot-int\n")) << r;
}

// `lit container attach` on a terminal: what is typed reaches the
// container's terminal, ctrl-p ctrl-q leaves it running.
class TerminalSession {
 public:
  explicit TerminalSession(const std::vector<std::string>& argv) {
    winsize ws{24, 80, 0, 0};
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~TerminalSession() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  void type(const std::string& keys) { (void)!::write(master_, keys.data(), keys.size()); }
  // Reads until `text` was seen (true) or 10 s passed.
  bool wait_for(const std::string& text) {
    return eventually(
        [&] {
          pollfd p{master_, POLLIN, 0};
          ::poll(&p, 1, 50);
          char buf[4096];
          ssize_t n = ::read(master_, buf, sizeof buf);
          if (n > 0) seen_.append(buf, static_cast<size_t>(n));
          return seen_.find(text) != std::string::npos;
        },
        10s);
  }
  int exit_code() {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  const std::string& seen() const { return seen_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::string seen_;
};

using AttachTtyTest = RunTest;

TEST_F(AttachTtyTest, DetachedContainerWithATerminal) {
  std::string id = detach_sh("tty; [ -t 0 ] && [ -t 1 ] && echo terminal; exec sleep 600", {"-t"});
  ASSERT_FALSE(id.empty());
  // The shim holds the master and logs what the container writes to its terminal.
  EXPECT_TRUE(eventually(
      [&] {
        return lit({"container", "logs", id}).out == "/dev/pts/0\r\nterminal\r\n";
      },
      10s))
      << lit({"container", "logs", id});
  // Without -i, attach takes its output only, and streams until it is stopped.
  RunOptions o;
  o.timeout = 2s;
  Result r = lit({"container", "attach", id}, o);
  EXPECT_TRUE(r.timed_out) << r;
  // With -i and a pipe for input, attach refuses as docker does.
  std::string interactive = detach_sh("exec sleep 600", {"-t", "-i"});
  r = lit({"container", "attach", interactive});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_EQ(r.err_lines().at(0), "lit: the input device is not a TTY") << r;
  EXPECT_EQ(lit({"container", "rm", "-f", id, interactive}).exit_code, 0);
}

TEST_F(AttachTtyTest, AttachOnATerminalTypesAndDetachesWithTheKeys) {
  std::string id = detach_sh("while read line; do echo echo:$line; done", {"-t", "-i"});
  ASSERT_FALSE(id.empty());
  {
    TerminalSession term({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                          "container", "attach", id});
    std::this_thread::sleep_for(300ms);  // connected (typing earlier would reach it too)
    term.type("hi\r");
    EXPECT_TRUE(term.wait_for("echo:hi")) << term.seen();
    term.type("\x10\x11");  // ctrl-p ctrl-q
    EXPECT_TRUE(term.wait_for("read escape sequence")) << term.seen();
    EXPECT_EQ(term.exit_code(), 1);
  }
  EXPECT_NE(lit({"container", "ls", "-q", "--no-trunc"}).out.find(id), std::string::npos);
  // --detach-keys: another sequence.
  {
    TerminalSession term({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                          "container", "attach", "--detach-keys", "ctrl-a,x", id});
    std::this_thread::sleep_for(300ms);
    term.type(
        "\x10\x11"
        "again\r");  // not the keys now: typed as text
    EXPECT_TRUE(term.wait_for("again")) << term.seen();
    term.type("\x01x");
    EXPECT_TRUE(term.wait_for("read escape sequence")) << term.seen();
    EXPECT_EQ(term.exit_code(), 1);
  }
  EXPECT_EQ(lit({"container", "rm", "-f", id}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
