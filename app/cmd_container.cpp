// lit container ...: run, ls, rm, inspect. Parsing and rendering only; the use
// cases live in runtime/lifecycle/lifecycle.hpp.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/container_fs.hpp"
#include "app/context.hpp"
#include "app/list_output.hpp"
#include "app/pull.hpp"
#include "app/run_flags.hpp"
#include "app/views/container_rows.hpp"
#include "app/views/list_filter.hpp"
#include "runtime/image/store.hpp"
#include "runtime/lifecycle/detached.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

using runtime::ContainerRecord;

// Declared here rather than in a header: the run flags are also used by the unit
// tests, which check that everything after IMAGE goes to the container.
void add_run_flags(CLI::App& cmd, CreateFlags& f);

namespace {

// --pid, --ipc, --uts, --volumes-from.
void add_sharing_flags(CLI::App& cmd, CreateFlags& f) {
  cmd.add_option("--pid", f.pid, "PID namespace: host or container:NAME (default: its own)");
  cmd.add_option("--ipc", f.ipc,
                 "IPC namespace: private (default), shareable, none, host or container:NAME");
  cmd.add_option("--uts", f.uts, "UTS namespace: host (default: its own)");
  cmd.add_option("--userns", f.userns,
                 "User namespace: host (default) or auto[:size=N] (root mapped to ids of "
                 "lit's /etc/subuid range)");
  cmd.add_option("--volumes-from", f.volumes_from,
                 "Mount the volumes of a container: CONTAINER[:ro|rw]")
      ->allow_extra_args(false);
}

// --health-*: a health check of the container's own, over the image's.
void add_health_flags(CLI::App& cmd, CreateFlags& f) {
  cmd.add_option_function<std::string>(
      "--health-cmd", [&f](const std::string& c) { f.health_cmd = c; },
      "Command run by the shell inside the container to check its health");
  cmd.add_option("--health-interval", f.health_interval, "Time between checks (default 30s)");
  cmd.add_option("--health-timeout", f.health_timeout, "Time a check may take (default 30s)");
  cmd.add_option("--health-start-period", f.health_start_period,
                 "Grace period before failures count (default 0s)");
  cmd.add_option("--health-start-interval", f.health_start_interval,
                 "Time between checks during the start period (default: the interval)");
  cmd.add_option("--health-retries", f.health_retries,
                 "Failures in a row before unhealthy (default 3)");
  cmd.add_flag("--no-healthcheck", f.no_healthcheck, "Disable the image's HEALTHCHECK");
}

}  // namespace

