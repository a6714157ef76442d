#include "runtime/lifecycle/lifecycle.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/image/store.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/lifecycle/published_proxy.hpp"
#include "runtime/lifecycle/volumes_from.hpp"
#include "runtime/process/netns_join.hpp"
#include "runtime/rootfs/init_layer.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/spec/lifecycle_config.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/state/transitions.hpp"
#include "runtime/userns/allocation.hpp"
#include "runtime/userns/layer_copies.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

fs::path volumes_root(const Paths& paths) { return paths.root / "volumes"; }

void remove_volumes(const Paths& paths, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    std::error_code ec;
    fs::remove_all(volumes_root(paths) / name, ec);
  }
}

// Undoes a half-made container when creation fails after its record exists.
class CreationGuard {
 public:
  CreationGuard(const Paths& paths, RecordStore& records) : paths_(paths), records_(records) {}
  ~CreationGuard() {
    if (done_) return;
    try {
      if (!id_.empty()) records_.remove(id_);
    } catch (...) {  // best effort: the original error is what the user needs
    }
    remove_volumes(paths_, anonymous_);
    if (networks_) network_remove(paths_, *networks_);
    try {
      if (!userns_owner_.empty()) UsernsRanges(paths_.root, paths_.run_root).release(userns_owner_);
    } catch (...) {  // best effort, as above
    }
  }
  void userns(std::string owner) { userns_owner_ = std::move(owner); }
  void record(std::string id) { id_ = std::move(id); }
  void volumes(std::vector<std::string> v) { anonymous_ = std::move(v); }
  void networks(const ContainerRecord* rec) { networks_ = rec; }
  void commit() { done_ = true; }

 private:
  const Paths& paths_;
  RecordStore& records_;
  std::string id_;
  std::vector<std::string> anonymous_;
  const ContainerRecord* networks_ = nullptr;  // addresses allocated for it
  std::string userns_owner_;                   // its user namespace's range
  bool done_ = false;
};

// A volume made now for a container with its own user namespace belongs to
// its root (docker's userns-remap does the same); an existing one keeps its owner.
void chown_new_volume(const fs::path& data, const UserNamespace& ns) {
  if (ns.enabled() && ::chown(data.c_str(), ns.uid.host, ns.gid.host) < 0)
    throw Error::sys("chown to the container's root", data.string(), errno);
}

void create_host_dirs(const Paths& paths, const CreatePlan& plan, const UserNamespace& ns) {
  // docker creates a missing bind source as a directory.
  for (const auto& src : plan.bind_sources) {
    std::error_code ec;
    if (fs::exists(src, ec)) continue;
    try {
      make_dirs(src, 0755);
    } catch (Error& e) {
      throw e.context("create the missing source of volume " + src.string());
    }
  }
  for (const auto& name : plan.volumes) {
    const fs::path data = volumes_root(paths) / name / "_data";
    std::error_code ec;
    const bool fresh = !fs::exists(data, ec);
    make_dirs(data, 0755);
    if (fresh) chown_new_volume(data, ns);
  }
}

// Inside the record's directory, so removing the container removes them.
void write_content_files(const CreatePlan& plan) {
  for (const auto& [path, f] : plan.content_files) {
    make_dirs(path.parent_path(), 0700);
    write_file_atomic(path, f.content, f.mode);
    if ((f.uid || f.gid) && ::chown(path.c_str(), f.uid.value_or(-1), f.gid.value_or(-1)) < 0)
      throw Error::sys("chown", path.string(), errno);
  }
}

// Each image mount's image, as in the store now: its id (what `image rm`
// sees in use) and its layers (what the container mounts at each start).
std::vector<ImageMount> resolve_image_mounts(const image::Store& store,
                                             const ContainerRequest& request) {
  std::vector<ImageMount> out;
  for (const auto& m : request.image_mounts) {
    try {
      image::Image img = store.resolve(m.image);
      out.push_back({m.destination, m.image, img.id, store.layer_dirs(img), m.subpath});
    } catch (Error& e) {
      throw e.context("image mount " + m.destination);
    }
  }
  return out;
}

}  // namespace

