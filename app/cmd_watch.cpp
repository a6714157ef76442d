// `lit watch [SERVICE...]` and the watching half of `lit up --watch`: inotify
// on the rules' paths (directories recursively, new ones added as they
// appear), changes batched until 500 ms pass without one (compose's quiet
// period), then per service: rebuild, sync (copies into the running
// containers through their root, deletions removed), restart, exec.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/build.hpp"
#include "app/progress.hpp"
#include "app/project.hpp"
#include "app/pull.hpp"
#include "app/watch.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/exec/exec_in.hpp"
#include "runtime/exec/exec_lines.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/usage.hpp"
#include "runtime/lifecycle/container_fs.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/copy.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

namespace fs = std::filesystem;
using namespace lit::reconciler;

namespace {

constexpr auto kQuietPeriod = std::chrono::milliseconds(500);

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Recursive inotify watches over the rules' paths. A path that does not exist
// yet is watched through its nearest existing parent until it appears.
class TreeWatch {
 public:
  TreeWatch() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (!fd_) throw Error::sys("inotify_init1", {}, errno);
  }
  int fd() const { return fd_.get(); }

  void add_root(const std::string& path) {
    roots_.push_back(path);
    watch_root(path);
  }

  // The paths changed since the last call (what the pending events name).
  void read(std::vector<std::string>& changed) {
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      for (char* p = buf; p < buf + n;) {
        auto* e = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + e->len;
        handle(*e, changed);
      }
    }
  }

 private:
  void watch_root(const std::string& path) {
    if (is_dir(path)) {
      add_tree(path);
      return;
    }
    fs::path dir = fs::path(path).parent_path();
    while (!dir.empty() && !is_dir(dir.string())) dir = dir.parent_path();
    if (!dir.empty()) add_one(dir.string());
  }

  void add_one(const std::string& dir) {
    constexpr std::uint32_t mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE |
                                   IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW | IN_ONLYDIR;
    int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), mask);
    if (wd < 0 && errno == ENOSPC)
      throw Error::sys("watch", dir, errno).with_hint("raise fs.inotify.max_user_watches (sysctl)");
    if (wd >= 0) dirs_[wd] = dir;
  }

  void add_tree(const std::string& dir) {
    add_one(dir);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec)) add_one(it->path().string());
  }

  void handle(const inotify_event& e, std::vector<std::string>& changed) {
    if (e.mask & IN_Q_OVERFLOW) {
      std::fprintf(stderr, "lit: warning: too many file changes at once, some were missed\n");
      return;
    }
    auto it = dirs_.find(e.wd);
    if (it == dirs_.end()) return;
    if (e.mask & IN_IGNORED) {
      dirs_.erase(it);
      return;
    }
    std::string path = e.len > 0 ? it->second + "/" + e.name : it->second;
    if ((e.mask & IN_ISDIR) && (e.mask & (IN_CREATE | IN_MOVED_TO))) new_directory(path);
    changed.push_back(path);
  }

  // Inside a root: watched with what is below it; on the way to one: watched too.
  void new_directory(const std::string& dir) {
    for (const auto& root : roots_) {
      if (dir == root || dir.starts_with(root + "/")) {
        add_tree(dir);
        return;
      }
      if (root.starts_with(dir + "/")) watch_root(root);
    }
  }

  UniqueFd fd_;
  std::map<int, std::string> dirs_;
  std::vector<std::string> roots_;
};

// One line of watch's output, as compose's log consumer prints its own.
void say(const WatchSettings& s, const std::string& line) {
  std::printf("%s%s\n", s.prefix.c_str(), line.c_str());
  std::fflush(stdout);
}

using Mappings = std::vector<std::pair<std::string, std::string>>;  // host -> container

std::vector<runtime::ContainerRecord> running(const Context& ctx, const Project& project,
                                              const std::string& service) {
  std::vector<runtime::ContainerRecord> out;
  for (auto& c : project_containers(ctx.paths, project.name, {.service = service}))
    if (c.state.status == runtime::ContainerStatus::Running) out.push_back(std::move(c.record));
  return out;
}

