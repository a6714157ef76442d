#include "runtime/state/transitions.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/state/liveness.hpp"

using namespace lit::runtime;

namespace {

// A record as an earlier run of a detached container left it.
ContainerRecord after_an_earlier_run() {
  ContainerRecord r;
  r.state.status = ContainerStatus::Exited;
  r.state.exit_code = 137;
  r.state.oom_killed = true;
  r.state.error = "earlier";
  r.lifecycle.healthcheck = HealthCheck{{"CMD", "true"}, {}};
  return r;
}

}  // namespace

TEST(Transitions, AForegroundStartRecordsItsInitAndPorts) {
  ContainerRecord r = after_an_earlier_run();
  const std::vector<PublishedPort> ports = {{"", 8080, 80, Proto::Tcp}};
  mark_running(r, {::getpid(), ports});
  EXPECT_EQ(r.state.status, ContainerStatus::Running);
  EXPECT_EQ(r.state.pid, ::getpid());
  EXPECT_EQ(r.state.pid_start_time, process_start_time(::getpid()));
  EXPECT_FALSE(r.state.started_at.empty());
  EXPECT_EQ(r.state.ports, ports);
  // No supervisor: nothing else is touched.
  EXPECT_EQ(r.state.shim_pid, 0);
  EXPECT_TRUE(r.state.boot_id.empty());
  EXPECT_EQ(r.state.exit_code, 137);
  EXPECT_FALSE(r.state.health.has_value());
}

TEST(Transitions, ASupervisedStartRecordsTheSupervisorAndClearsTheLastExit) {
  ContainerRecord r = after_an_earlier_run();
  mark_running(r, {::getpid(), {}, ::getpid()});  // itself as its supervisor
  EXPECT_EQ(r.state.status, ContainerStatus::Running);
  EXPECT_EQ(r.state.shim_pid, ::getpid());
  EXPECT_EQ(r.state.shim_start_time, process_start_time(::getpid()));
  EXPECT_EQ(r.state.boot_id, current_boot_id());
  EXPECT_EQ(r.state.exit_code, 0);
  EXPECT_FALSE(r.state.oom_killed);
  EXPECT_TRUE(r.state.error.empty());
  ASSERT_TRUE(r.state.health.has_value());  // it has a health check: starting again
  EXPECT_TRUE(supervisor_alive(r.state));
}

TEST(Transitions, AnExitRecordsItsCodeAndReleasesPidAndPorts) {
  ContainerRecord r;
  mark_running(r, {::getpid(), {{"", 8080, 80, Proto::Tcp}}});
  mark_exited(r.state, {3, true, "why"});
  EXPECT_EQ(r.state.status, ContainerStatus::Exited);
  EXPECT_EQ(r.state.pid, 0);
  EXPECT_EQ(r.state.exit_code, 3);
  EXPECT_TRUE(r.state.oom_killed);
  EXPECT_EQ(r.state.error, "why");
  EXPECT_FALSE(r.state.finished_at.empty());
  EXPECT_TRUE(r.state.ports.empty());
}