namespace {

// --pid / --ipc container:NAME: its id, as for --network (a name may be reused).
void resolve_joined(const RecordStore& records, NamespaceShare& share) {
  if (share.mode == NamespaceMode::Container) share.container = records.lookup(share.container).id;
}

// What a rootless session cannot give (runtime/rootless/session.hpp), said at
// create: an error for what would not work, a warning for limits not applied.
void check_rootless(const ContainerRequest& r) {
  if (!rootless::active()) return;
  if (r.userns.mode == UsernsRequest::Mode::Auto)
    throw Error(
        "--userns auto: not available to rootless lit, whose containers already run in "
        "the user's own user namespace (root of the container is the user)")
        .with_hint("leave --userns out (or userns_mode:) when running lit without root");
  const auto& l = r.limits;
  if (l.memory_bytes || l.cpus || l.pids) {
    auto cgroups = cgroups::detect();
    if (cgroups->driver() == "none")
      spdlog::warn("container {}: memory, cpu and pids limits are not applied: {}",
                   r.name.empty() ? "(new)" : r.name, cgroups->why_none());
  }
}

// On a lit network: the attachment asked for (addresses come later, from the
// network hooks this returns); nullptr otherwise.
NetworkHooks* requested_networks(ContainerRecord& rec, const ContainerRequest& request) {
  if (rec.spec.network != NetworkMode::Bridge) return nullptr;
  NetworkHooks* net = network_hooks();
  const NetworkRequest& n = request.network;
  if (!net) throw Error("--network " + n.name + ": networks are not available here");
  rec.networks = {NetworkAttachment{n.name, "", n.ip, !n.ip.empty(), n.aliases, "", 0,
                                    n.interface.empty() ? "eth0" : n.interface, n.mac, 0u}};
  rec.publish = request.ports;
  return net;
}

}  // namespace

ContainerRecord create_container(const Paths& paths, const ContainerRequest& asked) {
  check_request(asked);
  check_rootless(asked);
  const cgroups::ManagerKind cgroup_manager = cgroups::choose_manager_kind();
  RecordStore records(paths);
  ContainerRequest request = asked;
  add_volumes_from(paths, records, request);
  resolve_joined(records, request.pid);
  resolve_joined(records, request.ipc);
  image::Store store(paths.images());
  image::Image img = store.resolve(request.image);
  LifecycleConfig lifecycle = build_lifecycle(request, img.config);

  ContainerRecord rec;
  rec.id = generate_id();
  rec.name = request.name.empty() ? records.unused_name() : request.name;
  Identity identity{rec.id, rec.name, records.bundle(rec.id), volumes_root(paths)};
  CreatePlan plan = build_spec(request, img, store.layer_dirs(img), identity,
                               resolve_image_mounts(store, request));
  rec.image = request.image;
  rec.image_id = img.id;
  rec.created = now_rfc3339();
  rec.args = plan.spec.process.args;
  rec.labels = plan.labels;
  rec.auto_remove = request.auto_remove;
  rec.anonymous_volumes = plan.anonymous_volumes;
  rec.lifecycle = lifecycle;
  rec.spec = plan.spec;
  rec.spec.volatile_rootfs = request.auto_remove;  // its writable layer dies with it
  rec.spec.cgroup_manager = cgroup_manager;

  if (rec.spec.network ==
      NetworkMode::Container)  // its id: a name may be reused by another container
    rec.spec.network_container = records.lookup(rec.spec.network_container).id;
  CreationGuard guard(paths, records);
  // A --rm container in the foreground matters only while it runs: its record
  // (and its user namespace's range) live in the run root, written to no disk.
  const RecordHome home =
      request.auto_remove && request.foreground_run ? RecordHome::RunRoot : RecordHome::Disk;
  if (request.userns.mode == UsernsRequest::Mode::Auto) {
    guard.userns(rec.id);
    rec.spec.userns =
        UsernsRanges(paths.root, paths.run_root)
            .allocate(rec.id, request.userns.size ? request.userns.size : kDefaultUsernsSize, {},
                      request.auto_remove ? Durability::NoSync : Durability::Sync, home);
  }
  NetworkHooks* net = requested_networks(rec, request);
  // A --rm container's record matters only while it runs: no fsync (~0.5 ms),
  // and in the foreground it lives in the run root (no disk writes at all).
  const Durability durability = request.auto_remove ? Durability::NoSync : Durability::Sync;
  // The record comes before the addresses its networks hold for it: a lit
  // killed in between leaves a container that `rm` removes, addresses and all,
  // never an address held for nobody. With networks it is synced once, below.
  records.create(rec, net ? Durability::NoSync : durability, home);
  guard.record(rec.id);
  if (net) {
    Endpoint endpoint = endpoint_of(rec);
    net->create(paths, endpoint);
    rec.networks = endpoint.networks;
    follow_primary_network(rec);
    guard.networks(&rec);
    records.update(
        rec.id, [&](ContainerRecord& r) { r = rec; }, durability);
  }
  std::vector<std::string> fresh = plan.anonymous_volumes;
  std::erase_if(fresh, [&](const std::string& v) {
    return std::find(plan.inherited_volumes.begin(), plan.inherited_volumes.end(), v) !=
           plan.inherited_volumes.end();
  });
  guard.volumes(fresh);
  create_host_dirs(paths, plan, rec.spec.userns);
  write_content_files(plan);
  guard.commit();
  record_container_event(paths, rec, "create");
  return rec;
}

