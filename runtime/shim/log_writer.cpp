#include "runtime/shim/log_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/shim/log_time.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::shim {

namespace {

UniqueFd open_log(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw Error::sys("open log file", path.string(), errno);
  return UniqueFd(fd);
}

void write_or_throw(int fd, std::string_view data, const std::filesystem::path& path) {
  if (!write_all(fd, data)) throw Error::sys("write log file", path.string(), errno);
}

std::filesystem::path numbered(const std::filesystem::path& path, unsigned i) {
  std::filesystem::path p = path;
  p += "." + std::to_string(i);
  return p;
}

// Where to split a line that is too long: at most `limit` bytes, moved back to the
// start of a UTF-8 sequence so that a character is not broken into two U+FFFDs.
size_t utf8_cut(std::string_view data, size_t limit) {
  size_t cut = limit;
  if (cut >= data.size()) return cut;
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(data[cut]) & 0xC0) == 0x80; ++k)
    --cut;
  return cut == 0 ? limit : cut;
}

}  // namespace

const char* stream_name(Stream s) { return s == Stream::Stderr ? "stderr" : "stdout"; }

LogWriter::LogWriter(std::filesystem::path path, LogOptions opts)
    : path_(std::move(path)), opts_(opts), fd_(open_log(path_)) {
  struct stat st {};
  if (::fstat(fd_.get(), &st) < 0) throw Error::sys("stat log file", path_.string(), errno);
  size_ = static_cast<uint64_t>(st.st_size);
}

LogWriter::~LogWriter() {
  try {
    close(now_ns());
  } catch (...) {
    // A destructor cannot report; close() is the checked path.
  }
}

void LogWriter::write(Stream s, std::string_view data, int64_t time_ns) {
  std::string& pending = pending_[static_cast<int>(s)];
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const size_t room = kMaxLineBytes - pending.size();
    if (nl == std::string_view::npos || nl >= room) {
      if (data.size() < room) {  // wait for the rest of the line
        pending.append(data);
        break;
      }
      const size_t cut = utf8_cut(data, room);  // too long: a partial entry, as docker
      pending.append(data.substr(0, cut));
      data.remove_prefix(cut);
      add_entry(s, pending, time_ns);
      pending.clear();
      continue;
    }
    if (pending.empty()) {
      add_entry(s, data.substr(0, nl + 1), time_ns);
    } else {
      pending.append(data.substr(0, nl + 1));
      add_entry(s, pending, time_ns);
      pending.clear();
    }
    data.remove_prefix(nl + 1);
  }
  flush_batch();
}

void LogWriter::close(int64_t time_ns) {
  for (int i = 0; i < 2; ++i) {
    if (pending_[i].empty()) continue;
    add_entry(static_cast<Stream>(i), pending_[i], time_ns);
    pending_[i].clear();
  }
  flush_batch();
}

void LogWriter::add_entry(Stream s, std::string_view text, int64_t time_ns) {
  char ts[40];
  const size_t ts_len = format_rfc3339_nano(time_ns, ts);
  entry_.assign("{\"log\":\"");
  append_json_escaped(entry_, text);
  entry_ += "\",\"stream\":\"";
  entry_ += stream_name(s);
  entry_ += "\",\"time\":\"";
  entry_.append(ts, ts_len);
  entry_ += "\"}\n";
  // Rotate before the entry that would push the live file past max-size, so every
  // file stays within it (an entry alone larger than max-size gets a file of its own).
  if (size_ + batch_.size() > 0 && size_ + batch_.size() + entry_.size() > opts_.max_size) {
    flush_batch();
    rotate();
  }
  batch_ += entry_;
}

void LogWriter::flush_batch() {
  if (batch_.empty()) return;
  write_or_throw(fd_.get(), batch_, path_);
  size_ += batch_.size();
  batch_.clear();
}

void LogWriter::rotate() {
  if (opts_.max_file <= 1) {  // nothing to keep: start the one file over
    if (::ftruncate(fd_.get(), 0) < 0) throw Error::sys("truncate log file", path_.string(), errno);
    size_ = 0;
    return;
  }
  // Shift container.log.(N-2) -> .(N-1), ..., container.log -> .1; the oldest is replaced.
  for (unsigned i = opts_.max_file - 1; i >= 1; --i) {
    const auto from = i == 1 ? path_ : numbered(path_, i - 1);
    if (::rename(from.c_str(), numbered(path_, i).c_str()) < 0 && errno != ENOENT)
      throw Error::sys("rotate log file", from.string(), errno);
  }
  fd_ = open_log(path_);
  size_ = 0;
}

}  // namespace lit::shim
