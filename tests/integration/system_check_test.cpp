// `lit system check [--fix]`: what a crash or lost state leaves on the host is
// found, each thing with why it is judged stale, and removed with --fix, while
// a container that runs keeps everything it holds.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroups/cgroup.hpp"
#include "runtime/state/ids.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/fake_systemd.hpp"
#include "tests/integration/private_bus.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

class SystemCheckTest : public RunTest {
 protected:
  void TearDown() override {
    if (bus_) {
      // What a failing test left: its containers go while the fake can stop their scopes.
      if (!systemd_) start_systemd_again();
      for (const auto& id : container_ids()) lit({"container", "rm", "-f", id});
      systemd_.reset();
      bus_->stop();
      for (const auto& dir : planted_) ::rmdir(dir.c_str());
      ::rmdir((cgroup2_ / "lit.slice").c_str());  // the fake's slice; busy or gone is fine
      for (const char* v :
           {"DBUS_SYSTEM_BUS_ADDRESS", "LIT_SYSTEMD_CGROUP_ROOT", "LIT_CGROUP_MANAGER"})
        ::unsetenv(v);
    }
    for (const char* f : {"/etc/subuid", "/etc/subgid"})
      while (subids_bound_ && ::umount2(f, MNT_DETACH) == 0) {
      }
    RunTest::TearDown();
  }

  // lit's /etc/subuid and /etc/subgid entries for --userns auto: the test's
  // own files, bound over those in its private mount namespace.
  void subids(const std::string& text) {
    subids_bound_ = true;
    for (const char* name : {"subuid", "subgid"}) {
      const fs::path file = base_ / name;
      std::ofstream(file) << text;
      const std::string target = std::string("/etc/") + name;
      ASSERT_EQ(::mount(file.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), 0)
          << "bind " << file << " over " << target << ": " << std::strerror(errno);
    }
  }

  // The systemd cgroup manager for every lit the test runs from now on,
  // against a fake systemd on a private bus (fake_systemd.hpp: this host has
  // no systemd). Skips the test without a cgroup2 hierarchy.
  void start_systemd() {
    cgroup2_ = cgroup2_mount();
    if (cgroup2_.empty()) GTEST_SKIP() << "no cgroup2 hierarchy";
    bus_.emplace(base_);
    ASSERT_TRUE(bus_->ready()) << "no bus at " << bus_->socket();
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
    ::setenv("LIT_SYSTEMD_CGROUP_ROOT", cgroup2_.c_str(), 1);
    ::setenv("LIT_CGROUP_MANAGER", "systemd", 1);
    start_systemd_again();
  }
  void start_systemd_again() { systemd_.emplace(bus_->address(), cgroup2_); }

  fs::path scope(const std::string& id) const {
    return cgroup2_ / "lit.slice" / ("lit-" + id + ".scope");
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"container", "inspect", name});
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.out).at(0);
  }

  // The findings of `system check --format json` that name one of `ids`
  // (other tests on this host may leave cgroups of their own meanwhile).
  std::vector<nlohmann::json> findings(const std::vector<std::string>& ids, int& exit_code) {
    Result r = lit({"system", "check", "--format", "json"});
    exit_code = r.exit_code;
    std::vector<nlohmann::json> out;
    for (const auto& f : nlohmann::json::parse(r.out)) {
      const std::string text = f["Object"].get<std::string>() + " " + f["Why"].get<std::string>();
      for (const auto& id : ids)
        if (text.find(id.substr(0, 11)) != std::string::npos) {
          out.push_back(f);
          break;
        }
    }
    return out;
  }

  static bool has(const std::vector<nlohmann::json>& found, const std::string& kind,
                  const std::string& in_object, const std::string& in_why) {
    for (const auto& f : found)
      if (f["Kind"] == kind &&
          f["Object"].get<std::string>().find(in_object) != std::string::npos &&
          f["Why"].get<std::string>().find(in_why) != std::string::npos)
        return true;
    return false;
  }

  // As if made a minute ago: a start makes and records a cgroup within
  // milliseconds, so the check leaves younger ones alone.
  static void age(const fs::path& dir) {
    const timespec past[2] = {{::time(nullptr) - 60, 0}, {::time(nullptr) - 60, 0}};
    ::utimensat(AT_FDCWD, dir.c_str(), past, 0);
  }

  // The line of `system check`'s table that names `object`.
  static std::string line_of(const Result& r, const std::string& object) {
    for (const auto& l : r.out_lines())
      if (l.find(object) != std::string::npos) return l;
    return "no line about " + object + " in:\n" + r.out;
  }

  fs::path cgroup2_;
  std::optional<PrivateBus> bus_;
  std::optional<FakeSystemd> systemd_;
  std::vector<fs::path> planted_;  // directories the test made in lit.slice
  bool subids_bound_ = false;
};

