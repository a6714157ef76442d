#include "runtime/security/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "runtime/security/seccomp_default.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::security {
namespace {

// 32-bit entry points on 64-bit hosts must be filtered too, or they bypass the rules.
#if defined(__x86_64__)
constexpr std::array<std::uint32_t, 2> kCompatArches{SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
constexpr std::array<std::uint32_t, 1> kCompatArches{SCMP_ARCH_ARM};
#else
constexpr std::array<std::uint32_t, 0> kCompatArches{};
#endif

// Everything the generated program depends on, as text: the cache file is
// named by its hash and starts with it, so a changed profile, libseccomp or
// capability set never reads another's program.
std::string fingerprint(const std::vector<int>& caps) {
  const scmp_version* v = seccomp_version();
  std::string f = "lit-seccomp-3 libseccomp " + std::to_string(v->major) + "." +
                  std::to_string(v->minor) + "." + std::to_string(v->micro) + "\n";
  f += detail::default_rules_text();
  std::vector<int> sorted = caps;
  std::sort(sorted.begin(), sorted.end());
  f += "caps";
  for (int c : sorted) f += " " + std::to_string(c);
  return f;
}

// FNV-1a, 64 bits, as 16 hex digits: names the file and catches a torn one.
// (Not a defence against tampering: the run root is root's alone.)
std::string fnv1a(std::string_view data) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

constexpr size_t kChecksumSize = 16;

// The file: the fingerprint, a NUL, the program, then fnv1a of all before it.
std::string cache_bytes(const std::string& fp, const SeccompProgram& p) {
  std::string bytes = fp + '\0';
  bytes.append(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(sock_filter));
  return bytes + fnv1a(bytes);
}

std::optional<SeccompProgram> read_cached(const fs::path& file, const std::string& fp) {
  std::string bytes;
  try {
    bytes = read_file(file);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (bytes.size() < fp.size() + 1 + kChecksumSize) return std::nullopt;
  size_t end = bytes.size() - kChecksumSize;
  if (bytes.compare(end, kChecksumSize, fnv1a(std::string_view(bytes).substr(0, end))) != 0)
    return std::nullopt;
  if (bytes.compare(0, fp.size(), fp) != 0 || bytes[fp.size()] != '\0') return std::nullopt;
  size_t start = fp.size() + 1, body = end - start;
  if (body == 0 || body % sizeof(sock_filter) != 0 || body / sizeof(sock_filter) > BPF_MAXINSNS)
    return std::nullopt;
  SeccompProgram p(body / sizeof(sock_filter));
  std::memcpy(p.data(), bytes.data() + start, body);
  return p;
}

}  // namespace

SeccompFilter::SeccompFilter(SeccompFilter&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)), blocked_(std::move(o.blocked_)) {}

SeccompFilter::~SeccompFilter() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

namespace {

// libseccomp exports only to a file descriptor: a memfd, read back.
std::string export_filter(void* ctx, int (*exporter)(const scmp_filter_ctx, int)) {
  UniqueFd fd(::memfd_create("lit-seccomp-export", MFD_CLOEXEC));
  if (!fd) throw Error::sys("create memfd for", "seccomp filter", errno);
  int rc = exporter(ctx, fd.get());
  if (rc < 0) throw Error::sys("export", "seccomp filter", -rc);
  return read_file("/proc/self/fd/" + std::to_string(fd.get()));
}

}  // namespace

std::string SeccompFilter::pfc() const { return export_filter(ctx_, seccomp_export_pfc); }

SeccompProgram SeccompFilter::program() const {
  std::string bytes = export_filter(ctx_, seccomp_export_bpf);
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
    throw Error("export seccomp filter", "", 0, "libseccomp returned no whole program");
  SeccompProgram p(bytes.size() / sizeof(sock_filter));
  std::memcpy(p.data(), bytes.data(), bytes.size());
  return p;
}

void load_program(const SeccompProgram& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    throw Error::sys("load", "seccomp filter", errno);
}

SeccompProgram default_seccomp_program(const std::vector<int>& caps, const fs::path& cache_dir) {
  if (cache_dir.empty()) return build_default_seccomp(caps).program();
  const std::string fp = fingerprint(caps);
  fs::path file = cache_dir / (fnv1a(fp) + ".bpf");
  if (auto cached = read_cached(file, fp)) return *cached;
  SeccompProgram p = build_default_seccomp(caps).program();
  try {
    make_dirs(cache_dir, 0700);
    write_file_atomic(file, cache_bytes(fp, p), 0600, Durability::NoSync);
  } catch (const Error& e) {  // the container starts anyway; the next one compiles again
    spdlog::debug("keep seccomp program in {}: {}", cache_dir.string(), e.what());
  }
  return p;
}

void SeccompFilter::load() {
  int rc = seccomp_load(ctx_);
  if (rc < 0) throw Error::sys("load", "seccomp filter", -rc);
}

namespace {

// A context that allows by default, with lit's attributes; with `arch`, it
// filters that ABI instead of the native one.
scmp_filter_ctx new_context(std::optional<std::uint32_t> arch) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) throw Error("create seccomp filter", "libseccomp");
  auto fail = [&](const char* op, int rc) {
    seccomp_release(ctx);
    return Error::sys(op, "seccomp filter", -rc);
  };
  // lit sets no_new_privs itself, only when asked; libseccomp would always set it.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0) throw fail("configure", rc);
  // A binary tree of syscall numbers instead of one linear chain per
  // architecture: a few more instructions, but every syscall the container
  // makes is decided in ~log(n) steps, and loading it is ~3.5x cheaper (the
  // kernel emulates the filter for every syscall number to build its cache
  // of always-allowed ones: ~290 us for the chain here, ~80 us for the tree).
  // libseccomp before 2.5 lacks it; the chain does the same job.
  if (int opt = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); opt < 0)
    spdlog::debug("seccomp filter: no binary tree optimization ({})", std::strerror(-opt));
  if (arch) {
    if (int rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE); rc < 0) throw fail("set up", rc);
    if (int rc = seccomp_arch_add(ctx, *arch); rc < 0) throw fail("add architecture to", rc);
  }
  return ctx;
}

}  // namespace

// One context per ABI, merged: libseccomp adds a rule with argument checks
// exactly as written only to a single-ABI context (on a multi-ABI one it
// rewrites i386's socket() into socketcall(), dropping the checks, which would
// refuse every socket).
SeccompFilter build_default_seccomp(const std::vector<int>& caps) {
  SeccompFilter f(new_context(std::nullopt));
  detail::add_default_rules(f.ctx_, seccomp_arch_native(), caps, &f.blocked_);
  for (std::uint32_t arch : kCompatArches) {
    scmp_filter_ctx sub = new_context(arch);
    try {
      detail::add_default_rules(sub, arch, caps, nullptr);
    } catch (...) {
      seccomp_release(sub);
      throw;
    }
    if (int rc = seccomp_merge(f.ctx_, sub); rc < 0) {
      seccomp_release(sub);
      throw Error::sys("merge seccomp filter of architecture", std::to_string(arch), -rc);
    }
  }
  return f;
}

}  // namespace lit::security
