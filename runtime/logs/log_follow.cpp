// `lit logs -f`: tail the live log file, across rotations, woken by inotify on the
// log directory (one watch sees both appends and the rename of a rotation).
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/logs/log_reader.hpp"
#include "runtime/util/error.hpp"

namespace lit::shim {

LogFollower::LogFollower(std::filesystem::path path, std::optional<LogCursor> cursor)
    : path_(std::move(path)), inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (!inotify_) throw Error::sys("inotify_init1", path_.string(), errno);
  const auto dir = path_.parent_path().empty() ? std::filesystem::path(".") : path_.parent_path();
  if (::inotify_add_watch(inotify_.get(), dir.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM) < 0)
    throw Error::sys("watch log directory", dir.string(), errno);
  if (!cursor) {
    open_live(true);
    return;
  }
  open_live(false);
  if (file_ && dev_ == cursor->dev && ino_ == cursor->ino) {
    offset_ = cursor->offset;
    return;
  }
  // Rotated since the cursor was taken: finish the file it named first (now .1).
  std::filesystem::path rotated = path_;
  rotated += ".1";
  UniqueFd old(::open(rotated.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (old && ::fstat(old.get(), &st) == 0 && st.st_dev == cursor->dev && st.st_ino == cursor->ino) {
    file_ = std::move(old);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = cursor->offset;
  }
}

void LogFollower::open_live(bool at_end) {
  file_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  offset_ = 0;
  carry_.clear();
  if (!file_) {
    if (errno != ENOENT) throw Error::sys("open log file", path_.string(), errno);
    return;  // not written yet: poll() opens it when it appears
  }
  struct stat st {};
  if (::fstat(file_.get(), &st) < 0) throw Error::sys("stat log file", path_.string(), errno);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  if (at_end) offset_ = static_cast<uint64_t>(st.st_size);
}

void LogFollower::read_available(const LogQuery& q, std::vector<LogEntry>& out) {
  if (!file_) return;
  struct stat st {};
  if (::fstat(file_.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) < offset_) {
    offset_ = 0;  // truncated (max-file=1 starts its one file over)
    carry_.clear();
  }
  char buf[64 * 1024];
  LogEntry e;
  for (;;) {
    const ssize_t n = ::pread(file_.get(), buf, sizeof buf, static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::sys("read log file", path_.string(), errno);
    if (n == 0) return;
    offset_ += static_cast<uint64_t>(n);
    carry_.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = carry_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!parse_log_line(std::string_view(carry_).substr(start, nl - start), e)) continue;
      if (e.time_ns >= q.since_ns && (q.until_ns == 0 || e.time_ns < q.until_ns) &&
          (e.stream == Stream::Stderr ? q.want_stderr : q.want_stdout))
        out.push_back(std::move(e));
    }
    carry_.erase(0, start);
  }
}

std::vector<LogEntry> LogFollower::poll(const LogQuery& q) {
  std::vector<LogEntry> out;
  read_available(q, out);
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && (!file_ || st.st_dev != dev_ || st.st_ino != ino_)) {
    // Rotated: the old file is complete now (read it to its end above), the new one
    // holds everything after it.
    read_available(q, out);
    open_live(false);
    read_available(q, out);
  }
  return out;
}

bool LogFollower::wait(int timeout_ms) {
  pollfd p{inotify_.get(), POLLIN, 0};
  int rc;
  while ((rc = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (rc < 0) throw Error::sys("wait for log changes", path_.string(), errno);
  alignas(inotify_event) char buf[4096];
  while (::read(inotify_.get(), buf, sizeof buf) > 0) {
  }
  return rc > 0;
}

}  // namespace lit::shim
