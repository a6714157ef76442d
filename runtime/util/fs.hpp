#pragma once
// File-system helpers shared by the runtime and the image store: RAII file
// descriptors and locks, atomic writes, small reads.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace lit {

namespace fs = std::filesystem;

// Owns one file descriptor; closes it on scope exit.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// An exclusive flock(2) on a lock file, held for the object's lifetime.
// Serializes concurrent lit commands on one object (a container, the store).
class FileLock {
 public:
  explicit FileLock(const fs::path& path);  // blocks until acquired
  static FileLock try_lock(const fs::path& path, bool& acquired);
  // For handing the lock to a child process (the lock lasts while any holder keeps it open).
  int fd() const { return fd_.get(); }

 private:
  FileLock() = default;
  UniqueFd fd_;
};

// Sync: fsync before the rename, so the new content survives a crash. NoSync:
// for short-lived state (a pid, a status) where an fsync costs more than it saves.
enum class Durability { Sync, NoSync };

// Writes content to path atomically: temporary file in the same directory,
// (fsync,) rename. A crash leaves the old or the new file, never a torn one.
void write_file_atomic(const fs::path& path, std::string_view content, unsigned mode = 0644,
                       Durability durability = Durability::Sync);

// Reads a whole file; throws lit::Error naming the path on failure.
std::string read_file(const fs::path& path);

// Writes a small string to an existing file (cgroup and proc knobs); no atomic rename.
void write_file(const fs::path& path, std::string_view content);

// rm -r: removes path and everything below it, never following a symlink; a
// missing path is fine. Leaner than std::filesystem::remove_all (an empty
// directory is removed without being opened); errors name the entry.
void remove_tree(const fs::path& path);

// mkdir -p with the given mode for created directories.
void make_dirs(const fs::path& path, unsigned mode = 0755);

// Marks dir as the top of unrelated directory trees for the filesystem's
// allocator (chattr +T; ext2/3/4 only): each new subdirectory then goes to a
// block group of its own choosing instead of its parent's. Without it, every
// container's directories land in one group, and on an ext4 without a journal
// each new inode's allocation scans past all inodes freed there in the last
// minutes, so creating a container got slower the more had run before.
// Returns false where the filesystem has no such flag (tmpfs, xfs, ...).
bool spread_subdirectories(const fs::path& dir) noexcept;

// A directory under the given parent, removed (recursively) on scope exit unless released.
class TempDir {
 public:
  explicit TempDir(const fs::path& parent, std::string_view prefix = "tmp-");
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path release() { return std::exchange(path_, {}); }

 private:
  fs::path path_;
};

}  // namespace lit
