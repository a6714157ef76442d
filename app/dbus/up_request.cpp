#include "app/dbus/up_request.hpp"

#include <filesystem>

#include "runtime/util/error.hpp"

namespace lit::app::dbus {

namespace {

constexpr const char* kKnownOptions =
    "files (as), profiles (as), services (as), wait (b), timeout (u), atomic (b), build (b), "
    "force_recreate (b), remove_orphans (b), pull (s)";

template <typename T>
const T& value_of(const std::string& name, const OptionValue& v, const char* signature) {
  if (v.signature != signature || !std::holds_alternative<T>(v.value))
    throw Error("Up: option \"" + name + "\" must be of type " + signature + ", not " +
                (v.signature.empty() ? "?" : v.signature))
        .with_hint(std::string("the options: ") + kKnownOptions);
  return std::get<T>(v.value);
}

}  // namespace

UpRequest parse_up_request(const std::string& project_dir,
                           const std::map<std::string, OptionValue>& options) {
  std::filesystem::path dir(project_dir);
  if (project_dir.empty() || !dir.is_absolute())
    throw Error("Up: project directory \"" + project_dir + "\" is not an absolute path")
        .with_hint("give the directory from /");
  UpRequest r;
  r.project_dir = dir.lexically_normal().string();
  for (const auto& [name, v] : options) {
    if (name == "files") {
      for (const auto& f : value_of<std::vector<std::string>>(name, v, "as")) {
        if (f.empty()) throw Error("Up: option \"files\" holds an empty path");
        std::filesystem::path p(f);
        r.files.push_back((p.is_absolute() ? p : dir / p).lexically_normal().string());
      }
    } else if (name == "profiles") {
      r.profiles = value_of<std::vector<std::string>>(name, v, "as");
    } else if (name == "services") {
      r.services = value_of<std::vector<std::string>>(name, v, "as");
      for (const auto& service : r.services)
        if (service.empty()) throw Error("Up: option \"services\" holds an empty name");
    } else if (name == "build") {
      r.build = value_of<bool>(name, v, "b");
    } else if (name == "force_recreate") {
      r.force_recreate = value_of<bool>(name, v, "b");
    } else if (name == "remove_orphans") {
      r.remove_orphans = value_of<bool>(name, v, "b");
    } else if (name == "pull") {
      r.pull = value_of<std::string>(name, v, "s");
      if (r.pull != "always" && r.pull != "missing" && r.pull != "never")
        throw Error("Up: option \"pull\" is \"" + r.pull + "\"")
            .with_hint("pull is always, missing or never");
    } else if (name == "wait") {
      r.wait = value_of<bool>(name, v, "b");
    } else if (name == "atomic") {
      r.atomic = value_of<bool>(name, v, "b");
    } else if (name == "timeout") {
      std::uint32_t s = value_of<std::uint32_t>(name, v, "u");
      if (s == 0) throw Error("Up: option \"timeout\" must be at least 1 second");
      r.timeout = std::chrono::seconds(s);
    } else {
      throw Error("Up: unknown option \"" + name + "\"")
          .with_hint(std::string("the options: ") + kKnownOptions);
    }
  }
  return r;
}

}  // namespace lit::app::dbus
