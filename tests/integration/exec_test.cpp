// `lit container exec`: a process joins a running container (its namespaces,
// cgroup, user, env, cwd), its exit status and stdio reach the user, and bad
// targets give clear errors. Each test removes its containers with rm -f and
// ends with the sandbox's leak check.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

class ExecTest : public RunTest {
 protected:
  // `lit container run -d --name NAME FLAGS... IMAGE sh -c SCRIPT`
  void start(const std::string& name, const std::string& script,
             std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--name", name});
    ASSERT_FALSE(detach_sh(script, flags).empty());
  }

  Result exec(const std::vector<std::string>& args, const RunOptions& opts = {}) {
    std::vector<std::string> full{"container", "exec"};
    full.insert(full.end(), args.begin(), args.end());
    return lit(full, opts);
  }

  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }

  // The host pids in the container's cgroup (every controller's directory).
  std::set<pid_t> cgroup_members(const std::string& name) {
    Result id = lit({"container", "inspect", name});
    std::set<pid_t> pids;
    for (const auto& dir : lit_cgroup_dirs()) {
      if (id.out.find(dir.filename().string()) == std::string::npos) continue;
      for (pid_t p : cgroup_pids(dir)) pids.insert(p);
    }
    return pids;
  }
};

std::string cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  for (char& c : s) c = c == '\0' ? ' ' : c;
  return s;
}

TEST_F(ExecTest, SeesTheContainersPid1AndFiles) {
  start("web", "echo written-by-container > /tmp/note; exec sleep 100");
  Result pid1 = exec({"web", "cat", "/proc/1/cmdline"});
  EXPECT_EQ(pid1.exit_code, 0) << pid1;
  EXPECT_EQ(pid1.out, std::string("sleep\0"
                                  "100\0",
                                  10))
      << pid1;
  Result file =
      exec({"web", "sh", "-c", "while ! test -e /tmp/note; do sleep 0.05; done; cat /tmp/note"});
  EXPECT_EQ(file.exit_code, 0) << file;
  EXPECT_EQ(file.out, "written-by-container\n") << file;
  // Same hostname and pid namespace: it is the next process in there, not PID 1.
  Result ns = exec({"web", "sh", "-c", "hostname; echo $$"});
  ASSERT_EQ(ns.out_lines().size(), 2u) << ns;
  Result host = lit({"container", "inspect", "web"});
  EXPECT_NE(host.out.find(ns.out_lines()[0]), std::string::npos)
      << "hostname is not the id prefix\n"
      << ns;
  EXPECT_NE(ns.out_lines()[1], "1") << ns;
  remove("web");
}

TEST_F(ExecTest, ExitStatusPropagates) {
  start("codes", "exec sleep 100");
  EXPECT_EQ(exec({"codes", "sh", "-c", "exit 7"}).exit_code, 7);
  EXPECT_EQ(exec({"codes", "true"}).exit_code, 0);
  Result missing = exec({"codes", "no-such-command"});
  EXPECT_EQ(missing.exit_code, 127) << missing;
  EXPECT_TRUE(contains_line_with(missing.err, {"lit: ", "no-such-command"})) << missing;
  Result not_exec = exec({"codes", "/etc/passwd"});
  EXPECT_EQ(not_exec.exit_code, 126) << not_exec;
  remove("codes");
}

TEST_F(ExecTest, EnvWorkdirAndUser) {
  start("who", "exec sleep 100", {"-u", "65534", "-w", "/data", "-e", "FROM_RUN=run"});
  // Without flags: the container's own user, working directory and environment.
  Result dflt = exec({"who", "sh", "-c", "id -u; pwd; echo $FROM_RUN $LIT_IMAGE_VAR"});
  EXPECT_EQ(dflt.exit_code, 0) << dflt;
  EXPECT_EQ(dflt.out, "65534\n/data\nrun from-image\n") << dflt;
  Result set = exec({"-u", "app", "-w", "/tmp", "-e", "FROM_RUN=exec", "-e", "NEW=1", "who", "sh",
                     "-c", "id -u; id -g; pwd; echo $FROM_RUN $NEW $HOME"});
  EXPECT_EQ(set.exit_code, 0) << set;
  EXPECT_EQ(set.out, "1000\n1000\n/tmp\nexec 1 /home/app\n") << set;
  Result bad_user = exec({"-u", "nobody-here", "who", "true"});
  expect_lit_error(bad_user, "nobody-here");
  Result bad_dir = exec({"-w", "/no/such/dir", "who", "true"});
  expect_lit_error(bad_dir, "/no/such/dir");
  remove("who");
}

TEST_F(ExecTest, SameSecurityAsTheContainer) {
  start("caps", "exec sleep 100", {"--cap-drop", "ALL", "--security-opt", "no-new-privileges"});
  Result r = exec(
      {"caps", "sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"CapEff:", "0000000000000000"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"CapBnd:", "0000000000000000"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"NoNewPrivs:", "1"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Seccomp:", "2"})) << r;
  remove("caps");
}