TEST_F(SystemCheckTest, FindsWhatNoRecordExplainsAndFixRemovesItButNotWhatRuns) {
  ASSERT_EQ(lit({"network", "create", "checknet"}).exit_code, 0);
  std::vector<std::string> ids;
  for (const char* name : {"keep", "lost", "killed"})
    ids.push_back(detach_sh("sleep 600", {"--name", name, "--network", "checknet", "-p", "80"}));
  ASSERT_EQ(ids.size(), 3u);
  const std::string keep = ids[0], lost = ids[1], killed = ids[2];
  ASSERT_FALSE(keep.empty() || lost.empty() || killed.empty());
  int rc = -1;
  EXPECT_TRUE(findings(ids, rc).empty()) << "all three run: nothing is left over";

  // lost: its record is gone while it runs (its supervisor, cgroup, veth,
  // rules and address stay). killed: its supervisor and processes are
  // SIGKILLed, so nothing cleaned up after them.
  const nlohmann::json k = inspect("killed");
  ASSERT_FALSE(k.is_null());
  fs::remove_all(root_ / "containers" / lost);
  ::kill(k["state"]["shim_pid"].get<pid_t>(), SIGKILL);
  ::kill(k["state"]["pid"].get<pid_t>(), SIGKILL);
  ASSERT_TRUE(eventually([&] { return inspect("killed")["state"]["status"] == "exited"; }));
  for (const auto& dir : lit_cgroup_dirs())
    if (dir.filename() == lost || dir.filename() == killed) age(dir);
  age(run_root_ / "containers" / lost);

  std::vector<nlohmann::json> found = findings(ids, rc);
  EXPECT_EQ(rc, 1) << "leftovers found: exit 1";
  const std::string lost12 = lost.substr(0, 12);
  EXPECT_TRUE(has(found, "process", "lit-shim of " + lost12, "has no record")) << found.size();
  EXPECT_TRUE(has(found, "cgroup", lost, "has no record"));
  EXPECT_TRUE(has(found, "cgroup", killed, "container killed (exited) does not run"));
  EXPECT_TRUE(has(found, "link", "lit" + lost.substr(0, 11), "which has no record"));
  EXPECT_TRUE(has(found, "nftables rules", "owner ctr:" + lost, "does not run"));
  EXPECT_TRUE(has(found, "nftables rules", "owner ctr:" + killed, "killed (exited) does not run"));
  EXPECT_TRUE(has(found, "endpoint", "on network checknet (lost)", "has no record"));
  EXPECT_TRUE(has(found, "run directory", lost, "no container has a record of it"));
  for (const auto& f : found)
    EXPECT_EQ(f.dump().find(keep.substr(0, 11)), std::string::npos) << "keep runs: " << f;

  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;
  EXPECT_TRUE(findings(ids, rc).empty()) << "after --fix";
  // The one that runs kept its process, cgroup, veth and published port.
  EXPECT_EQ(inspect("keep")["state"]["status"], "running");
  EXPECT_EQ(lit({"container", "exec", "keep", "true"}).exit_code, 0);
  Result port = lit({"container", "port", "keep"});
  EXPECT_NE(port.out.find("80/tcp"), std::string::npos) << port;

  EXPECT_EQ(lit({"container", "rm", "-f", "keep", "killed"}).exit_code, 0);
  EXPECT_EQ(lit({"network", "rm", "checknet"}).exit_code, 0);
  Result clean = lit({"system", "check"});
  EXPECT_EQ(findings(ids, rc).size(), 0u) << clean;
}

