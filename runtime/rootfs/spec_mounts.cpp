#include "runtime/rootfs/spec_mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/rootfs/overlay.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

struct Options {
  unsigned long flags = 0;
  bool readonly = false;
  std::string data;  // size=, mode=, ... (filesystem options)
};

Options parse_options(const Mount& m) {
  Options o;
  for (const auto& opt : m.options) {
    if (opt == "ro")
      o.readonly = true;
    else if (opt == "rw" || opt == "bind" || opt == "rbind" || opt == "rprivate")
      continue;
    else if (opt == "nosuid")
      o.flags |= MS_NOSUID;
    else if (opt == "nodev")
      o.flags |= MS_NODEV;
    else if (opt == "noexec")
      o.flags |= MS_NOEXEC;
    else if (m.type == "tmpfs")
      o.data += (o.data.empty() ? "" : ",") + opt;
    else
      throw Error("mount " + m.destination, "option " + opt, EINVAL,
                  "bind mounts take ro, nosuid, nodev, noexec");
  }
  return o;
}

void apply_bind(int root_fd, const Mount& m, const Options& o) {
  struct stat st {};
  if (::stat(m.source.c_str(), &st) < 0) {
    throw Error::sys("bind mount source", m.source, errno).with_hint("create it on the host first");
  }
  UniqueFd target = S_ISDIR(st.st_mode) ? make_dirs_beneath(root_fd, m.destination)
                                        : make_file_beneath(root_fd, m.destination);
  mount_on(target.get(), m.destination, m.source.c_str(), nullptr, MS_BIND | MS_REC);
  if (o.flags != 0) {
    // Remount the bind (reached again by path: the fd names the covered inode).
    UniqueFd mnt = open_beneath(root_fd, m.destination, O_PATH);
    if (!mnt) throw Error::sys("open", m.destination, errno);
    mount_on(mnt.get(), m.destination, "", nullptr, MS_REMOUNT | MS_BIND | o.flags);
  }
  if (o.readonly) {
    UniqueFd mnt = open_beneath(root_fd, m.destination, O_PATH);
    if (!mnt) throw Error::sys("open", m.destination, errno);
    make_readonly(mnt.get(), m.destination, true);
  }
}

void apply_tmpfs(int root_fd, const Mount& m, const Options& o) {
  UniqueFd target = make_dirs_beneath(root_fd, m.destination);
  unsigned long flags = o.flags | (o.readonly ? MS_RDONLY : 0);
  mount_on(target.get(), m.destination, "tmpfs", "tmpfs", flags,
           o.data.empty() ? nullptr : o.data.c_str());
}

// Overlay without an upper layer wants at least two lower ones: a one-layer
// image gets an empty directory of the container's above its layer.
std::vector<fs::path> image_layers(const ImageMount& m, const fs::path& scratch) {
  if (m.layers.empty())
    throw Error("mount image " + m.image, m.destination, 0, "the image has no layers");
  std::vector<fs::path> layers = m.layers;
  if (layers.size() == 1) {
    make_dirs(scratch / "empty", 0755);
    layers.push_back(scratch / "empty");
  }
  return layers;
}

// Undoes the staging mount of an image mount with a subpath, on every path
// out (the subpath's bind keeps what it needs of it alive).
struct DetachStage {
  const fs::path& stage;
  ~DetachStage() { ::umount2(stage.c_str(), MNT_DETACH); }
};

void apply_image(int root_fd, const ImageMount& m, const fs::path& scratch, size_t n) {
  const std::vector<fs::path> layers = image_layers(m, scratch);
  if (m.subpath.empty()) {
    UniqueFd target = make_dirs_beneath(root_fd, m.destination);
    mount_overlay_readonly_on(layers, target.get(), m.destination);
    return;
  }
  // The image staged on scratch/N (in this private namespace), its subpath
  // resolved beneath the image's root and bound at the destination.
  const fs::path stage = scratch / std::to_string(n);
  make_dirs(stage, 0755);
  {
    UniqueFd at(::open(stage.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!at) throw Error::sys("open", stage.string(), errno);
    mount_overlay_readonly_on(layers, at.get(), m.destination);
  }
  DetachStage detach{stage};
  UniqueFd image_root(::open(stage.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!image_root) throw Error::sys("open", stage.string(), errno);
  UniqueFd source = open_beneath(image_root.get(), "/" + m.subpath, O_PATH);
  if (!source)
    throw Error::sys("mount image " + m.image + " on " + m.destination + ": subpath", m.subpath,
                     errno)
        .with_hint("the subpath must exist in the image");
  struct stat st {};
  if (::fstat(source.get(), &st) < 0) throw Error::sys("stat", m.subpath, errno);
  UniqueFd target = S_ISDIR(st.st_mode) ? make_dirs_beneath(root_fd, m.destination)
                                        : make_file_beneath(root_fd, m.destination);
  mount_on(target.get(), m.destination, fd_path(source.get()).c_str(), nullptr, MS_BIND);
  UniqueFd mnt = open_beneath(root_fd, m.destination, O_PATH);
  if (!mnt) throw Error::sys("open", m.destination, errno);
  make_readonly(mnt.get(), m.destination, false);
}

size_t depth(const std::string& p) {
  return static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
}

// One of the spec's mounts, either kind, in the order they are applied.
struct Step {
  const std::string* destination;
  const Mount* mount = nullptr;
  const ImageMount* image = nullptr;
  size_t image_index = 0;
};

std::vector<Step> mount_order(const std::vector<Mount>& mounts,
                              const std::vector<ImageMount>& image_mounts) {
  std::vector<Step> order;
  for (const auto& m : mounts) order.push_back({&m.destination, &m});
  for (size_t i = 0; i < image_mounts.size(); ++i)
    order.push_back({&image_mounts[i].destination, nullptr, &image_mounts[i], i});
  std::stable_sort(order.begin(), order.end(), [](const Step& a, const Step& b) {
    return depth(*a.destination) < depth(*b.destination);
  });
  return order;
}

}  // namespace

void apply_spec_mounts(int root_fd, const std::vector<Mount>& mounts,
                       const std::vector<ImageMount>& image_mounts, const fs::path& scratch) {
  for (const Step& step : mount_order(mounts, image_mounts)) {
    const std::string& dest = *step.destination;
    if (dest.empty() || dest[0] != '/' || dest == "/") {
      throw Error("mount", dest, EINVAL, "the destination must be an absolute path other than /");
    }
    if (step.image) {
      apply_image(root_fd, *step.image, scratch, step.image_index);
      continue;
    }
    const Mount& m = *step.mount;
    Options o = parse_options(m);
    if (m.type == "bind")
      apply_bind(root_fd, m, o);
    else if (m.type == "tmpfs")
      apply_tmpfs(root_fd, m, o);
    else
      throw Error("mount " + m.destination, "type " + m.type, EINVAL, "use bind or tmpfs");
  }
}

}  // namespace lit::runtime
