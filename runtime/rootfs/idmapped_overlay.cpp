#include "runtime/rootfs/idmapped_overlay.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/rootfs/overlay.hpp"
#include "runtime/userns/layer_copies.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

constexpr const char* kIdmapOp = "id-map the mount of";

// upper/ and work/ as the container's root owns them: its writes land there
// as host ids of its range.
void make_upper(const fs::path& bundle, const UserNamespace& ns, bool volatile_upper) {
  for (const char* name : {"upper", "work"}) {
    const fs::path p = bundle / name;
    if (::mkdir(p.c_str(), 0755) < 0 && errno != EEXIST)
      throw Error::sys("create directory", p.string(), errno);
    if (::chown(p.c_str(), ns.uid.host, ns.gid.host) < 0)
      throw Error::sys("chown to the container's root", p.string(), errno);
  }
  if (volatile_upper) clear_volatile_marker(bundle / "work");
}

void set_string(int fsfd, const char* key, const std::string& value) {
  if (::fsconfig(fsfd, FSCONFIG_SET_STRING, key, value.c_str(), 0) < 0)
    throw Error::sys(std::string("set overlay ") + key, value, errno);
}

// A lowerdir of the overlay: the layer id-mapped, or (where its filesystem
// cannot id-map and there is a place for copies) its copy with shifted ids.
void add_lower(int fsfd, const fs::path& layer, int userns_fd, const UserNamespace& ns,
               const fs::path& layer_copies, std::vector<UniqueFd>& lowers) {
  UniqueFd lower;
  try {
    lower = idmapped_clone(layer, userns_fd);
  } catch (const Error& e) {
    if (e.op() != kIdmapOp || e.err() != EINVAL || layer_copies.empty()) throw;
    LayerCopies copies(layer_copies, ns);
    spdlog::debug(
        "--userns auto: the filesystem of {} cannot id-map mounts ({}): using a copy with its "
        "ids shifted into the range, in {}",
        layer.string(), std::strerror(e.err()), copies.dir().string());
    set_string(fsfd, "lowerdir+", copies.ensure(layer).string());
    return;
  }
  if (::fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", nullptr, lower.get()) < 0 &&
      (errno != EINVAL ||
       ::fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+",
                  ("/proc/self/fd/" + std::to_string(lower.get())).c_str(), 0) < 0))
    throw Error::sys("set overlay lowerdir+ (id-mapped)", layer.string(), errno);
  lowers.push_back(std::move(lower));
}

}  // namespace

UniqueFd idmapped_clone(const fs::path& dir, int userns_fd) {
  UniqueFd tree(
      static_cast<int>(::open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!tree) throw Error::sys("clone the mount of", dir.string(), errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<std::uint64_t>(userns_fd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    throw Error::sys(kIdmapOp, dir.string(), errno)
        .with_hint(
            "this kernel or filesystem cannot id-map mounts (Linux 5.12+ and a "
            "filesystem that supports it): run without --userns auto");
  return tree;
}

UniqueFd make_idmapped_rootfs(const std::vector<fs::path>& image_layers, const fs::path& bundle,
                              int userns_fd, const UserNamespace& ns, bool volatile_upper,
                              const fs::path& init_layer, const fs::path& layer_copies) {
  if (image_layers.empty())
    throw Error("mount overlay", bundle.string(), 0, "the image has no layers");
  std::vector<fs::path> layers = image_layers;
  if (!init_layer.empty()) layers.push_back(init_layer);
  make_upper(bundle, ns, volatile_upper);
  UniqueFd fsfd(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fsfd) throw Error::sys("open overlay filesystem for", bundle.string(), errno);
  // Top-most first. Each stays open until the overlay is made (its private
  // clone of each is taken then): a detached mount goes with its last fd.
  std::vector<UniqueFd> lowers;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    add_lower(fsfd.get(), *it, userns_fd, ns, layer_copies, lowers);
  set_string(fsfd.get(), "upperdir", (bundle / "upper").string());
  set_string(fsfd.get(), "workdir", (bundle / "work").string());
  if (volatile_upper && ::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, "volatile", nullptr, 0) < 0)
    throw Error::sys("set overlay volatile", bundle.string(), errno);
  if (::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    throw Error::sys("create overlay (id-mapped layers) for", bundle.string(), errno);
  UniqueFd mnt(static_cast<int>(::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, 0)));
  if (!mnt) throw Error::sys("mount overlay for", bundle.string(), errno);
  return mnt;
}

}  // namespace lit::runtime
