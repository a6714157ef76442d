#include "runtime/events/journal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <thread>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {

namespace {

fs::path rotated(const fs::path& journal) { return fs::path(journal.string() + ".1"); }

UniqueFd open_for_append(const fs::path& journal) {
  const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
  UniqueFd fd(::open(journal.c_str(), flags, 0600));
  if (!fd && errno == ENOENT) {
    make_dirs(journal.parent_path(), 0700);
    fd.reset(::open(journal.c_str(), flags, 0600));
  }
  if (!fd) throw Error::sys("open the event journal", journal.string(), errno);
  return fd;
}

// Moves a full journal aside; under a lock, so that of two writers finding it
// full only one renames it (the other then appends to the new file).
void rotate(const fs::path& journal, const struct stat& full, std::uint64_t incoming,
            std::uint64_t max_bytes) {
  FileLock lock(fs::path(journal.string() + ".lock"));
  struct stat now {};
  if (::stat(journal.c_str(), &now) != 0 || now.st_ino != full.st_ino ||
      static_cast<std::uint64_t>(now.st_size) + incoming <= max_bytes)
    return;  // another writer rotated it meanwhile
  if (::rename(journal.c_str(), rotated(journal).c_str()) != 0)
    throw Error::sys("rotate the event journal", journal.string(), errno);
}

}  // namespace

fs::path event_journal(const Paths& paths) { return paths.run_root / "events.jsonl"; }

void append_event(const fs::path& journal, const Event& event, std::uint64_t max_bytes) {
  const std::string line = encode_event(event) + "\n";
  UniqueFd fd = open_for_append(journal);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error::sys("stat", journal.string(), errno);
  if (st.st_size > 0 && static_cast<std::uint64_t>(st.st_size) + line.size() > max_bytes) {
    rotate(journal, st, line.size(), max_bytes);
    fd = open_for_append(journal);
  }
  // One write: with O_APPEND the line lands whole after every other writer's.
  if (!write_all(fd.get(), line)) throw Error::sys("append to", journal.string(), errno);
  JournalCounter(journal).bump();  // whoever waits for the next event looks now
}

void record_event(const Paths& paths, Event event) noexcept {
  try {
    if (event.time_ns == 0) event.time_ns = shim::now_ns();
    append_event(event_journal(paths), event);
  } catch (const std::exception& e) {
    spdlog::debug("record the {} event of {}: {}", event.action, event.id, e.what());
  }
}

Event container_event(const ContainerRecord& record, std::string action,
                      const std::map<std::string, std::string>& extra) {
  Event e;
  e.type = "container";
  e.action = std::move(action);
  e.id = record.id;
  e.attributes = record.labels;
  e.attributes["image"] = record.image;
  e.attributes["name"] = record.name;
  for (const auto& [k, v] : extra) e.attributes[k] = v;
  return e;
}

void record_container_event(const Paths& paths, const ContainerRecord& record, std::string action,
                            const std::map<std::string, std::string>& extra) noexcept {
  try {
    record_event(paths, container_event(record, std::move(action), extra));
  } catch (const std::exception& e) {  // allocation: the operation matters more
    spdlog::debug("record an event of {}: {}", record.name, e.what());
  }
}

namespace {

// Reads one journal file from where it was left, line by line, across its
// rotation: the file the path names is checked after each read.
class JournalReader {
 public:
  JournalReader(fs::path path, std::function<void(const Event&)> each)
      : path_(std::move(path)), each_(std::move(each)) {}

  // Opens the file the path names now; at its end to see only what comes next.
  void open(bool at_end) {
    fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    partial_.clear();
    if (!fd_) return;
    struct stat st {};
    ::fstat(fd_.get(), &st);
    ino_ = st.st_ino;
    if (at_end) ::lseek(fd_.get(), 0, SEEK_END);
  }

  // Everything appended since the last call; then, if the path names a new
  // file (rotated), that one from its start.
  void read_new() {
    if (!fd_) {
      open(false);  // made after we started: all of it is new
      if (!fd_) return;
    }
    drain();
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && st.st_ino != ino_) {
      drain();  // a writer may have finished its line in the old one
      // Rotated twice since the last read: the generation between is unread.
      struct stat older {};
      if (::stat(rotated(path_).c_str(), &older) == 0 && older.st_ino != ino_) {
        JournalReader between(rotated(path_), each_);
        between.open(false);
        between.drain();
      }
      open(false);
      drain();
    }
  }

