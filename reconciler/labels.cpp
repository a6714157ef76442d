#include "reconciler/labels.hpp"

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

}  // namespace lit::reconciler
