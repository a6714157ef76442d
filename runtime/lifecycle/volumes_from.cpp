#include "runtime/lifecycle/volumes_from.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "runtime/util/error.hpp"
#include "runtime/volume/volumes.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

// A volume's name when `source` is <volumes>/NAME/_data, else "".
std::string volume_name(const fs::path& volumes, const fs::path& source) {
  if (source.parent_path().parent_path() != volumes || source.filename() != "_data") return "";
  return source.parent_path().filename().string();
}

bool is_under(const fs::path& dir, const fs::path& p) {
  auto rel = p.lexically_relative(dir);
  return !dir.empty() && !rel.empty() && *rel.begin() != "..";
}

}  // namespace

void add_volumes_from(const Paths& paths, const RecordStore& records, ContainerRequest& request) {
  if (request.volumes_from.empty()) return;
  std::set<std::string> taken;
  for (const auto& v : request.volumes) taken.insert(v.destination);
  for (const auto& t : request.tmpfs) taken.insert(t.destination);
  for (const auto& f : request.content_files) taken.insert(f.target);
  const fs::path volumes = volumes_dir(paths);
  for (const auto& from : request.volumes_from) {
    ContainerRecord source = records.lookup(from.container);
    for (const auto& m : source.spec.mounts) {
      if (m.type != "bind" || !taken.insert(m.destination).second) continue;
      // Its secrets and configs: files in its own directory, gone with it.
      if (is_under(source.spec.bundle, m.source) ||
          is_under(paths.run_container(source.id), m.source))
        continue;
      const bool ro = std::find(m.options.begin(), m.options.end(), "ro") != m.options.end();
      VolumeMount v{VolumeMount::Kind::Bind, m.source, m.destination, from.read_only.value_or(ro)};
      if (std::string name = volume_name(volumes, m.source); !name.empty()) {
        v.kind = VolumeMount::Kind::Named;  // the same volume, anonymous or not
        v.source = name;
      }
      request.volumes.push_back(std::move(v));
    }
  }
}

}  // namespace lit::runtime
