#include "app/views/image_display.hpp"

#include <cstdio>

#include "app/views/status_text.hpp"
#include "runtime/image/reference.hpp"

namespace lit::image {

std::string short_id(const std::string& id) {
  std::string_view hex = id;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  return std::string(hex.substr(0, 12));
}

std::string human_size(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1000.0 && u + 1 < std::size(kUnits)) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, kUnits[u]);
  return buf;
}

std::string human_duration(std::int64_t s) { return app::human_duration(s * 1'000'000'000); }

std::optional<std::time_t> parse_rfc3339(std::string_view t) {
  int Y, M, D, h, m, s, used = 0;
  std::string str(t);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &used) != 6)
    return std::nullopt;
  std::string_view rest = t.substr(static_cast<std::size_t>(used));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  long offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2)
      return std::nullopt;
    offset = (rest[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return ::timegm(&tm) - offset;
}

std::string created_ago(const std::string& created, std::time_t now) {
  auto t = parse_rfc3339(created);
  if (!t) return "N/A";
  return human_duration(now - *t) + " ago";
}

nlohmann::json inspect_json(const Image& img) {
  using nlohmann::json;
  auto list_or_null = [](const std::vector<std::string>& v) {
    return v.empty() ? json(nullptr) : json(v);
  };
  json repo_tags = json::array();
  for (const auto& t : img.tags) repo_tags.push_back(familiar(t));
  json ports = json::object();
  for (const auto& p : img.config.exposed_ports) ports[p] = json::object();
  json config = {
      {"Entrypoint", list_or_null(img.config.entrypoint)},
      {"Cmd", list_or_null(img.config.cmd)},
      {"Env", list_or_null(img.config.env)},
      {"WorkingDir", img.config.working_dir},
      {"User", img.config.user},
      {"Labels", img.config.labels.empty() ? json(nullptr) : json(img.config.labels)},
      {"ExposedPorts", ports.empty() ? json(nullptr) : ports},
      {"Healthcheck", img.config.healthcheck},
      {"StopSignal", img.config.stop_signal},
  };
  return {
      {"Id", img.id},
      {"RepoTags", repo_tags},
      {"RepoDigests", json::array()},
      {"Created", img.created},
      {"Architecture", img.architecture},
      {"Os", img.os},
      {"Config", config},
      {"RootFS", {{"Type", "layers"}, {"Layers", img.diff_ids}}},
      {"Size", img.size},
      {"Metadata", {{"ManifestDigest", img.manifest_digest}}},
  };
}

std::vector<ListRow> list_rows(const Image& img) {
  std::vector<ListRow> rows;
  for (const auto& t : img.tags) {
    try {
      Reference r = parse_reference(t);
      rows.push_back({r.familiar_name(), r.tag, img.id, img.created, img.size});
    } catch (const std::exception&) {
      rows.push_back({t, "<none>", img.id, img.created, img.size});
    }
  }
  if (rows.empty()) rows.push_back({"<none>", "<none>", img.id, img.created, img.size});
  return rows;
}

}  // namespace lit::image
