#include "runtime/security/seccomp.hpp"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::security {
namespace {

// A syscall refused unless the process keeps one of the named capabilities
// (-1: none relaxes it). Mirrors the "includes: caps" groups of docker's profile.
struct Blocked {
  const char* name;
  int cap1 = -1, cap2 = -1;
};

constexpr Blocked kBlocked[] = {
    {"acct", CAP_SYS_PACCT},
    {"add_key"},
    {"bpf", CAP_SYS_ADMIN, CAP_BPF},
    {"clock_adjtime", CAP_SYS_TIME},
    {"clock_settime", CAP_SYS_TIME},
    {"create_module", CAP_SYS_MODULE},
    {"delete_module", CAP_SYS_MODULE},
    {"finit_module", CAP_SYS_MODULE},
    {"get_kernel_syms", CAP_SYS_MODULE},
    {"get_mempolicy", CAP_SYS_NICE},
    {"init_module", CAP_SYS_MODULE},
    {"ioperm", CAP_SYS_RAWIO},
    {"iopl", CAP_SYS_RAWIO},
    {"kcmp", CAP_SYS_PTRACE},
    {"kexec_file_load", CAP_SYS_BOOT},
    {"kexec_load", CAP_SYS_BOOT},
    {"keyctl"},
    {"lookup_dcookie", CAP_SYS_ADMIN},
    {"mbind", CAP_SYS_NICE},
    {"mount", CAP_SYS_ADMIN},
    {"mount_setattr", CAP_SYS_ADMIN},
    {"move_mount", CAP_SYS_ADMIN},
    {"open_tree", CAP_SYS_ADMIN},
    {"fsopen", CAP_SYS_ADMIN},
    {"fsconfig", CAP_SYS_ADMIN},
    {"fsmount", CAP_SYS_ADMIN},
    {"fspick", CAP_SYS_ADMIN},
    {"move_pages", CAP_SYS_NICE},
    {"name_to_handle_at", CAP_SYS_ADMIN},
    {"nfsservctl"},
    {"open_by_handle_at", CAP_DAC_READ_SEARCH},
    {"perf_event_open", CAP_SYS_ADMIN, CAP_PERFMON},
    {"pivot_root"},
    {"process_vm_readv", CAP_SYS_PTRACE},
    {"process_vm_writev", CAP_SYS_PTRACE},
    {"query_module", CAP_SYS_MODULE},
    {"quotactl", CAP_SYS_ADMIN},
    {"quotactl_fd", CAP_SYS_ADMIN},
    {"reboot", CAP_SYS_BOOT},
    {"request_key"},
    {"set_mempolicy", CAP_SYS_NICE},
    {"setns", CAP_SYS_ADMIN},
    {"settimeofday", CAP_SYS_TIME},
    {"stime", CAP_SYS_TIME},
    {"swapon"},
    {"swapoff"},
    {"syslog", CAP_SYS_ADMIN, CAP_SYSLOG},
    {"sysfs"},
    {"_sysctl"},
    {"umount", CAP_SYS_ADMIN},
    {"umount2", CAP_SYS_ADMIN},
    {"unshare", CAP_SYS_ADMIN},
    {"uselib"},
    {"userfaultfd"},
    {"ustat"},
    {"vhangup", CAP_SYS_TTY_CONFIG},
    {"vm86"},
    {"vm86old"},
};

// clone with any of these flags creates namespaces.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};

bool keeps(const std::vector<int>& caps, int cap) {
  return cap >= 0 && std::find(caps.begin(), caps.end(), cap) != caps.end();
}

void add_rule(scmp_filter_ctx ctx, int nr, const char* name, std::uint32_t action,
              std::vector<scmp_arg_cmp> args = {}) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
  if (rc < 0) throw Error::sys("add seccomp rule for", name, -rc);
}

// 32-bit entry points on 64-bit hosts must be filtered too, or they bypass the rules.
void add_compat_arches(scmp_filter_ctx ctx) {
#if defined(__x86_64__)
  const std::uint32_t arches[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
  const std::uint32_t arches[] = {SCMP_ARCH_ARM};
#else
  const std::uint32_t arches[] = {SCMP_ARCH_NATIVE};
#endif
  for (auto a : arches) {
    int rc = seccomp_arch_add(ctx, a);
    if (rc < 0 && rc != -EEXIST)
      throw Error::sys("add seccomp architecture", std::to_string(a), -rc);
  }
}

// Everything the generated program depends on, as text: the cache file is
// named by its hash and starts with it, so a changed profile, libseccomp or
// capability set never reads another's program.
std::string fingerprint(const std::vector<int>& caps) {
  const scmp_version* v = seccomp_version();
  std::string f = "lit-seccomp-2 libseccomp " + std::to_string(v->major) + "." +
                  std::to_string(v->minor) + "." + std::to_string(v->micro) + "\n";
  for (const auto& b : kBlocked)
    f += std::string(b.name) + " " + std::to_string(b.cap1) + " " + std::to_string(b.cap2) + "\n";
  for (unsigned long flag : kNamespaceFlags) f += "ns " + std::to_string(flag) + "\n";
  std::vector<int> sorted = caps;
  std::sort(sorted.begin(), sorted.end());
  f += "caps";
  for (int c : sorted) f += " " + std::to_string(c);
  return f;
}

// FNV-1a, 64 bits, as 16 hex digits: names the file and catches a torn one.
// (Not a defence against tampering: the run root is root's alone.)
std::string fnv1a(std::string_view data) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

constexpr size_t kChecksumSize = 16;

// The file: the fingerprint, a NUL, the program, then fnv1a of all before it.
std::string cache_bytes(const std::string& fp, const SeccompProgram& p) {
  std::string bytes = fp + '\0';
  bytes.append(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(sock_filter));
  return bytes + fnv1a(bytes);
}

std::optional<SeccompProgram> read_cached(const fs::path& file, const std::string& fp) {
  std::string bytes;
  try {
    bytes = read_file(file);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (bytes.size() < fp.size() + 1 + kChecksumSize) return std::nullopt;
  size_t end = bytes.size() - kChecksumSize;
  if (bytes.compare(end, kChecksumSize, fnv1a(std::string_view(bytes).substr(0, end))) != 0)
    return std::nullopt;
  if (bytes.compare(0, fp.size(), fp) != 0 || bytes[fp.size()] != '\0') return std::nullopt;
  size_t start = fp.size() + 1, body = end - start;
  if (body == 0 || body % sizeof(sock_filter) != 0 || body / sizeof(sock_filter) > BPF_MAXINSNS)
    return std::nullopt;
  SeccompProgram p(body / sizeof(sock_filter));
  std::memcpy(p.data(), bytes.data() + start, body);
  return p;
}

}  // namespace

SeccompFilter::SeccompFilter(SeccompFilter&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)), blocked_(std::move(o.blocked_)) {}

