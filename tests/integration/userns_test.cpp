// --userns auto end to end: the container's root is the first id of a range
// from lit's /etc/subuid and /etc/subgid entries (the test's own files, bound
// over those in its private mount namespace), its image's files (shared layers,
// id-mapped, not copied; copied with shifted ids only where the filesystem
// cannot id-map) appear owned by root, what it writes lands in its
// upper layer as host ids of its range, each container has its own range, a
// restart keeps it and `rm` frees it; exec and health checks run inside it.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

constexpr unsigned kBase = 200000, kSize = 65536;

class UsernsTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Four containers' worth of ids for lit, and an entry of someone else's.
    subids("alice:100000:65536\nlit:200000:262144\n");
  }

  void TearDown() override {
    for (const char* f : {"/etc/subuid", "/etc/subgid"})
      while (::umount2(f, MNT_DETACH) == 0) {
      }
    RunTest::TearDown();
  }

  void subids(const std::string& text) {
    for (const char* name : {"subuid", "subgid"}) {
      const fs::path file = base_ / name;
      std::ofstream(file) << text;
      const std::string target = std::string("/etc/") + name;
      ASSERT_EQ(::mount(file.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), 0)
          << "bind " << file << " over " << target << ": " << std::strerror(errno);
    }
  }

  // "0 200000 65536": a uid_map line, its columns single-spaced.
  static std::string squeeze(const std::string& text) {
    std::istringstream in(text);
    std::string out, word;
    while (in >> word) out += (out.empty() ? "" : " ") + word;
    return out;
  }

  Result exec(const std::string& container, const std::string& script) {
    return lit({"container", "exec", container, "sh", "-c", script});
  }

  std::string uid_map(const std::string& container) {
    return squeeze(exec(container, "cat /proc/self/uid_map").out);
  }

  struct stat host_stat(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
  }

  fs::path upper(const std::string& id) { return root_ / "containers" / id / "upper"; }
};

