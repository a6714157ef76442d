#include "network/nft_rules.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <set>

#include "runtime/util/error.hpp"

namespace lit::network::nft {
namespace {

// nftables keeps at most 128 bytes of a rule's comment.
constexpr size_t kMaxComment = 127;

std::string checked_ipv4(std::string_view what, std::string_view ip) {
  in_addr a{};
  std::string s(ip);
  if (inet_pton(AF_INET, s.c_str(), &a) != 1)
    throw Error(std::string(what), "'" + s + "' is not an IPv4 address");
  return s;
}

json prefix(std::string_view what, std::string_view cidr) {
  auto slash = cidr.find('/');
  unsigned len = 0;
  std::string_view len_s = slash == std::string_view::npos ? "" : cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(len_s.data(), len_s.data() + len_s.size(), len);
  if (len_s.empty() || ec != std::errc{} || end != len_s.data() + len_s.size() || len > 32)
    throw Error(std::string(what), "'" + std::string(cidr) + "' is not an IPv4 CIDR (a.b.c.d/n)");
  return {{"prefix", {{"addr", checked_ipv4(what, cidr.substr(0, slash))}, {"len", len}}}};
}

json meta(std::string_view key) { return {{"meta", {{"key", key}}}}; }
json payload(std::string_view proto, std::string_view field) {
  return {{"payload", {{"protocol", proto}, {"field", field}}}};
}
json match(const json& left, std::string_view op, const json& right) {
  return {{"match", {{"op", op}, {"left", left}, {"right", right}}}};
}
json ipv4_only() { return match(meta("nfproto"), "==", "ipv4"); }
json ct_dnat(std::string_view op) { return match({{"ct", {{"key", "status"}}}}, op, "dnat"); }

json rule(std::string_view chain, std::string_view owner, json expr) {
  if (owner.size() > kMaxComment)
    throw Error("nftables rule owner", std::string(owner), 0, "ID too long");
  return {{"add",
           {{"rule",
             {{"family", kFamily},
              {"table", kTable},
              {"chain", chain},
              {"comment", owner},
              {"expr", std::move(expr)}}}}}};
}

json base_chain(std::string_view name, std::string_view type, int prio) {
  return {{"add",
           {{"chain",
             {{"family", kFamily},
              {"table", kTable},
              {"name", name},
              {"type", type},
              {"hook", name},
              {"prio", prio},
              {"policy", "accept"}}}}}};
}

void check_bridge(const std::string& bridge) {
  if (bridge.empty() || bridge.size() > 15)
    throw Error("network bridge name", "'" + bridge + "'", 0, "1 to 15 characters");
}

// Matches packets addressed to the published host address, or to any local one.
json host_match(const PortMapping& p) {
  if (p.host_ip.empty())
    return match({{"fib", {{"result", "type"}, {"flags", {"daddr"}}}}}, "==", "local");
  return match(payload("ip", "daddr"), "==", checked_ipv4("published host address", p.host_ip));
}

json dnat_expr(const PortMapping& p, const std::string& ctr_ip) {
  return json::array(
      {ipv4_only(),
       host_match(p),
       match(payload(proto_name(p.proto), "dport"), "==", p.host_port),
       {{"dnat", {{"family", "ip"}, {"addr", ctr_ip}, {"port", p.container_port}}}}});
}

// Connections from 127.0.0.0/8 (route_localnet) and from the container's own
// network (hairpin) must come back through the host to be un-NATed.
json hairpin_expr(const PortMapping& p, const std::string& ctr_ip, const json& subnet) {
  json sources = {{"set", {prefix("loopback", "127.0.0.0/8"), subnet}}};
  return json::array({ipv4_only(),
                      match(payload("ip", "saddr"), "==", sources),
                      match(payload("ip", "daddr"), "==", ctr_ip),
                      match(payload(proto_name(p.proto), "dport"), "==", p.container_port),
                      ct_dnat("in"),
                      {{"masquerade", nullptr}}});
}

}  // namespace

std::string network_owner(std::string_view id) { return "net:" + std::string(id); }
std::string container_owner(std::string_view id) { return "ctr:" + std::string(id); }

json batch(const json& cmds) { return {{"nftables", cmds}}; }

json ensure_table() {
  return json::array({{{"add", {{"table", {{"family", kFamily}, {"name", kTable}}}}}},
                      base_chain("prerouting", "nat", -100),
                      base_chain("output", "nat", -100),
                      base_chain("forward", "filter", 0),
                      base_chain("postrouting", "nat", 100)});
}

json network_rules(const NetworkRules& net) {
  check_bridge(net.bridge);
  json subnet = prefix("network subnet", net.subnet);
  std::string owner = network_owner(net.id);
  json in = match(meta("iifname"), "==", net.bridge),
       out = match(meta("oifname"), "==", net.bridge);
  json not_in = match(meta("iifname"), "!=", net.bridge);
  json not_out = match(meta("oifname"), "!=", net.bridge);
  json drop = {{"drop", nullptr}};
  if (net.internal)  // nothing crosses the bridge in either direction
    return json::array(
        {rule("forward", owner, {in, not_out, drop}), rule("forward", owner, {out, not_in, drop})});
  // Into another lit network: dropped, unless it is a published port (DNAT).
  json other_lit = match(meta("oifname"), "==", kBridgeGlob);
  // TCP leaving the network announces no larger segments than the outgoing
  // route carries (lit's bridges have the veth maximum MTU); never raised.
  json syn = match({{"&", json::array({payload("tcp", "flags"), json::array({"syn", "rst"})})}},
                   "==", "syn");
  json clamp = {{"mangle",
                 {{"key", {{"tcp option", {{"name", "maxseg"}, {"field", "size"}}}}},
                  {"value", {{"rt", {{"key", "mtu"}}}}}}}};
  return json::array({rule("forward", owner, {in, not_out, other_lit, ct_dnat("!"), drop}),
                      rule("forward", owner, {in, not_out, syn, clamp}),
                      rule("postrouting", owner,
                           {ipv4_only(),
                            match(payload("ip", "saddr"), "==", subnet),
                            not_out,
                            {{"masquerade", nullptr}}})});
}

json port_rules(const ContainerPorts& ctr) {
  std::string ip = checked_ipv4("container address", ctr.container_ip);
  json subnet = prefix("network subnet", ctr.subnet);
  std::string owner = container_owner(ctr.id);
  json cmds = json::array();
  for (const auto& p : ctr.ports) {
    if (p.host_port == 0 || p.container_port == 0)
      throw Error("publish port for", owner, 0, "host port not chosen");
    cmds.push_back(rule("prerouting", owner, dnat_expr(p, ip)));
    cmds.push_back(rule("output", owner, dnat_expr(p, ip)));
    cmds.push_back(rule("postrouting", owner, hairpin_expr(p, ip, subnet)));
  }
  return cmds;
}

json delete_rules(const std::vector<RuleRef>& rules) {
  json cmds = json::array();
  for (const auto& r : rules)
    cmds.push_back(
        {{"delete",
          {{"rule",
            {{"family", kFamily}, {"table", kTable}, {"chain", r.chain}, {"handle", r.handle}}}}}});
  return cmds;
}

json delete_table() {
  return json::array({{{"delete", {{"table", {{"family", kFamily}, {"name", kTable}}}}}}});
}

json list_table() {
  return json::array({{{"list", {{"table", {{"family", kFamily}, {"name", kTable}}}}}}});
}

namespace {
// The rules of lit's table in a listing (other tables' entries are skipped).
std::vector<const json*> rules_of(const json& listing) {
  std::vector<const json*> out;
  if (!listing.contains("nftables")) return out;
  for (const auto& item : listing["nftables"]) {
    if (!item.contains("rule")) continue;
    const json& r = item["rule"];
    if (r.value("family", "") == kFamily && r.value("table", "") == kTable) out.push_back(&r);
  }
  return out;
}
}  // namespace

std::vector<RuleRef> rules_owned_by(const json& listing, std::string_view owner) {
  std::vector<RuleRef> out;
  for (const json* r : rules_of(listing))
    if (r->value("comment", "") == owner)
      out.push_back({r->value("chain", ""), r->value("handle", int64_t{0})});
  return out;
}

std::vector<std::string> rule_owners(const json& listing) {
  std::set<std::string> owners;
  for (const json* r : rules_of(listing))
    if (auto owner = r->value("comment", ""); !owner.empty()) owners.insert(owner);
  return {owners.begin(), owners.end()};
}

size_t rule_count(const json& listing) { return rules_of(listing).size(); }

bool has_base_chains(const json& listing) {
  if (!listing.contains("nftables")) return false;
  std::set<std::string> chains;
  for (const auto& item : listing["nftables"]) {
    if (!item.contains("chain")) continue;
    const json& c = item["chain"];
    if (c.value("family", "") == kFamily && c.value("table", "") == kTable && c.contains("hook"))
      chains.insert(c.value("name", ""));
  }
  return chains == std::set<std::string>{"prerouting", "output", "forward", "postrouting"};
}

std::vector<Published> published_ports(const json& listing) {
  std::vector<Published> out;
  for (const json* r : rules_of(listing)) {
    if (r->value("chain", "") != "prerouting" || !r->contains("expr")) continue;
    Published p{r->value("comment", ""), "", 0, Proto::Tcp};
    for (const auto& e : (*r)["expr"]) {
      if (!e.contains("match") || !e["match"]["left"].contains("payload")) continue;
      const json& pl = e["match"]["left"]["payload"];
      std::string proto = pl.value("protocol", ""), field = pl.value("field", "");
      if (field == "dport" && (proto == "tcp" || proto == "udp")) {
        p.host_port = e["match"]["right"].get<uint16_t>();
        p.proto = proto == "tcp" ? Proto::Tcp : Proto::Udp;
      } else if (proto == "ip" && field == "daddr") {
        p.host_ip = e["match"]["right"].get<std::string>();
      }
    }
    if (p.host_port != 0) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace lit::network::nft
