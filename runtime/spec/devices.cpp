#include "runtime/spec/devices.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <string>

#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

Error invalid(std::string_view flag, std::string_view value, const std::string& why) {
  return Error("invalid value \"" + std::string(value) + "\" for " + std::string(flag) + ": " +
               why);
}

unsigned access_of(std::string_view flag, std::string_view value, std::string_view perms) {
  auto bits = cgroups::parse_device_access(perms);
  if (!bits)
    throw invalid(flag, value,
                  "permissions \"" + std::string(perms) + "\" are not a combination of r, w and m");
  return *bits;
}

}  // namespace

DeviceRequest parse_device(std::string_view value, std::string_view flag) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t colon = value.find(':', start);
    parts.push_back(value.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (value.empty() || parts.size() > 3)
    throw invalid(flag, value, "use HOST[:CONTAINER][:PERMS], e.g. /dev/fuse:/dev/fuse:rwm");
  DeviceRequest d;
  d.host_path = std::string(parts[0]);
  std::string_view target = parts[0];
  if (parts.size() == 3) {
    target = parts[1];
    d.access = access_of(flag, value, parts[2]);
  } else if (parts.size() == 2) {
    // docker's rule: a second part made of r, w, m is the permissions.
    if (cgroups::parse_device_access(parts[1]))
      d.access = *cgroups::parse_device_access(parts[1]);
    else
      target = parts[1];
  }
  if (d.host_path.empty() || d.host_path.front() != '/')
    throw invalid(flag, value, "the host device must be an absolute path");
  if (target.empty() || target.front() != '/')
    throw invalid(flag, value, "the path in the container must be absolute");
  d.container_path = container_path(target);
  if (!d.container_path.starts_with("/dev/"))
    throw invalid(flag, value, "lit makes device nodes under /dev only: use a path in /dev/");
  return d;
}

DeviceNode resolve_device(const DeviceRequest& request) {
  struct stat st {};
  if (::stat(request.host_path.c_str(), &st) < 0)
    throw Error::sys("find device", request.host_path, errno);
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    throw Error(request.host_path + " is not a device node", {}, 0,
                "give a character or block device, such as /dev/fuse");
  DeviceNode n;
  n.path = request.container_path;
  n.host_path = request.host_path;
  n.type = S_ISBLK(st.st_mode) ? cgroups::DeviceType::Block : cgroups::DeviceType::Char;
  n.major = ::major(st.st_rdev);
  n.minor = ::minor(st.st_rdev);
  n.mode = st.st_mode & 07777;
  n.uid = st.st_uid;
  n.gid = st.st_gid;
  n.access = request.access;
  return n;
}

std::vector<cgroups::DeviceRule> device_rules(const ContainerSpec& spec) {
  if (spec.security.privileged) return {cgroups::all_devices_rule()};
  std::vector<cgroups::DeviceRule> rules = cgroups::default_device_rules();
  for (const auto& d : spec.devices) rules.push_back({d.type, d.major, d.minor, d.access});
  return rules;
}

}  // namespace lit::runtime
