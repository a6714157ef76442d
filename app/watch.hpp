#pragma once
// `lit watch` and `lit up --watch`: develop.watch as docker compose follows
// it (cmd_watch.cpp; the rules and matching in watch_rules.hpp).
#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/context.hpp"
#include "app/watch_rules.hpp"
#include "reconciler/model.hpp"

namespace lit::app {

void register_watch(CLI::App& app, Context& ctx);

struct WatchSettings {
  std::vector<std::string> services;  // empty: every service with develop.watch
  bool prune = true;                  // remove the image a rebuild replaced
  bool quiet = false;                 // no build output
  std::string prefix;                 // before each of watch's lines ("" for `lit watch`)
};

// The rules to follow, checked (compose's errors) before anything starts;
// prints the warnings.
std::vector<ActiveRule> prepare_watch(const reconciler::Project& project,
                                      const std::vector<std::string>& services);

// Watches until SIGINT or SIGTERM (then returns 0): every batch of changes
// (500 ms without a new one) synced, restarted, rebuilt as the rules say.
int run_watch(Context& ctx, const reconciler::Project& project,
              const std::vector<ActiveRule>& rules, const WatchSettings& settings);

// `up --watch`: the rules checked before up changes anything; once the plan
// is applied, the watching runs in a child process beside the attached logs
// and ends with them (SIGTERM when this is destroyed).
class UpWatch {
 public:
  UpWatch(reconciler::Project project, const std::vector<std::string>& services);
  ~UpWatch();
  UpWatch(const UpWatch&) = delete;
  UpWatch& operator=(const UpWatch&) = delete;
  void start_beside_attach(Context& ctx);
  // The watching child ended (SIGTERM, waited for); start_beside_attach may start it again.
  void stop();
  bool running() const { return child_ > 0; }

  reconciler::Project project;
  std::vector<ActiveRule> rules;
  std::vector<std::string> services;

 private:
  int child_ = -1;
};

}  // namespace lit::app
