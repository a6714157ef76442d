#pragma once
// `lit container logs`: a container's json-file log as docker prints it, stdout
// entries to one fd and stderr entries to another, optionally followed until the
// container and its supervisor are gone.
#include <optional>
#include <string_view>

#include "runtime/logs/log_reader.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::runtime {

// The log file the supervisor writes for a detached container.
std::filesystem::path container_log_path(const RecordStore& store, const std::string& id);

// `--tail`: "all" (or any negative number, as docker) -> no limit, else N lines.
// Throws lit::Error naming --tail for anything else.
std::optional<size_t> parse_tail(std::string_view value);

// Writes entries to two fds, keeping the order across them: each stream's bytes
// are batched and handed to the kernel before the other stream's.
class LogPrinter {
 public:
  LogPrinter(int out_fd, int err_fd, bool timestamps)
      : fds_{out_fd, err_fd}, timestamps_(timestamps) {}
  LogPrinter(const LogPrinter&) = delete;
  LogPrinter& operator=(const LogPrinter&) = delete;
  ~LogPrinter();  // flushes, best effort

  void print(const shim::LogEntry& e);
  // Text formatted already (prefixed lines of several containers), to the stdout fd.
  void write(std::string_view text);
  void flush();

 private:
  int fds_[2];
  bool timestamps_;
  int pending_stream_ = 0;
  std::string pending_;
};

// True while the container may still write to its log: its process runs, or its
// supervisor lives (it may restart it). A removed record counts as gone.
bool container_active(const RecordStore& store, const std::string& id);

// Prints the entries matching q; with follow, keeps printing new ones (across
// rotation) until container_active() turns false and the log is drained.
// A container without a log file prints nothing.
void print_container_logs(const RecordStore& store, const ContainerRecord& record,
                          const shim::LogQuery& q, bool follow, LogPrinter& out);

}  // namespace lit::runtime
