// exec_capture: a health probe's run, with its output kept and a deadline.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/exec/exec_in.hpp"
#include "runtime/exec/exec_spawn.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

enum class Read { Data, Empty, Closed };

// Keeps the first `max` bytes; reads (and drops) the rest so the writer never blocks.
Read read_some(int fd, std::string& out, size_t max) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? Read::Empty : Read::Closed;
  if (n == 0) return Read::Closed;
  if (out.size() < max) out.append(buf, std::min(static_cast<size_t>(n), max - out.size()));
  return Read::Data;
}

int wait_status(pid_t pid) {
  int st = wait_status_of(pid);
  if (st < 0) throw Error::sys("wait for exec'd process", std::to_string(pid), errno);
  return exit_code_of(st);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

}  // namespace

CapturedExec exec_capture(const ContainerRecord& r, const std::vector<std::string>& args,
                          std::chrono::nanoseconds timeout, size_t max_output,
                          const std::filesystem::path& seccomp_cache) {
  const auto deadline = Clock::now() + timeout;
  ExecOptions options;
  options.args = args;
  ProcessSpec p = exec_process_spec(r, options);
  MergedOutput output = merged_output();

  CapturedExec result;
  SpawnedExec s;
  try {
    s = spawn_in_container(r, p, output.stdio(), false, seccomp_cache);
  } catch (const StartError& e) {
    if (e.exit_code() == 125) throw;
    return {e.exit_code(), false, std::string(e.what()).substr(0, max_output)};  // 126/127
  }
  ChildGuard guard(s.pid);
  output.write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
  if (!pidfd) throw Error::sys("open pidfd of", std::to_string(s.pid), errno);
  ::fcntl(output.read.get(), F_SETFL, O_NONBLOCK);

  bool output_open = true;
  for (;;) {
    pollfd pfds[2] = {{pidfd.get(), POLLIN, 0}, {output_open ? output.read.get() : -1, POLLIN, 0}};
    int n = ::poll(pfds, 2, remaining_ms(deadline));
    if (n < 0 && errno != EINTR)
      throw Error::sys("wait for exec'd process", std::to_string(s.pid), errno);
    if (n == 0) {
      // Its process group too: what the probe started must not outlive the timeout.
      ::kill(-s.pid, SIGKILL);
      ::kill(s.pid, SIGKILL);
      wait_status(s.pid);
      guard.reaped();
      return {-1, true, std::move(result.output)};
    }
    if (pfds[1].revents)
      output_open = read_some(output.read.get(), result.output, max_output) != Read::Closed;
    if (pfds[0].revents) break;
  }
  result.exit_code = wait_status(s.pid);
  guard.reaped();
  // What it wrote before exiting; a background child holding the pipe is not waited for.
  while (output_open && read_some(output.read.get(), result.output, max_output) == Read::Data) {
  }
  return result;
}

}  // namespace lit::runtime
