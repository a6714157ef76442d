#include "app/views/image_display.hpp"

#include <chrono>
#include <cstdio>

#include "app/views/container_rows.hpp"
#include "app/views/status_text.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/state/ids.hpp"

namespace lit::app {

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

std::string created_ago(const std::string& created, std::time_t now) {
  auto t = runtime::parse_rfc3339(created);
  if (!t) return "N/A";
  auto age =
      std::chrono::system_clock::from_time_t(now) - std::chrono::floor<std::chrono::seconds>(*t);
  return human_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(age).count()) + " ago";
}

nlohmann::json inspect_json(const image::Image& img) {
  using nlohmann::json;
  auto list_or_null = [](const std::vector<std::string>& v) {
    return v.empty() ? json(nullptr) : json(v);
  };
  json repo_tags = json::array();
  for (const auto& t : img.tags) repo_tags.push_back(image::familiar(t));
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

std::vector<ListRow> list_rows(const image::Image& img) {
  std::vector<ListRow> rows;
  for (const auto& t : img.tags) {
    try {
      image::Reference r = image::parse_reference(t);
      rows.push_back({r.familiar_name(), r.tag, img.id, img.created, img.size});
    } catch (const std::exception&) {
      rows.push_back({t, "<none>", img.id, img.created, img.size});
    }
  }
  if (rows.empty()) rows.push_back({"<none>", "<none>", img.id, img.created, img.size});
  return rows;
}

FormatSpec image_ls_spec() {
  FormatSpec s;
  s.headers = {{"ID", "IMAGE ID"},
               {"Repository", "REPOSITORY"},
               {"Tag", "TAG"},
               {"Digest", "DIGEST"},
               {"CreatedSince", "CREATED"},
               {"CreatedAt", "CREATED AT"},
               {"Size", "SIZE"},
               {"Containers", "CONTAINERS"},
               {"VirtualSize", "VIRTUAL SIZE"},
               {"SharedSize", "SHARED SIZE"},
               {"UniqueSize", "UNIQUE SIZE"}};
  s.default_table = "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}";
  return s;
}

FormatRow image_ls_row(const ListRow& row, bool no_trunc, std::time_t now) {
  FormatRow out;
  out.fields = {{"Containers", "N/A"},
                {"CreatedAt", go_time(row.created)},
                {"CreatedSince", created_ago(row.created, now)},
                {"Digest", "<none>"},
                {"ID", no_trunc ? row.id : short_id(row.id)},
                {"Repository", row.repository},
                {"SharedSize", "N/A"},
                {"Size", human_size(row.size)},
                {"Tag", row.tag},
                {"UniqueSize", "N/A"},
                {"VirtualSize", human_size(row.size)}};
  return out;
}

}  // namespace lit::app
