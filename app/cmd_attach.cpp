// lit container attach (docker attach); the project's `lit attach` shares its flags.
#include <memory>
#include <string>

#include "app/context.hpp"
#include "runtime/lifecycle/attach.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {

void add_attach_flags(CLI::App& cmd, runtime::AttachOptions& o) {
  cmd.add_option("--detach-keys", o.detach_keys,
                 "Key sequence that detaches from a container with a tty (default ctrl-p,ctrl-q)");
  cmd.add_flag("--no-stdin", o.no_stdin, "Do not attach stdin");
  cmd.add_flag("--sig-proxy", o.sig_proxy,
               "Pass the signals lit receives to the container (default true; not with a tty)");
}

void register_attach_command(CLI::App& container, Context& ctx) {
  struct Opts {
    runtime::AttachOptions attach;
    std::string name;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand(
      "attach", "Attach local standard input, output, and error streams to a running container");
  add_attach_flags(*cmd, o->attach);
  cmd->add_option("CONTAINER", o->name, "Container name or id prefix")->required();
  cmd->callback([&ctx, o] {
    auto rec = runtime::RecordStore(ctx.paths).lookup(o->name);
    ctx.exit_code = runtime::attach_container(ctx.paths, rec, o->attach);
  });
}

}  // namespace lit::app
