// exec_lines: a hook's run, its output passed on as it comes.
#include "runtime/exec/exec_lines.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/exec/exec_spawn.hpp"
#include "runtime/process/start_error.hpp"
#include "runtime/security/capabilities.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace {

// Splits what is read into lines; the rest waits for its newline.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<void(std::string_view)>& on_line) : on_line_(on_line) {}
  void feed(std::string_view data) {
    pending_.append(data);
    size_t at = 0;
    for (size_t nl; (nl = pending_.find('\n', at)) != std::string::npos; at = nl + 1)
      on_line_(std::string_view(pending_).substr(at, nl - at));
    pending_.erase(0, at);
  }
  void finish() {
    if (!pending_.empty()) on_line_(pending_);
    pending_.clear();
  }

 private:
  const std::function<void(std::string_view)>& on_line_;
  std::string pending_;
};

// false once the pipe is closed (or broken).
bool read_some(int fd, LineSplitter& lines, bool& got_data) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  got_data = n > 0;
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  lines.feed(std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

}  // namespace

// Every capability lit holds (a sandboxed lit may lack some).
ContainerRecord with_privileges(const ContainerRecord& r) {
  ContainerRecord copy = r;
  copy.spec.security.cap_drop.clear();
  for (int c : security::permitted_capabilities())
    if (std::string name = security::capability_name(c); security::capability_from_name(name))
      copy.spec.security.cap_add.push_back(name);
  return copy;
}

int exec_lines(const ContainerRecord& record, const LineExec& options,
               const std::function<void(std::string_view line)>& on_line) {
  const ContainerRecord r = options.privileged ? with_privileges(record) : record;
  ExecOptions o = options.exec;
  o.interactive = o.tty = false;
  ProcessSpec p = exec_process_spec(r, o);
  MergedOutput output = merged_output();

  LineSplitter lines(on_line);
  SpawnedExec s;
  try {
    s = spawn_in_container(r, p, output.stdio(), false, o.seccomp_cache);
  } catch (const StartError& e) {
    if (e.exit_code() == 125) throw;
    on_line(e.what());  // 126/127: not found, not executable
    return e.exit_code();
  }
  ChildGuard guard(s.pid);
  output.write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
  if (!pidfd) throw Error::sys("open pidfd of", std::to_string(s.pid), errno);
  ::fcntl(output.read.get(), F_SETFL, O_NONBLOCK);
  bool open = true, got = false;
  for (;;) {
    pollfd pfds[2] = {{pidfd.get(), POLLIN, 0}, {open ? output.read.get() : -1, POLLIN, 0}};
    if (::poll(pfds, 2, -1) < 0 && errno != EINTR)
      throw Error::sys("wait for exec'd process", std::to_string(s.pid), errno);
    if (pfds[1].revents) open = read_some(output.read.get(), lines, got);
    if (pfds[0].revents) break;
  }
  int st = wait_status_of(s.pid);
  if (st < 0) throw Error::sys("wait for exec'd process", std::to_string(s.pid), errno);
  guard.reaped();
  // What it wrote before exiting; a background child holding the pipe is not waited for.
  while (open && read_some(output.read.get(), lines, got) && got) {
  }
  lines.finish();
  return exit_code_of(st);
}

}  // namespace lit::runtime
