// MultiLogReader on real record stores and log files: the logs so far merged in
// time order with --tail per container, then following all of them in one loop
// until each container is done.
#include "runtime/logs/multi_logs.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/logs/logs.hpp"
#include "runtime/process/identity.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/fs.hpp"

using namespace lit::runtime;
using lit::shim::Stream;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kT = 1764072000000000000;  // 2025-11-25T12:00:00Z

class MultiLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    for (char c : {'a', 'b'}) {
      ContainerRecord rec;
      rec.id = std::string(64, c);
      rec.name = std::string("ctr-") + c;
      rec.created = now_rfc3339();
      store.create(rec);
      ids.push_back(rec.id);
    }
  }
  void TearDown() override {
    if (child > 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
  }
  fs::path log(size_t i) const { return container_log_path(store, ids[i]); }

  // Marks container i running as a real (paused) process, so it counts as active.
  void make_running(size_t i) {
    child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::pause();
      ::_exit(0);
    }
    store.update(ids[i], [&](ContainerRecord& r) {
      r.state.status = ContainerStatus::Running;
      r.state.pid = child;
      r.state.pid_start_time = process_start_time(child);
    });
  }

  static std::vector<std::string> texts(const std::vector<SourcedEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(std::to_string(e.source) + ":" + e.entry.text);
    return out;
  }

  lit::TempDir tmp{fs::temp_directory_path(), "lit-multilogs-"};
  RecordStore store{tmp.path() / "containers"};
  std::vector<std::string> ids;
  pid_t child = -1;
};

}  // namespace

TEST_F(MultiLogs, ReadsEveryLogInTimeOrderWithTailPerContainer) {
  {
    lit::shim::LogWriter a(log(0), {}), b(log(1), {});
    a.write(Stream::Stdout, "a1\n", kT + 1);
    b.write(Stream::Stdout, "b1\n", kT + 2);
    a.write(Stream::Stderr, "a2\n", kT + 3);
    b.write(Stream::Stdout, "b2\n", kT + 4);
    a.write(Stream::Stdout, "a3\n", kT + 5);
  }
  MultiLogReader all(store, ids, {});
  EXPECT_EQ(texts(all.read_existing(false)),
            (std::vector<std::string>{"0:a1\n", "1:b1\n", "0:a2\n", "1:b2\n", "0:a3\n"}));
  lit::shim::LogQuery q;
  q.tail = 1;
  MultiLogReader last(store, ids, q);
  EXPECT_EQ(texts(last.read_existing(false)), (std::vector<std::string>{"1:b2\n", "0:a3\n"}));
}

TEST_F(MultiLogs, FollowsUntilEveryContainerIsDone) {
  lit::shim::LogWriter a(log(0), {}), b(log(1), {});
  a.write(Stream::Stdout, "a1\n", kT + 1);
  make_running(1);  // a never ran again: done at the first poll; b runs
  MultiLogReader r(store, ids, {});
  EXPECT_EQ(texts(r.read_existing(true)), (std::vector<std::string>{"0:a1\n"}));

  b.write(Stream::Stdout, "b1\n", kT + 3);
  a.write(Stream::Stdout, "a2 (drained after the exit)\n", kT + 2);
  std::vector<size_t> done;
  EXPECT_EQ(texts(r.poll(done)),
            (std::vector<std::string>{"0:a2 (drained after the exit)\n", "1:b1\n"}));
  EXPECT_EQ(done, std::vector<size_t>{0});
  EXPECT_TRUE(r.done(0));
  EXPECT_FALSE(r.all_done());

  b.write(Stream::Stdout, "b2\n", kT + 4);
  EXPECT_FALSE(r.wait(0)) << "no extra fd: nothing to report";
  done.clear();
  EXPECT_EQ(texts(r.poll(done)), (std::vector<std::string>{"1:b2\n"}));
  EXPECT_TRUE(done.empty()) << "b still runs";

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  child = -1;
  b.write(Stream::Stdout, "b3\n", kT + 5);
  EXPECT_EQ(texts(r.poll(done)), (std::vector<std::string>{"1:b3\n"}));
  EXPECT_EQ(done, std::vector<size_t>{1});
  EXPECT_TRUE(r.all_done());
}

TEST_F(MultiLogs, WaitReportsTheExtraFd) {
  make_running(0);
  MultiLogReader r(store, {ids[0]}, {});
  r.read_existing(true);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  lit::UniqueFd rd(p[0]), wr(p[1]);
  EXPECT_FALSE(r.wait(0, rd.get()));
  ASSERT_EQ(::write(wr.get(), "x", 1), 1);
  EXPECT_TRUE(r.wait(5000, rd.get()));
}
