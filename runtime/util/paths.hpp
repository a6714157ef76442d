#pragma once
// Where lit keeps its state. Both roots are overridable (flags or environment)
// so tests never touch the real ones.
#include <filesystem>
#include <string>

namespace lit {

struct Paths {
  std::filesystem::path root;      // persistent: images, layers, volumes, container records
  std::filesystem::path run_root;  // runtime: live state, locks; empty after a reboot

  // Defaults: /var/lib/lit and /run/lit, overridden by LIT_ROOT and LIT_RUN_ROOT.
  static Paths from_environment();

  std::filesystem::path images() const { return root / "images"; }
  std::filesystem::path containers() const { return root / "containers"; }
  std::filesystem::path run_containers() const { return run_root / "containers"; }
  // A container's runtime files (its /etc/hostname, hosts, resolv.conf and its
  // rootfs mount point): remade at every start, gone with the container. A
  // foreground --rm container keeps its record here too (RecordHome::RunRoot).
  std::filesystem::path run_container(const std::string& id) const { return run_containers() / id; }
  // Compiled seccomp programs, named by a digest of what they are made from
  // (runtime/security/seccomp.hpp): made by the first start, read by the rest
  // and by every exec and health probe.
  std::filesystem::path seccomp_cache() const { return run_root / "seccomp"; }
  // Where a detached container's supervisor serves `lit attach` (while it runs).
  std::filesystem::path attach_socket(const std::string& id) const {
    return run_container(id) / "attach.sock";
  }
};

// An executable installed next to lit's own ("lit-shim", "lit-init",
// "lit-dns"); throws naming it when missing.
std::filesystem::path helper_executable(const std::string& name);

}  // namespace lit
