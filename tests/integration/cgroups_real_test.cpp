// Root-only: the detected driver on this machine's real cgroups. Each test
// makes lit/lit-unittest-<pid>-<n> and destroys it in teardown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/cgroups/drivers.hpp"
#include "runtime/util/error.hpp"

namespace lit::cgroups {
namespace {

namespace fs = std::filesystem;

// A forked child that waits for "go" on a pipe (so the parent can move it into a
// cgroup first), then runs body; body's return value is the exit status.
class Child {
 public:
  template <class F>
  explicit Child(F body) {
    int go[2], out[2];
    if (::pipe(go) < 0 || ::pipe(out) < 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(go[1]);
      ::close(out[0]);
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(100);
      ::_exit(body(out[1]));
    }
    ::close(go[0]);
    ::close(out[1]);
    go_ = go[1];
    out_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(go_);
    ::close(out_);
  }
  pid_t pid() const { return pid_; }
  void go() { ASSERT_EQ(::write(go_, "g", 1), 1); }
  int read_int() {
    int v = -1;
    if (::read(out_, &v, sizeof v) != sizeof v) return -1;
    return v;
  }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1, out_ = -1;
};

class RealCgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    static int n = 0;
    id_ = "lit-unittest-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    manager_ = detect();
    cg_ = manager_->create(id_);
  }
  void TearDown() override {
    if (!cg_) return;
    auto paths = cg_->paths();
    cg_->destroy();
    for (const auto& p : paths) EXPECT_FALSE(fs::exists(p)) << p << " left behind";
  }

  std::string id_;
  std::unique_ptr<Manager> manager_;
  std::unique_ptr<Cgroup> cg_;
};

TEST_F(RealCgroup, CreatedOnlyUnderLitAndListed) {
  for (const auto& p : cg_->paths()) {
    EXPECT_EQ(p.filename(), id_);
    EXPECT_EQ(p.parent_path().filename(), "lit");
    EXPECT_TRUE(fs::is_directory(p)) << p;
  }
  auto ids = manager_->list();
  EXPECT_NE(std::find(ids.begin(), ids.end(), id_), ids.end());
}

