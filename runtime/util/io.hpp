#pragma once
// Whole reads and writes on file descriptors, and a child's wait status as an
// exit code, shared by lit, lit-shim and the log code.
#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>

namespace lit {

// Everything until end of file (EINTR retried); what was read before an error.
std::string read_all(int fd);

// All of `data` (EINTR retried; on a non-blocking fd, waits until it is
// writable). False on an error, with errno set (EPIPE: the reader went away).
bool write_all(int fd, std::string_view data);

// Sends `data` over a unix socket with `fds` (at most kMaxSentFds) attached as
// SCM_RIGHTS, none when empty; EINTR retried. False on error, with errno set.
inline constexpr size_t kMaxSentFds = 253;  // the kernel's SCM_MAX_FD
bool send_with_fds(int sock, std::string_view data, std::span<const int> fds);
// Passes `fd` over a unix socket (SCM_RIGHTS, with one byte); false on error.
bool send_fd(int sock, int fd);
// The fd waiting on a unix socket, if one is (non-blocking); -1 otherwise.
int receive_fd(int sock);

// A wait status as a shell reports it: the exit code, or 128 + the signal.
int exit_code_of(int wait_status);

// waitpid(pid) retried on EINTR: the wait status, or -1 with errno set.
int wait_status_of(pid_t pid);

}  // namespace lit
