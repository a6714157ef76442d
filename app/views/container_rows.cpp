// Container rows for `lit container ls` (docker ps) and the project's `ps` (compose ps).
#include "app/views/container_rows.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "app/views/image_display.hpp"
#include "app/views/status_text.hpp"
#include "app/views/table.hpp"
#include "runtime/state/ids.hpp"

namespace lit::app {

using Json = nlohmann::ordered_json;

namespace {

std::string joined(const std::vector<std::string>& items, const char* sep = ",") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// docker's formatter.Ellipsis: at most `width` code points, the last one "…".
std::string ellipsis(const std::string& s, std::size_t width) {
  std::size_t count = 0, cut = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (count == width - 1) cut = i;
    ++count;
  }
  return count <= width ? s : s.substr(0, cut) + "…";
}

std::string ago(const std::string& when, std::chrono::system_clock::time_point now) {
  auto tp = runtime::parse_rfc3339(when).value_or(now);
  return human_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(now - tp).count()) +
         " ago";
}

std::string labels_column(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> kv;
  for (const auto& [k, v] : labels) kv.push_back(k + "=" + v);
  return joined(kv);
}

// Volumes by name (their data lives in VOLUMES/NAME/_data), bind mounts by source.
struct MountNames {
  std::vector<std::string> names;
  int local_volumes = 0;
};

MountNames mount_names(const runtime::ContainerRecord& r, bool trunc) {
  MountNames out;
  for (const auto& m : r.spec.mounts) {
    if (m.type != "bind") continue;
    std::filesystem::path src(m.source);
    std::string name = m.source;
    if (src.filename() == "_data" && src.parent_path().parent_path().filename() == "volumes") {
      name = src.parent_path().filename().string();
      ++out.local_volumes;
    }
    out.names.push_back(trunc ? ellipsis(name, 15) : name);
  }
  return out;
}

std::string networks_column(const runtime::ContainerRecord& r) {
  std::vector<std::string> names;
  for (const auto& n : r.networks) names.push_back(n.network);
  std::sort(names.begin(), names.end());
  if (names.empty()) names.emplace_back(runtime::network_mode_name(r.spec.network));
  return joined(names);
}

bool running(const runtime::ContainerState& st) {
  return st.status == runtime::ContainerStatus::Running;
}

std::vector<PortSummary> ports_of(const ContainerFacts& c) {
  if (!running(c.state)) return {};
  return port_summaries(c.state.ports, c.exposed);
}

std::string health_word(const runtime::ContainerState& st) {
  return st.health ? std::string(runtime::to_string(st.health->status)) : "";
}

std::string short_or_full(const std::string& id, bool trunc) {
  return trunc ? id.substr(0, 12) : id;
}

}  // namespace

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string command_column(const std::vector<std::string>& args, bool trunc) {
  std::string s = joined(args, " ");
  return go_quote(trunc ? ellipsis(s, 20) : s);
}

std::string go_time(const std::string& rfc3339) {
  auto tp = runtime::parse_rfc3339(rfc3339);
  if (!tp) return "";
  std::time_t t = std::chrono::system_clock::to_time_t(*tp);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

FormatSpec docker_ps_spec() {
  FormatSpec s;
  s.headers = {{"ID", "CONTAINER ID"},      {"Names", "NAMES"},
               {"Image", "IMAGE"},          {"Command", "COMMAND"},
               {"CreatedAt", "CREATED AT"}, {"RunningFor", "CREATED"},
               {"Ports", "PORTS"},          {"State", "STATE"},
               {"Status", "STATUS"},        {"Size", "SIZE"},
               {"Labels", "LABELS"},        {"Mounts", "MOUNTS"},
               {"Networks", "NETWORKS"},    {"LocalVolumes", "LOCAL VOLUMES"}};
  s.default_table =
      "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{."
      "Names}}";
  s.labels = true;
  return s;
}

FormatRow docker_ps_row(const ContainerFacts& c) {
  const auto& r = c.record;
  MountNames mounts = mount_names(r, c.trunc);
  FormatRow row;
  row.fields = {{"Command", command_column(r.args, c.trunc)},
                {"CreatedAt", go_time(r.created)},
                {"ID", short_or_full(r.id, c.trunc)},
                {"Image", r.image},
                {"Labels", labels_column(r.labels)},
                {"LocalVolumes", std::to_string(mounts.local_volumes)},
                {"Mounts", joined(mounts.names)},
                {"Names", r.name},
                {"Networks", networks_column(r)},
                {"Ports", displayable_ports(ports_of(c))},
                {"RunningFor", ago(r.created, c.now)},
                {"Size", human_size(0)},
                {"State", std::string(runtime::to_string(runtime::shown_status(c.state)))},
                {"Status", status_text(c.state, c.now)}};
  row.labels = r.labels;
  return row;
}

FormatSpec compose_ps_spec() {
  FormatSpec s;
  s.headers = {{"ID", "CONTAINER ID"},
               {"Name", "NAME"},
               {"Names", "NAMES"},
               {"Project", "PROJECT"},
               {"Service", "SERVICE"},
               {"Image", "IMAGE"},
               {"Command", "COMMAND"},
               {"CreatedAt", "CREATED AT"},
               {"RunningFor", "CREATED"},
               {"Ports", "PORTS"},
               {"State", "STATE"},
               {"Status", "STATUS"},
               {"Size", "SIZE"},
               {"Labels", "LABELS"},
               {"Health", "HEALTH"},
               {"ExitCode", "EXIT CODE"},
               {"Publishers", "PUBLISHERS"},
               {"LocalVolumes", "LOCAL VOLUMES"},
               {"Mounts", "MOUNTS"},
               {"Networks", "NETWORKS"}};
  s.default_table =
      "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.RunningFor}}\\t{{.Status}}"
      "\\t{{.Ports}}";
  s.labels = true;
  return s;
}

FormatRow compose_ps_row(const ContainerFacts& c, const std::string& project,
                         const std::string& service) {
  const auto& r = c.record;
  MountNames mounts = mount_names(r, c.trunc);
  std::vector<PortSummary> ports = ports_of(c);
  std::sort(ports.begin(), ports.end(), [](const PortSummary& a, const PortSummary& b) {
    return a.private_port < b.private_port;
  });
  Json publishers = Json::array();
  for (const auto& p : ports)
    publishers.push_back({{"URL", p.ip},
                          {"TargetPort", p.private_port},
                          {"PublishedPort", p.public_port},
                          {"Protocol", p.type}});
  FormatRow row;
  row.fields = {{"Command", command_column(r.args, c.trunc)},
                {"CreatedAt", go_time(r.created)},
                {"ExitCode", c.state.exit_code},
                {"Health", health_word(c.state)},
                {"ID", short_or_full(r.id, c.trunc)},
                {"Image", r.image},
                {"Labels", labels_column(r.labels)},
                {"LocalVolumes", std::to_string(mounts.local_volumes)},
                {"Mounts", joined(mounts.names)},
                {"Name", r.name},
                {"Names", r.name},
                {"Networks", networks_column(r)},
                {"Ports", displayable_ports(ports)},
                {"Project", project},
                {"Publishers", publishers},
                {"RunningFor", ago(r.created, c.now)},
                {"Service", service},
                {"Size", human_size(0)},
                {"State", std::string(runtime::to_string(runtime::shown_status(c.state)))},
                {"Status", status_text(c.state, c.now)}};
  row.labels = r.labels;
  return row;
}

}  // namespace lit::app
