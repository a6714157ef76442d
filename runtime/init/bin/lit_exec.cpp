// lit-exec: lit's last step into every container (runtime/process/sealed_exec.hpp).
//   lit-exec REPORT_FD PATH ARGV0 [ARG...]
// lit runs it from a read-only (or sealed) copy and it execs PATH, so the
// execve that enters the image never runs from lit's own writable binary
// (CVE-2019-5736: a `#!/proc/self/exe` entry point would otherwise run lit's
// binary inside the container). A failure goes to REPORT_FD in the channel's
// wire format (runtime/process/channel.cpp); lit reads EOF once the exec
// succeeded (REPORT_FD is close-on-exec by then).
//
// It runs on every container start, so it is as small as a program can be: on
// x86-64 and arm64 it has no C library at all (no start-up code, which costs
// about half a millisecond on a virtual machine where the C library's CPU
// feature probing traps), only raw system calls. Elsewhere it is built
// against the C library, with the same logic.
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#if defined(__x86_64__) || defined(__aarch64__)
#define LIT_EXEC_NOLIBC 1
#else
#include <unistd.h>
#endif

namespace {

#if LIT_EXEC_NOLIBC
// Returns the kernel's result: >= 0, or -errno.
long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
#endif
}
#else
long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long r = syscall(n, a, b, c, d, e, f);
  return r < 0 ? -errno : r;
}
#endif

[[noreturn]] void exit_now(int code) {
  for (;;) sys(SYS_exit_group, code);
}

// A descriptor number, or -1 when `s` is not one.
int parse_fd(const char* s) {
  int v = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > 100000) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

bool equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

// Appends `s` (and its NUL when `nul`) at buf[n], within `cap`; the new length.
size_t put(char* buf, size_t n, size_t cap, const char* s, bool nul) {
  while (*s != '\0' && n + 1 < cap) buf[n++] = *s++;
  if (nul && n < cap) buf[n++] = '\0';
  return n;
}

// Failure message: 'F', exit code (i32), errno (i32), "exec\0", "\"ARGV0\"\0".
void report_failure(int fd, const char* argv0, int err, int32_t code) {
  char buf[4096];
  size_t n = 0;
  buf[n++] = 'F';
  const int32_t e = err;
  for (size_t i = 0; i < 4; ++i) buf[n + i] = reinterpret_cast<const char*>(&code)[i];
  for (size_t i = 0; i < 4; ++i) buf[n + 4 + i] = reinterpret_cast<const char*>(&e)[i];
  n += 8;
  n = put(buf, n, sizeof buf, "exec", true);
  n = put(buf, n, sizeof buf, "\"", false);
  n = put(buf, n, sizeof buf - 2, argv0, false);
  n = put(buf, n, sizeof buf, "\"", true);
  sys(SYS_sendto, fd, reinterpret_cast<long>(buf), static_cast<long>(n), MSG_NOSIGNAL, 0, 0);
}

[[noreturn]] void run(int argc, char** argv, char** envp) {
  // Only lit runs it, as "lit-exec FD PATH ARGV0...". Run any other way (as
  // the interpreter of a "#!/proc/self/exe" script in the container, which
  // would exec that script again, for ever) it does nothing.
  const int report = argc >= 4 && equal(argv[0], "lit-exec") ? parse_fd(argv[1]) : -1;
  if (report < 0) {
    static const char kMisuse[] = "lit-exec: only lit runs this\n";
    sys(SYS_write, 2, reinterpret_cast<long>(kMisuse), sizeof kMisuse - 1);
    exit_now(126);
  }
  sys(SYS_fcntl, report, F_SETFD, FD_CLOEXEC);  // lit reads EOF once the exec succeeded
  const long rc = sys(SYS_execve, reinterpret_cast<long>(argv[2]), reinterpret_cast<long>(argv + 3),
                      reinterpret_cast<long>(envp));
  const int err = static_cast<int>(-rc);
  const int32_t code = (err == ENOENT || err == ENOTDIR)                                    ? 127
                       : (err == EACCES || err == EPERM || err == EISDIR || err == ENOEXEC) ? 126
                                                                                            : 125;
  report_failure(report, argv[3], err, code);
  exit_now(code);
}

}  // namespace

#if LIT_EXEC_NOLIBC
// The compiler may call these for the buffer above; there is no C library.
extern "C" void* memset(void* d, int c, size_t n) {
  auto* p = static_cast<volatile unsigned char*>(d);
  while (n-- > 0) *p++ = static_cast<unsigned char>(c);
  return d;
}
extern "C" void* memcpy(void* d, const void* s, size_t n) {
  auto* to = static_cast<volatile unsigned char*>(d);
  const auto* from = static_cast<const unsigned char*>(s);
  while (n-- > 0) *to++ = *from++;
  return d;
}

// The kernel's initial stack: argc, argv[], NULL, envp[], NULL.
extern "C" [[noreturn]] void lit_exec_start(long* sp) {
  const int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  run(argc, argv, argv + argc + 1);
}

#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call lit_exec_start\n"
    "  hlt\n");
#else
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x0, sp\n"
    "  bl lit_exec_start\n"
    "  brk #0\n");
#endif
#else
int main(int argc, char** argv, char** envp) { run(argc, argv, envp); }
#endif
