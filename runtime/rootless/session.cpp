#include "runtime/rootless/session.hpp"

#include <fcntl.h>

#include <cstdlib>
#include <mutex>

#include "runtime/util/error.hpp"

namespace lit::rootless {

pid_t pause_pid() {
  static const pid_t pid = [] {
    const char* v = std::getenv(kSessionEnv);
    if (!v || !*v) return pid_t{0};
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    return (end && *end == '\0' && n > 0) ? static_cast<pid_t>(n) : pid_t{0};
  }();
  return pid;
}

bool active() { return pause_pid() > 0; }

int netns_fd() {
  static std::once_flag once;
  static UniqueFd fd;
  if (!active()) return -1;
  std::call_once(once, [] {
    const std::string path = "/proc/" + std::to_string(pause_pid()) + "/ns/net";
    fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error::sys("open the rootless session's network namespace", path, errno);
  });
  return fd.get();
}

}  // namespace lit::rootless
