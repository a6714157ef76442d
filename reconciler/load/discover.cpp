// Project file discovery, as docker compose does it (plus lit.yml first).
#include <filesystem>
#include <system_error>

#include "reconciler/load/load.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;

namespace {

struct Candidate {
  const char* file;
  std::vector<const char*> overrides;
};

const std::vector<Candidate>& candidates() {
  static const std::vector<const char*> compose_overrides = {
      "compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
      "docker-compose.override.yaml"};
  static const std::vector<Candidate> c = {
      {"lit.yml", {"lit.override.yml", "lit.override.yaml"}},
      {"lit.yaml", {"lit.override.yaml", "lit.override.yml"}},
      {"compose.yaml", compose_overrides},
      {"compose.yml", compose_overrides},
      {"docker-compose.yml", compose_overrides},
      {"docker-compose.yaml", compose_overrides},
  };
  return c;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<std::string> discover_files(const std::string& dir) {
  std::error_code ec;
  fs::path d =
      fs::absolute(dir.empty() ? fs::current_path(ec) : fs::path(dir), ec).lexically_normal();
  while (true) {
    for (const auto& c : candidates()) {
      if (!is_file(d / c.file)) continue;
      std::vector<std::string> out = {(d / c.file).string()};
      for (const char* o : c.overrides)
        if (is_file(d / o)) {
          out.push_back((d / o).string());
          break;
        }
      return out;
    }
    if (d == d.root_path() || d.parent_path() == d) return {};
    d = d.parent_path();
  }
}

std::string normalize_project_name(const std::string& dir_name) {
  std::string out;
  for (char c : dir_name) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool alnum = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (alnum || (!out.empty() && (l == '_' || l == '-'))) out += l;
  }
  return out;
}

}  // namespace lit::reconciler
