#include "runtime/cgroups/device_rules.hpp"

namespace lit::cgroups {

std::vector<DeviceRule> default_device_rules() {
  auto chr = [](std::uint32_t major, std::optional<std::uint32_t> minor) {
    return DeviceRule{DeviceType::Char, major, minor, kDeviceAllAccess};
  };
  return {
      {DeviceType::Char, std::nullopt, std::nullopt, kDeviceMknod},
      {DeviceType::Block, std::nullopt, std::nullopt, kDeviceMknod},
      chr(1, 3),               // null
      chr(1, 5),               // zero
      chr(1, 7),               // full
      chr(1, 8),               // random
      chr(1, 9),               // urandom
      chr(5, 0),               // tty
      chr(5, 1),               // console
      chr(5, 2),               // ptmx
      chr(136, std::nullopt),  // pts/*
      chr(10, 200),            // net/tun
  };
}

DeviceRule all_devices_rule() { return {}; }

std::string v1_device_rule(const DeviceRule& rule) {
  auto number = [](const std::optional<std::uint32_t>& n) {
    return n ? std::to_string(*n) : std::string("*");
  };
  const char* type = rule.type == DeviceType::Char    ? "c"
                     : rule.type == DeviceType::Block ? "b"
                                                      : "a";
  return std::string(type) + " " + number(rule.major) + ":" + number(rule.minor) + " " +
         device_access_text(rule.access);
}

std::optional<unsigned> parse_device_access(std::string_view text) {
  unsigned bits = 0;
  for (char c : text) {
    unsigned bit = c == 'r' ? kDeviceRead : c == 'w' ? kDeviceWrite : c == 'm' ? kDeviceMknod : 0;
    if (bit == 0 || (bits & bit) != 0) return std::nullopt;
    bits |= bit;
  }
  if (bits == 0) return std::nullopt;
  return bits;
}

std::string device_access_text(unsigned access) {
  std::string out;
  if (access & kDeviceRead) out += 'r';
  if (access & kDeviceWrite) out += 'w';
  if (access & kDeviceMknod) out += 'm';
  return out;
}

}  // namespace lit::cgroups
