#include "runtime/lifecycle/container_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/init_layer.hpp"
#include "runtime/rootfs/overlay.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace fs = std::filesystem;
namespace {

// Once per process: later mounts stay in it, and vanish with it.
void enter_private_mount_namespace() {
  static bool entered = false;
  if (entered) return;
  if (::unshare(CLONE_NEWNS) < 0) throw Error::sys("enter a private mount namespace", {}, errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    throw Error::sys("make mounts private", "/", errno);
  entered = true;
}

// The layers the container runs on, bottom first (the init layer as a start adds it).
std::vector<fs::path> run_layers(const Paths& paths, const ContainerRecord& rec) {
  std::vector<fs::path> layers = rec.spec.layers;
  fs::path init = paths.root / "init-layer";
  std::error_code ec;
  if (fs::is_directory(init, ec) && init_layer_fits(layers)) layers.push_back(init);
  return layers;
}

ContainerRoot mount_view(const Paths& paths, const ContainerRecord& rec, bool writable) {
  enter_private_mount_namespace();
  char dir[] = "/tmp/lit-rootfs-XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw Error::sys("create a mount point", dir, errno);
  fs::path target = dir;
  try {
    std::vector<fs::path> layers = run_layers(paths, rec);
    if (writable) {
      mount_overlay(rec.spec.layers, rec.spec.bundle, target, rec.spec.volatile_rootfs,
                    layers.size() > rec.spec.layers.size() ? layers.back() : fs::path());
    } else {
      fs::path upper = rec.spec.bundle / "upper";  // a container never started has none yet
      if (::mkdir(upper.c_str(), 0755) < 0 && errno != EEXIST)
        throw Error::sys("create directory", upper.string(), errno);
      layers.push_back(upper);
      mount_overlay_readonly(layers, target);
    }
  } catch (...) {
    ::rmdir(dir);
    throw;
  }
  UniqueFd fd(::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    ::umount2(dir, MNT_DETACH);
    ::rmdir(dir);
    throw Error::sys("open the container's root", rec.name, err);
  }
  return ContainerRoot(std::move(fd), target);
}

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }

// Whether `path` exists in the image layers (top-most first; a whiteout hides the rest).
bool in_layers(const std::vector<UniqueFd>& layers_top_first, const std::string& path) {
  for (const auto& layer : layers_top_first) {
    UniqueFd fd = open_beneath(layer.get(), path, O_PATH | O_NOFOLLOW);
    if (!fd) continue;
    struct stat st {};
    if (::fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) continue;
    return !is_whiteout(st);
  }
  return false;
}

void walk_upper(int dir_fd, const std::string& prefix, const std::vector<UniqueFd>& layers,
                std::vector<FsChange>& out) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error::sys("read directory", prefix, errno);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    throw Error::sys("read directory", prefix, errno);
  }
  while (auto* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = prefix + "/" + name;
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (is_whiteout(st)) {
      out.push_back({'D', path});
      continue;
    }
    out.push_back({in_layers(layers, path) ? 'C' : 'A', path});
    if (!S_ISDIR(st.st_mode)) continue;
    UniqueFd child(::openat(dir_fd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (child) walk_upper(child.get(), path, layers, out);
  }
}

}  // namespace

ContainerRoot::~ContainerRoot() {
  fd_.reset();
  if (mount_point_.empty()) return;
  ::umount2(mount_point_.c_str(), MNT_DETACH);
  ::rmdir(mount_point_.c_str());
}

ContainerRoot open_container_root(const Paths& paths, const ContainerRecord& rec,
                                  RootAccess access) {
  ContainerState st = observed_state(rec);
  bool running =
      (st.status == ContainerStatus::Running || st.status == ContainerStatus::Paused) && st.pid > 0;
  if (running && access != RootAccess::Image) {
    std::string root = "/proc/" + std::to_string(st.pid) + "/root";
    UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw Error::sys("open the root of container", rec.name, errno);
    return ContainerRoot(std::move(fd));
  }
  return mount_view(paths, rec, access == RootAccess::Write);
}

std::vector<FsChange> container_changes(const ContainerRecord& rec) {
  std::vector<UniqueFd> layers;
  for (auto it = rec.spec.layers.rbegin(); it != rec.spec.layers.rend(); ++it) {
    UniqueFd fd(::open(it->c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw Error::sys("open layer", it->string(), errno);
    layers.push_back(std::move(fd));
  }
  fs::path upper = rec.spec.bundle / "upper";
  std::vector<FsChange> out;
  UniqueFd root(::open(upper.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root && errno == ENOENT) return out;  // never started: nothing changed
  if (!root) throw Error::sys("open", upper.string(), errno);
  walk_upper(root.get(), "", layers, out);
  std::ranges::sort(out, {}, &FsChange::path);
  return out;
}

}  // namespace lit::runtime
