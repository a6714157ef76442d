// A CDI device's edits applied to a container's spec: nodes filled from the
// host's, bind mounts, variables and groups; what collides or cannot be done.
#include "runtime/cdi/apply.hpp"

#include <gtest/gtest.h>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::runtime::cdi {
namespace {

namespace fs = std::filesystem;
using lit::testing::error_of;

DeviceEdits from(ContainerEdits e, bool spec_wide = false) {
  return {"example.com/test=dev0", "/etc/cdi/test.json", spec_wide, std::move(e)};
}

ContainerEdits nodes(std::vector<DeviceNodeEdit> n) {
  ContainerEdits e;
  e.device_nodes = std::move(n);
  return e;
}

ContainerEdits mounts(std::vector<MountEdit> m) {
  ContainerEdits e;
  e.mounts = std::move(m);
  return e;
}

ContainerEdits env_and_groups(std::vector<std::string> env, std::vector<gid_t> gids) {
  ContainerEdits e;
  e.env = std::move(env);
  e.additional_gids = std::move(gids);
  return e;
}

DeviceNodeEdit node(std::string path, std::string host = "") {
  DeviceNodeEdit d;
  d.path = std::move(path);
  d.host_path = std::move(host);
  return d;
}

TEST(CdiApply, FillsANodeFromTheHostNode) {
  ContainerSpec spec;
  DeviceNodeEdit zero = node("/dev/litcdi0", "/dev/zero");
  zero.permissions = "rw";
  apply({from(nodes({zero}))}, spec);
  ASSERT_EQ(spec.devices.size(), 1u);
  const DeviceNode& n = spec.devices[0];
  EXPECT_EQ(n.path, "/dev/litcdi0");
  EXPECT_EQ(n.host_path, "/dev/zero");
  EXPECT_EQ(n.type, cgroups::DeviceType::Char);
  EXPECT_EQ(n.major, 1u);
  EXPECT_EQ(n.minor, 5u);
  EXPECT_EQ(n.mode, 0666u);  // the host node's
  EXPECT_EQ(n.uid, 0u);
  EXPECT_EQ(n.access, cgroups::kDeviceRead | cgroups::kDeviceWrite);
}

TEST(CdiApply, AGivenTypeAndMajorNeedNoHostNode) {
  ContainerSpec spec;
  spec.process.uid = 1000;  // the container's user owns a node without uid/gid
  spec.process.gid = 100;
  DeviceNodeEdit d = node("/dev/vendor/x");
  d.type = "b";
  d.major = 259;
  d.minor = 7;
  d.file_mode = 0100640;
  apply({from(nodes({d}))}, spec);
  ASSERT_EQ(spec.devices.size(), 1u);
  EXPECT_EQ(spec.devices[0],
            (DeviceNode{"/dev/vendor/x", "/dev/vendor/x", cgroups::DeviceType::Block, 259, 7, 0640,
                        1000, 100, cgroups::kDeviceAllAccess}));
}

TEST(CdiApply, NodeErrorsNameTheDeviceAndSpecFile) {
  const std::string who = "CDI device example.com/test=dev0 (/etc/cdi/test.json): ";
  ContainerSpec spec;
  EXPECT_EQ(error_of([&] { apply({from(nodes({node("/dev/nope-litcdi")}))}, spec); }),
            who + "find device /dev/nope-litcdi: No such file or directory");
  EXPECT_EQ(error_of([&] { apply({from(nodes({node("/dev/x", "/etc/hostname")}))}, spec); }),
            who + "/etc/hostname is not a device node");
  EXPECT_EQ(error_of([&] { apply({from(nodes({node("/opt/x", "/dev/zero")}))}, spec); }),
            who + "device /opt/x: lit makes device nodes under /dev only");
  DeviceNodeEdit block = node("/dev/x", "/dev/zero");
  block.type = "b";
  EXPECT_EQ(error_of([&] { apply({from(nodes({block}))}, spec); }),
            who + "device /dev/x: type \"b\" but the host's /dev/zero is of type \"c\"");
  DeviceNodeEdit fifo = node("/dev/x");
  fifo.type = "p";
  EXPECT_EQ(error_of([&] { apply({from(nodes({fifo}))}, spec); }),
            who +
                "device /dev/x: a FIFO, which lit does not make (character and block devices "
                "only)");
}

TEST(CdiApply, ANodeAtAPathTakenByDeviceIsAnErrorALaterCdiOneReplaces) {
  ContainerSpec spec;
  DeviceNode own;
  own.path = "/dev/x";
  own.host_path = "/dev/null";
  spec.devices.push_back(own);
  EXPECT_EQ(error_of([&] { apply({from(nodes({node("/dev/x", "/dev/zero")}))}, spec); }),
            "CDI device example.com/test=dev0 (/etc/cdi/test.json): device /dev/x is taken by "
            "another device given");
  ContainerSpec fresh;
  apply({from(nodes({node("/dev/y", "/dev/null")})), from(nodes({node("/dev/y", "/dev/zero")}))},
        fresh);
  ASSERT_EQ(fresh.devices.size(), 1u);
  EXPECT_EQ(fresh.devices[0].minor, 5u);
}

TEST(CdiApply, MountsAreBindMountsWithTheirOptions) {
  TempDir dir(fs::temp_directory_path(), "lit-cdi-apply-");
  ContainerSpec spec;
  apply(
      {from(mounts(
          {{dir.path().string(), "/opt/vendor/", "bind", {"ro", "rbind", "nosuid", "rprivate"}}}))},
      spec);
  ASSERT_EQ(spec.mounts.size(), 1u);
  EXPECT_EQ(spec.mounts[0].destination, "/opt/vendor");
  EXPECT_EQ(spec.mounts[0].type, "bind");
  EXPECT_EQ(spec.mounts[0].source, dir.path().string());
  EXPECT_EQ(spec.mounts[0].options, (std::vector<std::string>{"ro", "nosuid"}));
}

TEST(CdiApply, MountErrors) {
  TempDir dir(fs::temp_directory_path(), "lit-cdi-apply-");
  const std::string who = "CDI device example.com/test=dev0 (/etc/cdi/test.json): ";
  const std::string src = dir.path().string();
  ContainerSpec spec;
  spec.mounts.push_back(Mount{"/data", "bind", "/srv", {}});
  EXPECT_EQ(error_of([&] {
              apply({from(mounts({{src, "/data", "", {}}}))}, spec);
            }),
            who + "mount point /data is taken by a volume given");
  EXPECT_EQ(error_of([&] {
              apply({from(mounts({{src, "/x", "tmpfs", {}}}))}, spec);
            }),
            who + "mount on /x: type \"tmpfs\": lit applies bind mounts only");
  EXPECT_EQ(error_of([&] {
              apply({from(mounts({{src, "/x", "", {"rshared"}}}))}, spec);
            }),
            who +
                "mount on /x: option \"rshared\" is not supported (lit takes ro, rw, bind, "
                "rbind, private, rprivate, nosuid, nodev and noexec)");
  EXPECT_EQ(error_of([&] {
              apply({from(mounts({{src + "/missing", "/x", "", {}}}))}, spec);
            }),
            who + "mount source " + src + "/missing: No such file or directory");
}

TEST(CdiApply, VariablesReplaceAndGroupsAdd) {
  ContainerSpec spec;
  spec.process.env = {"PATH=/bin", "MODE=user"};
  spec.process.additional_gids = {10};
  apply({from(env_and_groups({"VENDOR=1"}, {10, 44}), true),
         from(env_and_groups({"MODE=cdi"}, {0, 45}))},
        spec);
  EXPECT_EQ(spec.process.env, (std::vector<std::string>{"PATH=/bin", "MODE=cdi", "VENDOR=1"}));
  EXPECT_EQ(spec.process.additional_gids, (std::vector<gid_t>{10, 44, 45}));  // 0 is ignored
}

}  // namespace
}  // namespace lit::runtime::cdi
