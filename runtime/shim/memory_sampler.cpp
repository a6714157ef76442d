#include "runtime/shim/memory_sampler.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

namespace lit::shim {
namespace {

constexpr int kTicksPerBucket = 10;

UniqueFd open_file(const std::string& dir, const char* name) {
  return UniqueFd(::open((dir + "/" + name).c_str(), O_RDONLY | O_CLOEXEC));
}

// The file's text from its start (cgroup files are small).
std::string_view pread_text(const UniqueFd& fd, char (&buf)[512]) {
  if (!fd) return {};
  ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
  return n > 0 ? std::string_view(buf, static_cast<std::size_t>(n)) : std::string_view();
}

template <class T>
bool number_at(std::string_view text, T& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p != text.data();
}

// The number after "<key> " at a line's start in a flat-keyed file
// (memory.events: "max 3"; memory.oom_control: "oom_kill 1").
std::uint64_t keyed(std::string_view text, std::string_view key) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
      std::uint64_t v = 0;
      number_at(line.substr(key.size() + 1), v);
      return v;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return 0;
}

}  // namespace

MemorySampler::MemorySampler(std::string cgroup_dir, std::string samples_path,
                             std::uint64_t rotate_bytes)
    : dir_(std::move(cgroup_dir)), path_(std::move(samples_path)), rotate_bytes_(rotate_bytes) {}

bool MemorySampler::begin_run(std::int64_t run_ms) {
  run_ms_ = run_ms;
  current_ = open_file(dir_, "memory.current");
  v2_ = static_cast<bool>(current_);
  stat_ = open_file(dir_, "memory.stat");
  if (v2_) {
    peak_ = open_file(dir_, "memory.peak");  // Linux 5.19 and later
    limit_ = open_file(dir_, "memory.max");
    events_ = open_file(dir_, "memory.events");
    pressure_ = open_file(dir_, "memory.pressure");
  } else {
    current_ = open_file(dir_, "memory.usage_in_bytes");
    peak_ = open_file(dir_, "memory.max_usage_in_bytes");
    limit_ = open_file(dir_, "memory.limit_in_bytes");
    failcnt_ = open_file(dir_, "memory.failcnt");
    // With swap accounting, memory+swap has the same limit and is charged
    // first: the hits are counted there.
    memsw_failcnt_ = open_file(dir_, "memory.memsw.failcnt");
    oom_control_ = open_file(dir_, "memory.oom_control");
  }
  bucket_use_ = -1;
  seen_peak_ = 0;
  ticks_ = reaching_ = 0;
  last_ = {};
  return static_cast<bool>(current_);
}

bool MemorySampler::read(Reading& r) {
  char buf[512];
  if (!number_at(pread_text(current_, buf), r.use)) return false;
  seen_peak_ = std::max(seen_peak_, r.use);
  if (!number_at(pread_text(peak_, buf), r.peak)) r.peak = seen_peak_;
  std::string_view limit = pread_text(limit_, buf);
  // "max" (v2) or a page-rounded LLONG_MAX (v1): no limit.
  if (!number_at(limit, r.limit) || r.limit >= (std::int64_t{1} << 62)) r.limit = 0;
  {
    char stat[4096];  // memory.stat is longer than the other files
    ssize_t n = stat_ ? ::pread(stat_.get(), stat, sizeof stat - 1, 0) : -1;
    std::string_view text = n > 0 ? std::string_view(stat, static_cast<std::size_t>(n)) : "";
    // v1's own inactive_file leaves out its children: total_ is the hierarchy's.
    r.inactive_file =
        static_cast<std::int64_t>(keyed(text, v2_ ? "inactive_file" : "total_inactive_file"));
  }
  if (v2_) {
    std::string_view events = pread_text(events_, buf);
    r.limit_hits = keyed(events, "max");
    r.oom_kills = keyed(events, "oom_kill");
    // "some avg10=0.00 avg60=0.00 avg300=0.00 total=123"
    std::string_view pressure = pread_text(pressure_, buf);
    if (auto t = pressure.find("total="); t != std::string_view::npos)
      number_at(pressure.substr(t + 6), r.stall_us);
  } else {
    number_at(pread_text(failcnt_, buf), r.limit_hits);
    std::uint64_t memsw_hits = 0;
    number_at(pread_text(memsw_failcnt_, buf), memsw_hits);
    r.limit_hits += memsw_hits;
    r.oom_kills = keyed(pread_text(oom_control_, buf), "oom_kill");
  }
  return true;
}

std::uint64_t MemorySampler::oom_kills_now() {
  Reading r;
  return read(r) ? r.oom_kills : last_.oom_kills;
}

void MemorySampler::tick(std::int64_t now_ms) {
  Reading r;
  if (!read(r)) return;
  bucket_use_ = std::max(bucket_use_, r.use);
  // Reaching the limit: what cannot simply be dropped (the use but the
  // inactive page cache, as docker's stats count it) within a tenth of the
  // limit or 16 MiB. A page cache at the limit is a limit at work, not too
  // tight; the kernel's hit counters cannot tell them apart (and v1's stay 0
  // on recent kernels).
  const std::int64_t near = std::min<std::int64_t>(r.limit / 10, 16LL << 20);
  const bool reached = r.limit > 0 && r.use - r.inactive_file >= r.limit - near;
  reaching_ = reached ? reaching_ + 1 : 0;
  last_ = r;
  if (++ticks_ >= kTicksPerBucket) write_bucket(now_ms);
}

void MemorySampler::end_run(std::int64_t now_ms) {
  Reading r;
  if (read(r)) {  // the cgroup outlives its init until __exited: its last word
    bucket_use_ = std::max(bucket_use_, r.use);
    last_ = r;
  }
  if (bucket_use_ >= 0) write_bucket(now_ms);
  for (UniqueFd* fd : {&current_, &peak_, &limit_, &stat_, &events_, &failcnt_, &memsw_failcnt_,
                       &oom_control_, &pressure_})
    fd->reset();
}

void MemorySampler::write_bucket(std::int64_t now_ms) {
  const Reading& r = last_;
  char line[192];
  int n = std::snprintf(
      line, sizeof line, "%lld %lld %lld %lld %lld %llu %llu %llu\n",
      static_cast<long long>(now_ms), static_cast<long long>(run_ms_),
      static_cast<long long>(bucket_use_), static_cast<long long>(std::max(r.peak, bucket_use_)),
      static_cast<long long>(r.limit), static_cast<unsigned long long>(r.limit_hits),
      static_cast<unsigned long long>(r.oom_kills), static_cast<unsigned long long>(r.stall_us));
  ticks_ = 0;
  bucket_use_ = -1;
  if (n <= 0) return;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= rotate_bytes_)
    ::rename(path_.c_str(), (path_ + ".1").c_str());
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd) [[maybe_unused]]
    ssize_t w = ::write(fd.get(), line, static_cast<std::size_t>(n));
}

}  // namespace lit::shim
