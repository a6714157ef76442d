#include "app/views/config_views.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace lit::app {

std::string variables_table(const Variables& vars) {
  std::vector<std::vector<std::string>> rows{
      {"NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"}};
  for (const auto& [name, v] : vars)
    rows.push_back({name, v.required ? "true" : "false", v.default_value, v.alternate_value});
  std::vector<std::size_t> width(3, 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < 3; ++i) width[i] = std::max(width[i], r[i].size() + 3);
  for (auto& w : width) w = std::max<std::size_t>(w, 20);
  std::string out;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < 3; ++i) out += r[i] + std::string(width[i] - r[i].size(), ' ');
    out += r[3] + "\n";
  }
  return out;
}

nlohmann::ordered_json variables_object(const Variables& vars, bool yaml) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, v] : vars)
    j[name] = {{yaml ? "name" : "Name", name},
               {yaml ? "defaultvalue" : "DefaultValue", v.default_value},
               {yaml ? "presencevalue" : "PresenceValue", v.alternate_value},
               {yaml ? "required" : "Required", v.required}};
  return j;
}

std::string environment_lines(const std::map<std::string, std::string>& dotenv, char** environ) {
  std::map<std::string, std::string> all = dotenv;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    std::size_t eq = entry.find('=');
    if (eq != std::string::npos) all[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::vector<std::string> lines;
  for (const auto& [k, v] : all) lines.push_back(k + "=" + v);
  std::sort(lines.begin(), lines.end());  // compose sorts "K=V", not K
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace lit::app
