// Volumes of `type: image` (Compose Specification): an image's filesystem,
// or one path of it, mounted read-only in a service's container, as docker
// compose mounts them; the image is pulled as the service's own is, and is in
// use while a container mounts it.
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

class ImageVolumeTest : public ProjectFixture {
 protected:
  Result in_app(const std::string& script) {
    return lit({"container", "exec", "shop-app-1", "sh", "-c", script});
  }
};

constexpr const char* kProject = R"(name: shop
services:
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    volumes:
      - type: image
        source: localhost/lit-test:latest
        target: /mnt/img
      - type: image
        source: localhost/lit-test:latest
        target: /mnt/sub
        image:
          subpath: etc
      - type: image
        source: flat:1
        target: /mnt/flat
)";

TEST_F(ImageVolumeTest, AnImageIsMountedReadOnlyWholeOrOneOfItsPaths) {
  // A one-layer image (imported from a rootfs tarball) as well as the two-layer fixture.
  ASSERT_EQ(lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "flat:1"}).exit_code,
            0);
  write(kProject);
  Result up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;

  Result r = in_app("test -x /mnt/img/bin/busybox && test -x /mnt/flat/bin/busybox && echo ok");
  EXPECT_EQ(r.out, "ok\n") << r;
  // The image's /etc as its layers make it: layer 2's file, layer 1's whiteout-deleted file gone.
  r = in_app("ls /mnt/sub");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "group\nlayer2.txt\nopaque-dir\npasswd\n") << r;
  EXPECT_EQ(in_app("ls /mnt/sub/opaque-dir").out, "new.txt\n");
  EXPECT_EQ(in_app("cat /mnt/img/etc/layer2.txt").out, "added by layer 2\n");

  for (const char* path :
       {"/mnt/img/new", "/mnt/sub/new", "/mnt/flat/new", "/mnt/img/etc/passwd"}) {
    r = in_app(std::string("echo x >> ") + path);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << path << "\n" << r;
  }
  // The container's own root stays writable.
  EXPECT_EQ(in_app("echo x > /tmp/f && cat /tmp/f").out, "x\n");

  // In use by the container, as its own image would be.
  r = lit({"image", "rm", "flat:1"});
  expect_lit_error(r, "image in use: flat:1 (");
  EXPECT_NE(r.err.find("remove container shop-app-1 first"), std::string::npos) << r;

  // Nothing changed: nothing to do. A changed image reference recreates.
  const std::string before = ids().at("app");
  up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_EQ(ids().at("app"), before);
  std::string changed = kProject;
  changed.replace(changed.find("flat:1"), 6, "localhost/lit-test:latest");
  write(changed);
  up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_NE(ids().at("app"), before);
  EXPECT_EQ(in_app("cat /mnt/flat/etc/layer2.txt").out, "added by layer 2\n");

  // No container mounts flat:1 any more: it goes.
  r = lit({"image", "rm", "flat:1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(project({"down", "-t", "1"}).exit_code, 0);
  EXPECT_TRUE(container_ids().empty());
  for (const auto& m : read_mountinfo())  // the leak check at the end says the same
    EXPECT_EQ(m.mount_point.find(base_.string()), std::string::npos) << m.mount_point;
}

TEST_F(ImageVolumeTest, AMissingSubpathFailsTheStartNamingIt) {
  write(R"(name: shop
services:
  app:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    volumes:
      - type: image
        source: localhost/lit-test:latest
        target: /mnt/sub
        image:
          subpath: no/such/dir
)");
  Result up = project({"up", "-d"});
  EXPECT_EQ(up.exit_code, 1) << up;
  EXPECT_NE(up.err.find("no/such/dir"), std::string::npos) << up;
  EXPECT_NE(up.err.find("No such file or directory"), std::string::npos) << up;
}

TEST_F(ImageVolumeTest, AMissingImageWithPullPolicyNeverIsAnErrorAndMakesNothing) {
  write(R"(name: shop
services:
  app:
    image: localhost/lit-test:latest
    pull_policy: never
    command: ["sleep", "600"]
    volumes:
      - type: image
        source: localhost/nosuch:1
        target: /mnt/img
)");
  const auto store = store_snapshot();
  Result up = project({"up", "-d"});
  expect_lit_error(up, "service app: volume image localhost/nosuch:1: image not found");
  EXPECT_TRUE(container_ids().empty());
  EXPECT_EQ(store_snapshot(), store);
  EXPECT_EQ(project({"ps", "-a", "-q"}).out, "");
  Result nets = lit({"network", "ls", "-q"});
  EXPECT_EQ(nets.out.find("shop_default"), std::string::npos) << nets;
}

}  // namespace
}  // namespace lit::test