void add_run_flags(CLI::App& cmd, CreateFlags& f) {
  // docker's -h is --hostname; help stays on --help.
  cmd.set_help_flag("--help", "Print this help message and exit");
  // Everything after IMAGE belongs to the container's command, options included.
  cmd.positionals_at_end(true);
  auto each = [](CLI::Option* o) { return o->allow_extra_args(false); };
  cmd.add_flag("--rm", f.auto_remove, "Remove the container when it exits");
  cmd.add_option("--name", f.name, "Container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
  each(cmd.add_option("-e,--env", f.env,
                      "Set an environment variable K=V (K alone: from lit's environment)"));
  each(cmd.add_option("--env-file", f.env_files, "Read environment variables from a file"));
  cmd.add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  cmd.add_option("-u,--user", f.user, "User: UID[:GID] or NAME[:GROUP]");
  cmd.add_option("-h,--hostname", f.hostname, "Container host name (default: the short id)");
  each(cmd.add_option("-v,--volume", f.volumes, "Bind mount or volume: SRC:DST[:ro|rw] or DST"));
  each(cmd.add_option("--tmpfs", f.tmpfs, "Mount a tmpfs: DST[:size=64m,mode=1777]"));
  cmd.add_option("-m,--memory", f.memory, "Memory limit (b, k, m, g; at least 6m)");
  cmd.add_option("--cpus", f.cpus, "Number of CPUs (decimal, e.g. 0.5)");
  cmd.add_option("--pids-limit", f.pids_limit, "Maximum number of processes (-1: unlimited)");
  cmd.add_option("--network,--net", f.network, "none, host, or a lit network's name")
      ->capture_default_str();
  cmd.add_option("--ip", f.ip, "IPv4 address on the network (default: the next free one)");
  each(cmd.add_option("--network-alias", f.network_aliases,
                      "Another name of the container on the network"));
  cmd.add_option("--mac-address", f.mac_address,
                 "MAC address on the network, e.g. 02:42:ac:11:00:02 (default: from its IPv4 "
                 "address)");
  each(cmd.add_option("--add-host", f.add_hosts, "Add a line to /etc/hosts: NAME:IP"));
  each(cmd.add_option("--dns", f.dns, "Nameserver for /etc/resolv.conf"));
  each(cmd.add_option("--dns-search", f.dns_search, "Search domain for /etc/resolv.conf"));
  each(cmd.add_option("--dns-option", f.dns_options, "Option for /etc/resolv.conf"));
  each(cmd.add_option("--sysctl", f.sysctls, "Namespaced kernel parameter K=V"));
  each(cmd.add_option("--ulimit", f.ulimits,
                      "Resource limit NAME=SOFT[:HARD], e.g. nofile=1024:2048"));
  cmd.add_option("--shm-size", f.shm_size, "Size of /dev/shm (default 64m)");
  each(cmd.add_option("--device", f.devices,
                      "Give the container a host device: HOST[:CONTAINER][:PERMS] (PERMS: rwm), "
                      "or a CDI device VENDOR/CLASS=NAME"));
  each(cmd.add_option("--device-cgroup-rule", f.device_cgroup_rules,
                      "Allow devices in the container's device cgroup: TYPE MAJOR:MINOR ACCESS, "
                      "e.g. 'c 1:3 rwm' or 'b 8:* r'"));
  add_sharing_flags(cmd, f);
  each(cmd.add_option(
      "-p,--publish", f.publish,
      "Publish a port: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], ranges allowed"));
  cmd.add_flag("-i,--interactive", f.interactive, "Keep stdin open");
  cmd.add_flag("-t,--tty", f.tty, "Allocate a pseudo-terminal");
  cmd.add_option_function<std::string>(
      "--entrypoint", [&f](const std::string& e) { f.entrypoint = e; },
      "Override the image's entrypoint (drops the image's command too)");
  each(cmd.add_option("--cap-add", f.cap_add, "Add a Linux capability"));
  each(cmd.add_option("--cap-drop", f.cap_drop, "Drop a Linux capability"));
  cmd.add_flag("--privileged", f.privileged, "All capabilities, no seccomp, no masked paths");
  cmd.add_flag("--read-only", f.read_only, "Mount the root file system read-only");
  each(cmd.add_option(
      "--security-opt", f.security_opts,
      "no-new-privileges[=true|false], seccomp=unconfined|builtin|FILE.json, apparmor=NAME"));
  each(cmd.add_option("-l,--label", f.labels, "Set a label K=V"));
  cmd.add_flag("-d,--detach", f.detach, "Run in the background under a supervisor; print the ID");
  cmd.add_option("--restart", f.restart,
                 "Restart policy: no, always, on-failure[:N], unless-stopped")
      ->capture_default_str();
  cmd.add_flag("--restart-on-unhealthy", f.restart_on_unhealthy,
               "Kill and restart (per --restart) a container that turns unhealthy");
  each(cmd.add_option("--log-opt", f.log_opts, "Log option: max-size=10m, max-file=3"));
  add_health_flags(cmd, f);
  cmd.add_flag("--init", f.init, "Run lit's init as PID 1: forwards signals, reaps zombies");
  cmd.add_option("--stop-signal", f.stop_signal,
                 "Signal that stops the container (default SIGTERM)");
  cmd.add_option("--stop-timeout", f.stop_timeout, "Seconds to wait before SIGKILL (default 10)");
  cmd.add_option("--pull", f.pull, "Pull the image: always, missing (default) or never")
      ->check(CLI::IsMember({"always", "missing", "never"}));
  add_insecure_registry_option(cmd);
  cmd.add_option("IMAGE", f.image, "Image reference or id")->required();
  cmd.add_option("COMMAND", f.command, "Command and arguments (default: the image's)");
}

namespace {

nlohmann::json inspect_json(const ContainerRecord& r) {
  auto j = runtime::to_json(r);
  auto st = runtime::observed_state(r);
  j["state"]["status"] = std::string(runtime::to_string(runtime::shown_status(st)));
  j["state"]["paused"] = runtime::shown_status(st) == runtime::ContainerStatus::Paused;
  j["state"]["pid"] = st.pid;
  j["state"]["exit_code"] = st.exit_code;
  j["state"]["error"] = st.error;
  return j;
}

void register_run(CLI::App& container, Context& ctx) {
  auto flags = std::make_shared<CreateFlags>();
  auto* run =
      container.add_subcommand("run", "Create and run a container (in the foreground unless -d)");
  add_run_flags(*run, *flags);
  run->callback([&ctx, flags] {
    flags->foreground_run = !flags->detach;
    ensure_image(ctx, flags->image, flags->pull);
    runtime::ContainerRequest request = request_from_flags(*flags);
    start_created(ctx, runtime::create_container(ctx.paths, request), flags->detach);
  });
}

// docker create: the container made (its image pulled when missing), not
// started; `container start` starts it. Prints its id.
void register_create(CLI::App& container, Context& ctx) {
  auto flags = std::make_shared<CreateFlags>();
  auto* create = container.add_subcommand("create", "Create a container without starting it");
  add_run_flags(*create, *flags);
  create->callback([&ctx, flags] {
    flags->foreground_run = false;
    ensure_image(ctx, flags->image, flags->pull);
    std::printf("%s\n",
                runtime::create_container(ctx.paths, request_from_flags(*flags)).id.c_str());
  });
}

// The ports a container's image exposes ("80/tcp"), by image id.
std::vector<std::string> exposed_ports(const image::Store& store, const std::string& image_id) {
  auto img = store.find(image_id);
  return img ? img->config.exposed_ports : std::vector<std::string>{};
}

void register_ls(CLI::App& container, Context& ctx) {
  struct Opts {
    bool all = false, quiet = false, no_trunc = false;
    std::string format;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  auto* ls = container.add_subcommand("ls", "List containers (running ones unless -a)");
  ls->alias("list");
  ls->alias("ps");
  ls->add_flag("-a,--all", o->all, "Show all containers, not only running ones");
  ls->add_flag("-q,--quiet", o->quiet, "Only print container ids");
  ls->add_flag("--no-trunc", o->no_trunc, "Do not truncate ids and commands");
  ls->add_option("--format", o->format,
                 "table, table TEMPLATE, json or TEMPLATE (Go template: {{.Names}}); default: "
                 "psFormat of the docker config file, else table");
  ls->add_option("-f,--filter", o->filters,
                 "KEY=VALUE: label=K[=V], name=, id=, status= (repeatable)")
      ->allow_extra_args(false);
  ls->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"label", "name", "id", "status"});
    FormatChoice format = choose_format(o->format, "psFormat");
    if (!o->quiet) parse_format(format, docker_ps_spec());  // a bad template fails first
    bool all = o->all || filter.has("status");  // docker: a status filter sees every container
    auto now = std::chrono::system_clock::now();
    image::Store images(ctx.paths.images());
    std::vector<FormatRow> rows;
    for (const auto& r : runtime::RecordStore(ctx.paths).list()) {
      auto st = runtime::observed_state(r);
      if (!all && st.status != runtime::ContainerStatus::Running) continue;
      if (!filter_matches(filter, {r.id,
                                   r.name,
                                   r.labels,
                                   std::string(runtime::to_string(runtime::shown_status(st))),
                                   {},
                                   {}}))
        continue;
      if (o->quiet) {
        std::printf("%s\n", o->no_trunc ? r.id.c_str() : r.id.substr(0, 12).c_str());
        continue;
      }
      std::vector<std::string> exposed;
      if (st.status == runtime::ContainerStatus::Running)
        exposed = exposed_ports(images, r.image_id);
      rows.push_back(docker_ps_row({r, st, exposed, now, !o->no_trunc}));
    }
    if (!o->quiet) print_rows(format, docker_ps_spec(), rows);
  });
}

