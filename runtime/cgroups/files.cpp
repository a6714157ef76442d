#include "runtime/cgroups/files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {

void validate_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos) {
    throw Error("invalid cgroup id", "\"" + id + "\"", 0,
                "a cgroup id is one path component, like a container id");
  }
}

namespace {

// write_knob's errors: a missing file is a missing controller.
[[noreturn]] void knob_failed(Error& e, const fs::path& dir, const std::string& file,
                              const std::string& what) {
  const fs::path path = dir / file;
  if (e.err() == ENOENT && fs::exists(dir)) {
    throw Error("set " + what + ": " + path.string() + " does not exist", {}, 0,
                "the kernel's cgroup controller for it is not enabled on this host");
  }
  if (e.err() == EBUSY && file.starts_with("memory.")) {
    e.with_hint("the memory limit is below what the cgroup uses now");
  }
  throw e.context("set " + what);
}

}  // namespace

void write_knob_each(const fs::path& dir, const std::string& file,
                     const std::vector<std::string>& values, const std::string& what) {
  const fs::path path = dir / file;
  try {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw Error::sys("open", path.string(), errno);
    for (const auto& v : values) {
      if (::write(fd.get(), v.data(), v.size()) != static_cast<ssize_t>(v.size()))
        throw Error::sys("write " + v + " to", path.string(), errno);
    }
  } catch (Error& e) {
    knob_failed(e, dir, file, what);
  }
}

void write_knob(const fs::path& dir, const std::string& file, std::string_view value,
                const std::string& what) {
  try {
    write_file(dir / file, value);
  } catch (Error& e) {
    knob_failed(e, dir, file, what);
  }
}

std::vector<pid_t> read_pids(const fs::path& procs_file) {
  std::vector<pid_t> pids;
  std::string text;
  try {
    text = read_file(procs_file);
  } catch (const Error& e) {
    if (e.err() == ENOENT || e.err() == ENODEV) return pids;
    throw;
  }
  std::istringstream in(text);
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

namespace {

// A knob's text, or nothing when the file does not exist (controller absent).
std::optional<std::string> read_knob(const fs::path& file) {
  try {
    return read_file(file);
  } catch (const Error& e) {
    if (e.err() == ENOENT) return std::nullopt;
    throw;
  }
}

}  // namespace

std::optional<std::uint64_t> read_number(const fs::path& file) {
  auto text = read_knob(file);
  if (!text) return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> read_keyed(const fs::path& file, std::string_view key) {
  auto text = read_knob(file);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string k;
  std::uint64_t v;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> list_dirs(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t cpu_quota_us(double cpus) {
  auto quota = static_cast<std::int64_t>(std::llround(cpus * static_cast<double>(kCpuPeriodUs)));
  // The kernel refuses quotas under 1ms.
  if (quota < 1000) {
    throw Error("cpu limit too small", std::to_string(cpus) + " cpus", 0, "use at least 0.01 cpus");
  }
  return quota;
}

namespace {

// One pass: kill what is listed, try to remove every directory. True when all are gone.
bool kill_pass(const std::vector<fs::path>& dirs, int& last_err) {
  bool all_gone = true;
  for (const auto& dir : dirs) {
    for (pid_t pid : read_pids(dir / "cgroup.procs")) {
      if (pid > 0) ::kill(pid, SIGKILL);
    }
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
    last_err = errno;
    all_gone = false;
  }
  return all_gone;
}

}  // namespace

void write_until(const fs::path& dir, const std::string& file, std::string_view value,
                 const std::string& what, const std::function<bool()>& done) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(5);
  for (int pass = 0;; ++pass) {
    if (pass % 10 == 0) write_knob(dir, file, value, what);
    if (done()) return;
    if (clock::now() > deadline)
      throw Error(what + ": the kernel did not report it done in 5 seconds", (dir / file).string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {

// v2's cgroup.kill (5.14+), where there is one: SIGKILL to every process in it.
void write_kill_file(const fs::path& kill_file) {
  std::error_code ec;
  if (kill_file.empty() || !fs::exists(kill_file, ec)) return;
  try {
    write_file(kill_file, "1");
  } catch (const Error& e) {
    if (e.err() != ENOENT && e.err() != ENODEV) throw;  // removed meanwhile
  }
}

}  // namespace

void kill_all(const fs::path& dir) {
  write_kill_file(dir / "cgroup.kill");
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto pids = read_pids(dir / "cgroup.procs");
    if (pids.empty()) return;
    if (clock::now() > deadline)
      throw Error("kill the processes of cgroup " + dir.string() + ": " +
                  std::to_string(pids.size()) + " still there after 5 seconds");
    for (pid_t pid : pids)
      if (pid > 0) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {

// The shared `lit` parent goes with its last child, so nothing of lit stays
// on the host; busy (other containers) or already gone is fine.
void remove_lit_parents(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs) {
    if (dir.parent_path().filename() == "lit") ::rmdir(dir.parent_path().c_str());
  }
}

}  // namespace

bool remove_if_empty(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs)
    if (::rmdir(dir.c_str()) < 0 && errno != ENOENT) return false;
  remove_lit_parents(dirs);
  return true;
}

void kill_and_remove(const std::vector<fs::path>& dirs, const fs::path& kill_file) {
  if (remove_if_empty(dirs)) return;
  write_kill_file(kill_file);
  // rmdir is the real condition: it fails with EBUSY while a task still lives
  // inside, even after cgroup.procs stops listing it (exiting tasks).
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(5);
  int last_err = 0;
  while (!kill_pass(dirs, last_err)) {
    if (last_err != EBUSY || clock::now() > deadline) {
      for (const auto& dir : dirs) {
        if (fs::exists(dir)) throw Error::sys("remove cgroup", dir.string(), last_err);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  remove_lit_parents(dirs);
}

}  // namespace lit::cgroups
