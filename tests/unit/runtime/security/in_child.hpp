#pragma once
// Runs a check in a forked child, for steps that change the process for good
// (capabilities, seccomp, mount namespace). The child returns "" on success or
// a message; the parent gets that message back, or how the child died.
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <string>

namespace lit::security::testing {

inline std::string in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) < 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    try {
      msg = body();
    } catch (const std::exception& e) {
      msg = std::string("exception: ") + e.what();
    }
    (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(msg.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return "child killed by signal " + std::to_string(WTERMSIG(status));
  if (WEXITSTATUS(status) != 0 && msg.empty())
    return "child exited " + std::to_string(WEXITSTATUS(status));
  return msg;
}

// "CapEff" -> the hex mask from /proc/self/status.
inline std::string status_field(const std::string& key) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return "?";
  char line[256];
  std::string out = "?";
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string l(line);
    if (l.rfind(key + ":", 0) == 0) {
      out = l.substr(key.size() + 1);
      out.erase(0, out.find_first_not_of(" \t"));
      out.erase(out.find_last_not_of(" \t\n") + 1);
    }
  }
  std::fclose(f);
  return out;
}

}  // namespace lit::security::testing