void register_rm(CLI::App& container, Context& ctx) {
  struct Opts {
    bool force = false, volumes = false;
    std::vector<std::string> names;
  };
  auto o = std::make_shared<Opts>();
  auto* rm = container.add_subcommand("rm", "Remove containers");
  rm->alias("remove");
  rm->add_flag("-f,--force", o->force, "Kill and remove running containers");
  rm->add_flag("-v,--volumes", o->volumes, "Remove the container's anonymous volumes too");
  rm->add_option("CONTAINER", o->names, "Container names or id prefixes")->required();
  rm->callback([&ctx, o] {
    for_each_container(ctx, o->names, [&](const ContainerRecord& r) {
      runtime::remove_container(ctx.paths, r, o->force, o->volumes);
    });
  });
}

void register_inspect(CLI::App& container, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* inspect = container.add_subcommand("inspect", "Show containers' records as JSON");
  inspect->add_option("CONTAINER", *names, "Container names or id prefixes")->required();
  inspect->callback([&ctx, names] {
    runtime::RecordStore records(ctx.paths);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& name : *names) {
      try {
        out.push_back(inspect_json(records.lookup(name)));
      } catch (const Error& e) {
        std::fprintf(stderr, "lit: %s\n", e.what());
        ctx.exit_code = kExitLitFailure;
      }
    }
    std::printf("%s\n", out.dump(4).c_str());
  });
}

}  // namespace

