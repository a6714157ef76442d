// The container init's last steps before execve: bounding set, identity,
// capabilities, no_new_privs, seccomp.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "runtime/security/apparmor.hpp"
#include "runtime/security/capabilities.hpp"
#include "runtime/security/seccomp.hpp"
#include "runtime/security/security.hpp"
#include "runtime/util/error.hpp"

namespace lit::security {
namespace {

// The system calls, not glibc's wrappers: those change every thread of the
// process, and the init (a fork-style clone of lit, made while lit may still
// run a thread, see BackgroundStart) has only itself but a copy of lit's
// thread list, so they would wait forever for threads that are not there.
void set_identity(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  // Keep the permitted set across the uid change; capset below picks what stays.
  check_sys(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keep capabilities across", "setuid");
  check_sys(static_cast<int>(::syscall(SYS_setgroups, groups.size(), groups.data())),
            "set supplementary groups", {});
  check_sys(static_cast<int>(::syscall(SYS_setresgid, gid, gid, gid)), "set gid",
            std::to_string(gid));
  check_sys(static_cast<int>(::syscall(SYS_setresuid, uid, uid, uid)), "set uid",
            std::to_string(uid));
  check_sys(::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "reset keep-capabilities after", "setuid");
}

// A privileged container gets what lit holds (a sandboxed lit may lack some);
// anything else asked for but not held is an error naming the capability.
std::vector<int> holdable(const runtime::SecuritySpec& spec, const std::vector<int>& caps) {
  const std::vector<int> held = permitted_capabilities();
  std::vector<int> out;
  std::string missing;
  for (int c : caps) {
    if (std::find(held.begin(), held.end(), c) != held.end()) {
      out.push_back(c);
    } else {
      missing += (missing.empty() ? "" : ", ") + capability_name(c);
    }
  }
  if (!missing.empty() && !spec.privileged) {
    throw Error("keep capability", missing, EPERM,
                "lit itself does not hold it, so the container cannot get it");
  }
  return out;
}

}  // namespace

std::optional<SeccompProgram> seccomp_program_for(const runtime::SecuritySpec& spec,
                                                  const std::filesystem::path& cache_dir) {
  if (!spec.seccomp || spec.privileged) return std::nullopt;
  const std::vector<int> caps = holdable(spec, resolve_capabilities(spec));
  if (spec.seccomp_profile) return build_profile_seccomp(*spec.seccomp_profile, caps).program();
  return default_seccomp_program(caps, cache_dir);
}

void apply_process_security(const runtime::SecuritySpec& spec, uid_t uid, gid_t gid,
                            const std::vector<gid_t>& additional_gids,
                            const SeccompProgram* program, const std::string& apparmor) {
  apply_apparmor_on_exec(apparmor);  // before no_new_privs, as runc does
  const std::vector<int> caps = holdable(spec, resolve_capabilities(spec));
  std::optional<SeccompProgram> made;
  if (!program && (made = seccomp_program_for(spec))) program = &*made;
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
  // container rarely keeps: load it now (as runc does); it allows what follows.
  if (program && !spec.no_new_privileges) load_program(*program);

  drop_bounding_set(caps);
  set_identity(uid, gid, additional_gids);
  // A non-root user keeps no effective capabilities, as in docker.
  set_capabilities(uid == 0 ? caps : std::vector<int>{});
  if (spec.no_new_privileges) {
    check_sys(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set", "no_new_privs");
  }
  if (program && spec.no_new_privileges) load_program(*program);
}

}  // namespace lit::security
