// Docker's masked and read-only paths of /proc and /sys, applied inside the
// container's (already pivoted) root.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>

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

// False when the path does not exist in this kernel (nothing to hide then).
bool exists(const char* path, struct stat& st) {
  if (::lstat(path, &st) == 0) return true;
  if (errno == ENOENT) return false;
  throw Error::sys("inspect", path, errno);
}

void mask(const char* path) {
  struct stat st {};
  if (!exists(path, st)) return;
  int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", path, "tmpfs",
                                         MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr)
                               : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr);
  if (rc < 0) throw Error::sys("mask", path, errno);
}

// A read-only bind remount must repeat the flags the mount already has
// (nosuid, nodev, noexec, atime), or the kernel refuses it with EPERM.
unsigned long kept_flags(const char* path) {
  struct statvfs sv {};
  if (::statvfs(path, &sv) < 0) throw Error::sys("inspect mount of", path, errno);
  unsigned long flags = 0;
  const std::pair<unsigned long, unsigned long> map[] = {
      {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  for (auto [st, ms] : map) {
    if (sv.f_flag & st) flags |= ms;
  }
  return flags;
}

void make_read_only(const char* path) {
  struct stat st {};
  if (!exists(path, st)) return;
  if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    throw Error::sys("bind read-only path", path, errno);
  }
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path);
  if (::mount(nullptr, path, nullptr, flags, nullptr) < 0) {
    int err = errno;
    ::umount2(path, MNT_DETACH);  // do not leave a writable bind behind
    throw Error::sys("remount read-only", path, err);
  }
}

}  // namespace

void mask_paths(const runtime::SecuritySpec& spec) {
  if (spec.privileged) return;
  for (const char* p : kMasked) mask(p);
  for (const char* p : kReadOnly) make_read_only(p);
}

}  // namespace lit::security
