#include "runtime/lifecycle/leftovers.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/stale.hpp"
#include "runtime/cgroups/systemd_bus.hpp"
#include "runtime/cgroups/systemd_unit.hpp"
#include "runtime/process/identity.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/userns/allocation.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/mountinfo.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

constexpr std::pair<LeftoverKind, std::string_view> kKinds[] = {
    {LeftoverKind::Process, "process"},
    {LeftoverKind::Cgroup, "cgroup"},
    {LeftoverKind::Scope, "systemd scope"},  // the systemd cgroup manager's cgroup
    {LeftoverKind::Mount, "mount"},
    {LeftoverKind::Link, "link"},
    {LeftoverKind::FirewallRules, "nftables rules"},
    {LeftoverKind::Endpoint, "endpoint"},
    {LeftoverKind::Network, "network"},
    {LeftoverKind::DnsNames, "dns names"},
    {LeftoverKind::RunDirectory, "run directory"},
    {LeftoverKind::UsernsRange, "userns range"},
    {LeftoverKind::Image, "image store"},
};

std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

// Whether every directory is older than `age` (its mtime: when it was made):
// a start makes a container's cgroup and records it running within
// milliseconds, so a younger one may belong to a start under way.
bool older_than(const std::vector<fs::path>& dirs, std::chrono::seconds age) {
  const auto now = fs::file_time_type::clock::now();
  bool any = false;
  for (const auto& dir : dirs) {
    std::error_code ec;
    auto t = fs::last_write_time(dir, ec);
    if (ec) continue;  // not in this controller's hierarchy
    if (now - t < age) return false;
    any = true;
  }
  return any;
}

// argv of a process, empty when it is gone or a kernel thread.
std::vector<std::string> command_line(const fs::path& proc_dir) {
  std::vector<std::string> args;
  std::string text;
  try {
    text = read_file(proc_dir / "cmdline");
  } catch (const Error&) {
    return args;
  }
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\0', at);
    if (end == std::string::npos) end = text.size();
    args.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return args;
}

// `path` lies strictly below `dir` (both absolute, normalized).
bool strictly_below(const fs::path& path, const fs::path& dir) {
  const std::string p = path.lexically_normal().string(), d = dir.lexically_normal().string();
  return p.size() > d.size() + 1 && p.starts_with(d) && (d.ends_with('/') || p[d.size()] == '/');
}

// What only a container has (leftovers.hpp): found on the host under lit's
// roots, it is a leftover.
bool container_filesystem(std::string_view fstype) {
  for (std::string_view t : {"overlay", "proc", "sysfs", "devpts", "mqueue", "nsfs"})
    if (fstype == t) return true;
  return false;
}

void mount_leftovers(const Paths& paths, std::vector<Leftover>& out) {
  std::string text;
  try {
    text = read_file("/proc/self/mountinfo");
  } catch (const Error&) {
    return;
  }
  const std::vector<MountEntry> mounts = parse_mountinfo(text);
  // Deepest last in the table; removed in reverse, so a mount goes before the one it is on.
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    const fs::path& at = it->mount_point;
    const bool in_container_dir =
        strictly_below(at, paths.containers()) || strictly_below(at, paths.run_containers());
    const bool under_roots = strictly_below(at, paths.root) || strictly_below(at, paths.run_root);
    if (!in_container_dir && !(under_roots && container_filesystem(it->fstype))) continue;
    const std::string why =
        it->fstype +
        (in_container_dir ? " mount in a container's directory" : " mount under lit's roots") +
        " on the host: lit mounts containers' file systems only in their own mount namespaces";
    out.push_back({LeftoverKind::Mount, at.string(), why, [at] {
                     if (::umount2(at.c_str(), MNT_DETACH) < 0 && errno != EINVAL &&
                         errno != ENOENT)
                       throw Error::sys("unmount", at.string(), errno);
                   }});
  }
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

// What the supervisors running on the host say about cgroups.
struct Supervisors {
  const std::set<std::string>& orphaned;    // of this root, whose container has no record
  const std::set<std::string>& supervised;  // of any root: the cgroup tree is the host's
};

// Why the cgroup `id` is left over; "" when it is not (or may not be).
std::string stale_reason(const std::string& id, const cgroups::Cgroup& cg,
                         const ContainerCensus& census, const Supervisors& supervisors,
                         const std::vector<std::string>& stale) {
  if (census.live(id)) return {};
  if (supervisors.orphaned.contains(id))
    return "its container " + short_id(id) + " has no record (its supervisor is left over too)";
  if (census.known(id))
    return older_than(cg.paths(), cgroups::kStaleAfter)
               ? "container " + census.describe(id) + " does not run"
               : std::string();
  // No record here: it may be another root's container, unless it is empty
  // and old with no supervisor of any root watching it.
  if (!supervisors.supervised.contains(id) &&
      std::find(stale.begin(), stale.end(), id) != stale.end())
    return "empty, and no container has a record of it or a supervisor";
  return {};
}