TEST_F(UsernsTest, RootIsTheFirstIdOfItsRange) {
  Result r =
      sh("cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; id -g", {"--userns", "auto"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 4u) << r;
  EXPECT_EQ(squeeze(lines[0]), "0 200000 65536");
  EXPECT_EQ(squeeze(lines[1]), "0 200000 65536");
  EXPECT_EQ(lines[2], "0");
  EXPECT_EQ(lines[3], "0");
  // auto:size=N maps N ids.
  r = sh("cat /proc/self/uid_map", {"--userns", "auto:size=1000"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(squeeze(r.out), "0 200000 1000");
  // A `run --rm` in the foreground keeps its range in the run root: nothing on disk.
  EXPECT_FALSE(fs::exists(root_ / "userns" / "ranges.json"));
}

TEST_F(UsernsTest, HostIsTheDefault) {
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{}, std::vector<std::string>{"--userns", "host"}}) {
    Result r = sh("cat /proc/self/uid_map", flags);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(squeeze(r.out), "0 0 4294967295");
  }
}

TEST_F(UsernsTest, ImageFilesAreRootsAndItsFilesAreItsRangesOnTheHost) {
  Result r = run({"--name", "writer", "--userns", "auto", kTestImage, "sh", "-c",
                  "stat -c '%u:%g' /bin/busybox /etc; echo hi > /created; mkdir /made; "
                  "chown 1000:1000 /made; "
                  "stat -c '%u:%g' /created"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0:0\n0:0\n0:0\n");
  auto ids = container_ids();
  ASSERT_EQ(ids.size(), 1u);
  const std::string id = *ids.begin();
  EXPECT_EQ(host_stat(upper(id) / "created").st_uid, kBase);
  EXPECT_EQ(host_stat(upper(id) / "created").st_gid, kBase);
  EXPECT_EQ(host_stat(upper(id) / "made").st_uid, kBase + 1000);
  EXPECT_EQ(host_stat(upper(id) / "made").st_gid, kBase + 1000);
  // The layers were not copied or chowned: no file of the store has an id of the range.
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_ / "images")) {
    EXPECT_LT(host_stat(e.path()).st_uid, kBase) << e.path();
    ++files;
  }
  EXPECT_GT(files, 10u);
  EXPECT_EQ(lit({"container", "rm", "writer"}).exit_code, 0);
}

TEST_F(UsernsTest, EachContainerHasItsOwnRangeKeptOverARestartAndFreedByRm) {
  std::string one = detach_sh("sleep 600", {"--name", "one", "--userns", "auto"});
  std::string two = detach_sh("sleep 600", {"--name", "two", "--userns", "auto"});
  ASSERT_FALSE(one.empty());
  ASSERT_FALSE(two.empty());
  EXPECT_EQ(uid_map("one"), "0 200000 65536");
  EXPECT_EQ(uid_map("two"), "0 265536 65536");
  // exec runs as the container's root, in its namespace, writing as its range.
  EXPECT_EQ(exec("one", "id -u; touch /from-exec").out, "0\n");
  EXPECT_EQ(host_stat(upper(one) / "from-exec").st_uid, kBase);

  ASSERT_EQ(lit({"container", "stop", "-t", "1", "one"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "start", "one"}).exit_code, 0);
  EXPECT_EQ(uid_map("one"), "0 200000 65536");
  // Its files are still its own: it can write to them.
  EXPECT_EQ(exec("one", "echo again >> /from-exec && stat -c %u /from-exec").out, "0\n");

  ASSERT_EQ(lit({"container", "rm", "-f", "one"}).exit_code, 0);
  std::string three = detach_sh("sleep 600", {"--name", "three", "--userns", "auto"});
  EXPECT_FALSE(three.empty());
  EXPECT_EQ(uid_map("three"), "0 200000 65536");  // one's range, freed
  EXPECT_EQ(uid_map("two"), "0 265536 65536");
  EXPECT_EQ(lit({"container", "rm", "-f", "two", "three"}).exit_code, 0);
}

// cp in gives the container's root the files (not the host's root, which it
// would see as nobody); cp out and commit show the ids the container sees.
TEST_F(UsernsTest, CpAndCommitUseTheIdsTheContainerSees) {
  std::string id = detach_sh("echo made > /made; chown 5:6 /made; sleep 600",
                             {"--name", "box", "--userns", "auto"});
  ASSERT_FALSE(id.empty());
  const fs::path file = base_ / "from-host";
  std::ofstream(file) << "hello\n";
  ASSERT_EQ(lit({"container", "cp", file.string(), "box:/copied"}).exit_code, 0);
  EXPECT_EQ(exec("box", "stat -c %u:%g /copied; cat /copied").out, "0:0\nhello\n");
  EXPECT_EQ(host_stat(upper(id) / "copied").st_uid, kBase);
  // -a keeps the source's ids, as the container sees them.
  ASSERT_EQ(::chown(file.c_str(), 7, 8), 0);
  ASSERT_EQ(lit({"container", "cp", "-a", file.string(), "box:/kept"}).exit_code, 0);
  EXPECT_EQ(exec("box", "stat -c %u:%g /kept").out, "7:8\n");
  EXPECT_EQ(host_stat(upper(id) / "kept").st_uid, kBase + 7);
  ASSERT_TRUE(eventually([&] { return exec("box", "cat /made").out == "made\n"; }));

  Result commit = lit({"container", "commit", "box", "localhost/userns-commit"});
  ASSERT_EQ(commit.exit_code, 0) << commit;
  // Without a user namespace, the committed files have the ids box saw.
  Result r = run({"--rm", "localhost/userns-commit", "stat", "-c", "%u:%g", "/copied", "/made"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0:0\n5:6\n");
  EXPECT_EQ(lit({"container", "rm", "-f", "box"}).exit_code, 0);
  EXPECT_EQ(lit({"image", "rm", "localhost/userns-commit"}).exit_code, 0);
}

// `cp -` (a tar on stdin) keeps the tar's ids as the container sees them:
// moved into its range on the host, as `cp -a` does.
TEST_F(UsernsTest, CpOfATarOnStdinGivesTheTarsIdsAsTheContainerSeesThem) {
  ASSERT_FALSE(
      detach_sh("echo hi > /f; chown 7:8 /f; mkdir /d; sleep 600", {"--name", "src"}).empty());
  std::string id = detach_sh("mkdir /in; sleep 600", {"--name", "box", "--userns", "auto"});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return exec("src", "cat /f").out == "hi\n"; }));
  Result tar = lit({"container", "cp", "src:/f", "-"});
  ASSERT_EQ(tar.exit_code, 0) << tar;
  ASSERT_TRUE(eventually([&] { return exec("box", "test -d /in && echo y").out == "y\n"; }));
  RunOptions in;
  in.stdin_data = tar.out;
  Result cp = lit({"container", "cp", "-", "box:/in"}, in);
  ASSERT_EQ(cp.exit_code, 0) << cp;
  EXPECT_EQ(exec("box", "stat -c %u:%g /in/f; cat /in/f").out, "7:8\nhi\n");
  EXPECT_EQ(host_stat(upper(id) / "in" / "f").st_uid, kBase + 7);
  EXPECT_EQ(host_stat(upper(id) / "in" / "f").st_gid, kBase + 8);
  EXPECT_EQ(lit({"container", "rm", "-f", "src", "box"}).exit_code, 0);
}

