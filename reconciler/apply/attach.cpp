#include "reconciler/apply/attach.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "reconciler/apply/hooks.hpp"
#include "reconciler/logs.hpp"
#include "reconciler/plan_graph.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/logs/multi_logs.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

namespace {

// Stops the project's containers as `lit stop` does (stop signal, timeout,
// SIGKILL), each service's once the services depending on it are stopped
// (compose's reverse dependency order), independent ones at once, each after
// its service's pre_stop hooks; force() kills what still runs and stops the
// waiting.
class Stopper {
 public:
  Stopper(const Paths& paths, std::vector<LogTarget> targets, const AttachOptions& o,
          const Progress& progress)
      : paths_(paths),
        targets_(std::move(targets)),
        timeout_(o.stop_timeout),
        progress_(progress),
        dependants_(o.dependants),
        hooks_(o.pre_stop) {}
  ~Stopper() { join(); }

  // A container that appeared after the start: stopped with the others.
  void add(const LogTarget& t) {
    std::lock_guard lock(mutex_);
    if (threads_.empty()) targets_.push_back(t);
  }

  void start() {
    std::lock_guard lock(mutex_);
    if (!threads_.empty()) return;
    running_ = targets_.size();
    for (const auto& t : targets_) threads_.emplace_back([this, &t] { stop(t); });
  }

  void force() {
    {
      std::lock_guard lock(mutex_);
      forced_ = true;
    }
    changed_.notify_all();
    runtime::RecordStore store(paths_);
    for (const auto& t : targets_) {
      auto rec = store.read(t.id);
      if (!rec || runtime::observed_state(*rec).status != runtime::ContainerStatus::Running)
        continue;
      try {
        runtime::kill_container(paths_, *rec, SIGKILL);
      } catch (const Error&) {  // exited meanwhile
      }
    }
  }

  bool busy() const { return running_ > 0; }

  // The hooks' output since the last call.
  std::vector<std::string> hook_lines() { return hook_output_.take(); }

  // Every failure, once the threads are done.
  std::vector<std::string> join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    return errors_;
  }

 private:
  // True when no container of a service depending on `service` is still to stop.
  bool dependants_stopped(const std::string& service) const {
    auto it = dependants_.find(service);
    if (it == dependants_.end()) return true;
    return std::none_of(targets_.begin(), targets_.end(), [&](const LogTarget& other) {
      return std::find(it->second.begin(), it->second.end(), other.service) != it->second.end() &&
             !stopped_.count(other.id);
    });
  }

  bool forced() {
    std::lock_guard lock(mutex_);
    return forced_;
  }

  void stop(const LogTarget& t) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return forced_ || dependants_stopped(t.service); });
    }
    try {
      if (auto rec = runtime::RecordStore(paths_).read(t.id)) {
        if (auto s = hooks_.find(t.service); s != hooks_.end() && !forced())
          run_hooks(paths_, rec->id, s->second, s->second.pre_stop, hook_output_);
        runtime::stop_container(paths_, *rec, timeout_);
        std::lock_guard lock(mutex_);
        progress_({"Container " + rec->name, "Stopped", ProgressState::Done});
      }
    } catch (const Error& e) {
      std::lock_guard lock(mutex_);
      errors_.push_back("stop " + t.name + ": " + e.what());
    }
    {
      std::lock_guard lock(mutex_);
      stopped_.insert(t.id);
    }
    changed_.notify_all();
    --running_;
  }

  const Paths& paths_;
  std::vector<LogTarget> targets_;
  std::optional<int> timeout_;
  const Progress& progress_;
  const std::map<std::string, std::vector<std::string>>& dependants_;
  const std::map<std::string, Service>& hooks_;
  HookOutput hook_output_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> running_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> stopped_;  // ids
  bool forced_ = false;
  std::vector<std::string> errors_;
};

