#pragma once
// Peers for PortProxy tests: echo servers on 127.0.0.1 of a given network
// namespace (-1: the test's), the proxy's poll loop on a thread, and clients.
// Shared by the unit tests (loopback here) and the integration tests (the
// servers in a namespace of the test's own, reached only through the proxy).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/shim/port_proxy.hpp"
#include "runtime/util/fs.hpp"

namespace lit::test::proxy {

using namespace std::chrono_literals;

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

inline uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A socket of `type` bound to 127.0.0.1 (port 0: any) in `netns`.
inline UniqueFd bound(int netns, int type, uint16_t port = 0) {
  UniqueFd fd = shim::socket_in_netns(netns, AF_INET, type);
  sockaddr_in a = loopback(port);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
  if (type == SOCK_STREAM && ::listen(fd.get(), 128) != 0) return {};
  return fd;
}

// Waits on `fd` and on `stop` (an eventfd); false once stop is signalled.
inline bool wait_readable(int fd, int stop) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stop, POLLIN, 0}};
  while (::poll(p, 2, -1) < 0) {
  }
  return !(p[1].revents & POLLIN);
}

// Runs `body(stop_fd)` on a thread; the destructor signals stop and joins.
class Worker {
 public:
  template <typename F>
  explicit Worker(F body) : stop_(::eventfd(0, EFD_CLOEXEC)) {
    thread_ = std::thread([this, body] { body(stop_.get()); });
  }
  ~Worker() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

 private:
  UniqueFd stop_;
  std::thread thread_;
};

// Echoes what a client sends; at the client's half-close it adds "<EOF>" and
// closes its side: the half-close went through and the way back stayed open.
class TcpEcho {
 public:
  explicit TcpEcho(int netns = -1)
      : listen_(bound(netns, SOCK_STREAM)), port(port_of(listen_.get())) {
    worker_.emplace([this](int stop) { serve(stop); });
  }
  ~TcpEcho() {
    worker_.reset();
    for (auto& t : conns_) t.join();
  }
  UniqueFd listen_;
  uint16_t port;

 private:
  void serve(int stop) {
    while (wait_readable(listen_.get(), stop)) {
      int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval tv{10, 0};  // a test that failed half-way must not hang the server
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      conns_.emplace_back([fd] {
        char buf[16384];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0)
          if (::send(fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
        if (n == 0) ::send(fd, "<EOF>", 5, MSG_NOSIGNAL);
        ::close(fd);
      });
    }
  }
  std::vector<std::thread> conns_;
  std::optional<Worker> worker_;
};

// Answers each datagram with "echo:" and the datagram.
class UdpEcho {
 public:
  explicit UdpEcho(int netns = -1)
      : sock_(bound(netns, SOCK_DGRAM)), port(port_of(sock_.get())), worker_([this](int stop) {
          char buf[2048];
          while (wait_readable(sock_.get(), stop)) {
            sockaddr_in from{};
            socklen_t len = sizeof from;
            ssize_t n = ::recvfrom(sock_.get(), buf, sizeof buf, 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0) continue;
            std::string reply = "echo:" + std::string(buf, static_cast<size_t>(n));
            ::sendto(sock_.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
                     len);
          }
        }) {}
  UniqueFd sock_;
  uint16_t port;

 private:
  Worker worker_;
};

// The proxy's poll loop, as the supervisor runs it, on a thread.
class ProxyRunner {
 public:
  ProxyRunner(std::vector<shim::ProxyListener> listeners, UniqueFd netns,
              int64_t udp_idle_ms = shim::PortProxy::kUdpIdleMs)
      : proxy_(std::move(listeners), std::move(netns), udp_idle_ms), worker_([this](int stop) {
          std::vector<pollfd> fds;
          for (;;) {
            fds = {{stop, POLLIN, 0}};
            proxy_.add_pollfds(fds);
            if (::poll(fds.data(), fds.size(), proxy_.timeout_ms()) < 0) continue;
            if (fds[0].revents) return;
            proxy_.handle(fds.data() + 1, fds.size() - 1);
            tcp_ = proxy_.tcp_connections();
            udp_ = proxy_.udp_flows();
          }
        }) {}
  size_t tcp() const { return tcp_; }
  size_t udp() const { return udp_; }

 private:
  shim::PortProxy proxy_;
  std::atomic<size_t> tcp_{0}, udp_{0};
  Worker worker_;
};

// A published port: a socket on 127.0.0.1 here, forwarding to 127.0.0.1:target.
inline shim::ProxyListener listener(runtime::Proto proto, uint16_t target) {
  shim::ProxyListener l;
  l.proto = proto;
  l.fd = bound(-1, proto == runtime::Proto::Tcp ? SOCK_STREAM : SOCK_DGRAM);
  l.target = loopback(target);
  return l;
}

// A blocking client of `type` connected to 127.0.0.1:port, reads bounded in time.
inline UniqueFd client(int type, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  timeval tv{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
  return fd;
}

// Everything until EOF; "<error>" appended when the read failed instead.
inline std::string read_to_eof(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) return out + "<error>";
    out.append(buf, static_cast<size_t>(n));
  }
}

inline std::string read_n(int fd, size_t n) {
  std::string out;
  char buf[16384];
  while (out.size() < n) {
    ssize_t got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

inline bool send_all(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// A datagram's answer on a connected UDP client ("" when none came in time).
inline std::string ask(int fd, const std::string& text) {
  ::send(fd, text.data(), text.size(), 0);
  char buf[2048];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

template <typename F>
bool eventually(F&& ok, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace lit::test::proxy
