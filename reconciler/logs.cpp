#include "reconciler/logs.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>

#include "reconciler/observe.hpp"
#include "runtime/logs/logs.hpp"
#include "runtime/logs/multi_logs.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::reconciler {

std::string display_name(const std::string& project, const ObservedContainer& c) {
  const std::string replica = c.service + "-" + std::to_string(c.number);
  return c.name == project + "-" + replica ? replica : c.name;
}

std::vector<LogTarget> log_targets(const Paths& paths, const std::string& project,
                                   const std::vector<std::string>& services) {
  auto containers = observe(paths, project, {}).containers;
  std::sort(containers.begin(), containers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.service, a.number, a.name) < std::tie(b.service, b.number, b.name);
  });
  std::vector<LogTarget> out;
  for (const auto& c : containers) {
    if (!services.empty() &&
        std::find(services.begin(), services.end(), c.service) == services.end())
      continue;
    out.push_back({c.id, display_name(project, c), c.service, c.number});
  }
  return out;
}

void print_project_logs(const Paths& paths, const std::vector<LogTarget>& targets,
                        const ProjectLogOptions& options, int fd) {
  runtime::RecordStore store(paths);
  std::vector<std::string> ids, names;
  for (const auto& t : targets) {
    ids.push_back(t.id);
    names.push_back(t.name);
  }
  runtime::MultiLogReader reader(store, ids, options.query);
  runtime::PrefixedLogFormatter format(names, options.style);
  runtime::LogPrinter out(fd, fd, false);
  for (const auto& e : reader.read_existing(options.follow)) out.write(format.format(e));
  if (!options.follow) {
    for (std::size_t i = 0; i < targets.size(); ++i) out.write(format.finish(i));
    return;
  }
  out.flush();
  std::set<std::string> known(ids.begin(), ids.end());
  auto next_discovery = std::chrono::steady_clock::now();
  while (!reader.all_done()) {
    std::vector<std::size_t> done;
    for (const auto& e : reader.poll(done)) out.write(format.format(e));
    for (auto i : done) out.write(format.finish(i));
    if (options.discover && std::chrono::steady_clock::now() >= next_discovery) {
      next_discovery = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      for (const auto& t : options.discover()) {
        if (!known.insert(t.id).second) continue;
        format.add(t.name);
        for (const auto& e : reader.add(t.id)) out.write(format.format(e));
      }
    }
    out.flush();
    // The inotify wake-up covers new lines; the timeout covers a container's
    // exit and new containers.
    if (!reader.all_done()) reader.wait(250);
  }
}

}  // namespace lit::reconciler
