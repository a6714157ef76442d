// `lit container run`: what the process inside sees and what the user gets
// back (output, exit status, records), plus rejected input.
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(RunTest, ProcessIsPid1) {
  Result r = sh("echo $$");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1\n") << r;
}

TEST_F(RunTest, HostProcessesAreInvisible) {
  // A glob forks nothing: what it lists is every process the container can see.
  Result r = sh("set -- /proc/[0-9]*; echo $#; echo $@");
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 2u) << r;
  EXPECT_EQ(lines[0], "1") << "only the shell itself should be visible\n" << r;
  EXPECT_EQ(lines[1], "/proc/1") << r;
}

TEST_F(RunTest, HostnameFromFlag) {
  Result r = sh("hostname", {"--hostname", "web-1"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "web-1\n") << r;
}

TEST_F(RunTest, DefaultHostnameIsIdPrefix) {
  Result r = run({"--name", "named", kTestImage, "hostname"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto ids = container_ids();
  ASSERT_EQ(ids.size(), 1u);
  std::string host = r.out_lines().at(0);
  EXPECT_EQ(host.size(), 12u) << r;
  EXPECT_TRUE(ids.begin()->starts_with(host)) << "id " << *ids.begin() << " hostname " << host;
  EXPECT_EQ(lit({"container", "rm", "named"}).exit_code, 0);
}

TEST_F(RunTest, WritesStayInTheContainersUpperDir) {
  Result first = run({"--name", "writer", kTestImage, "sh", "-c", "echo written > /data/new.txt"});
  ASSERT_EQ(first.exit_code, 0) << first;
  Result second = sh("test -e /data/new.txt && echo LEAKED; cat /data/keep.txt");
  EXPECT_EQ(second.exit_code, 0) << second;
  EXPECT_EQ(second.out, "kept from layer 1\n") << second;

  auto ids = container_ids();
  ASSERT_EQ(ids.size(), 1u) << "--rm container left a record, or writer has none";
  fs::path found;
  for (const auto& e : fs::recursive_directory_iterator(root_ / "containers" / *ids.begin()))
    if (e.path().filename() == "new.txt" && e.path().parent_path().filename() == "data")
      found = e.path();
  ASSERT_FALSE(found.empty()) << "new.txt not in the container's upper dir";
  EXPECT_EQ(read_text(found), "written\n");

  Result rm = lit({"container", "rm", "writer"});
  EXPECT_EQ(rm.exit_code, 0) << rm;
  EXPECT_TRUE(container_ids().empty()) << "rm left the record";
}

// The image has no /etc/hostname, hosts or resolv.conf: lit's shared init
// layer holds their mount points, so nothing is copied up for them, and the
// files lit generates live in the run directory until the container is removed.
TEST_F(RunTest, EtcFilesNeedNoCopyUpAndGoWithTheContainer) {
  Result r = run({"--name", "etc", "--hostname", "etc-host", kTestImage, "sh", "-c",
                  "cat /etc/hostname; grep -c localhost /etc/hosts; test -f /etc/resolv.conf"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out_lines().at(0), "etc-host") << r;
  auto ids = container_ids();
  ASSERT_EQ(ids.size(), 1u);
  const std::string id = *ids.begin();
  fs::path upper = root_ / "containers" / id / "upper";
  ASSERT_TRUE(fs::is_directory(upper));
  EXPECT_TRUE(fs::is_empty(upper)) << "something was copied up into " << upper;
  EXPECT_EQ(read_text(run_root_ / "containers" / id / "hostname"), "etc-host\n");
  EXPECT_EQ(lit({"container", "rm", "etc"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(run_root_ / "containers" / id)) << "rm left the run directory";
}

// A foreground --rm container keeps its record in the run root while it runs
// (ls and kill find it as any other); on disk it has only its writable
// layer. After it exits neither is left.
TEST_F(RunTest, ForegroundRmRecordLivesInTheRunRootAndGoes) {
  RunOptions opts;
  opts.timeout = 30s;
  bool checked = false;
  std::string listed, layer_entries, id;
  opts.on_stdout = [&](pid_t, const std::string& out) {
    if (checked || out.find("ready") == std::string::npos) return;
    checked = true;
    listed = lit({"container", "ls", "--format", "json"}).out;
    for (const auto& e : fs::directory_iterator(run_root_ / "containers"))
      if (fs::exists(e.path() / "container.json")) id = e.path().filename().string();
    std::set<std::string> entries;
    if (!id.empty())
      for (const auto& e : fs::directory_iterator(root_ / "containers" / id))
        entries.insert(e.path().filename().string());
    for (const auto& e : entries) layer_entries += e + " ";
    lit({"container", "kill", "scratch"});
  };
  Result r = sh("echo ready; sleep 20", {"--name", "scratch"}, opts);
  ASSERT_TRUE(checked) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 137) << r;
  EXPECT_NE(listed.find("\"scratch\""), std::string::npos) << listed;
  ASSERT_EQ(id.size(), 64u) << listed;
  EXPECT_EQ(layer_entries, "upper work ") << "on disk in the container's directory";
  EXPECT_FALSE(fs::exists(root_ / "containers" / id));
  EXPECT_FALSE(fs::exists(run_root_ / "containers" / id));
}

constexpr const char* kWhiteoutScript =
    "ls /etc/opaque-dir; cat /etc/layer2.txt;"
    "test -e /etc/lower-only.txt && echo PRESENT || echo ABSENT";
constexpr const char* kWhiteoutExpected = "new.txt\nadded by layer 2\nABSENT\n";

TEST_F(RunTest, WhiteoutsAndOpaqueDirsAreHonoured) {
  Result r = sh(kWhiteoutScript);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, kWhiteoutExpected) << r;
}

// The OCI archive's top layer is zstd-compressed: same result expected.
TEST_F(LitTest, WhiteoutsHonouredInOciImage) {
  Result load = lit({"image", "load", "-i", fixture("busybox-oci.tar").string()});
  ASSERT_EQ(load.exit_code, 0) << load;
  Result r = run({"--rm", kTestImage, "sh", "-c", kWhiteoutScript});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, kWhiteoutExpected) << r;
}

TEST_F(RunTest, ExitStatusPropagates) {
  EXPECT_EQ(sh("exit 3").exit_code, 3);
  EXPECT_EQ(sh("exit 0").exit_code, 0);
  Result missing = run({"--rm", kTestImage, "/no/such/binary"});
  EXPECT_NE(missing.exit_code, 0) << missing;
  EXPECT_NE(missing.exit_code, 125)
      << "exec failure inside is not lit's own failure (docker: 127)\n"
      << missing;
}

TEST_F(RunTest, SigtermToLitReachesTheContainer) {
  RunOptions opts;
  bool sent = false;
  opts.timeout = 30s;
  opts.on_stdout = [&](pid_t pid, const std::string& out) {
    if (!sent && out.find("ready") != std::string::npos) {
      kill(pid, SIGTERM);
      sent = true;
    }
  };
  Result r = sh("trap 'echo got-term; exit 42' TERM; sleep 100 & echo ready; wait", {}, opts);
  EXPECT_TRUE(sent) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 42) << r;
  EXPECT_NE(r.out.find("got-term"), std::string::npos) << r;
}

TEST_F(RunTest, EnvironmentFromImageFlagsAndFile) {
  fs::path env_file = base_ / "vars.env";
  std::ofstream(env_file) << "# a comment\nFROM_FILE=file value\n\nOVERRIDE=from-file\n";
  Result r = sh("echo \"$LIT_IMAGE_VAR|$FROM_FLAG|$FROM_FILE|$OVERRIDE|$PATH\"",
                {"-e", "FROM_FLAG=flag", "--env-file", env_file.string(), "-e", "OVERRIDE=flag"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            "from-image|flag|file value|flag|"
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
      << r;
  Result over = sh("echo $LIT_IMAGE_VAR", {"-e", "LIT_IMAGE_VAR=mine"});
  EXPECT_EQ(over.out, "mine\n") << over;
}

TEST_F(RunTest, MissingEnvFileIsLitError) {
  Result r = sh("true", {"--env-file", (base_ / "absent.env").string()});
  expect_lit_error(r, "absent.env");
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(RunTest, WorkingDirectory) {
  EXPECT_EQ(sh("pwd").out, "/data\n");  // the image's WorkingDir
  EXPECT_EQ(sh("pwd", {"-w", "/tmp"}).out, "/tmp\n");
  Result created = sh("pwd", {"-w", "/made/by/lit"});
  EXPECT_EQ(created.exit_code, 0) << created;
  EXPECT_EQ(created.out, "/made/by/lit\n") << created;
}

TEST_F(RunTest, RunsAsUser) {
  Result r =
      sh("id -u; id -g; touch /root/x 2>/dev/null && echo WROTE-ROOT; echo ok > /tmp/x && "
         "cat /tmp/x",
         {"-u", "1000"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1000\n1000\nok\n") << r;
  Result both = sh("id -u; id -g", {"-u", "65534:1000"});
  EXPECT_EQ(both.out, "65534\n1000\n") << both;
}

TEST_F(RunTest, EntrypointAndDefaultCmd) {
  Result ep = run({"--rm", "--entrypoint", "echo", kTestImage, "hello", "world"});
  EXPECT_EQ(ep.exit_code, 0) << ep;
  EXPECT_EQ(ep.out, "hello world\n") << ep;
  // No command: the image's Cmd ["sh"] reads its script from stdin with -i.
  RunOptions opts;
  opts.stdin_data = "echo from-stdin; exit 7\n";
  Result def = run({"--rm", "-i", kTestImage}, opts);
  EXPECT_EQ(def.exit_code, 7) << def;
  EXPECT_EQ(def.out, "from-stdin\n") << def;
}

TEST_F(RunTest, ReadOnlyVolume) {
  fs::path dir = base_ / "vol";
  fs::create_directories(dir);
  std::ofstream(dir / "hello.txt") << "from host\n";
  Result r = sh("cat /mnt/hello.txt; echo x > /mnt/new.txt 2>/dev/null; echo rc=$?",
                {"-v", dir.string() + ":/mnt:ro"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.find("from host\n"), 0u) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << "write to a :ro volume succeeded\n" << r;
  EXPECT_FALSE(fs::exists(dir / "new.txt"));
}

TEST_F(RunTest, ReadWriteVolume) {
  fs::path dir = base_ / "vol";
  fs::create_directories(dir);
  Result r = sh("echo from container > /mnt/out.txt", {"-v", dir.string() + ":/mnt"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(read_text(dir / "out.txt"), "from container\n");
}

TEST_F(RunTest, TmpfsMount) {
  Result r =
      sh("grep ' /scratch ' /proc/mounts | cut -d' ' -f3; echo x > /scratch/f && cat "
         "/scratch/f",
         {"--tmpfs", "/scratch"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "tmpfs\nx\n") << r;
}

TEST_F(RunTest, ContainerLsInspectRm) {
  ASSERT_EQ(run({"--name", "done", kTestImage, "sh", "-c", "exit 5"}).exit_code, 5);
  Result ls = lit({"container", "ls"});
  EXPECT_EQ(ls.exit_code, 0) << ls;
  EXPECT_EQ(ls.out.find("done"), std::string::npos) << "exited container in ls without -a\n" << ls;
  Result all = lit({"container", "ls", "-a"});
  EXPECT_NE(all.out.find("done"), std::string::npos) << all;

  Result inspect = lit({"container", "inspect", "done"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect;
  auto js = nlohmann::json::parse(inspect.out, nullptr, false);
  ASSERT_TRUE(js.is_array() && js.size() == 1) << inspect;
  EXPECT_EQ(js[0]["state"]["exit_code"], 5) << inspect;
  EXPECT_EQ(js[0]["state"]["oom_killed"], false) << inspect;

  EXPECT_EQ(lit({"container", "rm", "done"}).exit_code, 0);
  EXPECT_EQ(lit({"container", "ls", "-a"}).out.find("done"), std::string::npos);
  expect_lit_error(lit({"container", "inspect", "done"}), "done");
}

TEST_F(RunTest, RmFlagRemovesRecord) {
  EXPECT_EQ(sh("true").exit_code, 0);
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(RunTest, DuplicateNameIsRejected) {
  ASSERT_EQ(run({"--name", "twin", kTestImage, "true"}).exit_code, 0);
  Result again = run({"--name", "twin", kTestImage, "true"});
  expect_lit_error(again, "twin");
  EXPECT_EQ(container_ids().size(), 1u);
  EXPECT_EQ(lit({"container", "rm", "twin"}).exit_code, 0);
}

TEST_F(LitTest, UnknownImageIsOneLineErrorAndLeavesNothing) {
  Result r = run({"--rm", "nosuch/image:v9", "true"});
  expect_lit_error(r, "nosuch/image");
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(RunTest, BadMemoryValueIsOneLineErrorAndLeavesNothing) {
  auto store = store_snapshot();
  Result r = sh("echo SHOULD-NOT-RUN", {"--memory", "12q"});
  expect_lit_error(r, "12q");
  EXPECT_EQ(r.out.find("SHOULD-NOT-RUN"), std::string::npos) << r;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_EQ(store_snapshot(), store);
}

}  // namespace
}  // namespace lit::test
