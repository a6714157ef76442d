#include "runtime/spec/devices.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <set>
#include <string>

#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {

namespace fs = std::filesystem;

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

// A rule's major or minor: "*" (any) or a number.
std::optional<std::uint32_t> device_number(std::string_view flag, std::string_view value,
                                           std::string_view text, const char* what) {
  if (text == "*") return std::nullopt;
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw invalid(flag, value,
                  std::string(what) + " \"" + std::string(text) + "\" is not a number or *");
  return n;
}

DeviceNode node_of(const struct stat& st, std::string host, std::string path, unsigned access) {
  DeviceNode n;
  n.path = std::move(path);
  n.host_path = std::move(host);
  n.type = S_ISBLK(st.st_mode) ? cgroups::DeviceType::Block : cgroups::DeviceType::Char;
  n.major = ::major(st.st_rdev);
  n.minor = ::minor(st.st_rdev);
  n.mode = st.st_mode & 07777;
  n.uid = st.st_uid;
  n.gid = st.st_gid;
  n.access = access;
  return n;
}

// Directories of the host's /dev a privileged container gets from lit itself
// (its own devpts, shm, mqueue; /dev/fd a link) or that hold no devices of
// its own, and the console, as runc skips them.
const std::set<std::string> kLitOwnDev = {"pts",  "shm",         "mqueue", "fd",
                                          ".lxc", ".lxd-mounts", ".udev",  "console"};

// Each character or block device beneath `dir` (not following symlinks),
// sorted by path; names in `skip` are left out at any depth; entries that
// vanish or cannot be read while walking are skipped.
template <typename F>
void for_each_node(const fs::path& dir, const std::set<std::string>& skip, F&& visit) {
  std::vector<std::pair<fs::path, struct stat>> found;
  std::error_code ec;
  auto it =
      fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (skip.contains(it->path().filename().string())) {
      it.disable_recursion_pending();  // a no-op for a file
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
      found.emplace_back(it->path(), st);
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [path, st] : found) visit(path, st);
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

std::vector<DeviceNode> resolve_devices(const DeviceRequest& request) {
  struct stat st {};
  if (::stat(request.host_path.c_str(), &st) < 0)
    throw Error::sys("find device", request.host_path, errno);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    return {node_of(st, request.host_path, request.container_path, request.access)};
  const char* hint = "give a character or block device, such as /dev/fuse, or a directory of them";
  if (!S_ISDIR(st.st_mode)) throw Error(request.host_path + " is not a device node", {}, 0, hint);
  std::vector<DeviceNode> out;
  for_each_node(request.host_path, {}, [&](const fs::path& host, const struct stat& node) {
    fs::path rel = host.lexically_relative(request.host_path);
    out.push_back(node_of(node, host.string(), (fs::path(request.container_path) / rel).string(),
                          request.access));
  });
  if (out.empty())
    throw Error(request.host_path + " is a directory without device nodes", {}, 0, hint);
  return out;
}

cgroups::DeviceRule parse_device_cgroup_rule(std::string_view value, std::string_view flag) {
  std::vector<std::string_view> words;
  for (std::size_t i = value.find_first_not_of(" \t"); i != std::string_view::npos;) {
    std::size_t end = value.find_first_of(" \t", i);
    words.push_back(value.substr(i, end - i));
    i = end == std::string_view::npos ? end : value.find_first_not_of(" \t", end);
  }
  std::size_t colon = words.size() == 3 ? words[1].find(':') : std::string_view::npos;
  if (colon == std::string_view::npos)
    throw invalid(flag, value, "use TYPE MAJOR:MINOR ACCESS, e.g. \"c 1:3 rwm\" or \"b 8:* r\"");
  cgroups::DeviceRule rule;
  if (words[0] == "c")
    rule.type = cgroups::DeviceType::Char;
  else if (words[0] == "b")
    rule.type = cgroups::DeviceType::Block;
  else if (words[0] != "a")
    throw invalid(flag, value, "type \"" + std::string(words[0]) + "\" is not a, b or c");
  rule.major = device_number(flag, value, words[1].substr(0, colon), "major");
  rule.minor = device_number(flag, value, words[1].substr(colon + 1), "minor");
  rule.access = access_of(flag, value, words[2]);
  return rule;
}

std::vector<DeviceNode> host_device_nodes(const std::string& dev) {
  std::vector<DeviceNode> out;
  for_each_node(dev, kLitOwnDev, [&](const fs::path& host, const struct stat& node) {
    out.push_back(node_of(node, host.string(), host.string(), cgroups::kDeviceAllAccess));
  });
  return out;
}

std::vector<cgroups::DeviceRule> device_rules(const ContainerSpec& spec) {
  if (spec.security.privileged) return {cgroups::all_devices_rule()};
  std::vector<cgroups::DeviceRule> rules = cgroups::default_device_rules();
  for (const auto& d : spec.devices) rules.push_back({d.type, d.major, d.minor, d.access});
  rules.insert(rules.end(), spec.device_cgroup_rules.begin(), spec.device_cgroup_rules.end());
  return rules;
}

}  // namespace lit::runtime
