// --device's syntax, the host nodes' lookup (a node or a directory of them),
// --device-cgroup-rule's syntax and the cgroup rules of a spec.
#include "runtime/spec/devices.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

using cgroups::kDeviceAllAccess;
using cgroups::kDeviceMknod;
using cgroups::kDeviceRead;
using cgroups::kDeviceWrite;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ParseDevice, DockersForms) {
  EXPECT_EQ(parse_device("/dev/fuse"), (DeviceRequest{"/dev/fuse", "/dev/fuse", kDeviceAllAccess}));
  EXPECT_EQ(parse_device("/dev/sda:/dev/xvda"),
            (DeviceRequest{"/dev/sda", "/dev/xvda", kDeviceAllAccess}));
  // A second part made of r, w and m is the permissions.
  EXPECT_EQ(parse_device("/dev/sda:rw"),
            (DeviceRequest{"/dev/sda", "/dev/sda", kDeviceRead | kDeviceWrite}));
  EXPECT_EQ(parse_device("/dev/sda:/dev/disk/x/../xvda:r"),
            (DeviceRequest{"/dev/sda", "/dev/disk/xvda", kDeviceRead}));
  EXPECT_EQ(parse_device("/dev/sda:/dev/xvda:mr").access, kDeviceRead | kDeviceMknod);
}

TEST(ParseDevice, BadValuesNameTheFlagAndWhy) {
  EXPECT_EQ(error_of([] { parse_device("/dev/fuse:/dev/fuse:rwx"); }),
            "invalid value \"/dev/fuse:/dev/fuse:rwx\" for flag --device: permissions \"rwx\" "
            "are not a combination of r, w and m");
  EXPECT_EQ(error_of([] { parse_device("a:b:c:d"); }),
            "invalid value \"a:b:c:d\" for flag --device: use HOST[:CONTAINER][:PERMS], e.g. "
            "/dev/fuse:/dev/fuse:rwm");
  EXPECT_EQ(error_of([] { parse_device("dev/fuse"); }),
            "invalid value \"dev/fuse\" for flag --device: the host device must be an absolute "
            "path");
  EXPECT_EQ(error_of([] { parse_device("/dev/fuse:fuse"); }),
            "invalid value \"/dev/fuse:fuse\" for flag --device: the path in the container must "
            "be absolute");
  EXPECT_EQ(error_of([] { parse_device("/dev/fuse:/dev/../etc/fuse"); }),
            "invalid value \"/dev/fuse:/dev/../etc/fuse\" for flag --device: lit makes device "
            "nodes under /dev only: use a path in /dev/");
  EXPECT_EQ(error_of([] { parse_device("/dev/fuse:/dev/fuse:", "devices"); }),
            "invalid value \"/dev/fuse:/dev/fuse:\" for devices: permissions \"\" are not a "
            "combination of r, w and m");
}

TEST(ResolveDevice, TakesTheHostNodesTypeAndNumbers) {
  std::vector<DeviceNode> nodes = resolve_devices({"/dev/null", "/dev/mynull", kDeviceRead});
  ASSERT_EQ(nodes.size(), 1u);
  const DeviceNode& n = nodes[0];
  EXPECT_EQ(n.path, "/dev/mynull");
  EXPECT_EQ(n.host_path, "/dev/null");
  EXPECT_EQ(n.type, cgroups::DeviceType::Char);
  EXPECT_EQ(n.major, 1u);
  EXPECT_EQ(n.minor, 3u);
  EXPECT_EQ(n.mode, 0666u);
  EXPECT_EQ(n.access, kDeviceRead);
}

TEST(ResolveDevice, APathThatIsNoDeviceIsRefused) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-devtest-");
  std::ofstream(dir.path() / "file") << "x";
  std::string file = (dir.path() / "file").string();
  EXPECT_EQ(error_of([&] {
              resolve_devices({file, "/dev/x", kDeviceAllAccess});
            }),
            file + " is not a device node");
  std::string missing = (dir.path() / "missing").string();
  EXPECT_EQ(error_of([&] {
              resolve_devices({missing, "/dev/x", kDeviceAllAccess});
            }),
            "find device " + missing + ": No such file or directory");
}

TEST(ResolveDevice, ADirectoryGivesEveryDeviceNodeBeneathIt) {
  // The host's /dev (a test without root cannot make nodes): null lands under
  // the container path; symlinks (/dev/stdin, /dev/fd) are no devices.
  std::vector<DeviceNode> nodes = resolve_devices({"/dev", "/dev/host", kDeviceRead});
  auto null = std::find_if(nodes.begin(), nodes.end(),
                           [](const DeviceNode& n) { return n.path == "/dev/host/null"; });
  ASSERT_NE(null, nodes.end());
  EXPECT_EQ(null->host_path, "/dev/null");
  EXPECT_EQ(null->major, 1u);
  EXPECT_EQ(null->minor, 3u);
  EXPECT_EQ(null->access, kDeviceRead);
  for (const auto& n : nodes) {
    EXPECT_TRUE(n.path.starts_with("/dev/host/")) << n.path;
    EXPECT_NE(n.path, "/dev/host/stdin");
  }
}

