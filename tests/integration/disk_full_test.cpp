// A full disk under lit's root (a small tmpfs here): an image load fails with
// a clear error and leaves the store as it was; a container that fills the
// disk with its log keeps running, and can still be removed.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

class DiskFullTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    fs::create_directories(root_);
    ASSERT_EQ(::mount("lit-full", root_.c_str(), "tmpfs", 0, "size=8m,mode=0700"), 0);
    mounted_ = true;
    load_test_image();
  }
  void TearDown() override {
    if (mounted_) {
      lit({"container", "rm", "-f", "logger"});
      ::umount2(root_.c_str(), MNT_DETACH);
    }
    LitTest::TearDown();
  }

  std::uint64_t free_bytes() const {
    struct statvfs st {};
    ::statvfs(root_.c_str(), &st);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  }

  // Fills the file system but for `leave` bytes.
  void fill(std::uint64_t leave) {
    std::ofstream filler(root_ / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (free_bytes() > leave + block.size()) filler.write(block.data(), block.size());
  }

  bool mounted_ = false;
};

TEST_F(DiskFullTest, AnImageLoadOnAFullDiskFailsClearlyAndTheStoreStaysWhole) {
  ASSERT_EQ(lit({"image", "tag", kTestImage, "localhost/kept:1"}).exit_code, 0);
  const auto before = store_snapshot();
  fill(256 * 1024);
  Result r = lit({"image", "load", "-i", fixture("busybox-oci.tar").string()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r;
  EXPECT_NE(r.err.find("hint: the file system is full"), std::string::npos) << r;
  EXPECT_EQ(store_snapshot(), before) << "nothing half-loaded is left in the store";
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check;
  fs::remove(root_ / "filler");
  // The images that were there still run; the load works once there is room.
  EXPECT_EQ(run({"--rm", "localhost/kept:1", "true"}).exit_code, 0);
  EXPECT_EQ(lit({"image", "load", "-i", fixture("busybox-oci.tar").string()}).exit_code, 0);
}

TEST_F(DiskFullTest, AContainerWhoseLogFillsTheDiskKeepsRunningAndCanBeRemoved) {
  Result r = run({"-d", "--name", "logger", "--log-opt", "max-size=100m", kTestImage, "sh", "-c",
                  "while true; do echo 0123456789012345678901234567890123456789; done"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_TRUE(eventually([&] { return free_bytes() < 64 * 1024; }, std::chrono::seconds(60)))
      << "the log fills the disk";
  auto status = [&] {
    Result i = lit({"container", "inspect", "logger"});
    return i.exit_code == 0 ? nlohmann::json::parse(i.out).at(0)["state"]["status"] : "";
  };
  EXPECT_EQ(status(), "running") << "the container does not stop for its log";
  Result logs = lit({"container", "logs", "--tail", "1", "logger"});
  EXPECT_EQ(logs.exit_code, 0) << logs;
  EXPECT_NE(logs.out.find("0123456789"), std::string::npos);
  Result rm = lit({"container", "rm", "-f", "logger"});
  EXPECT_EQ(rm.exit_code, 0) << "a full disk must not keep the container from going: " << rm;
  EXPECT_GT(free_bytes(), 4u * 1024 * 1024) << "its log went with it";
}

}  // namespace
}  // namespace lit::test