SeccompFilter::~SeccompFilter() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

namespace {

// libseccomp exports only to a file descriptor: a memfd, read back.
std::string export_filter(void* ctx, int (*exporter)(const scmp_filter_ctx, int)) {
  UniqueFd fd(::memfd_create("lit-seccomp-export", MFD_CLOEXEC));
  if (!fd) throw Error::sys("create memfd for", "seccomp filter", errno);
  int rc = exporter(ctx, fd.get());
  if (rc < 0) throw Error::sys("export", "seccomp filter", -rc);
  return read_file("/proc/self/fd/" + std::to_string(fd.get()));
}

}  // namespace

std::string SeccompFilter::pfc() const { return export_filter(ctx_, seccomp_export_pfc); }

SeccompProgram SeccompFilter::program() const {
  std::string bytes = export_filter(ctx_, seccomp_export_bpf);
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
    throw Error("export seccomp filter", "", 0, "libseccomp returned no whole program");
  SeccompProgram p(bytes.size() / sizeof(sock_filter));
  std::memcpy(p.data(), bytes.data(), bytes.size());
  return p;
}

void load_program(const SeccompProgram& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    throw Error::sys("load", "seccomp filter", errno);
}

SeccompProgram default_seccomp_program(const std::vector<int>& caps, const fs::path& cache_dir) {
  if (cache_dir.empty()) return build_default_seccomp(caps).program();
  const std::string fp = fingerprint(caps);
  fs::path file = cache_dir / (fnv1a(fp) + ".bpf");
  if (auto cached = read_cached(file, fp)) return *cached;
  SeccompProgram p = build_default_seccomp(caps).program();
  try {
    make_dirs(cache_dir, 0700);
    write_file_atomic(file, cache_bytes(fp, p), 0600, Durability::NoSync);
  } catch (const Error& e) {  // the container starts anyway; the next one compiles again
    spdlog::debug("keep seccomp program in {}: {}", cache_dir.string(), e.what());
  }
  return p;
}

void SeccompFilter::load() {
  int rc = seccomp_load(ctx_);
  if (rc < 0) throw Error::sys("load", "seccomp filter", -rc);
}

SeccompFilter build_default_seccomp(const std::vector<int>& caps) {
  scmp_filter_ctx raw = seccomp_init(SCMP_ACT_ALLOW);
  if (raw == nullptr) throw Error("create seccomp filter", "libseccomp");
  SeccompFilter f(raw);
  // lit sets no_new_privs itself, only when asked; libseccomp would always set it.
  int rc = seccomp_attr_set(raw, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) throw Error::sys("configure", "seccomp filter", -rc);
  // A binary tree of syscall numbers instead of one linear chain per
  // architecture: a few more instructions, but every syscall the container
  // makes is decided in ~log(n) steps, and loading it is ~3.5x cheaper (the
  // kernel emulates the filter for every syscall number to build its cache
  // of always-allowed ones: ~290 us for the chain here, ~80 us for the tree).
  // libseccomp before 2.5 lacks it; the chain does the same job.
  if (int opt = seccomp_attr_set(raw, SCMP_FLTATR_CTL_OPTIMIZE, 2); opt < 0)
    spdlog::debug("seccomp filter: no binary tree optimization ({})", std::strerror(-opt));
  add_compat_arches(raw);
  for (const auto& b : kBlocked) {
    int nr = seccomp_syscall_resolve_name(b.name);
    if (nr == __NR_SCMP_ERROR || keeps(caps, b.cap1) || keeps(caps, b.cap2)) continue;
    add_rule(raw, nr, b.name, SCMP_ACT_ERRNO(EPERM));
    f.blocked_.emplace_back(b.name);
  }
  if (!keeps(caps, CAP_SYS_ADMIN)) {
    // Plain fork/threads stay allowed: only clone calls asking for a namespace fail.
    int nr = seccomp_syscall_resolve_name("clone");
    for (unsigned long flag : kNamespaceFlags) {
      add_rule(raw, nr, "clone", SCMP_ACT_ERRNO(EPERM), {SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)});
    }
    f.blocked_.emplace_back("clone");
    // clone3 passes its flags in memory, which seccomp cannot read: ENOSYS makes
    // libc fall back to clone, where the flags are checked (docker does the same).
    nr = seccomp_syscall_resolve_name("clone3");
    if (nr != __NR_SCMP_ERROR) {
      add_rule(raw, nr, "clone3", SCMP_ACT_ERRNO(ENOSYS));
      f.blocked_.emplace_back("clone3");
    }
  }
  return f;
}

}  // namespace lit::security
