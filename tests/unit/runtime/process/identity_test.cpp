#include "runtime/process/identity.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

using namespace lit::runtime;

namespace {

// Field 22 of /proc/<pid>/stat, read the slow, obvious way.
std::uint64_t start_time_by_stream(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 1));
  std::string field;
  for (int i = 3; i <= 22 && (fields >> field); ++i)
    if (i == 22) return std::stoull(field);
  return 0;
}

}  // namespace

TEST(ProcessIdentity, StartTimeIsField22EvenWithSpacesAndParensInTheName) {
  EXPECT_GT(process_start_time(::getpid()), 0u);
  EXPECT_EQ(process_start_time(::getpid()), start_time_by_stream(::getpid()));
  pid_t child = ::fork();
  if (child == 0) {  // a command name with ") (" in it, as a hostile one may have
    ::prctl(PR_SET_NAME, "a ) (b c");
    for (;;) ::pause();
  }
  ASSERT_GT(child, 0);
  std::uint64_t seen = 0;
  for (int i = 0; i < 200; ++i) {  // until it has renamed itself
    std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == "a ) (b c") break;
    ::usleep(5000);
  }
  seen = process_start_time(child);
  EXPECT_EQ(seen, start_time_by_stream(child));
  EXPECT_TRUE(process_alive(child, seen));
  EXPECT_FALSE(process_alive(child, seen + 1)) << "another start time is another process";
  lit::UniqueFd pidfd = open_pidfd(child, seen);
  ASSERT_TRUE(pidfd);
  EXPECT_FALSE(open_pidfd(child, seen + 1)) << "a pid reused is not opened";
  ::kill(child, SIGKILL);
  pollfd p{pidfd.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 10000), 1) << "readable once it exited";
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(process_start_time(child), 0u);
}
