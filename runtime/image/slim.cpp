#include "runtime/image/slim.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "runtime/image/layer_tar.hpp"
#include "runtime/image/slim_view.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

// The kept entry at `dest`, with the original's mode, owner and times: a
// regular file hard-linked from its layer (same inode: its data, xattrs and
// times come along), the others made alike.
void stage_entry(const ViewEntry& e, const fs::path& dest) {
  struct stat st {};
  if (::lstat(e.source.c_str(), &st) < 0) throw Error::sys("stat", e.source.string(), errno);
  switch (e.type) {
    case S_IFREG:
      check_sys(::link(e.source.c_str(), dest.c_str()), "link " + e.source.string() + " to",
                dest.string());
      return;
    case S_IFDIR:
      check_sys(::mkdir(dest.c_str(), 0700), "create directory", dest.string());
      break;
    case S_IFLNK:
      check_sys(::symlink(e.link.c_str(), dest.c_str()), "create symlink", dest.string());
      break;
    default:
      check_sys(::mknod(dest.c_str(), st.st_mode, st.st_rdev), "create node", dest.string());
  }
  check_sys(::lchown(dest.c_str(), st.st_uid, st.st_gid), "change owner of", dest.string());
  if (e.type != S_IFLNK)
    check_sys(::chmod(dest.c_str(), st.st_mode & 07777), "chmod", dest.string());
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (e.type != S_IFDIR)  // directories: once their entries are made (stage_tree)
    ::utimensat(AT_FDCWD, dest.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

void stage_tree(const MergedView& view, const std::set<std::string>& kept, const fs::path& tree) {
  check_sys(::mkdir(tree.c_str(), 0755), "create directory", tree.string());
  for (const auto& path : kept) stage_entry(view.at(path), tree / path.substr(1));
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    const ViewEntry& e = view.at(*it);
    if (e.type != S_IFDIR) continue;
    struct stat st {};
    if (::lstat(e.source.c_str(), &st) < 0) continue;
    const timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, (tree / it->substr(1)).c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
}

UniqueFd unnamed_file(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) throw Error::sys("create temporary tar in", dir.string(), errno);
  return fd;
}

}  // namespace

std::string slim_reference(std::string_view project, std::string_view service) {
  std::string name = std::string(project) + "-" + std::string(service);
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name + ":lit-slim";
}

SlimBuild build_slim_image(Store& store, const Image& original,
                           const std::set<std::string>& wanted) {
  const MergedView view = merged_view(store.layer_dirs(original));
  std::set<std::string> all_wanted = wanted;
  all_wanted.insert(essential_paths().begin(), essential_paths().end());
  const std::set<std::string> kept = slim_closure(view, all_wanted);

  Transaction tx(store.root());  // its staging goes with it on any error
  const fs::path tree = tx.staging() / "slim-tree";
  stage_tree(view, kept, tree);
  UniqueFd tar = unnamed_file(tx.staging());
  write_layer_tar(tree, [&](std::string_view bytes) {
    if (!write_all(tar.get(), bytes)) throw Error::sys("write the slim layer", {}, errno);
  });
  remove_tree(tree);
  check_sys(::lseek(tar.get(), 0, SEEK_SET), "rewind the slim layer");
  const std::string created_by = "lit optimize image: " + std::to_string(kept.size()) + " of " +
                                 std::to_string(view.size()) + " entries of " +
                                 original.id.substr(0, 19);
  const std::string id =
      tx.add_slim(original.id, tar.get(), created_by, {{kSlimFromLabel, original.id}});
  tx.commit();
  return {store.resolve(id), kept.size(), view.size()};
}

std::optional<Image> verified_slim(const Store& store, const std::string& reference,
                                   const std::string& original_id) {
  std::optional<Image> slim = store.find(reference);
  if (!slim) return std::nullopt;
  auto from = slim->config.labels.find(kSlimFromLabel);
  if (from == slim->config.labels.end() || from->second != original_id) return std::nullopt;
  return slim;
}

SlimSizes slim_sizes(const Store& store, const std::string& original_reference,
                     const std::string& slim_ref) {
  SlimSizes out;
  std::optional<Image> original = store.find(original_reference);
  if (!original) return out;
  out.original = original->size;
  if (auto slim = verified_slim(store, slim_ref, original->id)) out.slim = slim->size;
  return out;
}

}  // namespace lit::image
