// lit container start, stop, kill, restart, wait, pause, unpause; and the hidden helper
// commands the supervisor (lit-shim) runs: __spawn, __exited, __health, __dns,
// __memory-raise.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/prune.hpp"
#include "network/dns_service.hpp"
#include "network/home_netns.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/lifecycle/memory_raise.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {

using runtime::ContainerRecord;

namespace {

void register_start(CLI::App& container, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = container.add_subcommand("start", "Start stopped containers (detached)");
  cmd->add_option("CONTAINER", *names, "Container names or id prefixes")->required();
  cmd->callback([&ctx, names] {
    for_each_container(ctx, *names, [&](const ContainerRecord& r) {
      try {
        runtime::start_container(ctx.paths, r);
      } catch (runtime::StartError& e) {
        e.context("start container " + r.name);
        throw;
      }
    });
  });
}

struct StopOpts {
  std::vector<std::string> names;
  std::optional<int> timeout;
};

void add_stop_options(CLI::App* cmd, StopOpts& o) {
  cmd->add_option("-t,--time,--timeout", o.timeout,
                  "Seconds to wait for the stop signal to work before SIGKILL (default: the "
                  "container's --stop-timeout, 10)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("CONTAINER", o.names, "Container names or id prefixes")->required();
}

void register_stop(CLI::App& container, Context& ctx) {
  auto o = std::make_shared<StopOpts>();
  auto* cmd =
      container.add_subcommand("stop", "Stop running containers: stop signal, then SIGKILL");
  add_stop_options(cmd, *o);
  cmd->callback([&ctx, o] {
    for_each_container(ctx, o->names, [&](const ContainerRecord& r) {
      runtime::stop_container(ctx.paths, r, o->timeout);
    });
  });
}

void register_restart(CLI::App& container, Context& ctx) {
  auto o = std::make_shared<StopOpts>();
  auto* cmd = container.add_subcommand("restart", "Stop, then start containers");
  add_stop_options(cmd, *o);
  cmd->callback([&ctx, o] {
    for_each_container(ctx, o->names, [&](const ContainerRecord& r) {
      runtime::restart_container(ctx.paths, r, o->timeout);
    });
  });
}

void register_kill(CLI::App& container, Context& ctx) {
  struct Opts {
    std::vector<std::string> names;
    std::string signal = "KILL";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      container.add_subcommand("kill", "Send a signal to running containers (default SIGKILL)");
  cmd->add_option("-s,--signal", o->signal, "Signal name or number")->capture_default_str();
  cmd->add_option("CONTAINER", o->names, "Container names or id prefixes")->required();
  cmd->callback([&ctx, o] {
    int sig = runtime::parse_signal(o->signal, "--signal");
    for_each_container(ctx, o->names, [&](const ContainerRecord& r) {
      runtime::kill_container(ctx.paths, r, sig);
    });
  });
}

void register_wait(CLI::App& container, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd =
      container.add_subcommand("wait", "Wait until containers stop; print their exit codes");
  cmd->add_option("CONTAINER", *names, "Container names or id prefixes")->required();
  cmd->callback([&ctx, names] {
    runtime::RecordStore records(ctx.paths);
    for (const auto& name : *names) {
      try {
        std::printf("%d\n", runtime::wait_container(ctx.paths, records.lookup(name)));
        std::fflush(stdout);
      } catch (const Error& e) {
        report(ctx, e);
      }
    }
  });
}

// docker pause / unpause: freeze or thaw every process (the cgroup freezer).
void register_pause(CLI::App& container, Context& ctx, bool pause) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = container.add_subcommand(
      pause ? "pause" : "unpause",
      pause ? "Pause all processes within containers" : "Unpause all processes within containers");
  cmd->add_option("CONTAINER", *names, "Container names or id prefixes")->required();
  cmd->callback([&ctx, names, pause] {
    for_each_container(ctx, *names, [&](const ContainerRecord& r) {
      if (pause)
        runtime::pause_container(ctx.paths, r);
      else
        runtime::unpause_container(ctx.paths, r);
    });
  });
}

// docker update --memory/--cpus/--pids-limit: live on a running container.
void register_update(CLI::App& container, Context& ctx) {
  struct Opts {
    std::string memory, cpus, pids_limit;
    std::vector<std::string> names;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("update", "Update the resource limits of containers");
  cmd->add_option("-m,--memory", o->memory, "Memory limit (e.g. 64m)");
  cmd->add_option("--cpus", o->cpus, "Number of CPUs (e.g. 0.5)");
  cmd->add_option("--pids-limit", o->pids_limit, "Maximum number of tasks (-1: unlimited)");
  cmd->add_option("CONTAINER", o->names, "Container names or id prefixes")->required();
  cmd->callback([&ctx, o] {
    cgroups::Limits limits;
    if (!o->memory.empty()) limits.memory_bytes = runtime::parse_memory(o->memory);
    if (!o->cpus.empty()) {
      long n = ::sysconf(_SC_NPROCESSORS_ONLN);
      limits.cpus = runtime::parse_cpus(o->cpus, n > 0 ? static_cast<unsigned>(n) : 1);
    }
    if (!o->pids_limit.empty()) limits.pids = runtime::parse_pids_limit(o->pids_limit);
    if (!limits.memory_bytes && !limits.cpus && !limits.pids)
      throw Error("update: nothing to update", {}, 0, "give --memory, --cpus or --pids-limit");
    for_each_container(ctx, o->names, [&](const ContainerRecord& r) {
      runtime::update_container(ctx.paths, r, limits);
    });
  });
}

// docker rename OLD NEW.
void register_rename(CLI::App& container, Context& ctx) {
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  auto* cmd = container.add_subcommand("rename", "Rename a container");
  cmd->add_option("CONTAINER", names->first, "Container name or id prefix")->required();
  cmd->add_option("NEW_NAME", names->second, "Its new name")->required();
  cmd->callback([&ctx, names] {
    runtime::RecordStore records(ctx.paths);
    runtime::rename_container(ctx.paths, records.lookup(names->first), names->second);
  });
}

// docker container prune: every container that is not running goes.
void register_prune(CLI::App& container, Context& ctx) {
  auto force = std::make_shared<bool>(false);
  auto* cmd = container.add_subcommand("prune", "Remove all stopped containers");
  cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  cmd->callback([&ctx, force] {
    if (!*force && !confirm("all stopped containers.")) return;
    Pruned pruned = prune_containers(ctx);
    std::fputs((deleted_section("Containers", pruned) + reclaimed_line(pruned.bytes)).c_str(),
               stdout);
  });
}

// ---- helper commands of lit-shim (hidden) ----

void register_spawn(CLI::App& container, Context& ctx) {
  struct Opts {
    std::string id;
    int out = -1, err = -1, in = -1, ready = -1, console = -1, ports = -1, hold = -1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("__spawn", "(lit-shim) start a detached container");
  cmd->group("");
  cmd->add_option("ID", o->id)->required();
  cmd->add_option("--stdout-fd", o->out);
  cmd->add_option("--stderr-fd", o->err);
  cmd->add_option("--stdin-fd", o->in);
  cmd->add_option("--ready-fd", o->ready);
  cmd->add_option("--console-fd", o->console);
  cmd->add_option("--ports-fd", o->ports);  // the published ports to proxy go there
  cmd->add_option("--hold-fd", o->hold);    // a held start: its release comes there
  cmd->callback([&ctx, o] {
    ::signal(SIGPIPE, SIG_IGN);  // the CLI waiting on the ready fd may be gone
    // The supervisor reads it to its end: nothing we start may hold it open,
    // and it ends when we are done, whatever else holds it.
    if (o->ports >= 0) ::fcntl(o->ports, F_SETFD, FD_CLOEXEC);
    struct EndPorts {
      int fd;
      ~EndPorts() {
        if (fd >= 0) ::shutdown(fd, SHUT_WR);
      }
    } end_ports{o->ports};
    auto tell = [&](const std::string& text) {
      if (o->ready >= 0) [[maybe_unused]]
        auto n = ::write(o->ready, text.data(), text.size());
    };
    try {
      if (o->hold >= 0) ::fcntl(o->hold, F_SETFD, FD_CLOEXEC);  // ours alone, as the ports'
      auto init = runtime::spawn_for_supervisor(
          ctx.paths, o->id, {o->in, o->out, o->err, o->console}, o->ports, o->hold);
      // "PID STARTED_NS": lit-shim reads both (supervisor.cpp, start()); a
      // held start let go: "cancelled", and the CLI hears nothing.
      if (init)
        std::printf("%d %lld\n", init->pid, static_cast<long long>(init->started_ns));
      else
        std::printf("cancelled\n");
      std::fflush(stdout);
      if (init) tell("ok\n");
    } catch (const runtime::StartError& e) {
      tell(std::to_string(e.exit_code()) + "\n" + e.what() + "\n" + e.hint() + "\n");
      ctx.exit_code = e.exit_code();
    }
  });
}

void register_exited(CLI::App& container, Context& ctx) {
  struct Opts {
    std::string id;
    runtime::ExitReport report;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("__exited", "(lit-shim) record a container's exit");
  cmd->group("");
  cmd->add_option("ID", o->id)->required();
  cmd->add_option("--code", o->report.status.code);
  cmd->add_option("--signal", o->report.status.signal);
  cmd->add_option("--ran-ms", o->report.ran_ms);
  cmd->add_option("--last-delay-ms", o->report.last_delay_ms);
  cmd->add_flag("--start-failed", o->report.start_failed);
  cmd->add_flag("--first", o->report.first_start);
  cmd->add_flag("--unhealthy", o->report.killed_unhealthy);
  cmd->callback([&ctx, o] {
    auto d = runtime::record_exit(ctx.paths, o->id, o->report);
    if (d.restart)
      std::printf("restart %lld\n", static_cast<long long>(d.delay_ms));
    else
      std::printf("exit\n");
  });
}

void register_health(CLI::App& container, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* cmd = container.add_subcommand("__health", "(lit-shim) run one health probe");
  cmd->group("");
  cmd->add_option("ID", *id)->required();
  // Exit 3 tells the shim to kill the container (it turned unhealthy,
  // --restart-on-unhealthy); exit 4 that it is no longer starting (the shim
  // then probes every interval rather than every start interval).
  cmd->callback([&ctx, id] {
    runtime::ProbeOutcome o = runtime::probe_health(ctx.paths, *id);
    if (o.kill)
      ctx.exit_code = 3;
    else if (!o.starting)
      ctx.exit_code = 4;
  });
}

// A container with optimize.memory_ceiling keeps reaching its memory limit
// (or was OOM-killed): raise it. Exit 2 tells the shim the limit is at the
// ceiling (it stops asking for this run).
void register_memory_raise(CLI::App& container, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>("at its limit");
  auto* cmd = container.add_subcommand("__memory-raise", "(lit-shim) raise a memory limit");
  cmd->group("");
  cmd->add_option("ID", *id)->required();
  cmd->add_option("--reason", *reason);
  cmd->callback([&ctx, id, reason] {
    if (runtime::raise_memory_limit(ctx.paths, *id, *reason) == runtime::RaiseOutcome::AtCeiling)
      ctx.exit_code = 2;
  });
}

// lit's DNS server died: its config is written again from the records, so
// that the names of containers whose supervisor died with it go, and the
// server is started unless one runs (runtime/shim/dns_keeper.hpp).
void register_dns(CLI::App& container, Context& ctx) {
  auto* cmd = container.add_subcommand("__dns", "(lit-shim) start lit's DNS server again");
  cmd->group("");
  cmd->callback([&ctx] {
    runtime::await_inits_of_dead_supervisors(ctx.paths, std::chrono::milliseconds(500));
    network::in_home_netns([&] { network::DnsService(ctx.paths).sync(true); });
  });
}

}  // namespace

void register_lifecycle_commands(CLI::App& container, Context& ctx) {
  register_start(container, ctx);
  register_stop(container, ctx);
  register_restart(container, ctx);
  register_kill(container, ctx);
  register_wait(container, ctx);
  register_pause(container, ctx, true);
  register_pause(container, ctx, false);
  register_update(container, ctx);
  register_rename(container, ctx);
  register_prune(container, ctx);
  register_supervisor_helpers(container, ctx);
}

void register_supervisor_helpers(CLI::App& container, Context& ctx) {
  register_spawn(container, ctx);
  register_exited(container, ctx);
  register_health(container, ctx);
  register_memory_raise(container, ctx);
  register_dns(container, ctx);
}

}  // namespace lit::app
