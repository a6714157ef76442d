#pragma once
// Device cgroup rules: which device nodes a container may create (mknod),
// read or write. lit's rules are an allow list: a device no rule names is
// denied (v1: "a" to devices.deny, then each rule to devices.allow; v2: an
// eBPF program that returns 0 unless a rule matches, see device_filter.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::cgroups {

enum class DeviceType { All, Char, Block };

// Access bits, as the kernel's BPF_DEVCG_ACC_* encode them.
inline constexpr unsigned kDeviceMknod = 1, kDeviceRead = 2, kDeviceWrite = 4;
inline constexpr unsigned kDeviceAllAccess = kDeviceMknod | kDeviceRead | kDeviceWrite;

struct DeviceRule {
  DeviceType type = DeviceType::All;
  std::optional<std::uint32_t> major, minor;  // nullopt: any ("*")
  unsigned access = kDeviceAllAccess;         // kDevice* bits, not 0
  bool operator==(const DeviceRule&) const = default;
};

// docker's default allow list (moby's default spec and runc's allowed
// devices together): mknod of any node; null, zero, full, random, urandom,
// tty, console, ptmx, the pts terminals and tun.
std::vector<DeviceRule> default_device_rules();

// One rule allowing every device (a privileged container).
DeviceRule all_devices_rule();

// "c 1:3 rwm", as v1's devices.allow reads a rule.
std::string v1_device_rule(const DeviceRule& rule);

// "rwm", "r", "rw"...: each of r, w, m at most once; nullopt for anything else.
std::optional<unsigned> parse_device_access(std::string_view text);
// The bits back as text, in the order r, w, m.
std::string device_access_text(unsigned access);

}  // namespace lit::cgroups
