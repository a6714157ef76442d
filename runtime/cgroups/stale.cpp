#include "runtime/cgroups/stale.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "runtime/util/error.hpp"

namespace lit::cgroups {

namespace fs = std::filesystem;

namespace {

bool has_subdirectory(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec)) return true;
  return false;
}

// All its directories older than min_age and without children (a container
// that made cgroups of its own keeps its processes there, not in ours).
// False when none exists.
bool abandoned_shape(const Cgroup& cg, std::chrono::seconds min_age) {
  const auto now = fs::file_time_type::clock::now();
  bool any = false;
  for (const auto& dir : cg.paths()) {
    std::error_code ec;
    auto t = fs::last_write_time(dir, ec);
    if (ec) continue;  // not in this controller's hierarchy
    if (now - t < min_age || has_subdirectory(dir)) return false;
    any = true;
  }
  return any;
}

}  // namespace

std::vector<std::string> stale_cgroups(Manager& manager, std::chrono::seconds min_age) {
  std::vector<std::string> out;
  for (const auto& id : manager.list()) {
    try {
      std::unique_ptr<Cgroup> cg = manager.open(id);  // throws for a name lit never makes
      if (abandoned_shape(*cg, min_age) && cg->processes().empty()) out.push_back(id);
    } catch (const Error&) {
    }
  }
  return out;
}

bool remove_if_unused(Manager& manager, const std::string& id) noexcept {
  try {
    std::unique_ptr<Cgroup> cg = manager.open(id);
    if (!abandoned_shape(*cg, std::chrono::seconds(0)) || !cg->processes().empty()) return false;
    cg->destroy();
    return true;
  } catch (const std::exception& e) {
    spdlog::debug("remove unused cgroup {}: {}", id, e.what());
    return false;
  }
}

std::size_t remove_stale_cgroups(Manager& manager, std::chrono::seconds min_age) {
  std::size_t removed = 0;
  for (const auto& id : stale_cgroups(manager, min_age)) {
    try {
      manager.open(id)->destroy();
      ++removed;
    } catch (const std::exception& e) {
      spdlog::debug("remove stale cgroup {}: {}", id, e.what());
    }
  }
  return removed;
}

}  // namespace lit::cgroups
