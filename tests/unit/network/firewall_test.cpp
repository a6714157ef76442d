// The -p parser and the nftables JSON lit builds for its one table, checked
// as structure (parsed with nlohmann) without root or a kernel.
#include <gtest/gtest.h>

#include <algorithm>

#include "network/nft_rules.hpp"
#include "network/ports.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::network {
namespace {

using lit::testing::error_of;
using nlohmann::json;

std::vector<PortMapping> parse(std::string_view s) { return runtime::parse_port_spec(s); }

TEST(PortSpec, ContainerPortOnlyLeavesTheHostPortToTheCaller) {
  EXPECT_EQ(parse("80"), (std::vector<PortMapping>{{"", 0, 80, Proto::Tcp}}));
  EXPECT_EQ(parse("53/udp"), (std::vector<PortMapping>{{"", 0, 53, Proto::Udp}}));
}

TEST(PortSpec, HostAndContainerPorts) {
  EXPECT_EQ(parse("8080:80"), (std::vector<PortMapping>{{"", 8080, 80, Proto::Tcp}}));
  EXPECT_EQ(parse("8080:80/tcp"), (std::vector<PortMapping>{{"", 8080, 80, Proto::Tcp}}));
  EXPECT_EQ(parse("5353:53/udp"), (std::vector<PortMapping>{{"", 5353, 53, Proto::Udp}}));
}

TEST(PortSpec, HostAddress) {
  EXPECT_EQ(parse("127.0.0.1:8080:80"),
            (std::vector<PortMapping>{{"127.0.0.1", 8080, 80, Proto::Tcp}}));
  EXPECT_EQ(parse("127.0.0.1::80"), (std::vector<PortMapping>{{"127.0.0.1", 0, 80, Proto::Tcp}}));
  // 0.0.0.0 is every address, the same as no address.
  EXPECT_EQ(parse("0.0.0.0:8080:80"), (std::vector<PortMapping>{{"", 8080, 80, Proto::Tcp}}));
}

TEST(PortSpec, RangesMapPortByPort) {
  EXPECT_EQ(parse("8000-8002:80-82/udp"), (std::vector<PortMapping>{{"", 8000, 80, Proto::Udp},
                                                                    {"", 8001, 81, Proto::Udp},
                                                                    {"", 8002, 82, Proto::Udp}}));
  EXPECT_EQ(parse("80-81"),
            (std::vector<PortMapping>{{"", 0, 80, Proto::Tcp}, {"", 0, 81, Proto::Tcp}}));
}

TEST(PortSpec, BadValuesNameTheFlagAndTheValue) {
  EXPECT_EQ(error_of([] { parse("8080:abc"); }),
            "invalid -p 8080:abc: container port 'abc' is not a port number (1-65535)");
  EXPECT_EQ(error_of([] { parse("70000:80"); }),
            "invalid -p 70000:80: host port '70000' is not a port number (1-65535)");
  EXPECT_EQ(error_of([] { parse("8080:80/sctp"); }),
            "invalid -p 8080:80/sctp: protocol 'sctp' is not tcp or udp");
  EXPECT_EQ(error_of([] { parse("8000-8010:80-85"); }),
            "invalid -p 8000-8010:80-85: host and container port ranges differ in length");
  EXPECT_EQ(error_of([] { parse("1.2.3:80:80"); }),
            "invalid -p 1.2.3:80:80: host address '1.2.3' is not an IPv4 address");
  EXPECT_EQ(error_of([] { parse("90-80"); }),
            "invalid -p 90-80: container port range '90-80' is reversed");
  for (const char* bad : {"", "0", "0:80", "8080:", ":", "1:2:3:4", "[::1]:80:80", "80/", "-80",
                          "80-", "8080:+80", " 80"})
    EXPECT_TRUE(error_of([&] { parse(bad); }).starts_with("invalid -p " + std::string(bad) + ":"))
        << "accepted -p '" << bad << "'";
}

// ---- JSON builders ----

const json& body(const json& cmd, const char* verb, const char* object) {
  EXPECT_TRUE(cmd.contains(verb) && cmd[verb].contains(object)) << cmd.dump();
  return cmd[verb][object];
}

// The expressions of a rule, as nft would print them back (dump per element).
bool has_expr(const json& rule, const json& expr) {
  return std::ranges::find(rule["expr"], expr) != rule["expr"].end();
}

json m(json left, const char* op, json right) {
  return {{"match", {{"op", op}, {"left", std::move(left)}, {"right", std::move(right)}}}};
}
json meta(const char* k) { return {{"meta", {{"key", k}}}}; }
json pl(const char* p, const char* f) { return {{"payload", {{"protocol", p}, {"field", f}}}}; }
json pfx(const char* a, int l) { return {{"prefix", {{"addr", a}, {"len", l}}}}; }
const json kCtStatus = {{"ct", {{"key", "status"}}}};

TEST(NftRules, EnsureTableMakesInetLitWithFourBaseChains) {
  json cmds = nft::ensure_table();
  ASSERT_EQ(cmds.size(), 5u);
  EXPECT_EQ(body(cmds[0], "add", "table"), (json{{"family", "inet"}, {"name", "lit"}}));
  std::map<std::string, std::pair<std::string, int>> want = {{"prerouting", {"nat", -100}},
                                                             {"output", {"nat", -100}},
                                                             {"forward", {"filter", 0}},
                                                             {"postrouting", {"nat", 100}}};
  for (size_t i = 1; i < cmds.size(); ++i) {
    const json& c = body(cmds[i], "add", "chain");
    EXPECT_EQ(c["family"], "inet");
    EXPECT_EQ(c["table"], "lit");
    std::string name = c["name"];
    ASSERT_TRUE(want.contains(name)) << name;
    EXPECT_EQ(c["hook"], name);
    EXPECT_EQ(c["type"], want[name].first);
    EXPECT_EQ(c["prio"], want[name].second);
    EXPECT_EQ(c["policy"], "accept");  // lit never drops what is not its own
    want.erase(name);
  }
  EXPECT_TRUE(want.empty());
  EXPECT_EQ(nft::batch(cmds)["nftables"], cmds);
}

TEST(NftRules, NetworkIsolatesAndMasquerades) {
  json cmds = nft::network_rules({"n1", "lit-n1", "10.90.1.0/24", false});
  ASSERT_EQ(cmds.size(), 3u);
  const json& fwd = body(cmds[0], "add", "rule");
  EXPECT_EQ(fwd["family"], "inet");
  EXPECT_EQ(fwd["table"], "lit");
  EXPECT_EQ(fwd["chain"], "forward");
  EXPECT_EQ(fwd["comment"], "net:n1");
  EXPECT_TRUE(has_expr(fwd, m(meta("iifname"), "==", "lit-n1")));
  EXPECT_TRUE(has_expr(fwd, m(meta("oifname"), "!=", "lit-n1")));
  EXPECT_TRUE(has_expr(fwd, m(meta("oifname"), "==", "lit-*")));
  EXPECT_TRUE(has_expr(fwd, m(kCtStatus, "!", "dnat")));  // published ports stay reachable
  EXPECT_EQ(fwd["expr"].back(), (json{{"drop", nullptr}}));
  // TCP SYNs leaving the network get their MSS lowered to the outgoing route's MTU.
  const json& clamp = body(cmds[1], "add", "rule");
  EXPECT_EQ(clamp["chain"], "forward");
  EXPECT_EQ(clamp["comment"], "net:n1");
  EXPECT_TRUE(has_expr(clamp, m(meta("iifname"), "==", "lit-n1")));
  EXPECT_TRUE(has_expr(clamp, m(meta("oifname"), "!=", "lit-n1")));
  EXPECT_TRUE(has_expr(
      clamp,
      m(json{{"&", json::array({pl("tcp", "flags"), json::array({"syn", "rst"})})}}, "==", "syn")));
  EXPECT_EQ(clamp["expr"].back(),
            (json{{"mangle",
                   {{"key", {{"tcp option", {{"name", "maxseg"}, {"field", "size"}}}}},
                    {"value", {{"rt", {{"key", "mtu"}}}}}}}}));
  const json& nat = body(cmds[2], "add", "rule");
  EXPECT_EQ(nat["chain"], "postrouting");
  EXPECT_EQ(nat["comment"], "net:n1");
  EXPECT_TRUE(has_expr(nat, m(pl("ip", "saddr"), "==", pfx("10.90.1.0", 24))));
  EXPECT_TRUE(has_expr(nat, m(meta("oifname"), "!=", "lit-n1")));
  EXPECT_EQ(nat["expr"].back(), (json{{"masquerade", nullptr}}));
}

TEST(NftRules, InternalNetworkHasNoEgressAndNoMasquerade) {
  json cmds = nft::network_rules({"n2", "lit-n2", "10.90.2.0/24", true});
  ASSERT_EQ(cmds.size(), 2u);
  for (const auto& c : cmds) {
    const json& r = body(c, "add", "rule");
    EXPECT_EQ(r["chain"], "forward");
    EXPECT_EQ(r["comment"], "net:n2");
    EXPECT_EQ(r["expr"].back(), (json{{"drop", nullptr}}));
  }
  const json& out = body(cmds[0], "add", "rule");
  EXPECT_TRUE(has_expr(out, m(meta("iifname"), "==", "lit-n2")));
  EXPECT_TRUE(has_expr(out, m(meta("oifname"), "!=", "lit-n2")));
  const json& in = body(cmds[1], "add", "rule");
  EXPECT_TRUE(has_expr(in, m(meta("oifname"), "==", "lit-n2")));
  EXPECT_TRUE(has_expr(in, m(meta("iifname"), "!=", "lit-n2")));
}

TEST(NftRules, NetworkRejectsBadInput) {
  EXPECT_EQ(error_of([] {
              nft::network_rules({"n", "lit-n", "10.90.1.0", false});
            }),
            "network subnet '10.90.1.0' is not an IPv4 CIDR (a.b.c.d/n)");
  EXPECT_EQ(error_of([] {
              nft::network_rules({"n", "lit-n", "10.90.1.0/33", false});
            }),
            "network subnet '10.90.1.0/33' is not an IPv4 CIDR (a.b.c.d/n)");
  EXPECT_NE(error_of([] { nft::network_rules({"n", "", "10.90.1.0/24", false}); }), "");
  EXPECT_NE(error_of([] {
              nft::network_rules({"n", "lit-0123456789abcdef", "10.90.1.0/24", false});
            }),
            "");
}

nft::ContainerPorts web() {
  return {"c1",
          "10.90.1.5",
          "10.90.1.0/24",
          {{"", 8080, 80, Proto::Tcp}, {"127.0.0.1", 5353, 53, Proto::Udp}}};
}

TEST(NftRules, PublishedPortDnatsFromOutsideAndFromTheHost) {
  json cmds = nft::port_rules(web());
  ASSERT_EQ(cmds.size(), 6u);  // prerouting, output, postrouting per port
  std::vector<std::string> chains;
  for (const auto& c : cmds) {
    chains.push_back(body(c, "add", "rule")["chain"]);
    EXPECT_EQ(body(c, "add", "rule")["comment"], "ctr:c1");
  }
  EXPECT_EQ(chains, (std::vector<std::string>{"prerouting", "output", "postrouting", "prerouting",
                                              "output", "postrouting"}));
  json dnat = {{"dnat", {{"family", "ip"}, {"addr", "10.90.1.5"}, {"port", 80}}}};
  json local = m({{"fib", {{"result", "type"}, {"flags", {"daddr"}}}}}, "==", "local");
  for (int i : {0, 1}) {
    const json& r = body(cmds[i], "add", "rule");
    EXPECT_TRUE(has_expr(r, local)) << r.dump();
    EXPECT_TRUE(has_expr(r, m(pl("tcp", "dport"), "==", 8080)));
    EXPECT_TRUE(has_expr(r, m(meta("nfproto"), "==", "ipv4")));
    EXPECT_EQ(r["expr"].back(), dnat);
  }
  const json& hair = body(cmds[2], "add", "rule");
  json sources = {{"set", {pfx("127.0.0.0", 8), pfx("10.90.1.0", 24)}}};
  EXPECT_TRUE(has_expr(hair, m(pl("ip", "saddr"), "==", sources)));
  EXPECT_TRUE(has_expr(hair, m(pl("ip", "daddr"), "==", "10.90.1.5")));
  EXPECT_TRUE(has_expr(hair, m(pl("tcp", "dport"), "==", 80)));
  EXPECT_TRUE(has_expr(hair, m(kCtStatus, "in", "dnat")));
  EXPECT_EQ(hair["expr"].back(), (json{{"masquerade", nullptr}}));
  // With a host address, only packets to that address are forwarded.
  const json& udp = body(cmds[3], "add", "rule");
  EXPECT_TRUE(has_expr(udp, m(pl("ip", "daddr"), "==", "127.0.0.1")));
  EXPECT_FALSE(has_expr(udp, local));
  EXPECT_TRUE(has_expr(udp, m(pl("udp", "dport"), "==", 5353)));
  EXPECT_EQ(udp["expr"].back(),
            (json{{"dnat", {{"family", "ip"}, {"addr", "10.90.1.5"}, {"port", 53}}}}));
}

TEST(NftRules, PortRulesRejectBadInput) {
  auto c = web();
  c.ports[0].host_port = 0;
  EXPECT_EQ(error_of([&] { nft::port_rules(c); }), "publish port for ctr:c1");
  c = web();
  c.container_ip = "10.90.1";
  EXPECT_EQ(error_of([&] { nft::port_rules(c); }),
            "container address '10.90.1' is not an IPv4 address");
  c = web();
  c.id = std::string(200, 'a');
  EXPECT_NE(error_of([&] { nft::port_rules(c); }), "");
}

// What `list table inet lit` returns after these commands: each added rule
// with a handle, plus a rule of another table carrying the same comment.
json listing_of(const json& cmds) {
  json items = json::array({{{"metainfo", {{"json_schema_version", 1}}}},
                            {{"table", {{"family", "inet"}, {"name", "lit"}, {"handle", 1}}}}});
  int64_t handle = 10;
  for (const auto& c : cmds) {
    json r = c["add"]["rule"];
    r["handle"] = handle++;
    items.push_back({{"rule", r}});
  }
  json foreign = cmds[0]["add"]["rule"];
  foreign["table"] = "other";
  foreign["handle"] = 99;
  items.push_back({{"rule", foreign}});
  return {{"nftables", items}};
}

// What `list table inet lit` shows of the chains ensure_table() adds.
json chains_listing(const std::string& table, std::vector<std::string> names) {
  json items = json::array({{{"table", {{"family", "inet"}, {"name", table}, {"handle", 1}}}}});
  for (const auto& n : names)
    items.push_back({{"chain",
                      {{"family", "inet"},
                       {"table", table},
                       {"name", n},
                       {"handle", 2},
                       {"type", n == "forward" ? "filter" : "nat"},
                       {"hook", n},
                       {"prio", 0},
                       {"policy", "accept"}}}});
  return {{"nftables", items}};
}

// lit adds the table and its chains only when they are missing: an "add
// chain" of an existing base chain makes the kernel's transaction wait.
TEST(NftRules, BaseChainsAreFoundOnlyWhenAllFourAreInLitsTable) {
  const std::vector<std::string> all = {"prerouting", "output", "forward", "postrouting"};
  EXPECT_TRUE(nft::has_base_chains(chains_listing("lit", all)));
  EXPECT_FALSE(nft::has_base_chains(chains_listing("lit", {"prerouting", "output", "forward"})));
  EXPECT_FALSE(nft::has_base_chains(chains_listing("other", all)));
  EXPECT_FALSE(nft::has_base_chains(json::object()));
}

TEST(NftRules, ReadersFindRulesByOwnerInLitsTableOnly) {
  json cmds = nft::network_rules({"n1", "lit-n1", "10.90.1.0/24", false});
  for (auto& c : nft::port_rules(web())) cmds.push_back(c);
  json listing = listing_of(cmds);
  EXPECT_EQ(nft::rule_count(listing), 9u);
  EXPECT_EQ(nft::rules_owned_by(listing, "net:n1"),
            (std::vector<nft::RuleRef>{{"forward", 10}, {"forward", 11}, {"postrouting", 12}}));
  EXPECT_EQ(nft::rules_owned_by(listing, "ctr:c1").size(), 6u);
  EXPECT_TRUE(nft::rules_owned_by(listing, "ctr:c").empty());  // exact, not a prefix
  // What `lit system check` holds against the records: each owner once.
  EXPECT_EQ(nft::rule_owners(listing), (std::vector<std::string>{"ctr:c1", "net:n1"}));
  EXPECT_TRUE(nft::rule_owners(json::object()).empty());
  json del = nft::delete_rules(nft::rules_owned_by(listing, "net:n1"));
  ASSERT_EQ(del.size(), 3u);
  EXPECT_EQ(body(del[2], "delete", "rule"),
            (json{{"family", "inet"}, {"table", "lit"}, {"chain", "postrouting"}, {"handle", 12}}));

  auto pub = nft::published_ports(listing);
  ASSERT_EQ(pub.size(), 2u);
  EXPECT_EQ(pub[0].owner, "ctr:c1");
  EXPECT_EQ(pub[0].host_ip, "");
  EXPECT_EQ(pub[0].host_port, 8080);
  EXPECT_EQ(pub[0].proto, Proto::Tcp);
  EXPECT_EQ(pub[1].host_ip, "127.0.0.1");
  EXPECT_EQ(pub[1].host_port, 5353);
  EXPECT_EQ(pub[1].proto, Proto::Udp);
}

TEST(NftRules, DeleteAndListTargetOnlyInetLit) {
  EXPECT_EQ(body(nft::delete_table()[0], "delete", "table"),
            (json{{"family", "inet"}, {"name", "lit"}}));
  EXPECT_EQ(body(nft::list_table()[0], "list", "table"),
            (json{{"family", "inet"}, {"name", "lit"}}));
}

}  // namespace
}  // namespace lit::network