void report(Context& ctx, const Error& e) {
  std::fprintf(stderr, "lit: %s\n", e.what());
  if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
  ctx.exit_code = kExitLitFailure;
}

int start_failed(const runtime::StartError& e) {
  std::fprintf(stderr, "lit: %s\n", e.what());
  if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
  return e.exit_code();
}

void start_created(Context& ctx, const ContainerRecord& rec, bool detach,
                   const std::function<void()>& started) {
  try {
    if (detach) {
      runtime::launch_supervisor(ctx.paths, rec);
      std::printf("%s\n", rec.id.c_str());
      return;
    }
    ctx.exit_code = runtime::run_created(ctx.paths, rec, started).code;
  } catch (const runtime::StartError& e) {
    ctx.exit_code = start_failed(e);
  }
}

void for_each_container(Context& ctx, const std::vector<std::string>& names,
                        const std::function<void(const ContainerRecord&)>& fn) {
  runtime::RecordStore records(ctx.paths);
  for (const auto& name : names) {
    try {
      fn(records.lookup(name));
      std::printf("%s\n", name.c_str());
    } catch (const Error& e) {  // like docker: report it, go on with the others
      report(ctx, e);
    }
  }
}

void register_container_commands(CLI::App& app, Context& ctx, ContainerCommands which) {
  auto* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  if (which == ContainerCommands::Run) {
    register_run(*container, ctx);
    return;
  }
  if (which == ContainerCommands::SupervisorHelpers) {
    register_supervisor_helpers(*container, ctx);
    return;
  }
  register_lifecycle_commands(*container, ctx);
  register_exec_commands(*container, ctx);
  register_attach_command(*container, ctx);
  register_inspection_commands(*container, ctx);
  register_fs_commands(*container, ctx);
  register_run(*container, ctx);
  register_create(*container, ctx);
  register_ls(*container, ctx);
  register_rm(*container, ctx);
  register_inspect(*container, ctx);
}

}  // namespace lit::app
