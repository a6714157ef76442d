#include "runtime/lifecycle/published_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "runtime/rootless/session.hpp"
#include "runtime/shim/port_handoff.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

const char* test_host_netns() {
  const char* v = std::getenv(kTestHostNetnsEnv);
  return v && *v && ::geteuid() == 0 ? v : nullptr;
}

// Where the "host" sockets are bound: here, or the test hook's namespace.
UniqueFd listen_netns() {
  const char* path = test_host_netns();
  if (!path || rootless::active()) return {};
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::sys("open the network namespace", path, errno);
  return fd;
}

sockaddr_in address(const std::string& ip, uint16_t port, const std::string& what) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (ip.empty()) {
    a.sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) {
    throw Error(what + ": " + ip + " is not an IPv4 address");
  }
  return a;
}

std::string port_text(const PublishedPort& p) {
  return (p.host_ip.empty() ? std::string("0.0.0.0") : p.host_ip) + ":" +
         std::to_string(p.host_port) + "/" + std::string(proto_name(p.proto));
}

Error bind_error(const PublishedPort& p, int err) {
  Error e = Error::sys("publish port", port_text(p), err);
  if (err == EADDRINUSE) e.with_hint("another process holds it: publish on another host port");
  if (err == EACCES)
    e.with_hint("ports below net.ipv4.ip_unprivileged_port_start need root: use a higher one");
  return e;
}

// Binds p (host_port 0: the kernel chooses, written back to p).
shim::ProxyListener bind_one(int netns, PublishedPort& p, const sockaddr_in& target) {
  const bool tcp = p.proto == Proto::Tcp;
  shim::ProxyListener l;
  l.proto = p.proto;
  l.target = target;
  l.target.sin_port = htons(p.container_port);
  l.fd = shim::socket_in_netns(netns, AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM);
  if (!l.fd) throw Error::sys("publish port: make a socket", port_text(p), errno);
  sockaddr_in at = address(p.host_ip, p.host_port, "publish port " + port_text(p));
  int one = 1;  // a restart finds its old connections in TIME_WAIT
  if (tcp) ::setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0)
    throw bind_error(p, errno);
  if (tcp && ::listen(l.fd.get(), SOMAXCONN) != 0) throw bind_error(p, errno);
  if (p.host_port == 0) {
    socklen_t len = sizeof at;
    if (::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&at), &len) != 0)
      throw Error::sys("publish port: read the port chosen", port_text(p), errno);
    p.host_port = ntohs(at.sin_port);
  }
  return l;
}

}  // namespace

bool ports_need_proxy(const ContainerRecord& record) {
  if (record.spec.network != NetworkMode::Bridge || record.publish.empty()) return false;
  return rootless::active() || test_host_netns() != nullptr;
}

std::vector<shim::ProxyListener> bind_proxy_listeners(const ContainerRecord& record,
                                                      std::vector<PublishedPort>& bound) {
  std::vector<shim::ProxyListener> out;
  if (bound.empty()) return out;
  if (record.networks.empty())
    throw Error("publish ports of container " + record.name + ": it is connected to no network");
  const std::string& ip = record.networks.front().ip;
  sockaddr_in target = address(ip, 0, "publish ports of container " + record.name);
  UniqueFd netns = listen_netns();
  // A random host port is chosen here, on the host, not where lit's rules are
  // (the network start chose one free there); bound keeps publish's order.
  const bool same = bound.size() == record.publish.size();
  for (size_t i = 0; i < bound.size(); ++i) {
    if (same && record.publish[i].host_port == 0) bound[i].host_port = 0;
    out.push_back(bind_one(netns.get(), bound[i], target));
  }
  return out;
}

void hand_over_ports(int sock, const std::vector<shim::ProxyListener>& listeners) {
  // Upstream sockets: in the session's namespace when rootless; else (the
  // test hook) in the supervisor's own, where the bridges are.
  const int netns = rootless::active() ? rootless::netns_fd() : -1;
  if (!shim::send_proxy_ports(sock, netns, listeners))
    throw Error::sys("hand the published ports to the supervisor", "", errno);
}

ForegroundProxy::~ForegroundProxy() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void ForegroundProxy::wrap(RunHooks& hooks, const ContainerRecord& record,
                           std::vector<PublishedPort>& ports) {
  if (!ports_need_proxy(record) || !hooks.before_start) return;
  hooks.before_start = [this, &record, &ports, net_start = hooks.before_start](pid_t init) {
    net_start(init);
    start(bind_proxy_listeners(record, ports));
  };
}

void ForegroundProxy::start(std::vector<shim::ProxyListener> listeners) {
  UniqueFd netns;
  if (rootless::active()) {
    netns.reset(::fcntl(rootless::netns_fd(), F_DUPFD_CLOEXEC, 0));
    if (!netns) throw Error::sys("publish ports: open the session's network namespace", "", errno);
  }
  stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!stop_) throw Error::sys("publish ports: make an eventfd", "", errno);
  auto proxy = std::make_unique<shim::PortProxy>(std::move(listeners), std::move(netns));
  thread_ = std::thread([proxy = std::move(proxy), stop = stop_.get()] {
    std::vector<pollfd> fds;
    for (;;) {
      fds = {{stop, POLLIN, 0}};
      proxy->add_pollfds(fds);
      if (::poll(fds.data(), fds.size(), proxy->timeout_ms()) < 0 && errno != EINTR) return;
      if (fds[0].revents) return;
      proxy->handle(fds.data() + 1, fds.size() - 1);
    }
  });
}

}  // namespace lit::runtime
