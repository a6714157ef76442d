#include "runtime/rootfs/detached_overlay.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

DetachedOverlay::DetachedOverlay(const std::vector<fs::path>& layers, const fs::path& bundle,
                                 bool volatile_upper, const fs::path& init_layer)
    : upper_((bundle / "upper").string()),
      work_((bundle / "work").string()),
      marker_((bundle / "work" / "work" / "incompat" / "volatile").string()),
      dirty_(marker_ + "/dirty"),
      volatile_(volatile_upper),
      userxattr_(overlay_userxattr()) {
  if (!init_layer.empty()) lowers_.push_back(init_layer.string());
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) lowers_.push_back(it->string());
}

DetachedOverlay::~DetachedOverlay() {
  if (fd_ >= 0) ::close(fd_);
}

int DetachedOverlay::make(const char** step) noexcept {
  for (const std::string* dir : {&upper_, &work_}) {
    *step = "create directory";
    if (::mkdir(dir->c_str(), 0755) < 0 && errno != EEXIST) return errno;
  }
  // As clear_volatile_marker (overlay.hpp): the marker of an earlier volatile
  // mount would make overlay refuse this one.
  *step = "remove overlay volatile marker";
  if (volatile_ && ::unlink(dirty_.c_str()) < 0 && errno != ENOENT) return errno;
  if (volatile_ && ::rmdir(marker_.c_str()) < 0 && errno != ENOENT) return errno;
  *step = "open overlay filesystem";
  const int fs = ::fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return errno;
  auto config = [&](unsigned cmd, const char* key, const char* value, const char* what) {
    *step = what;
    return ::fsconfig(fs, cmd, key, value, 0) < 0 ? errno : 0;
  };
  // "overlay" as the mount's source, as mount(2) named it.
  int err = config(FSCONFIG_SET_STRING, "source", "overlay", "set overlay source");
  for (const auto& lower : lowers_)
    if (!err)
      err = config(FSCONFIG_SET_STRING, "lowerdir+", lower.c_str(), "set overlay lowerdir+");
  if (!err) err = config(FSCONFIG_SET_STRING, "upperdir", upper_.c_str(), "set overlay upperdir");
  if (!err) err = config(FSCONFIG_SET_STRING, "workdir", work_.c_str(), "set overlay workdir");
  if (!err && volatile_)
    err = config(FSCONFIG_SET_FLAG, "volatile", nullptr, "set overlay volatile");
  if (!err && userxattr_)
    err = config(FSCONFIG_SET_FLAG, "userxattr", nullptr, "set overlay userxattr");
  if (!err) err = config(FSCONFIG_CMD_CREATE, nullptr, nullptr, "create overlay");
  if (!err) {
    *step = "mount overlay";
    fd_ = ::fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (fd_ < 0) err = errno;
  }
  ::close(fs);
  return err;
}

}  // namespace lit::runtime
