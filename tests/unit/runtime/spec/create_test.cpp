#include "runtime/spec/create.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>

#include "app/run_flags.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::app {
void add_run_flags(CLI::App& cmd, CreateFlags& f);
}

using namespace lit::runtime;
using lit::app::CreateFlags;
namespace fs = std::filesystem;
using lit::testing::error_of;

namespace {

EnvLookup no_env() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

ContainerRequest req(const CreateFlags& f, const EnvLookup& lookup = no_env()) {
  return lit::app::request_from_flags(f, lookup);
}

// `lit container run`'s checks of every flag, before anything is touched.
void check_flags(const CreateFlags& f) { req(f); }

void write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

lit::image::Image busybox() {
  lit::image::Image img;
  img.id = "sha256:" + std::string(64, 'b');
  img.config.cmd = {"sh"};
  img.config.env = {"PATH=/bin:/usr/bin", "IMG=1"};
  return img;
}

CreateFlags parse_run(std::vector<std::string> argv) {
  CreateFlags f;
  CLI::App app;
  lit::app::add_run_flags(app, f);
  argv.insert(argv.begin(), "run");
  std::vector<const char*> c;
  for (auto& a : argv) c.push_back(a.c_str());
  app.parse(static_cast<int>(c.size()), c.data());
  return f;
}

}  // namespace

TEST(MergeArgs, DockerEntrypointAndCmdCombinations) {
  lit::image::ImageConfig cfg;
  cfg.entrypoint = {"/entry", "-x"};
  cfg.cmd = {"default", "arg"};
  CreateFlags f;
  f.image = "img";
  EXPECT_EQ(merge_args(req(f), cfg), (std::vector<std::string>{"/entry", "-x", "default", "arg"}));
  f.command = {"mine"};
  EXPECT_EQ(merge_args(req(f), cfg), (std::vector<std::string>{"/entry", "-x", "mine"}));
  f.command.clear();
  f.entrypoint = "/other";  // drops the image's Cmd
  EXPECT_EQ(merge_args(req(f), cfg), (std::vector<std::string>{"/other"}));
  f.command = {"a", "b"};
  EXPECT_EQ(merge_args(req(f), cfg), (std::vector<std::string>{"/other", "a", "b"}));
  f.entrypoint = "";  // resets the entrypoint
  EXPECT_EQ(merge_args(req(f), cfg), (std::vector<std::string>{"a", "b"}));
  f.command.clear();
  EXPECT_EQ(error_of([&] { merge_args(req(f), cfg); }),
            "no command specified: --entrypoint is empty and no command follows image img");
  lit::image::ImageConfig empty;
  CreateFlags g;
  g.image = "scratchy";
  EXPECT_NE(error_of([&] { merge_args(req(g), empty); }).find("scratchy"), std::string::npos);
}

TEST(MergeEnv, PrecedenceAndDefaults) {
  lit::TempDir dir(fs::temp_directory_path(), "lit-env-");
  write(dir.path() / "a.env", "A=file-a\nB=file-a\nHOSTVAR\n");
  write(dir.path() / "b.env", "B=file-b\n");
  lit::image::ImageConfig cfg;
  cfg.env = {"A=image", "Z=image"};
  CreateFlags f;
  f.env_files = {(dir.path() / "a.env").string(), (dir.path() / "b.env").string()};
  f.env = {"B=flag", "UNSET", "HOSTVAR"};
  f.tty = true;
  EnvLookup lookup = [](const std::string& k) -> std::optional<std::string> {
    if (k == "HOSTVAR") return "from-lit";
    return std::nullopt;
  };
  auto env = merge_env(req(f, lookup), cfg, "myhost");
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                     "HOSTNAME=myhost", "TERM=xterm", "A=file-a", "Z=image", "B=flag",
                     "HOSTVAR=from-lit"}));
  cfg.env = {"PATH=/custom", "HOSTNAME=fromimage"};
  f = {};
  env = merge_env(req(f), cfg, "h");
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/custom", "HOSTNAME=fromimage"}));
}

class LayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lower = tmp.path() / "lower";
    upper = tmp.path() / "upper";
    write(lower / "etc/passwd",
          "root:x:0:0:root:/root:/bin/sh\n"
          "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
          "app:x:1000:1000:App:/home/app:/bin/sh\n");
    write(lower / "etc/group",
          "root:x:0:\n"
          "wheel:x:10:root,app\n"
          "app:x:1000:\n"
          "audio:x:29:daemon,app\n"
          "staff:x:50:\n");
    fs::create_directories(upper / "etc");
  }
  lit::TempDir tmp{fs::temp_directory_path(), "lit-layers-"};
  fs::path lower, upper;
};

