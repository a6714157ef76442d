// `lit optimize image SERVICE`: trace, shrink, verify, tag. See cmd_optimize_image.hpp.
//
// 1. A one-off container of the service (its config, its networks, no ports,
//    no aliases) runs on its image with its root traced until its check
//    passes: optimize.verify when given (run in it until it exits 0), else
//    its health check (until healthy). It is removed either way.
// 2. The slim image: the traced files, optimize.keep and the essentials,
//    with their closure (image/slim_view.hpp); untagged.
// 3. Another one-off runs on the slim image and must pass the same check,
//    within three times what the traced run needed (and 5 s more), at most
//    --timeout. Passed: tagged <project>-<service>:lit-slim. Failed: the slim
//    image is removed and the error names the files the failed run's output
//    mentions that the original has and the slim image lacks (fanotify does
//    not see an open that fails, so the output is what tells).
#include "app/cmd_optimize_image.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/interrupt.hpp"
#include "app/project.hpp"
#include "app/views/image_display.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/plan.hpp"
#include "runtime/exec/exec_lines.hpp"
#include "runtime/image/slim.hpp"
#include "runtime/image/slim_view.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/tag.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/trace/root_trace.hpp"

namespace lit::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using reconciler::Project;
using reconciler::Service;
using runtime::ContainerRecord;

struct Opts {
  std::string service;
  int timeout = 120;  // seconds, for each run
};

// A one-off container of the service, removed with what it made on scope exit.
class ServiceRun {
 public:
  ServiceRun(const Paths& paths, ContainerRecord rec) : paths_(paths), rec_(std::move(rec)) {}
  ServiceRun(const ServiceRun&) = delete;
  ServiceRun& operator=(const ServiceRun&) = delete;
  ~ServiceRun() {
    try {
      runtime::remove_container(paths_, rec_, true, true);
    } catch (const Error& e) {
      spdlog::warn("remove container {}: {}", rec_.name, e.what());
    }
  }
  const ContainerRecord& record() const { return rec_; }

 private:
  const Paths& paths_;
  ContainerRecord rec_;
};

ContainerRecord create_run(const Context& ctx, const Project& project,
                           const reconciler::Desired& desired, const std::string& service,
                           const std::string& image_id, const std::string& purpose) {
  Service s = project.services.at(service);
  s.ports.clear();  // the service's own containers may hold them
  s.container_name.clear();
  s.restart = {"no", {}};
  const std::string name =
      project.name + "-" + service + "-" + purpose + "-" + runtime::generate_id().substr(0, 12);
  reconciler::ReplicaRequest rr =
      reconciler::replica_request(project, s, name, 1, desired.hashes.at(service));
  rr.request.image = image_id;
  rr.request.labels[reconciler::kOneoffLabel] = "True";
  rr.request.network.aliases.clear();  // the service's name stays its replicas'
  for (auto& n : rr.extra_networks) n.aliases.clear();
  return reconciler::create_replica(ctx.paths, rr);
}

// Ctrl-C: the one-offs and the unverified slim image go, by scope exit.
class Interrupted : public Error {
 public:
  Interrupted() : Error("optimize image: interrupted; nothing of it is left") {}
};

// How one run's check ended, and the output that tells why it failed.
struct Check {
  bool passed = false;
  std::string why;
  std::vector<std::string> output;
};

void add_lines(std::vector<std::string>& out, const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
}

// One look at the running container: its verify command run once, or its health.
Check look_once(const ContainerRecord& rec, const runtime::ContainerState& st,
                const std::vector<std::string>& verify) {
  Check c;
  if (!verify.empty()) {
    runtime::LineExec le;
    le.exec.args = verify;
    int code = runtime::exec_lines(rec, le, [&](std::string_view l) { c.output.emplace_back(l); });
    c.passed = code == 0;
    c.why = "optimize.verify exited with " + std::to_string(code);
    return c;
  }
  if (!st.health) return c;
  c.passed = st.health->status == runtime::Health::Healthy;
  c.why = st.health->status == runtime::Health::Unhealthy ? "its health check turned unhealthy"
                                                          : "it did not turn healthy";
  for (const auto& probe : st.health->log)
    if (probe.exit_code != 0) add_lines(c.output, probe.output);
  return c;
}

