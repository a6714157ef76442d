#pragma once
// overlayfs keeps its own marks (an opaque directory, a redirect, an origin)
// in trusted.overlay.* xattrs, which only the host's root may set. In a
// rootless session lit mounts overlay with `userxattr` and the marks are
// user.overlay.* (Linux 5.11+), so layers unpacked there use those.
#include <sys/xattr.h>

#include <filesystem>
#include <string_view>

#include "runtime/rootless/session.hpp"

namespace lit {

// Whether overlay mounts get `userxattr` (rootless) or not.
inline bool overlay_userxattr() { return rootless::active(); }

// The opaque-directory mark this lit writes: trusted.overlay.opaque, or user.overlay.opaque.
inline const char* overlay_opaque_xattr() {
  return overlay_userxattr() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

// A directory marked opaque in either form.
inline bool is_overlay_opaque(const std::filesystem::path& dir) {
  char v[2] = {};
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"})
    if (::lgetxattr(dir.c_str(), name, v, 1) == 1 && v[0] == 'y') return true;
  return false;
}

// overlayfs' own xattrs in either namespace (never part of a layer's content).
inline bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

}  // namespace lit
