#include "runtime/rootless/session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "runtime/util/error.hpp"

namespace lit::rootless {

pid_t pause_pid() {
  const char* v = std::getenv(kSessionEnv);
  if (!v || !*v) return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return (end && *end == '\0' && n > 0) ? static_cast<pid_t>(n) : 0;
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

UserDirs user_dirs() {
  auto env = [](const char* name) -> std::filesystem::path {
    const char* v = std::getenv(name);
    return v && *v == '/' ? std::filesystem::path(v) : std::filesystem::path();
  };
  UserDirs d;
  std::filesystem::path data = env("XDG_DATA_HOME");
  if (data.empty() && !env("HOME").empty()) data = env("HOME") / ".local" / "share";
  if (data.empty()) data = "/tmp/lit-data-" + std::to_string(::getuid());
  d.root = data / "lit";
  std::filesystem::path run = env("XDG_RUNTIME_DIR");
  d.run_root = run.empty() ? std::filesystem::path("/tmp/lit-run-" + std::to_string(::getuid()))
                           : run / "lit";
  return d;
}

}  // namespace lit::rootless
