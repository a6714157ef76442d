#pragma once
// The container's /etc/hostname, /etc/hosts and /etc/resolv.conf, generated in
// its run directory before each start and bind-mounted by the init (so the image's own
// files are untouched and the files can be rewritten while it runs).
#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// Writes dir/{hostname,hosts,resolv.conf} (dir: the container's run directory).
void write_etc_files(const ContainerSpec& spec, const std::filesystem::path& dir);

// A container with its own user namespace: the files owned by its root, as
// they would be in its image (writable by it, e.g. for an entrypoint that edits /etc/hosts).
void chown_etc_files(const std::filesystem::path& dir, const UserNamespace& ns);

// The generated contents (pure, for tests). host_* are the host's files' text.
std::string hosts_content(const ContainerSpec& spec, const std::string& host_hosts);
std::string resolv_content(const ContainerSpec& spec, const std::string& host_resolv);

}  // namespace lit::runtime
