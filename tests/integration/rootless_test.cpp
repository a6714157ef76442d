// Rootless lit: an unprivileged user with subordinate ids runs lit. The user
// exists only in this test's mount namespace (copies of /etc/passwd, group,
// subuid and subgid bound over the host's), so nothing of the host changes;
// each command runs through util-linux's setpriv as that user, with HOME and
// XDG_RUNTIME_DIR in the test's directory, so lit's state lands in the XDG
// paths. What a user would check: the container's root is the user on the
// host, services reach each other by name, the host reaches a published port,
// limits are said not to apply on a host without delegation, and after
// `down` nothing of the user's runs any more.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/outside_host.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

// A uid that /etc/passwd does not have (from 4711 up).
uid_t unused_uid() {
  std::ifstream in("/etc/passwd");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  for (uid_t uid = 4711;; ++uid)
    if (all.find(":" + std::to_string(uid) + ":") == std::string::npos) return uid;
}

// Processes owned by uid (its host uid, real or effective) that are not zombies.
std::vector<std::string> processes_of(uid_t uid) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    std::string line, name, state;
    bool owned = false;
    while (std::getline(status, line)) {
      if (line.starts_with("Name:")) name = line.substr(6);
      if (line.starts_with("State:")) state = line.substr(7, 1);
      if (line.starts_with("Uid:")) owned = std::stoul(line.substr(5)) == uid;
    }
    if (owned && state != "Z") found.push_back(pid + " " + name);
  }
  return found;
}

class RootlessTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* tool : {"/usr/bin/newuidmap", "/usr/bin/newgidmap", "/usr/bin/setpriv"})
      ASSERT_EQ(access(tool, X_OK), 0) << tool << " missing: run scripts/setup.sh";
    uid_ = unused_uid();
    name_ = "lit-rootless-" + std::to_string(uid_);
    home_ = base_ / "home";
    xdg_ = base_ / "xdg-run";
    ASSERT_EQ(chmod(base_.c_str(), 0755), 0);
    add_user(true);
    for (const auto& d : {home_, xdg_}) {
      fs::create_directories(d);
      ASSERT_EQ(chown(d.c_str(), uid_, uid_), 0);
    }
    chmod(xdg_.c_str(), 0700);
    // The build tree may sit where the user cannot go (a CI checkout under
    // /root): lit, its helpers and the image archive, copied where it can.
    fs::create_directories(base_ / "bin");
    for (const char* name : {"lit", "lit-init", "lit-exec", "lit-shim", "lit-dns"})
      fs::copy_file(fs::path(LIT_BINARY).parent_path() / name, base_ / "bin" / name);
    fs::copy_file(fixture("busybox-docker.tar"), base_ / "busybox-docker.tar");
    chmod((base_ / "busybox-docker.tar").c_str(), 0644);
  }

  void TearDown() override {
    if (tun_bound_) umount2("/dev/net/tun", MNT_DETACH);
    if (!IsSkipped() && !name_.empty()) {
      // Nothing of the user's is left once its last container is gone.
      EXPECT_TRUE(eventually([&] { return processes_of(uid_).empty(); }))
          << testing::PrintToString(processes_of(uid_));
      for (const auto& p : processes_of(uid_)) kill(std::stoi(p), SIGKILL);
      for (const char* f : {"/etc/passwd", "/etc/group", "/etc/subuid", "/etc/subgid"})
        umount2(f, MNT_DETACH);
    }
    LitTest::TearDown();
  }

  // The user, in copies of the account files bound over the host's (this
  // mount namespace only); with_subids false leaves it without ranges.
  void add_user(bool with_subids) {
    fs::create_directories(base_ / "etc");
    auto add = [&](const std::string& file, const std::string& line) {
      fs::path copy = base_ / "etc" / fs::path(file).filename();
      if (!fs::exists(copy)) fs::copy_file(file, copy);
      std::ofstream(copy, std::ios::app) << line << "\n";
      if (mount(copy.c_str(), file.c_str(), nullptr, MS_BIND, nullptr) < 0 && errno != EBUSY)
        ADD_FAILURE() << "bind " << copy << ": " << std::strerror(errno);
    };
    const std::string id = std::to_string(uid_);
    add("/etc/passwd", name_ + ":x:" + id + ":" + id + "::" + home_.string() + ":/bin/sh");
    add("/etc/group", name_ + ":x:" + id + ":");
    add("/etc/subuid", with_subids ? name_ + ":400000:65536" : "");
    add("/etc/subgid", with_subids ? name_ + ":400000:65536" : "");
  }

  // `lit args...` as the user, with lit's default (XDG) directories.
  Result as_user(const std::vector<std::string>& args, const RunOptions& o = {}) {
    const std::string id = std::to_string(uid_);
    std::vector<std::string> argv{"/usr/bin/setpriv",
                                  "--reuid=" + id,
                                  "--regid=" + id,
                                  "--clear-groups",
                                  "/usr/bin/env",
                                  "-u",
                                  "LIT_ROOT",
                                  "-u",
                                  "LIT_RUN_ROOT",
                                  "HOME=" + home_.string(),
                                  "XDG_RUNTIME_DIR=" + xdg_.string(),
                                  "USER=" + name_,
                                  (base_ / "bin" / "lit").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, o);
  }

  void load_image_as_user() {
    Result r = as_user({"image", "load", "-i", (base_ / "busybox-docker.tar").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // The host side of the session's way out, in this test's network namespace
  // only: a node of /dev/net/tun users may open (this VM's is 0600) bound
  // over it, and an uplink (a veth to an "outside" namespace at 203.0.113.2
  // serving HTTP, the default route).
  void make_uplink() {
    fs::path tun = base_ / "tun";
    ASSERT_EQ(mknod(tun.c_str(), S_IFCHR | 0666, makedev(10, 200)), 0) << std::strerror(errno);
    ASSERT_EQ(chmod(tun.c_str(), 0666), 0);
    ASSERT_EQ(mount(tun.c_str(), "/dev/net/tun", nullptr, MS_BIND, nullptr), 0)
        << std::strerror(errno);
    tun_bound_ = true;
    outside_.start("tst-rl", OutsideHost::Route::kDefaultGoesOutside);
  }

  OutsideHost outside_;
  bool tun_bound_ = false;
  uid_t uid_ = 0;
  std::string name_;
  fs::path home_, xdg_;
};

TEST_F(RootlessTest, ContainerRootIsTheUserAndStateIsInXdgPaths) {
  load_image_as_user();
  Result r = as_user({"container", "run", "--rm", kTestImage, "sh", "-c",
                      "id -u; cat /proc/self/uid_map; touch /made && echo wrote"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_GE(lines.size(), 4u) << r;
  EXPECT_EQ(lines[0], "0");
  // Root of the container is the user; ids above map to its subordinate range.
  EXPECT_TRUE(contains_line_with(r.out, {"0", std::to_string(uid_), "1"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"1", "400000", "65536"})) << r;
  EXPECT_EQ(lines.back(), "wrote");
  Result info = as_user({"system", "info"});
  EXPECT_TRUE(contains_line_with(info.out, {"Rootless:", "true"})) << info;
  EXPECT_TRUE(contains_line_with(info.out, {"Security Options:", "rootless"})) << info;
  EXPECT_TRUE(
      contains_line_with(info.out, {"Lit Root Dir:", (home_ / ".local/share/lit").string()}))
      << info;
  EXPECT_TRUE(fs::exists(home_ / ".local/share/lit/images"));
  EXPECT_TRUE(fs::exists(xdg_ / "lit"));
  struct stat st {};
  ASSERT_EQ(stat((home_ / ".local/share/lit").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid_);
}

TEST_F(RootlessTest, TwoServicesByNameAndAPublishedPort) {
  load_image_as_user();
  const fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  const int port = 20000 + static_cast<int>(uid_ % 10000);
  std::ofstream(dir / "compose.yaml")
      << "services:\n"
         "  web:\n"
         "    image: "
      << kTestImage
      << "\n"
         "    command: [sh, -c, 'mkdir -p /www && echo hello-from-web > /www/index.html && exec "
         "httpd -f -p 8080 -h /www']\n"
         "    ports: ['"
      << port
      << ":8080']\n"
         "  client:\n"
         "    image: "
      << kTestImage << "\n    command: [sh, -c, 'echo client-ready; exec sleep 600']\n";
  chmod(dir.c_str(), 0755);
  chmod((dir / "compose.yaml").c_str(), 0644);
  auto project = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--project-directory", dir.string()});
    return as_user(args);
  };
  Result up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  // One service reaches the other by name (lit's DNS in the session's network).
  EXPECT_TRUE(eventually([&] {
    return project({"exec", "client", "wget", "-q", "-O", "-", "http://web:8080/"}).out ==
           "hello-from-web\n";
  }));
  // The host reaches the published port (the supervisor's proxy).
  EXPECT_TRUE(eventually([&] {
    return fetch("http://127.0.0.1:" + std::to_string(port) + "/") == "hello-from-web\n";
  }));
  EXPECT_TRUE(eventually([&] {
    return project({"logs", "client"}).out.find("client-ready") != std::string::npos;
  }));
  // On the host, the services' processes belong to the user.
  Result inspect = project({"ps", "--format", "json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect;
  EXPECT_EQ(inspect.out_lines().size(), 2u) << inspect;
  EXPECT_GE(processes_of(uid_).size(), 3u);  // lit-pause, supervisors, the services
  Result down = project({"down", "-t", "1"});
  EXPECT_EQ(down.exit_code, 0) << down;
}

// The session's way out: slirp4netns, given a usable tun, carries a
// container's connection (lit's NAT in the session, then slirp4netns's
// sockets on the host) to a server beyond the host.
TEST_F(RootlessTest, ContainersReachTheHostsNetworksThroughSlirp4netns) {
  make_uplink();
  if (HasFatalFailure()) return;
  load_image_as_user();
  // `container run` gets a network only when asked (loopback otherwise).
  Result net = as_user({"network", "create", "out"});
  ASSERT_EQ(net.exit_code, 0) << net;
  EXPECT_EQ(net.err.find("no way out"), std::string::npos) << net;
  Result r = as_user({"container", "run", "--rm", "--network", "out", kTestImage, "wget", "-q",
                      "-O", "-", "http://203.0.113.2/"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "outside-says-hi\n") << r;
  EXPECT_EQ(as_user({"network", "rm", "out"}).exit_code, 0);
}

// Images and files as the user: a build (its RUN step in the session), a
// commit of a container's change, and cp both ways, the copy out owned by the user.
TEST_F(RootlessTest, BuildCommitAndCpWorkAsTheUser) {
  load_image_as_user();
  const fs::path ctx = home_ / "ctx";
  fs::create_directories(ctx);
  std::ofstream(ctx / "Containerfile") << "FROM " << kTestImage
                                       << "\nRUN echo built-by-user > /made\n"
                                          "CMD [\"cat\", \"/made\"]\n";
  ASSERT_EQ(
      run_process({"chown", "-R", std::to_string(uid_) + ":" + std::to_string(uid_), ctx.string()})
          .exit_code,
      0);
  Result build = as_user({"build", "-t", "localhost/rl-built", ctx.string()});
  ASSERT_EQ(build.exit_code, 0) << build;
  Result built = as_user({"container", "run", "--rm", "localhost/rl-built"});
  EXPECT_EQ(built.out, "built-by-user\n") << built;

  Result started = as_user({"container", "run", "-d", "--name", "c1", kTestImage, "sh", "-c",
                            "echo changed > /changed; sleep 600"});
  ASSERT_EQ(started.exit_code, 0) << started;
  ASSERT_TRUE(eventually([&] {
    return as_user({"container", "exec", "c1", "cat", "/changed"}).out == "changed\n";
  }));
  Result commit = as_user({"container", "commit", "c1", "localhost/rl-committed"});
  ASSERT_EQ(commit.exit_code, 0) << commit;
  EXPECT_EQ(as_user({"container", "run", "--rm", "localhost/rl-committed", "cat", "/changed"}).out,
            "changed\n");

  const fs::path in = home_ / "in", out = home_ / "out";
  std::ofstream(in) << "from-host\n";
  ASSERT_EQ(chown(in.c_str(), uid_, uid_), 0);
  Result cp_in = as_user({"container", "cp", in.string(), "c1:/in"});
  ASSERT_EQ(cp_in.exit_code, 0) << cp_in;
  EXPECT_EQ(as_user({"container", "exec", "c1", "cat", "/in"}).out, "from-host\n");
  Result cp_out = as_user({"container", "cp", "c1:/changed", out.string()});
  ASSERT_EQ(cp_out.exit_code, 0) << cp_out;
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid_);
  EXPECT_EQ(as_user({"container", "rm", "-f", "c1"}).exit_code, 0);
}

// lit-pause killed while a container runs: the next command starts a new
// session, still lists the container and removes it (its processes are the
// user's, its files in the same subordinate ids); nothing is left after.
TEST_F(RootlessTest, AKilledSessionIsReplacedAndItsContainersStillRemoved) {
  load_image_as_user();
  Result started = as_user({"container", "run", "-d", "--name", "c1", kTestImage, "sleep", "600"});
  ASSERT_EQ(started.exit_code, 0) << started;
  const fs::path pid_file = xdg_ / "lit" / "session" / "pause.pid";
  ASSERT_TRUE(fs::exists(pid_file));
  const pid_t pause = std::stoi(read_file(pid_file));
  ASSERT_EQ(kill(pause, SIGKILL), 0);
  ASSERT_TRUE(eventually([&] {
    std::ifstream st("/proc/" + std::to_string(pause) + "/status");
    std::string s((std::istreambuf_iterator<char>(st)), {});
    return s.empty() || s.find("State:\tZ") != std::string::npos;
  }));
  Result ls = as_user({"container", "ls", "-a"});
  ASSERT_EQ(ls.exit_code, 0) << ls;
  EXPECT_TRUE(contains_line_with(ls.out, {"c1", "Up"})) << ls;
  EXPECT_EQ(as_user({"container", "rm", "-f", "c1"}).exit_code, 0);
  Result again = as_user({"container", "run", "--rm", kTestImage, "echo", "again"});
  EXPECT_EQ(again.out, "again\n") << again;
}

TEST_F(RootlessTest, LimitsWithoutDelegationAreAWarningAndUsernsAutoAnError) {
  load_image_as_user();
  Result r = as_user({"container", "run", "--rm", "--memory", "32m", kTestImage, "echo", "ran"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "ran\n") << r;
  // Not delegated (setpriv's user stays in root's cgroup): said, and the container runs.
  EXPECT_NE(r.err.find("memory, cpu and pids limits are not applied"), std::string::npos) << r;
  Result userns = as_user({"container", "run", "--rm", "--userns", "auto", kTestImage, "true"});
  EXPECT_EQ(userns.exit_code, 125) << userns;
  EXPECT_NE(userns.err.find("--userns auto: not available to rootless lit"), std::string::npos)
      << userns;
}

TEST_F(RootlessTest, NoSubordinateIdsIsAClearError) {
  for (const char* f : {"/etc/passwd", "/etc/group", "/etc/subuid", "/etc/subgid"})
    umount2(f, MNT_DETACH);
  fs::remove_all(base_ / "etc");
  add_user(false);
  Result r = as_user({"image", "ls"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(
      r.err.find("lit: rootless lit: user " + name_ + " has no subordinate ids in /etc/subuid"),
      std::string::npos)
      << r;
  EXPECT_NE(r.err.find("usermod --add-subuids"), std::string::npos) << r;
}

}  // namespace
}  // namespace lit::test
