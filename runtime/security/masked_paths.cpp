// Docker's masked and read-only paths of /proc and /sys, applied inside the
// container's (already pivoted) root. Every path is resolved beneath that root
// without following symlinks, and the /dev/null bound over masked files is
// checked to be the null device.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <string>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/security/security.hpp"
#include "runtime/util/error.hpp"

namespace lit::security {
namespace {

constexpr const char* kMasked[] = {"/proc/asound",
                                   "/proc/acpi",
                                   "/proc/kcore",
                                   "/proc/keys",
                                   "/proc/latency_stats",
                                   "/proc/timer_list",
                                   "/proc/timer_stats",
                                   "/proc/sched_debug",
                                   "/proc/scsi",
                                   "/sys/firmware",
                                   "/sys/devices/virtual/powercap"};

constexpr const char* kReadOnly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                     "/proc/sysrq-trigger"};

using runtime::fd_path;
using runtime::open_beneath;

// The path beneath the container's root, never through a symlink (CVE-2025-31133,
// CVE-2019-19921): it must be a /proc or /sys entry of the container's own
// mounts, not something a volume or the image put there. Invalid when absent.
UniqueFd open_target(int root_fd, const char* path, struct stat& st) {
  UniqueFd fd = open_beneath(root_fd, path, O_PATH | O_NOFOLLOW);
  if (!fd) {
    if (errno == ENOENT) return fd;
    throw Error::sys("inspect", path, errno);
  }
  struct statfs sf {};
  if (::fstat(fd.get(), &st) < 0 || ::fstatfs(fd.get(), &sf) < 0)
    throw Error::sys("inspect", path, errno);
  bool kernel_fs = sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC;
  if (!kernel_fs || S_ISLNK(st.st_mode))
    throw Error("mask", path, 0, "a mount or a symlink covers it; lit masks only /proc and /sys");
  return fd;
}

// The container's /dev/null, checked to be the null device: a symlink put there
// (to /proc/sys/kernel/core_pattern, say) would otherwise be bound instead.
UniqueFd open_null(int root_fd) {
  UniqueFd fd = open_beneath(root_fd, "/dev/null", O_PATH | O_NOFOLLOW);
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) < 0) throw Error::sys("open", "/dev/null", errno);
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    throw Error("mask paths with", "/dev/null", 0,
                "the container's /dev/null is not the null device (a mount or symlink covers it)");
  return fd;
}

void mask(int root_fd, int null_fd, const char* path) {
  struct stat st {};
  UniqueFd target = open_target(root_fd, path, st);
  if (!target) return;  // not in this kernel: nothing to hide
  std::string at = fd_path(target.get());
  int rc = S_ISDIR(st.st_mode)
               ? ::mount("tmpfs", at.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                         nullptr)
               : ::mount(fd_path(null_fd).c_str(), at.c_str(), nullptr, MS_BIND, nullptr);
  if (rc < 0) throw Error::sys("mask", path, errno);
}

// A recursive bind of the path on itself, made read-only with mount_setattr
// (which keeps the mount's other, possibly locked, flags).
void make_read_only(int root_fd, const char* path) {
  struct stat st {};
  UniqueFd target = open_target(root_fd, path, st);
  if (!target) return;
  std::string at = fd_path(target.get());
  if (::mount(at.c_str(), at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
    throw Error::sys("bind read-only path", path, errno);
  UniqueFd mnt = open_target(root_fd, path, st);  // the new mount, not the covered inode
  try {
    if (!mnt) throw Error::sys("open", path, errno);
    runtime::make_readonly(mnt.get(), path, true);
  } catch (...) {
    ::umount2(path, MNT_DETACH);  // do not leave a writable bind behind
    throw;
  }
}

}  // namespace

void mask_paths(const runtime::SecuritySpec& spec) {
  if (spec.privileged) return;
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", "/", errno);
  UniqueFd null = open_null(root.get());
  for (const char* p : kMasked) mask(root.get(), null.get(), p);
  for (const char* p : kReadOnly) make_read_only(root.get(), p);
}

}  // namespace lit::security
