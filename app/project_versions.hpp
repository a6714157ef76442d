#pragma once
// The versions `lit up` applies (reconciler/versions.hpp), from the CLI's
// side: an up records the project it applied; `up --atomic` returns the
// services it changed to the current version when they do not become ready;
// `lit rollback` goes back one version (cmd_rollback.cpp).
#include <chrono>
#include <map>
#include <set>
#include <string>

#include "app/context.hpp"
#include "reconciler/model.hpp"
#include "reconciler/plan.hpp"
#include "reconciler/versions.hpp"

namespace lit::app {

// The services whose containers the plan creates or recreates.
std::set<std::string> changed_services(const reconciler::Plan& plan);

// What an up records when it succeeds, made ahead: the project's
// definition, the images its build: services run and, unless the newest
// version recorded is the same, its files staged. `up --wait` makes it while
// it waits (WaitFor::meanwhile), so that what is left after the last service
// turned ready is one small file and a rename.
struct VersionDraft {
  bool made = false;
  bool unchanged = false;  // the newest version recorded is the same: nothing new
  std::string definition;
  std::map<std::string, std::string> built_images;
  reconciler::StagedVersion staged;  // removed unless recorded
};
VersionDraft draft_version(const Context& ctx, const reconciler::Project& project);

// After an up that succeeded: records the project as the newest version
// when it differs from the newest one recorded (nothing changed: nothing new),
// from `draft` when it was made.
void record_applied(const Context& ctx, const reconciler::Project& project,
                    const std::set<std::string>& changed, VersionDraft draft = {});

// After an `up --atomic` whose changed services did not become ready within
// `timeout`: says why for each, returns them (and the rest of the project) to
// the current version, records the failed one, and returns the exit status (1).
// The caller holds the project's lock.
int return_to_current(Context& ctx, const reconciler::Project& failed,
                      const std::set<std::string>& changed, std::chrono::seconds timeout);

// After an up's apply (and wait) that ended with `rc`: a success is recorded
// (record_applied); with `atomic`, a failure that was not an interrupt returns
// the changed services to the current version (return_to_current). The exit
// status. The caller holds the project's lock.
int settle_version(Context& ctx, const reconciler::Project& project,
                   const std::set<std::string>& changed, int rc, bool atomic,
                   std::chrono::seconds timeout, VersionDraft draft = {});

// A recorded version's project, loaded back from its definition.
reconciler::Project load_version(const reconciler::VersionStore& versions,
                                 const std::string& project,
                                 const reconciler::ProjectVersion& version);

// Converges the project on `project`, the definition of `version` (orphans
// removed; the tags of its build: services pointed back at the images it
// ran), waiting up to `timeout` for the services it changes; the exit
// status. The caller holds the project's lock.
int converge_to_version(Context& ctx, const reconciler::Project& project,
                        const reconciler::ProjectVersion& version, std::chrono::seconds timeout);

}  // namespace lit::app
