#pragma once
// Thin RAII layer over libnl-route-3: owners for sockets, links, addresses and
// routes, a socket that acts in another network namespace, and libnl errors
// turned into lit::Error with the kernel's own errno.
#include <memory>
#include <string>

struct nl_sock;
struct nl_addr;
struct nl_cache;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;

namespace lit::network::nl {

struct NlAddrPut {
  void operator()(nl_addr* a) const;
};
struct CacheFree {
  void operator()(nl_cache* c) const;
};
struct LinkPut {
  void operator()(rtnl_link* l) const;
};
struct AddrPut {
  void operator()(rtnl_addr* a) const;
};
struct RoutePut {
  void operator()(rtnl_route* r) const;
};

using Address = std::unique_ptr<nl_addr, NlAddrPut>;
using Cache = std::unique_ptr<nl_cache, CacheFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using IfAddr = std::unique_ptr<rtnl_addr, AddrPut>;
using Route = std::unique_ptr<rtnl_route, RoutePut>;

// A connected NETLINK_ROUTE socket. It remembers the errno of the kernel's
// last error reply: libnl maps many errnos (ENETUNREACH...) to "Unspecific failure".
class Socket {
 public:
  // A socket in the calling thread's network namespace.
  static Socket connect();
  // A socket bound to the network namespace behind netns_fd. A netlink socket
  // acts in the namespace it was created in, so a short-lived thread enters
  // the namespace only to create it; the calling thread never changes namespace.
  static Socket connect_in(int netns_fd);

  Socket(Socket&&) noexcept = default;
  Socket& operator=(Socket&&) noexcept = default;
  ~Socket();

  nl_sock* get() const { return state_->sock; }

  // Returns rc when >= 0; otherwise throws lit::Error(op, target, errno).
  int check(int rc, const std::string& op, const std::string& target) const;

  struct State {
    nl_sock* sock = nullptr;
    int last_errno = 0;
  };

 private:
  explicit Socket(std::unique_ptr<State> s) : state_(std::move(s)) {}
  static Socket make();           // allocated and connected in the calling thread's namespace
  std::unique_ptr<State> state_;  // on the heap: libnl's error callback points at it
};

// The errno closest to a libnl error code (0 when there is none).
int to_errno(int nl_error);

// The link named `name`, or nullptr when there is none. Throws on other errors.
Link get_link(const Socket& sock, const std::string& name);

// A link's interface index; throws naming the link when it does not exist.
int ifindex(const Socket& sock, const std::string& name);

// Sets IFF_UP on an existing link.
void set_up(const Socket& sock, const std::string& name);

// Turns on hairpin mode of a bridge port (`bridge link set dev X hairpin on`):
// a frame may leave by the port it came in, so a container reaches itself
// through a published port when the bridge's traffic passes netfilter.
void set_hairpin(const Socket& sock, int port_ifindex, const std::string& name);
// Deletes a link by name; returns false when it did not exist.
bool delete_link(const Socket& sock, const std::string& name);

// An IPv4 nl_addr (address in network byte order) with a prefix length.
Address ipv4(unsigned int addr_be, unsigned prefix_len);

}  // namespace lit::network::nl
