// run_foreground against a real busybox rootfs (root only); the pure helpers it
// uses are unit-tested in tests/unit/runtime/{rootfs,spec,process}/.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/process/run.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

namespace fs = std::filesystem;

// A busybox rootfs in two layers, a bundle, and stdout captured to a file.
class RunCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, mounts, cgroups)";
    if (!fs::exists("/bin/busybox")) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
    dir_.emplace(fs::temp_directory_path(), "lit-run-test-");
    fs::path base = dir_->path();
    fs::create_directories(base / "l1/bin");
    fs::copy_file("/bin/busybox", base / "l1/bin/busybox");
    for (const char* a :
         {"sh", "cat", "echo", "hostname", "ps", "sleep", "touch", "ls", "mount", "wc"}) {
      fs::create_symlink("busybox", base / "l1/bin" / a);
    }
    fs::create_directories(base / "l2");
    std::ofstream(base / "l2/hello") << "from layer 2\n";
    fs::create_directories(base / "bundle");
    spec_.id = "test" + std::to_string(::getpid()) + std::to_string(++counter_);
    spec_.name = "run-test";
    spec_.hostname = "boxy";
    spec_.layers = {base / "l1", base / "l2"};
    spec_.bundle = base / "bundle";
    spec_.process.env = {"PATH=/bin"};
  }

  // Runs `sh -c script`, returning the status and filling out_ with its stdout.
  ExitStatus run_sh(const std::string& script, const RunHooks& hooks = {}) {
    spec_.process.args = {"sh", "-c", script};
    fs::path out = dir_->path() / "stdout";
    UniqueFd file(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    UniqueFd saved(::dup(STDOUT_FILENO));
    ::fflush(stdout);
    ::dup2(file.get(), STDOUT_FILENO);
    struct Restore {
      int fd;
      ~Restore() { ::dup2(fd, STDOUT_FILENO); }
    } restore{saved.get()};
    ExitStatus st = run_foreground(spec_, hooks);
    out_ = read_file(out);
    return st;
  }

  std::optional<TempDir> dir_;
  ContainerSpec spec_;
  std::string out_;
  static inline int counter_ = 0;
};

TEST_F(RunCoreTest, CommandIsPidOneWithItsOwnHostnameAndProcesses) {
  ExitStatus st = run_sh("echo $$; hostname; cat /hello; ps -o pid,comm; true");
  EXPECT_EQ(st.code, 0);
  // A fresh /proc: ps sees sh as pid 1 and itself, nothing of the host.
  EXPECT_TRUE(out_.starts_with("1\nboxy\nfrom layer 2\nPID")) << out_;
  EXPECT_NE(out_.find("    1 sh\n"), std::string::npos) << out_;
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 6) << out_;
}

TEST_F(RunCoreTest, WritesGoToTheUpperDirOnly) {
  ASSERT_EQ(run_sh("echo data > /new && echo more >> /hello").code, 0);
  EXPECT_TRUE(fs::exists(spec_.bundle / "upper/new"));
  EXPECT_FALSE(fs::exists(dir_->path() / "l1/new"));
  EXPECT_EQ(read_file(dir_->path() / "l2/hello"), "from layer 2\n");
}

TEST_F(RunCoreTest, ExitCodeAndKillingSignalPropagate) {
  EXPECT_EQ(run_sh("exit 3").code, 3);
  RunHooks hooks;
  hooks.on_start = [](pid_t pid) { ::kill(pid, SIGKILL); };
  ExitStatus st = run_sh("sleep 30", hooks);
  EXPECT_EQ(st.code, 137);
  EXPECT_EQ(st.signal, SIGKILL);
  EXPECT_FALSE(st.oom_killed);
}

TEST_F(RunCoreTest, MissingCommandIs127AndNonExecutableIs126) {
  spec_.process.args = {"nosuchcmd"};
  try {
    run_foreground(spec_);
    FAIL() << "started a missing command";
  } catch (const StartError& e) {
    EXPECT_EQ(e.exit_code(), 127);
    EXPECT_NE(std::string(e.what()).find("start container run-test: exec \"nosuchcmd\""),
              std::string::npos)
        << e.what();
  }
  spec_.process.args = {"/hello"};
  try {
    run_foreground(spec_);
    FAIL() << "executed a non-executable file";
  } catch (const StartError& e) {
    EXPECT_EQ(e.exit_code(), 126) << e.what();
  }
}

TEST_F(RunCoreTest, MemoryHogIsOomKilled) {
  spec_.limits.memory_bytes = 32 << 20;
  ExitStatus st = run_sh("x=a; while true; do x=\"$x$x\"; done");
  EXPECT_EQ(st.code, 137);
  EXPECT_TRUE(st.oom_killed);
}

TEST_F(RunCoreTest, NothingIsLeftMountedOrInACgroup) {
  ASSERT_EQ(run_sh("true").code, 0);
  EXPECT_EQ(read_file("/proc/self/mountinfo").find(dir_->path().string()), std::string::npos);
  auto ids = cgroups::detect()->list();
  EXPECT_EQ(std::find(ids.begin(), ids.end(), spec_.id), ids.end());
}

TEST_F(RunCoreTest, ImageSymlinkCannotRedirectAMountToTheHost) {
  fs::path escape = dir_->path() / "escaped";
  fs::create_symlink("/../../../../.." + escape.string(), dir_->path() / "l2/evil");
  spec_.mounts.push_back({"/evil", "tmpfs", "", {"size=1m"}});
  ASSERT_EQ(run_sh("touch /evil/x").code, 0);
  EXPECT_FALSE(fs::exists(escape));
  EXPECT_TRUE(fs::exists(spec_.bundle / "upper" / escape.relative_path()));
}

TEST_F(RunCoreTest, ReadOnlyBindAndReadOnlyRoot) {
  fs::create_directories(dir_->path() / "vol");
  spec_.mounts.push_back({"/data", "bind", (dir_->path() / "vol").string(), {"ro"}});
  spec_.security.read_only_rootfs = true;
  ExitStatus st = run_sh(
      "touch /data/a 2>/dev/null || echo ro-bind; touch /b 2>/dev/null || echo ro-root; "
      "touch /dev/shm/c && echo shm-rw");
  EXPECT_EQ(st.code, 0);
  EXPECT_EQ(out_, "ro-bind\nro-root\nshm-rw\n");
}

}  // namespace
}  // namespace lit::runtime