// Looks at the container until its check passes, it fails for good
// (unhealthy, exited) or `deadline`; `tick` runs before each look.
Check await_check(const Paths& paths, const std::string& id, const std::vector<std::string>& verify,
                  Clock::time_point deadline, std::stop_token stop,
                  const std::function<void()>& tick) {
  for (;;) {
    if (stop.stop_requested()) throw Interrupted();
    tick();
    ContainerRecord rec = runtime::RecordStore(paths).lookup(id);
    runtime::ContainerState st = runtime::observed_state(rec);
    if (st.status != runtime::ContainerStatus::Running) {
      Check c = look_once(rec, st, {});
      c.passed = false;
      c.why = "it exited with " + std::to_string(st.exit_code);
      return c;
    }
    Check c = look_once(rec, st, verify);
    if (c.passed) return c;
    const bool final =
        verify.empty() && st.health && st.health->status == runtime::Health::Unhealthy;
    if (final) return c;
    if (Clock::now() >= deadline) {
      c.why += ", until its time ran out";
      return c;
    }
    // A health status is a record read; a verify command an exec in the container.
    std::this_thread::sleep_for(verify.empty() ? 50ms : 200ms);
  }
}

void require_check(const ContainerRecord& rec, const Service& s) {
  if (!s.optimize.verify.empty() || rec.lifecycle.healthcheck) return;
  throw Error("optimize image " + s.name + ": it has no health check and no optimize.verify")
      .with_hint(
          "give it a healthcheck: or optimize.verify: [COMMAND...] that passes once it works");
}

// The files the service opened or executed on its own image until its check passed.
std::set<std::string> traced_run(const Context& ctx, const Project& project,
                                 const reconciler::Desired& desired, const Service& s,
                                 const image::Image& original, Clock::time_point deadline,
                                 std::stop_token stop) {
  ServiceRun run(ctx.paths, create_run(ctx, project, desired, s.name, original.id, "trace"));
  require_check(run.record(), s);
  runtime::RootTrace trace(run.record().spec.bundle);
  runtime::launch_supervisor(ctx.paths, run.record());
  trace.receive_group(10s);
  Check c = await_check(ctx.paths, run.record().id, s.optimize.verify, deadline, stop,
                        [&] { trace.drain(); });
  trace.drain();
  if (!c.passed)
    throw Error("optimize image " + s.name + ": it does not work on its own image: " + c.why)
        .with_hint("make its health check (or optimize.verify) pass with `lit up` first");
  return trace.paths();
}

Check verify_run(const Context& ctx, const Project& project, const reconciler::Desired& desired,
                 const Service& s, const image::Image& slim, Clock::time_point deadline,
                 std::stop_token stop) {
  ServiceRun run(ctx.paths, create_run(ctx, project, desired, s.name, slim.id, "verify"));
  try {
    runtime::launch_supervisor(ctx.paths, run.record());
  } catch (const Error& e) {
    return {false, std::string("it did not start: ") + e.what(), {e.what()}};
  }
  try {
    return await_check(ctx.paths, run.record().id, s.optimize.verify, deadline, stop, [] {});
  } catch (const Interrupted&) {
    throw;
  } catch (const Error& e) {  // lit could not look (its exec failed): not verified either
    return {false, e.what(), {e.what()}};
  }
}