// The cgroups of `manager` no live container explains. A systemd scope
// (LeftoverKind::Scope) is named by its unit and counts only when its name
// is exactly one lit gives (lit-<id>.scope, a 64-digit id): lit.slice is
// systemd's, and another unit may be put in it.
void cgroup_leftovers(const std::shared_ptr<cgroups::Manager>& manager, LeftoverKind kind,
                      const ContainerCensus& census, const Supervisors& supervisors,
                      std::vector<Leftover>& out) {
  const std::vector<std::string> stale = cgroups::stale_cgroups(*manager);
  for (const auto& id : manager->list()) {
    if (kind == LeftoverKind::Scope && !is_generated_id(id)) continue;
    std::unique_ptr<cgroups::Cgroup> cg;
    try {
      cg = manager->open(id);
    } catch (const Error&) {
      continue;  // a name lit never makes
    }
    const std::string why = stale_reason(id, *cg, census, supervisors, stale);
    if (why.empty()) continue;
    const auto dirs = cg->paths();
    std::string object = dirs.empty() ? id : dirs.front().string();
    if (kind == LeftoverKind::Scope) object = cgroups::scope_unit_name(id);
    if (dirs.size() > 1) object += " (and " + std::to_string(dirs.size() - 1) + " more)";
    out.push_back({kind, object, why, [manager, id] { manager->open(id)->destroy(); }});
  }
}

// systemd as the check's --fix finds it: on the system bus, or, where it is
// not (no systemd, or none answering), nowhere, so that stopping a scope
// only kills what is in its directory and removes it, as lit does with a
// cgroup of its own.
class AbsentSystemd final : public cgroups::SystemdBus {
 public:
  explicit AbsentSystemd(std::string why) : why_(std::move(why)) {}
  void start_scope(const std::string& unit, pid_t,
                   const std::vector<cgroups::UnitProperty>&) override {
    throw cgroups::ScopeStartError("start " + unit + ": " + why_, false);
  }
  bool stop_unit(const std::string&) override { return false; }
  void set_properties(const std::string& unit, const std::vector<cgroups::UnitProperty>&) override {
    throw Error("set the properties of " + unit + ": " + why_);
  }

 private:
  std::string why_;
};

std::unique_ptr<cgroups::SystemdBus> systemd_or_absent() {
  try {
    return cgroups::open_systemd_bus();
  } catch (const Error& e) {
    spdlog::debug("system check: no systemd to stop scopes ({}): their directories are removed",
                  e.what());
    return std::make_unique<AbsentSystemd>(e.what());
  }
}

// The systemd manager's scopes (lit.slice/lit-<id>.scope), where the cgroup2
// mount it would use is there; the bus is opened only to stop one. Not for
// rootless lit: the system's lit.slice holds root's containers.
std::shared_ptr<cgroups::Manager> systemd_scopes() {
  if (rootless::active()) return nullptr;
  try {
    return cgroups::make_systemd_manager(cgroups::systemd_v2_root(), systemd_or_absent);
  } catch (const Error&) {
    return nullptr;  // cgroup v1 or hybrid: lit makes no scopes here
  }
}

// The ids of --userns auto held for a container with no record. A create
// takes its range just before it writes the record and an rm frees it just
// after it removes the record: a lit killed in between leaves the ids held
// for nobody, never to be given out again. A range taken less than a start
// takes ago may be a create's that is under way.
void userns_leftovers(const Paths& paths, const ContainerCensus& census,
                      std::vector<Leftover>& out) {
  std::vector<HeldRange> held;
  try {
    held = UsernsRanges(paths.root, paths.run_root).held();
  } catch (const Error& e) {
    spdlog::warn("system check: {}", e.what());
    return;
  }
  const auto now = std::chrono::system_clock::now();
  for (const HeldRange& range : held) {
    if (census.known(range.owner)) continue;
    const auto allocated = parse_rfc3339(range.allocated);
    if (allocated && now - *allocated < cgroups::kStaleAfter) continue;
    auto ids = [](const IdMapping& m) {
      return std::to_string(m.host) + "-" + std::to_string(std::uint64_t{m.host} + m.size - 1);
    };
    const std::string object = "uids " + ids(range.ns.uid) + ", gids " + ids(range.ns.gid);
    out.push_back({LeftoverKind::UsernsRange, object,
                   "held for container " + short_id(range.owner) + ", which has no record",
                   [root = paths.root, run_root = paths.run_root, owner = range.owner] {
                     UsernsRanges(root, run_root).release(owner);
                   }});
  }
}

}  // namespace

std::string HelperProcess::option(std::string_view name) const {
  for (std::size_t i = 1; i + 1 < args.size(); ++i)
    if (args[i] == name) return args[i + 1];
  return {};
}

