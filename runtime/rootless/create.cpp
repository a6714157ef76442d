// Making a rootless session: lit-pause in new user, mount and network
// namespaces, its id maps written by newuidmap/newgidmap, then the link that
// gives the network namespace a way out (link.cpp).
#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/rootless/link.hpp"
#include "runtime/rootless/session_files.hpp"
#include "runtime/userns/idmap_write.hpp"
#include "runtime/userns/subid.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::rootless {
namespace {

// The user's own id at 0, their subordinate ranges from 1 up.
std::vector<runtime::IdMapping> session_map(const char* file, uid_t own) {
  std::vector<runtime::SubidRange> ranges;
  if (const passwd* pw = ::getpwuid(own)) ranges = runtime::read_subid(file, pw->pw_name);
  if (ranges.empty()) ranges = runtime::read_subid(file, std::to_string(own));
  std::string who = std::to_string(own);
  if (const passwd* pw = ::getpwuid(own)) who = pw->pw_name;
  if (ranges.empty())
    throw Error("rootless lit: user " + who + " has no subordinate ids in " + file)
        .with_hint(
            "add a range as root: usermod --add-subuids 100000-165535 --add-subgids "
            "100000-165535 " +
            who);
  std::vector<runtime::IdMapping> maps{{0, own, 1}};
  std::uint32_t next = 1;
  for (const auto& r : ranges) {
    maps.push_back({next, r.start, r.count});
    next += r.count;
  }
  return maps;
}

void loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    ::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  ::close(s);
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw Error::sys("make a pipe", "rootless session", errno);
    r = fds[0];
    w = fds[1];
  }
};

// The child: unshare the user namespace, wait for its maps, become its root,
// unshare mount and network namespaces, then exec lit-init --pause. Errors go
// up the pipe as an errno and a step number.
[[noreturn]] void pause_child(Pipe up, Pipe down, const std::string& init) {
  ::close(up.r);
  ::close(down.w);
  auto fail = [&](int step) {
    int report[2] = {step, errno};
    [[maybe_unused]] auto n = ::write(up.w, report, sizeof report);
    ::_exit(1);
  };
  if (::unshare(CLONE_NEWUSER) < 0) fail(1);
  int ok[2] = {0, 0};
  if (::write(up.w, ok, sizeof ok) != sizeof ok) ::_exit(1);
  char go = 0;
  if (::read(down.r, &go, 1) != 1) ::_exit(1);  // the parent gave up
  if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) fail(2);
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) fail(3);
  ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr);
  loopback_up();
  ::setsid();
  if (::write(up.w, ok, sizeof ok) != sizeof ok) ::_exit(1);
  int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  ::close_range(3, ~0U, 0);
  ::execl(init.c_str(), "lit-pause", "--pause", static_cast<char*>(nullptr));
  ::_exit(127);
}

const char* const kSteps[] = {"", "make a user namespace", "become root of the user namespace",
                              "make mount and network namespaces"};

void read_step(int fd, pid_t child) {
  int report[2] = {0, 0};
  ssize_t n = ::read(fd, report, sizeof report);
  if (n == sizeof report && report[0] == 0) return;
  int status = 0;
  ::waitpid(child, &status, 0);
  if (n != sizeof report) throw Error("start lit-pause", "rootless session", 0);
  throw Error::sys(kSteps[report[0] < 4 ? report[0] : 0], "rootless session", report[1])
      .with_hint(report[0] == 1 ? "unprivileged user namespaces must be enabled "
                                  "(sysctl user.max_user_namespaces)"
                                : "");
}

}  // namespace

pid_t create_session(const SessionFiles& files) {
  const std::string init = helper_executable("lit-init").string();
  auto uids = session_map("/etc/subuid", ::getuid());
  auto gids = session_map("/etc/subgid", ::getgid());
  Pipe up, down;
  pid_t child = ::fork();
  if (child < 0) throw Error::sys("fork", "lit-pause", errno);
  if (child == 0) pause_child(up, down, init);
  ::close(up.w);
  ::close(down.r);
  UniqueFd from_child(up.r), to_child(down.w);
  auto give_up = [&] {
    to_child.reset();
    int status = 0;
    ::waitpid(child, &status, 0);
  };
  read_step(from_child.get(), child);
  try {
    runtime::write_id_maps_with_helpers(child, uids, gids);
  } catch (...) {
    give_up();
    throw;
  }
  [[maybe_unused]] auto n = ::write(to_child.get(), "g", 1);
  read_step(from_child.get(), child);
  write_file_atomic(files.pause_pid_file(), std::to_string(child) + "\n", 0600, Durability::NoSync);
  link_to_host(files, child);
  return child;
}

}  // namespace lit::rootless
