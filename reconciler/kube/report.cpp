// The keys of a service that have no faithful Kubernetes form, each with the
// reason and what the output does instead. (The steps that translate part of
// a key report the rest where they translate it.)
#include "reconciler/kube/parts.hpp"

namespace lit::reconciler::kube {

namespace {

void report_namespaces(Context& ctx, const Service& s) {
  using runtime::NamespaceMode;
  if (s.network_mode.value.mode == runtime::NetworkMode::Host)
    ctx.report(s.name, "network_mode", "network_mode: host (the node's network)",
               "the pod's own network (hostNetwork is left to the cluster's admins)");
  else if (!s.network_mode.text.empty())
    ctx.report(s.name, "network_mode", "network_mode: " + s.network_mode.text,
               "the pod's own network (put containers that share one in one pod by hand)");
  const std::pair<const char*, const Parsed<NamespaceSetting>*> kinds[] = {
      {"pid", &s.pid}, {"ipc", &s.ipc}, {"uts", &s.uts}};
  for (const auto& [key, ns] : kinds) {
    NamespaceMode mode = ns->value.share.mode;
    if (mode == NamespaceMode::Host || mode == NamespaceMode::Container ||
        !ns->value.service.empty())
      ctx.report(s.name, key, std::string(key) + ": " + ns->text, "the pod's own namespace");
  }
  if (!s.userns_mode.text.empty())
    ctx.report(s.name, "userns_mode", "userns_mode: " + s.userns_mode.text,
               "the cluster's default (set hostUsers by hand)");
  for (const auto& [net, n] : s.networks) {
    if (!n.ipv4_address.empty() || !n.ipv6_address.empty())
      ctx.report(s.name, "networks." + net, "a fixed address", "an address the cluster picks");
    if (!n.mac_address.empty() || !n.interface_name.empty())
      ctx.report(s.name, "networks." + net, "a MAC address or interface name",
                 "the pod's own eth0");
  }
  if (!s.mac_address.empty())
    ctx.report(s.name, "mac_address", "a fixed MAC address", "the pod's own");
}

void report_host_access(Context& ctx, const Service& s) {
  if (s.privileged)
    ctx.report(s.name, "privileged", "privileged: true (every capability, every device)",
               "an unprivileged container (most clusters' Pod Security refuses privileged pods)");
  if (!s.devices.empty())
    ctx.report(s.name, "devices", "devices of this host",
               "none (a device plugin of the cluster gives devices)");
  if (!s.cdi_devices.empty())
    ctx.report(s.name, "devices", "CDI devices", "none (request them through a device plugin)");
  if (!s.device_cgroup_rules.empty())
    ctx.report(s.name, "device_cgroup_rules", "device cgroup rules", "the runtime's default");
  if (!s.volumes_from.empty())
    ctx.report(s.name, "volumes_from", "another container's volumes",
               "none (mount the same claims by hand)");
  for (const auto& o : s.security_opt)
    if (o.value.kind != runtime::SecurityOpt::Kind::NoNewPrivileges)
      ctx.report(s.name, "security_opt", "security_opt " + o.text,
                 "the cluster's default seccomp and AppArmor profiles");
  if (!s.ulimits.empty())
    ctx.report(s.name, "ulimits", "per-container ulimits", "the node's container runtime's");
  if (s.shm_size)
    ctx.report(s.name, "shm_size", "the size of /dev/shm", "the runtime's default (64 MiB)");
}

void report_runtime(Context& ctx, const Service& s) {
  if (s.init && *s.init)
    ctx.report(s.name, "init", "init: true (an init process as PID 1)",
               "the command is PID 1 (set shareProcessNamespace by hand)");
  if (s.logging)
    ctx.report(s.name, "logging", "a log driver and its options", "the cluster's logging");
  if (!s.container_name.empty())
    ctx.report(s.name, "container_name", "a fixed container name",
               "pods named by their " +
                   std::string(ctx.workloads.at(s.name) == Workload::Job ? "Job" : "controller"));
  if (!s.domainname.empty())
    ctx.report(s.name, "domainname", "a domain name", "the cluster's DNS domain");
  if (!s.platform.empty())
    ctx.report(s.name, "platform", "platform " + s.platform,
               "any node (add a nodeSelector on kubernetes.io/arch by hand)");
  if (!s.copy.empty())
    ctx.report(s.name, "filesystem", "filesystem.copy (files copied onto the image)",
               "the base image alone: build an image with the files");
  if (!s.watch.empty())
    ctx.report(s.name, "develop", "develop.watch (lit watch)", "left out", false);
  if (s.update_config)
    ctx.report(s.name, "deploy.update_config", "update_config",
               "the Deployment's default rolling update", false);
}

}  // namespace

void report_untranslated(Context& ctx, const Service& s) {
  report_namespaces(ctx, s);
  report_host_access(ctx, s);
  report_runtime(ctx, s);
}

}  // namespace lit::reconciler::kube
