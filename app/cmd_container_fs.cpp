// lit container cp, export, diff, commit: a container's file system, running
// or stopped (runtime/lifecycle/container_fs.hpp reaches it, rootfs/copy.hpp
// copies). The project's cp, export and commit (cmd_project_fs.cpp) share
// these through context.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "app/container_fs.hpp"
#include "app/context.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/lifecycle/commit.hpp"
#include "runtime/lifecycle/container_fs.hpp"
#include "runtime/rootfs/copy.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using runtime::ContainerRecord;

// docker's rule: a path (absolute, or starting with '.') is the host's,
// NAME:PATH a container's.
std::optional<std::pair<std::string, std::string>> container_part(const std::string& arg) {
  if (arg.empty() || arg[0] == '/' || arg[0] == '.') return std::nullopt;
  auto colon = arg.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(arg.substr(0, colon), arg.substr(colon + 1));
}

// A relative path in the container is taken from its working directory, as docker does.
std::string in_container(const ContainerRecord& rec, const std::string& path) {
  if (path.starts_with('/')) return path;
  std::string cwd = rec.spec.process.cwd.empty() ? "/" : rec.spec.process.cwd;
  if (path.empty()) return cwd;
  return cwd + (cwd.ends_with('/') ? "" : "/") + path;
}

void register_cp(CLI::App& container, Context& ctx) {
  auto o = std::make_shared<CopyFlags>();
  auto* cp = container.add_subcommand(
      "cp", "Copy files between a container and the host (- : a tar on stdin or stdout)");
  add_copy_flags(*cp, *o);
  cp->callback([&ctx, o] {
    runtime::RecordStore records(ctx.paths);
    copy_command(ctx.paths, *o, [&](const std::string& name) { return records.lookup(name); });
  });
}

void register_export(CLI::App& container, Context& ctx) {
  struct Opts {
    std::string output, name;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = container.add_subcommand("export", "Export a container's file system as a tar");
  cmd->add_option("-o,--output", o->output, "Write to a file instead of stdout");
  cmd->add_option("CONTAINER", o->name, "Container name or id prefix")->required();
  cmd->callback([&ctx, o] {
    export_command(ctx, runtime::RecordStore(ctx.paths).lookup(o->name), o->output);
  });
}

void register_diff(CLI::App& container, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* cmd = container.add_subcommand(
      "diff", "Changes to a container's files since it was made (A added, C changed, D deleted)");
  cmd->add_option("CONTAINER", *name, "Container name or id prefix")->required();
  cmd->callback([&ctx, name] {
    ContainerRecord rec = runtime::RecordStore(ctx.paths).lookup(*name);
    for (const auto& c : runtime::container_changes(rec))
      std::printf("%c %s\n", c.kind, c.path.c_str());
  });
}

void register_commit(CLI::App& container, Context& ctx) {
  auto o = std::make_shared<CommitFlags>();
  auto* cmd = container.add_subcommand(
      "commit", "Create an image from a container's changes (its writable layer)");
  add_commit_flags(*cmd, *o);
  cmd->add_option("CONTAINER", o->container, "Container name or id prefix")->required();
  cmd->add_option("IMAGE", o->reference, "Repository[:tag] for the new image");
  cmd->callback(
      [&ctx, o] { commit_command(ctx, runtime::RecordStore(ctx.paths).lookup(o->container), *o); });
}

}  // namespace

void register_fs_commands(CLI::App& container, Context& ctx) {
  register_cp(container, ctx);
  register_export(container, ctx);
  register_diff(container, ctx);
  register_commit(container, ctx);
}

void add_commit_flags(CLI::App& cmd, CommitFlags& f) {
  cmd.add_option("-m,--message", f.message, "Commit message");
  cmd.add_option("-a,--author", f.author, "Author (\"Name <email>\")");
  cmd.add_option("-c,--change", f.changes,
                 "Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, "
                 "WORKDIR, STOPSIGNAL")
      ->allow_extra_args(false);
  cmd.add_flag("-p,--pause,!--no-pause", f.pause, "Accepted as docker's (lit does not pause)");
}

void commit_command(const Context& ctx, const ContainerRecord& rec, const CommitFlags& f) {
  if (ctx.project.dry_run) {  // the reference checked as the commit would, nothing stored
    std::string as = f.reference.empty() ? "" : " as " + image::tag_reference(f.reference);
    std::printf("commit container %s%s\n", rec.name.c_str(), as.c_str());
    return;
  }
  runtime::CommitRequest request{f.reference, f.message, f.author, f.changes};
  std::printf("%s\n", runtime::commit_container(ctx.paths, rec, request).c_str());
}

