#pragma once
// "Outside": a host beyond the sandbox's uplink, for tests of a container's
// way out. A network namespace at 203.0.113.2/24, joined to this one by a
// veth pair (<prefix>0 here at 203.0.113.1, <prefix>1 there), serving HTTP
// with the host's busybox: / says "outside-says-hi", /big is 300000 bytes.
// Killed by pid and reaped on destruction.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {

class OutsideHost {
 public:
  enum class Route {
    kOutsideReturnsHere,  // the outside's default route is 203.0.113.1 (reached only through NAT)
    kDefaultGoesOutside,  // this namespace's default route is 203.0.113.2 (an uplink)
  };

  OutsideHost() = default;
  OutsideHost(const OutsideHost&) = delete;
  OutsideHost& operator=(const OutsideHost&) = delete;
  ~OutsideHost() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts it and waits (bounded) until it serves; a failed step fails the test.
  void start(const std::string& prefix, Route route) {
    const std::string there = prefix + "1", here = prefix + "0";
    const std::string outside_route =
        route == Route::kOutsideReturnsHere ? "ip route add default via 203.0.113.1; " : "";
    pid_ = fork();
    if (pid_ == 0) {
      // Waits for the parent to move the peer in (a fixed sleep lost that race under load).
      std::string script = "until ip link show " + there +
                           " >/dev/null 2>&1; do sleep 0.05; done; ip link set lo up; "
                           "ip addr add 203.0.113.2/24 dev " +
                           there + " && ip link set " + there + " up; " + outside_route +
                           "d=/tmp/outside-$$ && mkdir -p $d && echo outside-says-hi > "
                           "$d/index.html && head -c 300000 /dev/zero > $d/big && "
                           "exec busybox httpd -f -p 80 -h $d";
      execlp("unshare", "unshare", "-n", "sh", "-c", script.c_str(), nullptr);
      _exit(127);
    }
    ASSERT_GT(pid_, 0);
    const std::string pid = std::to_string(pid_);
    // The peer goes into the child's namespace: only once `unshare -n` made it
    // (before that, /proc/PID/ns/net is still ours and the peer would land here).
    auto netns_of = [](const std::string& p) {
      std::error_code ec;
      return std::filesystem::read_symlink("/proc/" + p + "/ns/net", ec).string();
    };
    ASSERT_TRUE(eventually([&] { return netns_of(pid) != netns_of("self"); }));
    std::string setup = "ip link add " + here + " type veth peer name " + there + " netns /proc/" +
                        pid + "/ns/net && ip addr add 203.0.113.1/24 dev " + here +
                        " && ip link set " + here + " up";
    if (route == Route::kDefaultGoesOutside) setup += " && ip route add default via 203.0.113.2";
    Result r = run_process({"sh", "-c", setup});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_TRUE(eventually([] { return fetch("http://203.0.113.2/") == "outside-says-hi\n"; }));
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace lit::test
