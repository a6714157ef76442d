#include "runtime/shim/port_proxy.hpp"

#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace lit::shim {
namespace {

constexpr size_t kBuffer = 32U << 10;  // per direction of a connection
constexpr int kBatch = 64;             // accepts per wake-up: the other ports get their turn
constexpr int64_t kAcceptPauseMs = 1000;

}  // namespace

UniqueFd socket_in_netns(int netns, int domain, int type) {
  type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (netns < 0) return UniqueFd(::socket(domain, type, 0));
  int fd = -1, err = 0;
  // This thread enters the namespace and ends; the socket stays in it.
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    fd = ::socket(domain, type, 0);
    if (fd < 0) err = errno;
  }).join();
  errno = err;
  return UniqueFd(fd);
}

int64_t PortProxy::now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

PortProxy::PortProxy(std::vector<ProxyListener> listeners, UniqueFd netns, int64_t udp_idle_ms)
    : listeners_(std::move(listeners)),
      netns_(std::move(netns)),
      udp_idle_ms_(udp_idle_ms),
      datagram_(new char[kDatagramMax]) {
  for (const auto& l : listeners_) enable_destination_info(l);
}

PortProxy::~PortProxy() = default;

void PortProxy::add_pollfds(std::vector<pollfd>& fds) const {
  const bool paused = accept_resume_ms_ > now_ms();
  for (const auto& l : listeners_)
    fds.push_back({l.proto == runtime::Proto::Tcp && paused ? -1 : l.fd.get(), POLLIN, 0});
  for (const auto& c : conns_) {
    short client = 0, upstream = POLLOUT;  // connecting: writable once connected
    if (!c->connecting) {
      client = static_cast<short>(((!c->up.eof && c->up.len < kBuffer) ? POLLIN : 0) |
                                  (c->down.len > 0 ? POLLOUT : 0));
      upstream = static_cast<short>(((!c->down.eof && c->down.len < kBuffer) ? POLLIN : 0) |
                                    (c->up.len > 0 ? POLLOUT : 0));
    }
    // A socket with nothing wanted is left out: its POLLHUP would wake us for nothing.
    fds.push_back({client ? c->client.get() : -1, client, 0});
    fds.push_back({upstream ? c->upstream.get() : -1, upstream, 0});
  }
  for (const auto& [key, f] : flows_) fds.push_back({f.upstream.get(), POLLIN, 0});
}

void PortProxy::handle(const pollfd* fds, size_t count) {
  if (count != listeners_.size() + 2 * conns_.size() + flows_.size()) return;  // changed since
  const pollfd* at = fds + listeners_.size();
  for (auto& c : conns_) {
    on_conn(*c, at[0].revents, at[1].revents);
    at += 2;
  }
  if (std::erase_if(conns_, [](const auto& c) { return !c->client; }) > 0) accept_resume_ms_ = 0;
  for (auto& [key, f] : flows_) {
    if (at->revents) reply_udp(key, f);
    ++at;
  }
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (!(fds[i].revents & POLLIN)) continue;
    if (listeners_[i].proto == runtime::Proto::Tcp)
      accept_tcp(i);
    else
      receive_udp(i);
  }
  expire_udp();
}

int PortProxy::timeout_ms() const {
  const int64_t now = now_ms();
  int64_t next = -1;
  auto sooner = [&](int64_t at) { next = next < 0 ? at : std::min(next, at); };
  if (accept_resume_ms_ > now) sooner(accept_resume_ms_);
  for (const auto& [key, f] : flows_) sooner(f.last_ms + udp_idle_ms_);
  if (next < 0) return -1;
  return static_cast<int>(std::clamp<int64_t>(next - now, 0, 60'000));
}

void PortProxy::accept_tcp(size_t listener) {
  const ProxyListener& l = listeners_[listener];
  for (int i = 0; i < kBatch; ++i) {
    UniqueFd client(::accept4(l.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      // Out of descriptors: the pending connection would wake us again at once.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        accept_resume_ms_ = now_ms() + kAcceptPauseMs;
      return;
    }
    UniqueFd upstream = socket_in_netns(netns_.get(), AF_INET, SOCK_STREAM);
    if (!upstream) continue;  // the client is closed: it sees the connection end
    const auto* to = reinterpret_cast<const sockaddr*>(&l.target);
    int rc = ::connect(upstream.get(), to, sizeof l.target);
    if (rc != 0 && errno != EINPROGRESS) continue;  // refused at once: the client is closed
    auto c = std::make_unique<Conn>();
    c->client = std::move(client);
    c->upstream = std::move(upstream);
    c->connecting = rc != 0;
    c->up.buf.reset(new char[kBuffer]);
    c->down.buf.reset(new char[kBuffer]);
    conns_.push_back(std::move(c));
  }
}

void PortProxy::on_conn(Conn& c, short client_ev, short upstream_ev) {
  constexpr short kReadable = POLLIN | POLLHUP | POLLERR;
  if (c.connecting) {
    if (!upstream_ev) return;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.upstream.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      c.client.reset();  // refused or unreachable: the client's connection ends
      return;
    }
    c.connecting = false;
  }
  bool ok = pump(c.client.get(), c.upstream.get(), c.up, (client_ev & kReadable) != 0) &&
            pump(c.upstream.get(), c.client.get(), c.down, (upstream_ev & kReadable) != 0);
  if (!ok || (c.up.shut && c.down.shut)) c.client.reset();
}

bool PortProxy::pump(int from, int to, Direction& d, bool readable) {
  if (readable && !d.eof && d.len < kBuffer) {
    ssize_t n = ::recv(from, d.buf.get() + d.len, kBuffer - d.len, 0);
    if (n > 0)
      d.len += static_cast<size_t>(n);
    else if (n == 0)
      d.eof = true;
    else if (errno != EAGAIN && errno != EINTR)
      return false;
  }
  while (d.len > 0) {
    ssize_t n = ::send(to, d.buf.get(), d.len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    d.len -= static_cast<size_t>(n);
    std::memmove(d.buf.get(), d.buf.get() + n, d.len);
  }
  if (d.eof && !d.shut) {  // everything passed on: so is the end of it
    ::shutdown(to, SHUT_WR);
    d.shut = true;
  }
  return true;
}

}  // namespace lit::shim
