#pragma once
// Small mount(2) wrappers for the init's rootfs setup. Targets are O_PATH fds
// resolved beneath the rootfs (see beneath.hpp); errors name the container path.
#include <string>

namespace lit::runtime {

// mount(source, /proc/self/fd/<target_fd>, type, flags, data).
void mount_on(int target_fd, const std::string& what, const char* source, const char* type,
              unsigned long flags, const char* data = nullptr);

// Makes the mount whose root is `mount_fd` read-only (recursively if asked) with
// mount_setattr, which leaves its other (possibly locked) flags alone.
void make_readonly(int mount_fd, const std::string& what, bool recursive);

}  // namespace lit::runtime
