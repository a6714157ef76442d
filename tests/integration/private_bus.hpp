#pragma once
// A D-Bus daemon of the test's own (its socket in the test's directory) and
// a program run in the background, for the tests that talk D-Bus: lit-dbus's
// (dbus_test) and the systemd cgroup manager's, whose systemd is a fake on it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {

// A program run in the background with its output to a file, ended by its
// pid (SIGTERM, then SIGKILL after a bound) when the object goes.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const fs::path& log,
             const std::vector<std::string>& env = {}) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Background() { stop(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // The exit status once it ended (-1 when it had to be killed).
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int st = 0;
    bool ended = eventually([&] { return ::waitpid(pid_, &st, WNOHANG) == pid_; }, 30s);
    if (!ended) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
    }
    status_ = ended && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    pid_ = -1;
    return status_;
  }
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// dbus-daemon listening on dir/bus.sock, any user allowed to connect and to
// own any name, then `extra_config` (busconfig elements: <include>,
// <servicedir>); its log in dir/bus.log. ready() once the socket is there.
class PrivateBus {
 public:
  explicit PrivateBus(const fs::path& dir, const std::string& extra_config = {})
      : socket_(dir / "bus.sock") {
    address_ = "unix:path=" + socket_.string();
    std::ofstream(dir / "bus.conf")
        << R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>)"
        << address_ << R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
)" << extra_config
        << "</busconfig>\n";
    daemon_.emplace(
        std::vector<std::string>{"dbus-daemon", "--config-file=" + (dir / "bus.conf").string(),
                                 "--nofork", "--nopidfile"},
        dir / "bus.log");
  }
  bool ready() const {
    return eventually([&] { return fs::exists(socket_); });
  }
  const std::string& address() const { return address_; }
  const fs::path& socket() const { return socket_; }
  void stop() {
    if (daemon_) daemon_->stop();
  }

 private:
  fs::path socket_;
  std::string address_;
  std::optional<Background> daemon_;
};

}  // namespace lit::test
