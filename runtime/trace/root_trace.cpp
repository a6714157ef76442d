#include "runtime/trace/root_trace.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace fs = std::filesystem;
namespace {

// The socket's address through the bundle's fd: a bundle path can be longer
// than sun_path holds (108 bytes).
sockaddr_un socket_address(int bundle_fd) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", bundle_fd,
                kTraceSocketName);
  return addr;
}

UniqueFd open_bundle(const fs::path& bundle) {
  return UniqueFd(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
}

// Waits until fd is readable, at most `bound`; false on timeout.
bool readable_within(int fd, std::chrono::milliseconds bound) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, static_cast<int>(bound.count()));
    if (n >= 0) return n > 0;
    if (errno != EINTR) throw Error::sys("wait for the traced container", {}, errno);
  }
}

}  // namespace

UniqueFd connect_to_tracer(const fs::path& bundle) noexcept {
  UniqueFd dir = open_bundle(bundle);
  struct stat st {};
  if (!dir || ::fstatat(dir.get(), kTraceSocketName, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISSOCK(st.st_mode))
    return {};
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return {};
  sockaddr_un addr = socket_address(dir.get());
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) return {};
  return sock;
}

void hand_over_root_mark(int tracer) {
  UniqueFd group(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
                                 O_RDONLY | O_LARGEFILE | O_CLOEXEC));
  if (!group) throw Error::sys("trace the container's files: fanotify_init", {}, errno);
  check_sys(::fanotify_mark(group.get(), FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_OPEN_EXEC,
                            AT_FDCWD, "/"),
            "trace the container's files: mark", "/");
  if (!send_fd(tracer, group.get()))
    throw Error::sys("trace the container's files: hand over the group", {}, errno);
}

RootTrace::RootTrace(const fs::path& bundle) : socket_path_(bundle / kTraceSocketName) {
  UniqueFd dir = open_bundle(bundle);
  if (!dir) throw Error::sys("open", bundle.string(), errno);
  listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_) throw Error::sys("create the trace socket", socket_path_.string(), errno);
  sockaddr_un addr = socket_address(dir.get());
  check_sys(::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr),
            "bind the trace socket", socket_path_.string());
  check_sys(::listen(listener_.get(), 1), "listen on the trace socket", socket_path_.string());
}

RootTrace::~RootTrace() { ::unlink(socket_path_.c_str()); }

void RootTrace::receive_group(std::chrono::milliseconds bound) {
  if (!readable_within(listener_.get(), bound))
    throw Error("trace the container's files: its init never connected", socket_path_.string());
  UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) throw Error::sys("accept on the trace socket", socket_path_.string(), errno);
  if (!readable_within(conn.get(), bound))
    throw Error("trace the container's files: its init sent no fanotify group");
  // No group (its init could not mark its root) or no message: the same to us.
  const int fd = receive_fd(conn.get());
  if (fd < 0) throw Error("trace the container's files: the init could not mark its root");
  group_.reset(fd);
}

void RootTrace::drain() {
  if (!group_) return;
  alignas(fanotify_event_metadata) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(group_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) throw Error::sys("read the container's file accesses", {}, n < 0 ? errno : EIO);
    auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
      if (m->mask & FAN_Q_OVERFLOW) throw Error("trace the container's files: events were lost");
      if (m->fd < 0) continue;
      UniqueFd file(m->fd);
      char target[4096];
      const std::string link = "/proc/self/fd/" + std::to_string(m->fd);
      ssize_t len = ::readlink(link.c_str(), target, sizeof target - 1);
      if (len <= 0) continue;
      std::string path(target, static_cast<std::size_t>(len));
      if (path.starts_with('/') && !path.ends_with(" (deleted)")) paths_.insert(std::move(path));
    }
  }
}

}  // namespace lit::runtime
