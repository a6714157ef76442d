#include "runtime/process/exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/process/run.hpp"

namespace lit::runtime {
namespace {

[[noreturn]] void fail(const std::string& cmd, int err) {
  int code = (err == ENOENT || err == ENOTDIR)                                    ? 127
             : (err == EACCES || err == EPERM || err == EISDIR || err == ENOEXEC) ? 126
                                                                                  : 125;
  throw StartError(Error::sys("exec", "\"" + cmd + "\"", err), code);
}

// 0 when `path` is a file we may execute, else the errno execve would give.
int executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  return ::access(path.c_str(), X_OK) == 0 ? 0 : errno;  // ids are the process's own by now
}

// As execvpe's search: each PATH entry in turn; a permission error is
// reported only if no later entry works.
std::string search_path(const ProcessSpec& process) {
  const std::string& cmd = process.args[0];
  if (cmd.find('/') != std::string::npos) return cmd;  // the exec reports what fails
  std::string path = path_from_env(process.env);
  bool denied = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + cmd;
    int err = executable(candidate);
    if (err == 0) return candidate;
    if (err == EACCES)
      denied = true;
    else if (err != ENOENT && err != ENOTDIR)
      fail(cmd, err);
    start = end + 1;
  }
  if (denied) fail(cmd, EACCES);
  throw StartError(Error("exec", "\"" + cmd + "\": executable file not found in $PATH"), 127);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string path_from_env(const std::vector<std::string>& env) {
  for (const auto& kv : env) {
    if (kv.starts_with("PATH=")) return kv.substr(5);
  }
  return kDefaultPath;
}

void exec_process(const ProcessSpec& process, const ExecVia& via) {
  if (process.args.empty()) throw StartError(Error("exec", "", 0, "no command specified"), 125);
  const std::string& cmd = process.args[0];
  const std::string path = search_path(process);
  std::vector<char*> envp = c_strings(process.env);
  if (via.trampoline < 0) {
    std::vector<char*> argv = c_strings(process.args);
    ::execve(path.c_str(), argv.data(), envp.data());
    fail(cmd, errno);
  }
  // The report fd stays open across the trampoline's exec; it closes it on its own.
  if (::fcntl(via.report, F_SETFD, 0) < 0) fail(cmd, errno);
  std::vector<std::string> args = {"lit-exec", std::to_string(via.report), path};
  args.insert(args.end(), process.args.begin(), process.args.end());
  std::vector<char*> argv = c_strings(args);
  ::execveat(via.trampoline, "", argv.data(), envp.data(), AT_EMPTY_PATH);
  throw StartError(Error::sys("exec", "lit-exec (lit's exec trampoline)", errno), 125);
}

void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace lit::runtime
