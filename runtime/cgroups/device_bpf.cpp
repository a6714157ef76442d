// Loading and attaching the device program through the bpf(2) syscall itself:
// no libbpf and no external tool, the program being a handful of instructions.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/cgroups/device_filter.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::cgroups {
namespace {

long bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

// Loads the program; on a verifier refusal, loads it again with a log to tell why.
UniqueFd load(const std::vector<bpf_insn>& program) {
  static const char kLicense[] = "GPL";
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<std::uintptr_t>(program.data());
  attr.insn_cnt = static_cast<std::uint32_t>(program.size());
  attr.license = reinterpret_cast<std::uintptr_t>(kLicense);
  std::strncpy(attr.prog_name, "lit_devices", sizeof attr.prog_name - 1);
  UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
  if (fd) return fd;
  int err = errno;
  std::string log(16384, '\0');
  if (err == EINVAL || err == EACCES) {
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<std::uintptr_t>(log.data());
    attr.log_size = static_cast<std::uint32_t>(log.size());
    UniqueFd again(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    if (again) return again;
    log.resize(std::strlen(log.c_str()));
  } else {
    log.clear();
  }
  Error e = Error::sys("load the device cgroup program (bpf BPF_PROG_LOAD)", "", err);
  if (!log.empty())
    e.with_hint("the kernel's verifier said: " + log);
  else if (err == EPERM)
    e.with_hint("loading BPF programs needs CAP_BPF or CAP_SYS_ADMIN");
  throw e;
}

}  // namespace

void attach_device_filter(const fs::path& cgroup_dir, const std::vector<DeviceRule>& rules) {
  UniqueFd program = load(device_filter_program(rules));
  UniqueFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throw Error::sys("open cgroup", cgroup_dir.string(), errno);
  bpf_attr attr{};
  attr.target_fd = static_cast<std::uint32_t>(dir.get());
  attr.attach_bpf_fd = static_cast<std::uint32_t>(program.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  // Several programs may run for one cgroup (systemd's of a parent, say): all must allow.
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attr) < 0)
    throw Error::sys("attach the device cgroup program to", cgroup_dir.string(), errno);
}

}  // namespace lit::cgroups
