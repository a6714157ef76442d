#include "reconciler/apply/copy_image.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/image/store.hpp"
#include "runtime/image/tree_tar.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {
namespace {

UniqueFd copy_tar(const Paths& paths, const Service& s) {
  std::vector<image::TreeCopy> copies;
  for (const auto& c : s.copy) copies.push_back({c.source, c.target});
  try {
    // Under the lit root (not /tmp): the same filesystem as the store.
    return image::write_tree_tar(copies, paths.root / "build-tmp");
  } catch (Error& e) {
    throw e.context("service " + s.name + ": filesystem.copy")
        .with_hint(
            "fix the SOURCE of filesystem.copy in the project file (relative to the project "
            "directory)");
  }
}

std::string what(const Service& s) { return "service " + s.name + " filesystem.copy"; }

}  // namespace

std::string copy_image_reference(const Project& project, const Service& s) {
  std::string name = project.name + "-" + s.name;
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name + ":lit-copy";
}

std::string copy_layer_diff_id(const Paths& paths, const Service& s) {
  UniqueFd tar = copy_tar(paths, s);
  return image::digest_layer(tar.get(), what(s)).diff_id;
}

std::string ensure_copy_image(const Paths& paths, const Project& project, const Service& s) {
  image::Store store(paths.images());
  const image::Image base = store.resolve(s.image);
  const std::string ref = copy_image_reference(project, s);
  UniqueFd tar = copy_tar(paths, s);
  // Always through the store: the same base and files give the same image
  // (stored once), a changed base a new one, whatever the tag held before.
  store.add_layer(base, tar.get(), what(s), ref);
  return ref;
}

}  // namespace lit::reconciler
