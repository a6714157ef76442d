#pragma once
// What the prune commands remove, shared by `container prune`, `volume
// prune` and `system prune`, and docker's question and report around it.
#include <cstdint>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/views/list_filter.hpp"

namespace lit::app {

struct Pruned {
  std::vector<std::string> removed;  // ids or names, as docker lists them
  std::uintmax_t bytes = 0;
};

// Every container that is not running (nor restarting); one that cannot be
// removed is reported (ctx.exit_code) and skipped.
Pruned prune_containers(Context& ctx);
// Unused volumes: anonymous ones (a 64-hex name), every one with `all`.
Pruned prune_volumes(Context& ctx, bool all, const ListFilter& filter);
// lit networks no container is attached to.
Pruned prune_networks(Context& ctx);

// True when the volume is one a container made without naming it.
bool anonymous_volume(const std::string& name);

// docker's "WARNING! This will remove ...\nAre you sure...? [y/N]"; true on yes.
bool confirm(const std::string& warning);

// "Deleted Containers:\nid\n...\n\n", nothing when nothing went.
std::string deleted_section(const std::string& what, const Pruned& pruned);
std::string reclaimed_line(std::uintmax_t bytes);  // "Total reclaimed space: 1.2MB\n"

}  // namespace lit::app