// The absolute paths a line names ("cat: can't open '/data/x': No such file").
std::vector<std::string> paths_in(const std::string& line) {
  std::vector<std::string> out;
  for (std::size_t i = line.find('/'); i != std::string::npos; i = line.find('/', i)) {
    if (i > 0 && line[i - 1] != ' ' && line[i - 1] != '\'' && line[i - 1] != '"' &&
        line[i - 1] != '`') {
      ++i;
      continue;
    }
    std::size_t j = line.find_first_of(" '\":,`", i);
    if (j == std::string::npos) j = line.size();
    out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// The files the output names that the original has and the slim image lacks.
std::vector<std::string> missing_files(const image::Store& store, const image::Image& original,
                                       const image::Image& slim,
                                       const std::vector<std::string>& output) {
  const image::MergedView before = image::merged_view(store.layer_dirs(original));
  const image::MergedView after = image::merged_view(store.layer_dirs(slim));
  std::set<std::string> out;
  for (const auto& line : output)
    for (const auto& p : paths_in(line))
      if (before.contains(p) && !after.contains(p)) out.insert(p);
  return {out.begin(), out.end()};
}

std::string seconds(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", std::chrono::duration<double>(d).count());
  return buf;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A slim image no tag holds goes (a rerun that made the same bytes keeps the tagged one).
void discard_slim(image::Store& store, const image::Image& slim) {
  auto now = store.find(slim.id);
  if (now && now->tags.empty()) store.remove(slim.id, false, {});
}

[[noreturn]] void fail_verification(image::Store& store, const Service& s,
                                    const image::Image& original, const image::Image& slim,
                                    const Check& c) {
  std::vector<std::string> missing = missing_files(store, original, slim, c.output);
  discard_slim(store, slim);
  std::string line = "optimize image " + s.name + ": the slim image failed its check (" + c.why +
                     "); the service keeps its original image";
  if (!missing.empty()) line += "; missing: " + joined(missing);
  Error e(line);
  if (!missing.empty())
    e.with_hint("list " + joined(missing) + " under optimize.keep: and run it again");
  else if (!c.output.empty())
    e.with_hint("its output: " + c.output.back());
  throw e;
}

// Starts what the service needs (its dependencies, networks, volumes), as `lit run` does.
void bring_up_dependencies(const Context& ctx, const Project& project,
                           const reconciler::Desired& desired, const std::string& service) {
  reconciler::ObservedState observed = reconciler::observe(ctx.paths, project.name, desired.state);
  reconciler::Plan plan = reconciler::plan_run_dependencies(desired.state, observed, service, true);
  if (!plan.empty() && apply_with_progress(ctx, project, desired, plan, {}) != 0)
    throw Error("optimize image " + service + ": its dependencies could not be started");
}

void optimize_image(Context& ctx, const Opts& o) {
  if (::geteuid() != 0)
    throw Error("optimize image " + o.service + ": tracing a container's files needs root")
        .with_hint("run it as root (fanotify)");
  Project project = load(ctx, {o.service});
  auto it = project.services.find(o.service);
  if (it == project.services.end())
    throw Error("no such service: " + o.service).with_hint("`lit config --services` lists them");
  const Service& s = it->second;
  image::Store store(ctx.paths.images());
  image::Image original = store.resolve(reconciler::service_image(project, s));
  FileLock held = project_lock(ctx, project.name);
  reconciler::Desired desired = reconciler::desired_state(ctx.paths, project);
  bring_up_dependencies(ctx, project, desired, o.service);

  CancelOnInterrupt interrupt;
  const auto timeout = std::chrono::seconds(o.timeout);
  const auto t0 = Clock::now();
  std::set<std::string> wanted =
      traced_run(ctx, project, desired, s, original, t0 + timeout, interrupt.token());
  const auto took = Clock::now() - t0;
  std::printf("Traced %s: %zu %s opened or executed; its check passed after %s\n", s.name.c_str(),
              wanted.size(), wanted.size() == 1 ? "file" : "files", seconds(took).c_str());
  wanted.insert(s.optimize.keep.begin(), s.optimize.keep.end());
  image::SlimBuild slim = image::build_slim_image(store, original, wanted);

  const auto bound = std::min<Clock::duration>(timeout, 3 * took + 5s);
  const auto t1 = Clock::now();
  Check c;
  try {
    c = verify_run(ctx, project, desired, s, slim.image, t1 + bound, interrupt.token());
  } catch (const Interrupted&) {
    discard_slim(store, slim.image);
    throw;
  }
  const auto verified_after = Clock::now() - t1;
  if (!c.passed) fail_verification(store, s, original, slim.image, c);
  const std::string ref = image::slim_reference(project.name, s.name);
  image::tag_image(store.root(), slim.image.id, ref);
  std::printf("Slim image %s: %zu of %zu entries, %s (original %s)\n", ref.c_str(), slim.kept,
              slim.all, human_size(slim.image.size).c_str(), human_size(original.size).c_str());
  std::printf("Verified: %s on it after %s\n",
              s.optimize.verify.empty() ? "its health check passed" : "optimize.verify passed",
              seconds(verified_after).c_str());
}

}  // namespace

void add_optimize_image_command(CLI::App& optimize, Context& ctx) {
  auto o = std::make_shared<Opts>();
  auto* cmd = optimize.add_subcommand(
      "image", "Make a slim image of what a service uses (traced), verify it, tag it");
  cmd->add_option("SERVICE", o->service, "The service")->required();
  cmd->add_option("--timeout", o->timeout, "Seconds each run may take to pass its check")
      ->check(CLI::PositiveNumber);
  cmd->callback([&ctx, o] { optimize_image(ctx, *o); });
}

}  // namespace lit::app
