#include "runtime/rootless/link.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/util/fs.hpp"

extern char** environ;

namespace lit::rootless {
namespace {

// Spawns argv in a new session with stdin and stdout on /dev/null, stderr to
// log, keeping fd `keep`; returns its pid, or -1 with errno's text in `why`.
pid_t spawn(const std::vector<std::string>& args, const std::string& log, int keep,
            std::string& why) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (keep >= 0) posix_spawn_file_actions_adddup2(&fa, keep, keep);  // clears its CLOEXEC
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    why = std::string(args[0]) + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

// What the tool said, on one line (pasta's complaints about syslog left out).
std::string log_text(const std::string& log) {
  std::string text;
  try {
    text = read_file(log);
  } catch (...) {
  }
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty() || line.starts_with("Failed to send")) continue;
    out += (out.empty() ? "" : ": ") + line;
  }
  return out;
}

// pasta forks into the background once the namespace is configured; the
// process we started exits 0 then, having written the daemon's pid.
bool try_pasta(const SessionFiles& files, pid_t pause, std::string& why) {
  const std::string log = (files.dir() / "pasta.log").string();
  pid_t pid = spawn({"pasta", "--config-net", "--quiet", "-t", "none", "-u", "none", "-T", "none",
                     "-U", "none", "--pid", files.link_pid_file().string(), std::to_string(pause)},
                    log, -1, why);
  if (pid < 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  why = log_text(log);
  return false;
}

// slirp4netns stays in the foreground: it says "1" on the ready fd once tap0
// is up (bounded wait), and runs until lit ends the session.
bool try_slirp(const SessionFiles& files, pid_t pause, std::string& why) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return false;
  UniqueFd r(fds[0]), w(fds[1]);
  const std::string log = (files.dir() / "slirp4netns.log").string();
  const std::string ns = "/proc/" + std::to_string(pause) + "/ns/";
  pid_t pid = spawn({"slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
                     "--ready-fd=" + std::to_string(w.get()), "--netns-type=path",
                     "--userns-path=" + ns + "user", ns + "net", "tap0"},
                    log, w.get(), why);
  w.reset();
  if (pid < 0) return false;
  pollfd p{r.get(), POLLIN, 0};
  char c = 0;
  if (::poll(&p, 1, 5000) == 1 && ::read(r.get(), &c, 1) == 1 && c == '1') {
    write_file_atomic(files.link_pid_file(), std::to_string(pid) + "\n", 0600, Durability::NoSync);
    return true;
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  why = log_text(log);
  return false;
}

}  // namespace

void link_to_host(const SessionFiles& files, pid_t pause) noexcept {
  std::string pasta_why = "not tried", slirp_why = "not tried";
  const char* chosen = std::getenv("LIT_ROOTLESS_NETWORK");
  const std::string only = chosen ? chosen : "";
  // slirp4netns first: Debian 12's pasta (2023-03) starts but carried no
  // connection out of the session on lit's test VM; slirp4netns did.
  if (only != "pasta" && try_slirp(files, pause, slirp_why)) return;
  if (only != "slirp4netns" && try_pasta(files, pause, pasta_why)) return;
  spdlog::warn(
      "rootless: containers have no way out to the host's networks (slirp4netns: {}; pasta: {}); "
      "they still reach "
      "each other and published ports (install Debian's slirp4netns or passt)",
      slirp_why, pasta_why);
}

}  // namespace lit::rootless
