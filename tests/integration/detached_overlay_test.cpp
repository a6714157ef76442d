// The root overlay lit makes beside a container's start (detached_overlay.hpp):
// a detached mount that no mount table shows until the init attaches it, with
// the layers and the upper directory as mount_overlay's; and where fsconfig
// cannot take its paths, no mount at all, and the init mounts the overlay.
#include "runtime/rootfs/detached_overlay.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "runtime/rootfs/overlay.hpp"
#include "runtime/util/fs.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

bool mounted_anywhere(const fs::path& upper) {
  for (const auto& m : read_mountinfo())
    if (m.options.find(upper.string()) != std::string::npos) return true;
  return false;
}

using DetachedOverlayTest = LitTest;

TEST_F(DetachedOverlayTest, IsInNoMountTableUntilAttachedThenShowsLayersAndWritesToUpper) {
  const fs::path dir = base_ / "overlay";
  put(dir / "bottom" / "a", "bottom a");
  put(dir / "bottom" / "b", "bottom b");
  put(dir / "top" / "b", "top b");
  put(dir / "init" / "etc" / "hostname", "");
  fs::create_directories(dir / "bundle");
  fs::create_directories(dir / "target");

  runtime::DetachedOverlay overlay({dir / "bottom", dir / "top"}, dir / "bundle", true,
                                   dir / "init");
  const char* step = "";
  int err = overlay.make(&step);
  ASSERT_EQ(err, 0) << step << ": " << std::strerror(err);
  UniqueFd mnt = overlay.take();
  ASSERT_TRUE(mnt);
  EXPECT_FALSE(mounted_anywhere(dir / "bundle" / "upper")) << "a detached mount is in no table";

  ASSERT_EQ(
      ::move_mount(mnt.get(), "", AT_FDCWD, (dir / "target").c_str(), MOVE_MOUNT_F_EMPTY_PATH), 0)
      << std::strerror(errno);
  EXPECT_TRUE(mounted_anywhere(dir / "bundle" / "upper"));
  EXPECT_EQ(slurp(dir / "target" / "a"), "bottom a");
  EXPECT_EQ(slurp(dir / "target" / "b"), "top b") << "the later layer is above";
  EXPECT_TRUE(fs::exists(dir / "target" / "etc" / "hostname")) << "the init layer is on top";
  put(dir / "target" / "new", "written");
  EXPECT_EQ(slurp(dir / "bundle" / "upper" / "new"), "written");
  EXPECT_TRUE(fs::exists(dir / "bundle" / "work" / "work" / "incompat" / "volatile"))
      << "a --rm container's overlay is volatile";
  ASSERT_EQ(::umount2((dir / "target").c_str(), MNT_DETACH), 0);
  mnt.reset();

  // Made again over the same bundle (a restarted container): the volatile
  // marker the last mount left is cleared first, as mount_overlay clears it.
  runtime::DetachedOverlay again({dir / "bottom", dir / "top"}, dir / "bundle", true, {});
  err = again.make(&step);
  ASSERT_EQ(err, 0) << step << ": " << std::strerror(err);
  EXPECT_TRUE(again.take());
}

// fsconfig takes strings of at most 256 bytes: such a root gets no detached
// overlay, and a container there still starts (its init mounts the overlay).
TEST_F(DetachedOverlayTest, PathsFsconfigCannotTakeLeaveTheMountToTheInit) {
  const fs::path dir = base_ / "overlay";
  put(dir / "layer" / "a", "a");
  const fs::path bundle = dir / std::string(250, 'b');
  fs::create_directories(bundle);
  runtime::DetachedOverlay overlay({dir / "layer"}, bundle, false, {});
  const char* step = "";
  EXPECT_EQ(overlay.make(&step), EINVAL);
  EXPECT_STREQ(step, "set overlay upperdir");
  EXPECT_FALSE(overlay.take());

  const fs::path root = dir / std::string(200, 'r');
  auto lit_at = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{LIT_BINARY, "--root", root.string(), "--run-root",
                                  (base_ / "run-long").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  };
  Result load = lit_at({"image", "load", "-i", fixture("busybox-docker.tar").string()});
  ASSERT_EQ(load.exit_code, 0) << load;
  Result r = lit_at({"container", "run", "--rm", "--network", "none", kTestImage, "sh", "-c",
                     "echo x > /f && cat /f && awk '$2 == \"/\" {print $3}' /proc/mounts"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "x\noverlay\n") << r;
}

// More layers than one page of mount(2) data holds: mount_overlay makes the
// overlay as a detached mount, a lowerdir+ each, and attaches it.
TEST_F(DetachedOverlayTest, MountOverlayTakesMoreLayersThanAPageOfMountData) {
  const fs::path dir = base_ / "many";
  std::vector<fs::path> layers;
  for (int i = 0; i < 40; ++i) {
    layers.push_back(dir / ("layer-" + std::to_string(i) + "-" + std::string(100, 'x')));
    put(layers.back() / ("f" + std::to_string(i)), std::to_string(i));
  }
  put(layers.front() / "shadowed", "bottom");
  put(layers.back() / "shadowed", "top");
  fs::create_directories(dir / "bundle");
  fs::create_directories(dir / "target");
  ASSERT_NO_THROW(runtime::mount_overlay(layers, dir / "bundle", dir / "target", true));
  EXPECT_EQ(slurp(dir / "target" / "f0"), "0");
  EXPECT_EQ(slurp(dir / "target" / "f39"), "39");
  EXPECT_EQ(slurp(dir / "target" / "shadowed"), "top");
  put(dir / "target" / "new", "written");
  EXPECT_EQ(slurp(dir / "bundle" / "upper" / "new"), "written");
  ASSERT_EQ(::umount2((dir / "target").c_str(), MNT_DETACH), 0);
}

}  // namespace
}  // namespace lit::test
