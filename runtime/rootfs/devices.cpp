#include "runtime/rootfs/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/spec/devices.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

struct Node {
  const char* name;
  unsigned major, minor;
};
constexpr Node kNodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                           {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

constexpr const char* kLinks[][2] = {{"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                     {"pts/ptmx", "ptmx"},          {"/proc/kcore", "core"}};

// mknod as root; where that is refused (a user namespace), bind the host's node.
void make_node(int dev_fd, const Node& n) {
  std::string what = std::string("/dev/") + n.name;
  if (::mknodat(dev_fd, n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) == 0) {
    if (::fchmodat(dev_fd, n.name, 0666, 0) < 0) throw Error::sys("chmod", what, errno);
    return;
  }
  if (errno != EPERM) throw Error::sys("create device", what, errno);
  UniqueFd f(::openat(dev_fd, n.name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666));
  if (!f) throw Error::sys("create", what, errno);
  UniqueFd target(::openat(dev_fd, n.name, O_PATH | O_CLOEXEC));
  mount_on(target.get(), what, what.c_str(), nullptr, MS_BIND);
}

UniqueFd make_subdir(int dev_fd, const char* name, unsigned mode) {
  if (::mkdirat(dev_fd, name, mode) < 0 && errno != EEXIST) {
    throw Error::sys("create directory", std::string("/dev/") + name, errno);
  }
  UniqueFd fd(::openat(dev_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw Error::sys("open", std::string("/dev/") + name, errno);
  return fd;
}

// replace: a node of that name is replaced (the user's wins); else kept.
void make_device_node(int root_fd, const DeviceNode& d, bool replace) {
  const std::filesystem::path path(d.path);
  const std::string name = path.filename().string();
  UniqueFd dir = make_dirs_beneath(root_fd, path.parent_path().string());
  if (replace) {
    ::unlinkat(dir.get(), name.c_str(), 0);
  } else {
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return;
  }
  const mode_t type = d.type == cgroups::DeviceType::Block ? S_IFBLK : S_IFCHR;
  if (::mknodat(dir.get(), name.c_str(), type | (d.mode & 0777), makedev(d.major, d.minor)) == 0) {
    if (::fchownat(dir.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
      throw Error::sys("chown", d.path, errno);
    if (::fchmodat(dir.get(), name.c_str(), d.mode, 0) < 0)
      throw Error::sys("chmod", d.path, errno);
    return;
  }
  if (errno != EPERM) throw Error::sys("create device", d.path, errno);
  UniqueFd f(::openat(dir.get(), name.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f) throw Error::sys("create", d.path, errno);
  UniqueFd target(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!target) throw Error::sys("open", d.path, errno);
  mount_on(target.get(), d.path, d.host_path.c_str(), nullptr, MS_BIND);
}

void mount_shm(int dev_fd, const DevShm& shm) {
  if (shm.none) return;
  UniqueFd dir = make_subdir(dev_fd, "shm", 01777);
  if (shm.tree < 0) {
    mount_on(dir.get(), "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             ("mode=1777,size=" + std::to_string(shm.size)).c_str());
    return;
  }
  if (::move_mount(shm.tree, "", dir.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
      0)
    throw Error::sys("mount the joined container's /dev/shm on", "/dev/shm", errno);
}

}  // namespace

void make_device_nodes(int root_fd, const std::vector<DeviceNode>& devices) {
  for (const auto& d : devices) make_device_node(root_fd, d, true);
}

void make_host_device_nodes(int root_fd) {
  for (const auto& d : host_device_nodes()) make_device_node(root_fd, d, false);
}

void setup_dev(int root_fd, const DevShm& shm) {
  UniqueFd mountpoint = make_dirs_beneath(root_fd, "/dev");
  mount_on(mountpoint.get(), "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
           "mode=755,size=65536k");
  // The fd above still names the directory under the mount: reopen to reach the tmpfs.
  UniqueFd dev = open_beneath(root_fd, "/dev", O_DIRECTORY | O_RDONLY);
  if (!dev) throw Error::sys("open", "/dev", errno);
  for (const auto& n : kNodes) make_node(dev.get(), n);

  UniqueFd pts = make_subdir(dev.get(), "pts", 0755);
  mount_on(pts.get(), "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620,gid=5");
  mount_shm(dev.get(), shm);
  UniqueFd mqueue = make_subdir(dev.get(), "mqueue", 0755);
  mount_on(mqueue.get(), "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  for (const auto& l : kLinks) {
    if (::symlinkat(l[0], dev.get(), l[1]) < 0 && errno != EEXIST) {
      throw Error::sys("create symlink", std::string("/dev/") + l[1], errno);
    }
  }
}

}  // namespace lit::runtime
