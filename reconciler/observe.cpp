#include "reconciler/observe.hpp"

#include <charconv>
#include <filesystem>
#include <map>

#include "network/store.hpp"
#include "reconciler/labels.hpp"
#include "runtime/lifecycle/networking.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;

std::string volume_dir(const Paths& paths, const std::string& volume_name) {
  return (paths.root / "volumes" / volume_name).string();
}

ObservedState observe(const Paths& paths, const std::string& project_name,
                      const DesiredState& desired) {
  ObservedState o;
  for (const auto& [r, st] : project_containers(paths, project_name, {.include_oneoffs = true})) {
    ObservedContainer c;
    c.id = r.id;
    c.name = r.name;
    c.service = label_of(r, kServiceLabel);
    std::string number = label_of(r, kNumberLabel);
    std::from_chars(number.data(), number.data() + number.size(), c.number);
    c.hash = label_of(r, kHashLabel);
    if (!runtime::created_completely(r)) c.hash.clear();  // cut short: made again
    c.oneoff = is_oneoff(r.labels);
    c.status = st.status;
    c.exit_code = st.exit_code;
    if (r.state.health && st.status == runtime::ContainerStatus::Running)
      c.health = r.state.health->status;
    o.containers.push_back(std::move(c));
  }
  std::map<std::string, bool> external;
  for (const auto& n : desired.networks) external[n.name] = n.external;
  const network::NetworkStore networks(network::networks_dir(paths.root));
  for (const auto& n : networks.list(network::Endpoints::Skip)) {
    auto p = n.labels.find(kProjectLabel);
    bool ours = p != n.labels.end() && p->second == project_name;
    if (!ours && !external.contains(n.name)) continue;
    ObservedNetwork on{n.name, "", {}, p != n.labels.end() ? p->second : ""};
    if (auto h = n.labels.find(kHashLabel); h != n.labels.end() && ours) on.hash = h->second;
    // Only this project's networks' endpoints are read.
    if (auto with = networks.find(n.name))
      for (const auto& [id, _] : with->endpoints) on.attached.push_back(id);
    o.networks.push_back(std::move(on));
  }
  for (const auto& v : desired.volumes) {
    std::error_code ec;
    if (fs::exists(volume_dir(paths, v.name), ec)) o.volumes.push_back({v.name});
  }
  return o;
}

}  // namespace lit::reconciler
