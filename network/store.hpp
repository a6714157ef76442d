#pragma once
// lit's network records, under <root>/networks:
//   <name>.json                     the network's own fields
//   <name>.endpoints/<ip>.json      one per container attached: the address is
//                                   taken while its file exists
//   <name>.endpoints/<container id> a symlink to its <ip>.json, to find a
//                                   container's endpoint without reading the others
// so a container's attach, start, stop or removal costs the same however many
// other containers share the network (attach lists the directory's names to
// find a free address, and reads no other file). Every file is written
// atomically; every change happens under the store-wide lock
// <root>/networks/lock, so names, subnets and addresses stay unique across
// concurrent lit commands. Reads need no lock.
//
// A record written before endpoints had files of their own holds them inside
// ("containers"): it is read as it is, and moved to the files above (under the
// lock) by the first change to that network.
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "network/cidr.hpp"
#include "network/ipam.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {

// One container's attachment to a network.
struct Endpoint {
  std::string container_id;
  std::string container_name;  // for DNS and messages
  Ipv4 address;
  std::vector<std::string> aliases;  // --network-alias
  bool static_address = false;       // given with --ip
  // The container's init while it runs (0 when stopped), with its start time:
  // DNS answers its names, and its published ports stay, only while that
  // very process lives, so a container killed with its supervisor, or gone
  // with a reboot, is not served even though nobody recorded its end.
  pid_t pid = 0;
  uint64_t pid_start = 0;
  bool running() const;
};

// The MTU of lit's bridges and veths unless a network says otherwise: the
// veth maximum, as on loopback. Containers on one host then exchange 64 kB
// frames (1.4x the throughput of 1500 here); traffic leaving the host is cut
// to the path's size by the MSS clamp in lit's firewall and by path MTU
// discovery, as between any two hosts.
inline constexpr int kDefaultMtu = 65535;
// Records written before networks had an MTU have bridges of the kernel's.
inline constexpr int kLegacyMtu = 1500;

struct NetworkRecord {
  std::string name;
  std::string id;  // 64 hex characters
  Cidr subnet;
  Ipv4 gateway;
  bool internal = false;  // no egress
  int mtu = kDefaultMtu;  // of the bridge and every container's veth
  std::string created;    // RFC 3339
  std::map<std::string, std::string> labels;
  // By container id; read only when asked (Endpoints::Load), and by
  // networks_of only the container's own.
  std::map<std::string, Endpoint> endpoints;
};

// The record with its endpoints as "containers" (network inspect's form, and
// the store's before endpoints had files of their own).
nlohmann::json to_json(const NetworkRecord& record);
NetworkRecord network_from_json(const nlohmann::json& j);

// What `lit network create` asks for; subnet and gateway as the user typed them.
struct NetworkCreate {
  std::string name;
  std::optional<std::string> subnet;   // --subnet; chosen from the pool when absent
  std::optional<std::string> gateway;  // --gateway; the first host address when absent
  bool internal = false;
  std::map<std::string, std::string> labels;
  int mtu = kDefaultMtu;  // -o mtu=N
};

// Applies driver options (`network create -o K=V`, compose's driver_opts):
// "mtu" or docker's "com.docker.network.driver.mtu" (68-65535). Throws
// lit::Error naming the option for an unknown key or a bad value.
void apply_driver_options(NetworkCreate& request,
                          const std::map<std::string, std::string>& options);

// What `run --network N [--ip IP] [--network-alias A]` or `network connect` asks for.
struct AttachRequest {
  std::string container_id;
  std::string container_name;
  std::optional<std::string> ip;  // --ip
  std::vector<std::string> aliases;
};

// Where the store's records live under lit's persistent root.
inline std::filesystem::path networks_dir(const std::filesystem::path& root) {
  return root / "networks";
}

// Whether reading a network reads its endpoints too: one file each, so a
// caller that needs only the network's fields (subnet, gateway, bridge, MTU)
// passes Skip.
enum class Endpoints { Skip, Load };