namespace {

void finish(RecordStore& records, const std::string& id, int code, bool oom, std::string error) {
  records.update(id, [&](ContainerRecord& r) {
    mark_exited(r.state, {code, oom, std::move(error)});
  });
}

}  // namespace

namespace {

// Its user namespace's ids go back to the pool (by its id: a record from
// before --userns has none, which is fine).
void release_userns(const Paths& paths, const ContainerRecord& record) {
  if (record.spec.userns.enabled()) UsernsRanges(paths.root, paths.run_root).release(record.id);
}

}  // namespace

void discard_container(const Paths& paths, const ContainerRecord& record) {
  network_remove(paths, record);
  RecordStore records(paths);
  const bool present = records.read(record.id).has_value();  // else rm -f said destroy
  records.remove(record.id);                                 // a missing one is fine
  remove_tree(paths.run_container(record.id));
  remove_volumes(paths, record.anonymous_volumes);
  release_userns(paths, record);
  if (present) record_container_event(paths, record, "destroy");
}

void record_exit_events(const Paths& paths, const ContainerRecord& record,
                        const ExitStatus& status) {
  if (status.oom_killed) record_container_event(paths, record, "oom");
  record_container_event(paths, record, "die", {{"exitCode", std::to_string(status.code)}});
}

RunHooks start_hooks(const Paths& paths, const ContainerRecord& record,
                     std::vector<PublishedPort>& ports, Names names) {
  RunHooks hooks;
  hooks.seccomp_cache = paths.seccomp_cache();
  hooks.apparmor_state = paths.run_root;
  hooks.run_dir = paths.run_container(record.id);
  try {
    hooks.init_layer = ensure_init_layer(paths.root / "init-layer");
  } catch (const Error& e) {  // the container copies /etc up instead
    spdlog::debug("init layer: {}", e.what());
  }
  hooks.layer_copies = layer_copies_root(paths.root);
  if (record.spec.network == NetworkMode::Bridge) {
    NetworkHooks* net = network_hooks();
    if (!net)
      throw StartError(
          Error("start container " + record.name + ": networks are not available here"), 125);
    auto endpoint = std::make_shared<Endpoint>(endpoint_of(record));
    hooks.before_start = [&paths, endpoint, &ports, net, names](pid_t pid) {
      endpoint->status = ContainerStatus::Running;
      endpoint->pid = pid;
      endpoint->pid_start_time = process_start_time(pid);
      ports = net->start(paths, *endpoint, names);
    };
    if (names == Names::Later)
      hooks.before_go = [&paths, endpoint, net] { net->publish_names(paths, *endpoint); };
  }
  if (record.spec.network == NetworkMode::Container) hooks.netns = open_joined_netns(paths, record);
  if (record.spec.pid.mode == NamespaceMode::Container)
    hooks.pidns = open_joined_pidns(paths, record);
  if (record.spec.ipc.mode == NamespaceMode::Container) {
    JoinedIpc ipc = open_joined_ipcns(paths, record);
    hooks.ipcns = std::move(ipc.ipcns);
    hooks.ipc_mntns = std::move(ipc.mntns);
  }
  return hooks;
}

