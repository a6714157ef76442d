#pragma once
// The arguments of io.lit.Manager1.Up as typed values: the D-Bus adaptor
// (app/dbus/bin) turns each a{sv} entry into an OptionValue, and this pure
// step checks names and types, so it is unit-tested without a bus.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "app/project.hpp"

namespace lit::app::dbus {

// One option's value with its D-Bus signature ("b", "u", "as", ...); a type
// the options never take is kept as monostate (its signature names it).
struct OptionValue {
  std::string signature;
  std::variant<std::monostate, bool, std::uint32_t, std::string, std::vector<std::string>> value;
};

// Up(project_dir, options): project_dir absolute; options "files" (as,
// relative ones from project_dir), "profiles" (as), "services" (as), "wait"
// (b), "timeout" (u, seconds, default 120), "atomic" (b), and up's flags
// "build", "force_recreate", "remove_orphans" (b) and "pull" (s: always,
// missing, never). Throws lit::Error naming what is wrong.
UpRequest parse_up_request(const std::string& project_dir,
                           const std::map<std::string, OptionValue>& options);

}  // namespace lit::app::dbus
