// Known runtime escapes (issue 20), each attack run against lit and shown to
// fail: fds and working directories leaking into the container
// (CVE-2024-21626), symlinked mount targets and /dev/null (CVE-2021-30465,
// CVE-2025-31133), cgroup and /proc writes and remounts (CVE-2022-0492).
// The overwrite of lit's binary (CVE-2019-5736) is in escape_exe_test.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/run_fixture.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"

namespace lit::test {
namespace {

constexpr int kHeldFd = 42;

// An fd of the test's, not close-on-exec, so every lit started meanwhile
// holds it: a host directory lit must never let the container reach.
class HeldFd {
 public:
  explicit HeldFd(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);  // no O_CLOEXEC: lit inherits it
    ok_ = fd >= 0 && ::dup2(fd, kHeldFd) == kHeldFd;
    if (fd >= 0 && fd != kHeldFd) ::close(fd);
  }
  ~HeldFd() { ::close(kHeldFd); }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

class EscapeTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    host_dir_ = base_ / "host-dir";
    fs::create_directories(host_dir_);
    std::ofstream(host_dir_ / "host-marker") << "host\n";
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_array() && !j.empty() ? j[0] : j;
  }

  Result exec(const std::vector<std::string>& args) {
    std::vector<std::string> full{"container", "exec"};
    full.insert(full.end(), args.begin(), args.end());
    return lit(full);
  }

  // `lit image import` of a rootfs tarball: busybox plus `extra` entries.
  void import_image(const std::string& ref, TarBuilder extra) {
    fs::path tar = base_ / (ref.substr(ref.rfind('/') + 1) + ".tar");
    extra.file("bin/busybox", read_file("/bin/busybox"), 0755).symlink("bin/sh", "busybox");
    write_bytes(tar, extra.bytes());
    Result r = lit({"image", "import", tar.string(), ref});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  fs::path host_dir_;
};

// What a working directory that tries to leave the root gives: a clear error,
// never the host directory lit holds.
void expect_refused_cwd(const Result& r) {
  EXPECT_EQ(r.out.find("host-marker"), std::string::npos) << "escaped to the host\n" << r;
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("working directory"), std::string::npos) << r;
}

