#include "runtime/rootfs/overlay.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/rootfs/detached_overlay.hpp"
#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

// Overlay's option syntax reserves ',' and ':'; lit's own paths never use them.
void check_path(const fs::path& p) {
  if (p.string().find_first_of(",:") != std::string::npos) {
    throw Error("mount overlay", p.string(), EINVAL,
                "layer and bundle paths must not contain ',' or ':'");
  }
}

// Rootless: overlay's marks in user.overlay.* (overlay_xattr.hpp).
void set_userxattr(int fsfd, const std::string& what) {
  if (overlay_userxattr() && ::fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) < 0)
    throw Error::sys("set overlay userxattr", what, errno);
}

std::string userxattr_option() { return overlay_userxattr() ? ",userxattr" : ""; }

}  // namespace

void clear_volatile_marker(const fs::path& work) {
  const fs::path marker = work / "work" / "incompat" / "volatile";
  if (::unlink((marker / "dirty").c_str()) < 0 && errno != ENOENT)
    throw Error::sys("remove overlay volatile marker", (marker / "dirty").string(), errno);
  if (::rmdir(marker.c_str()) < 0 && errno != ENOENT)
    throw Error::sys("remove overlay volatile marker", marker.string(), errno);
}

void mount_overlay(const std::vector<fs::path>& image_layers, const fs::path& bundle,
                   const fs::path& merged, bool volatile_upper, const fs::path& init_layer) {
  if (image_layers.empty())
    throw Error("mount overlay", bundle.string(), 0, "the image has no layers");
  std::vector<fs::path> layers = image_layers;
  if (!init_layer.empty()) layers.push_back(init_layer);
  const fs::path upper = bundle / "upper", work = bundle / "work";
  for (const auto& p : {upper, work, merged}) {
    if (::mkdir(p.c_str(), 0755) < 0 && errno != EEXIST)
      throw Error::sys("create directory", p.string(), errno);
  }
  check_path(bundle);
  std::string lower;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {  // overlay wants top-most first
    check_path(*it);
    if (!lower.empty()) lower += ':';
    lower += it->string();
  }
  if (volatile_upper) clear_volatile_marker(work);
  std::string data =
      "lowerdir=" + lower + ",upperdir=" + upper.string() + ",workdir=" + work.string();
  if (volatile_upper) data += ",volatile";
  data += userxattr_option();
  if (data.size() >= static_cast<size_t>(::getpagesize())) {
    // Too many layers for one page of mount data: the new mount API, each
    // lowerdir separately ("lowerdir+", Linux 6.8+), then attached here.
    DetachedOverlay overlay(image_layers, bundle, volatile_upper, init_layer);
    const char* step = "";
    if (int err = overlay.make(&step)) throw Error::sys(step, merged.string(), err);
    UniqueFd mnt = overlay.take();
    if (::move_mount(mnt.get(), "", AT_FDCWD, merged.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
      throw Error::sys("mount overlay on", merged.string(), errno);
    return;
  }
  if (::mount("overlay", merged.c_str(), "overlay", 0, data.c_str()) < 0) {
    throw Error::sys("mount overlay on", merged.string(), errno);
  }
}

void mount_overlay_readonly(const std::vector<fs::path>& layers, const fs::path& target) {
  UniqueFd fd(::open(target.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw Error::sys("open", target.string(), errno);
  mount_overlay_readonly_on(layers, fd.get(), target.string());
}

void mount_overlay_readonly_on(const std::vector<fs::path>& layers, int target_fd,
                               const std::string& what) {
  std::string lower;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    check_path(*it);
    if (!lower.empty()) lower += ':';
    lower += it->string();
  }
  const std::string target = "/proc/self/fd/" + std::to_string(target_fd);
  std::string data = "lowerdir=" + lower + userxattr_option();
  if (data.size() < static_cast<size_t>(::getpagesize())) {
    if (::mount("overlay", target.c_str(), "overlay", MS_RDONLY, data.c_str()) < 0)
      throw Error::sys("mount overlay on", what, errno);
    return;
  }
  UniqueFd fsfd(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fsfd) throw Error::sys("open overlay filesystem for", what, errno);
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, "lowerdir+", it->c_str(), 0) < 0)
      throw Error::sys("set overlay lowerdir+", it->string(), errno);
  set_userxattr(fsfd.get(), what);
  if (::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    throw Error::sys("create overlay for", what, errno);
  UniqueFd mnt(::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
  if (!mnt) throw Error::sys("mount overlay on", what, errno);
  if (::move_mount(mnt.get(), "", target_fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    throw Error::sys("mount overlay on", what, errno);
}

}  // namespace lit::runtime
