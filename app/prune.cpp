#include "app/prune.hpp"

#include <cstdio>
#include <iostream>

#include "app/views/image_display.hpp"
#include "network/manager.hpp"
#include "network/store.hpp"
#include "runtime/lifecycle/lifecycle.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/tree_size.hpp"
#include "runtime/volume/volumes.hpp"

namespace lit::app {

Pruned prune_containers(Context& ctx) {
  Pruned out;
  runtime::RecordStore records(ctx.paths);
  for (const auto& r : records.list()) {
    auto status = runtime::observed_state(r).status;
    if (status == runtime::ContainerStatus::Running ||
        status == runtime::ContainerStatus::Restarting)
      continue;
    try {
      std::uintmax_t upper = tree_size(records.bundle(r.id) / "upper");
      runtime::remove_container(ctx.paths, r, false, false);
      out.bytes += upper;
      out.removed.push_back(r.id);
    } catch (const Error& e) {
      report(ctx, e);
    }
  }
  return out;
}

bool anonymous_volume(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Pruned prune_volumes(Context& ctx, bool all, const ListFilter& filter) {
  Pruned out;
  for (const auto& v : runtime::list_volumes(ctx.paths)) {
    if (!all && !anonymous_volume(v.name)) continue;
    FilterSubject subject;
    subject.name = v.name;
    subject.labels = v.labels;
    if (!filter_matches(filter, subject) || !runtime::volume_users(ctx.paths, v.name).empty())
      continue;
    std::uintmax_t bytes = tree_size(v.mountpoint);
    runtime::remove_volume(ctx.paths, v.name);
    out.bytes += bytes;
    out.removed.push_back(v.name);
  }
  return out;
}

Pruned prune_networks(Context& ctx) {
  Pruned out;
  network::NetworkStore store(network::networks_dir(ctx.paths.root));
  for (const auto& n : store.list()) {
    if (!n.endpoints.empty()) continue;
    try {
      network::Manager().remove_network(ctx.paths, n.name);
      out.removed.push_back(n.name);
    } catch (const Error& e) {
      report(ctx, e);
    }
  }
  return out;
}

bool confirm(const std::string& warning) {
  std::printf("WARNING! This will remove %s\nAre you sure you want to continue? [y/N] ",
              warning.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string deleted_section(const std::string& what, const Pruned& pruned) {
  if (pruned.removed.empty()) return "";
  std::string out = "Deleted " + what + ":\n";
  for (const auto& r : pruned.removed) out += r + "\n";
  return out + "\n";
}

std::string reclaimed_line(std::uintmax_t bytes) {
  return "Total reclaimed space: " + human_size(static_cast<std::int64_t>(bytes)) + "\n";
}

}  // namespace lit::app
