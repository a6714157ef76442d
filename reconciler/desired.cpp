#include "reconciler/desired.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include "reconciler/apply/copy_image.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/hash.hpp"
#include "runtime/image/slim.hpp"
#include "runtime/image/store.hpp"
#include "runtime/spec/seccomp_profile.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

namespace fs = std::filesystem;

namespace {

Condition condition_of(DependCondition c) {
  switch (c) {
    case DependCondition::service_healthy:
      return Condition::Healthy;
    case DependCondition::service_completed_successfully:
      return Condition::CompletedSuccessfully;
    case DependCondition::service_started:
      break;
  }
  return Condition::Started;
}

// optimize.shrink_image: the verified slim image made from the service's
// current image, if `lit optimize image` made one.
std::optional<image::Image> slim_image(const Paths& paths, const Project& project,
                                       const Service& s) {
  if (!s.optimize.shrink_image) return std::nullopt;
  image::Store store(paths.images());
  std::optional<image::Image> original = store.find(service_image(project, s));
  if (!original) return std::nullopt;
  return image::verified_slim(store, image::slim_reference(project.name, s.name), original->id);
}

std::string service_hash(const Paths& paths, const Project& project, const Service& s) {
  std::vector<std::string> extra;
  if (auto slim = slim_image(paths, project, s)) extra.push_back(slim->id);  // on it, or off it
  if (!s.image.empty()) {
    try {
      extra.push_back(image::Store(paths.images()).resolve(s.image).id);  // a new image recreates
    } catch (Error& e) {
      throw e.context("service " + s.name + ": image " + s.image)
          .with_hint(s.build ? "build it with `lit build " + s.name + "`"
                             : "pull it with `lit pull`, or load it with `lit image load -i FILE`");
    }
  } else if (s.build) {
    // The image `lit up` built from the context: an edited file that a step
    // reads gives a new image, and the service is recreated. Not built yet
    // (up --dry-run, --no-build): the plan creates it anyway.
    if (auto img = image::Store(paths.images()).find(service_image(project, s)))
      extra.push_back(img->id);
  }
  for (const auto& ref : mounted_images(s)) {  // a new image under a volume recreates too
    try {
      extra.push_back(image::Store(paths.images()).resolve(ref).id);
    } catch (Error& e) {
      throw e.context("service " + s.name + ": volume image " + ref)
          .with_hint("pull it with `lit pull`, or load it with `lit image load -i FILE`");
    }
  }
  if (!s.copy.empty()) extra.push_back(copy_layer_diff_id(paths, s));  // an edited file recreates
  return definition_hash(s, std::move(extra));
}

}  // namespace

std::string definition_hash(const Service& s, std::vector<std::string> extra) {
  std::vector<fs::path> files(s.env_files.begin(), s.env_files.end());
  for (const auto* refs : {&s.secrets, &s.configs})
    for (const auto& r : *refs)
      if (!r.file.empty()) files.emplace_back(r.file);
  for (auto& c : read_hash_inputs(files, "service " + s.name)) extra.push_back(std::move(c));
  // Secrets and configs from the environment or inline: to_json leaves their
  // values out (lit config must not print them), the hash must see them.
  for (const auto* refs : {&s.secrets, &s.configs})
    for (const auto& r : *refs)
      if (r.content) extra.push_back(*r.content);
  // seccomp=FILE: the profile as read, so an edited file recreates.
  for (const auto& o : s.security_opt)
    if (o.value.profile) extra.push_back(runtime::to_json(*o.value.profile).dump());
  nlohmann::json canonical = to_json(s);
  canonical.erase("develop");        // how `lit watch` updates the containers, not what they are
  canonical.erase("update_config");  // how `up` replaces them, not what they are
  // optimize: only what the supervisor does (sampling, raising a limit) makes
  // another container; the report's headroom and the slim image's recipe do not.
  canonical.erase("optimize");
  if (s.optimize.auto_memory_tune) {
    canonical["optimize"] = {{"auto_memory_tune", true}};
    if (s.optimize.memory_ceiling && s.memory_from_optimize)
      canonical["optimize"]["memory_ceiling"] = *s.optimize.memory_ceiling;
  }
  return config_hash(canonical, extra);
}