TEST_F(EscapeTest, RunStartsWithOnlyStdioAndItsWorkdirInsideTheRoot) {
  HeldFd held(host_dir_);
  ASSERT_TRUE(held.ok());
  Result r = sh("ls /proc/$$/fd; readlink /proc/$$/cwd", {"-w", "/tmp"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0\n1\n2\n/tmp\n") << r;

  expect_refused_cwd(
      sh("readlink /proc/$$/cwd; ls", {"-w", "/proc/self/fd/" + std::to_string(kHeldFd)}));
  expect_refused_cwd(sh("readlink /proc/$$/cwd; ls", {"-w", "/proc/1/cwd"}));
  // ".." stops at the container's root: the host path is made inside it.
  Result dots = sh("readlink /proc/$$/cwd; ls", {"-w", "/../../../.." + host_dir_.string()});
  EXPECT_EQ(dots.exit_code, 0) << dots;
  EXPECT_EQ(dots.out, host_dir_.string() + "\n") << dots;
}

TEST_F(EscapeTest, ImageWorkdirSymlinkToAnFdFailsClearly) {
  import_image("localhost/escape-workdir",
               std::move(TarBuilder()
                             .dir("tmp")
                             .symlink("wd", "/proc/self/fd/" + std::to_string(kHeldFd))
                             .symlink("up", "../../../../../../..")));
  HeldFd held(host_dir_);
  ASSERT_TRUE(held.ok());
  Result r = run({"--rm", "-w", "/wd", "localhost/escape-workdir", "/bin/sh", "-c",
                  "readlink /proc/$$/cwd; ls"});
  expect_refused_cwd(r);
  Result up = run({"--rm", "-w", "/up" + host_dir_.string(), "localhost/escape-workdir", "/bin/sh",
                   "-c", "readlink /proc/$$/cwd; ls"});
  EXPECT_EQ(up.exit_code, 0) << up;
  EXPECT_EQ(up.out, host_dir_.string() + "\n") << up;
}

TEST_F(EscapeTest, ExecAndHealthChecksGetOnlyStdioAndStayInside) {
  HeldFd held(host_dir_);
  ASSERT_TRUE(held.ok());
  ASSERT_FALSE(detach_sh("sleep 300", {"--name", "box", "-w", "/tmp", "--health-cmd",
                                       "exec > /tmp/hc.new; ls /proc/$$/fd; readlink /proc/$$/cwd; "
                                       "mv /tmp/hc.new /tmp/hc",
                                       "--health-interval", "200ms"})
                   .empty());
  Result r = exec({"box", "sh", "-c", "ls /proc/$$/fd; readlink /proc/$$/cwd"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0\n1\n2\n/tmp\n") << r;
  // -t: the pty is 0, 1 and 2, nothing else comes with it.
  Result t = run_on_pty({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                         "container", "exec", "-t", "box", "sh", "-c", "ls -1 /proc/$$/fd; true"},
                        24, 80, 30s);
  EXPECT_EQ(t.out, "0\r\n1\r\n2\r\n") << t;

  expect_refused_cwd(exec({"-w", "/proc/self/fd/" + std::to_string(kHeldFd), "box", "ls"}));
  expect_refused_cwd(exec({"-w", "/proc/1/cwd", "box", "ls"}));
  Result hc;
  EXPECT_TRUE(eventually([&] {
    hc = exec({"box", "cat", "/tmp/hc"});
    return hc.exit_code == 0;
  })) << hc;
  EXPECT_EQ(hc.out, "0\n1\n2\n/tmp\n") << hc;
  EXPECT_EQ(lit({"container", "rm", "-f", "box"}).exit_code, 0);
}

// Targets the runtime mounts on are resolved beneath the container's root:
// an image whose /dev (where lit makes /dev/null and the other nodes),
// /etc/hosts, a volume target and a tmpfs target are symlinks to a host path
// gets its mounts inside itself, and the host path stays untouched.
TEST_F(EscapeTest, SymlinkedMountTargetsResolveInsideTheRoot) {
  const fs::path escape = "/tmp/escape-" + std::to_string(::getpid());
  const std::string up = "../../../../../../../.." + escape.string();
  import_image("localhost/escape-links", std::move(TarBuilder()
                                                       .symlink("dev", up + "/dev")
                                                       .dir("etc")
                                                       .symlink("etc/hosts", up + "/hosts")
                                                       .symlink("data", up + "/data")
                                                       .symlink("cache", "/" + up + "/cache")
                                                       .dir("tmp")));
  fs::create_directories(base_ / "vol");
  Result r = run({"--rm", "-v", (base_ / "vol").string() + ":/data", "--tmpfs", "/cache",
                  "localhost/escape-links", "/bin/sh", "-c",
                  "test -c /dev/null && echo null-ok; echo in > /data/x; echo c > /cache/y; "
                  "grep -c ip6-allnodes /etc/hosts; cd " +
                      escape.string() + " && ls -d cache data dev"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "null-ok\n1\ncache\ndata\ndev\n") << r;
  EXPECT_EQ(read_file(base_ / "vol" / "x"), "in\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(escape))) << "lit wrote on the host's " << escape;
  for (const auto& m : read_mountinfo())
    EXPECT_EQ(m.mount_point.find(escape.string()), std::string::npos) << m.mount_point;
}

// CVE-2025-31133: masked /proc files are covered with the container's
// /dev/null; a /dev whose null is a symlink to a /proc file would bind that
// file, writable, over them. lit checks /dev/null is the null device.
TEST_F(EscapeTest, DevNullReplacedBySymlinkIsNotBoundOverMaskedPaths) {
  fs::path dev = base_ / "fake-dev";
  fs::create_directories(dev);
  fs::create_symlink("/proc/sys/kernel/core_pattern", dev / "null");
  const std::string before = read_file("/proc/sys/kernel/core_pattern");
  Result r = sh("cat /proc/kcore | head -c 100; echo done", {"-v", dev.string() + ":/dev"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("/dev/null"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("done"), std::string::npos) << r;
  EXPECT_EQ(read_file("/proc/sys/kernel/core_pattern"), before);
}

// CVE-2022-0492 and friends: a default container cannot mount cgroupfs (also
// not from a new user namespace), write its cgroup files, or remount /proc/sys,
// /proc/sysrq-trigger or the masked paths writable or away.
TEST_F(EscapeTest, CgroupAndProcCannotBeMountedRemountedOrWritten) {
  const std::vector<std::string> attempts = {
      "mount -t cgroup -o memory cgroup /mnt",
      "mount -t cgroup -o none,name=x cgroup /mnt",
      "mount -t cgroup2 none /mnt",
      "unshare -Urm mount -t cgroup -o rdma cgroup /mnt",
      "unshare -UrmC mount -t cgroup2 none /mnt",
      "mount -o remount,rw /sys/fs/cgroup",
      "mount -o remount,rw /sys",
      "mount -o remount,rw /proc/sys",
      "mount -o remount,rw /proc/sysrq-trigger",
      "mount -o remount,rw,bind /proc/sys",
      "umount /proc/sys",
      "umount -l /proc/sysrq-trigger",
      "umount /proc/kcore",
      "umount /proc/acpi",
      "mount -o bind /tmp /proc/sys",
      "mount -t proc proc /mnt",
      "mount -t sysfs sysfs /mnt",
      "mkdir /sys/fs/cgroup/escape",
      "sh -c ': > /sys/fs/cgroup/release_agent'",
      "sh -c ': > /sys/fs/cgroup/notify_on_release'",
      "sh -c 'echo $$ > /sys/fs/cgroup/cgroup.procs'",
      "sh -c ': > /proc/sysrq-trigger'",
      "sh -c ': > /proc/sys/kernel/hostname'",
  };
  std::string script =
      "mkdir -p /mnt; try() { if \"$@\" 2>/dev/null; then echo \"ALLOWED: $*\"; "
      "else echo refused; fi; }; ";
  for (const auto& a : attempts) script += "try " + a + "; ";
  Result r = sh(script);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.find("ALLOWED"), std::string::npos) << r;
  EXPECT_EQ(r.out_lines().size(), attempts.size()) << r;
  // The attempts fail because they are refused, not because the tools are missing.
  Result tools = sh("for t in mount umount unshare; do command -v $t; done | wc -l");
  EXPECT_EQ(tools.out, "3\n") << tools;
}

}  // namespace
}  // namespace lit::test
