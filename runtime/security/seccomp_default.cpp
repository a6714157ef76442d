// lit's default seccomp profile. It starts from what docker's default profile
// refuses (its allow list read the other way round: allow by default, EPERM
// for the syscalls docker leaves out, relaxed by the capability docker names),
// then refuses more: io_uring, rarely used socket families, personality flags,
// userfaultfd.
#include "runtime/security/seccomp_default.hpp"

#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "runtime/util/error.hpp"

namespace lit::security::detail {
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
    {"bdflush"},
    {"bpf", CAP_SYS_ADMIN, CAP_BPF},
    {"chroot", CAP_SYS_CHROOT},
    {"clock_adjtime", CAP_SYS_TIME},
    {"clock_settime", CAP_SYS_TIME},
    {"clock_settime64", CAP_SYS_TIME},
    {"create_module", CAP_SYS_MODULE},
    {"delete_module", CAP_SYS_MODULE},
    {"fanotify_init", CAP_SYS_ADMIN},
    {"finit_module", CAP_SYS_MODULE},
    {"get_kernel_syms", CAP_SYS_MODULE},
    {"get_mempolicy", CAP_SYS_NICE},
    {"init_module", CAP_SYS_MODULE},
    // io_uring: a second way into most of the kernel that seccomp cannot see
    // (its operations are not syscalls) and a long run of privilege
    // escalations; recent docker releases refuse it too.
    {"io_uring_enter"},
    {"io_uring_register"},
    {"io_uring_setup"},
    {"ioperm", CAP_SYS_RAWIO},
    {"iopl", CAP_SYS_RAWIO},
    {"kcmp", CAP_SYS_PTRACE},
    {"kexec_file_load", CAP_SYS_BOOT},
    {"kexec_load", CAP_SYS_BOOT},
    {"keyctl"},
    {"lookup_dcookie", CAP_SYS_ADMIN},
    {"mbind", CAP_SYS_NICE},
    {"migrate_pages", CAP_SYS_NICE},
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
    {"pidfd_getfd", CAP_SYS_PTRACE},
    {"pivot_root"},
    {"process_madvise", CAP_SYS_PTRACE},
    {"process_vm_readv", CAP_SYS_PTRACE},
    {"process_vm_writev", CAP_SYS_PTRACE},
    {"query_module", CAP_SYS_MODULE},
    {"quotactl", CAP_SYS_ADMIN},
    {"quotactl_fd", CAP_SYS_ADMIN},
    {"reboot", CAP_SYS_BOOT},
    {"request_key"},
    {"set_mempolicy", CAP_SYS_NICE},
    {"set_mempolicy_home_node", CAP_SYS_NICE},
    {"setdomainname", CAP_SYS_ADMIN},
    {"sethostname", CAP_SYS_ADMIN},
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
    // Lets a process stall the kernel at a page fault of its choosing, the
    // usual lever to win a kernel race; the kernel itself wants
    // CAP_SYS_PTRACE for it by default (vm.unprivileged_userfaultfd=0).
    {"userfaultfd", CAP_SYS_PTRACE},
    {"ustat"},
    {"vhangup", CAP_SYS_TTY_CONFIG},
    {"vm86"},
    {"vm86old"},
};

// socket() families refused. Creating a socket of a family loads its protocol
// module into the host's kernel (net-pf-N) when it is not loaded yet, so a
// container can reach code the host never uses. Kept: AF_UNIX, AF_INET,
// AF_INET6, AF_NETLINK, AF_PACKET (which needs NET_RAW), and the families a
// device or a VPN needs on an edge box (AF_CAN, AF_BLUETOOTH, AF_PPPOX,
// AF_KEY with NET_ADMIN, AF_XDP with NET_RAW and BPF).
constexpr int kSocketFamilies[] = {
    AF_AX25,        // amateur radio (with NETROM, ROSE): unmaintained, use-after-free bugs
    AF_IPX,         // legacy LAN protocol, removed from newer kernels
    AF_APPLETALK,   // legacy LAN protocol
    AF_NETROM,      // amateur radio
    AF_ATMPVC,      // ATM: no ATM hardware in a container's world
    AF_X25,         // legacy WAN protocol, past memory-safety bugs
    AF_ROSE,        // amateur radio
    AF_DECnet,      // legacy, removed from the kernel in 6.1
    AF_ATMSVC,      // ATM
    AF_RDS,         // a root escalation (CVE-2010-3904) and several since
    AF_IRDA,        // infrared, removed from the kernel
    AF_LLC,         // raw 802.2 LLC, nothing in a container speaks it
    AF_TIPC,        // cluster IPC with remotely reachable overflows (CVE-2021-43267)
    AF_IUCV,        // s390 hypervisor communication
    AF_RXRPC,       // AFS's transport, rarely loaded, bugs found by fuzzing
    AF_ISDN,        // ISDN, removed
    AF_PHONET,      // Nokia modem protocol
    AF_IEEE802154,  // low-rate radio, past memory-safety bugs
    AF_CAIF,        // ST-Ericsson modem protocol
    AF_ALG,         // the kernel's crypto API: a big surface programs do without
    AF_NFC,         // NFC, past use-after-free bugs
    AF_VSOCK,       // talks to the hypervisor and the host (docker refuses it too)
    AF_KCM,         // kernel connection multiplexor, little used, past bugs
    AF_QIPCRTR,     // Qualcomm modem IPC
    AF_SMC,         // IBM shared-memory communications, past use-after-free bugs
};

