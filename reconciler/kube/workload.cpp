// Each service as a Deployment, a StatefulSet or a Job: its container (image,
// command, env, ports, probes, resources, security context), the pod around
// it, and init containers that wait for what it depends on.
#include <cctype>
#include <csignal>

#include "reconciler/desired.hpp"
#include "reconciler/kube/parts.hpp"
#include "reconciler/labels.hpp"

namespace lit::reconciler::kube {

namespace {

constexpr const char* kWaitImage = "busybox:1.36";
constexpr const char* kKubectlImage = "registry.k8s.io/kubectl:v1.29.2";
// The account of the pods that wait for a Job (they read Jobs' status).
constexpr const char* kJobWaiter = "lit-job-waiter";

bool numeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// An annotation key: [PREFIX/]NAME, NAME alphanumeric at both ends with
// '-', '_', '.' between, at most 63; PREFIX a DNS subdomain.
bool qualified_name(const std::string& key) {
  auto slash = key.find('/');
  std::string prefix = slash == std::string::npos ? "" : key.substr(0, slash);
  std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  if (slash == std::string::npos) return true;
  if (prefix.empty() || prefix.size() > 253) return false;
  for (char c : prefix)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return false;
  return true;
}

Json literal_list(const std::vector<std::string>& words) {
  Json out = Json::array();
  for (const auto& w : words) out.push_back(literal(w));
  return out;
}

Json env_list(const std::vector<std::string>& environment) {
  Json out = Json::array();
  for (const auto& kv : environment) {
    auto eq = kv.find('=');
    out.push_back({{"name", kv.substr(0, eq)},
                   {"value", eq == std::string::npos ? "" : literal(kv.substr(eq + 1))}});
  }
  return out;
}

std::string pull_policy(Context& ctx, const Service& s) {
  if (s.pull_policy == "always") return "Always";
  if (s.pull_policy == "never") return "Never";
  if (s.pull_policy == "build")
    ctx.report(s.name, "pull_policy", "build", "pulled if not present (IfNotPresent)");
  return "IfNotPresent";
}

Json security_context(Context& ctx, const Service& s) {
  Json sc = Json::object();
  if (s.read_only) sc["readOnlyRootFilesystem"] = true;
  auto caps = [](const std::vector<std::string>& names) {
    Json out = Json::array();
    for (auto n : names) out.push_back(n.starts_with("CAP_") ? n.substr(4) : n);
    return out;
  };
  if (!s.cap_add.empty()) sc["capabilities"]["add"] = caps(s.cap_add);
  if (!s.cap_drop.empty()) sc["capabilities"]["drop"] = caps(s.cap_drop);
  for (const auto& o : s.security_opt)
    if (o.value.kind == runtime::SecurityOpt::Kind::NoNewPrivileges)
      sc["allowPrivilegeEscalation"] = !o.value.no_new_privileges;
  if (s.user) {
    const runtime::UserArg& u = s.user->value;
    if (numeric(u.user)) {
      sc["runAsUser"] = std::stoll(u.user);
    } else {
      ctx.report(s.name, "user", "the user name \"" + u.user + "\" (Kubernetes takes numbers)",
                 "the image's user");
    }
    if (numeric(u.group)) {
      sc["runAsGroup"] = std::stoll(u.group);
    } else if (!u.group.empty()) {
      ctx.report(s.name, "user", "the group name \"" + u.group + "\" (Kubernetes takes numbers)",
                 "the user's group");
    }
  }
  return sc;
}

// post_start / pre_stop: the first hook's command (Kubernetes runs one per event,
// and expands $(VAR) in command, args and env only, not here).
void add_hooks(Context& ctx, const Service& s, Json& container) {
  auto hook = [&](const std::vector<ServiceHook>& hooks, const char* key, const char* event) {
    if (hooks.empty()) return;
    const ServiceHook& h = hooks.front();
    container["lifecycle"][event] = {{"exec", {{"command", h.command}}}};
    if (hooks.size() > 1) ctx.report(s.name, key, "more than one hook", "the first one alone");
    if (!h.user.empty() || h.privileged || !h.working_dir.empty() || !h.environment.empty())
      ctx.report(s.name, key, "a hook's user, privileges, working_dir or environment",
                 "the hook runs as the container's main process");
  };
  hook(s.post_start, "post_start", "postStart");
  hook(s.pre_stop, "pre_stop", "preStop");
}

Json container_of(Context& ctx, const Service& s, const PodStorage& storage) {
  Json c = {{"name", ctx.names.at(s.name)}};
  if (!s.image.empty()) {
    c["image"] = s.image;
  } else {
    std::string image = ctx.project.name + "-" + s.name;
    c["image"] = image;
    ctx.report(s.name, "build", "a cluster does not build images",
               "the image \"" + image + "\": build it and push it where the cluster pulls");
  }
  c["imagePullPolicy"] = pull_policy(ctx, s);
  if (s.entrypoint) c["command"] = literal_list(*s.entrypoint);
  if (s.command) c["args"] = literal_list(*s.command);
  if (!s.environment.empty()) c["env"] = env_list(s.environment);
  if (Json ports = container_ports_json(s); !ports.empty()) c["ports"] = ports;
  if (!s.working_dir.empty()) c["workingDir"] = s.working_dir;
  if (s.tty) c["tty"] = true;
  if (s.stdin_open) c["stdin"] = true;
  if (Json r = resources(ctx, s); !r.empty()) c["resources"] = r;
  add_probes(ctx, s, c);
  add_hooks(ctx, s, c);
  if (Json sc = security_context(ctx, s); !sc.empty()) c["securityContext"] = sc;
  if (!storage.mounts.empty()) c["volumeMounts"] = storage.mounts;
  return c;
}

Json wait_container(const std::string& name, const std::string& image, const std::string& script) {
  return {{"name", name}, {"image", image}, {"command", Json::array({"sh", "-c", script})}};
}

// One init container per dependency: until its Service answers (on its
// first port; by name for a headless one), or until its Job completes.
Json init_containers(Context& ctx, const Service& s, bool& waits_for_job) {
  Json out = Json::array();
  Json x = ctx.extension();
  std::string wait_image = x.value("wait_image", kWaitImage);
  for (const auto& [dep, d] : s.depends_on) {
    std::string key = "depends_on." + dep;
    if (!ctx.project.services.contains(dep)) continue;  // not active (required: false)
    std::string name = ctx.names.at(dep);
    const Service& target = ctx.project.services.at(dep);
    if (d.restart)
      ctx.report(s.name, key + ".restart", "restart with the dependency",
                 s.name + " is not restarted when " + dep + " is");
    if (d.condition == DependCondition::service_completed_successfully) {
      if (ctx.workloads.at(dep) != Workload::Job) {
        ctx.report(s.name, key, dep + " runs as a long-lived workload, not a Job",
                   "no wait for it to complete");
        continue;
      }
      waits_for_job = true;
      out.push_back({{"name", "wait-for-" + name},
                     {"image", x.value("kubectl_image", kKubectlImage)},
                     {"command", Json::array({"kubectl", "wait", "--for=condition=complete",
                                              "--timeout=-1s", "job/" + name})}});
      continue;
    }
    if (auto port = wait_port(target)) {
      out.push_back(wait_container("wait-for-" + name, wait_image,
                                   "until nc -z -w 2 " + name + " " + std::to_string(*port) +
                                       "; do echo waiting for " + name + "; sleep 2; done"));
    } else {
      ctx.report(s.name, key, dep + " has no port to wait on",
                 "waits until its headless Service's name resolves (a ready pod)", false);
      out.push_back(wait_container(
          "wait-for-" + name, wait_image,
          "until nslookup " + name + "; do echo waiting for " + name + "; sleep 2; done"));
    }
  }
  return out;
}

// What the pod runs besides the container: names, DNS, sysctls, grace period.
void pod_settings(Context& ctx, const Service& s, Json& pod) {
  if (!s.hostname.empty()) pod["hostname"] = dns_label(s.hostname);
  if (!s.extra_hosts.empty()) {
    std::map<std::string, Json> by_ip;
    for (const auto& [host, ip] : s.extra_hosts) by_ip[ip].push_back(host);
    for (auto& [ip, hosts] : by_ip)
      pod["hostAliases"].push_back({{"ip", ip}, {"hostnames", hosts}});
  }
  Json dns = Json::object();
  if (!s.dns.empty()) dns["nameservers"] = s.dns;
  if (!s.dns_search.empty()) dns["searches"] = s.dns_search;
  for (const auto& o : s.dns_opt) {
    auto colon = o.find(':');
    Json opt = {{"name", o.substr(0, colon)}};
    if (colon != std::string::npos) opt["value"] = o.substr(colon + 1);
    dns["options"].push_back(opt);
  }
  if (!dns.empty()) pod["dnsConfig"] = dns;
  for (const auto& [k, v] : s.sysctls)
    pod["securityContext"]["sysctls"].push_back({{"name", k}, {"value", v}});
  if (s.stop_grace_period)
    pod["terminationGracePeriodSeconds"] = seconds(s.stop_grace_period->nanoseconds, 0);
  if (s.stop_signal && s.stop_signal->value != SIGTERM)
    ctx.report(s.name, "stop_signal", "a stop signal other than SIGTERM",
               "SIGTERM (let the image's STOPSIGNAL or the process handle it)");
}

Json pod_template(Context& ctx, const Service& s, const PodStorage& storage, Workload kind) {
  bool waits_for_job = false;
  Json pod = Json::object();
  Json inits = init_containers(ctx, s, waits_for_job);
  if (!inits.empty()) pod["initContainers"] = inits;
  pod["containers"] = Json::array({container_of(ctx, s, storage)});
  if (!storage.volumes.empty()) pod["volumes"] = storage.volumes;
  if (waits_for_job) pod["serviceAccountName"] = kJobWaiter;
  pod_settings(ctx, s, pod);
  const runtime::RestartPolicy& restart = s.restart.value;
  using runtime::RestartMode;
  if (kind == Workload::Job) {
    bool on_failure = restart.mode == RestartMode::OnFailure;
    pod["restartPolicy"] = on_failure ? "OnFailure" : "Never";
    if (restart.mode == RestartMode::Always || restart.mode == RestartMode::UnlessStopped)
      ctx.report(s.name, "restart",
                 "restart: " + s.restart.text + " on a service run to completion",
                 "a Job, not restarted once it succeeds");
  } else if ((restart.mode == RestartMode::No || restart.mode == RestartMode::OnFailure) &&
             ctx.places.written(service_key(s.name, "restart"))) {
    ctx.report(s.name, "restart",
               "restart: " + s.restart.text + " (a Deployment's pods always restart)",
               "restarted always (x-lit-kubernetes: {workload: Job} runs it once)");
  }
  Json meta = {{"labels", ctx.metadata(ctx.names.at(s.name), s.name)["labels"]}};
  meta["annotations"] = {{kHashLabel, definition_hash(s)}};
  for (const auto& [k, v] : s.labels) {
    if (qualified_name(k))
      meta["annotations"][k] = v;
    else
      ctx.report(s.name, "labels." + k, "the label \"" + k + "\" is not a Kubernetes key",
                 "left out of the pod's annotations");
  }
  return {{"metadata", meta}, {"spec", pod}};
}

// The account, role and binding that let a pod read Jobs (kubectl wait).
void add_job_waiter(Context& ctx) {
  Json meta = ctx.metadata(kJobWaiter);
  ctx.add("ServiceAccount", "v1", kJobWaiter, {{"metadata", meta}});
  ctx.add("Role", "rbac.authorization.k8s.io/v1", kJobWaiter,
          {{"metadata", meta},
           {"rules", Json::array({{{"apiGroups", Json::array({"batch"})},
                                   {"resources", Json::array({"jobs"})},
                                   {"verbs", Json::array({"get", "list", "watch"})}}})}});
  Json subject = {{"kind", "ServiceAccount"}, {"name", kJobWaiter}};
  if (!ctx.options.namespace_name.empty()) subject["namespace"] = ctx.options.namespace_name;
  ctx.add("RoleBinding", "rbac.authorization.k8s.io/v1", kJobWaiter,
          {{"metadata", meta},
           {"roleRef",
            {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", kJobWaiter}}},
           {"subjects", Json::array({subject})}});
}

}  // namespace

void add_workloads(Context& ctx) {
  bool job_waiter = false;
  for (const auto& [name, s] : ctx.project.services) {
    Workload kind = ctx.workloads.at(name);
    PodStorage storage = pod_storage(ctx, s);
    Json tmpl = pod_template(ctx, s, storage, kind);
    job_waiter |= tmpl["spec"].contains("serviceAccountName");
    const std::string& object = ctx.names.at(name);
    Json spec = Json::object();
    if (kind == Workload::Job) {
      const runtime::RestartPolicy& r = s.restart.value;
      spec["backoffLimit"] = r.mode == runtime::RestartMode::OnFailure
                                 ? static_cast<int>(r.max_retries == 0 ? 6 : r.max_retries)
                                 : 0;
      spec["template"] = tmpl;
      ctx.add("Job", "batch/v1", object,
              {{"metadata", ctx.metadata(object, name)}, {"spec", spec}});
      continue;
    }
    spec["replicas"] = s.replicas;
    spec["selector"] = {{"matchLabels", ctx.selector(name)}};
    if (kind == Workload::StatefulSet) spec["serviceName"] = object;
    spec["template"] = tmpl;
    if (kind == Workload::StatefulSet && !storage.claim_templates.empty())
      spec["volumeClaimTemplates"] = storage.claim_templates;
    ctx.add(kind == Workload::StatefulSet ? "StatefulSet" : "Deployment", "apps/v1", object,
            {{"metadata", ctx.metadata(object, name)}, {"spec", spec}}, storage.comments);
  }
  if (job_waiter) add_job_waiter(ctx);
}

}  // namespace lit::reconciler::kube
