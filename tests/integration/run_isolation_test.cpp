// What a container cannot see or change: network namespaces, /dev, /sys,
// masked /proc paths, mount propagation; and its terminal with -t.
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

// Interface names in /proc/net/dev output (two header lines, then "name: ...").
std::set<std::string> interfaces(const std::string& proc_net_dev) {
  std::set<std::string> names;
  std::istringstream in(proc_net_dev);
  std::string line;
  for (int i = 0; std::getline(in, line); ++i) {
    auto colon = line.find(':');
    if (i < 2 || colon == std::string::npos) continue;
    auto start = line.find_first_not_of(' ');
    names.insert(line.substr(start, colon - start));
  }
  return names;
}

std::string own_netns() {
  char buf[64] = {};
  ssize_t n = readlink("/proc/self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_F(RunTest, NetworkNoneHasOnlyLoopback) {
  Result r = sh("readlink /proc/self/ns/net; cat /proc/net/dev", {"--network", "none"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out_lines().at(0), own_netns()) << "shares the sandbox's network namespace";
  EXPECT_EQ(interfaces(r.out), std::set<std::string>{"lo"}) << r;
  Result lo = sh("cat /sys/class/net/lo/operstate /sys/class/net/lo/flags", {"--network", "none"});
  EXPECT_NE(lo.out.find("0x9"), std::string::npos) << "lo is not up\n"
                                                   << lo;  // IFF_UP|IFF_LOOPBACK
}

// Each --network none container has a namespace of its own, loopback up, in the
// foreground and detached (both made on a thread while lit prepares the rest).
TEST_F(RunTest, NetworkNoneNamespaceIsEachContainersOwn) {
  Result d = run({"-d", "--name", "other", "--network", "none", kTestImage, "sleep", "60"});
  ASSERT_EQ(d.exit_code, 0) << d;
  Result theirs = lit({"container", "exec", "other", "sh", "-c",
                       "readlink /proc/self/ns/net; cat /sys/class/net/lo/flags"});
  Result ours = sh("readlink /proc/self/ns/net", {"--network", "none"});
  lit({"container", "rm", "-f", "other"});
  ASSERT_EQ(theirs.exit_code, 0) << theirs;
  ASSERT_EQ(ours.exit_code, 0) << ours;
  EXPECT_NE(theirs.out_lines().at(0), ours.out_lines().at(0))
      << "two containers share a network namespace";
  EXPECT_NE(theirs.out_lines().at(0), own_netns()) << "shares the sandbox's network namespace";
  EXPECT_EQ(theirs.out_lines().at(1), "0x9") << "lo is not up in the detached container\n"
                                             << theirs;
}

TEST_F(RunTest, NetworkHostSharesTheSandboxNamespace) {
  // A bridge link exists only in this test's network namespace (no dummy module here).
  Result ip = run_process({"ip", "link", "add", "tsttest0", "type", "bridge"});
  ASSERT_EQ(ip.exit_code, 0) << ip;
  Result r = sh("readlink /proc/self/ns/net; cat /proc/net/dev", {"--network", "host"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out_lines().at(0), own_netns());
  EXPECT_EQ(interfaces(r.out), (std::set<std::string>{"lo", "tsttest0"})) << r;
}

TEST_F(RunTest, DevHasTheStandardDevicesOnly) {
  Result r = sh(
      "for d in null zero full random urandom tty ptmx; do test -c /dev/$d || echo NOCHR-$d; done;"
      "for d in pts shm mqueue; do test -d /dev/$d || echo NODIR-$d; done;"
      "readlink /dev/fd; echo x > /dev/null && echo null-ok;"
      "echo x 2>/dev/null > /dev/full || echo full-fails;"
      "test $(head -c 8 /dev/urandom | wc -c) = 8 && echo urandom-ok;"
      "ls /dev");
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_GE(lines.size(), 4u) << r;
  EXPECT_EQ(lines[0], "/proc/self/fd") << r;
  EXPECT_EQ(lines[1], "null-ok") << r;
  EXPECT_EQ(lines[2], "full-fails") << r;
  EXPECT_EQ(lines[3], "urandom-ok") << r;
  // The host's disks and consoles stay outside.
  for (const char* host_dev : {"vda", "sda", "nvme0", "kmsg", "mem", "tty1", "loop0"})
    EXPECT_EQ(std::find(lines.begin() + 4, lines.end(), host_dev), lines.end())
        << "/dev/" << host_dev << " visible\n"
        << r;
}

TEST_F(RunTest, DevPtsAndShmAreUsable) {
  Result r =
      sh("grep -E ' /dev/(pts|shm|mqueue) ' /proc/mounts | cut -d' ' -f2,3 | sort;"
         "echo x > /dev/shm/f && cat /dev/shm/f");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "/dev/mqueue mqueue\n/dev/pts devpts\n/dev/shm tmpfs\nx\n") << r;
}

TEST_F(RunTest, SysIsReadOnly) {
  Result r =
      sh("grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1;"
         "echo 1 2>/dev/null > /sys/kernel/uevent_helper && echo WROTE-SYS; true");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "ro\n") << r;
}

TEST_F(RunTest, SensitiveProcPathsAreMasked) {
  Result r =
      sh("head -c 16 /proc/kcore 2>/dev/null | wc -c;"
         "echo 1 2>/dev/null > /proc/sysrq-trigger && echo WROTE-SYSRQ;"
         "echo 1 2>/dev/null > /proc/sys/kernel/domainname && echo WROTE-PROCSYS; true");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0\n") << r;
}

TEST_F(RunTest, MountPropagationIsPrivate) {
  Result r = sh("cat /proc/self/mountinfo");
  ASSERT_EQ(r.exit_code, 0) << r;
  std::istringstream in(r.out);
  bool saw_root = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, opts, field;
    f >> id >> parent >> dev >> root >> point >> opts;
    saw_root = saw_root || point == "/";
    while (f >> field && field != "-")
      EXPECT_FALSE(field.starts_with("shared:") || field.starts_with("master:"))
          << "propagation " << field << " on " << point;
  }
  EXPECT_TRUE(saw_root) << r;
}

TEST_F(RunTest, TtyWithWindowSize) {
  std::vector<std::string> argv{LIT_BINARY,
                                "--root",
                                root_.string(),
                                "--run-root",
                                run_root_.string(),
                                "container",
                                "run",
                                "--rm",
                                "-i",
                                "-t",
                                kTestImage,
                                "sh",
                                "-c",
                                "tty; stty size; exit 4"};
  Result r = run_on_pty(argv, 33, 101, 30s);
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"/dev/pts/0"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"33 101"})) << r;
}

TEST_F(RunTest, NoTtyWithoutFlag) {
  Result r = sh("tty; true");
  EXPECT_EQ(r.out, "not a tty\n") << r;
}

}  // namespace
}  // namespace lit::test
