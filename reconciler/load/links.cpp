// links: compose's legacy links ("SERVICE" or "SERVICE:ALIAS"). As compose
// does on user-defined networks, a link is a dependency (depends_on SERVICE,
// started, restart: true) and a DNS alias: ALIAS names SERVICE's containers on
// the networks the two services share.
#include "reconciler/load/links.hpp"

#include <algorithm>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

ServiceLink parse_link(const Node& n, const std::string& path) {
  std::string text = as_string(n, path);
  auto colon = text.find(':');
  ServiceLink l{text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 1)};
  if (l.service.empty() || (colon != std::string::npos && l.alias.empty()) ||
      l.alias.find(':') != std::string::npos)
    fail(n, path, "invalid link \"" + text + "\": use SERVICE or SERVICE:ALIAS");
  if (l.alias.empty()) l.alias = l.service;
  return l;
}

}  // namespace

std::vector<ServiceLink> normalize_links(const Node& n, const std::string& path) {
  std::vector<ServiceLink> out;
  if (n.is_null()) return out;
  if (!n.is_seq()) fail(n, path, "expected a list of SERVICE[:ALIAS], got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i)
    out.push_back(parse_link(n.items[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

void links_to_depends_on(Node& services) {
  if (!services.is_map()) return;
  for (auto& e : services.entries) {
    const Node* links = e.value.is_map() ? e.value.find("links") : nullptr;
    if (!links || !links->is_seq()) continue;
    Node deps = e.value.find("depends_on") ? *e.value.find("depends_on") : Node::map(links->loc);
    if (!deps.is_map()) continue;  // normalization reports it
    for (std::size_t i = 0; i < links->items.size(); ++i) {
      const Node& l = links->items[i];
      if (!l.is_scalar()) continue;
      std::string service = l.text.substr(0, l.text.find(':'));
      if (service.empty() || deps.find(service)) continue;
      Node dep = Node::map(l.loc);
      dep.set("condition", Node::scalar("service_started", l.loc), l.loc);
      dep.set("restart", Node::scalar("true", l.loc), l.loc);
      deps.set(service, std::move(dep), l.loc);
    }
    e.value.set("depends_on", std::move(deps), links->loc);
  }
}

namespace {

// Adds depends_on SERVICE (service_started, restart as given) unless there.
void add_dependency(Node& deps, const std::string& service, bool restart, const Loc& loc) {
  if (service.empty() || deps.find(service)) return;
  Node dep = Node::map(loc);
  dep.set("condition", Node::scalar("service_started", loc), loc);
  dep.set("restart", Node::scalar(restart ? "true" : "false", loc), loc);
  deps.set(service, std::move(dep), loc);
}

}  // namespace

void shared_to_depends_on(Node& services) {
  if (!services.is_map()) return;
  for (auto& e : services.entries) {
    if (!e.value.is_map()) continue;
    const Node* pid = e.value.find("pid");
    const Node* ipc = e.value.find("ipc");
    const Node* from = e.value.find("volumes_from");
    const Node* any = pid ? pid : ipc ? ipc : from;
    if (!any) continue;
    Node deps = e.value.find("depends_on") ? *e.value.find("depends_on") : Node::map(any->loc);
    if (!deps.is_map()) continue;  // normalization reports it
    for (const Node* n : {pid, ipc})
      if (n && n->is_scalar() && n->text.starts_with("service:"))
        add_dependency(deps, n->text.substr(8), true, n->loc);
    if (from && from->is_seq())
      for (const auto& item : from->items)
        if (item.is_scalar() && !item.text.starts_with("container:"))
          add_dependency(deps, item.text.substr(0, item.text.find(':')), false, item.loc);
    e.value.set("depends_on", std::move(deps), any->loc);
  }
}

void apply_link_aliases(Project& project) {
  for (const auto& [name, s] : project.services) {
    for (const auto& link : s.links) {
      auto target = project.services.find(link.service);
      if (target == project.services.end()) continue;  // depends_on reports it
      for (auto& [network, attachment] : target->second.networks) {
        if (!s.networks.count(network)) continue;
        auto& aliases = attachment.link_aliases;
        if (link.alias != link.service &&
            std::find(aliases.begin(), aliases.end(), link.alias) == aliases.end())
          aliases.push_back(link.alias);
      }
    }
  }
  for (auto& entry : project.services)
    for (auto& network : entry.second.networks)
      std::sort(network.second.link_aliases.begin(), network.second.link_aliases.end());
}

}  // namespace lit::reconciler::load
