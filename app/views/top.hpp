#pragma once
// `lit container top`: the processes of a container's cgroup, read from /proc and
// shown as `ps -ef` shows them (UID PID PPID C STIME TTY TIME CMD), as docker does.
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lit::app {

// What /proc/<pid>/{stat,status,cmdline} say about one process.
struct ProcessInfo {
  pid_t pid = 0, ppid = 0;
  uid_t uid = 0;  // effective uid, which ps -ef shows
  char state = '?';
  std::string comm;
  std::vector<std::string> args;  // empty for kernel threads and zombies
  std::uint64_t cpu_ticks = 0;    // utime + stime
  std::uint64_t start_ticks = 0;  // since boot
  unsigned tty_nr = 0;
};

// Reads one process under proc_root; nullopt when it is gone (it may exit any time).
std::optional<ProcessInfo> read_process(const std::filesystem::path& proc_root, pid_t pid);

// The clock facts that turn ticks into ps's columns.
struct ProcClock {
  std::time_t boot_time = 0;  // /proc/stat btime
  std::time_t now = 0;
  long ticks_per_second = 100;
};
ProcClock host_clock(const std::filesystem::path& proc_root = "/proc");

// ps's columns, each as procps formats it.
std::string ps_stime(std::time_t start, std::time_t now);  // "14:05", "Nov25" or "2024"
std::string ps_time(std::uint64_t cpu_seconds);            // "00:01:02" or "2-03:04:05"
std::string ps_tty(unsigned tty_nr);                       // "?", "pts/0", "tty1"
unsigned ps_cpu_percent(const ProcessInfo& p, const ProcClock& clock);  // C: 0..99

using UserName = std::function<std::string(uid_t)>;
// The host's user name for uid (what ps on the host prints), else the number.
std::string host_user_name(uid_t uid);

inline const std::vector<std::string> kTopTitles = {"UID",   "PID", "PPID", "C",
                                                    "STIME", "TTY", "TIME", "CMD"};

std::vector<std::string> top_row(const ProcessInfo& p, const ProcClock& clock,
                                 const UserName& user = host_user_name);

// The rows for the given pids, by pid; processes gone meanwhile are left out.
std::vector<std::vector<std::string>> top_rows(const std::vector<pid_t>& pids,
                                               const std::filesystem::path& proc_root = "/proc");

}  // namespace lit::app
