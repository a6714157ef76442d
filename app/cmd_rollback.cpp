// lit rollback [--list]: back one version of the project (app/project_versions.hpp).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "app/context.hpp"
#include "app/project.hpp"
#include "app/project_versions.hpp"
#include "app/views/status_text.hpp"
#include "app/views/table.hpp"
#include "reconciler/versions.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using namespace lit::reconciler;

struct RollbackOpts {
  bool list = false;
  int wait_timeout = 120;
};

void list_versions(const VersionStore& versions) {
  const auto current = versions.current();
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  TableRows rows{{"VERSION", "CREATED", "RESULT", "CHANGED", "NOTE"}};
  for (const auto& v : versions.list()) {
    std::string changed;
    for (const auto& s : v.changed) changed += (changed.empty() ? "" : ",") + s;
    const bool is_current = current && current->number == v.number;
    rows.push_back({std::to_string(v.number) + (is_current ? " (current)" : ""),
                    human_duration(now - v.created_ns) + " ago", std::string(to_string(v.result)),
                    changed, v.note});
  }
  std::fputs(format_table(rows).c_str(), stdout);
}

void rollback(Context& ctx, const RollbackOpts& o) {
  const std::string name = load_by_name(ctx).name;
  FileLock held = project_lock(ctx, name);
  VersionStore versions(ctx.paths, name);
  if (o.list) return list_versions(versions);
  const auto current = versions.current();
  if (!current)
    throw Error("rollback " + name + ": no version recorded")
        .with_hint("each `lit up` records the version it applied");
  const auto target = versions.applied_before(current->number);
  if (!target)
    throw Error("rollback " + name + ": version " + std::to_string(current->number) +
                " is the first one recorded: nothing to go back to")
        .with_hint("see `lit rollback --list`");
  const int rc = converge_to_version(ctx, load_version(versions, name, *target), *target,
                                     std::chrono::seconds(o.wait_timeout));
  if (rc != 0) {
    ctx.exit_code = rc;
    std::fprintf(stderr, "lit: rollback %s to version %d failed; version %d stays current\n",
                 name.c_str(), target->number, current->number);
    return;
  }
  versions.mark(current->number, VersionResult::RolledBack,
                "rolled back to version " + std::to_string(target->number));
  std::printf("Rolled back %s from version %d to version %d\n", name.c_str(), current->number,
              target->number);
}

}  // namespace

void register_rollback(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RollbackOpts>();
  auto* cmd = app.add_subcommand(
      "rollback", "Return the project to the version `lit up` applied before the current one");
  cmd->add_flag("--list", o->list, "List the recorded versions, their times and results");
  cmd->add_option("--wait-timeout", o->wait_timeout,
                  "Seconds the returned services have to become ready (default 120)");
  cmd->callback([&ctx, o] { rollback(ctx, *o); });
}

}  // namespace lit::app