TEST_F(ExecTest, JoinsTheContainersCgroup) {
  start("cg", "exec sleep 100");
  // Inside: the root of its cgroup namespace, i.e. the container's cgroup.
  Result self = exec({"cg", "cat", "/proc/self/cgroup"});
  ASSERT_EQ(self.exit_code, 0) << self;
  for (const auto& line : self.out_lines()) EXPECT_TRUE(line.ends_with(":/")) << self;
  // From the host: a detached exec is among the cgroup's processes.
  Result d = exec({"-d", "cg", "sleep", "77"});
  ASSERT_EQ(d.exit_code, 0) << d;
  EXPECT_EQ(d.out, "") << d;
  bool found = false;
  for (auto deadline = Clock::now() + 5s; !found && Clock::now() < deadline;) {
    for (pid_t p : cgroup_members("cg")) found = found || cmdline(p) == "sleep 77 ";
    if (!found) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(found) << "exec -d's process is not in the container's cgroup";
  Result ps = exec({"cg", "ps", "-o", "pid,ppid,comm"});
  EXPECT_TRUE(contains_line_with(ps.out, {" 1 ", "sleep"}))
      << "not adopted by the container's init\n"
      << ps;
  remove("cg");
}

TEST_F(ExecTest, StdinOnlyWithInteractive) {
  start("io", "exec sleep 100");
  RunOptions opts;
  opts.stdin_data = "typed line\n";
  Result with = exec({"-i", "io", "cat"}, opts);
  EXPECT_EQ(with.exit_code, 0) << with;
  EXPECT_EQ(with.out, "typed line\n") << with;
  Result without = exec({"io", "cat"}, opts);
  EXPECT_EQ(without.exit_code, 0) << without;
  EXPECT_EQ(without.out, "") << "stdin reached the process without -i\n" << without;
  Result both = exec({"io", "sh", "-c", "echo out; echo err >&2"});
  EXPECT_EQ(both.out, "out\n") << both;
  EXPECT_EQ(both.err, "err\n") << both;
  remove("io");
}

TEST_F(ExecTest, TerminalWithTty) {
  start("tty", "exec sleep 100");
  std::vector<std::string> argv{LIT_BINARY,
                                "--root",
                                root_.string(),
                                "--run-root",
                                run_root_.string(),
                                "container",
                                "exec",
                                "-t",
                                "tty",
                                "sh",
                                "-c",
                                "stty size; test -t 0 && echo stdin-is-tty; echo $TERM"};
  Result r = run_on_pty(argv, 33, 99, 30s);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("33 99"), std::string::npos) << r;
  EXPECT_NE(r.out.find("stdin-is-tty"), std::string::npos) << r;
  EXPECT_NE(r.out.find("xterm"), std::string::npos) << r;
  remove("tty");
}

TEST_F(ExecTest, SigtermToLitReachesTheProcess) {
  start("sig", "exec sleep 100");
  RunOptions opts;
  bool sent = false;
  opts.timeout = 30s;
  opts.on_stdout = [&](pid_t pid, const std::string& out) {
    if (!sent && out.find("ready") != std::string::npos) {
      kill(pid, SIGTERM);
      sent = true;
    }
  };
  Result r =
      exec({"sig", "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; sleep 100 & wait"},
           opts);
  EXPECT_TRUE(sent) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 42) << r;
  EXPECT_NE(r.out.find("got-term"), std::string::npos) << r;
  remove("sig");
}

TEST_F(ExecTest, UnknownContainer) {
  Result r = exec({"nope", "true"});
  expect_lit_error(r, "no such container: nope");
}

TEST_F(ExecTest, StoppedContainer) {
  ASSERT_EQ(run({"--name", "done", kTestImage, "true"}).exit_code, 0);
  Result r = exec({"done", "true"});
  expect_lit_error(r, "container done is not running");
  ASSERT_EQ(r.err_lines().size(), 2u) << "no hint\n" << r;
  EXPECT_NE(r.err_lines()[1].find("lit container start done"), std::string::npos) << r;
  EXPECT_EQ(lit({"container", "rm", "done"}).exit_code, 0);
}

TEST_F(ExecTest, AmbiguousIdPrefix) {
  // 17 ids share a first hex digit for sure; usually a handful does.
  char shared = 0;
  for (int i = 0; i < 17 && !shared; ++i) {
    ASSERT_EQ(run({kTestImage, "true"}).exit_code, 0);
    std::map<char, int> first;
    for (const auto& id : container_ids())
      if (++first[id[0]] == 2) shared = id[0];
  }
  ASSERT_NE(shared, 0);
  Result r = exec({std::string(1, shared), "true"});
  expect_lit_error(r, "is ambiguous");
  for (const auto& id : container_ids()) EXPECT_EQ(lit({"container", "rm", id}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
