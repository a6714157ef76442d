#include "runtime/volume/volumes.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "runtime/state/ids.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

fs::path meta_file(const Paths& paths, const std::string& name) {
  return volumes_dir(paths) / name / "volume.json";
}

// A volume made on demand has no volume.json: its directory's time is its creation.
std::string created_of(const fs::path& dir) {
  std::error_code ec;
  auto t = fs::last_write_time(dir, ec);
  if (ec) return now_rfc3339();
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(
          std::chrono::file_clock::to_sys(t)));
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

VolumeInfo read_volume(const Paths& paths, const std::string& name) {
  VolumeInfo v;
  v.name = name;
  v.mountpoint = volumes_dir(paths) / name / "_data";
  fs::path meta = meta_file(paths, name);
  std::error_code ec;
  if (!fs::exists(meta, ec)) {
    v.created = created_of(volumes_dir(paths) / name);
    return v;
  }
  try {
    auto j = nlohmann::json::parse(read_file(meta));
    v.driver = j.value("Driver", "local");
    v.created = j.value("CreatedAt", "");
    v.labels = j.value("Labels", std::map<std::string, std::string>{});
    v.options = j.value("Options", std::map<std::string, std::string>{});
  } catch (const nlohmann::json::exception& e) {
    throw Error("read volume " + name + ": " + e.what(), meta.string(), 0,
                "the file is damaged: remove it (the data in _data stays)");
  }
  return v;
}

}  // namespace

fs::path volumes_dir(const Paths& paths) { return paths.root / "volumes"; }

void validate_volume_name(const std::string& name) {
  static const std::regex kName("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  if (!std::regex_match(name, kName))
    throw Error("invalid volume name \"" + name + "\"", {}, 0,
                "use [a-zA-Z0-9][a-zA-Z0-9_.-]+, at least two characters");
}

VolumeInfo create_volume(const Paths& paths, const std::string& name,
                         const std::map<std::string, std::string>& labels,
                         const std::map<std::string, std::string>& options) {
  validate_volume_name(name);
  if (!options.empty())
    throw Error("create volume " + name + ": driver options are not supported", {}, 0,
                "lit's volumes are directories (the local driver without options)");
  if (auto existing = find_volume(paths, name)) return *existing;
  make_dirs(volumes_dir(paths) / name / "_data", 0755);
  nlohmann::json j = {{"Name", name},
                      {"Driver", "local"},
                      {"CreatedAt", now_rfc3339()},
                      {"Labels", labels},
                      {"Options", nlohmann::json::object()}};
  write_file_atomic(meta_file(paths, name), j.dump(2) + "\n");
  return read_volume(paths, name);
}

std::optional<VolumeInfo> find_volume(const Paths& paths, const std::string& name) {
  std::error_code ec;
  if (name.empty() || name.find('/') != std::string::npos ||
      !fs::is_directory(volumes_dir(paths) / name / "_data", ec))
    return std::nullopt;
  return read_volume(paths, name);
}

std::vector<VolumeInfo> list_volumes(const Paths& paths) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(volumes_dir(paths), ec))
    if (fs::is_directory(e.path() / "_data", ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::vector<VolumeInfo> out;
  for (const auto& n : names) out.push_back(read_volume(paths, n));
  return out;
}

std::vector<std::string> volume_users(const Paths& paths, const std::string& name) {
  const std::string data = (volumes_dir(paths) / name / "_data").string();
  std::vector<std::string> users;
  for (const auto& r : RecordStore(paths).list())
    for (const auto& m : r.spec.mounts)
      if (m.source == data || m.source.starts_with(data + "/")) {
        users.push_back(r.name);
        break;
      }
  std::sort(users.begin(), users.end());
  return users;
}

void remove_volume(const Paths& paths, const std::string& name) {
  if (!find_volume(paths, name)) throw Error("no such volume: " + name);
  auto users = volume_users(paths, name);
  if (!users.empty()) {
    std::string list;
    for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
    throw Error("remove volume " + name + ": volume is in use by " + list, {}, 0,
                "remove those containers first (lit rm)");
  }
  remove_tree(volumes_dir(paths) / name);
}

}  // namespace lit::runtime
