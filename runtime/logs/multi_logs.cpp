#include "runtime/logs/multi_logs.hpp"

#include <poll.h>

#include <cerrno>

#include "runtime/logs/logs.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

MultiLogReader::MultiLogReader(const RecordStore& store, std::vector<std::string> ids,
                               shim::LogQuery q)
    : store_(store), ids_(std::move(ids)), query_(q), followers_(ids_.size()) {}

std::vector<SourcedEntry> MultiLogReader::read_existing(bool follow) {
  std::vector<std::vector<shim::LogEntry>> logs;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    const auto path = container_log_path(store_, ids_[i]);
    shim::LogCursor cursor;
    logs.push_back(shim::read_logs(path, query_, &cursor));
    if (!follow) continue;
    try {
      followers_[i].emplace(path, cursor);
    } catch (const Error&) {
      if (store_.read(ids_[i])) throw;  // removed meanwhile: nothing more to follow
    }
  }
  return merge_in_time_order(std::move(logs));
}

std::vector<SourcedEntry> MultiLogReader::add(const std::string& id) {
  ids_.push_back(id);
  followers_.emplace_back();
  const std::size_t i = ids_.size() - 1;
  shim::LogQuery all = query_;
  all.tail.reset();
  const auto path = container_log_path(store_, id);
  shim::LogCursor cursor;
  std::vector<std::vector<shim::LogEntry>> logs(ids_.size());
  logs[i] = shim::read_logs(path, all, &cursor);
  try {
    followers_[i].emplace(path, cursor);
  } catch (const Error&) {
    if (store_.read(id)) throw;  // removed meanwhile: nothing more to follow
  }
  return merge_in_time_order(std::move(logs));
}

std::vector<SourcedEntry> MultiLogReader::poll(std::vector<std::size_t>& done_now) {
  shim::LogQuery live = query_;
  live.tail.reset();
  std::vector<std::vector<shim::LogEntry>> logs(ids_.size());
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (!followers_[i]) continue;
    // Checked before reading: once it is gone, this read drains everything it wrote.
    const bool active = container_active(store_, ids_[i]);
    logs[i] = followers_[i]->poll(live);
    if (!active) {
      followers_[i].reset();
      done_now.push_back(i);
    }
  }
  return merge_in_time_order(std::move(logs));
}

bool MultiLogReader::all_done() const {
  for (const auto& f : followers_)
    if (f) return false;
  return true;
}

bool MultiLogReader::wait(int timeout_ms, int extra_fd) {
  std::vector<pollfd> fds;
  std::vector<shim::LogFollower*> watched;
  for (auto& f : followers_) {
    if (!f) continue;
    fds.push_back({f->fd(), POLLIN, 0});
    watched.push_back(&*f);
  }
  fds.push_back({extra_fd, POLLIN, 0});  // a negative fd is ignored by poll(2)
  int rc;
  while ((rc = ::poll(fds.data(), fds.size(), timeout_ms)) < 0 && errno == EINTR) {
  }
  if (rc < 0) throw Error::sys("wait for log changes", "", errno);
  // Consume the events (wait(0) returns at once); what changed is found by reading each log.
  for (std::size_t i = 0; i < watched.size(); ++i)
    if (fds[i].revents) watched[i]->wait(0);
  return extra_fd >= 0 && (fds.back().revents & POLLIN);
}

}  // namespace lit::runtime
