#pragma once
// The id-shifted copies of image layers (rootfs/shifted_copy.hpp) that a
// `--userns auto` container runs on where the layers' filesystem cannot
// id-map a mount: one cache per range, shared by whatever runs in it (a
// container across its restarts), under
//   <root>/userns-layers/<uid start>-<gid start>-<size>/<layer>/
// (<layer>: the store's directory name of the layer, its diff ID's hex, or
// "init-layer"). Each copy is made in a temporary directory beside it and
// renamed into place, so a concurrent start never sees half of one; a copy
// that fails is removed (one a crash cut short stays as .tmp-*, unused,
// until the range goes). UsernsRanges::release removes the range's copies.
// They cost the layers' size again, and the time of a copy at the first start.
#include <filesystem>

#include "runtime/spec/userns.hpp"

namespace lit::runtime {

// <root>/userns-layers, for lit's persistent root.
std::filesystem::path layer_copies_root(const std::filesystem::path& lit_root);

class LayerCopies {
 public:
  // copies_root: layer_copies_root(lit's root); ns: the range.
  LayerCopies(const std::filesystem::path& copies_root, const UserNamespace& ns);

  // This range's directory.
  const std::filesystem::path& dir() const { return dir_; }
  // The copy of `layer` (a directory), made now when there is none.
  std::filesystem::path ensure(const std::filesystem::path& layer) const;
  // Removes every copy of this range (none is fine).
  void remove() const;

 private:
  std::filesystem::path dir_;
  UserNamespace ns_;
};

}  // namespace lit::runtime
