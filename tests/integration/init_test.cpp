// --init: lit-init is the container's PID 1, reaps orphans, passes SIGTERM on
// and keeps the command's exit status; without it the differences show.
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

using Clock = std::chrono::steady_clock;

class InitTest : public RunTest {
 protected:
  void start(const std::string& name, std::vector<std::string> flags, const std::string& script) {
    std::vector<std::string> args{"-d", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {kTestImage, "sh", "-c", script});
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // Process states and names inside the container ("S init", "Z sleep"...).
  std::string states(const std::string& name) {
    return lit({"container", "exec", name, "ps", "-o", "stat,comm"}).out;
  }

  int exit_code(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    if (r.exit_code != 0) return -1000;
    return nlohmann::json::parse(r.out).at(0)["state"]["exit_code"].get<int>();
  }

  void remove(const std::string& name) {
    Result r = lit({"container", "rm", "-f", name});
    EXPECT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(InitTest, Pid1IsLitInitAndExitCodesAreKept) {
  Result r = sh("cat /proc/1/cmdline; exit 3", {"--init"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out.rfind(std::string("/dev/init\0--\0sh\0-c\0", 19), 0), 0u) << r;
  EXPECT_EQ(sh("kill -9 $$", {"--init"}).exit_code, 137);
  Result missing = run({"--rm", "--init", kTestImage, "no-such-command"});
  EXPECT_EQ(missing.exit_code, 127) << missing;
  EXPECT_TRUE(contains_line_with(missing.err, {"no-such-command"})) << missing;
  Result ro = sh("echo x > /dev/init", {"--init"});
  EXPECT_NE(ro.exit_code, 0) << "lit-init is writable inside the container\n" << ro;
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(InitTest, OrphanedZombiesAreReaped) {
  // The subshell exits at once; its sleep is orphaned and exits 0.1 s later.
  const std::string script = "(sleep 0.1 &); exec sleep 100";
  start("plain", {}, script);
  start("inited", {"--init"}, script);
  // Without an init, PID 1 is `sleep`, which never waits: the orphan stays a zombie.
  EXPECT_TRUE(eventually([&] {
    return contains_line_with(states("plain"), {"Z", "sleep"});
  })) << states("plain");
  std::string with_init = states("inited");
  EXPECT_TRUE(contains_line_with(with_init, {"init"})) << with_init;
  EXPECT_FALSE(contains_line_with(with_init, {"Z "})) << with_init;
  // A detached exec is adopted, and reaped, by lit-init as well.
  // It writes its pid; once it has exited, its /proc entry goes only if it was reaped.
  ASSERT_EQ(
      lit({"container", "exec", "-d", "inited", "sh", "-c", "echo $$ > /tmp/exec.pid"}).exit_code,
      0);
  EXPECT_TRUE(eventually([&] {
    return lit({"container", "exec", "inited", "sh", "-c",
                "test -s /tmp/exec.pid && ! test -e /proc/$(cat /tmp/exec.pid)"})
               .exit_code == 0;
  })) << states("inited");
  with_init = states("inited");
  EXPECT_FALSE(contains_line_with(with_init, {"Z "})) << with_init;
  remove("plain");
  remove("inited");
}

TEST_F(InitTest, SigtermEndsTheContainer) {
  start("inited", {"--init"}, "exec sleep 100");
  auto t0 = Clock::now();
  Result stop = lit({"container", "stop", "-t", "20", "inited"});
  EXPECT_EQ(stop.exit_code, 0) << stop;
  EXPECT_LT(Clock::now() - t0, 5s) << "SIGTERM did not end the command under lit-init";
  EXPECT_EQ(exit_code("inited"), 143);
  // Without an init, the kernel shields PID 1 `sleep` from SIGTERM: only the SIGKILL ends it.
  start("plain", {}, "exec sleep 100");
  Result stop_plain = lit({"container", "stop", "-t", "1", "plain"});
  EXPECT_EQ(stop_plain.exit_code, 0) << stop_plain;
  EXPECT_EQ(exit_code("plain"), 137);
  remove("inited");
  remove("plain");
}

TEST_F(InitTest, MissingLitInitIsAClearError) {
  // A lit installed without its lit-init beside it.
  fs::path lonely = base_ / "bin" / "lit";
  fs::create_directories(lonely.parent_path());
  fs::copy_file(LIT_BINARY, lonely);
  Result r =
      run_process({lonely.string(), "--root", root_.string(), "--run-root", run_root_.string(),
                   "container", "run", "--rm", "--init", kTestImage, "true"});
  expect_lit_error(r, "lit-init");
  EXPECT_TRUE(container_ids().empty()) << "a container was created anyway";
}

}  // namespace
}  // namespace lit::test