// One changed host path into one container: copied (a directory with what is
// in it), or removed when it is gone from the host. Owners and modes kept, as
// compose's copy does.
void sync_one(int root, const runtime::TreeSide& to, const std::string& host,
              const std::string& target) {
  struct stat st {};
  if (::lstat(host.c_str(), &st) < 0) {
    if (errno != ENOENT) throw Error::sys("stat", host, errno);
    runtime::remove_beneath(root, target);
    return;
  }
  runtime::make_dirs_beneath(root, fs::path(target).parent_path().string());
  bool host_dir = S_ISDIR(st.st_mode);
  runtime::CopyOptions copy;
  copy.owner.keep = true;
  UniqueFd existing = runtime::open_beneath(root, target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat there {};
  bool there_dir = existing && ::fstat(existing.get(), &there) == 0 && S_ISDIR(there.st_mode);
  if (existing && there_dir != host_dir) runtime::remove_beneath(root, target);
  if (host_dir && there_dir) {
    runtime::copy_path(runtime::host_side(), host + "/.", to, target, copy);
    return;
  }
  runtime::copy_path(runtime::host_side(), host, to, target, copy);
}

// --dry-run: what a sync would copy (or remove), printed, nothing touched.
void print_sync(const runtime::ContainerRecord& rec, const Mappings& mappings) {
  for (const auto& [host, target] : mappings) {
    std::error_code ec;
    if (fs::symlink_status(host, ec).type() == fs::file_type::not_found)
      std::printf("remove %s:%s\n", rec.name.c_str(), target.c_str());
    else
      std::printf("copy %s to %s:%s\n", host.c_str(), rec.name.c_str(), target.c_str());
  }
  std::fflush(stdout);
}

void sync_service(const Context& ctx, const Project& project, const std::string& service,
                  const Mappings& mappings) {
  for (const auto& rec : running(ctx, project, service)) {
    if (ctx.project.dry_run) {
      print_sync(rec, mappings);
      continue;
    }
    runtime::ContainerRoot root =
        runtime::open_container_root(ctx.paths, rec, runtime::RootAccess::Write);
    runtime::TreeSide to = runtime::beneath_side(root.get(), "container " + rec.name);
    for (const auto& [host, target] : mappings) sync_one(root.get(), to, host, target);
  }
}

// Plain progress lines on stderr for what a restart or a recreate does.
Progress plain_progress() {
  return [](const ProgressEvent& e) {
    if (e.state != ProgressState::Working) std::fputs(plain_line(e).c_str(), stderr);
  };
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

void restart_services(const Context& ctx, const Project& project,
                      const std::vector<std::string>& services) {
  FileLock held = project_lock(ctx, project.name);
  Desired desired = desired_state(ctx.paths, project, Hashes::Skip);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  Plan plan = plan_lifecycle(desired.state, observed, Lifecycle::Restart, services);
  if (ctx.project.dry_run) {
    std::fputs(render_plan(plan).c_str(), stdout);
    return;
  }
  ApplyResult r = apply_plan(ctx.paths, &project, &desired, plan, {}, plain_progress());
  if (!r.ok()) throw Error(joined(r.errors));
}

// The image ids the services run on now, to remove the ones a rebuild replaced.
std::map<std::string, std::string> service_image_ids(const Context& ctx, const Project& project,
                                                     const std::vector<std::string>& services) {
  std::map<std::string, std::string> ids;
  image::Store store(ctx.paths.images());
  for (const auto& name : services)
    if (auto img = store.find(service_image(project, project.services.at(name))))
      ids[name] = img->id;
  return ids;
}

// --prune: a replaced image no tag names and no container uses any more goes.
void prune_replaced(const Context& ctx, const std::map<std::string, std::string>& before,
                    const std::map<std::string, std::string>& after) {
  image::Store store(ctx.paths.images());
  const auto users =
      image::containers_by_image({ctx.paths.containers(), ctx.paths.run_containers()});
  for (const auto& [service, id] : before) {
    auto now = after.find(service);
    if (now != after.end() && now->second == id) continue;
    auto img = store.find(id);
    if (!img || !img->tags.empty() || users.contains(id)) continue;
    try {
      store.remove(id, false, [&](const std::string& i) { return users.contains(i); });
    } catch (const Error&) {  // still a parent of another image: kept, as docker keeps it
    }
  }
}

// compose's rebuild: build the images, recreate the services' containers.
void rebuild(Context& ctx, const Project& project, const std::vector<std::string>& services,
             const WatchSettings& s) {
  say(s, "Rebuilding service(s) " + quoted_list(services) + " after changes were detected...");
  auto before = service_image_ids(ctx, project, services);
  try {
    build_services(ctx, project, services, s.quiet);
  } catch (const Error& e) {
    say(s, std::string("Build failed. Error: ") + e.what());
    throw;
  }
  say(s, "service(s) " + quoted_list(services) + " successfully built");
  FileLock held = project_lock(ctx, project.name);
  Desired desired = desired_state(ctx.paths, project);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  UpOptions up;
  up.force_recreate = true;
  up.services = services;
  up.no_deps = true;
  Plan plan = plan_up(desired.state, observed, up);
  if (ctx.project.dry_run) {
    std::fputs(render_plan(plan).c_str(), stdout);
    return;
  }
  ApplyResult r = apply_plan(ctx.paths, &project, &desired, plan, {}, plain_progress());
  if (!r.ok()) {
    say(s, "Failed to recreate services after update. Error: " + joined(r.errors));
    throw Error(joined(r.errors));
  }
  if (s.prune) prune_replaced(ctx, before, service_image_ids(ctx, project, services));
}

void exec_in_service(const Context& ctx, const Project& project, const std::string& service,
                     const WatchExec& x) {
  runtime::ExecOptions o;
  o.args = x.command;
  o.seccomp_cache = ctx.paths.seccomp_cache();
  o.env = x.environment;
  o.workdir = x.working_dir;
  o.user = x.user;
  std::string command;
  for (const auto& a : o.args) command += (command.empty() ? "" : " ") + a;
  for (const auto& rec : running(ctx, project, service)) {
    if (ctx.project.dry_run)
      std::printf("exec in container %s: %s\n", rec.name.c_str(), command.c_str());
    else
      runtime::exec_in(x.privileged ? runtime::with_privileges(rec) : rec, o);
  }
}

// What one batch of changes asks for, per service.
struct Batch {
  std::set<std::string> rebuild, restart;
  std::map<std::string, std::map<std::string, std::string>> sync;  // service: host -> container
  std::map<std::string, std::set<std::size_t>> exec;               // service: rule indexes
};

Batch classify(const std::vector<ActiveRule>& rules, const std::set<std::string>& changed) {
  Batch b;
  for (const auto& path : changed) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const ActiveRule& r = rules[i];
      std::optional<std::string> target = match(r, path);
      if (!target) continue;
      const std::string& action = r.rule.action;
      if (action == "rebuild") b.rebuild.insert(r.service);
      if (action.starts_with("sync")) b.sync[r.service][path] = *target;
      if (action == "restart" || action == "sync+restart") b.restart.insert(r.service);
      if (action == "sync+exec") b.exec[r.service].insert(i);
    }
  }
  return b;
}