namespace {

// The services whose namespaces s joins (network_mode, pid, ipc service:NAME)
// or whose volumes it takes (volumes_from), each once, network's first.
std::vector<std::string> shared_targets(const Service& s) {
  std::vector<std::string> out;
  auto add = [&](const std::string& t) {
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  add(s.network_mode.value.service);
  add(s.pid.value.service);
  add(s.ipc.value.service);
  for (const auto& v : s.volumes_from) add(v.service);
  return out;
}

// A service in another's network namespace has its target's hash in its own: a
// recreated target takes its namespace along, so the dependant must be
// recreated with it to join the new one (docker compose does the same).
std::string joined_hash(const Paths& paths, const Project& project, const std::string& name,
                        std::map<std::string, std::string>& done, int depth = 0) {
  if (auto it = done.find(name); it != done.end()) return it->second;
  const Service& s = project.services.at(name);
  std::string hash = service_hash(paths, project, s);
  for (const std::string& target : shared_targets(s)) {
    if (!project.services.contains(target)) continue;
    if (depth > static_cast<int>(project.services.size()))
      throw Error("service " + name + ": network_mode service: forms a cycle");
    hash =
        config_hash(nlohmann::json(hash), {joined_hash(paths, project, target, done, depth + 1)});
  }
  return done[name] = hash;
}

// What a second container of s, started beside the first (update_config
// start-first), could not hold at the same time: a fixed host port, address or MAC.
std::string start_first_conflict(const Service& s) {
  for (const auto& p : s.ports)
    if (p.published != 0)
      return "host port " + (p.host_ip.empty() ? "" : p.host_ip + ":") +
             std::to_string(p.published) + "/" + p.protocol;
  for (const auto& [key, n] : s.networks) {
    if (!n.ipv4_address.empty()) return "address " + n.ipv4_address;
    if (!n.ipv6_address.empty()) return "address " + n.ipv6_address;
    if (!n.mac_address.empty()) return "MAC address " + n.mac_address;
  }
  if (!s.mac_address.empty()) return "MAC address " + s.mac_address;
  return "";
}

std::string network_hash(const Network& n) {
  nlohmann::json j = {
      {"driver", n.driver}, {"internal", n.internal}, {"driver_opts", n.driver_opts}};
  for (const auto& pool : n.ipam)
    j["ipam"].push_back({{"subnet", pool.subnet}, {"gateway", pool.gateway}});
  return config_hash(j, {});
}

void choose_slim(const Paths& paths, const Project& project, const Service& s, Desired& d) {
  if (!s.optimize.shrink_image) return;
  if (auto slim = slim_image(paths, project, s)) {
    d.slim_images[s.name] = slim->id;
    return;
  }
  d.notes.push_back("service " + s.name +
                    ": shrink_image is on but it has no verified slim image of its current "
                    "image; it runs on the original (run `lit optimize image " +
                    s.name + "` to make one)");
}

}  // namespace

Desired desired_state(const Paths& paths, const Project& project, Hashes hashes) {
  Desired d;
  d.state.project = project.name;
  d.state.inactive_services = project.disabled_services;
  for (const auto& [name, s] : project.services) {
    DesiredService ds;
    ds.name = name;
    if (hashes == Hashes::Compute) {
      ds.hash = joined_hash(paths, project, name, d.hashes);
      choose_slim(paths, project, s, d);
    }
    ds.replicas = s.replicas;
    if (s.update_config) ds.update = s.update_config->policy();
    ds.start_first_conflict = start_first_conflict(s);
    if (!s.container_name.empty()) ds.container_name = s.container_name;
    for (const auto& [dep, how] : s.depends_on)
      ds.depends_on.push_back({dep, condition_of(how.condition), how.required, how.restart});
    for (const std::string& target : shared_targets(s))
      if (!s.depends_on.contains(target))
        ds.depends_on.push_back(
            {target, Condition::Started, true, false});  // its namespace must exist first
    for (const auto& [key, _] : s.networks)
      if (auto it = project.networks.find(key); it != project.networks.end())
        ds.networks.push_back(it->second.name);
    for (const auto& m : s.volumes)
      if (m.type == MountType::volume && !m.source.empty())
        if (auto it = project.volumes.find(m.source); it != project.volumes.end())
          ds.volumes.push_back(it->second.name);
    d.state.services.push_back(std::move(ds));
  }
  for (const auto& [key, n] : project.networks)
    d.state.networks.push_back({n.name, n.external ? "" : network_hash(n), n.external});
  for (const auto& [key, v] : project.volumes) d.state.volumes.push_back({v.name, v.external});
  return d;
}

}  // namespace lit::reconciler