std::optional<int> exit_code_of(const runtime::RecordStore& store, const std::string& id) {
  auto rec = store.read(id);
  if (!rec) return std::nullopt;  // removed: nothing to report
  return runtime::observed_state(*rec).exit_code;
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What attached `up` follows: the attached containers (reader source i is
// shown[i]) and every container it knows of, attached or not.
struct Attached {
  std::vector<LogTarget> shown;
  std::set<std::string> known;  // ids
  std::chrono::steady_clock::time_point next_discovery{};
};

// Containers that appeared since the last look (about once a second): each
// is stopped with the others, and an attached service's is followed from
// its first line.
void attach_new(const Paths& paths, const std::string& project, const AttachOptions& o, Attached& a,
                runtime::MultiLogReader& reader, runtime::PrefixedLogFormatter& format,
                runtime::LogPrinter& out, Stopper& stopper) {
  const auto now = std::chrono::steady_clock::now();
  if (now < a.next_discovery) return;
  a.next_discovery = now + std::chrono::seconds(1);
  for (const auto& t : log_targets(paths, project, o.services)) {
    if (!a.known.insert(t.id).second) continue;
    stopper.add(t);
    if (!listed(o.attach, t.service)) continue;
    a.shown.push_back(t);
    format.add(t.name);
    for (const auto& e : reader.add(t.id)) out.write(format.format(e));
  }
}

}  // namespace

std::vector<std::string> services_of_up(const DesiredState& desired,
                                        const std::vector<std::string>& named) {
  auto graph = detail::build_graph(desired);
  if (named.empty()) return graph.order;
  auto set = detail::with_dependencies(graph, named);
  return {set.begin(), set.end()};
}

int attach_project(const Paths& paths, const std::string& project, const AttachOptions& o,
                   const Progress& progress, int out_fd) {
  // Blocked from here on (threads started later inherit the mask): Ctrl-C is
  // read from the signalfd, never lost between two polls.
  runtime::ForwardedSignals signals({SIGINT, SIGTERM});
  const auto all = log_targets(paths, project, o.services);
  Attached a;
  std::vector<std::string> ids, names;
  std::string list;
  for (const auto& t : all) {
    a.known.insert(t.id);
    if (!listed(o.attach, t.service)) continue;
    a.shown.push_back(t);
    ids.push_back(t.id);
    names.push_back(t.name);
    list += (list.size() ? ", " : "") + t.name;
  }
  std::fprintf(stderr, "Attaching to %s\n", list.c_str());
  const auto& shown = a.shown;

  runtime::RecordStore store(paths);
  runtime::MultiLogReader reader(store, ids, {});
  runtime::PrefixedLogFormatter format(names, o.style);
  runtime::LogPrinter out(out_fd, out_fd, false);
  for (const auto& e : reader.read_existing(true)) out.write(format.format(e));
  out.flush();

  Stopper stopper(paths, all, o, progress);
  const bool cascade = o.abort_on_exit || !o.exit_code_from.empty();
  std::string code_from = o.exit_code_from;
  bool aborting = false, interrupted = false;
  int exit_code = 0;
  if (o.interrupted) {
    interrupted = aborting = true;
    std::fputs("Gracefully stopping... (press Ctrl+C again to force)\n", stderr);
    stopper.start();
  }
  // With nothing attached, compose waits for Ctrl-C.
  while (!reader.all_done() || stopper.busy() || (shown.empty() && !interrupted)) {
    std::vector<std::size_t> done;
    auto entries = reader.poll(done);
    if (!aborting)
      for (const auto& e : entries) out.write(format.format(e));
    for (auto i : done) {
      auto code = exit_code_of(store, shown[i].id);
      if (!aborting) {
        out.write(format.finish(i));
        if (code) out.write(format.status(i, "exited with code " + std::to_string(*code)));
      }
      if (!cascade && !(o.abort_on_failure && code && *code != 0)) continue;
      if (!aborting) {
        aborting = true;
        out.write("Aborting on container exit...\n");
        out.flush();
        stopper.start();
      }
      if (code_from.empty()) code_from = shown[i].service;
      if (code_from == shown[i].service && code) exit_code = *code;
    }
    if (!aborting) attach_new(paths, project, o, a, reader, format, out, stopper);
    for (const auto& line : stopper.hook_lines()) out.write(line + "\n");
    out.flush();
    if (!reader.wait(250, signals.fd())) continue;
    while (signals.next() != 0) {
      if (interrupted) {
        stopper.force();
        continue;
      }
      interrupted = aborting = true;
      std::fputs("Gracefully stopping... (press Ctrl+C again to force)\n", stderr);
      stopper.start();
    }
  }
  auto errors = stopper.join();
  for (const auto& line : stopper.hook_lines()) out.write(line + "\n");
  out.flush();
  for (const auto& e : errors) std::fprintf(stderr, "lit: %s\n", e.c_str());
  if (interrupted) return kExitInterrupted;
  return errors.empty() ? exit_code : 1;
}

}  // namespace lit::reconciler
