#pragma once
// Host files as one layer tar (the shorthand's filesystem.copy): a file goes
// to its target path, a directory's contents go under the target (as docker
// COPY of a directory). Deterministic: entries sorted, mtime 0, owner 0:0, no
// xattrs; modes kept; so the same files always give the same diff id.
// Symlinks are stored as symlinks, never followed out of the source.
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::image {

struct TreeCopy {
  std::filesystem::path source;  // absolute host path
  std::string target;            // absolute path in the image
};

// Writes the tar into an unnamed temporary file in `tmp_dir` (O_TMPFILE, so
// nothing is left behind) and returns it positioned at its start. A missing
// or unreadable source throws lit::Error naming it.
UniqueFd write_tree_tar(const std::vector<TreeCopy>& copies, const std::filesystem::path& tmp_dir);

}  // namespace lit::image
