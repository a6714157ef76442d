#pragma once
// Links and addresses of lit networks over netlink: a bridge per network, a
// veth pair per container per network. Every host-side link lit makes is
// named "lit..." so `lit_links()` finds (and a leak check removes) them
// without state files.
#include <netinet/in.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::network {

// An IPv4 address with a prefix length, e.g. 10.89.0.1/24.
struct Ipv4Interface {
  in_addr addr{};  // network byte order
  unsigned prefix_len = 24;
};

// Every name lit gives a host link starts with this.
inline constexpr std::string_view kLinkPrefix = "lit";

// "lit-" + the first 11 characters of a network id: the network's bridge.
std::string bridge_name(std::string_view network_id);
// "lit" + the first 11 characters of a container id + the network index in
// base 36 (0..35): the host end of that container's veth on that network.
std::string veth_name(std::string_view container_id, unsigned index);

// Creates the bridge if missing, gives it exactly this IPv4 address (the
// network's gateway), sets the MTU (0: kernel default) and brings it up
// (with bring_up false, one it makes stays down: the network manager brings
// it up last, with bring_up_link, so an up bridge means its rules are there).
// Idempotent. A link of that name that is not a bridge is an error.
void ensure_bridge(const std::string& name, const Ipv4Interface& gateway, int mtu = 0,
                   bool bring_up = true);

// Sets IFF_UP on a lit link.
void bring_up_link(const std::string& name);

// The link exists and is up.
bool link_up(const std::string& name);

// Deletes a lit link (a bridge, or a veth and its peer); no error if it is gone.
// Names not starting with "lit" are refused: lit never deletes links it did not make.
void delete_link(const std::string& name);

// One container's attachment to one network.
struct ContainerLink {
  int netns_fd = -1;      // the container's network namespace
  std::string bridge;     // existing bridge, e.g. bridge_name(id)
  std::string host_name;  // e.g. veth_name(container_id, index)
  std::string inside_name = "eth0";
  std::string mac;                 // "" = 02:6c + the IPv4 address
  Ipv4Interface address;           // the container's address in the subnet
  std::optional<in_addr> gateway;  // default route via it; none for extra networks
  int mtu = 0;                     // 0: kernel default
};

// Opens /proc/<pid>/ns/net (for ContainerLink::netns_fd).
UniqueFd open_netns(pid_t pid);

// Creates a veth pair: host end enslaved to the bridge and up, peer created
// directly in the container's namespace as inside_name with the address, up,
// loopback up, and the default route via the gateway. On any failure the veth
// (and so its peer) is deleted before the error is thrown.
void attach_container(const ContainerLink& link);

// Removes a container's veth pair by its host end; no error if already gone.
void detach_container(const std::string& host_name);

// Every link in the calling thread's network namespace whose name starts with "lit".
std::vector<std::string> lit_links();

}  // namespace lit::network