 private:
  void drain() {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd_.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      partial_.append(buf, static_cast<size_t>(n));
      size_t at = 0;
      for (size_t nl; (nl = partial_.find('\n', at)) != std::string::npos; at = nl + 1)
        if (auto e = decode_event(std::string_view(partial_).substr(at, nl - at))) each_(*e);
      partial_.erase(0, at);
    }
  }

  fs::path path_;
  std::function<void(const Event&)> each_;
  UniqueFd fd_;
  ino_t ino_ = 0;
  std::string partial_;  // a line whose end is not written yet
};

void read_file_events(const fs::path& path, const std::function<void(const Event&)>& each) {
  JournalReader r(path, each);
  r.open(false);
  r.read_new();
}

// Waits for the journal's directory to change, at most `ms`; false when
// cancel_fd became readable.
bool wait_change(int inotify, int cancel_fd, int ms) {
  pollfd fds[2] = {{inotify, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
  int n = ::poll(fds, cancel_fd >= 0 ? 2 : 1, ms);
  if (n < 0 && errno != EINTR) throw Error::sys("wait for events", "", errno);
  if (n > 0 && cancel_fd >= 0 && fds[1].revents != 0) return false;
  if (n > 0 && fds[0].revents != 0) {
    char buf[4096];
    while (::read(inotify, buf, sizeof buf) > 0) {
    }
  }
  return true;
}

}  // namespace

void read_events(const fs::path& journal, const EventWindow& window, int cancel_fd,
                 const std::function<void(const Event&)>& each) {
  auto in_window = [&](const Event& e) {
    if (window.since_ns && e.time_ns < *window.since_ns) return;
    if (window.until_ns && e.time_ns > *window.until_ns) return;
    each(e);
  };
  const bool history = window.since_ns || window.until_ns;
  // Watch first: what is appended while the history is read wakes us. Not
  // for a window that has ended: its close would cost an SRCU grace period
  // (see journal_counter.hpp) for nothing.
  make_dirs(journal.parent_path(), 0700);
  UniqueFd inotify;
  if (!window.until_ns || *window.until_ns > shim::now_ns()) {
    inotify.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify) throw Error::sys("watch the event journal", journal.string(), errno);
    if (::inotify_add_watch(inotify.get(), journal.parent_path().c_str(),
                            IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
      throw Error::sys("watch the event journal", journal.parent_path().string(), errno);
  }
  JournalReader current(journal, in_window);
  if (history) read_file_events(rotated(journal), in_window);
  current.open(!history);
  if (history) current.read_new();
  for (;;) {
    int ms = 1000;  // a wake-up missed (another mount's writer) costs at most this
    if (window.until_ns) {
      int64_t left = *window.until_ns - shim::now_ns();
      if (left < 0) break;
      ms = static_cast<int>(std::min<int64_t>(ms, left / 1'000'000 + 1));
    }
    if (!inotify) break;  // the window ended while its history was read
    if (!wait_change(inotify.get(), cancel_fd, ms)) return;
    current.read_new();
  }
  current.read_new();
}

JournalWatch::JournalWatch(const Paths& paths) noexcept
    : counter_(event_journal(paths)), seen_(counter_.load()) {}

void JournalWatch::wait(std::chrono::milliseconds at_most) {
  if (!counter_.valid()) {
    std::this_thread::sleep_for(at_most);
    return;
  }
  if (!interrupted_.exchange(false) && counter_.load() == seen_)
    counter_.wait_while(seen_, at_most);
  interrupted_.store(false);
  seen_ = counter_.load();
}

void JournalWatch::interrupt() noexcept {
  interrupted_.store(true);
  // A bump, not a bare wake: a wait() about to sleep sees the counter moved.
  // Other processes' waiters take one more look, for nothing.
  counter_.bump();
}

}  // namespace lit::runtime
