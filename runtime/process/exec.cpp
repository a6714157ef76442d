#include "runtime/process/exec.hpp"

#include <signal.h>
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

}  // namespace

std::string path_from_env(const std::vector<std::string>& env) {
  for (const auto& kv : env) {
    if (kv.starts_with("PATH=")) return kv.substr(5);
  }
  return kDefaultPath;
}

void exec_process(const ProcessSpec& process) {
  if (process.args.empty()) throw StartError(Error("exec", "", 0, "no command specified"), 125);
  std::vector<char*> argv, envp;
  for (const auto& a : process.args) argv.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : process.env) envp.push_back(const_cast<char*>(e.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  const std::string& cmd = process.args[0];
  if (cmd.find('/') != std::string::npos) {
    ::execve(cmd.c_str(), argv.data(), envp.data());
    fail(cmd, errno);
  }
  // As execvpe: try each PATH entry; a permission error is reported only if no
  // later entry works.
  std::string path = path_from_env(process.env);
  bool denied = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + cmd;
    ::execve(candidate.c_str(), argv.data(), envp.data());
    if (errno == EACCES)
      denied = true;
    else if (errno != ENOENT && errno != ENOTDIR)
      fail(cmd, errno);
    start = end + 1;
  }
  if (denied) fail(cmd, EACCES);
  throw StartError(Error("exec", "\"" + cmd + "\": executable file not found in $PATH"), 127);
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
