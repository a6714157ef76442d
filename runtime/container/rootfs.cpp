#include "runtime/container/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/beneath.hpp"
#include "runtime/container/cgroupfs.hpp"
#include "runtime/container/devices.hpp"
#include "runtime/container/mount_util.hpp"
#include "runtime/container/overlay.hpp"
#include "runtime/container/spec_mounts.hpp"
#include "runtime/init/init_binary.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

void mount_proc(int root_fd) {
  UniqueFd target = make_dirs_beneath(root_fd, "/proc");
  mount_on(target.get(), "/proc", "proc", "proc", kNoSuidDevExec);
}

// A new network namespace gets its own sysfs (its /sys/class/net shows its own
// links); sysfs cannot be mounted for the host's netns, so that binds the host's.
void mount_sys(int root_fd, NetworkMode network) {
  UniqueFd target = make_dirs_beneath(root_fd, "/sys");
  if (network != NetworkMode::Host) {
    mount_on(target.get(), "/sys", "sysfs", "sysfs", kNoSuidDevExec | MS_RDONLY);
    return;
  }
  mount_on(target.get(), "/sys", "/sys", nullptr, MS_BIND | MS_REC);
  UniqueFd mnt = open_beneath(root_fd, "/sys", O_PATH | O_DIRECTORY);
  if (!mnt) throw Error::sys("open", "/sys", errno);
  make_readonly(mnt.get(), "/sys", true);
}

// hostname, hosts, resolv.conf: generated in the bundle by the parent.
void bind_etc_files(int root_fd, const fs::path& bundle) {
  for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
    fs::path source = bundle / name;
    std::string dest = std::string("/etc/") + name;
    UniqueFd target = make_file_beneath(root_fd, dest);
    mount_on(target.get(), dest, source.c_str(), nullptr, MS_BIND);
  }
}

}  // namespace

void prepare_rootfs(const ContainerSpec& spec, const RootfsContext& ctx) {
  // Nothing mounted below may propagate back to the host's namespace.
  check_sys(::mount("", "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make mounts private", "/");
  mount_overlay(spec.layers, spec.bundle, spec.volatile_rootfs);
  fs::path merged = spec.bundle / "merged";
  UniqueFd root(::open(merged.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", merged.string(), errno);
  mount_proc(root.get());
  mount_sys(root.get(), spec.network);
  mount_cgroupfs(root.get(), ctx.cgroup_paths);
  setup_dev(root.get(), spec.shm_size);
  if (spec.init) mount_init_binary(root.get());
  bind_etc_files(root.get(), spec.bundle);
  apply_spec_mounts(root.get(), spec.mounts);
}

void pivot_into(const fs::path& merged) {
  check_sys(::chdir(merged.c_str()), "enter rootfs", merged.string());
  // runc's trick: the old root ends up stacked on "." and is detached at once,
  // with no directory for it needed inside the image.
  check_sys(::syscall(SYS_pivot_root, ".", "."), "pivot_root to", merged.string());
  check_sys(::umount2(".", MNT_DETACH), "detach old root", "/");
  check_sys(::chdir("/"), "enter rootfs", "/");
}

void make_root_readonly() {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error::sys("open", "/", errno);
  make_readonly(root.get(), "/", false);
}

}  // namespace lit::runtime
