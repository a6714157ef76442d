#include "reconciler/load/optimize_file.hpp"

#include <algorithm>

#include "reconciler/load/tree.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace fs = std::filesystem;

std::map<std::string, std::int64_t> read_optimize_file(const fs::path& file) {
  const std::string display = file.filename().string();
  Node root = parse_yaml_file(file.string(), display);
  std::map<std::string, std::int64_t> limits;
  if (root.is_null()) return limits;
  expect_map(root, "");
  for (const auto& e : root.entries) {
    if (e.key.starts_with("x-")) continue;
    if (e.key != "services")
      fail(e.key_loc, e.key,
           "lit.optimize.yml holds only services.NAME.mem_limit (lit optimize apply writes it)");
    if (e.value.is_null()) continue;
    expect_map(e.value, "services");
    for (const auto& s : e.value.entries) {
      const std::string path = "services." + s.key;
      if (s.value.is_null()) continue;
      expect_map(s.value, path);
      for (const auto& k : s.value.entries) {
        if (k.key.starts_with("x-")) continue;
        if (k.key != "mem_limit")
          fail(k.key_loc, sub(path, k.key),
               "lit.optimize.yml holds only mem_limit (lit optimize apply writes it); "
               "put other keys in the project's own files");
        std::int64_t bytes = as_bytes(k.value, sub(path, k.key));
        if (bytes < 6 * 1024 * 1024)
          fail(k.value, sub(path, k.key), "expected at least 6m (a memory limit's minimum)");
        limits[s.key] = bytes;
      }
    }
  }
  return limits;
}

void apply_optimize_file(Project& project, Diag& diag) {
  const fs::path file = fs::path(project.working_dir) / kOptimizeFile;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return;
  // Not the project's own file when the user named it with -f.
  for (const auto& f : project.files)
    if (fs::path(f) == file) return;
  auto limits = read_optimize_file(file);
  project.optimize_file = file.string();
  project.other_files.push_back(file.string());
  for (const auto& [name, bytes] : limits) {
    auto it = project.services.find(name);
    if (it == project.services.end()) {
      if (std::find(project.disabled_services.begin(), project.disabled_services.end(), name) ==
          project.disabled_services.end())
        diag.warn({}, std::string(kOptimizeFile) + ": services." + name,
                  "no such service in the project, ignored (lit optimize apply writes the file "
                  "again)");
      continue;
    }
    Service& s = it->second;
    s.memory_from_optimize = !s.resources.memory.has_value();
    s.resources.memory = bytes;
  }
  for (const auto& [name, s] : project.services)
    if (s.optimize.auto_memory_tune && s.optimize.memory_ceiling && s.resources.memory &&
        !s.memory_from_optimize)
      diag.warn({}, "services." + name + ".optimize.memory_ceiling",
                "the service's own memory limit is never raised, only one that lit optimize "
                "apply set (in lit.optimize.yml)");
}

}  // namespace lit::reconciler::load
