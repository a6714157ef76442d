#pragma once
// File-system operations confined to one layer directory. Every path is
// resolved relative to the layer's dirfd with openat2(RESOLVE_IN_ROOT): a
// symlink inside the layer resolves as if the layer were "/", so nothing can
// reach outside it. Kernels without openat2 get a component-wise O_NOFOLLOW
// walk that refuses to pass through any symlink (stricter, same guarantee).
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::image {

// A tar entry's path as clean components: leading '/' and "." dropped, ".."
// applied lexically. Returns false when ".." would climb above the root.
bool clean_entry_path(std::string_view path, std::vector<std::string>& out);

std::string join_components(const std::vector<std::string>& comps, std::size_t n);

class LayerFs {
 public:
  // root: an open directory fd of the layer. use_openat2=false forces the fallback walk.
  LayerFs(int root, bool use_openat2);

  // The directory at comps[0..n), created (0755) along the way when `create`.
  // Throws lit::Error when it cannot be reached beneath the root.
  UniqueFd open_dir(const std::vector<std::string>& comps, std::size_t n, bool create) const;

  // Opens comps as a directory only if no component is a symlink; -1 fd when absent.
  UniqueFd open_dir_nofollow(const std::vector<std::string>& comps) const;

  int root() const { return root_; }

 private:
  UniqueFd open_one(const std::string& rel, int flags) const;  // fd or -1 with errno
  int root_;
  bool openat2_;
};

// True when the running kernel has openat2(2).
bool openat2_supported();

// Removes name under dirfd: a file, or a directory tree, never following symlinks.
void remove_at(int dirfd, const std::string& name);

}  // namespace lit::image
