// `lit network create/ls/inspect/rm`: a record and its bridge, made and
// removed together, in the test's own network namespace.
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

// /sys/class/net shows the host's namespace (sysfs was mounted there): ask netlink.
bool link_exists(const std::string& name) {
  return run_process({"ip", "link", "show", "dev", name}).exit_code == 0;
}

class NetworkTest : public LitTest {};

TEST_F(NetworkTest, CreateMakesABridgeWithTheGatewayAndRmRemovesIt) {
  Result r = lit({"network", "create", "front"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::string id = r.out_lines().at(0);
  ASSERT_EQ(id.size(), 64u);
  r = lit({"network", "inspect", "front"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto j = nlohmann::json::parse(r.out).at(0);
  std::string bridge = j["bridge"];
  EXPECT_TRUE(bridge.starts_with("lit"));
  EXPECT_TRUE(link_exists(bridge));
  Result details = run_process({"ip", "-d", "link", "show", "dev", bridge});
  EXPECT_NE(details.out.find("bridge "), std::string::npos) << "not a bridge\n" << details;
  EXPECT_EQ(j["subnet"], "10.90.0.0/24");
  EXPECT_EQ(j["gateway"], "10.90.0.1");
  Result addr = run_process({"ip", "-4", "-o", "addr", "show", "dev", bridge});
  EXPECT_NE(addr.out.find("10.90.0.1/24"), std::string::npos) << addr;
  EXPECT_TRUE(contains_line_with(lit({"network", "ls"}).out,
                                 {id.substr(0, 12), "front", "bridge", "local"}));
  EXPECT_EQ(lit({"network", "ls", "--format", "{{.Name}} {{.Subnet}} {{.Gateway}}"}).out,
            "front 10.90.0.0/24 10.90.0.1\n");

  r = lit({"network", "rm", "front"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(link_exists(bridge));
  EXPECT_EQ(lit({"network", "ls", "-q"}).out, "");
}

TEST_F(NetworkTest, SecondNetworkGetsTheNextSubnet) {
  ASSERT_EQ(lit({"network", "create", "a1"}).exit_code, 0);
  ASSERT_EQ(lit({"network", "create", "--subnet", "10.55.0.0/16", "--gateway", "10.55.0.254", "b2"})
                .exit_code,
            0);
  ASSERT_EQ(lit({"network", "create", "c3"}).exit_code, 0);
  Result r = lit({"network", "ls", "--format", "json"});
  EXPECT_TRUE(contains_line_with(r.out, {"\"a1\"", "10.90.0.0/24"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"\"c3\"", "10.90.1.0/24"})) << r;  // the next free /24
  EXPECT_TRUE(contains_line_with(r.out, {"\"b2\"", "10.55.0.254"})) << r;
  EXPECT_EQ(lit({"network", "rm", "a1", "b2", "c3"}).exit_code, 0);
}

TEST_F(NetworkTest, BadInputChangesNothing) {
  ASSERT_EQ(lit({"network", "create", "--subnet", "10.66.0.0/24", "taken"}).exit_code, 0);
  expect_lit_error(lit({"network", "create", "--subnet", "10.66.0.128/25", "overlap"}), "--subnet");
  expect_lit_error(lit({"network", "create", "--subnet", "10.67.0.0/33", "bad"}), "--subnet");
  expect_lit_error(
      lit({"network", "create", "--subnet", "10.68.0.0/24", "--gateway", "10.69.0.1", "outside"}),
      "--gateway");
  expect_lit_error(lit({"network", "create", "taken"}), "taken");
  expect_lit_error(lit({"network", "rm", "ghost"}), "no such network: ghost");
  Result r = lit({"network", "ls", "-q"});
  EXPECT_EQ(r.out_lines().size(), 1u) << r;
  EXPECT_EQ(lit({"network", "rm", "taken"}).exit_code, 0);
  Result links = run_process({"ip", "-o", "link"});
  EXPECT_EQ(links.out.find(": lit"), std::string::npos) << links;
}

}  // namespace
}  // namespace lit::test
