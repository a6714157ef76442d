#include "runtime/init/init_binary.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <cerrno>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

std::filesystem::path lit_init_binary() {
  try {
    return helper_executable("lit-init");
  } catch (Error& e) {
    throw e.context("--init");
  }
}

void mount_init_binary(int root_fd, const std::string& from) {
  std::filesystem::path source = from.empty() ? lit_init_binary() : std::filesystem::path(from);
  UniqueFd target = make_file_beneath(root_fd, kInitPath);
  mount_on(target.get(), kInitPath, source.c_str(), nullptr, MS_BIND);
  // Reached again by path: the fd names the covered inode, not the new mount.
  UniqueFd mnt = open_beneath(root_fd, kInitPath, O_PATH);
  if (!mnt) throw Error::sys("open", kInitPath, errno);
  mount_on(mnt.get(), kInitPath, "", nullptr,
           MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV);
}

ProcessSpec under_init(ProcessSpec process) {
  process.args.insert(process.args.begin(), {kInitPath, "--"});
  return process;
}

}  // namespace lit::runtime
