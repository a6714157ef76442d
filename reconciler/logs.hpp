#pragma once
// `lit logs`: the logs of a project's containers, found by label, merged in
// time order and prefixed with each container's service-replica name, as
// docker compose prints them.
#include <functional>
#include <string>
#include <vector>

#include "reconciler/plan.hpp"
#include "runtime/logs/log_prefix.hpp"
#include "runtime/logs/log_reader.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

// One container of the project, as its log lines name it.
struct LogTarget {
  std::string id;
  std::string name;  // "web-1"
  std::string service;
  int number = 0;  // the replica (one-offs: their own numbering)
};

// compose's name for a container in logs: "web-1" for "<project>-web-1", the
// whole name when the service sets container_name.
std::string display_name(const std::string& project, const ObservedContainer& c);

// The project's containers (every status) of the given services, or of all
// when none are given; by service, then replica number.
std::vector<LogTarget> log_targets(const Paths& paths, const std::string& project,
                                   const std::vector<std::string>& services = {});

struct ProjectLogOptions {
  shim::LogQuery query;  // --tail is per container, as compose's
  bool follow = false;   // until every container is done (stopped for good or removed)
  runtime::LogStyle style;
  // With follow: the targets now (called about once a second); a container
  // that appears (up --scale, a recreate, a one-off) is followed too.
  std::function<std::vector<LogTarget>()> discover{};
};

// Writes the targets' entries (stdout and stderr alike) to fd, as compose does.
void print_project_logs(const Paths& paths, const std::vector<LogTarget>& targets,
                        const ProjectLogOptions& options, int fd);

}  // namespace lit::reconciler
