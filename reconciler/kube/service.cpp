// A Service per service that others reach by name, named exactly as the
// compose service (so http://api:8000 keeps working), one more per alias;
// published ports on the chosen type.
#include <set>
#include <utility>

#include "reconciler/kube/parts.hpp"

namespace lit::reconciler::kube {

namespace {

// The container ports of a service, each (port, protocol) once, in file order.
std::vector<std::pair<std::uint16_t, std::string>> container_ports(const Service& s) {
  std::vector<std::pair<std::uint16_t, std::string>> out;
  auto add = [&](std::uint16_t port, std::string proto) {
    std::pair<std::uint16_t, std::string> p{port, std::move(proto)};
    for (const auto& o : out)
      if (o == p) return;
    out.push_back(std::move(p));
  };
  for (const auto& p : s.ports) add(p.target, p.protocol);
  for (const auto& e : s.expose) {
    auto slash = e.find('/');
    std::string proto = slash == std::string::npos ? "tcp" : e.substr(slash + 1);
    std::string port = e.substr(0, slash);
    auto dash = port.find('-');  // a range: each port of it
    int first = std::stoi(port.substr(0, dash));
    int last = dash == std::string::npos ? first : std::stoi(port.substr(dash + 1));
    for (int n = first; n <= last; ++n) add(static_cast<std::uint16_t>(n), proto);
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Json service_port(const std::string& name, std::uint16_t port, std::uint16_t target,
                  const std::string& proto) {
  return {{"name", name}, {"port", port}, {"targetPort", target}, {"protocol", upper(proto)}};
}

const char* type_name(ServiceType t) {
  switch (t) {
    case ServiceType::NodePort:
      return "NodePort";
    case ServiceType::LoadBalancer:
      return "LoadBalancer";
    case ServiceType::ClusterIP:
      break;
  }
  return "ClusterIP";
}

// The published ports on the chosen type: node ports where the range allows,
// a load balancer's port for each published one.
void publish(Context& ctx, const Service& s, Json& spec) {
  ServiceType type = ctx.options.service_type;
  for (std::size_t i = 0; i < s.ports.size(); ++i) {
    const PortMapping& p = s.ports[i];
    std::string key = "ports[" + std::to_string(i) + "]";
    if (!p.host_ip.empty())
      ctx.report(s.name, key, "a host address (" + p.host_ip + ")",
                 "published on every address the Service type gives");
    if (p.published_last != 0)
      ctx.report(s.name, key, "a range of host ports shared by the replicas",
                 "one port for every replica, behind the Service");
    if (type == ServiceType::ClusterIP) {
      ctx.report(s.name, key, "published on the host",
                 "reached inside the cluster (kubectl port-forward, or --service-type NodePort "
                 "or LoadBalancer)",
                 false);
      continue;
    }
    std::string name = p.protocol + "-" + std::to_string(p.target);
    for (auto& port : spec["ports"]) {
      if (port["name"] != name) continue;
      if (type == ServiceType::NodePort) {
        if (p.published >= 30000 && p.published <= 32767)
          port["nodePort"] = p.published;
        else if (p.published != 0)
          ctx.report(s.name, key,
                     "host port " + std::to_string(p.published) +
                         " is outside the node port range 30000-32767",
                     "the cluster picks the node port");
      }
    }
    if (type == ServiceType::LoadBalancer && p.published != 0 && p.published != p.target)
      spec["ports"].push_back(service_port("pub-" + p.protocol + "-" + std::to_string(p.published),
                                           p.published, p.target, p.protocol));
  }
  spec["type"] = type_name(type);
}

Json service_spec(const Context& ctx, const Service& s) {
  Json spec = {{"selector", ctx.selector(s.name)}};
  Json ports = Json::array();
  for (const auto& [port, proto] : container_ports(s))
    ports.push_back(service_port(proto + "-" + std::to_string(port), port, port, proto));
  if (ports.empty()) {
    spec["clusterIP"] = "None";  // headless: the name resolves to the ready pods
  } else {
    spec["ports"] = ports;
  }
  return spec;
}

}  // namespace

std::optional<std::uint16_t> wait_port(const Service& s) {
  auto ports = container_ports(s);
  if (ports.empty()) return std::nullopt;
  return ports.front().first;
}

Json container_ports_json(const Service& s) {
  Json out = Json::array();
  for (const auto& [port, proto] : container_ports(s))
    out.push_back({{"containerPort", port}, {"protocol", upper(proto)}});
  return out;
}

bool has_service(const Project& project, const Service& s) {
  if (!s.ports.empty() || !s.expose.empty()) return true;
  for (const auto& [_, n] : s.networks)
    if (!n.aliases.empty() || !n.link_aliases.empty()) return true;
  for (const auto& [_, other] : project.services)
    for (const auto& [dep, d] : other.depends_on)
      if (dep == s.name && d.condition != DependCondition::service_completed_successfully)
        return true;
  return false;
}

void add_services(Context& ctx) {
  std::set<std::string> taken;
  for (const auto& [_, name] : ctx.names) taken.insert(name);
  for (const auto& [name, s] : ctx.project.services) {
    if (!has_service(ctx.project, s)) continue;
    Json spec = service_spec(ctx, s);
    Json alias_spec = spec;
    if (!s.ports.empty() && spec.contains("ports")) publish(ctx, s, spec);
    ctx.add("Service", "v1", ctx.names.at(name),
            {{"metadata", ctx.metadata(ctx.names.at(name), name)}, {"spec", spec}});
    std::set<std::string> aliases;
    for (const auto& [net, n] : s.networks) {
      for (const auto* list : {&n.aliases, &n.link_aliases})
        for (const auto& a : *list) aliases.insert(a);
    }
    for (const auto& a : aliases) {
      std::string alias = dns_label(a);
      if (alias == ctx.names.at(name)) continue;
      if (!taken.insert(alias).second) {
        ctx.report(name, "networks", "alias \"" + a + "\" names another object",
                   "no Service for it");
        continue;
      }
      if (alias != a)
        ctx.report(name, "networks", "alias \"" + a + "\" is not a DNS-1123 label",
                   "its Service is named \"" + alias + "\"", false);
      ctx.add("Service", "v1", alias,
              {{"metadata", ctx.metadata(alias, name)}, {"spec", alias_spec}});
    }
  }
  if (ctx.project.networks.size() > 1)
    ctx.report("", "networks", "several networks, each isolated from the others",
               "one cluster network: every pod reaches every Service (add NetworkPolicies by "
               "hand)");
}

}  // namespace lit::reconciler::kube