void handle_batch(Context& ctx, const Project& project, const std::vector<ActiveRule>& rules,
                  const std::set<std::string>& changed, const WatchSettings& s) {
  Batch b = classify(rules, changed);
  if (!b.rebuild.empty()) rebuild(ctx, project, {b.rebuild.begin(), b.rebuild.end()}, s);
  for (const auto& [service, files] : b.sync) {
    say(s, "Syncing service \"" + service + "\" after " + std::to_string(files.size()) +
               " changes were detected");
    sync_service(ctx, project, service, {files.begin(), files.end()});
  }
  if (!b.restart.empty()) {
    std::vector<std::string> names(b.restart.begin(), b.restart.end());
    restart_services(ctx, project, names);
    say(s, "service(s) " + quoted_list(names) + " restarted");
  }
  for (const auto& [service, indexes] : b.exec)
    for (std::size_t i : indexes) exec_in_service(ctx, project, service, *rules[i].rule.exec);
}

// initial_sync: every file of the rule's path, before watching starts.
void initial_sync(const Context& ctx, const Project& project, const ActiveRule& r) {
  Mappings files;
  std::error_code ec;
  if (!is_dir(r.rule.path)) {
    if (auto t = match(r, r.rule.path); t && fs::exists(r.rule.path, ec))
      files.emplace_back(r.rule.path, *t);
  } else {
    for (fs::recursive_directory_iterator it(r.rule.path, ec), end; !ec && it != end;
         it.increment(ec)) {
      auto t = match(r, it->path().string());
      if (!t) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_directory(ec)) files.emplace_back(it->path().string(), *t);
    }
  }
  sync_service(ctx, project, r.service, files);
}

using Clock = std::chrono::steady_clock;

// Waits for the inotify fd or a signal, at most until `deadline` when set.
// Returns false once SIGINT or SIGTERM came.
bool wait_events(const TreeWatch& tw, const runtime::ForwardedSignals& sig,
                 std::optional<Clock::time_point> deadline) {
  int timeout = -1;
  if (deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
    timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
  }
  pollfd fds[2] = {{tw.fd(), POLLIN, 0}, {sig.fd(), POLLIN, 0}};
  if (::poll(fds, 2, timeout) < 0 && errno != EINTR) throw Error::sys("poll", {}, errno);
  return !(fds[1].revents & POLLIN) || sig.next() == 0;
}

}  // namespace

std::vector<ActiveRule> prepare_watch(const Project& project,
                                      const std::vector<std::string>& services) {
  for (const auto& name : services)
    if (!project.services.contains(name)) throw Error("no such service: " + name);
  std::vector<std::string> warnings;
  std::vector<ActiveRule> rules = watch_rules(project, services, warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "lit: warning: %s\n", w.c_str());
  return rules;
}