// SOCK_DCCP (any family): DCCP is obsolete and the module had a root
// escalation (CVE-2017-6074). Compared under SOCK_TYPE_MASK, so
// SOCK_NONBLOCK/SOCK_CLOEXEC do not hide it.
constexpr std::uint64_t kSockTypeMask = 0xf;

// personality() values docker allows: PER_LINUX, PER_LINUX32, each with
// UNAME26, and 0xffffffff (a query). Others (ADDR_NO_RANDOMIZE,
// READ_IMPLIES_EXEC, MMAP_PAGE_ZERO...) weaken the process's memory layout.
// The kernel reads the low 32 bits only, as the rules do.
constexpr std::uint32_t kPersonalityFlags = 0x20008;  // the bits the allowed values use

// clone with any of these flags creates namespaces.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};

bool keeps(const std::vector<int>& caps, int cap) {
  return cap >= 0 && std::find(caps.begin(), caps.end(), cap) != caps.end();
}

// One rule for the syscall on this ABI; false when the ABI lacks it.
// libseccomp takes the native number (negative for a syscall the native ABI
// lacks) and translates it for the context's ABI.
bool add(void* ctx, std::uint32_t arch, const char* name, std::uint32_t action,
         const std::vector<scmp_arg_cmp>& args = {}) {
  if (seccomp_syscall_resolve_name_arch(arch, name) < 0) return false;
  int nr = seccomp_syscall_resolve_name(name);
  int rc = seccomp_rule_add_exact_array(ctx, action, nr, static_cast<unsigned>(args.size()),
                                        args.data());
  if (rc < 0) throw Error::sys("add seccomp rule for", name, -rc);
  return true;
}

scmp_arg_cmp low32_eq(unsigned arg, std::uint64_t mask, std::uint64_t value) {
  return {arg, SCMP_CMP_MASKED_EQ, mask & 0xffffffffu, value};
}

void add_socket_rules(void* ctx, std::uint32_t arch, std::vector<std::string>* blocked) {
  bool any = false;
  for (int family : kSocketFamilies)
    any |= add(ctx, arch, "socket", SCMP_ACT_ERRNO(EPERM),
               {low32_eq(0, 0xffffffff, static_cast<std::uint64_t>(family))});
  any |= add(ctx, arch, "socket", SCMP_ACT_ERRNO(EPERM), {low32_eq(1, kSockTypeMask, SOCK_DCCP)});
  if (any && blocked) blocked->emplace_back("socket");
}

// Refused: any value with a bit outside kPersonalityFlags, but 0xffffffff.
// One comparison per rule (libseccomp's limit), so the set is cut in two on
// bit 0: with bit 0 set, any clear bit j proves the value is not 0xffffffff;
// with bit 0 clear, any set bit i outside the allowed ones proves it refused.
void add_personality_rules(void* ctx, std::uint32_t arch, std::vector<std::string>* blocked) {
  bool any = false;
  for (unsigned bit = 0; bit < 32; ++bit) {
    const std::uint64_t b = 1ull << bit;
    if (bit != 0)
      any |= add(ctx, arch, "personality", SCMP_ACT_ERRNO(EPERM), {low32_eq(0, 1 | b, 1)});
    if (bit != 0 && (kPersonalityFlags & b) == 0)
      any |= add(ctx, arch, "personality", SCMP_ACT_ERRNO(EPERM), {low32_eq(0, 1 | b, b)});
  }
  if (any && blocked) blocked->emplace_back("personality");
}

void add_namespace_rules(void* ctx, std::uint32_t arch, std::vector<std::string>* blocked) {
  // Plain fork/threads stay allowed: only clone calls asking for a namespace fail.
  bool any = false;
  for (unsigned long flag : kNamespaceFlags)
    any |=
        add(ctx, arch, "clone", SCMP_ACT_ERRNO(EPERM), {SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)});
  if (any && blocked) blocked->emplace_back("clone");
  // clone3 passes its flags in memory, which seccomp cannot read: ENOSYS makes
  // libc fall back to clone, where the flags are checked (docker does the same).
  if (add(ctx, arch, "clone3", SCMP_ACT_ERRNO(ENOSYS)) && blocked) blocked->emplace_back("clone3");
}

}  // namespace

void add_default_rules(void* ctx, std::uint32_t arch, const std::vector<int>& caps,
                       std::vector<std::string>* blocked) {
  for (const auto& b : kBlocked) {
    if (keeps(caps, b.cap1) || keeps(caps, b.cap2)) continue;
    if (add(ctx, arch, b.name, SCMP_ACT_ERRNO(EPERM)) && blocked) blocked->emplace_back(b.name);
  }
  add_socket_rules(ctx, arch, blocked);
  add_personality_rules(ctx, arch, blocked);
  if (!keeps(caps, CAP_SYS_ADMIN)) add_namespace_rules(ctx, arch, blocked);
}

std::string default_rules_text() {
  std::string f;
  for (const auto& b : kBlocked)
    f += std::string(b.name) + " " + std::to_string(b.cap1) + " " + std::to_string(b.cap2) + "\n";
  for (int family : kSocketFamilies) f += "af " + std::to_string(family) + "\n";
  f += "sock_type " + std::to_string(kSockTypeMask) + " " + std::to_string(SOCK_DCCP) + "\n";
  f += "personality " + std::to_string(kPersonalityFlags) + "\n";
  for (unsigned long flag : kNamespaceFlags) f += "ns " + std::to_string(flag) + "\n";
  return f;
}

}  // namespace lit::security::detail
