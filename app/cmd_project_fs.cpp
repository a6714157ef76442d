// The project's cp, export and commit: compose's commands on a service's
// container (--index picks the replica), done as `lit container` does them
// (cmd_container_fs.cpp). Errors exit 1, as compose's.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "app/container_fs.hpp"
#include "app/context.hpp"
#include "app/project.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/model.hpp"

namespace lit::app {
namespace {

using runtime::ContainerRecord;

// The service's container number `index`, whatever its state (compose's getSpecifiedContainer).
ContainerRecord service_container(const Context& ctx, const std::string& service, int index) {
  reconciler::Project project = load_by_name(ctx);
  if (!project.services.count(service)) throw Error("no such service: " + service);
  bool any = false;
  for (auto& [r, st] : reconciler::project_containers(ctx.paths, project.name)) {
    if (reconciler::label_of(r, reconciler::kServiceLabel) != service ||
        reconciler::is_oneoff(r.labels))
      continue;
    any = true;
    if (reconciler::label_of(r, reconciler::kNumberLabel) == std::to_string(index)) return r;
  }
  if (!any) throw Error("service \"" + service + "\" is not running");
  throw Error("service \"" + service + "\" is not running container #" + std::to_string(index));
}

// Runs fn; a failure is printed and exits 1, as compose.
void compose_errors(Context& ctx, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    report(ctx, e);
    ctx.exit_code = 1;
  }
}

void register_cp(CLI::App& app, Context& ctx) {
  struct Opts {
    CopyFlags copy;
    int index = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "cp", "Copy files between a service's container and the host (SERVICE:PATH, or -)");
  cmd->add_option("--index", o->index, "Which replica (default 1)")->check(CLI::PositiveNumber);
  add_copy_flags(*cmd, o->copy);
  cmd->callback([&ctx, o] {
    o->copy.dry_run = ctx.project.dry_run;
    compose_errors(ctx, [&] {
      copy_command(ctx.paths, o->copy, [&](const std::string& service) {
        return service_container(ctx, service, o->index);
      });
    });
  });
}

void register_export(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string service, output;
    int index = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("export", "Export a service container's file system as a tar");
  cmd->add_option("--index", o->index, "Which replica (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", o->output, "Write to a file instead of stdout");
  cmd->add_option("SERVICE", o->service, "Service name")->required();
  cmd->callback([&ctx, o] {
    compose_errors(
        ctx, [&] { export_command(ctx, service_container(ctx, o->service, o->index), o->output); });
  });
}

void register_commit(CLI::App& app, Context& ctx) {
  struct Opts {
    CommitFlags commit;
    int index = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "commit", "Create an image from a service container's changes (its writable layer)");
  cmd->add_option("--index", o->index, "Which replica (default 1)")->check(CLI::PositiveNumber);
  add_commit_flags(*cmd, o->commit);
  cmd->add_option("SERVICE", o->commit.container, "Service name")->required();
  cmd->add_option("IMAGE", o->commit.reference, "Repository[:tag] for the new image");
  cmd->callback([&ctx, o] {
    compose_errors(ctx, [&] {
      commit_command(ctx, service_container(ctx, o->commit.container, o->index), o->commit);
    });
  });
}

}  // namespace

void register_project_fs_commands(CLI::App& app, Context& ctx) {
  register_cp(app, ctx);
  register_export(app, ctx);
  register_commit(app, ctx);
}

}  // namespace lit::app
