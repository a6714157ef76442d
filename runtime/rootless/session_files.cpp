#include "runtime/rootless/session_files.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::rootless {
namespace {

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  long pid = 0;
  return (in >> pid) && pid > 1 ? static_cast<pid_t>(pid) : 0;
}

// A record in dir: a directory (a container's), or a file ending in `suffix`
// (a network's .json); locks and temporary files are not.
bool has_records_in(const std::filesystem::path& dir, const std::string& suffix = {}) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != decltype(it)();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.front() == '.') continue;
    if (suffix.empty() ? it->is_directory(ec) : name.ends_with(suffix)) return true;
  }
  return false;
}

void stop(pid_t pid, const std::string& name) noexcept {
  if (pid > 0 && is_own_process(pid, name)) ::kill(pid, SIGTERM);
}

}  // namespace

bool is_own_process(pid_t pid, const std::string& name) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream comm(proc + "/comm");
  std::string got;
  if (!std::getline(comm, got) || got != name) return false;
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::stol(line.substr(4)) == ::getuid();
  }
  return false;
}

void SessionFiles::make_dir() const {
  make_dirs(dir_.parent_path(), 0700);
  make_dirs(dir_, 0700);
}

pid_t SessionFiles::live_pause() const {
  pid_t pid = read_pid(pause_pid_file());
  if (pid <= 0 || !is_own_process(pid, "lit-pause")) return 0;
  // Killed but not reaped (a zombie keeps its name, not its namespaces): gone.
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("State:", 0) == 0) return line.find('Z') == std::string::npos ? pid : 0;
  }
  return 0;
}

bool SessionFiles::has_records(const std::filesystem::path& root) const {
  return has_records_in(root / "containers") || has_records_in(root / "networks", ".json") ||
         has_records_in(dir_.parent_path() / "containers");
}

void SessionFiles::stop_session() const noexcept {
  pid_t link = read_pid(link_pid_file());
  // pasta runs as passt.avx2 where the CPU has AVX2 (Debian's passt execs it).
  for (const char* name : {"pasta", "pasta.avx2", "passt", "passt.avx2", "slirp4netns"})
    stop(link, name);
  stop(read_pid(pause_pid_file()), "lit-pause");
  std::error_code ec;
  std::filesystem::remove(link_pid_file(), ec);
  std::filesystem::remove(pause_pid_file(), ec);
}

}  // namespace lit::rootless
