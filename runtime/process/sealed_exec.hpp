#pragma once
// CVE-2019-5736: the process that enters a container is a fork of lit, so an
// exec of /proc/self/exe there (a "#!/proc/self/exe" script, a symlink to it)
// would run lit's own binary inside the container, where the container's
// processes could reopen it through /proc/PID/exe for writing and replace it on
// the host. lit's last execve therefore goes through lit-exec (a program of a
// few kilobytes, runtime/init/bin/lit_exec.cpp) run from a detached read-only
// bind mount of it (a sealed memfd copy where a mount cannot be made):
// /proc/PID/exe then names a file nobody can write.
// The entering process is also non-dumpable until that exec (see init.cpp,
// exec_spawn.cpp), so the container cannot open its /proc/PID entries meanwhile.
#include "runtime/util/fs.hpp"

namespace lit::runtime {

// Opened by lit before it forks the process that will enter the container:
// an fd on lit-exec that execveat(2) can run. Throws naming lit-exec.
UniqueFd open_exec_trampoline();

}  // namespace lit::runtime