class NetworkStore {
 public:
  // Returns the host's routes when a subnet must be chosen (read_host_routes by default).
  using RouteSource = std::function<std::vector<Cidr>()>;

  explicit NetworkStore(std::filesystem::path dir, SubnetPool pool = subnet_pool_from_environment(),
                        RouteSource routes = read_host_routes);

  // Validates, picks a subnet when none is given, and writes the record. Refuses
  // an invalid or taken name and a subnet overlapping another lit network's.
  NetworkRecord create(const NetworkCreate& request);

  // Sorted by name. A damaged file (record or endpoint) throws an error naming it.
  std::vector<NetworkRecord> list(Endpoints endpoints = Endpoints::Load) const;
  // By exact name, full id, or unique id prefix; nullopt when none matches.
  // Throws when a prefix is ambiguous.
  std::optional<NetworkRecord> find(const std::string& name_or_id,
                                    Endpoints endpoints = Endpoints::Load) const;
  // As find, but throws "no such network: X".
  NetworkRecord lookup(const std::string& name_or_id, Endpoints endpoints = Endpoints::Load) const;

  // Removes the record; refused while containers are attached:
  // "network X is in use by container(s) a, b". Returns what was removed.
  // `before`, when given, runs under the store's lock once the network is
  // known to be unused and before its record goes: what the network made in
  // the kernel goes first, then its endpoints directory, the record last, so
  // a removal cut short leaves the record, and removing it again finishes the job.
  NetworkRecord remove(const std::string& name_or_id,
                       const std::function<void(const NetworkRecord&)>& before = {});

  // Gives the container an address (the lowest free one, or its --ip) and
  // records it. Refused when the container is already attached. Returns the endpoint.
  Endpoint attach(const std::string& name_or_id, const AttachRequest& request);
  // Releases the container's address; false when it was not attached.
  bool detach(const std::string& name_or_id, const std::string& container_id);

  // Records the container's init on its endpoints (on every network), or
  // clears it with pid 0; returns how many endpoints there were. Rewrites
  // only the container's own endpoint files.
  size_t set_running(const std::string& container_id, pid_t pid, uint64_t pid_start);

  // The container's name on its endpoints (every network); returns how many
  // endpoints there were.
  size_t rename_endpoint(const std::string& container_id, const std::string& name);

  // The networks a container is attached to (e.g. to detach it from all on
  // removal), each with that container's endpoint only: no other endpoint is read.
  std::vector<NetworkRecord> networks_of(const std::string& container_id) const;

  // Names of networks whose endpoints directory has no record beside it (the
  // record deleted by hand, or the network removed by an older lit), for
  // `lit system check`.
  std::vector<std::string> stray_endpoint_dirs() const;
  // Removes such a directory, unless its network has a record again; false then.
  bool remove_stray_endpoint_dir(const std::string& network);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path endpoints_dir(const std::string& network) const {
    return dir_ / (network + ".endpoints");
  }

 private:
  struct Stored;  // a record as its file holds it (store.cpp)
  FileLock lock() const;
  std::filesystem::path file(const std::string& name) const { return dir_ / (name + ".json"); }
  void write(const NetworkRecord& record) const;  // its own fields
  static std::optional<Stored> read_stored(const std::filesystem::path& file);
  std::vector<Stored> list_stored() const;
  std::optional<Stored> find_stored(const std::string& name_or_id) const;
  Stored lookup_stored(const std::string& name_or_id) const;
  NetworkRecord finish(Stored stored, Endpoints endpoints) const;
  std::map<std::string, Endpoint> read_endpoints(const std::string& network) const;
  void migrate(Stored& stored) const;  // under the lock
  // Applies `change` to the container's endpoint on every network, writing
  // those it changed (it returns whether it did); returns how many there were.
  size_t update_endpoints(const std::string& container_id,
                          const std::function<bool(Endpoint&)>& change, Durability durability);
  std::filesystem::path dir_;
  SubnetPool pool_;
  RouteSource routes_;
};

}  // namespace lit::network
