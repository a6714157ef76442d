#pragma once
// What a slim image keeps (`lit optimize image`): an image's layers merged
// as overlayfs shows them, and the closure of the paths a service was seen
// to use. Pure over the view: unit-tested in tests/unit/runtime/image/slim_view_test.cpp.
//
// The closure of a set of wanted paths keeps:
//  - each wanted path that the image has, resolved within the image: every
//    symlink met on the way (/bin/sh -> busybox) and its target, and every
//    directory above;
//  - every directory of the image (a header each: a service may write into a
//    directory it never read, /tmp, /var/run);
//  - every symlink whose target, resolved within the image, is kept (the
//    trace names files by their real path, never the link a command was
//    found through: an applet symlink costs a header), and every symlink
//    the image cannot resolve (/etc/mtab -> /proc/mounts: another mount's).
// A wanted path the image lacks (a file the service created) keeps the
// directories above it, nothing more.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lit::image {

struct ViewEntry {
  std::filesystem::path source;  // the file in its layer's directory
  mode_t type = 0;               // S_IFREG, S_IFDIR, S_IFLNK, ...
  std::string link;              // a symlink's target, as stored
};

// "/bin/sh" -> its entry; the root ("/") is not in it.
using MergedView = std::map<std::string, ViewEntry>;

// The layers' directories (bottom first) merged: an upper entry replaces a
// lower one, a whiteout (0:0 device) hides a path and what is below it, an
// opaque directory hides the lower layers' entries under it.
MergedView merged_view(const std::vector<std::filesystem::path>& layers);

// The paths kept for `wanted` (absolute paths in the image), sorted.
std::set<std::string> slim_closure(const MergedView& view, const std::set<std::string>& wanted);

// Files every slim image keeps when the image has them (users, groups, name
// resolution, the dynamic loader's cache, time zone, CA certificates).
const std::vector<std::string>& essential_paths();

}  // namespace lit::image
