#include "runtime/process/sealed_exec.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/util/error.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {
namespace {

// A detached clone of lit-exec's mount, read-only: root only (CAP_SYS_ADMIN).
UniqueFd readonly_clone(const std::filesystem::path& bin) {
  UniqueFd tree(::open_tree(AT_FDCWD, bin.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree) return tree;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) return UniqueFd();
  return tree;
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

// Elsewhere: a memfd copy, sealed against every change.
UniqueFd sealed_copy(const std::filesystem::path& bin) {
  UniqueFd src(::open(bin.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src) throw Error::sys("open", bin.string(), errno);
  struct stat st {};
  check_sys(::fstat(src.get(), &st), "inspect", bin.string());
  UniqueFd mem(::memfd_create("lit-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
  if (!mem && errno == EINVAL)
    mem.reset(::memfd_create("lit-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem) throw Error::sys("create a sealed copy of", bin.string(), errno);
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = ::sendfile(mem.get(), src.get(), &done, static_cast<size_t>(st.st_size - done));
    if (n <= 0) throw Error::sys("copy", bin.string(), n < 0 ? errno : EIO);
  }
  check_sys(
      ::fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
      "seal the copy of", bin.string());
  return mem;
}

}  // namespace

UniqueFd open_exec_trampoline() {
  const std::filesystem::path bin = helper_executable("lit-exec");
  if (UniqueFd fd = readonly_clone(bin)) return fd;
  return sealed_copy(bin);
}

}  // namespace lit::runtime
