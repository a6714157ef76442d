// lit container exec.
#include <cstdio>
#include <memory>
#include <string>

#include "app/context.hpp"
#include "runtime/exec/exec_in.hpp"
#include "runtime/exec/exec_lines.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {

void register_exec_commands(CLI::App& container, Context& ctx) {
  struct Opts {
    runtime::ExecOptions exec;
    bool detach = false, privileged = false;
    std::string name;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("exec", "Run a command in a running container");
  // Everything after CONTAINER belongs to the command, options included.
  cmd->positionals_at_end(true);
  cmd->add_flag("-i,--interactive", o->exec.interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", o->exec.tty, "Allocate a pseudo-terminal");
  cmd->add_flag("-d,--detach", o->detach, "Run the command in the background");
  cmd->add_option("-e,--env", o->exec.env, "Set an environment variable K=V (K alone: from lit's)")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", o->exec.workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", o->exec.user, "User: UID[:GID] or NAME[:GROUP]");
  cmd->add_flag("--privileged", o->privileged, "Give the command every capability");
  cmd->add_option("CONTAINER", o->name, "Container name or id prefix")->required();
  cmd->add_option("COMMAND", o->exec.args, "Command and arguments")->required();
  cmd->callback([&ctx, o] {
    auto rec = runtime::RecordStore(ctx.paths).lookup(o->name);
    exec_command(ctx, o->privileged ? runtime::with_privileges(rec) : rec, o->exec, o->detach);
  });
}

void exec_command(Context& ctx, const runtime::ContainerRecord& rec,
                  const runtime::ExecOptions& options, bool detach) {
  // As docker: an exec would join the frozen cgroup and hang.
  if (runtime::shown_status(runtime::observed_state(rec)) == runtime::ContainerStatus::Paused)
    throw Error("container " + rec.name + " is paused, unpause the container before exec");
  runtime::ExecOptions o = options;
  o.seccomp_cache = ctx.paths.seccomp_cache();
  try {
    if (detach)
      runtime::exec_detached(rec, o);
    else
      ctx.exit_code = runtime::exec_in(rec, o).code;
  } catch (const runtime::StartError& e) {
    ctx.exit_code = start_failed(e);
  }
}

}  // namespace lit::app