std::vector<HelperProcess> helper_processes(std::string_view program) {
  std::vector<HelperProcess> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    pid_t pid = 0;
    auto [p, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc() || p != name.data() + name.size()) continue;
    auto args = command_line(e.path());
    if (args.empty() || fs::path(args[0]).filename() != program) continue;
    out.push_back({pid, process_start_time(pid), std::move(args)});
  }
  return out;
}

void kill_leftover(const HelperProcess& process, const std::string& what) {
  if (!process_alive(process.pid, process.start_time)) return;
  if (::kill(process.pid, SIGKILL) != 0 && errno != ESRCH) throw Error::sys("kill", what, errno);
  // Gone, or a zombie (process_alive says no) until its parent reaps it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (process_alive(process.pid, process.start_time)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw Error("kill " + what, {}, 0, "it is still alive 5 s after SIGKILL");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string_view to_string(LeftoverKind kind) {
  for (const auto& [k, text] : kKinds)
    if (k == kind) return text;
  return "unknown";
}

ContainerCensus::ContainerCensus(const Paths& paths) {
  RecordStore records(paths);
  for (const auto& r : records.list()) {
    known_.insert(r.id);
    const ContainerState st = observed_state(r);
    described_[r.id] = r.name + " (" + std::string(to_string(st.status)) + ")";
    bool live = st.status == ContainerStatus::Running || st.status == ContainerStatus::Paused ||
                st.status == ContainerStatus::Restarting;
    // A foreground `run` starts what it just created without the operation
    // lock: for a moment it holds a cgroup and a veth and is not running yet.
    int64_t created_ns = 0;
    if (st.status == ContainerStatus::Created && shim::parse_rfc3339(r.created, created_ns) &&
        shim::now_ns() - created_ns < std::chrono::nanoseconds(cgroups::kStaleAfter).count())
      live = true;
    if (!live) {  // a start, stop or removal under way holds the operation lock
      bool free = false;
      try {
        FileLock probe = FileLock::try_lock(records.operation_lock(r.id), free);
      } catch (const Error&) {
        free = true;  // removed meanwhile
      }
      live = !free;
    }
    if (live) live_.insert(r.id);
  }
}

bool ContainerCensus::live_prefix(std::string_view prefix) const {
  return std::any_of(live_.begin(), live_.end(),
                     [&](const std::string& id) { return id.starts_with(prefix); });
}

bool ContainerCensus::known_prefix(std::string_view prefix) const {
  return std::any_of(known_.begin(), known_.end(),
                     [&](const std::string& id) { return id.starts_with(prefix); });
}

std::string ContainerCensus::describe(const std::string& id) const {
  auto it = described_.find(id);
  return it != described_.end() ? it->second : short_id(id);
}

std::vector<Leftover> container_leftovers(const Paths& paths, const ContainerCensus& census) {
  std::vector<Leftover> out;
  // Supervisors: of a container with no record, nothing would ever stop them.
  std::set<std::string> orphaned;  // their containers' ids
  // Every supervisor's container, of any lit root: the cgroup tree is the
  // host's, shared by every root, and a container of another root that just
  // exited has an empty cgroup until its supervisor removes it.
  std::set<std::string> supervised;
  for (const HelperProcess& shim : helper_processes("lit-shim")) {
    const std::string id = shim.option("--id"), root = shim.option("--root");
    if (!id.empty()) supervised.insert(id);
    if (id.empty() || root.empty() || !same_path(root, paths.root) || census.known(id)) continue;
    orphaned.insert(id);
    const std::string what =
        "pid " + std::to_string(shim.pid) + " (lit-shim of " + short_id(id) + ")";
    out.push_back({LeftoverKind::Process, what, "its container " + short_id(id) + " has no record",
                   [shim, what] { kill_leftover(shim, what); }});
  }

  // Cgroups: each one lit makes belongs to a container while it runs; so
  // does a systemd scope, lit's cgroup under the systemd manager.
  const Supervisors supervisors{orphaned, supervised};
  std::shared_ptr<cgroups::Manager> manager;
  try {
    manager = cgroups::detect();
  } catch (const Error&) {
  }
  if (manager && manager->driver() != "none")
    cgroup_leftovers(manager, LeftoverKind::Cgroup, census, supervisors, out);
  if (auto scopes = systemd_scopes())
    cgroup_leftovers(scopes, LeftoverKind::Scope, census, supervisors, out);

  mount_leftovers(paths, out);

  // Run directories: a container's runtime files, remade at every start.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(paths.run_containers(), ec)) {
    const std::string id = e.path().filename().string();
    if (census.known(id) || !older_than({e.path()}, cgroups::kStaleAfter)) continue;
    const fs::path& dir = e.path();
    out.push_back({LeftoverKind::RunDirectory, dir.string(), "no container has a record of it",
                   [dir] { remove_tree(dir); }});
  }

  userns_leftovers(paths, census, out);
  return out;
}

}  // namespace lit::runtime
