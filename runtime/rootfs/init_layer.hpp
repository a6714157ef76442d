#pragma once
// The init layer: a read-only layer shared by every container, above the
// image's, holding empty /etc/hostname, /etc/hosts and /etc/resolv.conf for
// lit to bind its generated files over (docker keeps one such layer per
// container). Without it, an image lacking those files makes each container
// copy /etc up into its writable layer and create them there: four inodes
// made and removed per run, for files nobody sees under the bind mounts.
#include <filesystem>
#include <vector>

namespace lit::runtime {

// Makes the layer at dir once (atomically: built aside, then renamed) and
// returns dir.
std::filesystem::path ensure_init_layer(const std::filesystem::path& dir);

// Whether the layer may go above these image layers (bottom first): only when
// the image's /etc is absent or a plain root-owned 0755 directory, since the
// layer's /etc then stands for it (its owner and mode are what the container
// sees). A symlinked or unusual /etc keeps the image's own.
bool init_layer_fits(const std::vector<std::filesystem::path>& layers);

}  // namespace lit::runtime
