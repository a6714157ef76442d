#include "runtime/logs/logs.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "runtime/process/identity.hpp"
#include "runtime/shim/log_writer.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
using lit::shim::LogEntry;
using lit::shim::Stream;
using lit::testing::error_of;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kT = 1764072000000000000;  // 2025-11-25T12:00:00Z

class ContainerLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    rec.id = std::string(64, 'b');
    rec.name = "web";
    rec.created = now_rfc3339();
    store.create(rec);
    out_fd.reset(::open((tmp.path() / "out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600));
    err_fd.reset(::open((tmp.path() / "err").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600));
  }
  std::string out() const { return lit::read_file(tmp.path() / "out"); }
  std::string err() const { return lit::read_file(tmp.path() / "err"); }
  fs::path log() const { return container_log_path(store, rec.id); }

  lit::TempDir tmp{fs::temp_directory_path(), "lit-logs-"};
  RecordStore store{tmp.path() / "containers"};
  ContainerRecord rec;
  lit::UniqueFd out_fd, err_fd;
};

}  // namespace

TEST(LogTail, AllNumbersAndErrors) {
  EXPECT_EQ(parse_tail("all"), std::nullopt);
  EXPECT_EQ(parse_tail("-1"), std::nullopt) << "docker: negative is all";
  EXPECT_EQ(parse_tail("0"), 0u);
  EXPECT_EQ(parse_tail("25"), 25u);
  EXPECT_EQ(error_of([] { parse_tail("ten"); }), "invalid --tail ten");
  EXPECT_EQ(error_of([] { parse_tail(""); }), "invalid --tail ");
}

TEST_F(ContainerLogs, StreamsGoToTheirFdsInOrderWithTimestamps) {
  // Both fds on one file: what lands there shows the order the kernel saw.
  LogPrinter p(out_fd.get(), out_fd.get(), true);
  p.print({kT, Stream::Stdout, "one\n"});
  p.print({kT + 5, Stream::Stderr, "two\n"});
  p.print({kT + 1'000'000'000, Stream::Stdout, "three\n"});
  p.flush();
  EXPECT_EQ(out(),
            "2025-11-25T12:00:00.000000000Z one\n"
            "2025-11-25T12:00:00.000000005Z two\n"
            "2025-11-25T12:00:01.000000000Z three\n");
}

TEST_F(ContainerLogs, PrintsTailOfEachStreamToItsFd) {
  {
    lit::shim::LogWriter w(log(), {});
    for (int i = 0; i < 6; ++i)
      w.write(i % 2 ? Stream::Stderr : Stream::Stdout, "l" + std::to_string(i) + "\n", kT + i);
  }
  LogPrinter p(out_fd.get(), err_fd.get(), false);
  lit::shim::LogQuery q;
  q.tail = 3;
  print_container_logs(store, rec, q, false, p);
  EXPECT_EQ(out(), "l4\n");
  EXPECT_EQ(err(), "l3\nl5\n");
}

TEST_F(ContainerLogs, NoLogFilePrintsNothing) {
  LogPrinter p(out_fd.get(), err_fd.get(), false);
  print_container_logs(store, rec, {}, true, p);  // created, never ran: -f returns at once
  EXPECT_EQ(out(), "");
  EXPECT_EQ(err(), "");
}

TEST_F(ContainerLogs, FollowPrintsNewLinesUntilTheContainerExits) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  store.update(rec.id, [&](ContainerRecord& r) {
    r.state.status = ContainerStatus::Running;
    r.state.pid = child;
    r.state.pid_start_time = process_start_time(child);
  });
  lit::shim::LogWriter w(log(), {});
  w.write(Stream::Stdout, "before\n", kT);

  auto done = std::async(std::launch::async, [&] {
    LogPrinter p(out_fd.get(), err_fd.get(), false);
    print_container_logs(store, *store.read(rec.id), {}, true, p);
  });
  // A line written now shows up only if the follower is still following: that
  // is the event proving it did not return while the container runs.
  w.write(Stream::Stderr, "during\n", kT + 1);
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       err().empty() && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(err(), "during\n") << "a new line shows while following";
  EXPECT_EQ(done.wait_for(0ms), std::future_status::timeout) << "returned while running";
  w.write(Stream::Stdout, "last\n", kT + 2);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready) << "-f did not end after the exit";
  done.get();
  EXPECT_EQ(out(), "before\nlast\n");
}
