#include "runtime/security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <set>

#include "runtime/security/security.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::security {
namespace {

// Indexed by capability number, as in <linux/capability.h>.
constexpr std::array<std::string_view, 41> kNames = {"CHOWN",
                                                     "DAC_OVERRIDE",
                                                     "DAC_READ_SEARCH",
                                                     "FOWNER",
                                                     "FSETID",
                                                     "KILL",
                                                     "SETGID",
                                                     "SETUID",
                                                     "SETPCAP",
                                                     "LINUX_IMMUTABLE",
                                                     "NET_BIND_SERVICE",
                                                     "NET_BROADCAST",
                                                     "NET_ADMIN",
                                                     "NET_RAW",
                                                     "IPC_LOCK",
                                                     "IPC_OWNER",
                                                     "SYS_MODULE",
                                                     "SYS_RAWIO",
                                                     "SYS_CHROOT",
                                                     "SYS_PTRACE",
                                                     "SYS_PACCT",
                                                     "SYS_ADMIN",
                                                     "SYS_BOOT",
                                                     "SYS_NICE",
                                                     "SYS_RESOURCE",
                                                     "SYS_TIME",
                                                     "SYS_TTY_CONFIG",
                                                     "MKNOD",
                                                     "LEASE",
                                                     "AUDIT_WRITE",
                                                     "AUDIT_CONTROL",
                                                     "SETFCAP",
                                                     "MAC_OVERRIDE",
                                                     "MAC_ADMIN",
                                                     "SYSLOG",
                                                     "WAKE_ALARM",
                                                     "BLOCK_SUSPEND",
                                                     "AUDIT_READ",
                                                     "PERFMON",
                                                     "BPF",
                                                     "CHECKPOINT_RESTORE"};
static_assert(kNames.size() == CAP_LAST_CAP + 1);

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int last_capability() {
  // Read once: the init asks for every capability it drops (~80 reads before exec).
  static const int last = [] {
    try {
      int n = std::stoi(read_file("/proc/sys/kernel/cap_last_cap"));
      if (n > 0 && n < 64) return n;
    } catch (const std::exception&) {
      // Without /proc (unusual), fall back to what lit was built against.
    }
    return CAP_LAST_CAP;
  }();
  return last;
}

std::optional<int> capability_from_name(std::string_view name) {
  std::string n = upper(name);
  if (n.starts_with("CAP_")) n.erase(0, 4);
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == n) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string capability_name(int cap) {
  if (cap >= 0 && static_cast<size_t>(cap) < kNames.size()) return std::string(kNames[cap]);
  return "CAP_" + std::to_string(cap);
}

void drop_bounding_set(const std::vector<int>& keep) {
  for (int c = 0; c <= last_capability(); ++c) {
    if (std::find(keep.begin(), keep.end(), c) != keep.end()) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
      throw Error::sys("drop capability from the bounding set", capability_name(c), errno);
    }
  }
}

std::vector<int> permitted_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) < 0) {
    throw Error::sys("get capabilities", "capget", errno);
  }
  std::vector<int> out;
  for (int c = 0; c < 32 * _LINUX_CAPABILITY_U32S_3; ++c) {
    if (data[CAP_TO_INDEX(c)].permitted & CAP_TO_MASK(c)) out.push_back(c);
  }
  return out;
}

void set_capabilities(const std::vector<int>& caps) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  for (int c : caps) {
    data[CAP_TO_INDEX(c)].effective |= CAP_TO_MASK(c);
    data[CAP_TO_INDEX(c)].permitted |= CAP_TO_MASK(c);
  }
  if (::syscall(SYS_capset, &header, data.data()) < 0) {
    throw Error::sys("set capabilities", "capset", errno);
  }
}

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
      "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
      "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
      "KILL",    "AUDIT_WRITE"};
  return caps;
}

namespace {

bool is_all(const std::string& name) { return upper(name) == "ALL"; }

int lookup(const std::string& name, const char* flag) {
  auto c = capability_from_name(name);
  if (!c) {
    throw Error("unknown capability", "\"" + name + "\"", 0,
                std::string("in ") + flag +
                    ": use a name like NET_ADMIN or CAP_NET_ADMIN (see capabilities(7)), or ALL");
  }
  return *c;
}

}  // namespace

std::vector<int> resolve_capabilities(const runtime::SecuritySpec& spec) {
  std::set<int> all;
  for (int c = 0; c <= last_capability(); ++c) all.insert(c);
  if (spec.privileged) return {all.begin(), all.end()};
  // Validate every name first, so a typo is reported even next to ALL.
  std::set<int> drop, add;
  bool drop_all = false, add_all = false;
  for (const auto& n : spec.cap_drop) {
    if (is_all(n))
      drop_all = true;
    else
      drop.insert(lookup(n, "cap_drop"));
  }
  for (const auto& n : spec.cap_add) {
    if (is_all(n))
      add_all = true;
    else
      add.insert(lookup(n, "cap_add"));
  }

  std::set<int> caps;
  if (add_all) {
    // Docker: --cap-add ALL gives everything except what is dropped by name.
    for (int c : all) {
      if (!drop.contains(c)) caps.insert(c);
    }
  } else {
    if (!drop_all) {
      for (const auto& n : default_capabilities()) {
        int c = *capability_from_name(n);
        if (!drop.contains(c)) caps.insert(c);
      }
    }
    caps.insert(add.begin(), add.end());  // cap_add wins over cap_drop, as in docker
  }
  return {caps.begin(), caps.end()};
}

}  // namespace lit::security