TEST_F(LayersTest, ResolvesNamesIdsAndSupplementaryGroups) {
  std::vector<fs::path> layers{lower, upper};
  auto resolve = [&](std::string_view spec) { return resolve_user(parse_user(spec), layers); };
  auto app = resolve("app");
  EXPECT_EQ(app.uid, 1000u);
  EXPECT_EQ(app.gid, 1000u);
  EXPECT_EQ(app.additional_gids, (std::vector<gid_t>{10, 29}));
  EXPECT_EQ(app.home, "/home/app");

  auto by_uid = resolve("1000");  // numeric uid still finds the entry
  EXPECT_EQ(by_uid.gid, 1000u);
  EXPECT_EQ(by_uid.home, "/home/app");

  auto explicit_group = resolve("app:staff");  // no supplementary groups then
  EXPECT_EQ(explicit_group.gid, 50u);
  EXPECT_TRUE(explicit_group.additional_gids.empty());

  auto numeric = resolve("4242");
  EXPECT_EQ(numeric.uid, 4242u);
  EXPECT_EQ(numeric.gid, 0u);
  EXPECT_EQ(numeric.home, "/");

  auto both = resolve("4242:4343");
  EXPECT_EQ(both.gid, 4343u);

  auto root = resolve_user(UserArg{"0", ""}, layers);  // an image with no User
  EXPECT_EQ(root.uid, 0u);
  EXPECT_EQ(root.home, "/root");
  EXPECT_EQ(root.additional_gids, (std::vector<gid_t>{10}));

  EXPECT_EQ(error_of([&] { resolve("nosuch"); }),
            "unable to find user nosuch: no matching entries in passwd file");
  EXPECT_EQ(error_of([&] { resolve("app:nogroup"); }),
            "unable to find group nogroup: no matching entries in group file");
}

TEST_F(LayersTest, TopMostLayerWinsAndWhiteoutsHide) {
  write(upper / "etc/passwd", "web:x:33:33::/var/www:/bin/sh\n");
  std::vector<fs::path> layers{lower, upper};
  auto resolve = [&](std::string_view spec) { return resolve_user(parse_user(spec), layers); };
  EXPECT_EQ(find_in_layers(layers, "etc/passwd"), upper / "etc/passwd");
  EXPECT_EQ(resolve("web").uid, 33u);
  EXPECT_THROW(resolve("app"), lit::Error);  // the lower passwd is shadowed

  fs::remove(upper / "etc/passwd");
  write(upper / "etc/.wh.passwd", "");  // OCI whiteout
  EXPECT_FALSE(find_in_layers(layers, "etc/passwd").has_value());
  EXPECT_EQ(error_of([&] { resolve("app"); }),
            "unable to find user app: no matching entries in passwd file");
  EXPECT_EQ(resolve("7").uid, 7u);

  fs::remove(upper / "etc/.wh.passwd");
  write(upper / "etc/.wh..wh..opq", "");  // opaque etc/ hides the lower one
  EXPECT_FALSE(find_in_layers(layers, "etc/passwd").has_value());
  fs::remove(upper / "etc/.wh..wh..opq");
  EXPECT_EQ(find_in_layers(layers, "etc/passwd"), lower / "etc/passwd");
  if (::mknod((upper / "etc/passwd").c_str(), S_IFCHR | 0600, makedev(0, 0)) == 0) {
    EXPECT_FALSE(find_in_layers(layers, "etc/passwd").has_value());  // overlay whiteout
  }
}