// A network's endpoints directory whose record is gone (deleted by hand, or
// the network removed by an older lit) is found and removed by --fix, and a
// network made again with that name does not inherit its addresses.
TEST_F(SystemCheckTest, TheEndpointsOfANetworkWithNoRecordAreFound) {
  ASSERT_EQ(lit({"network", "create", "straynet"}).exit_code, 0);
  Result held =
      lit({"container", "create", "--name", "held", "--network", "straynet", kTestImage, "true"});
  ASSERT_EQ(held.exit_code, 0) << held;
  const fs::path endpoints = root_ / "networks" / "straynet.endpoints";
  ASSERT_TRUE(fs::exists(endpoints / "10.90.0.2.json"));
  int rc = -1;
  EXPECT_TRUE(findings({"straynet"}, rc).empty());
  fs::remove(root_ / "networks" / "straynet.json");

  std::vector<nlohmann::json> found = findings({"straynet"}, rc);
  EXPECT_EQ(rc, 1) << "leftovers found: exit 1";
  EXPECT_TRUE(has(found, "endpoint", endpoints.string(), "network straynet, which has no record"))
      << found.size();
  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;  // the bridge and rules of the network too
  EXPECT_FALSE(fs::exists(endpoints));
  EXPECT_TRUE(findings({"straynet"}, rc).empty());

  EXPECT_EQ(lit({"container", "rm", "held"}).exit_code, 0);
  ASSERT_EQ(lit({"network", "create", "straynet"}).exit_code, 0);
  ASSERT_EQ(
      lit({"container", "create", "--name", "again", "--network", "straynet", kTestImage, "true"})
          .exit_code,
      0);
  EXPECT_TRUE(fs::exists(endpoints / "10.90.0.2.json"));
  EXPECT_EQ(lit({"container", "rm", "again"}).exit_code, 0);
  EXPECT_EQ(lit({"network", "rm", "straynet"}).exit_code, 0);
  Result clean = lit({"system", "check"});
  EXPECT_EQ(clean.exit_code, 0) << clean;
}

