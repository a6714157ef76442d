#include "network/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {
namespace {

sockaddr_in address(std::string_view host_ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (!host_ip.empty() && inet_pton(AF_INET, std::string(host_ip).c_str(), &sa.sin_addr) != 1)
    throw Error("host address", std::string(host_ip), 0, "give an IPv4 address");
  return sa;
}

UniqueFd open_socket(Proto proto) {
  int type = proto == Proto::Tcp ? SOCK_STREAM : SOCK_DGRAM;
  return UniqueFd(static_cast<int>(check_sys(socket(AF_INET, type | SOCK_CLOEXEC, 0), "socket")));
}

}  // namespace

bool port_in_use(std::string_view host_ip, uint16_t port, Proto proto) {
  sockaddr_in sa = address(host_ip, port);
  UniqueFd fd = open_socket(proto);
  // TIME_WAIT leftovers do not hold a port; a listener or bound socket does.
  int one = 1;
  check_sys(setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "setsockopt");
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return false;
  if (errno == EADDRINUSE) return true;
  std::string target = (host_ip.empty() ? std::string("0.0.0.0") : std::string(host_ip)) + ":" +
                       std::to_string(port) + "/" + std::string(proto_name(proto));
  throw Error::sys("bind", target, errno);
}

uint16_t pick_free_port(Proto proto, std::string_view host_ip) {
  sockaddr_in sa = address(host_ip, 0);
  UniqueFd fd = open_socket(proto);
  check_sys(bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), "bind",
            "a free " + std::string(proto_name(proto)) + " port");
  socklen_t len = sizeof sa;
  check_sys(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), "getsockname");
  return ntohs(sa.sin_port);
}

}  // namespace lit::network
