#include "app/views/top.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "runtime/util/fs.hpp"

using namespace lit::app;
namespace fs = std::filesystem;

namespace {

// A fake /proc with one process: stat fields 3..22 as given, status and cmdline.
class FakeProc : public ::testing::Test {
 protected:
  void add(pid_t pid, const std::string& comm, const std::string& fields_after_comm,
           const std::string& cmdline, unsigned euid = 0) {
    fs::path d = tmp.path() / std::to_string(pid);
    fs::create_directories(d);
    std::ofstream(d / "stat") << pid << " (" << comm << ") " << fields_after_comm << "\n";
    std::ofstream(d / "status") << "Name:\t" << comm << "\nUid:\t1000\t" << euid
                                << "\t1000\t1000\n";
    std::ofstream(d / "cmdline", std::ios::binary) << cmdline;
  }
  // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itrealvalue starttime
  static std::string fields(char state, int ppid, unsigned tty, int utime, int stime, long start) {
    return std::string(1, state) + " " + std::to_string(ppid) + " 1 1 " + std::to_string(tty) +
           " -1 0 0 0 0 0 " + std::to_string(utime) + " " + std::to_string(stime) +
           " 0 0 20 0 1 0 " + std::to_string(start) + " 100 200";
  }
  lit::TempDir tmp{fs::temp_directory_path(), "lit-proc-"};
};

std::string root_name(uid_t uid) { return uid == 0 ? "root" : "u" + std::to_string(uid); }

}  // namespace

TEST_F(FakeProc, ReadsCommandWithSpacesAndParens) {
  add(42, "we (ird) name", fields('S', 7, 0, 150, 50, 1000),
      std::string("sleep\0"
                  "100\0",
                  10),
      33);
  auto p = read_process(tmp.path(), 42);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 42);
  EXPECT_EQ(p->ppid, 7);
  EXPECT_EQ(p->uid, 33u) << "ps -ef shows the effective uid";
  EXPECT_EQ(p->comm, "we (ird) name");
  EXPECT_EQ(p->args, (std::vector<std::string>{"sleep", "100"}));
  EXPECT_EQ(p->cpu_ticks, 200u);
  EXPECT_EQ(p->start_ticks, 1000u);
}

TEST_F(FakeProc, GoneProcessIsNullopt) { EXPECT_FALSE(read_process(tmp.path(), 99)); }

TEST_F(FakeProc, RowAsPsEf) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  add(42, "sleep", fields('S', 7, 0x8803, 6000, 500, 1000),
      std::string("sleep\0"
                  "100\0",
                  10));
  ProcClock clock{.boot_time = 1764072000, .now = 1764072000 + 10 + 200, .ticks_per_second = 100};
  auto row = top_row(*read_process(tmp.path(), 42), clock, root_name);
  // Started at boot+10s (12:00:10 UTC), used 65 s of CPU in 200 s: 32%.
  EXPECT_EQ(row, (std::vector<std::string>{"root", "42", "7", "32", "12:00", "pts/3", "00:01:05",
                                           "sleep 100"}));
}

TEST_F(FakeProc, ProcessWithoutCommandLineShowsItsNameInBrackets) {
  add(5, "kworker", fields('Z', 1, 0, 0, 0, 0), "");
  ProcClock clock{.boot_time = 1764072000, .now = 1764072000, .ticks_per_second = 100};
  auto row = top_row(*read_process(tmp.path(), 5), clock, root_name);
  EXPECT_EQ(row.back(), "[kworker] <defunct>");
  EXPECT_EQ(row[3], "0") << "no time elapsed: no CPU share";
  EXPECT_EQ(row[5], "?");
}

TEST_F(FakeProc, RowsSortedByPidSkippingGoneOnes) {
  std::ofstream(tmp.path() / "stat") << "cpu 1 2 3\nbtime 1764072000\n";
  add(30, "b", fields('S', 1, 0, 0, 0, 0), std::string("b\0", 2));
  add(4, "a", fields('S', 0, 0, 0, 0, 0), std::string("a\0", 2));
  auto rows = top_rows({30, 77, 4}, tmp.path());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1], "4");
  EXPECT_EQ(rows[1][1], "30");
  EXPECT_EQ(rows[0][7], "a");
}

TEST(PsColumns, Time) {
  EXPECT_EQ(ps_time(0), "00:00:00");
  EXPECT_EQ(ps_time(3723), "01:02:03");
  EXPECT_EQ(ps_time(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "2-03:04:05");
}

TEST(PsColumns, Tty) {
  EXPECT_EQ(ps_tty(0), "?");
  EXPECT_EQ(ps_tty((136u << 8) | 0), "pts/0");
  EXPECT_EQ(ps_tty((137u << 8) | 2), "pts/258");
  EXPECT_EQ(ps_tty((4u << 8) | 1), "tty1");
  EXPECT_EQ(ps_tty((4u << 8) | 65), "ttyS1");
}

TEST(PsColumns, StartTimeIsClockTodayDateThisYearElseYear) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const std::time_t now = 1764072000;  // 2025-11-25 12:00 UTC
  EXPECT_EQ(ps_stime(now - 3600 - 300, now), "10:55");
  EXPECT_EQ(ps_stime(now - 2 * 86400, now), "Nov23");
  EXPECT_EQ(ps_stime(now - 400 * 86400, now), "2024");
}

TEST(PsColumns, CpuShareIsCappedAt99) {
  ProcessInfo p;
  p.cpu_ticks = 100 * 100;  // 100 s of CPU in 10 s: several CPUs
  p.start_ticks = 0;
  EXPECT_EQ(ps_cpu_percent(p, {.boot_time = 0, .now = 10, .ticks_per_second = 100}), 99u);
}

TEST(PsColumns, HostUserName) {
  EXPECT_EQ(host_user_name(0), "root");
  EXPECT_EQ(host_user_name(4012345), "4012345") << "no passwd entry: the number";
}
