#include "runtime/shim/attach_server.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "runtime/shim/attach_protocol.hpp"

namespace lit::shim {
namespace {

// A client this far behind is let go rather than the container slowed down.
constexpr size_t kMaxBacklog = 8U << 20;

}  // namespace

AttachServer::~AttachServer() {
  if (listen_) ::unlink(path_.c_str());
}

bool AttachServer::listen(const std::string& path) {
  sockaddr_un addr{};
  UniqueFd dir;
  if (!attach::socket_address(path, addr, dir)) return false;
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return false;
  ::unlink(addr.sun_path);
  // Owner only: attaching is as good as running a command in the container.
  mode_t old = ::umask(0077);
  bool ok = ::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::listen(s.get(), 16) == 0;
  ::umask(old);
  if (!ok) return false;
  path_ = path;
  listen_ = std::move(s);
  return true;
}

void AttachServer::set_input(Input in, std::function<void()> on_stdin_end) {
  input_ = in;
  on_stdin_end_ = std::move(on_stdin_end);
  pending_input_.clear();
  close_input_ = false;
}

void AttachServer::add_pollfds(std::vector<pollfd>& fds) const {
  fds.push_back({listen_.get(), POLLIN, 0});
  for (const auto& c : clients_) {
    short ev = pending_input_.empty() ? POLLIN : 0;  // input waits for room in the pipe
    if (!c.out.empty()) ev |= POLLOUT;
    fds.push_back({c.fd.get(), ev, 0});
  }
  fds.push_back({pending_input_.empty() ? -1 : input_.fd, POLLOUT, 0});
}

void AttachServer::handle(const pollfd* fds, size_t count) {
  if (count != clients_.size() + 2) return;  // clients changed since add_pollfds
  if (fds[count - 1].revents) flush_input();
  for (size_t i = 0; i < clients_.size(); ++i) {
    short r = fds[1 + i].revents;
    if (r & POLLOUT) write_client(clients_[i]);
    if (r & (POLLIN | POLLHUP | POLLERR)) read_client(clients_[i]);
  }
  std::erase_if(clients_, [](const Client& c) { return !c.fd; });
  if (fds[0].revents & POLLIN) accept_clients();
}

void AttachServer::accept_clients() {
  for (;;) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    clients_.push_back({UniqueFd(fd), {}, {}});
  }
}

void AttachServer::read_client(Client& c) {
  char buf[65536];
  ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    c.fd.reset();
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  bool bad = false;
  while (auto f = attach::take_frame(c.in, bad)) on_frame(f->kind, f->payload);
  if (bad) c.fd.reset();
}

void AttachServer::on_frame(char kind, const std::string& payload) {
  if (input_.fd < 0) return;
  if (kind == attach::kStdin) {
    pending_input_ += payload;
    flush_input();
  } else if (kind == attach::kEof && input_.stdin_once && !input_.pty) {
    close_input_ = true;  // docker's StdinOnce: the container reads its end of input
    flush_input();
  } else if (kind == attach::kResize && input_.pty) {
    unsigned rows = 0, cols = 0;
    const char* end = payload.data() + payload.size();
    auto r = std::from_chars(payload.data(), end, rows);
    if (r.ptr < end) std::from_chars(r.ptr + 1, end, cols);
    winsize ws{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
    if (rows > 0 && cols > 0) ::ioctl(input_.fd, TIOCSWINSZ, &ws);
  }
}

void AttachServer::flush_input() {
  while (!pending_input_.empty() && input_.fd >= 0) {
    ssize_t n = ::write(input_.fd, pending_input_.data(), pending_input_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {  // nobody reads it any more (EPIPE, EIO): drop
      pending_input_.clear();
      break;
    }
    pending_input_.erase(0, static_cast<size_t>(n));
  }
  if (close_input_ && pending_input_.empty() && input_.fd >= 0) {
    input_.fd = -1;
    if (on_stdin_end_) on_stdin_end_();
  }
}

void AttachServer::write_client(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      c.fd.reset();
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.size() > kMaxBacklog) c.fd.reset();
}

void AttachServer::broadcast(char kind, std::string_view data) {
  if (clients_.empty()) return;
  std::string f = attach::frame(kind, data);
  for (auto& c : clients_) {
    c.out += f;
    write_client(c);
  }
  std::erase_if(clients_, [](const Client& c) { return !c.fd; });
}

void AttachServer::finish(int code) {
  std::string f = attach::frame(attach::kExit, std::to_string(code));
  for (auto& c : clients_) {
    c.out += f;
    // A second at most for what is left: the shim has a restart or an exit to get on with.
    for (int tries = 0; tries < 10 && c.fd && !c.out.empty(); ++tries) {
      write_client(c);
      pollfd p{c.fd.get(), POLLOUT, 0};
      if (c.fd && !c.out.empty()) ::poll(&p, 1, 100);
    }
  }
  clients_.clear();
  input_ = {};
  pending_input_.clear();
  close_input_ = false;
}

}  // namespace lit::shim
