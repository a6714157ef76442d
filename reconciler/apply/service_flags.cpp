#include "reconciler/apply/service_flags.hpp"

#include <algorithm>
#include <charconv>

#include "reconciler/apply/copy_image.hpp"
#include "runtime/util/error.hpp"

namespace lit::reconciler {

namespace {

Error unsupported(const Service& s, const std::string& key, const std::string& why) {
  return Error("service " + s.name + ": " + key + ": " + why);
}

std::string quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") ==
                           std::string::npos)
    return word;
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

unsigned numeric_id(const Service& s, const std::string& key, const std::string& text) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw unsupported(s, key, "expected a numeric id, got '" + text + "'");
  return v;
}

void add_command(const Service& s, runtime::CreateFlags& f) {
  if (s.entrypoint) {
    // docker: an entrypoint given in the file drops the image's Cmd as well.
    const auto& ep = *s.entrypoint;
    f.entrypoint = ep.empty() ? "" : ep.front();
    if (ep.size() > 1) f.command.assign(ep.begin() + 1, ep.end());
  }
  if (s.command) f.command.insert(f.command.end(), s.command->begin(), s.command->end());
}

void add_mounts(const Project& p, const Service& s, runtime::CreateFlags& f) {
  for (const auto& m : s.volumes) {
    std::string ro = m.read_only ? ":ro" : "";
    switch (m.type) {
      case MountType::volume:
        if (m.source.empty()) {
          f.volumes.push_back(m.target);
        } else {
          auto it = p.volumes.find(m.source);
          f.volumes.push_back((it == p.volumes.end() ? m.source : it->second.name) + ":" + m.target + ro);
        }
        break;
      case MountType::bind:
        f.volumes.push_back(m.source + ":" + m.target + ro);
        break;
      case MountType::tmpfs: {
        std::string opts;
        if (m.tmpfs_size) opts += "size=" + std::to_string(*m.tmpfs_size);
        if (m.tmpfs_mode) {
          char mode[16];
          std::snprintf(mode, sizeof mode, "%o", *m.tmpfs_mode);
          opts += (opts.empty() ? "" : ",") + std::string("mode=") + mode;
        }
        f.tmpfs.push_back(m.target + (opts.empty() ? "" : ":" + opts));
        break;
      }
    }
  }
  for (const auto* refs : {&s.secrets, &s.configs}) {
    const bool secret = refs == &s.secrets;
    for (const auto& r : *refs) {
      if (!r.file.empty()) {
        f.volumes.push_back(r.file + ":" + r.target + ":ro");
        continue;
      }
      if (!r.content)
        throw unsupported(s, secret ? "secrets" : "configs",
                          r.source + " is external; lit mounts file, environment and content sources only");
      // From the environment or inline: the runtime writes it into the container's directory.
      runtime::ContentFile cf{r.target, *r.content, r.mode.value_or(secret ? 0400 : 0444), {}, {}};
      if (!r.uid.empty()) cf.uid = numeric_id(s, r.source + ".uid", r.uid);
      if (!r.gid.empty()) cf.gid = numeric_id(s, r.source + ".gid", r.gid);
      f.content_files.push_back(std::move(cf));
    }
  }
}

// The first network (highest priority, then name) is joined at create; the
// others are connected before the container starts. The service's name is an
// alias on each, so replicas answer to it.
void add_networks(const Project& p, const Service& s, ReplicaFlags& out) {
  runtime::CreateFlags& f = out.flags;
  if (!s.network_mode.empty()) {
    f.network = s.network_mode;  // host, none, container:NAME
    if (s.network_mode.starts_with("service:")) {
      out.network_service = s.network_mode.substr(8);
      f.network = "none";  // until the applier knows the replica to join
    }
    return;
  }
  std::vector<std::pair<std::string, const ServiceNetwork*>> nets;
  for (const auto& [key, sn] : s.networks) nets.emplace_back(key, &sn);
  std::stable_sort(nets.begin(), nets.end(),
                   [](const auto& a, const auto& b) { return a.second->priority > b.second->priority; });
  for (size_t i = 0; i < nets.size(); ++i) {
    auto it = p.networks.find(nets[i].first);
    if (it == p.networks.end()) throw unsupported(s, "networks", nets[i].first + " is not defined");
    std::vector<std::string> aliases = nets[i].second->aliases;
    aliases.push_back(s.name);
    if (i == 0) {
      f.network = it->second.name;
      f.ip = nets[i].second->ipv4_address;
      f.network_aliases = aliases;
    } else {
      out.extra_networks.push_back({it->second.name, nets[i].second->ipv4_address, aliases});
    }
  }
}

