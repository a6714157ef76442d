#include "runtime/process/identity.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

std::uint64_t process_start_time(pid_t pid) {
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return 0;
  }
  // The command name (field 2) may contain spaces and ')': count fields after the last ')'.
  // (No iostreams: lit-shim links this file, and stays small.)
  auto at = stat.rfind(')');
  if (at == std::string::npos) return 0;
  for (int field = 2; field < 22; ++field) {  // at: the space before field + 1
    at = stat.find(' ', at + 1);
    if (at == std::string::npos) return 0;
  }
  std::uint64_t ticks = 0;
  const char* begin = stat.data() + at + 1;
  auto [end, ec] = std::from_chars(begin, stat.data() + stat.size(), ticks);
  return ec == std::errc() && end != begin ? ticks : 0;
}

UniqueFd open_pidfd(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) return {};
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd || process_start_time(pid) != start_time) return {};
  return fd;
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) return false;
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return false;
  }
  // A zombie has exited: it only waits for its parent (maybe slow) to reap it.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  if (state == 'Z' || state == 'X') return false;
  return process_start_time(pid) == start_time;
}

std::string current_boot_id() {
  static const std::string id = [] {
    try {
      std::string text = read_file("/proc/sys/kernel/random/boot_id");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    } catch (const Error&) {
      return std::string();
    }
  }();
  return id;
}

}  // namespace lit::runtime
