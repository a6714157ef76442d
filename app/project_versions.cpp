#include "app/project_versions.hpp"

#include <cstdio>
#include <optional>

#include "app/project.hpp"
#include "reconciler/apply/actions.hpp"
#include "reconciler/apply/attach.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/compose_out.hpp"
#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "reconciler/observe.hpp"
#include "reconciler/versions.hpp"
#include "reconciler/yaml_out.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/tag.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

using namespace lit::reconciler;

namespace {

std::string definition_of(const Project& project) { return to_yaml(compose_tree(project)); }

// Each service with build: -> the id of the image its tag names now.
std::map<std::string, std::string> built_images(const Context& ctx, const Project& project) {
  std::map<std::string, std::string> out;
  image::Store store(ctx.paths.images());
  for (const auto& [name, s] : project.services)
    if (s.build)
      if (auto img = store.find(service_image(project, s))) out[name] = img->id;
  return out;
}

// Points the tags of the version's built services back at the images that
// version ran, where a later build moved them; one whose image is gone
// (pruned) keeps what its tag names now, said in a line.
void restore_built_images(const Context& ctx, const Project& project, const ProjectVersion& v) {
  const std::map<std::string, std::string> now = built_images(ctx, project);
  image::Store store(ctx.paths.images());
  for (const auto& [name, id] : v.built_images) {
    auto s = project.services.find(name);
    if (s == project.services.end() || !s->second.build) continue;
    if (auto it = now.find(name); it != now.end() && it->second == id) continue;
    const std::string tag = service_image(project, s->second);
    if (!store.find(id)) {
      std::fprintf(stderr,
                   "lit: %s: the image version %d built (%s) is no longer in the store; %s "
                   "keeps the image %s names now\n",
                   name.c_str(), v.number, id.substr(7, 12).c_str(), name.c_str(), tag.c_str());
      continue;
    }
    image::tag_image(ctx.paths.images(), id, tag);
    std::fprintf(stderr, "lit: %s: %s names the image version %d built again (%s)\n", name.c_str(),
                 tag.c_str(), v.number, id.substr(7, 12).c_str());
  }
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::set<std::string> changed_services(const Plan& plan) {
  std::set<std::string> out;
  for (const auto& a : plan.actions)
    if (a.kind == ActionKind::CreateContainer || a.kind == ActionKind::RecreateContainer ||
        a.kind == ActionKind::ReplaceContainer)
      out.insert(a.service);
  return out;
}

VersionDraft draft_version(const Context& ctx, const Project& project) {
  VersionStore versions(ctx.paths, project.name);
  VersionDraft d;
  d.definition = definition_of(project);
  d.built_images = built_images(ctx, project);
  auto current = versions.current();  // an up that changed nothing records nothing
  d.unchanged = current && d.built_images == current->built_images &&
                d.definition == versions.definition(current->number);
  if (!d.unchanged) d.staged = versions.stage(d.definition);
  d.made = true;
  return d;
}

void record_applied(const Context& ctx, const Project& project,
                    const std::set<std::string>& changed, VersionDraft draft) {
  if (!draft.made) draft = draft_version(ctx, project);
  if (draft.unchanged) return;
  ProjectVersion v;
  v.changed.assign(changed.begin(), changed.end());
  v.working_dir = project.working_dir;
  v.built_images = std::move(draft.built_images);
  VersionStore(ctx.paths, project.name).record_staged(std::move(draft.staged), std::move(v));
}

int settle_version(Context& ctx, const Project& project, const std::set<std::string>& changed,
                   int rc, bool atomic, std::chrono::seconds timeout, VersionDraft draft) {
  if (rc == 0) record_applied(ctx, project, changed, std::move(draft));
  if (rc == 0 || !atomic || rc == kExitInterrupted || changed.empty()) return rc;
  return return_to_current(ctx, project, changed, timeout);
}

Project load_version(const VersionStore& versions, const std::string& project,
                     const ProjectVersion& v) {
  LoadOptions o;
  o.files = {versions.definition_file(v.number).string()};
  o.project_dir = v.working_dir;
  o.project_name = project;
  // Every value is resolved in the definition already: no .env, no variable
  // of this process, every service it has active (COMPOSE_PROFILES aside).
  o.env_files = {versions.empty_env_file(v.number).string()};
  o.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  o.profiles = {"*"};
  return load_project(o);
}

int converge_to_version(Context& ctx, const Project& project, const ProjectVersion& version,
                        std::chrono::seconds timeout) {
  restore_built_images(ctx, project, version);
  Desired desired = desired_state(ctx.paths, project);
  ObservedState observed = observe(ctx.paths, project.name, desired.state);
  UpOptions up;
  up.remove_orphans = true;  // a service the failed version added goes
  Plan plan = plan_up(desired.state, observed, up);
  return apply_with_progress(ctx, project, desired, plan, ApplyOptions{},
                             WaitFor{timeout, changed_services(plan)});
}

int return_to_current(Context& ctx, const Project& failed, const std::set<std::string>& changed,
                      std::chrono::seconds timeout) {
  std::string why;
  for (const auto& c : assess_readiness(ctx.paths, failed, changed)) {
    if (c.state == Readiness::Ready) continue;
    const std::string line = c.name + " " + c.detail;
    why += (why.empty() ? "" : "; ") + line;
  }
  if (why.empty()) why = "not ready within " + std::to_string(timeout.count()) + " s";
  VersionStore versions(ctx.paths, failed.name);
  const std::optional<ProjectVersion> current = versions.current();
  ProjectVersion attempt;
  attempt.result = VersionResult::Failed;
  attempt.changed.assign(changed.begin(), changed.end());
  attempt.working_dir = failed.working_dir;
  attempt.built_images = built_images(ctx, failed);
  if (!current) {
    attempt.note = why + "; no earlier version to return to";
    versions.record(definition_of(failed), attempt);
    std::fprintf(stderr, "lit: up --atomic: %s; no earlier version to return to (left as is)\n",
                 why.c_str());
    return 1;
  }
  const std::string back = "version " + std::to_string(current->number);
  std::fprintf(stderr, "lit: up --atomic: %s; returning %s to %s\n", why.c_str(),
               joined(changed).c_str(), back.c_str());
  const int rc =
      converge_to_version(ctx, load_version(versions, failed.name, *current), *current, timeout);
  attempt.note =
      why + (rc == 0 ? "; back to " : "; return to ") + back + (rc == 0 ? "" : " failed");
  versions.record(definition_of(failed), attempt);
  for (const auto& s : changed)
    std::fprintf(stderr, "lit: %s: %s %s\n", s.c_str(), rc == 0 ? "back to" : "could not return to",
                 back.c_str());
  return 1;
}

}  // namespace lit::app
