// A full disk under lit's root (a small tmpfs here): an image load, a pull
// from a registry and a build that run out of room fail with a clear error
// and leave the store as it was (a build leaves no container, cgroup, mount
// or network either), and work once there is room; a container that fills
// the disk with its log keeps running, and can still be removed.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "network/links.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/registry_fixture.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

constexpr const char* kFullHint = "hint: the file system is full";

// An 8 MiB tmpfs as the lit root: the busybox image takes 2 MiB of it.
class SmallDisk {
 public:
  void mount(const fs::path& root) {
    root_ = root;
    fs::create_directories(root_);
    ASSERT_EQ(::mount("lit-full", root_.c_str(), "tmpfs", 0, "size=8m,mode=0700"), 0);
    mounted_ = true;
  }
  void unmount() {
    if (mounted_) ::umount2(root_.c_str(), MNT_DETACH);
    mounted_ = false;
  }
  bool mounted() const { return mounted_; }

  std::uint64_t free_bytes() const {
    struct statvfs st {};
    ::statvfs(root_.c_str(), &st);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  }

  // Fills the file system but for `leave` bytes (to the page).
  void fill(std::uint64_t leave) {
    const std::uint64_t free = free_bytes();
    if (free <= leave) return;
    int fd = ::open((root_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(free - leave)), 0);
    ::close(fd);
  }
  void unfill() { fs::remove(root_ / "filler"); }

  // Mounts under the lit root but the tmpfs itself (a RUN's overlay left).
  std::vector<std::string> mounts_inside() const {
    std::vector<std::string> found;
    for (const auto& m : read_mountinfo())
      if (m.mount_point.starts_with(root_.string() + "/")) found.push_back(m.mount_point);
    return found;
  }

 private:
  fs::path root_;
  bool mounted_ = false;
};

class DiskFullTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    disk_.mount(root_);
    if (HasFatalFailure()) return;
    load_test_image();
    ctx_ = base_ / "ctx";
    fs::create_directories(ctx_);
  }
  void TearDown() override {
    if (disk_.mounted()) {
      lit({"container", "rm", "-f", "logger"});
      disk_.unmount();
    }
    LitTest::TearDown();
  }

  Result build(const std::string& containerfile) {
    std::ofstream(ctx_ / "Containerfile") << containerfile;
    return lit({"build", "-t", "localhost/built:1", ctx_.string()}, slow());
  }

  // What a failed build must not leave: its containers, their cgroups
  // (named by the container ids `run_ids` starts with) and mounts, its
  // network and links; and the store as `before`, which system check passes.
  void expect_nothing_left(const std::set<std::string>& before,
                           const std::vector<std::string>& run_ids = {}) {
    EXPECT_EQ(store_snapshot(), before) << "nothing half-built is left in the store";
    EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
    EXPECT_TRUE(container_ids().empty());
    for (const auto& dir : lit_cgroup_dirs())
      for (const auto& id : run_ids)
        EXPECT_EQ(dir.filename().string().find(id), std::string::npos) << "a RUN's cgroup: " << dir;
    EXPECT_TRUE(disk_.mounts_inside().empty()) << disk_.mounts_inside().front();
    Result networks = lit({"network", "ls", "-q"});
    EXPECT_EQ(networks.out, "") << "the build's network is left: " << networks;
    EXPECT_TRUE(network::lit_links().empty());
    Result check = lit({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check;
  }

  SmallDisk disk_;
  fs::path ctx_;
};

TEST_F(DiskFullTest, AnImageLoadOnAFullDiskFailsClearlyAndTheStoreStaysWhole) {
  ASSERT_EQ(lit({"image", "tag", kTestImage, "localhost/kept:1"}).exit_code, 0);
  const auto before = store_snapshot();
  disk_.fill(256 * 1024);
  Result r = lit({"image", "load", "-i", fixture("busybox-oci.tar").string()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r;
  EXPECT_NE(r.err.find(kFullHint), std::string::npos) << r;
  EXPECT_EQ(store_snapshot(), before) << "nothing half-loaded is left in the store";
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check;
  disk_.unfill();
  // The images that were there still run; the load works once there is room.
  EXPECT_EQ(run({"--rm", "localhost/kept:1", "true"}).exit_code, 0);
  EXPECT_EQ(lit({"image", "load", "-i", fixture("busybox-oci.tar").string()}).exit_code, 0);
}

// The RUN writes 16 MiB where 6 are free: it fails with its own message and
// lit's names the step and says the disk is full. The step before it leaves
// no cache entry (its layer went with the build), the RUN's network endpoint
// and the build's network go although their records were written on a full
// disk.
TEST_F(DiskFullTest, ABuildWhoseRunFillsTheDiskFailsClearlyAndLeavesNothing) {
  const auto before = store_snapshot();
  Result r = build(
      "FROM localhost/lit-test:latest\nRUN echo first > /first\n"
      "RUN hostname && dd if=/dev/urandom of=/big bs=1M count=16\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("lit: Containerfile:3: RUN: exit code 1: /bin/sh -c hostname && dd "
                       "if=/dev/urandom of=/big bs=1M count=16\n"),
            std::string::npos)
      << r;
  EXPECT_NE((r.out + r.err).find("No space left on device"), std::string::npos) << r;
  EXPECT_NE(r.err.find(kFullHint), std::string::npos) << r;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r;
  const auto lines = r.out_lines();
  const auto step =
      std::find(lines.begin(), lines.end(),
                "STEP 3/3: RUN hostname && dd if=/dev/urandom of=/big bs=1M count=16");
  ASSERT_TRUE(step != lines.end() && step + 1 != lines.end()) << r;
  expect_nothing_left(before, {*(step + 1)});

  // The base image still runs, and the build works once it fits.
  EXPECT_EQ(run({"--rm", kTestImage, "true"}).exit_code, 0);
  Result fits = build(
      "FROM localhost/lit-test:latest\nRUN echo first > /first\n"
      "RUN dd if=/dev/urandom of=/big bs=1M count=1\n");
  ASSERT_EQ(fits.exit_code, 0) << fits;
  Result ran = run({"--rm", "localhost/built:1", "sh", "-c", "cat /first && wc -c </big"});
  EXPECT_EQ(ran.out, "first\n1048576\n") << ran;
}

// A COPY of 16 MiB where 6 are free names the file it could not write.
TEST_F(DiskFullTest, ABuildWhoseCopyFillsTheDiskFailsClearlyAndLeavesNothing) {
  std::ofstream(ctx_ / "small") << "small\n";
  std::ofstream(ctx_ / "big", std::ios::binary) << std::string(16u << 20, 'x');
  const auto before = store_snapshot();
  Result r = build("FROM localhost/lit-test:latest\nCOPY small /small\nCOPY big /big\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("lit: Containerfile:3: COPY: "), std::string::npos) << r;
  EXPECT_NE(r.err.find(" big: No space left on device\n"), std::string::npos) << r;
  EXPECT_NE(r.err.find(kFullHint), std::string::npos) << r;
  expect_nothing_left(before);

  EXPECT_EQ(run({"--rm", kTestImage, "true"}).exit_code, 0);
  std::ofstream(ctx_ / "big", std::ios::binary) << std::string(1u << 20, 'x');
  Result fits = build("FROM localhost/lit-test:latest\nCOPY small /small\nCOPY big /big\n");
  ASSERT_EQ(fits.exit_code, 0) << fits;
  Result ran = run({"--rm", "localhost/built:1", "sh", "-c", "cat /small && wc -c </big"});
  EXPECT_EQ(ran.out, "small\n1048576\n") << ran;
}

// The disk filled at every point of a COPY's build, page by page up to the
// room it needs: the layer's files, the config and manifest blobs,
// state.json. Each build works or fails with the hint and leaves the store
// as it was.
TEST_F(DiskFullTest, ABuildThatRunsOutOfRoomAtAnyPointLeavesTheStoreAsItWas) {
  std::ofstream(ctx_ / "big", std::ios::binary) << std::string(1u << 20, 'x');
  const std::string containerfile = "FROM localhost/lit-test:latest\nCOPY big /big\n";
  const auto before = store_snapshot();
  auto remove_built = [&] {
    ASSERT_EQ(lit({"image", "rm", "localhost/built:1"}).exit_code, 0);
    ASSERT_EQ(lit({"builder", "prune", "-f"}).exit_code, 0);
    EXPECT_EQ(store_snapshot(), before);
  };
  const std::uint64_t free = disk_.free_bytes();
  Result measure = build(containerfile);
  ASSERT_EQ(measure.exit_code, 0) << measure;
  const std::uint64_t need = free - disk_.free_bytes();
  remove_built();

  constexpr std::uint64_t kPage = 4096;
  int failed = 0, failed_storing = 0;
  for (std::uint64_t leave = need - 12 * kPage; leave <= need + 4 * kPage; leave += kPage) {
    SCOPED_TRACE("room for the build: " + std::to_string(leave) + " of " + std::to_string(need));
    disk_.fill(leave);
    Result r = build(containerfile);
    disk_.unfill();
    if (r.exit_code == 0) {
      remove_built();
      continue;
    }
    ++failed;
    EXPECT_EQ(r.exit_code, 1) << r;
    ASSERT_EQ(r.err_lines().size(), 2u) << r;
    EXPECT_TRUE(r.err_lines()[0].ends_with(": No space left on device")) << r;
    EXPECT_TRUE(r.err_lines()[1].starts_with(kFullHint)) << r;
    if (r.err_lines()[0].starts_with("lit: store the image: ")) ++failed_storing;
    EXPECT_EQ(store_snapshot(), before) << r;
    EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp")) << r;
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(failed_storing, 0) << "no build failed after its steps";
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check;
}

TEST_F(DiskFullTest, AContainerWhoseLogFillsTheDiskKeepsRunningAndCanBeRemoved) {
  Result r = run({"-d", "--name", "logger", "--log-opt", "max-size=100m", kTestImage, "sh", "-c",
                  "while true; do echo 0123456789012345678901234567890123456789; done"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_TRUE(eventually([&] { return disk_.free_bytes() < 64 * 1024; }, std::chrono::seconds(60)))
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
  EXPECT_GT(disk_.free_bytes(), 4u * 1024 * 1024) << "its log went with it";
}

// Pulls onto the small disk from docker-registry on 127.0.0.1, which holds
// (pushed by lit from a root on the ordinary disk) test/busybox:1 and
// test/big:1, the same with a layer of 5 MiB of random bytes on top.
class DiskFullPullTest : public LocalRegistryTest {
 protected:
  void SetUp() override {
    LocalRegistryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    start_registry();
    fs::path ctx = base_ / "ctx";
    fs::create_directories(ctx);
    std::ofstream(ctx / "Containerfile")
        << "FROM localhost/lit-test:latest\nRUN dd if=/dev/urandom of=/big bs=1M count=5\n";
    for (std::vector<std::string> args :
         {std::vector<std::string>{"image", "load", "-i", fixture("busybox-docker.tar").string()},
          {"build", "--network", "none", "-t", "localhost/big:1", ctx.string()},
          {"image", "push", kTestImage, registry_ + "/test/busybox:1"},
          {"image", "push", "localhost/big:1", registry_ + "/test/big:1"}}) {
      args.insert(args.begin(), {LIT_BINARY, "--root", (base_ / "prep-root").string(), "--run-root",
                                 (base_ / "prep-run").string()});
      Result r = run_process(args, slow());
      ASSERT_EQ(r.exit_code, 0) << r;
    }
    disk_.mount(root_);
    if (HasFatalFailure()) return;
    load_test_image();
  }
  void TearDown() override {
    disk_.unmount();
    LocalRegistryTest::TearDown();
  }

  // A pull that failed for want of room: lit's one line and the hint, and
  // the store as `before`.
  void expect_failed_whole(const Result& r, const std::set<std::string>& before) {
    EXPECT_EQ(r.exit_code, 125) << r;
    ASSERT_EQ(r.err_lines().size(), 2u) << r;
    EXPECT_TRUE(r.err_lines()[0].starts_with("lit: pull " + registry_ + "/test/")) << r;
    EXPECT_TRUE(r.err_lines()[0].ends_with(": No space left on device")) << r;
    EXPECT_TRUE(r.err_lines()[1].starts_with(kFullHint)) << r;
    EXPECT_EQ(store_snapshot(), before) << r;
    EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp")) << r;
  }

  SmallDisk disk_;
};

TEST_F(DiskFullPullTest, APullThatFillsTheDiskFailsClearlyAndTheStoreStaysWhole) {
  const std::string small = registry_ + "/test/busybox:1", big = registry_ + "/test/big:1";
  Result first = pull({small});
  ASSERT_EQ(first.exit_code, 0) << first;
  const auto before = store_snapshot();
  Result r = pull({big});
  expect_failed_whole(r, before);
  // It failed writing the big layer (the others are in the store already).
  EXPECT_NE(r.out.find(": Already exists"), std::string::npos) << r;
  EXPECT_NE(r.err.find(": unpack layer sha256:"), std::string::npos) << r;
  EXPECT_NE(r.err.find(": entry \"big\": write big: "), std::string::npos) << r;
  EXPECT_NE(lit({"image", "inspect", big}).exit_code, 0) << "no tag to nothing";
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check;
  // The images that were there still run.
  EXPECT_EQ(run({"--rm", kTestImage, "true"}).exit_code, 0);
  Result ran = run({"--rm", small, "echo", "still here"});
  EXPECT_EQ(ran.out, "still here\n") << ran;

  // With room (the loaded image removed, as the hint says), the pull works.
  ASSERT_EQ(lit({"image", "rm", kTestImage}).exit_code, 0);
  Result again = pull({big});
  ASSERT_EQ(again.exit_code, 0) << again;
  Result big_ran = run({"--rm", big, "sh", "-c", "wc -c </big"});
  EXPECT_EQ(big_ran.out, "5242880\n") << big_ran;
}

// The disk filled at every point of a pull, page by page up to the room it
// needs: the layers' files, the config and manifest blobs, state.json. Each
// pull works or fails with the hint and leaves the store as it was.
TEST_F(DiskFullPullTest, APullThatRunsOutOfRoomAtAnyPointLeavesTheStoreAsItWas) {
  const std::string ref = registry_ + "/test/busybox:1";
  const auto before = store_snapshot();
  const std::uint64_t free = disk_.free_bytes();
  Result measure = pull({"-q", ref});
  ASSERT_EQ(measure.exit_code, 0) << measure;
  const std::uint64_t need = free - disk_.free_bytes();
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  ASSERT_EQ(store_snapshot(), before);

  constexpr std::uint64_t kPage = 4096;
  int failed = 0, failed_storing = 0;
  for (std::uint64_t leave = need - 12 * kPage; leave <= need + 4 * kPage; leave += kPage) {
    SCOPED_TRACE("room for the pull: " + std::to_string(leave) + " of " + std::to_string(need));
    disk_.fill(leave);
    Result r = pull({"-q", ref});
    disk_.unfill();
    if (r.exit_code == 0) {
      ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
      EXPECT_EQ(store_snapshot(), before);
      continue;
    }
    ++failed;
    expect_failed_whole(r, before);
    if (r.err.find("unpack layer") == std::string::npos) ++failed_storing;
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(failed_storing, 0) << "no pull failed after its layers were unpacked";
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check;
  Result last = pull({ref});
  EXPECT_EQ(last.exit_code, 0) << last;
}

}  // namespace
}  // namespace lit::test
