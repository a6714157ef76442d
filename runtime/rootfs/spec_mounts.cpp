#include "runtime/rootfs/spec_mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "runtime/rootfs/beneath.hpp"
#include "runtime/rootfs/mount_util.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

struct Options {
  unsigned long flags = 0;
  bool readonly = false;
  std::string data;  // size=, mode=, ... (filesystem options)
};

Options parse_options(const Mount& m) {
  Options o;
  for (const auto& opt : m.options) {
    if (opt == "ro")
      o.readonly = true;
    else if (opt == "rw" || opt == "bind" || opt == "rbind" || opt == "rprivate")
      continue;
    else if (opt == "nosuid")
      o.flags |= MS_NOSUID;
    else if (opt == "nodev")
      o.flags |= MS_NODEV;
    else if (opt == "noexec")
      o.flags |= MS_NOEXEC;
    else if (m.type == "tmpfs")
      o.data += (o.data.empty() ? "" : ",") + opt;
    else
      throw Error("mount " + m.destination, "option " + opt, EINVAL,
                  "bind mounts take ro, nosuid, nodev, noexec");
  }
  return o;
}

void apply_bind(int root_fd, const Mount& m, const Options& o) {
  struct stat st {};
  if (::stat(m.source.c_str(), &st) < 0) {
    throw Error::sys("bind mount source", m.source, errno).with_hint("create it on the host first");
  }
  UniqueFd target = S_ISDIR(st.st_mode) ? make_dirs_beneath(root_fd, m.destination)
                                        : make_file_beneath(root_fd, m.destination);
  mount_on(target.get(), m.destination, m.source.c_str(), nullptr, MS_BIND | MS_REC);
  if (o.flags != 0) {
    // Remount the bind (reached again by path: the fd names the covered inode).
    UniqueFd mnt = open_beneath(root_fd, m.destination, O_PATH);
    if (!mnt) throw Error::sys("open", m.destination, errno);
    mount_on(mnt.get(), m.destination, "", nullptr, MS_REMOUNT | MS_BIND | o.flags);
  }
  if (o.readonly) {
    UniqueFd mnt = open_beneath(root_fd, m.destination, O_PATH);
    if (!mnt) throw Error::sys("open", m.destination, errno);
    make_readonly(mnt.get(), m.destination, true);
  }
}

void apply_tmpfs(int root_fd, const Mount& m, const Options& o) {
  UniqueFd target = make_dirs_beneath(root_fd, m.destination);
  unsigned long flags = o.flags | (o.readonly ? MS_RDONLY : 0);
  mount_on(target.get(), m.destination, "tmpfs", "tmpfs", flags,
           o.data.empty() ? nullptr : o.data.c_str());
}

size_t depth(const std::string& p) {
  return static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
}

}  // namespace

void apply_spec_mounts(int root_fd, const std::vector<Mount>& mounts) {
  std::vector<const Mount*> order;
  for (const auto& m : mounts) order.push_back(&m);
  std::stable_sort(order.begin(), order.end(), [](const Mount* a, const Mount* b) {
    return depth(a->destination) < depth(b->destination);
  });
  for (const Mount* m : order) {
    if (m->destination.empty() || m->destination[0] != '/' || m->destination == "/") {
      throw Error("mount", m->destination, EINVAL,
                  "the destination must be an absolute path other than /");
    }
    Options o = parse_options(*m);
    if (m->type == "bind")
      apply_bind(root_fd, *m, o);
    else if (m->type == "tmpfs")
      apply_tmpfs(root_fd, *m, o);
    else
      throw Error("mount " + m->destination, "type " + m->type, EINVAL, "use bind or tmpfs");
  }
}

}  // namespace lit::runtime