void add_copy_flags(CLI::App& cmd, CopyFlags& f) {
  cmd.add_flag("-a,--archive", f.archive, "Keep the files' uid and gid");
  cmd.add_flag("-L,--follow-link", f.follow, "Follow a symbolic link given as SRC_PATH");
  cmd.add_flag("-q,--quiet", f.quiet, "No progress output (there is none)");
  cmd.add_option("SRC", f.src, "CONTAINER:SRC_PATH, a host path, or - (a tar on stdin)")
      ->required();
  cmd.add_option("DEST", f.dest, "CONTAINER:DEST_PATH, a host path, or - (a tar on stdout)")
      ->required();
}

namespace {

// cp out of a container, or its dry run (nothing copied, nothing mounted rw).
void copy_out(const Paths& paths, const CopyFlags& f, const ContainerRecord& rec,
              const std::string& path, const runtime::CopyOptions& options) {
  std::string src = in_container(rec, path);
  auto root = runtime::open_container_root(paths, rec, runtime::RootAccess::Read);
  auto side = runtime::beneath_side(root.get(), "container " + rec.name);
  if (f.dry_run) {
    if (f.dest == "-")
      runtime::check_source(side, src, options.follow_link);
    else
      runtime::check_copy(side, src, runtime::host_side(), f.dest, options);
    std::printf("copy %s:%s to %s\n", rec.name.c_str(), path.c_str(), f.dest.c_str());
    return;
  }
  if (f.dest == "-") {
    runtime::write_path_tar(side, src, STDOUT_FILENO, options);
    return;
  }
  runtime::CopyOptions mine = options;
  mine.owner.uid = ::getuid();
  mine.owner.gid = ::getgid();
  runtime::copy_path(side, src, runtime::host_side(), f.dest, mine);
}

void copy_in(const Paths& paths, const CopyFlags& f, const ContainerRecord& rec,
             const std::string& path, const runtime::CopyOptions& options) {
  std::string dest = in_container(rec, path);
  auto root = runtime::open_container_root(
      paths, rec, f.dry_run ? runtime::RootAccess::Read : runtime::RootAccess::Write);
  auto side = runtime::beneath_side(root.get(), "container " + rec.name);
  if (f.dry_run) {
    if (f.src != "-") {
      runtime::check_copy(runtime::host_side(), f.src, side, dest, options);
    } else if (!side.open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC)) {
      throw Error("destination \"" + rec.name + ":" + path + "\" must be a directory");
    }
    std::printf("copy %s to %s:%s\n", f.src.c_str(), rec.name.c_str(), path.c_str());
    return;
  }
  // Owned by the container's root: in a user namespace, the first id of its
  // range (with -a or from a tar, the source's ids as the container sees them).
  runtime::CopyOptions theirs = options;
  if (const runtime::UserNamespace& ns = rec.spec.userns; ns.enabled()) {
    theirs.owner.uid = ns.uid.host;
    theirs.owner.gid = ns.gid.host;
    theirs.owner.shift_uid = ns.uid.host;
    theirs.owner.shift_gid = ns.gid.host;
    theirs.owner.shift_size = ns.uid.size;
  }
  if (f.src == "-") {
    runtime::extract_tar_to(STDIN_FILENO, side, dest, theirs.owner);
  } else {
    runtime::copy_path(runtime::host_side(), f.src, side, dest, theirs);
  }
}

}  // namespace

void copy_command(const Paths& paths, const CopyFlags& f,
                  const std::function<ContainerRecord(const std::string&)>& find) {
  auto from = container_part(f.src), to = container_part(f.dest);
  if (from && to) throw Error("copying between containers is not supported");
  if (!from && !to) throw Error("must specify at least one container source");
  runtime::CopyOptions options{.follow_link = f.follow, .owner = {.keep = f.archive}};
  if (from)
    copy_out(paths, f, find(from->first), from->second, options);
  else
    copy_in(paths, f, find(to->first), to->second, options);
}

void export_command(const Context& ctx, const ContainerRecord& rec, const std::string& output) {
  if (output.empty() && ::isatty(STDOUT_FILENO))
    throw Error("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  auto root = runtime::open_container_root(ctx.paths, rec, runtime::RootAccess::Image);
  if (ctx.project.dry_run) {  // docker's check of the output path, then nothing written
    std::string dir = std::filesystem::path(output).parent_path().string();
    struct stat st {};
    if (!output.empty() && ::stat(dir.empty() ? "." : dir.c_str(), &st) < 0)
      throw Error("failed to export container: invalid output path", output, errno,
                  "its directory must exist");
    std::printf("export container %s to %s\n", rec.name.c_str(),
                output.empty() ? "stdout" : output.c_str());
    return;
  }
  if (output.empty()) {
    runtime::write_root_tar(root.get(), STDOUT_FILENO);
    return;
  }
  UniqueFd out(::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) throw Error::sys("create", output, errno);
  runtime::write_root_tar(root.get(), out.get());
  if (::fsync(out.get()) < 0) throw Error::sys("write", output, errno);
}

}  // namespace lit::app
