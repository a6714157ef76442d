#include "runtime/state/liveness.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/runtime/state/sample_record.hpp"

using namespace lit::runtime;
using lit::runtime::test_support::make;

TEST(Record, LivenessChecksPidAndStartTime) {
  EXPECT_GT(process_start_time(::getpid()), 0u);
  EXPECT_TRUE(process_alive(::getpid(), process_start_time(::getpid())));
  EXPECT_FALSE(process_alive(::getpid(), process_start_time(::getpid()) + 1));  // a reused pid

  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(process_alive(child, 1));

  ContainerRecord r = make(std::string(64, 'a'), "web");
  r.state.status = ContainerStatus::Running;
  r.state.pid = child;
  r.state.pid_start_time = 12345;
  auto st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_EQ(st.exit_code, 255);
  r.state.pid = ::getpid();
  r.state.pid_start_time = process_start_time(::getpid());
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Running);

  // Pids from another boot mean nothing, even if a process has them now.
  r.state.boot_id = "another-boot";
  st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_NE(st.error.find("restarted"), std::string::npos) << st.error;

  // A detached container whose supervisor is gone: exited, and why.
  r.state.boot_id = current_boot_id();
  r.state.pid = child;
  r.state.shim_pid = child;
  r.state.shim_start_time = 12345;
  st = observed_state(r);
  EXPECT_EQ(st.status, ContainerStatus::Exited);
  EXPECT_NE(st.error.find("supervisor"), std::string::npos) << st.error;
  r.state.status = ContainerStatus::Restarting;
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Exited);

  // ...while a live supervisor is trusted to record the exit itself.
  r.state.status = ContainerStatus::Running;
  r.state.shim_pid = ::getpid();
  r.state.shim_start_time = process_start_time(::getpid());
  EXPECT_EQ(observed_state(r).status, ContainerStatus::Running);
}
