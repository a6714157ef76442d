#include "runtime/process/channel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace {

constexpr char kGo = 'G', kMaster = 'M', kFailure = 'F', kRootfs = 'R';

// Failure wire format: kind, exit_code (i32), errno (i32), op\0 target\0.
std::string encode_failure(const Error& e, int exit_code) {
  std::string s(1, kFailure);
  auto put = [&s](std::int32_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(exit_code);
  put(e.err());
  // The init has no context of its own: fold any into the op.
  std::string op;
  for (const auto& c : e.context_chain()) op += c + ": ";
  op += e.op();
  s += op;
  s.push_back('\0');
  s += e.target();
  s.push_back('\0');
  return s;
}

ChannelMessage decode_failure(const char* p, size_t n) {
  ChannelMessage m;
  m.kind = ChannelMessage::Failure;
  std::int32_t code = 125, err = 0;
  if (n >= 9) {
    std::memcpy(&code, p + 1, 4);
    std::memcpy(&err, p + 5, 4);
  }
  std::string rest = n > 9 ? std::string(p + 9, n - 9) : std::string();
  auto z = rest.find('\0');
  std::string op = rest.substr(0, z);
  std::string target = z == std::string::npos ? "" : rest.substr(z + 1);
  if (!target.empty() && target.back() == '\0') target.pop_back();
  m.exit_code = code;
  m.error = Error(op.empty() ? "container init failed" : op, target, err);
  return m;
}

}  // namespace

void Channel::make_pair(UniqueFd& parent, UniqueFd& child) {
  int sv[2];
  check_sys(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), "create init socketpair");
  parent.reset(sv[0]);
  child.reset(sv[1]);
}

// One kind byte, with fd (if >= 0) as SCM_RIGHTS.
void Channel::send(char kind, int fd, const char* what) const {
  std::span<const int> fds;
  if (fd >= 0) fds = std::span<const int>(&fd, 1);
  if (!send_with_fds(fd_, std::string_view(&kind, 1), fds)) throw Error::sys(what, "", errno);
}

void Channel::send_go(int netns_fd) const { send(kGo, netns_fd, "signal container init"); }

void Channel::send_master(int master_fd) const {
  send(kMaster, master_fd, "send pty master to lit");
}

void Channel::send_rootfs(int mount_fd) const {
  send(kRootfs, mount_fd, "send the container's root to its init");
}

void Channel::send_failure(const Error& e, int exit_code) const noexcept {
  try {
    std::string s = encode_failure(e, exit_code);
    if (s.size() > 8192) s.resize(8192);
    (void)::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
  } catch (...) {
    char b = kFailure;
    (void)::send(fd_, &b, 1, MSG_NOSIGNAL);
  }
}

ChannelMessage Channel::receive() const {
  std::vector<char> buf(8192);
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  ssize_t n;
  while ((n = ::recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) throw Error::sys("read from container init", "", errno);
  }
  ChannelMessage m;
  if (n == 0) return m;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      m.fd.reset(fd);
    }
  }
  switch (buf[0]) {
    case kGo:
      m.kind = ChannelMessage::Go;
      return m;
    case kMaster:
      if (!m.fd) throw Error("read from container init", "pty master missing");
      m.kind = ChannelMessage::Master;
      return m;
    case kRootfs:
      if (!m.fd) throw Error("read from lit", "the container's root is missing");
      m.kind = ChannelMessage::Rootfs;
      return m;
    case kFailure:
      return decode_failure(buf.data(), static_cast<size_t>(n));
    default:
      throw Error("read from container init", "unexpected message");
  }
}

}  // namespace lit::runtime
