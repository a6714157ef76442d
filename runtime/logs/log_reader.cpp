#include "runtime/logs/log_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/util/error.hpp"

namespace lit::shim {

namespace {

constexpr size_t kChunk = 64 * 1024;

bool wanted(const LogEntry& e, const LogQuery& q) {
  if (e.time_ns < q.since_ns) return false;
  if (q.until_ns != 0 && e.time_ns >= q.until_ns) return false;
  return e.stream == Stream::Stderr ? q.want_stderr : q.want_stdout;
}

size_t pread_some(int fd, char* buf, size_t len, uint64_t off, const std::filesystem::path& p) {
  for (;;) {
    const ssize_t n = ::pread(fd, buf, len, static_cast<off_t>(off));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw Error::sys("read log file", p.string(), errno);
  }
}

// Reads [0, size) forward; returns the offset just past the last complete line.
uint64_t read_forward(int fd, uint64_t size, const std::filesystem::path& p, const LogQuery& q,
                      std::vector<LogEntry>& out) {
  std::string buf;
  uint64_t off = 0, done = 0;
  LogEntry e;
  while (off < size) {
    const size_t old = buf.size();
    buf.resize(old + kChunk);
    const size_t n =
        pread_some(fd, buf.data() + old, std::min<uint64_t>(kChunk, size - off), off, p);
    buf.resize(old + n);
    if (n == 0) break;
    off += n;
    size_t start = 0;
    for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (parse_log_line(std::string_view(buf).substr(start, nl - start), e) && wanted(e, q))
        out.push_back(std::move(e));
    }
    done += start;
    buf.erase(0, start);
  }
  return done;
}

// Reads the file backwards in chunks, newest line first, until want entries match
// or an entry older than since shows up. Returns false once the caller should stop.
bool read_backward(int fd, uint64_t size, const std::filesystem::path& p, const LogQuery& q,
                   size_t want, std::vector<LogEntry>& newest_first, uint64_t* complete_end) {
  std::string buf;  // the not yet consumed head of [0, off)
  uint64_t off = size;
  bool skipped_tail = false;
  LogEntry e;
  while (off > 0 || !buf.empty()) {
    if (off > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, off));
      off -= n;
      std::string chunk(n, '\0');
      chunk.resize(pread_some(fd, chunk.data(), n, off, p));
      buf.insert(0, chunk);
    }
    // Lines fully inside buf: everything after the first newline (or all at the start).
    size_t end = buf.size();
    for (;;) {
      const size_t nl = end == 0 ? std::string::npos : buf.rfind('\n', end - 1);
      if (nl == std::string::npos && off > 0) break;  // line starts in an earlier chunk
      const size_t start = nl == std::string::npos ? 0 : nl + 1;
      const std::string_view line = std::string_view(buf).substr(start, end - start);
      if (!skipped_tail) {  // bytes after the last newline: a write still in progress
        skipped_tail = true;
        if (complete_end) *complete_end = size - line.size();
      } else if (parse_log_line(line, e)) {
        if (e.time_ns < q.since_ns) return false;
        if (wanted(e, q)) {
          newest_first.push_back(std::move(e));
          if (newest_first.size() >= want) return false;
        }
      }
      if (nl == std::string::npos) {
        end = 0;
        break;
      }
      end = nl;
    }
    buf.resize(end);
    if (off == 0 && end == 0) break;
  }
  return true;
}

}  // namespace

std::vector<std::filesystem::path> log_files(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  for (unsigned i = 1;; ++i) {
    std::filesystem::path p = path;
    p += "." + std::to_string(i);
    if (::access(p.c_str(), F_OK) != 0) break;
    files.push_back(std::move(p));
  }
  std::reverse(files.begin(), files.end());
  if (::access(path.c_str(), F_OK) == 0) files.push_back(path);
  return files;
}

std::vector<LogEntry> read_logs(const std::filesystem::path& path, const LogQuery& q,
                                LogCursor* cursor) {
  // Open every file first so that a rotation while reading cannot pull one away.
  struct Open {
    std::filesystem::path path;
    UniqueFd fd;
    struct stat st;
  };
  std::vector<Open> files;
  for (auto& p : log_files(path)) {
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno == ENOENT) continue;
    if (!fd) throw Error::sys("open log file", p.string(), errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) throw Error::sys("stat log file", p.string(), errno);
    files.push_back({std::move(p), std::move(fd), st});
  }
  std::vector<LogEntry> out;
  uint64_t live_end = 0;
  if (q.tail) {
    if (*q.tail > 0) {
      for (size_t i = files.size(); i-- > 0;) {
        const auto& f = files[i];
        const bool live = i + 1 == files.size();
        if (!read_backward(f.fd.get(), static_cast<uint64_t>(f.st.st_size), f.path, q, *q.tail, out,
                           live ? &live_end : nullptr))
          break;
      }
    }
    if (!files.empty() && *q.tail == 0) live_end = static_cast<uint64_t>(files.back().st.st_size);
    std::reverse(out.begin(), out.end());
  } else {
    for (const auto& f : files)
      live_end = read_forward(f.fd.get(), static_cast<uint64_t>(f.st.st_size), f.path, q, out);
  }
  if (cursor && !files.empty() && files.back().path == path) {
    const auto& st = files.back().st;
    *cursor = {st.st_dev, st.st_ino, live_end};
  }
  return out;
}

}  // namespace lit::shim