TEST_F(SystemCheckTest, ImageStoreProblemsAreFoundAndWhatIsSafeToRemoveIsRemoved) {
  const fs::path images = root_ / "images";
  // A tag pointing at no image, an unpacked layer no image lists (an unpack
  // cut short), and an image whose layer went missing.
  nlohmann::json state = nlohmann::json::parse(std::ifstream(images / "state.json"));
  const std::string ghost = "sha256:" + std::string(64, 'e');
  state["tags"]["docker.io/library/ghost:latest"] = ghost;
  std::ofstream(images / "state.json") << state.dump();
  const fs::path stray = images / "layers" / "sha256" / std::string(64, 'f');
  fs::create_directories(stray / "diff");

  Result r = lit({"system", "check", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r;
  const auto found = nlohmann::json::parse(r.out);
  auto has = [&](const std::string& object, const std::string& why) {
    for (const auto& f : found)
      if (f["Kind"] == "image store" &&
          f["Object"].get<std::string>().find(object) != std::string::npos &&
          f["Why"].get<std::string>().find(why) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(has("tag docker.io/library/ghost:latest", "which is not in the store")) << r.out;
  EXPECT_TRUE(has(stray.string(), "no image lists")) << r.out;

  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;
  EXPECT_FALSE(fs::exists(stray));
  Result again = lit({"system", "check"});
  EXPECT_EQ(again.exit_code, 0) << again;
  // The images that were whole still run.
  EXPECT_EQ(run({"--rm", kTestImage, "true"}).exit_code, 0);

  // A layer lost under an image: reported, and left for the user to remove.
  nlohmann::json now = nlohmann::json::parse(std::ifstream(images / "state.json"));
  const std::string diff_id = now["images"].begin().value()["diff_ids"][0];
  const fs::path layer = images / "layers" / "sha256" / diff_id.substr(7);
  fs::rename(layer, base_ / "moved-layer");
  Result broken = lit({"system", "check"});
  EXPECT_EQ(broken.exit_code, 1) << broken;
  EXPECT_NE(broken.out.find("its layer " + diff_id.substr(7, 12) + " is missing"),
            std::string::npos)
      << broken;
  Result cannot = lit({"system", "check", "--fix"});
  EXPECT_EQ(cannot.exit_code, 1) << cannot;
  EXPECT_NE(cannot.err.find("lit image rm -f"), std::string::npos) << cannot;
  fs::rename(base_ / "moved-layer", layer);
  EXPECT_EQ(lit({"system", "check"}).exit_code, 0);
}

// Issue 22: every layer's files are held against the digest recorded as it
// entered the store (its diff ID for lit's own layers: build, commit), so a
// byte changed or a file added in an unpacked layer is found; a store nobody
// touched passes.
TEST_F(SystemCheckTest, ALayerWhoseFilesChangedIsFoundAndAnUntouchedStorePasses) {
  // Layers from a docker-archive (the fixture), an import, a commit and a build.
  ASSERT_EQ(
      lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "imported:1"}).exit_code,
      0);
  ASSERT_EQ(run({"--name", "box", kTestImage, "sh", "-c", "echo hi > /committed"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "commit", "box", "committed:1"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "rm", "box"}).exit_code, 0);
  const fs::path ctx = base_ / "ctx";
  fs::create_directories(ctx);
  std::ofstream(ctx / "Containerfile")
      << "FROM " << kTestImage << "\nRUN echo built > /built\nCOPY f /f\n";
  std::ofstream(ctx / "f") << "copied\n";
  Result built = lit({"build", "-t", "built:1", ctx.string()});
  ASSERT_EQ(built.exit_code, 0) << built;
  Result clean = lit({"system", "check"});
  EXPECT_EQ(clean.exit_code, 0) << clean;
  EXPECT_EQ(clean.out, "nothing of lit's is left over\n");

  const fs::path images = root_ / "images";
  nlohmann::json state = nlohmann::json::parse(std::ifstream(images / "state.json"));
  const std::string id = state["tags"].value(kTestImage, "");
  ASSERT_FALSE(id.empty()) << state.dump();
  const std::string image = id.substr(7, 12);
  const std::vector<std::string> diff_ids = state["images"][id]["diff_ids"];
  ASSERT_EQ(diff_ids.size(), 2u);
  // lit's own layers (commit, build) regenerate their diff IDs: nothing recorded.
  for (const char* tag : {"docker.io/library/committed:1", "docker.io/library/built:1"}) {
    const std::string top = state["images"][state["tags"].value(tag, "")]["diff_ids"].back();
    EXPECT_FALSE(state["layer_content"].contains(top)) << tag << ": " << state.dump();
  }
  auto diff_of = [&](const std::string& diff_id) {
    return images / "layers" / "sha256" / diff_id.substr(7) / "diff";
  };
  // The line `system check` shows for an image.
  auto line_about = [&](const Result& r, const std::string& shown) {
    for (const auto& l : r.out_lines())
      if (l.find("image " + shown) != std::string::npos) return l;
    return std::string("no line about image " + shown + " in:\n" + r.out);
  };
  const std::string why = " does not match its diff ID: a file in it was changed";

  // One byte of busybox in the bottom layer, its size and mtime kept.
  const fs::path busybox = diff_of(diff_ids[0]) / "bin" / "busybox";
  struct stat st {};
  ASSERT_EQ(::stat(busybox.c_str(), &st), 0);
  auto flip = [&] {
    std::fstream f(busybox, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096);
    const char c = static_cast<char>(f.get() ^ 1);
    f.seekp(4096);
    f.put(c);
    f.close();
    const timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, busybox.c_str(), times, 0);
  };
  flip();
  Result changed = lit({"system", "check"});
  EXPECT_EQ(changed.exit_code, 1) << changed;
  // The committed and the built image share that layer: all three are damaged.
  for (const char* tag :
       {kTestImage, "docker.io/library/committed:1", "docker.io/library/built:1"}) {
    const std::string shown = state["tags"].value(tag, "sha256:?").substr(7, 12);
    EXPECT_NE(line_about(changed, shown).find("its layer " + diff_ids[0].substr(7, 12) + why),
              std::string::npos)
        << tag << ": " << line_about(changed, shown);
  }
  EXPECT_NE(changed.err.find("lit: 3 left over"), std::string::npos) << changed;
  Result cannot = lit({"system", "check", "--fix"});
  EXPECT_EQ(cannot.exit_code, 1) << cannot;
  EXPECT_NE(cannot.err.find("hint: remove it with: lit image rm -f " + image + " "),
            std::string::npos)
      << cannot;
  EXPECT_NE(cannot.err.find(" share its damaged layer), then load or pull it again"),
            std::string::npos)
      << cannot;
  flip();  // back as it was
  Result restored = lit({"system", "check"});
  EXPECT_EQ(restored.exit_code, 0) << restored;
  EXPECT_EQ(restored.out, "nothing of lit's is left over\n");

  // A file added to the top layer.
  std::ofstream(diff_of(diff_ids[1]) / "added") << "x";
  Result added = lit({"system", "check"});
  EXPECT_EQ(added.exit_code, 1) << added;
  EXPECT_NE(line_about(added, image).find("its layer " + diff_ids[1].substr(7, 12) + why),
            std::string::npos)
      << line_about(added, image);
  fs::remove(diff_of(diff_ids[1]) / "added");
  Result removed = lit({"system", "check"});
  EXPECT_EQ(removed.exit_code, 0) << removed;
  EXPECT_EQ(removed.out, "nothing of lit's is left over\n");
}

// lit mounts containers' file systems only in their own mount namespaces: one
// found on the host under lit's roots is a leftover; a disk the user mounted
// there is not.
TEST_F(SystemCheckTest, ContainerMountsOnTheHostAreFoundAndUnmounted) {
  const fs::path stray_proc = run_root_ / "stray-proc";
  const fs::path in_container = run_root_ / "containers" / std::string(64, 'd') / "rootfs";
  const fs::path user_disk = root_ / "user-disk";
  for (const auto& dir : {stray_proc, in_container, user_disk}) fs::create_directories(dir);
  ASSERT_EQ(::mount("proc", stray_proc.c_str(), "proc", 0, nullptr), 0) << errno;
  ASSERT_EQ(::mount("tmpfs", in_container.c_str(), "tmpfs", 0, nullptr), 0) << errno;
  ASSERT_EQ(::mount("tmpfs", user_disk.c_str(), "tmpfs", 0, nullptr), 0) << errno;
  auto mounted = [](const fs::path& at) {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);)
      if (line.find(" " + at.string() + " ") != std::string::npos) return true;
    return false;
  };

  Result r = lit({"system", "check", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r;
  const auto found = nlohmann::json::parse(r.out);
  auto has = [&](const fs::path& at, const std::string& why) {
    for (const auto& f : found)
      if (f["Kind"] == "mount" && f["Object"] == at.string() &&
          f["Why"].get<std::string>().find(why) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(has(stray_proc, "proc mount under lit's roots on the host")) << r.out;
  EXPECT_TRUE(has(in_container, "tmpfs mount in a container's directory")) << r.out;
  EXPECT_EQ(r.out.find(user_disk.string()), std::string::npos) << "the user's: " << r.out;

  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;
  EXPECT_FALSE(mounted(stray_proc));
  EXPECT_FALSE(mounted(in_container));
  EXPECT_TRUE(mounted(user_disk));
  ::umount2(user_disk.c_str(), MNT_DETACH);
  fs::remove_all(run_root_ / "containers" / std::string(64, 'd'));
}

// The cgroup tree is the host's, shared by every lit root: an empty cgroup of
// a container that another root's supervisor still watches (it has just
// exited) is not this root's leftover. Once no supervisor has it, it is.
TEST_F(SystemCheckTest, AnEmptyCgroupAnotherRootsSupervisorHoldsIsLeftAlone) {
  const std::string id = runtime::generate_id();
  std::shared_ptr<cgroups::Manager> manager = cgroups::detect();
  if (manager->driver() == "none") GTEST_SKIP() << "no cgroups here: " << manager->why_none();
  std::vector<fs::path> dirs = manager->create(id)->paths();
  for (const auto& dir : dirs) age(dir);
  // A supervisor of another root, as the check sees one: argv[0] lit-shim.
  const pid_t shim = ::fork();
  if (shim == 0) {
    ::setpgid(0, 0);  // its sleep goes with it
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl("/bin/sh", "lit-shim", "-c", "sleep 600; :", "--id", id.c_str(), "--root", "/elsewhere",
            nullptr);
    ::_exit(127);
  }
  ASSERT_GT(shim, 0);
  ASSERT_TRUE(eventually([&] {
    std::ifstream in("/proc/" + std::to_string(shim) + "/cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    return cmd.starts_with(std::string("lit-shim\0", 9));
  }));
  int rc = -1;
  EXPECT_TRUE(findings({id}, rc).empty()) << "its supervisor still runs";

  ::kill(-shim, SIGKILL);
  ::waitpid(shim, nullptr, 0);
  std::vector<nlohmann::json> found = findings({id}, rc);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(has(found, "cgroup", id, "no container has a record of it or a supervisor"))
      << found.size();
  EXPECT_EQ(lit({"system", "check", "--fix"}).exit_code, 0);
  for (const auto& dir : dirs) EXPECT_FALSE(fs::exists(dir)) << dir;
}

// Under the systemd cgroup manager a container's cgroup is a transient scope,
// lit.slice/lit-<id>.scope. A scope of a container whose record is gone or
// that does not run, and an empty one that nothing names, are found and
// stopped over the bus; a running container keeps its scope, and a unit
// whose name lit would not give is never touched. Where no systemd answers,
// --fix removes a scope's directory itself.
TEST_F(SystemCheckTest, SystemdScopesOfNoRunningContainerAreStoppedAndNoOtherUnit) {
  start_systemd();
  if (IsSkipped() || HasFatalFailure()) return;
  std::vector<std::string> ids;
  for (const char* name : {"keep", "lost", "killed"})
    ids.push_back(detach_sh("sleep 600", {"--name", name}));
  ASSERT_EQ(ids.size(), 3u);
  const std::string keep = ids[0], lost = ids[1], killed = ids[2];
  ASSERT_FALSE(keep.empty() || lost.empty() || killed.empty());
  for (const auto& id : ids) ASSERT_TRUE(fs::exists(scope(id))) << scope(id);
  int rc = -1;
  EXPECT_TRUE(findings(ids, rc).empty()) << "all three run: nothing is left over";

  // lost: its record is gone while it runs. killed: its supervisor and init
  // are SIGKILLed, so nobody stops its scope. stray: an empty scope that no
  // record names and no supervisor watches (a lit killed with the container
  // it ran in the foreground, its run root gone).
  const nlohmann::json k = inspect("killed");
  ASSERT_FALSE(k.is_null());
  fs::remove_all(root_ / "containers" / lost);
  ::kill(k["state"]["shim_pid"].get<pid_t>(), SIGKILL);
  ::kill(k["state"]["pid"].get<pid_t>(), SIGKILL);
  ASSERT_TRUE(eventually([&] { return inspect("killed")["state"]["status"] == "exited"; }));
  const std::string stray = runtime::generate_id();
  planted_.push_back(scope(stray));
  // Not lit's names, though alike: lit's ids are 64 lowercase hex digits, its units scopes.
  const std::vector<std::string> others = {"lit-c0ffee.scope",
                                           "lit-" + std::string(64, 'A') + ".scope",
                                           "lit-" + stray.substr(1) + "0.service"};
  for (const auto& name : others) planted_.push_back(cgroup2_ / "lit.slice" / name);
  for (const auto& dir : planted_) ASSERT_TRUE(fs::create_directories(dir)) << dir;
  for (const auto& dir : planted_) age(dir);
  age(scope(lost));
  age(scope(killed));
  age(run_root_ / "containers" / lost);
  ids.push_back(stray);

  Result text = lit({"system", "check"});
  EXPECT_EQ(text.exit_code, 1) << text;
  const std::string unit_lost = "lit-" + lost + ".scope", unit_killed = "lit-" + killed + ".scope",
                    unit_stray = "lit-" + stray + ".scope";
  EXPECT_TRUE(line_of(text, unit_killed).starts_with("systemd scope"))
      << line_of(text, unit_killed);
  EXPECT_NE(line_of(text, unit_killed).find("container killed (exited) does not run"),
            std::string::npos)
      << line_of(text, unit_killed);
  for (const auto& name : others) EXPECT_EQ(text.out.find(name), std::string::npos) << text;
  std::vector<nlohmann::json> found = findings(ids, rc);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(has(found, "systemd scope", unit_lost,
                  "its container " + lost.substr(0, 12) + " has no record"))
      << nlohmann::json(found).dump();
  EXPECT_TRUE(has(found, "process", "lit-shim of " + lost.substr(0, 12), "has no record"));
  EXPECT_TRUE(has(found, "systemd scope", unit_stray,
                  "empty, and no container has a record of it or a supervisor"));
  for (const auto& f : found)
    EXPECT_EQ(f.dump().find(keep.substr(0, 11)), std::string::npos) << "keep runs: " << f;

  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;
  for (const auto& unit : {unit_lost, unit_killed, unit_stray}) {
    EXPECT_TRUE(systemd_->called("StopUnit " + unit))
        << ::testing::PrintToString(systemd_->calls());
    EXPECT_NE(fix.err.find("removed systemd scope " + unit), std::string::npos) << fix;
  }
  for (const auto& id : {lost, killed, stray}) EXPECT_FALSE(fs::exists(scope(id))) << id;
  for (const auto& call : systemd_->calls())
    EXPECT_TRUE(call.starts_with("StartTransientUnit") || call == "StopUnit " + unit_lost ||
                call == "StopUnit " + unit_killed || call == "StopUnit " + unit_stray)
        << call;
  for (const auto& name : others) EXPECT_TRUE(fs::exists(cgroup2_ / "lit.slice" / name)) << name;
  EXPECT_TRUE(findings(ids, rc).empty()) << "after --fix";
  // The one that runs kept its scope.
  EXPECT_EQ(inspect("keep")["state"]["status"], "running");
  EXPECT_FALSE(cgroup_pids(scope(keep)).empty());
  EXPECT_EQ(lit({"container", "exec", "keep", "true"}).exit_code, 0);

  // No systemd on the bus: the scope's directory is removed as lit's own.
  const std::string unanswered = runtime::generate_id();
  planted_.push_back(scope(unanswered));
  ASSERT_TRUE(fs::create_directories(scope(unanswered)));
  age(scope(unanswered));
  systemd_.reset();
  found = findings({unanswered}, rc);
  EXPECT_TRUE(has(found, "systemd scope", "lit-" + unanswered + ".scope", "empty, and no"))
      << nlohmann::json(found).dump();
  Result alone = lit({"system", "check", "--fix"});
  EXPECT_EQ(alone.exit_code, 0) << alone;
  EXPECT_FALSE(fs::exists(scope(unanswered)));
  EXPECT_TRUE(findings({unanswered}, rc).empty());

  start_systemd_again();
  EXPECT_EQ(lit({"container", "rm", "-f", "keep", "killed"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(scope(keep)));
  for (const auto& name : others) ::rmdir((cgroup2_ / "lit.slice" / name).c_str());
}

// --userns auto: the ids each container's user namespace holds are recorded
// in <root>/userns/ranges.json. A range held for a container with no record
// (an rm killed after it removed the record, a create killed before it wrote
// one) is found and freed, to be given out again; the ranges of a running and
// of a stopped container are theirs, and one just taken may be a create's
// that is under way.
TEST_F(SystemCheckTest, UsernsRangesHeldForNoContainerAreFreedButNotAContainersOwn) {
  subids("lit:200000:262144\n");  // four ranges of 65536 ids
  if (HasFatalFailure()) return;
  const std::string keep = detach_sh("sleep 600", {"--name", "keep", "--userns", "auto"});
  ASSERT_FALSE(keep.empty());
  ASSERT_EQ(run({"--name", "stopped", "--userns", "auto", kTestImage, "true"}).exit_code, 0);
  const nlohmann::json stopped_record = inspect("stopped");
  ASSERT_FALSE(stopped_record.is_null());
  const std::string stopped = stopped_record["id"];
  Result created = lit({"container", "create", "--userns", "auto", kTestImage, "true"});
  ASSERT_EQ(created.exit_code, 0) << created;
  const std::string gone = created.out_lines().at(0);

  const fs::path file = root_ / "userns" / "ranges.json";
  auto ranges = [&] { return nlohmann::json::parse(std::ifstream(file)); };
  auto range_of = [&](const std::string& owner) {
    const nlohmann::json now = ranges();
    for (const auto& r : now["ranges"])
      if (r["owner"] == owner) return r;
    return nlohmann::json();
  };
  auto shown = [](const nlohmann::json& r) {  // "uids 331072-396607, gids 331072-396607"
    const unsigned size = r["size"], uid = r["uid"], gid = r["gid"];
    return "uids " + std::to_string(uid) + "-" + std::to_string(uid + size - 1) + ", gids " +
           std::to_string(gid) + "-" + std::to_string(gid + size - 1);
  };
  const nlohmann::json gone_range = range_of(gone);
  ASSERT_FALSE(gone_range.is_null()) << ranges().dump();
  const std::vector<std::string> ids = {keep, stopped, gone};
  int rc = -1;
  EXPECT_TRUE(findings(ids, rc).empty()) << "each range has its container";

  // gone: its rm is killed between removing the record and freeing the range.
  fs::remove_all(root_ / "containers" / gone);
  EXPECT_TRUE(findings(ids, rc).empty()) << "taken just now: a create may be under way";
  // Every range taken long ago, and one that a lit from before (no time) took
  // for a create killed before the record.
  const std::string never = runtime::generate_id();
  nlohmann::json all = ranges();
  for (auto& r : all["ranges"]) r["allocated"] = "2020-01-01T00:00:00Z";
  const nlohmann::json never_range = {
      {"owner", never}, {"uid", 396608}, {"gid", 396608}, {"size", 65536}};
  all["ranges"].push_back(never_range);
  std::ofstream(file) << all.dump();

  Result text = lit({"system", "check"});
  EXPECT_EQ(text.exit_code, 1) << text;
  const std::string line = line_of(text, shown(gone_range));
  EXPECT_TRUE(line.starts_with("userns range")) << line;
  EXPECT_NE(line.find("held for container " + gone.substr(0, 12) + ", which has no record"),
            std::string::npos)
      << line;
  std::vector<nlohmann::json> found = findings({keep, stopped, gone, never}, rc);
  EXPECT_EQ(found.size(), 2u) << nlohmann::json(found).dump();
  EXPECT_TRUE(has(found, "userns range", shown(never_range), never.substr(0, 12)));
  for (const auto& f : found) {
    EXPECT_EQ(f.dump().find(keep.substr(0, 11)), std::string::npos) << "keep runs: " << f;
    EXPECT_EQ(f.dump().find(stopped.substr(0, 11)), std::string::npos) << "stopped: " << f;
  }

  Result fix = lit({"system", "check", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix;
  EXPECT_NE(fix.err.find("removed userns range " + shown(gone_range)), std::string::npos) << fix;
  EXPECT_TRUE(range_of(gone).is_null()) << ranges().dump();
  EXPECT_TRUE(range_of(never).is_null()) << ranges().dump();
  EXPECT_FALSE(range_of(keep).is_null()) << ranges().dump();
  EXPECT_FALSE(range_of(stopped).is_null()) << ranges().dump();
  EXPECT_TRUE(findings({keep, stopped, gone, never}, rc).empty()) << "after --fix";
  // The freed ids are given out again, and the containers kept theirs.
  Result reused = sh("cat /proc/self/uid_map", {"--userns", "auto"});
  EXPECT_EQ(reused.exit_code, 0) << reused;
  EXPECT_NE(reused.out.find(std::to_string(gone_range["uid"].get<unsigned>())), std::string::npos)
      << reused;
  EXPECT_EQ(inspect("keep")["state"]["status"], "running");
  EXPECT_EQ(lit({"container", "start", "stopped"}).exit_code, 0);
  EXPECT_EQ(lit({"container", "rm", "-f", "keep", "stopped"}).exit_code, 0);
  EXPECT_TRUE(ranges()["ranges"].empty()) << ranges().dump();
}

TEST_F(SystemCheckTest, ACleanHostHasNothingLeftOver) {
  Result r = lit({"system", "check"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "nothing of lit's is left over\n");
}

}  // namespace
}  // namespace lit::test
