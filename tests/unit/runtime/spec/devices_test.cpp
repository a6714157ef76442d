// --device's syntax, the host node's lookup and the cgroup rules of a spec.
#include "runtime/spec/devices.hpp"

#include <gtest/gtest.h>

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
  DeviceNode n = resolve_device({"/dev/null", "/dev/mynull", kDeviceRead});
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
              resolve_device({file, "/dev/x", kDeviceAllAccess});
            }),
            file + " is not a device node");
  std::string missing = (dir.path() / "missing").string();
  EXPECT_EQ(error_of([&] {
              resolve_device({missing, "/dev/x", kDeviceAllAccess});
            }),
            "find device " + missing + ": No such file or directory");
}

TEST(DeviceRules, DefaultsThenTheSpecsDevicesOrAllWhenPrivileged) {
  ContainerSpec spec;
  spec.devices.push_back(resolve_device({"/dev/null", "/dev/n", kDeviceRead | kDeviceWrite}));
  std::vector<cgroups::DeviceRule> want = cgroups::default_device_rules();
  want.push_back({cgroups::DeviceType::Char, 1, 3, kDeviceRead | kDeviceWrite});
  EXPECT_EQ(device_rules(spec), want);
  spec.security.privileged = true;
  EXPECT_EQ(device_rules(spec), std::vector<cgroups::DeviceRule>{cgroups::all_devices_rule()});
}

}  // namespace
}  // namespace lit::runtime
