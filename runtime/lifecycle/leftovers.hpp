#pragma once
// What `lit system check` looks for: anything of lit's on the host that no
// record explains, and records that point at nothing. Every kernel object lit
// makes is named so that it can be found without lit's state files (cgroups
// under the lit subtree, links named lit..., nftables rules tagged with their
// owner, supervisors and the DNS server by their command line); here each one
// found is held against the records, and what no record explains is a
// leftover: what it is, why it is judged stale, and how to remove it.
//
// This file has the container side (supervisors, cgroups and systemd scopes,
// mounts, run directories, user namespace ranges); network/leftovers.hpp has
// the network side (links, nftables rules, endpoints, DNS names).
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/paths.hpp"

namespace lit::runtime {

// In the order `--fix` removes them: a supervisor first (it would restart its
// container), then what the container held.
enum class LeftoverKind {
  Process,
  Cgroup,
  Scope,
  Mount,
  Link,
  FirewallRules,
  Endpoint,
  Network,
  DnsNames,
  RunDirectory,
  UsernsRange,
  Image
};
std::string_view to_string(LeftoverKind kind);  // "process", "cgroup", "link", ...

struct Leftover {
  LeftoverKind kind = LeftoverKind::Process;
  std::string object;            // what it is: a path, a link's name, "pid 123 (lit-shim)"
  std::string why;               // why it is judged stale, one line
  std::function<void()> remove;  // --fix; throws lit::Error when it cannot
};

// The containers as the check sees them, read once.
class ContainerCensus {
 public:
  explicit ContainerCensus(const Paths& paths);
  // A record exists.
  bool known(const std::string& id) const { return known_.contains(id); }
  // Its processes may be alive and holding what they hold: the record says
  // running, paused or restarting and its processes are alive, or a command is
  // starting, stopping or removing it now (its operation lock is held).
  bool live(const std::string& id) const { return live_.contains(id); }
  // The same for a container named by the first characters of its id (a veth
  // carries 11 of them).
  bool live_prefix(std::string_view prefix) const;
  bool known_prefix(std::string_view prefix) const;
  // "web-1 (exited)", or the short id when there is no record.
  std::string describe(const std::string& id) const;

 private:
  std::set<std::string> known_, live_;
  std::map<std::string, std::string> described_;
};

// A running process of one of lit's helper programs.
struct HelperProcess {
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // tells a reused pid apart
  std::vector<std::string> args;
  // The value after `name` on its command line ("" when absent).
  std::string option(std::string_view name) const;
};
// Every process whose argv[0] names `program` ("lit-shim", "lit-dns").
std::vector<HelperProcess> helper_processes(std::string_view program);
// SIGKILL to a leftover process, if it is still the one that was seen; returns
// once it is gone (or a zombie), within 5 s, else throws naming `what`.
void kill_leftover(const HelperProcess& process, const std::string& what);

// Supervisors of lit's root whose container has no record, cgroups under the
// lit subtree that no live container owns (empty ones only when no record
// names them, no supervisor of any root watches them, and they are older
// than a start takes: a build's RUN step has none), the systemd manager's
// scopes (lit.slice/lit-<id>.scope, by the same rules; --fix stops one over
// the system bus, or where no systemd answers kills what is in its directory
// and removes it), mounts lit would have made under its roots in this (the
// host's) mount namespace, run directories without a record, and the id
// ranges of --userns auto held for a container with no record (once older
// than a create takes to write it).
//
// lit mounts a container's root, volumes, /proc and /dev only in the
// container's own mount namespace, and its own views of a container's files
// in a private one (container_fs.hpp); it bind-mounts no namespace file. So
// on the host, an overlay, proc, sysfs, devpts, mqueue or nsfs mount under
// lit's roots, or any mount under a container's directory, is a leftover (of
// another tool, or of a lit from before this rule). Other mounts under the
// roots (a disk for the image store, say) are the user's.
std::vector<Leftover> container_leftovers(const Paths& paths, const ContainerCensus& census);

}  // namespace lit::runtime
