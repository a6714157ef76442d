#pragma once
// How a container's (or an exec'd process's) start fails, and the two places
// that turn any failure into one: lit's side adds context, the forked child
// reports over the channel and exits with the code the CLI should use.
#include <unistd.h>

#include <exception>
#include <string>
#include <utility>

#include "runtime/process/channel.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

// The container could not be started. exit_code() follows docker's convention,
// which the CLI should exit with:
//   127  the command was not found (exec: ENOENT / ENOTDIR, or not in $PATH)
//   126  the command was found but cannot be executed (EACCES, EPERM, EISDIR, ENOEXEC)
//   125  any other failure of lit itself (mounts, cgroups, namespaces, ...)
// It is a lit::Error, so its message carries op/target/errno and the context
// "start container <name>". Catch it by reference to keep the exit code.
class StartError : public Error {
 public:
  StartError(Error e, int exit_code) : Error(std::move(e)), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Runs f; a lit::Error leaving it becomes a StartError (125 unless it is one
// already) with `context` ("start container web") in front.
template <typename F>
auto with_start_context(const std::string& context, F&& f) {
  try {
    return f();
  } catch (StartError& e) {
    e.context(context);
    throw;
  } catch (Error& e) {
    StartError s(std::move(e), 125);
    s.context(context);
    throw s;
  }
}

// Runs step in a forked child: a failure is sent to lit over the channel and
// the child exits with its exit code (125 unless a StartError says otherwise);
// returning from step exits 0.
template <typename F>
[[noreturn]] void run_child(const Channel& channel, const char* what, F&& step) noexcept {
  int code = 125;
  try {
    step();
    code = 0;
  } catch (const StartError& e) {
    code = e.exit_code();
    channel.send_failure(e, code);
  } catch (const Error& e) {
    channel.send_failure(e, code);
  } catch (const std::exception& e) {
    channel.send_failure(Error(what, e.what()), code);
  } catch (...) {
    channel.send_failure(Error(std::string(what) + " failed"), code);
  }
  ::_exit(code);
}

}  // namespace lit::runtime
