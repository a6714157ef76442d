#include "runtime/rootfs/mount_util.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <cerrno>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

void mount_on(int target_fd, const std::string& what, const char* source, const char* type,
              unsigned long flags, const char* data) {
  std::string target = fd_path(target_fd);
  if (::mount(source, target.c_str(), type, flags, data) < 0) {
    std::string kind = (flags & MS_BIND) ? "bind mount " + std::string(source) + " on"
                                         : "mount " + std::string(type ? type : "") + " on";
    throw Error::sys(kind, what, errno);
  }
}

void make_readonly(int mount_fd, const std::string& what, bool recursive) {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (::mount_setattr(mount_fd, "", flags, &attr, sizeof attr) < 0) {
    throw Error::sys("make read-only", what, errno);
  }
}

}  // namespace lit::runtime
