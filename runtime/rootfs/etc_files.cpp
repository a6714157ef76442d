#include "runtime/rootfs/etc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

std::string read_or_empty(const char* path) {
  try {
    return read_file(path);
  } catch (const Error&) {
    return {};
  }
}

// Not write_file_atomic: these are regenerated on every start and an fsync
// would cost more than the whole start. Unchanged files are left alone, and a
// changed one is replaced by a new inode: truncating a written ext4 file
// (auto_da_alloc) or renaming over it forces a flush, costing milliseconds.
void put(const fs::path& path, const std::string& content) {
  UniqueFd old(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (old) {
    std::string current(content.size() + 1, '\0');
    ssize_t n = ::read(old.get(), current.data(), current.size());
    if (n == static_cast<ssize_t>(content.size()) &&
        current.compare(0, content.size(), content) == 0)
      return;
    ::unlink(path.c_str());
  }
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw Error::sys("create", path.string(), errno);
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    throw Error::sys("write", path.string(), errno);
  }
}

}  // namespace

std::string hosts_content(const ContainerSpec& spec, const std::string& host_hosts) {
  if (spec.network == NetworkMode::Host) {
    std::string s = host_hosts;
    for (const auto& [name, ip] : spec.extra_hosts) s += ip + "\t" + name + "\n";
    return s;
  }
  std::string s =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  // On a lit network the host name is the container's address there, as docker does.
  const std::string self = spec.address.empty() ? "127.0.0.1" : spec.address;
  if (!spec.hostname.empty()) s += self + "\t" + spec.hostname + "\n";
  for (const auto& [name, ip] : spec.extra_hosts) s += ip + "\t" + name + "\n";
  return s;
}

std::string resolv_content(const ContainerSpec& spec, const std::string& host_resolv) {
  if (spec.network == NetworkMode::Host) return host_resolv;
  // A host-local resolver (127.0.0.53) is unreachable from another netns.
  std::istringstream in(host_resolv);
  std::string out, line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, addr;
    words >> key >> addr;
    if (key == "nameserver" &&
        (addr.starts_with("127.") || addr == "::1" || !spec.dns_servers.empty()))
      continue;
    if ((key == "search" || key == "domain") && !spec.dns_search.empty()) continue;
    if (key == "options" && !spec.dns_options.empty()) continue;
    out += line + "\n";
  }
  // On a lit network: lit's DNS server answers the network's names and forwards
  // the rest to the host's resolvers, so it replaces them; search and options stay.
  std::string servers;
  for (const auto& s : spec.dns_servers) servers += "nameserver " + s + "\n";
  auto words_line = [](const char* key, const std::vector<std::string>& words) {
    std::string l = key;
    for (const auto& w : words) l += " " + w;
    return words.empty() ? std::string() : l + "\n";
  };
  return servers + words_line("search", spec.dns_search) + words_line("options", spec.dns_options) +
         out;
}

void write_etc_files(const ContainerSpec& spec, const fs::path& dir) {
  put(dir / "hostname", spec.hostname + "\n");
  if (spec.network == NetworkMode::Container) return;  // the target's, copied by open_joined_netns
  put(dir / "hosts", hosts_content(spec, read_or_empty("/etc/hosts")));
  put(dir / "resolv.conf", resolv_content(spec, read_or_empty("/etc/resolv.conf")));
}

void chown_etc_files(const fs::path& dir, const UserNamespace& ns) {
  for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
    const fs::path file = dir / name;
    if (::chown(file.c_str(), ns.uid.host, ns.gid.host) < 0)
      throw Error::sys("chown to the container's root", file.string(), errno);
  }
}

}  // namespace lit::runtime