TEST_F(UsernsTest, HealthCheckRunsInTheContainersUserNamespace) {
  detach_sh("sleep 600", {"--name", "doc", "--userns", "auto", "--health-cmd",
                          "test \"$(id -u)\" = 0 && grep -q 200000 /proc/self/uid_map",
                          "--health-interval", "200ms"});
  auto healthy = [&] {
    Result r = lit({"container", "ls", "--format", "{{.Status}}"});
    return r.out.find("(healthy)") != std::string::npos;
  };
  EXPECT_TRUE(eventually(healthy)) << lit({"container", "inspect", "doc"}).out;
  EXPECT_EQ(lit({"container", "rm", "-f", "doc"}).exit_code, 0);
}

TEST_F(UsernsTest, VolumesBindsShowHostRootAsNobodyNamedVolumesAreTheContainers) {
  const fs::path shared = base_ / "shared";
  fs::create_directories(shared);
  std::ofstream(shared / "root-file") << "x";
  Result r = sh("stat -c %u /shared/root-file; touch /data/mine && stat -c %u /data/mine",
                {"--userns", "auto", "-v", shared.string() + ":/shared", "-v", "data:/data"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "65534\n0\n");
  EXPECT_EQ(host_stat(root_ / "volumes" / "data" / "_data" / "mine").st_uid, kBase);
}

TEST_F(UsernsTest, NoSubuidEntryIsOneLineSayingWhatToAdd) {
  subids("alice:100000:65536\n");
  Result r = sh("true", {"--userns", "auto"});
  EXPECT_EQ(r.exit_code, 125) << r;
  auto lines = r.err_lines();
  ASSERT_GE(lines.size(), 1u) << r;
  EXPECT_NE(lines[0].find("/etc/subuid has no range for user \"lit\""), std::string::npos) << r;
  EXPECT_NE(r.err.find("lit:100000:"), std::string::npos) << r;
  EXPECT_EQ(lit({"container", "ls", "-a", "-q"}).out, "");  // nothing half-made
}

TEST_F(UsernsTest, MalformedSubuidNamesTheLine) {
  subids("lit:200000\n");
  Result r = sh("true", {"--userns", "auto"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("/etc/subuid:1: malformed line \"lit:200000\""), std::string::npos) << r;
}

TEST_F(UsernsTest, JoiningTheHostsPidNamespaceIsRefused) {
  Result r = sh("true", {"--userns", "auto", "--pid", "host"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("conflicting options: --userns auto and --pid host"), std::string::npos)
      << r;
}

// Where the layers' filesystem cannot id-map mounts (ramfs: mount_setattr
// gives EINVAL), the container runs on copies of its layers with their ids
// shifted into its range, made once per range and removed with it. lit's
// root is a ramfs mounted in the test's own mount namespace (outside base_,
// which the leak check would take it for a leaked mount in). ramfs has no
// xattrs, so its layers can hold no opaque directory: the image is the flat
// rootfs plus a committed layer with a whiteout.
class UsernsCopyTest : public UsernsTest {
 protected:
  void SetUp() override {
    UsernsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    char tmpl[] = "/tmp/lit-ramfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr) << std::strerror(errno);
    ram_ = tmpl;
    ASSERT_EQ(::mount("ramfs", ram_.c_str(), "ramfs", 0, "mode=0755"), 0) << std::strerror(errno);
    root_ = ram_ / "root";
    Result r = lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "flat:1"});
    ASSERT_EQ(r.exit_code, 0) << r;
    // A second layer: a whiteout of /data/keep.txt and a setuid file.
    r = run({"--name", "layered", "flat:1", "sh", "-c",
             "rm /data/keep.txt && touch /bin/suid && chmod 4755 /bin/suid"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = lit({"container", "commit", "layered", "layered:1"});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_EQ(lit({"container", "rm", "layered"}).exit_code, 0);
  }

  void TearDown() override {
    UsernsTest::TearDown();
    if (ram_.empty()) return;
    EXPECT_EQ(::umount2(ram_.c_str(), MNT_DETACH), 0) << std::strerror(errno);
    ::rmdir(ram_.c_str());
  }

  fs::path copies(unsigned base) const {
    return root_ / "userns-layers" /
           (std::to_string(base) + "-" + std::to_string(base) + "-" + std::to_string(kSize));
  }

  fs::path ram_;
};

TEST_F(UsernsCopyTest, LayersAreCopiedWithShiftedIdsOncePerRangeAndRemovedByRm) {
  // What the container sees is what an id-mapped mount would show. (A
  // foreground run: the start's debug lines reach its stderr.)
  Result r = lit({"--log-level", "debug", "container", "run", "--rm", "--userns", "auto",
                  "layered:1", "sh", "-c",
                  "stat -c %u:%g /bin/busybox /etc/passwd /home/app; stat -c %a /bin/suid /tmp; "
                  "test -e /data/keep.txt || echo hidden; id -u; touch /mine; stat -c %u /mine"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0:0\n0:0\n1000:1000\n4755\n1777\nhidden\n0\n0\n");
  EXPECT_NE(r.err.find("cannot id-map mounts (Invalid argument): using a copy with its ids "
                       "shifted into the range"),
            std::string::npos)
      << r;
  EXPECT_FALSE(fs::exists(copies(kBase)));  // gone with the --rm container's range

  r = run({"-d", "--name", "one", "--userns", "auto", "layered:1", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(exec("one", "stat -c %u /bin/busybox; id -u").out, "0\n0\n");

  // The shared layers on disk are the host's, untouched; the copies are the range's.
  std::size_t layers = 0;
  for (const auto& e : fs::directory_iterator(root_ / "images" / "layers" / "sha256")) {
    EXPECT_EQ(host_stat(e.path() / "diff" / "bin").st_uid, 0u) << e.path();
    ++layers;
  }
  EXPECT_EQ(layers, 2u);
  const fs::path dir = copies(kBase);
  std::size_t copied = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".tmp-")) << e.path();  // no half copy
    EXPECT_EQ(host_stat(e.path()).st_uid, kBase) << e.path();
    ++copied;
  }
  EXPECT_GE(copied, 2u);  // both image layers (and the init layer)
  const ino_t inode = host_stat(dir / fs::directory_iterator(dir)->path().filename()).st_ino;

  // A restart runs in the same range, on the same copies.
  ASSERT_EQ(lit({"container", "stop", "-t", "1", "one"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "start", "one"}).exit_code, 0);
  EXPECT_EQ(host_stat(dir / fs::directory_iterator(dir)->path().filename()).st_ino, inode);
  EXPECT_EQ(exec("one", "stat -c %u /bin/busybox").out, "0\n");

  // Another container has its own range, and copies of its own.
  r = run({"-d", "--name", "two", "--userns", "auto", "layered:1", "sleep", "600"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(uid_map("two"), "0 265536 65536");
  EXPECT_EQ(exec("two", "stat -c %u /bin/busybox").out, "0\n");
  EXPECT_TRUE(fs::is_directory(copies(kBase + kSize)));

  ASSERT_EQ(lit({"container", "rm", "-f", "one"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::is_directory(copies(kBase + kSize)));
  ASSERT_EQ(lit({"container", "rm", "-f", "two"}).exit_code, 0);
  EXPECT_TRUE(fs::is_empty(root_ / "userns-layers"));
}

}  // namespace
}  // namespace lit::test
