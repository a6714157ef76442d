#include "reconciler/labels.hpp"

#include <sstream>

#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::reconciler {

bool is_oneoff(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(kOneoffLabel);
  return it != labels.end() && it->second == "True";
}

std::string label_of(const runtime::ContainerRecord& record, const char* key) {
  auto it = record.labels.find(key);
  return it == record.labels.end() ? std::string() : it->second;
}

std::vector<ProjectContainer> project_containers(const Paths& paths, const std::string& project,
                                                 const ContainerFilter& filter) {
  std::vector<ProjectContainer> out;
  for (auto& r : runtime::RecordStore(paths).list()) {
    if (label_of(r, kProjectLabel) != project) continue;
    if (!filter.service.empty() && label_of(r, kServiceLabel) != filter.service) continue;
    if (!filter.include_oneoffs && is_oneoff(r.labels)) continue;
    runtime::ContainerState state = runtime::observed_state(r);
    out.push_back({std::move(r), std::move(state)});
  }
  return out;
}

namespace {

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

Project project_from_labels(const Paths& paths, const std::string& name) {
  Project p;
  p.name = name;
  for (const auto& [r, _] : project_containers(paths, name, {.include_oneoffs = true})) {
    if (std::string dir = label_of(r, kWorkingDirLabel); !dir.empty()) p.working_dir = dir;
    if (auto files = comma_list(label_of(r, kConfigFilesLabel)); !files.empty()) p.files = files;
    for (const auto& v : comma_list(label_of(r, kVolumesLabel))) p.volumes[v].name = v;
    std::string service = label_of(r, kServiceLabel);
    if (is_oneoff(r.labels) || service.empty() || p.services.count(service)) continue;
    Service s;
    s.name = service;
    p.services[service] = std::move(s);
  }
  return p;
}

}  // namespace lit::reconciler