void network_stop(const Paths& paths, const ContainerRecord& record) {
  if (NetworkHooks* net = network_hooks(); net && record.spec.network == NetworkMode::Bridge)
    net->stop(paths, endpoint_of(record));
}

void network_remove(const Paths& paths, const ContainerRecord& record) noexcept {
  if (NetworkHooks* net = network_hooks(); net && record.spec.network == NetworkMode::Bridge)
    net->remove(paths, endpoint_of(record));
}

ExitStatus run_created(const Paths& paths, const ContainerRecord& record,
                       const std::function<void()>& started) {
  RecordStore records(paths);
  std::vector<PublishedPort> ports;
  auto on_start = [&](pid_t pid) {
    try {
      records.update(
          record.id,
          [&](ContainerRecord& r) {
            mark_running(r, {pid, ports});
          },
          Durability::NoSync);           // a pid means nothing after a crash: observed_state copes
    } catch (const std::exception& e) {  // the container runs anyway; only ls is off
      spdlog::warn("record container {} as running: {}", record.name, e.what());
    }
    record_container_event(paths, record, "start");
    if (started) started();
  };
  ExitStatus status;
  try {
    // In the try: a network that cannot be joined is a start failure like any other.
    RunHooks hooks = start_hooks(paths, record, ports);
    hooks.on_start = on_start;
    ForegroundProxy proxy;  // rootless: published ports served while it runs
    proxy.wrap(hooks, record, ports);
    status = run_foreground(record.spec, hooks);
    network_stop(paths, record);
  } catch (const StartError& e) {
    network_stop(paths, record);
    if (record.auto_remove)
      discard_container(paths, record);
    else
      finish(records, record.id, e.exit_code(), false, e.what());
    throw;
  } catch (const std::exception& e) {
    network_stop(paths, record);
    if (record.auto_remove)
      discard_container(paths, record);
    else
      finish(records, record.id, 125, false, e.what());
    throw;
  }
  record_exit_events(paths, record, status);
  if (record.auto_remove)
    discard_container(paths, record);
  else
    finish(records, record.id, status.code, status.oom_killed, "");
  return status;
}

void remove_container(const Paths& paths, const ContainerRecord& record, bool force, bool volumes) {
  RecordStore records(paths);
  ContainerState st = observed_state(record);
  if (st.status == ContainerStatus::Running || st.status == ContainerStatus::Restarting) {
    if (!force)
      throw Error("cannot remove container \"" + record.name + "\": container is " +
                  std::string(to_string(st.status)))
          .with_hint("stop it first, or force the removal: lit container rm -f " + record.name);
  }
  kill_all(paths, record, [&](const ContainerRecord& r) {
    network_remove(paths, r);
    records.remove(r.id);
    remove_tree(paths.run_container(r.id));
    if (volumes) remove_volumes(paths, r.anonymous_volumes);
    release_userns(paths, r);
    record_container_event(paths, r, "destroy");
  });
}

}  // namespace lit::runtime
