#pragma once
// cp, export and commit, shared by `lit container` (cmd_container_fs.cpp) and
// the project's commands (cmd_project_fs.cpp).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::app {

void register_fs_commands(CLI::App& container, Context& ctx);    // container cp/export/diff/commit
void register_project_fs_commands(CLI::App& app, Context& ctx);  // lit cp/export/commit

struct CopyFlags {
  bool archive = false, follow = false, quiet = false;
  bool dry_run = false;   // lit --dry-run cp: checked and printed, nothing copied
  std::string src, dest;  // CONTAINER:PATH, a host path, or "-"
};
void add_copy_flags(CLI::App& cmd, CopyFlags& f);
// Copies as docker cp; `find` turns the CONTAINER part into its record. With
// f.dry_run, makes the copy's checks and prints what it would copy
// ("copy ./a to shop-web-1:/tmp/a"), as compose's dry run.
void copy_command(const Paths& paths, const CopyFlags& f,
                  const std::function<runtime::ContainerRecord(const std::string&)>& find);

// The container's file system as a tar to `output` (stdout when empty; refused on a terminal).
// With --dry-run: the output's directory checked, "export container NAME to FILE" printed.
void export_command(const Context& ctx, const runtime::ContainerRecord& rec,
                    const std::string& output);

struct CommitFlags {
  std::string container, reference, message, author;
  std::vector<std::string> changes;  // -c 'CMD ["x"]'
  bool pause = true;                 // accepted, as docker's; lit has no pause yet
};
void add_commit_flags(CLI::App& cmd, CommitFlags& f);
// Stores the container's writable layer as a new image; prints its id. With
// --dry-run: the reference checked, "commit container NAME as REF" printed.
void commit_command(const Context& ctx, const runtime::ContainerRecord& rec, const CommitFlags& f);

}  // namespace lit::app
