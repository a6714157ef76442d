#include "runtime/image/builder/run_child.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image::builder {

namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += std::size_t(n);
  }
}

std::string read_all(int fd, const std::function<void(const std::string&)>& line) {
  std::string all, pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!line) {
      all.append(buf, std::size_t(n));
      continue;
    }
    pending.append(buf, std::size_t(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (line && !pending.empty()) line(pending);
  return all;
}

// The child: the status ("S<code> <signal>") or the start error ("E<code>\n<message>\n<hint>").
[[noreturn]] void child(const runtime::ContainerSpec& spec, const runtime::RunHooks& hooks,
                        int report, int output, pid_t parent) {
  // Dies with the build (its RUN init dies with this child in turn); the
  // parent may have died before the prctl took effect.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != parent) ::_exit(125);
  ::dup2(output, STDOUT_FILENO);
  ::dup2(output, STDERR_FILENO);
  // Nothing else of the parent's: another thread's open lock (a network
  // store's flock) would stay held by this copy of it, and the network start
  // below would wait for it forever.
  if (report != 3 && ::dup3(report, 3, O_CLOEXEC) < 0) ::_exit(125);
  report = 3;
  ::close_range(4, ~0U, 0);
  std::string msg;
  try {
    runtime::ExitStatus st = runtime::run_foreground(spec, hooks);
    msg = "S" + std::to_string(st.code) + " " + std::to_string(st.signal);
  } catch (const runtime::StartError& e) {
    msg = "E" + std::to_string(e.exit_code()) + "\n" + e.what() + "\n" + e.hint();
  } catch (const std::exception& e) {
    msg = "E125\n" + std::string(e.what()) + "\n";
  }
  write_all(report, msg);
  ::_exit(0);
}

runtime::ExitStatus parse_report(const std::string& msg) {
  int code = 125;
  if (msg.size() > 1) std::from_chars(msg.data() + 1, msg.data() + msg.size(), code);
  if (msg.starts_with("S")) {
    runtime::ExitStatus st;
    st.code = code;
    auto sp = msg.find(' ');
    if (sp != std::string::npos)
      std::from_chars(msg.data() + sp + 1, msg.data() + msg.size(), st.signal);
    return st;
  }
  std::string message = "the RUN's process ended without a report", hint;
  if (msg.starts_with("E")) {
    auto a = msg.find('\n');
    auto b = msg.find('\n', a + 1);
    message = msg.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
    if (b != std::string::npos) hint = msg.substr(b + 1);
  }
  throw runtime::StartError(Error(message).with_hint(hint), code);
}

}  // namespace

runtime::ExitStatus run_in_child(const runtime::ContainerSpec& spec, const runtime::RunHooks& hooks,
                                 const std::function<void(const std::string&)>& line) {
  int report[2], output[2];
  if (::pipe2(report, O_CLOEXEC) < 0) throw Error::sys("pipe", "", errno);
  UniqueFd report_r(report[0]), report_w(report[1]);
  if (::pipe2(output, O_CLOEXEC) < 0) throw Error::sys("pipe", "", errno);
  UniqueFd output_r(output[0]), output_w(output[1]);
  const pid_t self = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw Error::sys("fork", "", errno);
  if (pid == 0) child(spec, hooks, report_w.get(), output_w.get(), self);
  report_w.reset();
  output_w.reset();
  read_all(output_r.get(), line);
  std::string msg = read_all(report_r.get(), nullptr);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return parse_report(msg);
}

}  // namespace lit::image::builder