int run_watch(Context& ctx, const Project& project, const std::vector<ActiveRule>& rules,
              const WatchSettings& settings) {
  runtime::ForwardedSignals signals({SIGINT, SIGTERM});
  TreeWatch tw;
  for (const auto& r : rules) tw.add_root(r.rule.path);
  for (const auto& r : rules)
    if (r.rule.initial_sync && r.rule.action.starts_with("sync")) initial_sync(ctx, project, r);
  say(settings, "Watch enabled");
  std::set<std::string> pending;
  std::optional<Clock::time_point> deadline;
  std::vector<std::string> changed;
  while (wait_events(tw, signals, deadline)) {
    changed.clear();
    tw.read(changed);
    if (!changed.empty()) {
      pending.insert(changed.begin(), changed.end());
      deadline = Clock::now() + kQuietPeriod;
    }
    if (!deadline || Clock::now() < *deadline) continue;
    try {
      handle_batch(ctx, project, rules, pending, settings);
    } catch (const Error& e) {
      std::fprintf(stderr, "lit: warning: Error handling changed files: %s\n", e.what());
    }
    pending.clear();
    deadline.reset();
  }
  return 0;
}

namespace {

// `lit watch` without --no-up: compose's up (build, create, start; detached) first.
int up_before_watch(Context& ctx, Project project, const WatchSettings& s) {
  for (auto& [name, svc] : project.services)
    if (svc.build && !svc.watch.empty()) svc.pull_policy = "build";  // as compose: built each time
  build_for_up(ctx, project, s.services);
  for (const auto& [name, svc] : project.services) {
    if (ctx.project.dry_run) break;  // pulls are not simulated here (lit --dry-run pull is)
    const std::string policy = svc.pull_policy == "build" ? "missing" : svc.pull_policy;
    ensure_mounted_images(ctx, svc, policy, s.quiet);
    if (svc.image.empty() || svc.build) continue;
    try {
      ensure_image(ctx, svc.image, policy, s.quiet);
    } catch (Error& e) {
      throw e.context("service " + name);
    }
  }
  FileLock held = project_lock(ctx, project.name);
  Desired desired = desired_state(ctx.paths, project);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  UpOptions up;
  up.services = s.services;
  Plan plan = plan_up(desired.state, observed, up);
  if (ctx.project.dry_run) {
    std::fputs(plan.empty() ? "nothing to do\n" : render_plan(plan).c_str(), stdout);
    std::fflush(stdout);
    return 0;
  }
  return apply_with_progress(ctx, project, desired, plan, {});
}

}  // namespace

UpWatch::UpWatch(Project p, const std::vector<std::string>& names)
    : project(std::move(p)), rules(prepare_watch(project, names)), services(names) {}

UpWatch::~UpWatch() { stop(); }

void UpWatch::stop() {
  if (child_ <= 0) return;
  ::kill(child_, SIGTERM);
  int status = 0;
  while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
  }
  child_ = -1;
}

void UpWatch::start_beside_attach(Context& ctx) {
  std::size_t width = 0;
  for (const auto& c : project_containers(ctx.paths, project.name))
    width = std::max(width, c.record.name.size());
  WatchSettings s{services, true, false, std::string(width + 1, ' ') + " \u29bf "};
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) throw Error::sys("fork", "watch", errno);
  if (pid > 0) {
    child_ = pid;
    return;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int rc = 1;
  try {
    rc = run_watch(ctx, project, rules, s);
  } catch (const Error& e) {
    std::fprintf(stderr, "lit: watch: %s\n", e.what());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(rc);
}

void register_watch(CLI::App& app, Context& ctx) {
  struct Opts {
    WatchSettings s;
    bool no_up = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "watch",
      "Watch build context for service and rebuild/refresh containers when files are updated");
  cmd->add_flag("--no-up", o->no_up, "Do not build & start services before watching");
  cmd->add_flag("--prune,!--no-prune", o->s.prune,
                "Prune dangling images on rebuild (default true; --prune=false)");
  cmd->add_flag("--quiet", o->s.quiet, "hide build output");
  cmd->add_option("SERVICE", o->s.services, "Only these services");
  cmd->callback([&ctx, o] {
    Project project = load(ctx, o->s.services);
    std::vector<ActiveRule> rules = prepare_watch(project, o->s.services);
    if (!o->no_up) {
      ctx.exit_code = up_before_watch(ctx, project, o->s);
      if (ctx.exit_code != 0) return;
    }
    ctx.exit_code = run_watch(ctx, project, rules, o->s);
  });
}

}  // namespace lit::app