void add_health(const Service& s, runtime::CreateFlags& f) {
  if (!s.healthcheck) return;
  const Healthcheck& h = *s.healthcheck;
  if (h.disable) {
    f.no_healthcheck = true;
    return;
  }
  if (!h.test.empty()) {
    if (h.test[0] == "CMD-SHELL" && h.test.size() == 2)
      f.health_cmd = h.test[1];
    else if (h.test[0] == "CMD")
      f.health_cmd = shell_join({h.test.begin() + 1, h.test.end()});
  }
  if (h.interval) f.health_interval = h.interval->text;
  if (h.timeout) f.health_timeout = h.timeout->text;
  if (h.start_period) f.health_start_period = h.start_period->text;
  if (h.retries) f.health_retries = std::to_string(*h.retries);
}

void add_resources(const Service& s, runtime::CreateFlags& f) {
  const Resources& r = s.resources;
  if (r.memory) f.memory = std::to_string(*r.memory) + "b";
  if (r.cpus) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *r.cpus);
    f.cpus = buf;
  }
  if (r.pids) f.pids_limit = std::to_string(*r.pids);
  for (const auto& [name, u] : s.ulimits)
    f.ulimits.push_back(name + "=" + std::to_string(u.soft) + ":" + std::to_string(u.hard));
  if (s.shm_size) f.shm_size = std::to_string(*s.shm_size) + "b";
}

}  // namespace

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + quote(a);
  return out;
}

ReplicaFlags replica_flags(const Project& project, const Service& s, const std::string& name, int number,
                           const std::string& hash) {
  if (s.image.empty() || s.build)
    throw unsupported(s, "build", "building images is not supported yet (a later release adds the image builder)")
        .with_hint("build the image elsewhere, load it with `lit image load`, and set image:");
  ReplicaFlags out;
  runtime::CreateFlags& f = out.flags;
  // filesystem.copy: the derived image apply makes (ensure_copy_image) first.
  f.image = s.copy.empty() ? s.image : copy_image_reference(project, s);
  f.name = name;
  f.detach = true;
  add_command(s, f);
  f.env = s.environment;
  add_mounts(project, s, f);
  for (const auto& p : s.ports) f.publish.push_back(p.to_publish_spec());
  add_networks(project, s, out);
  add_health(s, f);
  add_resources(s, f);
  f.restart = s.restart;
  f.user = s.user;
  f.workdir = s.working_dir;
  f.hostname = s.hostname;
  f.init = s.init.value_or(false);
  f.stop_signal = s.stop_signal;
  if (s.stop_grace_period)
    f.stop_timeout = std::to_string((s.stop_grace_period->nanoseconds + 999'999'999) / 1'000'000'000);
  f.cap_add = s.cap_add;
  f.cap_drop = s.cap_drop;
  f.security_opts = s.security_opt;
  f.privileged = s.privileged;
  f.read_only = s.read_only;
  f.tty = false;  // detached containers have no terminal yet: tty is accepted and ignored
  f.interactive = s.stdin_open;
  for (const auto& [k, v] : s.labels) f.labels.push_back(k + "=" + v);
  f.labels.push_back(std::string(kProjectLabel) + "=" + project.name);
  f.labels.push_back(std::string(kServiceLabel) + "=" + s.name);
  f.labels.push_back(std::string(kNumberLabel) + "=" + std::to_string(number));
  f.labels.push_back(std::string(kHashLabel) + "=" + hash);
  std::string files;
  for (const auto& file : project.files) files += (files.empty() ? "" : ",") + file;
  f.labels.push_back(std::string(kConfigFilesLabel) + "=" + files);
  if (s.logging) {
    if (!s.logging->driver.empty() && s.logging->driver != "json-file" && s.logging->driver != "local")
      throw unsupported(s, "logging.driver", s.logging->driver + " is not supported (lit logs json-file)");
    for (const auto& [k, v] : s.logging->options) f.log_opts.push_back(k + "=" + v);
  }
  f.add_hosts = s.extra_hosts;
  f.dns = s.dns;
  f.dns_search = s.dns_search;
  f.dns_options = s.dns_opt;
  for (const auto& [k, v] : s.sysctls) f.sysctls.push_back(k + "=" + v);
  return out;
}

}  // namespace lit::reconciler
