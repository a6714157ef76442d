#include "runtime/userns/layer_copies.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "runtime/rootfs/shifted_copy.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

// A store layer is <hex>/diff: named by its diff ID's hex; others by their own name.
std::string copy_name(const fs::path& layer) {
  const fs::path clean = layer.lexically_normal();
  const fs::path name = clean.has_filename() ? clean.filename() : clean.parent_path().filename();
  if (name == "diff") return clean.parent_path().filename().string();
  return name.string();
}

}  // namespace

fs::path layer_copies_root(const fs::path& lit_root) { return lit_root / "userns-layers"; }

LayerCopies::LayerCopies(const fs::path& copies_root, const UserNamespace& ns)
    : dir_(copies_root / (std::to_string(ns.uid.host) + "-" + std::to_string(ns.gid.host) + "-" +
                          std::to_string(ns.uid.size))),
      ns_(ns) {}

fs::path LayerCopies::ensure(const fs::path& layer) const {
  const fs::path dest = dir_ / copy_name(layer);
  struct stat st {};
  if (::lstat(dest.c_str(), &st) == 0) {
    spdlog::debug("--userns auto: reusing the copy {} of layer {}", dest.string(), layer.string());
    return dest;
  }
  make_dirs(dir_, 0700);  // holds files of the range's ids: nobody else walks in
  TempDir tmp(dir_, ".tmp-");
  copy_layer_shifted(layer, tmp.path(), id_shift_for(ns_));
  if (::rename(tmp.path().c_str(), dest.c_str()) < 0) {
    // Another start of this range made it meanwhile: theirs is used, ours removed.
    if (errno == EEXIST || errno == ENOTEMPTY) return dest;
    throw Error::sys("rename the copy of layer " + layer.string() + " to", dest.string(), errno);
  }
  tmp.release();
  return dest;
}

void LayerCopies::remove() const { remove_tree(dir_); }

}  // namespace lit::runtime
