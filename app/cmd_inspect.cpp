// lit container logs, stats, top, port: parsing and rendering; the reading lives in
// runtime/logs/logs.hpp, app/views/{stats_view,top}.hpp.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/context.hpp"
#include "app/views/stats_view.hpp"
#include "app/views/table.hpp"
#include "app/views/top.hpp"
#include "runtime/cgroups/cgroup.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/shim/log_time.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

namespace {

void register_logs(CLI::App& container, Context& ctx) {
  struct Opts {
    bool follow = false, timestamps = false;
    std::string tail = "all", since, until, name;
  };
  auto o = std::make_shared<Opts>();
  auto* logs = container.add_subcommand("logs", "Print a container's output (stdout and stderr)");
  logs->add_flag("-f,--follow", o->follow, "Follow new output until the container stops");
  logs->add_option("-n,--tail", o->tail, "Lines to show from the end, or \"all\"")
      ->capture_default_str();
  logs->add_flag("-t,--timestamps", o->timestamps, "Prefix each line with its time (RFC3339Nano)");
  logs->add_option("--since", o->since,
                   "Only lines since a time (2026-01-02T15:04:05Z, Unix seconds) or a duration "
                   "before now (10m, 1h30m)");
  logs->add_option("--until", o->until,
                   "Only lines before a time (2026-01-02T15:04:05Z, Unix seconds) or a duration "
                   "before now (10m)");
  logs->add_option("CONTAINER", o->name, "Container name or id prefix")->required();
  logs->callback([&ctx, o] {
    runtime::RecordStore store(ctx.paths);
    shim::LogQuery q;
    q.tail = runtime::parse_tail(o->tail);
    if (!o->since.empty()) q.since_ns = shim::parse_since(o->since, shim::now_ns());
    if (!o->until.empty()) q.until_ns = shim::parse_since(o->until, shim::now_ns(), "--until");
    auto record = store.lookup(o->name);
    runtime::LogPrinter out(STDOUT_FILENO, STDERR_FILENO, o->timestamps);
    runtime::print_container_logs(store, record, q, o->follow, out);
  });
}

// The containers to show: the named ones (read again each round, as their state
// changes), or every running one (-a: every one) at the time of the round.
std::vector<runtime::ContainerRecord> stats_targets(const runtime::RecordStore& store,
                                                    const std::vector<std::string>& names,
                                                    bool all) {
  std::vector<runtime::ContainerRecord> out;
  if (!names.empty()) {
    for (const auto& n : names) out.push_back(store.lookup(n));
    return out;
  }
  for (auto& r : store.list()) {
    if (all || runtime::observed_state(r).status == runtime::ContainerStatus::Running)
      out.push_back(std::move(r));
  }
  return out;
}

void print_stats(const std::vector<StatsRow>& rows, bool json, bool clear) {
  std::string text = clear ? "\033[2J\033[H" : "";  // what docker writes between frames
  if (json) {
    for (const auto& r : rows) text += stats_json(r).dump() + "\n";
  } else {
    TableRows table{kStatsTitles};
    for (const auto& r : rows) table.push_back(stats_cells(r));
    text += format_table(table);
  }
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

void stream_stats(const std::function<std::vector<runtime::ContainerRecord>()>& targets_now,
                  bool no_stream, bool json) {
  auto cgroups = cgroups::detect();
  StatsCollector collector(*cgroups);
  // CPU % needs two samples: the first round only primes the collector.
  auto targets = targets_now();
  collector.collect(targets);
  for (;;) {
    if (!targets.empty() || !no_stream) std::this_thread::sleep_for(std::chrono::seconds(1));
    targets = targets_now();
    print_stats(collector.collect(targets), json, !no_stream && !json);
    if (no_stream) return;
  }
}

namespace {

void register_stats(CLI::App& container, Context& ctx) {
  struct Opts {
    bool no_stream = false, all = false;
    std::string format = "table";
    std::vector<std::string> names;
  };
  auto o = std::make_shared<Opts>();
  auto* stats = container.add_subcommand(
      "stats", "Show containers' CPU, memory, I/O and pids (all running ones by default)");
  stats->add_flag("--no-stream", o->no_stream, "Print one sample and exit");
  stats->add_flag("-a,--all", o->all, "Show all containers, not only running ones");
  stats->add_option("--format", o->format, "Output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  stats->add_option("CONTAINER", o->names, "Container names or id prefixes");
  stats->callback([&ctx, o] {
    runtime::RecordStore store(ctx.paths);
    stream_stats([&] { return stats_targets(store, o->names, o->all); }, o->no_stream,
                 o->format == "json");
  });
}

void register_top(CLI::App& container, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* top = container.add_subcommand("top", "Show a container's processes (as ps -ef)");
  top->add_option("CONTAINER", *name, "Container name or id prefix")->required();
  top->allow_extras();  // docker passes ps options on; lit's columns are fixed
  top->callback([&ctx, name, top] {
    if (!top->remaining().empty()) spdlog::warn("top: ps options are ignored");
    auto record = runtime::RecordStore(ctx.paths).lookup(*name);
    if (runtime::observed_state(record).status != runtime::ContainerStatus::Running) {
      throw Error("container " + *name + " is not running", {}, 0,
                  "start it first: lit container start " + *name);
    }
    TableRows table{kTopTitles};
    for (auto& row :
         top_rows(cgroups::manager_for(record.spec.cgroup_manager)->open(record.id)->processes()))
      table.push_back(std::move(row));
    std::fputs(format_table(table, 20).c_str(), stdout);
  });
}

// docker port: "80/tcp -> 0.0.0.0:8080", or only "0.0.0.0:8080" when asked for one port.
void register_port(CLI::App& container, Context& ctx) {
  struct Opts {
    std::string name, port;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("port", "List a running container's published ports");
  cmd->add_option("CONTAINER", o->name, "Container name or id prefix")->required();
  cmd->add_option("PRIVATE_PORT", o->port, "Only this container port: PORT[/tcp|udp]");
  cmd->callback([&ctx, o] {
    auto rec = runtime::RecordStore(ctx.paths).lookup(o->name);
    if (runtime::observed_state(rec).status != runtime::ContainerStatus::Running)
      return;  // as docker: nothing is bound
    std::string want = o->port;
    if (!want.empty() && want.find('/') == std::string::npos) want += "/tcp";
    bool found = false;
    for (const auto& p : rec.state.ports) {
      std::string inside =
          std::to_string(p.container_port) + "/" + std::string(runtime::proto_name(p.proto));
      std::string outside =
          (p.host_ip.empty() ? "0.0.0.0" : p.host_ip) + ":" + std::to_string(p.host_port);
      if (!want.empty() && inside != want) continue;
      found = true;
      if (want.empty())
        std::printf("%s -> %s\n", inside.c_str(), outside.c_str());
      else
        std::printf("%s\n", outside.c_str());
    }
    if (!want.empty() && !found)
      throw Error("no public port '" + want + "' published for " + rec.name);
  });
}

}  // namespace

void register_inspection_commands(CLI::App& container, Context& ctx) {
  register_port(container, ctx);
  register_logs(container, ctx);
  register_stats(container, ctx);
  register_top(container, ctx);
}

}  // namespace lit::app
