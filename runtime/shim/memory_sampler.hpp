#pragma once
// optimize.auto_memory_tune in the supervisor: every second it reads the
// container's memory cgroup (a few preads of files it keeps open for the run)
// and every 10 s appends a line to <container>/memory.samples, in the format
// runtime/state/memory_samples.hpp reads. It also tells when the container
// keeps reaching its limit, so that the supervisor can have the limit raised.
#include <cstdint>
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::shim {

class MemorySampler {
 public:
  // Files over `rotate_bytes` become <samples>.1 (the one before is dropped).
  MemorySampler(std::string cgroup_dir, std::string samples_path,
                std::uint64_t rotate_bytes = 256 * 1024);

  // At each start (the run began at run_ms, unix ms): opens the (new)
  // cgroup's files; false when it has no memory controller files.
  bool begin_run(std::int64_t run_ms);
  // Every second while the container runs.
  void tick(std::int64_t now_ms);
  // At the container's exit: writes the last partial bucket, closes the files.
  void end_run(std::int64_t now_ms);

  // The container's working set (its use but the inactive page cache) was
  // within reach of its limit in each of the last 3 ticks.
  bool keeps_reaching_limit() const { return reaching_ >= 3; }
  // OOM kills in the cgroup since begin_run (read now).
  std::uint64_t oom_kills_now();
  void reset_reaching() { reaching_ = 0; }

 private:
  struct Reading {
    std::int64_t use = -1, peak = -1, limit = 0;
    std::int64_t inactive_file = 0;  // memory.stat: page cache the kernel drops first
    std::uint64_t limit_hits = 0, oom_kills = 0, stall_us = 0;
  };
  bool read(Reading& r);
  void write_bucket(std::int64_t now_ms);

  std::string dir_, path_;
  std::uint64_t rotate_bytes_;
  bool v2_ = true;
  UniqueFd current_, peak_, limit_, stat_, events_, failcnt_, memsw_failcnt_, oom_control_,
      pressure_;
  // This bucket: the highest use, the last reading; ticks in it.
  Reading last_;
  std::int64_t run_ms_ = 0, bucket_use_ = -1, seen_peak_ = 0;
  int ticks_ = 0, reaching_ = 0;
};

}  // namespace lit::shim
