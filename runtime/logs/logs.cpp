// `lit container logs`: read the log, print it in order, follow it while the
// container (or its supervisor) lives.
#include "runtime/logs/logs.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "runtime/shim/log_time.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {

std::filesystem::path container_log_path(const RecordStore& store, const std::string& id) {
  return store.dir(id) / "container.log";
}

std::optional<size_t> parse_tail(std::string_view value) {
  if (value == "all") return std::nullopt;
  long long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    throw Error("invalid --tail " + std::string(value), {}, 0,
                "give a number of lines, or \"all\"");
  }
  if (n < 0) return std::nullopt;
  return static_cast<size_t>(n);
}

namespace {

void write_or_throw(int fd, std::string_view data) {
  if (!write_all(fd, data)) throw Error::sys("write logs to", fd == 2 ? "stderr" : "stdout", errno);
}

}  // namespace

LogPrinter::~LogPrinter() {
  try {
    flush();
  } catch (const Error&) {  // nowhere left to report a closed stdout
  }
}

void LogPrinter::print(const shim::LogEntry& e) {
  const int s = e.stream == shim::Stream::Stderr ? 1 : 0;
  if (s != pending_stream_) flush();
  pending_stream_ = s;
  if (timestamps_) {
    char ts[40];
    pending_.append(ts, shim::format_rfc3339_nano(e.time_ns, ts));
    pending_ += ' ';
  }
  pending_ += e.text;
  if (pending_.size() >= 64 * 1024) flush();
}

void LogPrinter::write(std::string_view text) {
  if (pending_stream_ != 0) flush();
  pending_stream_ = 0;
  pending_.append(text);
  if (pending_.size() >= 64 * 1024) flush();
}

void LogPrinter::flush() {
  if (pending_.empty()) return;
  std::string data = std::move(pending_);
  pending_.clear();
  write_or_throw(fds_[pending_stream_], data);
}

bool container_active(const RecordStore& store, const std::string& id) {
  auto rec = store.read(id);
  if (!rec) return false;
  if (observed_state(*rec).status == ContainerStatus::Running) return true;
  return rec->state.shim_pid > 0 && process_alive(rec->state.shim_pid, rec->state.shim_start_time);
}

void print_container_logs(const RecordStore& store, const ContainerRecord& record,
                          const shim::LogQuery& q, bool follow, LogPrinter& out) {
  const auto path = container_log_path(store, record.id);
  shim::LogCursor cursor;
  for (const auto& e : shim::read_logs(path, q, &cursor)) out.print(e);
  out.flush();
  if (!follow) return;

  shim::LogQuery live = q;
  live.tail.reset();
  shim::LogFollower follower(path, cursor);
  for (;;) {
    // Checked before reading: once it is gone, this read drains everything it wrote.
    const bool active = container_active(store, record.id);
    for (const auto& e : follower.poll(live)) out.print(e);
    out.flush();
    if (!active) return;
    // The inotify wake-up covers new lines; the timeout covers the container's exit.
    follower.wait(250);
  }
}

}  // namespace lit::runtime
