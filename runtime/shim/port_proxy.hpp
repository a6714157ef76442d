#pragma once
// Published ports carried by a user-space proxy, as docker-proxy and podman's
// rootlessport do: for a rootless container lit's DNAT rules live in the
// session's network namespace, which the host cannot reach, so the container's
// supervisor (lit-shim) holds the host's listening sockets and forwards what
// arrives to the container's address, with outgoing sockets made in the
// session's namespace. Driven by the shim's poll loop (add_pollfds / handle,
// like AttachServer); nothing here blocks.
//   TCP: accept, connect upstream (non-blocking), copy both ways through
//        bounded buffers, pass a half-close on (shutdown(SHUT_WR) at EOF);
//        an error on either side closes both.
//   UDP: one connected upstream socket per client address; replies go back to
//        that client; a flow idle for `udp_idle_ms` goes.
#include <netinet/in.h>
#include <poll.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "runtime/spec/published_port.hpp"
#include "runtime/util/fs.hpp"

namespace lit::shim {

// One published port: the host's socket (bound; listening for TCP) and the
// container's address it forwards to.
struct ProxyListener {
  UniqueFd fd;
  runtime::Proto proto = runtime::Proto::Tcp;
  sockaddr_in target{};
};

// A non-blocking, close-on-exec socket made in the network namespace `netns`
// (-1: the caller's). Network namespaces are per thread: a short-lived thread
// enters it, so the caller's stays as it was. Invalid with errno set on failure.
UniqueFd socket_in_netns(int netns, int domain, int type);

// A UDP listener reports each datagram's destination, so that replies leave
// from the address the client asked (a socket on every address would answer
// from the route's preferred source). PortProxy does this to its listeners.
void enable_destination_info(const ProxyListener& l);

class PortProxy {
 public:
  static constexpr int64_t kUdpIdleMs = 60'000;

  // `netns`: where upstream sockets are made (invalid: here).
  PortProxy(std::vector<ProxyListener> listeners, UniqueFd netns, int64_t udp_idle_ms = kUdpIdleMs);
  ~PortProxy();
  PortProxy(const PortProxy&) = delete;
  PortProxy& operator=(const PortProxy&) = delete;

  // The descriptors to poll, appended to `fds`; then handle() with the same
  // slice once poll returned.
  void add_pollfds(std::vector<pollfd>& fds) const;
  void handle(const pollfd* fds, size_t count);
  // Milliseconds until the next UDP flow may expire (-1: none); poll's timeout.
  int timeout_ms() const;

  size_t tcp_connections() const { return conns_.size(); }
  size_t udp_flows() const { return flows_.size(); }

 private:
  static constexpr size_t kDatagramMax = 65536;
  static int64_t now_ms();  // monotonic

  struct Direction {  // bytes read from one side, not yet written to the other
    std::unique_ptr<char[]> buf;
    size_t len = 0;
    bool eof = false, shut = false;
  };
  struct Conn {
    UniqueFd client, upstream;
    bool connecting = true;
    Direction up, down;  // client -> upstream, upstream -> client
  };
  struct FlowKey {
    size_t listener;
    uint32_t addr;
    uint16_t port;
    auto operator<=>(const FlowKey&) const = default;
  };
  struct Flow {
    UniqueFd upstream;
    int64_t last_ms = 0;
    uint32_t local = 0;  // where the client sent to: replies come from there
  };

  void accept_tcp(size_t listener);
  void on_conn(Conn& c, short client_ev, short upstream_ev);
  static bool pump(int from, int to, Direction& d, bool readable);
  void receive_udp(size_t listener);
  void reply_udp(const FlowKey& key, Flow& f);
  void expire_udp();

  std::vector<ProxyListener> listeners_;
  UniqueFd netns_;
  int64_t udp_idle_ms_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::map<FlowKey, Flow> flows_;
  int64_t accept_resume_ms_ = 0;  // out of descriptors: no accepting until then
  std::unique_ptr<char[]> datagram_;
};

}  // namespace lit::shim