// What /proc/PID/cgroup says of the process: one line per hierarchy.
std::string proc_cgroup(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The container init joins its own cgroup (in v1 that skips the kernel's global
// threadgroup lock); afterwards it is in the cgroup of every hierarchy lit uses.
TEST_F(RealCgroup, AProcessJoinsItselfInEveryHierarchy) {
  Cgroup* cg = cg_.get();
  Child child([cg](int out) {
    int ok = 1;
    try {
      cg->join_self();
    } catch (...) {
      ok = 0;
    }
    (void)!::write(out, &ok, sizeof ok);
    ::pause();
    return 0;
  });
  child.go();
  ASSERT_EQ(child.read_int(), 1) << "join_self threw in the child";
  auto procs = cg_->processes();
  EXPECT_NE(std::find(procs.begin(), procs.end(), child.pid()), procs.end());
  std::string where = proc_cgroup(child.pid());
  size_t lines = 0;
  for (size_t at = where.find("/lit/" + id_); at != std::string::npos;
       at = where.find("/lit/" + id_, at + 1))
    ++lines;
  EXPECT_EQ(lines, cg_->paths().size()) << where;
}

TEST_F(RealCgroup, MemoryLimitOomKillsAndIsCounted) {
  cg_->apply({.memory_bytes = 32 << 20});
  EXPECT_EQ(cg_->stats().memory_limit, 32u << 20);
  Child child([](int) {
    const size_t chunk = 1 << 20;
    for (int i = 0; i < 100; ++i) {
      char* p = static_cast<char*>(std::malloc(chunk));
      if (p == nullptr) return 2;
      std::memset(p, 1, chunk);  // touch it so it is really charged
    }
    return 0;
  });
  cg_->add_process(child.pid());
  auto procs = cg_->processes();
  EXPECT_NE(std::find(procs.begin(), procs.end(), child.pid()), procs.end());
  child.go();
  int status = child.wait();
  ASSERT_TRUE(WIFSIGNALED(status))
      << "child survived allocating 100MB, exit " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GE(cg_->oom_kills(), 1u);
}

TEST_F(RealCgroup, PidsLimitStopsAForkBomb) {
  cg_->apply({.pids = 5});
  Child child([](int out) {
    int forked = 0;
    for (int i = 0; i < 20; ++i) {
      pid_t p = ::fork();
      if (p == 0) {
        ::pause();
        ::_exit(0);
      }
      if (p < 0) break;
      ++forked;
    }
    (void)!::write(out, &forked, sizeof forked);
    ::pause();
    return 0;
  });
  cg_->add_process(child.pid());
  child.go();
  // The child itself is one of the five tasks.
  EXPECT_EQ(child.read_int(), 4);
  EXPECT_EQ(cg_->stats().pids, 5u);
  EXPECT_EQ(cg_->processes().size(), 5u);
  auto paths = cg_->paths();
  cg_->destroy();
  for (const auto& p : paths) EXPECT_FALSE(fs::exists(p)) << p;
  int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(RealCgroup, CpuLimitAndStats) {
  cg_->apply({.cpus = 0.5});
  Child child([](int) {
    while (std::clock() < CLOCKS_PER_SEC / 5) {  // burn 200ms of CPU time
    }
    return 0;
  });
  cg_->add_process(child.pid());
  child.go();
  EXPECT_EQ(child.wait(), 0);
  EXPECT_GT(cg_->stats().cpu_usage_ns, 0u);
}

TEST_F(RealCgroup, MemoryLimitBelowUsageNamesTheFile) {
  Child child([](int out) {
    const size_t n = 16 << 20;
    char* p = static_cast<char*>(std::malloc(n));
    std::memset(p, 1, n);
    int ok = 1;
    (void)!::write(out, &ok, sizeof ok);
    ::pause();
    return 0;
  });
  cg_->add_process(child.pid());
  child.go();
  ASSERT_EQ(child.read_int(), 1);
  try {
    cg_->apply({.memory_bytes = 4096});
    // v2 accepts it and OOM-kills instead; v1 refuses with EBUSY.
    EXPECT_EQ(manager_->driver(), "v2");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("memory.limit_in_bytes"), std::string::npos) << e.what();
  }
}

TEST_F(RealCgroup, MemoryLimitCanBeRaisedAndLowered) {
  // v1 wants memory+swap >= memory at every step: the driver orders the writes.
  for (std::int64_t mib : {32, 64, 16, 128}) {
    cg_->apply({.memory_bytes = mib << 20});
    EXPECT_EQ(cg_->stats().memory_limit, static_cast<std::uint64_t>(mib) << 20);
  }
}

TEST_F(RealCgroup, DestroyIsIdempotentAndOpenFindsIt) {
  auto again = manager_->open(id_);
  EXPECT_EQ(again->paths(), cg_->paths());
  again->destroy();
  for (const auto& p : cg_->paths()) EXPECT_FALSE(fs::exists(p));
  EXPECT_NO_THROW(cg_->destroy());
}

// destroy() removes an empty cgroup as it is; one with a frozen process in
// it (a paused container's rm -f) is thawed, killed and removed.
TEST_F(RealCgroup, DestroyThawsKillsAndRemovesAFrozenProcess) {
  Child child([](int) {
    ::pause();
    return 0;
  });
  cg_->add_process(child.pid());
  child.go();
  try {
    cg_->freeze(true);
  } catch (const lit::Error& e) {
    GTEST_SKIP() << "no freezer here: " << e.what();
  }
  const auto paths = cg_->paths();
  cg_->destroy();
  for (const auto& p : paths) EXPECT_FALSE(fs::exists(p)) << p;
  int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

// On a hybrid host the (controller-less) cgroup2 mount still exercises the v2
// driver's create / move / cgroup.kill / rmdir path.
TEST(RealCgroupV2Unified, KillsAndRemoves) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  fs::path unified = "/sys/fs/cgroup/unified";
  if (!fs::exists(unified / "cgroup.procs")) GTEST_SKIP() << "no cgroup2 at " << unified;
  auto m = make_v2_manager(unified);
  auto cg = m->create("lit-unittest-" + std::to_string(::getpid()) + "-v2");
  fs::path dir = cg->paths().at(0);
  Child child([](int) {
    ::pause();
    return 0;
  });
  cg->add_process(child.pid());
  EXPECT_EQ(cg->processes(), std::vector<pid_t>{child.pid()});
  child.go();
  cg->destroy();
  EXPECT_FALSE(fs::exists(dir));
  ::rmdir((unified / "lit").c_str());  // only when empty: leaves other lit cgroups alone
  int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(RealCgroupV2Unified, AProcessJoinsItself) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  fs::path unified = "/sys/fs/cgroup/unified";
  if (!fs::exists(unified / "cgroup.procs")) GTEST_SKIP() << "no cgroup2 at " << unified;
  auto m = make_v2_manager(unified);
  auto cg = m->create("lit-unittest-" + std::to_string(::getpid()) + "-v2-join");
  Cgroup* raw = cg.get();
  Child child([raw](int) {
    raw->join_self();
    ::pause();
    return 0;
  });
  child.go();
  for (int i = 0; i < 200 && cg->processes().empty(); ++i) ::usleep(5000);
  EXPECT_EQ(cg->processes(), std::vector<pid_t>{child.pid()});
  cg->destroy();
  ::rmdir((unified / "lit").c_str());
  int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

}  // namespace
}  // namespace lit::cgroups
