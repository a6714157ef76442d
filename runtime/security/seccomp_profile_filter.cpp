// A docker-format seccomp profile compiled with libseccomp, following runc and
// docker's reading of the format.
#include <seccomp.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <set>

#include "runtime/security/capabilities.hpp"
#include "runtime/security/seccomp.hpp"
#include "runtime/util/error.hpp"

namespace lit::security {
namespace {

using runtime::SeccompAction;
using runtime::SeccompOp;
using runtime::SeccompProfile;

// This machine in docker's two vocabularies: its SCMP_ARCH name (archMap) and
// its Go name (includes/excludes "arches").
#if defined(__x86_64__)
constexpr const char* kNativeArch = "SCMP_ARCH_X86_64";
constexpr const char* kNativeGoArch = "amd64";
#elif defined(__aarch64__)
constexpr const char* kNativeArch = "SCMP_ARCH_AARCH64";
constexpr const char* kNativeGoArch = "arm64";
#else
constexpr const char* kNativeArch = "";
constexpr const char* kNativeGoArch = "";
#endif

std::uint32_t action_of(SeccompAction a, std::optional<std::uint32_t> err) {
  switch (a) {
    case SeccompAction::KillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompAction::KillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::Trap:
      return SCMP_ACT_TRAP;
    case SeccompAction::Errno:
      return SCMP_ACT_ERRNO(err.value_or(EPERM));
    case SeccompAction::Trace:
      return SCMP_ACT_TRACE(err.value_or(EPERM));
    case SeccompAction::Log:
      return SCMP_ACT_LOG;
    case SeccompAction::Allow:
      break;
  }
  return SCMP_ACT_ALLOW;
}

scmp_compare op_of(SeccompOp op) {
  switch (op) {
    case SeccompOp::NotEqual:
      return SCMP_CMP_NE;
    case SeccompOp::LessThan:
      return SCMP_CMP_LT;
    case SeccompOp::LessOrEqual:
      return SCMP_CMP_LE;
    case SeccompOp::GreaterOrEqual:
      return SCMP_CMP_GE;
    case SeccompOp::GreaterThan:
      return SCMP_CMP_GT;
    case SeccompOp::MaskedEqual:
      return SCMP_CMP_MASKED_EQ;
    case SeccompOp::Equal:
      break;
  }
  return SCMP_CMP_EQ;
}

// "SCMP_ARCH_X86_64" -> libseccomp's token.
std::uint32_t arch_token(const std::string& name) {
  std::string lower = name.substr(std::string_view("SCMP_ARCH_").size());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint32_t token = seccomp_arch_resolve_name(lower.c_str());
  if (token == 0)
    throw Error("seccomp profile: architecture " + name + " is unknown to this libseccomp");
  return token;
}

// The architectures the filter covers: "architectures", or archMap's entry for
// this machine with its sub-architectures; the native one always.
std::vector<std::string> arches_of(const SeccompProfile& p) {
  std::vector<std::string> out = p.architectures;
  for (const auto& m : p.arch_map) {
    if (m.architecture != kNativeArch) continue;
    out.push_back(m.architecture);
    out.insert(out.end(), m.sub_architectures.begin(), m.sub_architectures.end());
  }
  return out;
}

std::pair<int, int> kernel_version() {
  utsname u{};
  int major = 0, minor = 0;
  if (::uname(&u) == 0) std::sscanf(u.release, "%d.%d", &major, &minor);
  return {major, minor};
}

bool holds_all(const std::vector<std::string>& names, const std::vector<int>& caps) {
  return std::all_of(names.begin(), names.end(), [&](const std::string& n) {
    auto c = capability_from_name(n);
    return c && std::find(caps.begin(), caps.end(), *c) != caps.end();
  });
}

bool holds_any(const std::vector<std::string>& names, const std::vector<int>& caps) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return holds_all({n}, caps); });
}

// docker's includes (all must hold) and excludes (any one drops the rule).
bool applies(const runtime::SeccompSyscall& s, const std::vector<int>& caps) {
  const auto& inc = s.includes;
  const auto& exc = s.excludes;
  const auto kernel = kernel_version();
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (!exc.arches.empty() && has(exc.arches, kNativeGoArch)) return false;
  if (!exc.caps.empty() && holds_any(exc.caps, caps)) return false;
  if (exc.min_kernel && kernel >= *exc.min_kernel) return false;
  if (!inc.arches.empty() && !has(inc.arches, kNativeGoArch)) return false;
  if (!inc.caps.empty() && !holds_all(inc.caps, caps)) return false;
  if (inc.min_kernel && kernel < *inc.min_kernel) return false;
  return true;
}

// One rule with every check (all must match), or, when an argument is
// checked twice (libseccomp takes one check per argument), a rule per check.
void add_syscall(scmp_filter_ctx ctx, int nr, std::uint32_t action,
                 const std::vector<runtime::SeccompArg>& args, const std::string& where) {
  std::vector<scmp_arg_cmp> cmps;
  std::set<unsigned> indexes;
  for (const auto& a : args) {
    cmps.push_back({a.index, op_of(a.op), a.value, a.value_two});
    indexes.insert(a.index);
  }
  auto add = [&](const scmp_arg_cmp* c, unsigned n) {
    if (int rc = seccomp_rule_add_array(ctx, action, nr, n, c); rc < 0)
      throw Error::sys("seccomp profile: " + where, "", -rc);
  };
  if (indexes.size() == cmps.size()) return add(cmps.data(), static_cast<unsigned>(cmps.size()));
  for (const auto& c : cmps) add(&c, 1);
}

scmp_filter_ctx new_context(const SeccompProfile& p) {
  const std::uint32_t def = action_of(p.default_action, p.default_errno);
  scmp_filter_ctx ctx = seccomp_init(def);
  if (ctx == nullptr) throw Error("create seccomp filter", "libseccomp");
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);  // lit sets it itself, when asked
  if (rc < 0) {
    seccomp_release(ctx);
    throw Error::sys("configure", "seccomp filter", -rc);
  }
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // as the default's; optional
  return ctx;
}

}  // namespace

SeccompFilter build_profile_seccomp(const SeccompProfile& p, const std::vector<int>& caps) {
  SeccompFilter f(new_context(p));
  for (const auto& name : arches_of(p)) {
    int rc = seccomp_arch_add(f.ctx_, arch_token(name));
    if (rc < 0 && rc != -EEXIST) throw Error::sys("seccomp profile: add architecture", name, -rc);
  }
  const std::uint32_t def = action_of(p.default_action, p.default_errno);
  for (std::size_t i = 0; i < p.syscalls.size(); ++i) {
    const auto& s = p.syscalls[i];
    const std::uint32_t action = action_of(s.action, s.errno_ret);
    if (action == def || !applies(s, caps)) continue;  // libseccomp refuses the former
    for (const auto& name : s.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // newer than this libseccomp: as runc does
      add_syscall(f.ctx_, nr, action, s.args, "syscalls[" + std::to_string(i) + "] " + name);
      if (action != SCMP_ACT_ALLOW && action != SCMP_ACT_LOG) f.blocked_.push_back(name);
    }
  }
  return f;
}

}  // namespace lit::security
