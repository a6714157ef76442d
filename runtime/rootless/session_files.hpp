#pragma once
// A rootless session's files under the user's run root (<run_root>/session):
// its lock, lit-pause's pid and the pid of the process that joins its network
// namespace to the host (pasta or slirp4netns). Each pid is checked against the
// process's name and owner before it is trusted or signalled.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace lit::rootless {

class SessionFiles {
 public:
  explicit SessionFiles(const std::filesystem::path& run_root) : dir_(run_root / "session") {}

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path lock() const { return dir_ / "lock"; }
  std::filesystem::path pause_pid_file() const { return dir_ / "pause.pid"; }
  std::filesystem::path link_pid_file() const { return dir_ / "link.pid"; }

  // The run root (0700) and the session directory.
  void make_dir() const;
  // lit-pause's pid when it runs (by the pid file, its name and this user, and
  // not a zombie: one killed keeps its name, not its namespaces), else 0.
  pid_t live_pause() const;
  // A container or network record under root, or a foreground container's under the run root.
  bool has_records(const std::filesystem::path& root) const;
  // Stops lit-pause and the link process (SIGTERM, by the checked pids) and removes their pid
  // files.
  void stop_session() const noexcept;

 private:
  std::filesystem::path dir_;
};

// Makes the session: lit-pause in a new user namespace mapped by newuidmap and
// newgidmap (the user's id to 0, their /etc/subuid range above), holding new
// mount and network namespaces, and the link to the host. Returns lit-pause's pid.
pid_t create_session(const SessionFiles& files);

// The process of `pid` when its name (comm) is `name` and its owner is the real
// uid of this process's creator (the user), else false.
bool is_own_process(pid_t pid, const std::string& name);

}  // namespace lit::rootless
