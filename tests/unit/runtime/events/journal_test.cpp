#include "runtime/events/journal.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/fs.hpp"

using namespace lit::runtime;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

class JournalTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-events-"};
  fs::path journal = tmp.path() / "run" / "events.jsonl";

  static Event at(int64_t t, std::string action) {
    Event e;
    e.time_ns = t;
    e.type = "container";
    e.action = std::move(action);
    e.id = "c" + std::to_string(t);
    return e;
  }

  std::vector<std::string> read(const EventWindow& w) {
    std::vector<std::string> out;
    read_events(journal, w, -1, [&](const Event& e) { out.push_back(e.action); });
    return out;
  }
};

}  // namespace

TEST_F(JournalTest, ReadsTheEventsOfTheWindowInOrder) {
  append_event(journal, at(10, "create"));  // makes the directory
  append_event(journal, at(20, "start"));
  append_event(journal, at(30, "die"));
  EXPECT_EQ(read({10, 30}), (std::vector<std::string>{"create", "start", "die"}));
  EXPECT_EQ(read({15, 30}), (std::vector<std::string>{"start", "die"}));
  EXPECT_EQ(read({std::nullopt, 20}), (std::vector<std::string>{"create", "start"}));
}

TEST_F(JournalTest, SkipsLinesThatAreNotEvents) {
  append_event(journal, at(10, "create"));
  {
    lit::UniqueFd fd(::open(journal.c_str(), O_WRONLY | O_APPEND));
    ASSERT_EQ(::write(fd.get(), "{\"torn\n", 7), 7);
  }
  append_event(journal, at(20, "start"));
  EXPECT_EQ(read({0, 30}), (std::vector<std::string>{"create", "start"}));
}

TEST_F(JournalTest, RotatesPastItsSizeAndReadsBothGenerations) {
  const std::uint64_t max = encode_event(at(10, "create")).size() * 2 + 2;  // two lines
  append_event(journal, at(10, "create"), max);
  append_event(journal, at(11, "start"), max);
  append_event(journal, at(12, "die"), max);  // rotates
  EXPECT_TRUE(fs::exists(journal.string() + ".1"));
  EXPECT_EQ(fs::file_size(journal), encode_event(at(12, "die")).size() + 1);
  EXPECT_EQ(read({0, 100}), (std::vector<std::string>{"create", "start", "die"}));
  append_event(journal, at(13, "stop"), max);
  append_event(journal, at(14, "destroy"), max);  // the oldest generation goes
  EXPECT_EQ(read({0, 100}), (std::vector<std::string>{"die", "stop", "destroy"}));
}

TEST_F(JournalTest, FollowsNewEventsUntilCancelled) {
  append_event(journal, at(10, "old"));
  lit::UniqueFd cancel(::eventfd(0, EFD_CLOEXEC));
  std::vector<std::string> seen;
  std::atomic<bool> following = false;
  std::thread reader([&] {
    read_events(journal, {}, cancel.get(), [&](const Event& e) {
      seen.push_back(e.action);
      following = true;
      if (e.action == "last") {
        uint64_t one = 1;
        (void)::write(cancel.get(), &one, sizeof one);
      }
    });
  });
  // What is appended before the reader is there is not new to it: ping until it sees one.
  for (int i = 0; i < 500 && !following; ++i) {
    append_event(journal, at(lit::shim::now_ns(), "ping"));
    std::this_thread::sleep_for(10ms);
  }
  append_event(journal, at(lit::shim::now_ns(), "last"));
  reader.join();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), "last");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "old"), 0);  // no --since: only new ones
}

TEST_F(JournalTest, FollowingAcrossARotationLosesNothing) {
  // Two lines a file: the reader's file is rotated twice while it waits.
  const std::uint64_t max = encode_event(at(lit::shim::now_ns(), "a")).size() * 2 + 2;
  append_event(journal, at(10, "create"), max);
  const int64_t until = lit::shim::now_ns() + int64_t(1'000'000'000);
  std::vector<std::string> seen;
  std::thread reader([&] {
    read_events(journal, {0, until}, -1, [&](const Event& e) { seen.push_back(e.action); });
  });
  std::this_thread::sleep_for(100ms);
  for (const char* a : {"a", "b", "c", "d"}) append_event(journal, at(lit::shim::now_ns(), a), max);
  reader.join();  // --until passes
  EXPECT_EQ(seen, (std::vector<std::string>{"create", "a", "b", "c", "d"}));
}

TEST_F(JournalTest, AContainerEventCarriesItsLabelsImageAndName) {
  ContainerRecord r;
  r.id = "abc";
  r.name = "shop-web-1";
  r.image = "busybox:latest";
  r.labels = {{"lit.project", "shop"}, {"name", "a label named name"}};
  Event e = container_event(r, "die", {{"exitCode", "3"}});
  EXPECT_EQ(e.type, "container");
  EXPECT_EQ(e.action, "die");
  EXPECT_EQ(e.id, "abc");
  EXPECT_EQ(e.attributes, (std::map<std::string, std::string>{{"exitCode", "3"},
                                                              {"image", "busybox:latest"},
                                                              {"lit.project", "shop"},
                                                              {"name", "shop-web-1"}}));
}

TEST_F(JournalTest, AWatchWakesWhenAnEventIsAppendedOrWhenInterrupted) {
  append_event(journal, at(10, "create"));  // the run root exists
  const lit::Paths paths{tmp.path() / "root", journal.parent_path()};
  JournalWatch watch(paths);
  const auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    append_event(journal, at(20, "health_status: healthy"));
  });
  watch.wait(60s);  // a minute unless the append wakes it
  writer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    watch.interrupt();
  });
  watch.wait(60s);
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
}

// The counter the watch waits on is a futex word in a file's shared page:
// an append by another process wakes it, and one made after the watch but
// before its wait is not missed (the wait then does not sleep at all).
TEST_F(JournalTest, AWatchSeesAnotherProcesssAppendMadeBeforeItWaits) {
  append_event(journal, at(10, "create"));
  const lit::Paths paths{tmp.path() / "root", journal.parent_path()};
  JournalWatch watch(paths);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      append_event(journal, at(20, "start"));
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  watch.wait(60s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  // Nothing new since: the next wait lasts its whole period.
  const auto t1 = std::chrono::steady_clock::now();
  watch.wait(50ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t1, 40ms);
  EXPECT_TRUE(fs::exists(journal_counter_file(journal)));
}
