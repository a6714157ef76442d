#pragma once
// A CDI device's qualified name, "VENDOR/CLASS=NAME" (the Container Device
// Interface, github.com/cncf-tags/container-device-interface), as --device
// and compose's devices: take it beside HOST[:CONTAINER][:PERMS].
#include <optional>
#include <string>
#include <string_view>

namespace lit::runtime::cdi {

struct DeviceName {
  std::string vendor;  // "example.com"
  std::string cls;     // "gpu"
  std::string name;    // "0", "all"
  // "example.com/gpu": a spec file's kind.
  std::string kind() const { return vendor + "/" + cls; }
  // "example.com/gpu=0"
  std::string text() const { return kind() + "=" + name; }
  bool operator==(const DeviceName&) const = default;
};

// True for a value --device reads as a CDI name rather than a host path: it
// does not start with "/" and holds a "=" (a path must be absolute anyway).
bool is_device_name(std::string_view value);

// Why `kind` ("VENDOR/CLASS") is not one, or nullopt. VENDOR is domain-like:
// dot-separated labels of letters, digits, '-' and '_', each starting and
// ending with a letter or digit, at most 253 characters; CLASS starts and ends
// with a letter or digit with letters, digits, '-', '_' and '.' between, at
// most 63 characters.
std::optional<std::string> kind_problem(std::string_view kind);
// Why `name` is not a device name, or nullopt: it starts and ends with a
// letter or digit, with letters, digits, '-', '_', '.' and ':' between.
std::optional<std::string> device_name_problem(std::string_view name);

// "VENDOR/CLASS=NAME"; throws a one-line error naming `flag` ("flag
// --device", or a compose key): invalid value "x" for flag --device: ...
DeviceName parse_device_name(std::string_view value, std::string_view flag = "flag --device");

}  // namespace lit::runtime::cdi
