#pragma once
// A service's lifecycle hooks, as docker compose runs them: post_start in a
// container just started, pre_stop in a running container about to be
// stopped; each hook in order, inside the container as `lit exec` runs a
// command, with the hook's user, privileges, working directory and
// environment. A failing hook fails the action ("web hook exited with status
// 3", compose's words).
#include <mutex>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

// The hooks' output lines, "web-1 -> | text" (compose's prefix for a hook of
// container web-1), from any thread, in the order they came.
class HookOutput {
 public:
  void add(std::string line);
  std::vector<std::string> take();

 private:
  std::mutex m_;
  std::vector<std::string> lines_;
};

// Runs `hooks` of `service` in container `container_id`, one after the other,
// when it runs (a stopped, paused or removed container runs none). Throws
// lit::Error "SERVICE hook exited with status N" at the first that fails.
void run_hooks(const Paths& paths, const std::string& container_id, const Service& service,
               const std::vector<ServiceHook>& hooks, HookOutput& output);

}  // namespace lit::reconciler
