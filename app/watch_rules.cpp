#include "app/watch_rules.hpp"

#include <algorithm>
#include <filesystem>

#include "app/build.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

namespace fs = std::filesystem;
using image::build::IgnoreMatcher;

namespace {

// Files editors write while saving (compose's EphemeralPathMatcher), matched on the base name.
const IgnoreMatcher& editor_files() {
  static const IgnoreMatcher m({"*___jb_old___", "*___jb_tmp___", ".#*", "#*#", "4913", "*~",
                                ".*.swp", ".*.swx", ".*.swo", ".*.swn", ".*.kate-swp",
                                ".goutputstream-*"});
  return m;
}

// `path` relative to `base` ("" for base itself), nullopt when outside it.
std::optional<std::string> relative_to(const std::string& base, const std::string& path) {
  if (path == base) return std::string();
  std::string prefix = base.ends_with('/') ? base : base + "/";
  if (!path.starts_with(prefix)) return std::nullopt;
  return path.substr(prefix.size());
}

bool under_bind_mount(const reconciler::Service& s, const std::string& path) {
  return std::any_of(s.volumes.begin(), s.volumes.end(), [&](const reconciler::Mount& m) {
    return m.type == reconciler::MountType::bind && relative_to(m.source, path).has_value();
  });
}

bool selected(const std::vector<std::string>& services, const std::string& name) {
  return services.empty() || std::find(services.begin(), services.end(), name) != services.end();
}

ActiveRule active_rule(const reconciler::Service& s, const reconciler::WatchRule& rule) {
  ActiveRule a{s.name, rule, IgnoreMatcher(rule.ignore), IgnoreMatcher(rule.include), {}, {}};
  if (s.build && !s.build->context.empty() && s.build->context.find("://") == std::string::npos) {
    a.context = s.build->context;
    a.dockerignore = image::build::load_ignore(a.context, service_build_file(*s.build));
  }
  return a;
}

}  // namespace

std::vector<ActiveRule> watch_rules(const reconciler::Project& project,
                                    const std::vector<std::string>& services,
                                    std::vector<std::string>& warnings) {
  std::vector<ActiveRule> out;
  for (const auto& [name, s] : project.services) {
    if (!selected(services, name)) continue;
    for (const auto& rule : s.watch) {
      if (rule.action == "rebuild" && !s.build)
        throw Error("can't watch service \"" + name + "\" with action rebuild without a build " +
                    "context")
            .with_hint("add a build: section to the service, or use another action");
      if (rule.action.starts_with("sync") && under_bind_mount(s, rule.path)) {
        warnings.push_back("path '" + rule.path +
                           "' also declared by a bind mount volume, this path won't be monitored!");
        continue;
      }
      out.push_back(active_rule(s, rule));
    }
  }
  if (out.empty())
    throw Error(
        "none of the selected services is configured for watch, consider setting a 'develop' "
        "section");
  return out;
}

std::optional<std::string> match(const ActiveRule& r, const std::string& host_path) {
  std::optional<std::string> rel = relative_to(r.rule.path, host_path);
  if (!rel) return std::nullopt;
  // A rule on one file: patterns see its name.
  std::string seen = rel->empty() ? fs::path(host_path).filename().string() : *rel;
  if (!r.include.empty() && !r.include.excluded(seen)) return std::nullopt;
  if (r.ignore.excluded(seen)) return std::nullopt;
  if (editor_files().excluded(fs::path(host_path).filename().string())) return std::nullopt;
  for (const auto& part : fs::path(seen))
    if (part == ".git") return std::nullopt;
  if (!r.context.empty() && !r.dockerignore.empty())
    if (auto in_context = relative_to(r.context, host_path);
        in_context && !in_context->empty() && r.dockerignore.excluded(*in_context))
      return std::nullopt;
  if (!r.rule.action.starts_with("sync")) return std::string();
  if (rel->empty()) return r.rule.target;
  return (fs::path(r.rule.target) / *rel).lexically_normal().string();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? " \"" : "\"") + names[i] + "\"";
  return out + "]";
}

}  // namespace lit::app
