// --format for the list commands: the flag, else docker's config file.
#include "app/list_output.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

namespace lit::app {

namespace {

std::filesystem::path docker_config_file() {
  const char* dir = std::getenv("DOCKER_CONFIG");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "config.json";
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return {};
  return std::filesystem::path(home) / ".docker" / "config.json";
}

}  // namespace

FormatChoice choose_format(const std::string& flag_value, const char* config_key) {
  if (!flag_value.empty() || config_key == nullptr) return {flag_value};
  std::filesystem::path file = docker_config_file();
  std::ifstream in(file);
  if (file.empty() || !in) return {};
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stderr, "lit: warning: %s is not JSON: its %s is ignored\n", file.c_str(),
                 config_key);
    return {};
  }
  auto it = j.find(config_key);
  if (it == j.end() || !it->is_string()) return {};
  return {it->get<std::string>(), std::string(config_key) + " in " + file.string()};
}

OutputFormat parse_format(const FormatChoice& format, FormatSpec spec) {
  spec.flag = format.flag;
  return OutputFormat(format.text, spec);
}

void print_rows(const FormatChoice& format, FormatSpec spec, const std::vector<FormatRow>& rows) {
  std::fputs(parse_format(format, std::move(spec)).render(rows).c_str(), stdout);
}

}  // namespace lit::app
