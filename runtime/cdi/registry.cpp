#include "runtime/cdi/registry.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "runtime/util/error.hpp"

namespace lit::runtime::cdi {
namespace {

namespace fs = std::filesystem;

// The spec files of one directory, in name order (a missing directory has none).
std::vector<fs::path> spec_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if ((p.extension() == ".json" || p.extension() == ".yaml") && it->is_regular_file(ec))
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Found {
  std::size_t spec;    // index in Registry::specs
  std::size_t device;  // index in that spec's devices
  std::size_t dir;     // priority: a later directory wins
};

struct Registry {
  std::vector<Spec> specs;
  std::map<std::string, Found> devices;  // by qualified name, "vendor/class=name"

  explicit Registry(const std::vector<fs::path>& dirs) {
    for (std::size_t d = 0; d < dirs.size(); ++d)
      for (const auto& file : spec_files(dirs[d])) {
        specs.push_back(read_spec(file));
        const Spec& s = specs.back();
        for (std::size_t i = 0; i < s.devices.size(); ++i) {
          std::string name = s.kind + "=" + s.devices[i].name;
          auto [it, added] = devices.try_emplace(name, Found{specs.size() - 1, i, d});
          if (added) continue;
          if (it->second.dir == d)
            throw Error("CDI device " + name + " is defined twice in " + dirs[d].string() + ": " +
                        specs[it->second.spec].file.filename().string() + " and " +
                        file.filename().string())
                .with_hint("remove one of the two spec files");
          it->second = Found{specs.size() - 1, i, d};
        }
      }
  }

  // The qualified names a request stands for.
  std::vector<std::string> expand(const DeviceName& n) const {
    if (devices.contains(n.text()) || n.name != "all") return {n.text()};
    std::vector<std::string> out;
    const std::string prefix = n.kind() + "=";
    for (const auto& [name, _] : devices)
      if (name.starts_with(prefix)) out.push_back(name);
    return out.empty() ? std::vector<std::string>{n.text()} : out;
  }
};

std::string joined(const std::vector<fs::path>& dirs) {
  std::string out;
  for (const auto& d : dirs) out += (out.empty() ? "" : ", ") + d.string();
  return out;
}

// Hooks and the fields lit cannot apply: refused, never dropped in silence.
void check_supported(const DeviceEdits& e) {
  const std::string where = e.origin() + ": " + e.what();
  if (!e.edits.hooks.empty())
    throw Error(where + " run OCI hooks (" + e.edits.hooks.front().hook_name + " " +
                e.edits.hooks.front().path + "), which lit does not run")
        .with_hint("lit applies env, deviceNodes, mounts and additionalGids only");
  if (!e.edits.unsupported.empty())
    throw Error(where + " set " + e.edits.unsupported.front() + ", which lit does not apply")
        .with_hint("lit applies env, deviceNodes, mounts and additionalGids only");
}

}  // namespace

const std::vector<fs::path>& default_spec_dirs() {
  static const std::vector<fs::path> dirs = {"/etc/cdi", "/var/run/cdi"};
  return dirs;
}

std::vector<DeviceEdits> resolve(const std::vector<DeviceName>& names,
                                 const std::vector<fs::path>& dirs) {
  std::vector<DeviceEdits> out;
  if (names.empty()) return out;
  Registry registry(dirs);
  std::set<std::string> seen;
  std::set<std::size_t> specs_applied;
  for (const auto& n : names)
    for (const auto& name : registry.expand(n)) {
      auto it = registry.devices.find(name);
      if (it == registry.devices.end())
        throw Error("unknown CDI device " + name + " (searched " + joined(dirs) + ")")
            .with_hint(
                "a device's vendor tool writes its spec file there (e.g. `nvidia-ctk cdi "
                "generate`); check the name with the kind and names in those files");
      if (!seen.insert(name).second) continue;
      const Spec& spec = registry.specs[it->second.spec];
      if (specs_applied.insert(it->second.spec).second)
        out.push_back({name, spec.file, true, spec.edits});
      out.push_back({name, spec.file, false, spec.devices[it->second.device].edits});
    }
  for (const auto& e : out) check_supported(e);
  return out;
}

}  // namespace lit::runtime::cdi
