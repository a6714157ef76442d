// libnl-route-3 RAII wrappers and error mapping. See netlink.hpp.
#include "network/netlink.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <thread>
#include <utility>

#include "runtime/util/error.hpp"

namespace lit::network::nl {

void NlAddrPut::operator()(nl_addr* a) const { nl_addr_put(a); }
void CacheFree::operator()(nl_cache* c) const { nl_cache_free(c); }
void LinkPut::operator()(rtnl_link* l) const { rtnl_link_put(l); }
void AddrPut::operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
void RoutePut::operator()(rtnl_route* r) const { rtnl_route_put(r); }

namespace {

// Keeps the kernel's errno of an error reply; NL_STOP lets libnl fail as usual.
int remember_errno(sockaddr_nl*, nlmsgerr* e, void* arg) {
  static_cast<Socket::State*>(arg)->last_errno = -e->error;
  return NL_STOP;
}

}  // namespace

Socket Socket::make() {
  auto state = std::make_unique<State>();
  state->sock = nl_socket_alloc();
  if (!state->sock) throw Error("allocate netlink socket", {}, ENOMEM);
  Socket s(std::move(state));
  nl_socket_modify_err_cb(s.get(), NL_CB_CUSTOM, remember_errno, s.state_.get());
  s.check(nl_connect(s.get(), NETLINK_ROUTE), "connect netlink socket", "NETLINK_ROUTE");
  return s;
}

Socket Socket::connect() { return make(); }

Socket Socket::connect_in(int netns_fd) {
  std::unique_ptr<State> made;
  std::exception_ptr failure;
  // Network namespaces are per thread: this thread enters the target and ends.
  std::thread([&] {
    try {
      check_sys(setns(netns_fd, CLONE_NEWNET), "enter network namespace",
                "fd " + std::to_string(netns_fd));
      made = std::move(make().state_);
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
  return Socket(std::move(made));
}

Socket::~Socket() {
  if (state_ && state_->sock) nl_socket_free(state_->sock);
}

int Socket::check(int rc, const std::string& op, const std::string& target) const {
  int kernel_errno = std::exchange(state_->last_errno, 0);
  if (rc >= 0) return rc;
  int err = kernel_errno ? kernel_errno : to_errno(-rc);
  if (err) throw Error(op, target, err);
  throw Error(op, target + ": " + nl_geterror(rc));
}

int to_errno(int nl_error) {
  switch (nl_error < 0 ? -nl_error : nl_error) {
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_BUSY:
      return EBUSY;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_PERM:
      return EPERM;
    case NLE_NODEV:
      return ENODEV;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_INTR:
      return EINTR;
    default:
      return 0;
  }
}

Link get_link(const Socket& sock, const std::string& name) {
  rtnl_link* link = nullptr;
  int rc = rtnl_link_get_kernel(sock.get(), 0, name.c_str(), &link);
  if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
    sock.check(0, {}, {});  // forget the remembered ENODEV
    return nullptr;
  }
  sock.check(rc, "look up link", name);
  return Link(link);
}

int ifindex(const Socket& sock, const std::string& name) {
  Link link = get_link(sock, name);
  if (!link) throw Error("look up link", name, ENODEV);
  return rtnl_link_get_ifindex(link.get());
}

void set_up(const Socket& sock, const std::string& name) {
  Link link = get_link(sock, name);
  if (!link) throw Error("set link up", name, ENODEV);
  Link change(rtnl_link_alloc());
  if (!change) throw Error("set link up", name, ENOMEM);
  rtnl_link_set_flags(change.get(), IFF_UP);
  sock.check(rtnl_link_change(sock.get(), link.get(), change.get(), 0), "set link up", name);
}

void set_hairpin(const Socket& sock, int port_ifindex, const std::string& name) {
  // libnl-route has no setter that sends bridge port flags: a raw RTM_SETLINK
  // of family AF_BRIDGE carrying IFLA_PROTINFO { IFLA_BRPORT_MODE = 1 }.
  std::unique_ptr<nl_msg, decltype(&nlmsg_free)> msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST),
                                                     &nlmsg_free);
  if (!msg) throw Error("set hairpin mode on", name, ENOMEM);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = port_ifindex;
  nlattr* protinfo = nullptr;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
      !(protinfo = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED)) ||
      nla_put_u8(msg.get(), IFLA_BRPORT_MODE, 1) < 0)
    throw Error("set hairpin mode on", name, ENOMEM);
  nla_nest_end(msg.get(), protinfo);
  sock.check(nl_send_auto(sock.get(), msg.get()), "set hairpin mode on", name);
  sock.check(nl_wait_for_ack(sock.get()), "set hairpin mode on", name);
}

bool delete_link(const Socket& sock, const std::string& name) {
  Link link = get_link(sock, name);
  if (!link) return false;
  int rc = rtnl_link_delete(sock.get(), link.get());
  if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {  // gone meanwhile (its peer was deleted)
    sock.check(0, {}, {});
    return false;
  }
  sock.check(rc, "delete link", name);
  return true;
}

Address ipv4(unsigned int addr_be, unsigned prefix_len) {
  Address a(nl_addr_build(AF_INET, &addr_be, sizeof addr_be));
  if (!a) throw Error("build IPv4 address", {}, ENOMEM);
  nl_addr_set_prefixlen(a.get(), static_cast<int>(prefix_len));
  return a;
}

}  // namespace lit::network::nl
