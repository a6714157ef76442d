#include "runtime/security/apparmor_profile.hpp"

namespace lit::security {

std::string apparmor_profile_text(std::string_view name) {
  const std::string n(name);
  return "#include <tunables/global>\n"
         "\n"
         "profile " +
         n +
         " flags=(attach_disconnected,mediate_deleted) {\n"
         "  #include <abstractions/base>\n"
         "\n"
         "  network,\n"
         "  capability,\n"
         "  file,\n"
         "  umount,\n"
         "\n"
         "  # lit (unconfined) stops and signals the container's processes; they\n"
         "  # signal each other.\n"
         "  signal (receive) peer=unconfined,\n"
         "  signal (send,receive) peer=" +
         n +
         ",\n"
         "\n"
         "  deny mount,\n"
         "  deny pivot_root,\n"
         "\n"
         "  # /proc: writes only to the processes' own directories and to\n"
         "  # /proc/sys/kernel/shm* (namespaced); never the host's memory or sysrq.\n"
         "  deny @{PROC}/* w,\n"
         "  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** "
         "w,\n"
         "  deny @{PROC}/sys/[^k]** w,\n"
         "  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,\n"
         "  deny @{PROC}/sysrq-trigger rwklx,\n"
         "  deny @{PROC}/mem rwklx,\n"
         "  deny @{PROC}/kmem rwklx,\n"
         "  deny @{PROC}/kcore rwklx,\n"
         "\n"
         "  # /sys: read-only but the container's cgroup; security and EFI variables unreadable.\n"
         "  deny /sys/[^f]*/** wklx,\n"
         "  deny /sys/f[^s]*/** wklx,\n"
         "  deny /sys/fs/[^c]*/** wklx,\n"
         "  deny /sys/fs/c[^g]*/** wklx,\n"
         "  deny /sys/fs/cg[^r]*/** wklx,\n"
         "  deny /sys/firmware/efi/efivars/** rwklx,\n"
         "  deny /sys/kernel/security/** rwklx,\n"
         "\n"
         "  # ptrace only within the profile (a debugger in the container).\n"
         "  ptrace (trace,read,tracedby,readby) peer=" +
         n +
         ",\n"
         "}\n";
}

}  // namespace lit::security
