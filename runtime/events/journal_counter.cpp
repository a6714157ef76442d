#include "runtime/events/journal_counter.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <ctime>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

constexpr size_t kPage = 4096;

// Not FUTEX_PRIVATE_FLAG: the word is shared with other processes.
long futex(std::uint32_t* word, int op, std::uint32_t value, const timespec* timeout) {
  return ::syscall(SYS_futex, word, op, value, timeout, nullptr, 0);
}

}  // namespace

fs::path journal_counter_file(const fs::path& journal) {
  return fs::path(journal.string() + ".seq");
}

JournalCounter::JournalCounter(const fs::path& journal) noexcept {
  const fs::path file = journal_counter_file(journal);
  const int flags = O_RDWR | O_CREAT | O_CLOEXEC;
  UniqueFd fd(::open(file.c_str(), flags, 0600));
  if (!fd && errno == ENOENT) {
    try {
      make_dirs(file.parent_path(), 0700);
    } catch (...) {
      return;
    }
    fd.reset(::open(file.c_str(), flags, 0600));
  }
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return;
  // A new file is one page of zeros. Two makers both extend it to the same
  // size, which keeps what either bumped.
  if (st.st_size < static_cast<off_t>(kPage) && ::ftruncate(fd.get(), kPage) != 0) return;
  void* map = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return;
  word_ = static_cast<std::uint32_t*>(map);
}

JournalCounter::~JournalCounter() {
  if (word_) ::munmap(word_, kPage);
}

std::uint32_t JournalCounter::load() const {
  return word_ ? std::atomic_ref<std::uint32_t>(*word_).load() : 0;
}

void JournalCounter::bump() const {
  if (!word_) return;
  std::atomic_ref<std::uint32_t>(*word_).fetch_add(1);
  futex(word_, FUTEX_WAKE, INT_MAX, nullptr);
}

void JournalCounter::wait_while(std::uint32_t seen, std::chrono::milliseconds at_most) const {
  if (!word_) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at_most).count();
  const timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                         static_cast<long>(ns % 1'000'000'000)};
  // EAGAIN: it is not `seen` any more; EINTR, ETIMEDOUT: the caller looks again.
  futex(word_, FUTEX_WAIT, seen, &timeout);
}

}  // namespace lit::runtime
