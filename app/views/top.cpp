// `lit container top`: /proc parsing and procps' formatting of ps -ef's columns.
#include "app/views/top.hpp"

#include <pwd.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_optional(const fs::path& p) {
  try {
    return read_file(p);
  } catch (const Error&) {
    return std::nullopt;  // the process exited between listing and reading
  }
}

// Fields 3.. of /proc/<pid>/stat (the name in field 2 may hold spaces and ')').
bool parse_stat(const std::string& stat, ProcessInfo& p) {
  auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  p.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> f{"", "", ""};  // index = field number
  for (std::string w; in >> w;) f.push_back(w);
  if (f.size() <= 22) return false;
  try {
    p.state = f[3].empty() ? '?' : f[3][0];
    p.ppid = static_cast<pid_t>(std::stol(f[4]));
    p.tty_nr = static_cast<unsigned>(std::stoul(f[7]));
    p.cpu_ticks = std::stoull(f[14]) + std::stoull(f[15]);
    p.start_ticks = std::stoull(f[22]);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

uid_t effective_uid(const std::string& status) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("Uid:")) continue;
    std::istringstream ids(line.substr(4));
    unsigned long real = 0, effective = 0;
    if (ids >> real >> effective) return static_cast<uid_t>(effective);
  }
  return 0;
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<ProcessInfo> read_process(const fs::path& proc_root, pid_t pid) {
  const fs::path dir = proc_root / std::to_string(pid);
  auto stat = read_optional(dir / "stat");
  auto status = read_optional(dir / "status");
  auto cmdline = read_optional(dir / "cmdline");
  ProcessInfo p;
  p.pid = pid;
  if (!stat || !status || !cmdline || !parse_stat(*stat, p)) return std::nullopt;
  p.uid = effective_uid(*status);
  p.args = split_nul(*cmdline);
  return p;
}

ProcClock host_clock(const fs::path& proc_root) {
  ProcClock c;
  c.now = std::time(nullptr);
  c.ticks_per_second = ::sysconf(_SC_CLK_TCK);
  std::istringstream in(read_file(proc_root / "stat"));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("btime "))
      c.boot_time = static_cast<std::time_t>(std::stoll(line.substr(6)));
  }
  return c;
}

std::string ps_stime(std::time_t start, std::time_t now) {
  std::tm then{}, today{};
  localtime_r(&start, &then);
  localtime_r(&now, &today);
  const char* fmt = "%H:%M";
  if (then.tm_yday != today.tm_yday) fmt = "%b%d";
  if (then.tm_year != today.tm_year) fmt = "%Y";
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &then);
  return buf;
}

std::string ps_time(std::uint64_t s) {
  char buf[48];
  const auto days = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (days > 0) {
    std::snprintf(buf, sizeof buf, "%llu-%02llu:%02llu:%02llu",
                  static_cast<unsigned long long>(days), static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(sec));
  } else {
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(sec));
  }
  return buf;
}

std::string ps_tty(unsigned tty_nr) {
  if (tty_nr == 0) return "?";
  // /proc/<pid>/stat encodes the device as the kernel's new_encode_dev does.
  const unsigned major = (tty_nr >> 8) & 0xfff,
                 minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return "tty" + std::to_string(minor);
  if (major == 4) return "ttyS" + std::to_string(minor - 64);
  return "?";
}

unsigned ps_cpu_percent(const ProcessInfo& p, const ProcClock& clock) {
  const long hz = clock.ticks_per_second > 0 ? clock.ticks_per_second : 100;
  const std::time_t started = clock.boot_time + static_cast<std::time_t>(p.start_ticks / hz);
  const std::time_t seconds = clock.now - started;
  if (seconds <= 0) return 0;
  const auto pcpu =
      p.cpu_ticks * 100 / static_cast<std::uint64_t>(hz) / static_cast<std::uint64_t>(seconds);
  return static_cast<unsigned>(std::min<std::uint64_t>(pcpu, 99));
}

std::string host_user_name(uid_t uid) {
  passwd pw{}, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

std::vector<std::string> top_row(const ProcessInfo& p, const ProcClock& clock,
                                 const UserName& user) {
  const long hz = clock.ticks_per_second > 0 ? clock.ticks_per_second : 100;
  std::string cmd;
  for (const auto& a : p.args) cmd += (cmd.empty() ? "" : " ") + a;
  if (cmd.empty()) cmd = "[" + p.comm + "]";  // as ps shows processes without a command line
  if (p.state == 'Z') cmd += " <defunct>";
  const std::time_t started = clock.boot_time + static_cast<std::time_t>(p.start_ticks / hz);
  return {user(p.uid),
          std::to_string(p.pid),
          std::to_string(p.ppid),
          std::to_string(ps_cpu_percent(p, clock)),
          ps_stime(started, clock.now),
          ps_tty(p.tty_nr),
          ps_time(p.cpu_ticks / static_cast<std::uint64_t>(hz)),
          cmd};
}

std::vector<std::vector<std::string>> top_rows(const std::vector<pid_t>& pids,
                                               const fs::path& proc_root) {
  std::vector<pid_t> sorted = pids;
  std::sort(sorted.begin(), sorted.end());
  const ProcClock clock = host_clock(proc_root);
  std::vector<std::vector<std::string>> rows;
  for (pid_t pid : sorted) {
    if (auto p = read_process(proc_root, pid)) rows.push_back(top_row(*p, clock));
  }
  return rows;
}

}  // namespace lit::app