TEST(ResolveDevice, ADirectoryWithoutDeviceNodesIsRefused) {
  TempDir dir(std::filesystem::temp_directory_path(), "lit-devtest-");
  std::filesystem::create_directory(dir.path() / "sub");
  std::ofstream(dir.path() / "sub" / "file") << "x";
  std::filesystem::create_symlink("/dev/null", dir.path() / "null");  // a link: not followed
  EXPECT_EQ(error_of([&] {
              resolve_devices({dir.path().string(), "/dev/x", kDeviceAllAccess});
            }),
            dir.path().string() + " is a directory without device nodes");
}

TEST(HostDeviceNodes, EveryHostNodeButLitsOwn) {
  std::vector<DeviceNode> nodes = host_device_nodes();
  auto has = [&](const std::string& path) {
    return std::any_of(nodes.begin(), nodes.end(),
                       [&](const DeviceNode& n) { return n.path == path; });
  };
  EXPECT_TRUE(has("/dev/null"));
  EXPECT_TRUE(has("/dev/zero"));
  EXPECT_FALSE(has("/dev/console"));
  for (const auto& n : nodes) {
    EXPECT_EQ(n.path, n.host_path);
    EXPECT_FALSE(n.path.starts_with("/dev/pts/")) << n.path;
    EXPECT_FALSE(n.path.starts_with("/dev/shm/")) << n.path;
  }
}

TEST(ParseDeviceCgroupRule, DockersForm) {
  using cgroups::DeviceRule;
  using cgroups::DeviceType;
  EXPECT_EQ(parse_device_cgroup_rule("c 1:3 mr"),
            (DeviceRule{DeviceType::Char, 1, 3, kDeviceRead | kDeviceMknod}));
  EXPECT_EQ(parse_device_cgroup_rule("b 8:* rwm"),
            (DeviceRule{DeviceType::Block, 8, std::nullopt, kDeviceAllAccess}));
  EXPECT_EQ(parse_device_cgroup_rule("a *:* rwm"), cgroups::all_devices_rule());
  EXPECT_EQ(parse_device_cgroup_rule("  c\t*:229   w "),
            (DeviceRule{DeviceType::Char, std::nullopt, 229, kDeviceWrite}));
  EXPECT_EQ(cgroups::v1_device_rule(parse_device_cgroup_rule("c  189:*  wr")), "c 189:* rw");
}

TEST(ParseDeviceCgroupRule, BadRulesNameTheFlagAndWhy) {
  const std::string usage = "use TYPE MAJOR:MINOR ACCESS, e.g. \"c 1:3 rwm\" or \"b 8:* r\"";
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1:3"); }),
            "invalid value \"c 1:3\" for flag --device-cgroup-rule: " + usage);
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1 rwm"); }),
            "invalid value \"c 1 rwm\" for flag --device-cgroup-rule: " + usage);
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule(""); }),
            "invalid value \"\" for flag --device-cgroup-rule: " + usage);
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("x 1:3 rwm"); }),
            "invalid value \"x 1:3 rwm\" for flag --device-cgroup-rule: type \"x\" is not a, b "
            "or c");
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1x:3 rwm"); }),
            "invalid value \"c 1x:3 rwm\" for flag --device-cgroup-rule: major \"1x\" is not a "
            "number or *");
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1: rwm"); }),
            "invalid value \"c 1: rwm\" for flag --device-cgroup-rule: minor \"\" is not a "
            "number or *");
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1:99999999999 r"); }),
            "invalid value \"c 1:99999999999 r\" for flag --device-cgroup-rule: minor "
            "\"99999999999\" is not a number or *");
  EXPECT_EQ(error_of([] { parse_device_cgroup_rule("c 1:3 rwx", "device_cgroup_rules"); }),
            "invalid value \"c 1:3 rwx\" for device_cgroup_rules: permissions \"rwx\" are not "
            "a combination of r, w and m");
}

TEST(DeviceRules, DefaultsThenTheSpecsDevicesOrAllWhenPrivileged) {
  ContainerSpec spec;
  spec.devices = resolve_devices({"/dev/null", "/dev/n", kDeviceRead | kDeviceWrite});
  spec.device_cgroup_rules.push_back(parse_device_cgroup_rule("b 8:* r"));
  std::vector<cgroups::DeviceRule> want = cgroups::default_device_rules();
  want.push_back({cgroups::DeviceType::Char, 1, 3, kDeviceRead | kDeviceWrite});
  want.push_back({cgroups::DeviceType::Block, 8, std::nullopt, kDeviceRead});
  EXPECT_EQ(device_rules(spec), want);
  spec.security.privileged = true;
  EXPECT_EQ(device_rules(spec), std::vector<cgroups::DeviceRule>{cgroups::all_devices_rule()});
}

}  // namespace
}  // namespace lit::runtime
