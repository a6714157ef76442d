#include "runtime/cdi/apply.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>

#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime::cdi {
namespace {

// The host node behind an edit, when its type or numbers must come from it.
void fill_from_host(const DeviceNodeEdit& e, const std::string& host, DeviceNode& n,
                    std::string& type) {
  struct stat st {};
  if (::stat(host.c_str(), &st) < 0) throw Error::sys("find device", host, errno);
  std::string host_type = S_ISBLK(st.st_mode)    ? "b"
                          : S_ISCHR(st.st_mode)  ? "c"
                          : S_ISFIFO(st.st_mode) ? "p"
                                                 : "";
  if (host_type.empty()) throw Error(host + " is not a device node");
  if (type.empty()) type = host_type;
  if ((type == "u" ? "c" : type) != host_type)
    throw Error("device " + e.path + ": type \"" + type + "\" but the host's " + host +
                " is of type \"" + host_type + "\"");
  if (!e.major || *e.major == 0) {
    n.major = ::major(st.st_rdev);
    n.minor = ::minor(st.st_rdev);
  }
  if (!e.file_mode) n.mode = st.st_mode & 07777;
}

DeviceNode node_of(const DeviceNodeEdit& e, const ProcessSpec& process) {
  DeviceNode n;
  n.path = container_path(e.path);
  if (!n.path.starts_with("/dev/"))
    throw Error("device " + e.path + ": lit makes device nodes under /dev only");
  n.host_path = e.host_path.empty() ? e.path : e.host_path;
  n.major = static_cast<std::uint32_t>(e.major.value_or(0));
  n.minor = static_cast<std::uint32_t>(e.minor.value_or(0));
  n.mode = e.file_mode ? *e.file_mode & 0777 : 0666;
  std::string type = e.type;
  // The spec's rule: a type with a major number (or a FIFO) is complete.
  if (type.empty() || (e.major.value_or(0) == 0 && type != "p"))
    fill_from_host(e, n.host_path, n, type);
  if (type == "p")
    throw Error("device " + e.path +
                ": a FIFO, which lit does not make (character and block "
                "devices only)");
  n.type = type == "b" ? cgroups::DeviceType::Block : cgroups::DeviceType::Char;
  n.uid = e.uid.value_or(process.uid);
  n.gid = e.gid.value_or(process.gid);
  n.access = *cgroups::parse_device_access(e.permissions.empty() ? "rwm" : e.permissions);
  return n;
}

// lit binds recursively with private propagation: bind, rbind, rw and
// (r)private say what it does anyway; ro, nosuid, nodev and noexec apply.
Mount mount_of(const MountEdit& e) {
  const std::string dest = container_path(e.container_path);
  if (dest == "/") throw Error("mount on /: lit mounts nothing over the container's root");
  if (!e.type.empty() && e.type != "bind" && e.type != "none")
    throw Error("mount on " + dest + ": type \"" + e.type + "\": lit applies bind mounts only");
  Mount m{dest, "bind", e.host_path, {}};
  for (const auto& o : e.options) {
    if (o == "ro" || o == "nosuid" || o == "nodev" || o == "noexec")
      m.options.push_back(o);
    else if (o != "rw" && o != "bind" && o != "rbind" && o != "private" && o != "rprivate")
      throw Error("mount on " + dest + ": option \"" + o +
                  "\" is not supported (lit takes ro, rw, bind, rbind, private, rprivate, "
                  "nosuid, nodev and noexec)");
  }
  struct stat st {};
  if (::stat(e.host_path.c_str(), &st) < 0) throw Error::sys("mount source", e.host_path, errno);
  return m;
}

// The first `own` items are the request's own: the same key there is an error.
template <typename T, typename Key>
void add_or_replace(std::vector<T>& list, std::size_t own, T item, Key key,
                    const std::string& taken) {
  auto same = [&](const T& other) { return key(other) == key(item); };
  if (std::any_of(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(own), same))
    throw Error(taken);
  auto it = std::find_if(list.begin() + static_cast<std::ptrdiff_t>(own), list.end(), same);
  if (it != list.end())
    *it = std::move(item);
  else
    list.push_back(std::move(item));
}

}  // namespace

void apply(const std::vector<DeviceEdits>& edits, ContainerSpec& spec) {
  const std::size_t own_devices = spec.devices.size(), own_mounts = spec.mounts.size();
  for (const auto& de : edits) {
    try {
      for (const auto& d : de.edits.device_nodes)
        add_or_replace(
            spec.devices, own_devices, node_of(d, spec.process),
            [](const DeviceNode& n) { return n.path; },
            "device " + container_path(d.path) + " is taken by another device given");
      for (const auto& m : de.edits.mounts) {
        Mount mount = mount_of(m);
        const std::string taken =
            "mount point " + mount.destination + " is taken by a volume given";
        for (const auto& im : spec.image_mounts)
          if (im.destination == mount.destination) throw Error(taken);
        add_or_replace(
            spec.mounts, own_mounts, std::move(mount), [](const Mount& x) { return x.destination; },
            taken);
      }
      for (const auto& e : de.edits.env) set_env(spec.process.env, e);
      for (gid_t g : de.edits.additional_gids)
        if (g != 0 &&
            std::find(spec.process.additional_gids.begin(), spec.process.additional_gids.end(),
                      g) == spec.process.additional_gids.end())
          spec.process.additional_gids.push_back(g);
    } catch (Error& e) {
      throw e.context(de.origin());
    }
  }
}

}  // namespace lit::runtime::cdi
