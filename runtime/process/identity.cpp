#include "runtime/process/identity.hpp"

#include <sstream>

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
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (in >> field); ++i) {
    if (i == 22) return std::stoull(field);
  }
  return 0;
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