TEST_F(LayersTest, BuildSpecMergesImageAndFlags) {
  auto img = busybox();
  img.config.working_dir = "/srv";
  img.config.user = "app";
  CreateFlags f;
  f.image = "busybox";
  f.memory = "64m";
  f.cpus = "0.5";
  f.pids_limit = "100";
  f.volumes = {"/host/data:/data:ro", "cache:/cache", "/anon"};
  f.tmpfs = {"/tmp:size=1m"};
  f.labels = {"a=1"};
  f.security_opts = {"no-new-privileges"};
  Identity id{std::string(64, 'a'), "web", "/b/bundle", "/root/volumes"};
  auto plan = build_spec(req(f), img, {lower}, id);
  const auto& s = plan.spec;
  EXPECT_EQ(s.hostname, "aaaaaaaaaaaa");
  EXPECT_EQ(s.process.args, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(s.process.cwd, "/srv");
  EXPECT_EQ(s.process.uid, 1000u);
  EXPECT_EQ(s.process.additional_gids, (std::vector<gid_t>{10, 29}));
  EXPECT_EQ(s.process.env, (std::vector<std::string>{"PATH=/bin:/usr/bin", "HOSTNAME=aaaaaaaaaaaa",
                                                     "IMG=1", "HOME=/home/app"}));
  EXPECT_EQ(s.limits.memory_bytes, 64 << 20);
  EXPECT_EQ(s.limits.pids, 100);
  EXPECT_EQ(s.network, NetworkMode::None);
  EXPECT_TRUE(s.security.no_new_privileges);
  ASSERT_EQ(s.mounts.size(), 4u);
  EXPECT_EQ(s.mounts[0].source, "/host/data");
  EXPECT_EQ(s.mounts[0].options, (std::vector<std::string>{"ro"}));
  EXPECT_EQ(s.mounts[1].source, "/root/volumes/cache/_data");
  ASSERT_EQ(plan.anonymous_volumes.size(), 1u);
  EXPECT_EQ(s.mounts[2].source, "/root/volumes/" + plan.anonymous_volumes[0] + "/_data");
  EXPECT_EQ(plan.volumes, (std::vector<std::string>{"cache", plan.anonymous_volumes[0]}));
  EXPECT_EQ(plan.bind_sources, (std::vector<fs::path>{"/host/data"}));
  EXPECT_EQ(s.mounts[3].type, "tmpfs");
  EXPECT_EQ(plan.labels.at("a"), "1");

  f.user = "0:0";
  f.workdir = "/w";
  f.hostname = "box";
  f.tty = true;
  plan = build_spec(req(f), img, {lower}, id);
  EXPECT_EQ(plan.spec.process.uid, 0u);
  EXPECT_EQ(plan.spec.process.cwd, "/w");
  EXPECT_EQ(plan.spec.hostname, "box");
  EXPECT_TRUE(plan.spec.process.terminal);

  f.hostname.clear();
  f.network = "host";  // docker: the host's name
  plan = build_spec(req(f), img, {lower}, id);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(plan.spec.network, NetworkMode::Host);
  EXPECT_EQ(plan.spec.hostname, host);

  img.config = {};
  img.config.cmd = {"x"};
  plan = build_spec(ContainerRequest{}, img, {lower}, id);
  EXPECT_EQ(plan.spec.process.cwd, "/");
  EXPECT_EQ(plan.spec.process.uid, 0u);
}

TEST(BuildSpec, RejectsDuplicateMountPoints) {
  CreateFlags f;
  f.volumes = {"/a:/data"};
  f.tmpfs = {"/data"};
  Identity id{std::string(64, 'a'), "web", "/b", "/v"};
  EXPECT_NE(
      error_of([&] { build_spec(req(f), busybox(), {}, id); }).find("duplicate mount point /data"),
      std::string::npos);
}

TEST(BuildSpec, ImageMountsGoToTheSpecAndShareTheMountPoints) {
  ContainerRequest r;
  r.image = "img";
  r.command = {"true"};
  Identity id{std::string(64, 'a'), "c", "/b/bundle", "/v"};
  std::vector<ImageMount> mounts = {{"/mnt/img", "alpine", "sha256:bb", {"/l/1"}, "etc"}};
  CreatePlan plan = build_spec(r, busybox(), {}, id, mounts);
  ASSERT_EQ(plan.spec.image_mounts.size(), 1u);
  EXPECT_EQ(plan.spec.image_mounts[0].image_id, "sha256:bb");
  EXPECT_EQ(plan.spec.image_mounts[0].subpath, "etc");
  EXPECT_TRUE(plan.spec.mounts.empty());
  r.tmpfs = {{"/mnt/img", "tmpfs", "tmpfs", {}}};
  EXPECT_EQ(error_of([&] { build_spec(r, busybox(), {}, id, mounts); }),
            "duplicate mount point /mnt/img: given twice by -v/--tmpfs");
}

TEST(CheckFlags, ReportsTheBadFlag) {
  CreateFlags f;
  f.memory = "12q";
  EXPECT_EQ(error_of([&] { check_flags(f); }).rfind("invalid value \"12q\" for flag --memory: ", 0),
            0u);
  f = {};
  f.name = "bad name";
  EXPECT_NE(error_of([&] { check_flags(f); }).find("invalid container name \"bad name\""),
            std::string::npos);
  f = {};
  f.workdir = "rel";
  EXPECT_THROW(check_flags(f), lit::Error);
  f = {};
  f.hostname = "bad_host!";
  EXPECT_THROW(check_flags(f), lit::Error);
  f = {};
  f.cpus = "0.5";
  f.volumes = {"/a:/b"};
  EXPECT_NO_THROW(check_flags(f));
}

TEST(CheckFlags, NamespacesAndVolumesFromAsDockerTakesThem) {
  CreateFlags f;
  f.pid = "container:db";
  f.ipc = "shareable";
  f.uts = "host";
  f.volumes_from = {"db", "data:ro"};
  ContainerRequest r = req(f);
  EXPECT_EQ(r.pid, (NamespaceShare{NamespaceMode::Container, "db"}));
  EXPECT_EQ(r.ipc.mode, NamespaceMode::Shareable);
  EXPECT_EQ(r.uts.mode, NamespaceMode::Host);
  ASSERT_EQ(r.volumes_from.size(), 2u);
  EXPECT_EQ(r.volumes_from[0].container, "db");
  EXPECT_FALSE(r.volumes_from[0].read_only);
  EXPECT_EQ(r.volumes_from[1].container, "data");
  EXPECT_EQ(r.volumes_from[1].read_only, true);
  // Host's UTS: the host's name, as docker.
  Identity id{std::string(64, 'a'), "web", "/b", "/v"};
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(build_spec(r, busybox(), {}, id).spec.hostname, host);
  f.hostname = "web";
  EXPECT_EQ(error_of([&] { check_flags(f); }), "conflicting options: hostname and the UTS mode");
  f = {};
  f.pid = "shareable";
  EXPECT_EQ(error_of([&] { check_flags(f); }), "--pid: invalid PID mode \"shareable\"");
  f = {};
  f.uts = "container:x";
  EXPECT_EQ(error_of([&] { check_flags(f); }), "--uts: invalid UTS mode \"container:x\"");
  f = {};
  f.volumes_from = {"db:z"};
  EXPECT_EQ(error_of([&] { check_flags(f); }),
            "invalid value \"db:z\" for flag --volumes-from: mode z is not ro or rw");
}

TEST(CheckFlags, ContainerNetworkModeRefusesWhatBelongsToTheTarget) {
  CreateFlags f;
  f.network = "container:web";
  EXPECT_NO_THROW(check_flags(f));
  f.publish = {"8080:80"};
  EXPECT_EQ(error_of([&] { check_flags(f); }),
            "conflicting options: port publishing and the container type network mode");
  f.publish.clear();
  f.dns = {"1.1.1.1"};
  EXPECT_EQ(error_of([&] { check_flags(f); }),
            "conflicting options: dns and the container type network mode");
}

TEST(BuildSpec, ContentFilesAreMountedReadOnlyFromTheBundle) {
  ContainerRequest r;
  r.image = "img";
  r.command = {"true"};
  r.content_files = {{"/run/secrets/token", "s3cret", 0400, {}, {}},
                     {"/etc/app.conf", "a=1\n", 0444, {}, {}}};
  Identity id{std::string(64, 'a'), "c", "/b/bundle", "/v"};
  CreatePlan plan = build_spec(r, busybox(), {}, id);
  ASSERT_EQ(plan.content_files.size(), 2u);
  EXPECT_EQ(plan.content_files[0].first, fs::path("/b/bundle/files/0"));
  EXPECT_EQ(plan.content_files[1].second.content, "a=1\n");
  bool found = false;
  for (const auto& m : plan.spec.mounts)
    if (m.destination == "/run/secrets/token") {
      found = true;
      EXPECT_EQ(m.source, "/b/bundle/files/0");
      EXPECT_EQ(m.options, (std::vector<std::string>{"ro"}));
    }
  EXPECT_TRUE(found);
}

TEST(RunFlags, EverythingAfterImageBelongsToTheContainer) {
  auto f =
      parse_run({"--rm", "-e", "A=1", "-e", "B", "-it", "busybox", "ls", "-l", "--rm", "-e", "x"});
  EXPECT_TRUE(f.auto_remove);
  EXPECT_TRUE(f.interactive);
  EXPECT_TRUE(f.tty);
  EXPECT_EQ(f.env, (std::vector<std::string>{"A=1", "B"}));
  EXPECT_EQ(f.image, "busybox");
  EXPECT_EQ(f.command, (std::vector<std::string>{"ls", "-l", "--rm", "-e", "x"}));

  f = parse_run(
      {"-v", "/a:/b", "-v", "/c:/d", "--name", "web", "-h", "box", "--entrypoint", "", "img"});
  EXPECT_EQ(f.volumes, (std::vector<std::string>{"/a:/b", "/c:/d"}));
  EXPECT_EQ(f.hostname, "box");
  EXPECT_EQ(f.name, "web");
  ASSERT_TRUE(f.entrypoint.has_value());
  EXPECT_EQ(*f.entrypoint, "");
  EXPECT_TRUE(f.command.empty());

  f = parse_run({"img", "sh", "-c", "echo hi"});
  EXPECT_FALSE(f.entrypoint.has_value());
  EXPECT_EQ(f.command, (std::vector<std::string>{"sh", "-c", "echo hi"}));

  EXPECT_THROW(parse_run({"--rm"}), CLI::ParseError);  // IMAGE is required
}
