#pragma once
// Paths resolved beneath a rootfs (openat2 RESOLVE_IN_ROOT): a symlink inside an
// image resolves relative to the rootfs, never to the host, so a mount target
// like /etc/hosts -> /../../host/file cannot redirect a mount onto the host.
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

// Opens `path` (absolute, inside the container) beneath root_fd.
// Returns an invalid fd with errno set when it does not resolve.
UniqueFd open_beneath(int root_fd, const std::string& path, int flags);

// mkdir -p beneath root_fd; returns an O_PATH fd on the final directory.
UniqueFd make_dirs_beneath(int root_fd, const std::string& path, unsigned mode = 0755);

// Creates an empty regular file (and its parents) beneath root_fd if missing;
// returns an O_PATH fd on it (a mount point for file bind mounts).
UniqueFd make_file_beneath(int root_fd, const std::string& path);

// "/proc/self/fd/N": how mount(2) reaches a resolved O_PATH fd.
std::string fd_path(int fd);

}  // namespace lit::runtime
