#include "runtime/image/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/state.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace {

UniqueFd open_input(const std::filesystem::path& path, std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::sys("open " + std::string(what), path.string(), errno);
  return fd;
}

}  // namespace

Store::Store(std::filesystem::path images_root) : root_(std::move(images_root)) {}

std::vector<Image> Store::load_archive(const std::filesystem::path& archive) {
  UniqueFd fd = open_input(archive, "image archive");
  return load_archive(fd.get(), archive.string());
}

std::vector<Image> Store::load_archive(int fd, const std::string& name) {
  Transaction tx(root_);
  ArchiveContents contents = ArchiveContents::stage(fd, name, tx.staging() / "archive");
  std::vector<PendingImage> pending = read_image_archive(contents);
  std::vector<std::string> ids;
  for (const PendingImage& p : pending) {
    tx.add_image(p, name);
    ids.push_back(p.id);
  }
  tx.commit();
  StoreState st = load_state(root_ / "state.json");
  std::vector<Image> out;
  for (const auto& id : ids) {
    if (std::ranges::none_of(out, [&](const Image& i) { return i.id == id; }))
      out.push_back(make_image(root_, st, id));
  }
  return out;
}

Image Store::import_rootfs(const std::filesystem::path& tarball, const std::string& reference) {
  UniqueFd fd = open_input(tarball, "rootfs tarball");
  return import_rootfs(fd.get(), tarball.string(), reference);
}

Image Store::import_rootfs(int fd, const std::string& name, const std::string& reference) {
  std::string tag;
  if (!reference.empty()) tag = tag_reference(reference);  // invalid -> error before any work
  Transaction tx(root_);
  std::string id = tx.add_rootfs(fd, name, tag);
  tx.commit();
  return make_image(root_, load_state(root_ / "state.json"), id);
}

Image Store::add_layer(const Image& base, int tar_fd, const std::string& name,
                       const std::string& reference) {
  std::string tag;
  if (!reference.empty()) tag = tag_reference(reference);
  Transaction tx(root_);
  std::string id = tx.add_layer(base.id, tar_fd, name, tag);
  tx.commit();
  return make_image(root_, load_state(root_ / "state.json"), id);
}

std::vector<Image> Store::list() const {
  StoreState st = load_state(root_ / "state.json");
  std::vector<Image> out;
  for (const auto& [id, rec] : st.images) out.push_back(make_image(root_, st, id));
  std::ranges::stable_sort(out,
                           [](const Image& a, const Image& b) { return a.created > b.created; });
  return out;
}

std::optional<Image> Store::find(const std::string& reference) const {
  StoreState st = load_state(root_ / "state.json");
  std::optional<Match> m = lookup(st, reference);
  if (!m) return std::nullopt;
  return make_image(root_, st, m->id);
}

Image Store::resolve(const std::string& reference) const {
  if (auto img = find(reference)) return *img;
  throw Error(
      "image not found:", reference, 0,
      "load it with `lit image load -i FILE` or import a rootfs with `lit image import FILE NAME`");
}

std::vector<std::filesystem::path> Store::layer_dirs(const Image& image) const {
  std::vector<std::filesystem::path> dirs;
  for (const auto& diff : image.diff_ids) {
    auto dir = layer_path(root_, diff) / "diff";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw Error("image " + image.id.substr(7, 12) + ": layer missing from the store", diff, 0,
                  "remove the image and load it again");
    }
    dirs.push_back(dir);
  }
  return dirs;
}

std::vector<std::string> Store::remove(const std::string& reference, bool force,
                                       const std::function<bool(const std::string& id)>& in_use) {
  Transaction tx(root_);
  return tx.remove(reference, force, in_use);
}

}  // namespace lit::image
