#include "runtime/rootfs/init_layer.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace {

constexpr const char* kFiles[] = {"hostname", "hosts", "resolv.conf"};

}  // namespace

fs::path ensure_init_layer(const fs::path& dir) {
  struct stat st {};
  if (::lstat((dir / "etc" / "resolv.conf").c_str(), &st) == 0) return dir;
  fs::path parent = dir.parent_path();
  make_dirs(parent, 0700);
  TempDir tmp(parent, ".init-layer-");
  check_sys(::chmod(tmp.path().c_str(), 0755), "chmod", tmp.path().string());
  fs::path etc = tmp.path() / "etc";
  if (::mkdir(etc.c_str(), 0755) < 0) throw Error::sys("create directory", etc.string(), errno);
  check_sys(::chmod(etc.c_str(), 0755), "chmod", etc.string());  // whatever the umask
  for (const char* name : kFiles) write_file_atomic(etc / name, "", 0644, Durability::NoSync);
  if (::rename(tmp.path().c_str(), dir.c_str()) == 0) {
    tmp.release();
  } else if (errno != EEXIST && errno != ENOTEMPTY) {  // else: another lit made it first
    throw Error::sys("create init layer", dir.string(), errno);
  }
  return dir;
}

bool init_layer_fits(const std::vector<fs::path>& layers) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    struct stat st {};
    if (::lstat((*it / ".wh.etc").c_str(), &st) == 0) return false;  // removed in the image
    if (::lstat((*it / "etc").c_str(), &st) < 0) continue;           // not in this layer
    return S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_uid == 0 && st.st_gid == 0;
  }
  return true;  // no /etc at all: the layer's is the only one
}

}  // namespace lit::runtime
