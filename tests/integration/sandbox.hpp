#pragma once
// The integration tests' sandbox: every test process enters a fresh mount and
// network namespace (main.cpp), gets a private lit root and run root, runs the
// real `lit` binary, and ends with a leak check (mounts, cgroups, processes).
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace lit::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Enters a new mount + network namespace with private propagation and lo up.
// Called once per test process from main(); throws std::runtime_error on failure.
void enter_sandbox();

// What a finished process left: its exit code (or the signal that killed it)
// and everything it wrote.
struct Result {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, 0 when it exited
  bool timed_out = false;
  std::string out, err;
  std::vector<std::string> argv;  // what ran (run_process)

  std::vector<std::string> err_lines() const;
  std::vector<std::string> out_lines() const;
};
std::ostream& operator<<(std::ostream& os, const Result& r);

struct RunOptions {
  std::string stdin_data;                   // written, then stdin is closed
  std::chrono::milliseconds timeout = 60s;  // then the process group gets SIGKILL
  std::vector<std::string> extra_env;       // "K=V" added to the inherited environment
  // Called after each chunk of stdout arrives, with the child's pid and all
  // stdout so far (e.g. to send a signal once the container says "ready").
  std::function<void(pid_t, const std::string&)> on_stdout;
  std::function<void(pid_t, const std::string&)> on_stderr;  // the same for stderr
};

// fork/exec argv[0] with pipes for stdin/stdout/stderr, in its own process group.
Result run_process(const std::vector<std::string>& argv, const RunOptions& opts = {});

// Runs argv with a new session whose controlling terminal is a fresh pty of
// the given size; returns everything written to the terminal (with \r\n).
Result run_on_pty(const std::vector<std::string>& argv, unsigned short rows, unsigned short cols,
                  std::chrono::milliseconds timeout = 60s);

struct MountInfo {
  std::string mount_point, root, fs_type, source, options, optional_fields;
};
std::vector<MountInfo> read_mountinfo(const fs::path& file = "/proc/self/mountinfo");

// Every directory lit may create for a container: /sys/fs/cgroup/<controller>/lit/<id>
// on cgroup v1, <cgroup2 mount>/lit/<id> on v2, and the systemd manager's
// <cgroup2 mount>/lit.slice/lit-<id>.scope.
std::set<fs::path> lit_cgroup_dirs();

// The pids in a cgroup directory (cgroup.procs), empty when it is gone.
std::vector<pid_t> cgroup_pids(const fs::path& dir);

// The process runs: it exists and is not a zombie waiting for a slow reaper.
bool process_running(pid_t pid);

// The image every test loads, and its files.
inline constexpr const char* kTestImage = "localhost/lit-test:latest";
fs::path fixture(const std::string& name);

// Base fixture: skips without root, gives each test its own lit state roots,
// and checks at the end that lit left no mount, cgroup or process behind.
class LitTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // `lit --root R --run-root RR args...`
  Result lit(const std::vector<std::string>& args, const RunOptions& opts = {});
  // `lit ... container run ARGS...`, the common case.
  Result run(const std::vector<std::string>& args, const RunOptions& opts = {});
  // Loads the docker-archive fixture; fails the test when that does not work.
  void load_test_image();

  // Container record directories (<root>/containers/<id>/), for "nothing left behind".
  std::set<std::string> container_ids() const;
  // Every file under <root>/images, with its size, to see that a failed
  // command changed nothing in the store.
  std::set<std::string> store_snapshot() const;
  // lit cgroup directories that did not exist when the test started and that
  // belong to this test's containers (other lit users on the host may run
  // containers meanwhile: they are not ours to judge or remove).
  std::set<fs::path> new_lit_cgroups() const;

  fs::path base_;      // the temporary directory holding both roots
  fs::path root_;      // --root
  fs::path run_root_;  // --run-root

  // Reports (as test failures) and then removes what lit left behind.
  void check_no_leaks();

 private:
  bool ours(const fs::path& cgroup) const;
  std::set<fs::path> cgroups_before_;
  mutable std::set<std::string> seen_ids_;  // every container id this test's lit made
};

}  // namespace lit::test
