#pragma once
// lit's default seccomp profile (libseccomp), in the spirit of docker's: allow
// by default, EPERM for syscalls that reach past the container, with the ones a
// kept capability legitimately needs (mount with SYS_ADMIN, ...) let through.
#include <linux/filter.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/spec/seccomp_profile.hpp"

namespace lit::security {

// A compiled filter: the classic BPF program the kernel runs for each syscall.
using SeccompProgram = std::vector<sock_filter>;

// A built, not yet loaded, filter. Owns the libseccomp context.
class SeccompFilter {
 public:
  SeccompFilter(SeccompFilter&& o) noexcept;
  SeccompFilter& operator=(SeccompFilter&&) = delete;
  SeccompFilter(const SeccompFilter&) = delete;
  ~SeccompFilter();

  // Syscalls answered with an error (clone only for namespace flags), in rule order.
  const std::vector<std::string>& blocked() const { return blocked_; }
  // The filter in libseccomp's human-readable PFC form (for tests and debugging).
  std::string pfc() const;
  // Installs it for the calling thread. Without no_new_privs this needs CAP_SYS_ADMIN.
  void load();
  // The BPF program libseccomp generates for it (what load() installs).
  SeccompProgram program() const;

 private:
  friend SeccompFilter build_default_seccomp(const std::vector<int>& caps);
  friend SeccompFilter build_profile_seccomp(const runtime::SeccompProfile& profile,
                                             const std::vector<int>& caps);

  explicit SeccompFilter(void* ctx) : ctx_(ctx) {}
  void* ctx_ = nullptr;
  std::vector<std::string> blocked_;
};

// The default profile for a process that keeps these capabilities. Syscalls the
// installed libseccomp does not know are skipped.
SeccompFilter build_default_seccomp(const std::vector<int>& caps);

// The default profile's program for these capabilities. Generating it costs
// about a millisecond of libseccomp work per container, so with a cache
// directory the program is kept there, named by a digest of everything it is
// made from (the profile, libseccomp's version, the capabilities), with a
// checksum; a file that does not check out is made again.
SeccompProgram default_seccomp_program(const std::vector<int>& caps,
                                       const std::filesystem::path& cache_dir = {});

// A profile in docker's format, compiled as runc compiles it: the profile's
// architectures (archMap: the entry of this machine's), each rule whose
// includes/excludes match these capabilities, this architecture and the
// running kernel, syscalls libseccomp does not know skipped, and several
// checks of one argument split into rules of their own (any of them matches).
SeccompFilter build_profile_seccomp(const runtime::SeccompProfile& profile,
                                    const std::vector<int>& caps);

// Installs a program for the calling thread, as SeccompFilter::load does.
void load_program(const SeccompProgram& program);

}  // namespace lit::security
