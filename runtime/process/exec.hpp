#pragma once
// The init's last step: resolve args[0] through the PATH of the container's own
// environment (inside the new root) and execve with exactly that environment.
#include <string>
#include <vector>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Default dispositions and nothing blocked, as after a fresh exec (lit blocks
// the signals it forwards, and the child inherits that).
void reset_signals();

// PATH from "K=V" entries, or kDefaultPath.
std::string path_from_env(const std::vector<std::string>& env);

// How the last execve runs (sealed_exec.hpp): through the trampoline, an fd
// from open_exec_trampoline(), which reports a failed exec on `report` (the
// channel). trampoline < 0: lit execs the command itself.
struct ExecVia {
  int trampoline = -1;
  int report = -1;
};

// Only returns by throwing StartError (exit code 127 not found, 126 not executable).
[[noreturn]] void exec_process(const ProcessSpec& process, const ExecVia& via = {});

}  // namespace lit::runtime
