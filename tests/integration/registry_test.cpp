// `lit image pull`, `lit login/logout` and pulls on demand against real
// registries on 127.0.0.1 inside the test's network namespace: Debian's
// docker-registry (plain, and behind htpasswd basic auth), seeded by skopeo
// with the busybox fixture, and a small bearer-token registry
// (registry_helper.py fake-registry) that also cuts transfers halfway; and
// `lit image push` / `lit push` read back by skopeo and pulled again.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/registry_fixture.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

const fs::path kHelper = fs::path(LIT_SOURCE_DIR) / "tests/integration/registry_helper.py";

RunOptions with_stdin(const std::string& data) {
  RunOptions o;
  o.stdin_data = data;
  return o;
}

RunOptions with_env(const std::string& kv) {
  RunOptions o;
  o.extra_env = {kv};
  return o;
}

std::string line_with(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.starts_with(prefix)) return l.substr(prefix.size());
  return "";
}

// Every line of `text` that contains `what`.
std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

// Beyond docker-registry (registry_fixture.hpp): registry_helper.py's fake
// registry and images, and lit's own config file.
class RegistryTest : public LocalRegistryTest {
 protected:
  // registry_helper.py's fake registry serving the OCI layout `layout`; its
  // "127.0.0.1:PORT", "" when it did not start. Its requests go to fake.log.
  std::string start_fake_registry(const fs::path& layout) {
    fs::path port_file = base_ / "fake.port";
    spawn({"/usr/bin/python3", kHelper.string(), "fake-registry", port_file.string(),
           (base_ / "fake.log").string(), layout.string()},
          base_ / "fake.out");
    EXPECT_TRUE(eventually([&] { return fs::exists(port_file) && fs::file_size(port_file) > 0; }))
        << slurp(base_ / "fake.out");
    return fs::exists(port_file) ? "127.0.0.1:" + slurp(port_file) : "";
  }

  // lit's config file with `text`, named by $LIT_CONFIG in what `lit_with_config` runs.
  fs::path write_config(const std::string& text) {
    fs::path file = base_ / "lit-config.yml";
    std::ofstream(file) << text;
    return file;
  }
  Result lit_with_config(const std::vector<std::string>& args, const fs::path& config) {
    RunOptions o = slow();
    o.extra_env = {"LIT_CONFIG=" + config.string()};
    return lit(args, o);
  }

  void helper(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/python3", kHelper.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    Result r = run_process(argv);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  std::string inspect_field(const std::string& ref, const std::string& key) {
    Result r = lit({"image", "inspect", ref});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty()) return "";
    return j[0].value(key, "");
  }
};

TEST_F(RegistryTest, PullsByTagAndRunsTheImage) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  Result r = pull({ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("1: Pulling from test/busybox\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find(": Pull complete"), std::string::npos) << r;
  EXPECT_TRUE(line_with(r.out, "Digest: sha256:").size() == 64) << r;
  EXPECT_NE(r.out.find("Status: Downloaded newer image for " + ref), std::string::npos) << r;
  EXPECT_EQ(r.out_lines().back(), ref) << r;

  Result run_r = run({"--rm", ref, "echo", "hello from the registry"});
  ASSERT_EQ(run_r.exit_code, 0) << run_r;
  EXPECT_EQ(run_r.out, "hello from the registry\n");

  Result again = pull({"-q", ref});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.out, ref + "\n");
  Result plain = pull({ref});
  EXPECT_NE(plain.out.find(": Already exists"), std::string::npos) << plain;
  EXPECT_NE(plain.out.find("Status: Image is up to date for " + ref), std::string::npos) << plain;
}

// `lit build` pulls a base image the store lacks, as docker build does; with
// --pull it asks the registry again even when the store has it.
TEST_F(RegistryTest, BuildPullsAMissingBaseImageAndPullAsksAgain) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  fs::path ctx = base_ / "ctx";
  fs::create_directories(ctx);
  std::ofstream(ctx / "Containerfile") << "FROM " << ref << "\nRUN echo built > /built\n"
                                       << "CMD [\"cat\", \"/built\"]\n";
  Result b = lit({"build", "--network", "none", "-t", "on-pulled", ctx.string()}, slow());
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_NE(b.err.find("Unable to find image '" + ref + "' locally"), std::string::npos) << b;
  EXPECT_EQ(lit({"container", "run", "--rm", "on-pulled"}).out, "built\n");
  EXPECT_NE(inspect_field(ref, "Id"), "");

  Result again =
      lit({"build", "--network", "none", "--pull", "-t", "on-pulled", ctx.string()}, slow());
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_NE(again.err.find("Image is up to date for " + ref), std::string::npos) << again;

  stop(server_);  // the registry gone: --pull fails naming it, the store still builds
  Result offline =
      lit({"build", "--network", "none", "--pull", "-t", "on-pulled", ctx.string()}, slow());
  EXPECT_EQ(offline.exit_code, 1) << offline;
  EXPECT_NE(offline.err.find(registry_), std::string::npos) << offline;
  Result cached = lit({"build", "--network", "none", "-t", "on-pulled", ctx.string()}, slow());
  EXPECT_EQ(cached.exit_code, 0) << cached;
}

TEST_F(RegistryTest, PullsByDigest) {
  start_registry();
  seed("test/busybox:1");
  Result first = pull({registry_ + "/test/busybox:1"});
  ASSERT_EQ(first.exit_code, 0) << first;
  const std::string digest = "sha256:" + line_with(first.out, "Digest: sha256:");
  ASSERT_EQ(lit({"image", "rm", registry_ + "/test/busybox:1"}).exit_code, 0);
  ASSERT_EQ(lit({"image", "ls", "-q"}).out, "");

  const std::string by_digest = registry_ + "/test/busybox@" + digest;
  Result r = pull({by_digest});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Digest: " + digest), std::string::npos) << r;
  Result run_r = run({"--rm", by_digest, "echo", "by digest"});
  ASSERT_EQ(run_r.exit_code, 0) << run_r;
  EXPECT_EQ(run_r.out, "by digest\n");
}

TEST_F(RegistryTest, ChoosesThePlatformOfAnIndex) {
  start_registry();
  seed("test/multi:amd64");
  const std::string base = "http://" + registry_;
  helper({"push-variant", base, "test/multi", "amd64", "arm64", "arm64"});
  helper({"push-index", base, "test/multi", "1", "linux/amd64=amd64", "linux/arm64/v8=arm64"});
  const std::string ref = registry_ + "/test/multi:1";

  Result arm = pull({"--platform", "linux/arm64", ref});
  ASSERT_EQ(arm.exit_code, 0) << arm;
  EXPECT_EQ(inspect_field(ref, "Architecture"), "arm64");
  // The same layers: the second platform's image fetches none of them.
  Result amd = pull({"--platform", "linux/amd64", ref});
  ASSERT_EQ(amd.exit_code, 0) << amd;
  EXPECT_EQ(amd.out.find(": Pull complete"), std::string::npos) << amd;
  EXPECT_NE(amd.out.find(": Already exists"), std::string::npos) << amd;
  EXPECT_EQ(inspect_field(ref, "Architecture"), "amd64");

  Result none = pull({"--platform", "linux/s390x", ref});
  expect_lit_error(none, "pull " + ref + ": no matching platform");
  EXPECT_NE(none.err.find("available: linux/amd64, linux/arm64/v8"), std::string::npos) << none;
}

TEST_F(RegistryTest, TamperedBlobIsRefusedAndNothingStored) {
  start_registry();
  seed("test/busybox:1");
  // The largest blob is a layer: flip bytes in its middle.
  fs::path biggest;
  for (const auto& e : fs::recursive_directory_iterator(storage_))
    if (e.is_regular_file() && e.path().filename() == "data" &&
        (biggest.empty() || e.file_size() > fs::file_size(biggest)))
      biggest = e.path();
  ASSERT_FALSE(biggest.empty());
  const std::string layer = "sha256:" + biggest.parent_path().filename().string();
  {
    std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(biggest) / 2));
    f.write("XXXXXXXX", 8);
  }
  ASSERT_EQ(
      lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "other:1"}).exit_code, 0);
  const auto before = store_snapshot();
  const std::string ref = registry_ + "/test/busybox:1";
  Result r = pull({ref});
  expect_lit_error(r, "pull " + ref + ": digest mismatch layer " + layer + " from registry " +
                          registry_ + " has content digest sha256:");
  EXPECT_EQ(store_snapshot(), before);
}

// Pulls run side by side into one root: each downloads and unpacks into a
// staging directory of its own and takes the store lock only to commit; two
// of them fetch the same layers at once, and the store keeps one copy.
TEST_F(RegistryTest, ConcurrentPullsOfSeveralImagesAllLand) {
  start_registry();
  seed("test/busybox:1");
  helper({"push-variant", "http://" + registry_, "test/busybox", "1", "arm", "arm64"});
  load_test_image();
  ASSERT_EQ(lit({"image", "import", fixture("busybox-rootfs.tar.gz").string(), "flat:1"}).exit_code,
            0);
  const std::vector<std::string> refs = {
      registry_ + "/test/busybox:1", registry_ + "/test/busybox:arm", registry_ + "/test/flat:1"};
  Result pushed = lit({"image", "push", "flat:1", refs[2]}, slow());
  ASSERT_EQ(pushed.exit_code, 0) << pushed;
  ASSERT_EQ(lit({"image", "rm", "localhost/lit-test"}).exit_code, 0);
  ASSERT_EQ(lit({"image", "rm", "flat:1"}).exit_code, 0);
  ASSERT_EQ(lit({"image", "ls", "-q"}).out, "");

  std::vector<std::future<Result>> pulls;
  for (const auto& ref : refs) {
    pulls.push_back(std::async(std::launch::async, [this, ref] {
      return run_process({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                          "image", "pull", "-q", ref},
                         slow());
    }));
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    Result r = pulls[i].get();
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, refs[i] + "\n") << r;
  }
  EXPECT_EQ(lit({"image", "ls", "-q"}).out_lines().size(), 3u);
  // Two busybox layers (shared by two images) and the flat one, each once.
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "images" / "layers" / "sha256"),
                          fs::directory_iterator()),
            3);
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
  for (const auto& ref : {refs[0], refs[2]}) {
    Result run_r = run({"--rm", ref, "echo", "pulled side by side"});
    ASSERT_EQ(run_r.exit_code, 0) << run_r;
    EXPECT_EQ(run_r.out, "pulled side by side\n");
  }
}

TEST_F(RegistryTest, UnknownImageAndUnreachableRegistry) {
  start_registry();
  const std::string ref = registry_ + "/test/nothere:1";
  Result r = pull({ref});
  expect_lit_error(r, "pull " + ref + ": not found in registry " + registry_ +
                          " (MANIFEST_UNKNOWN: manifest unknown");
  EXPECT_NE(r.err.find("hint: check the image's name and tag"), std::string::npos) << r;

  const std::string closed = "127.0.0.1:" + std::to_string(free_port());
  Result u = pull({closed + "/test/busybox:1"});
  expect_lit_error(u, "pull " + closed + "/test/busybox:1: registry " + closed + " is unreachable");

  // `container run` pulls a missing image first; --pull never does not.
  Result never = run({"--rm", "--pull", "never", ref, "true"});
  expect_lit_error(never, "image not found");
  Result missing = run({"--rm", ref, "true"});
  expect_lit_error(missing, "pull " + ref + ": not found in registry " + registry_);
}

TEST_F(RegistryTest, PullOutsideAProjectAndOnATerminal) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  // `lit pull IMAGE` where no project file is found pulls that image.
  Result top = run_process({"/bin/sh", "-c", "cd / && exec \"$@\"", "sh", LIT_BINARY, "--root",
                            root_.string(), "--run-root", run_root_.string(), "pull", ref},
                           slow());
  ASSERT_EQ(top.exit_code, 0) << top;
  EXPECT_NE(top.out.find("Status: Downloaded newer image for " + ref), std::string::npos) << top;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);

  // On a terminal each layer's line is rewritten in place.
  Result tty = run_on_pty({LIT_BINARY, "--root", root_.string(), "--run-root", run_root_.string(),
                           "image", "pull", ref},
                          40, 120);
  EXPECT_NE(tty.out.find("Pull complete"), std::string::npos) << tty;
  EXPECT_NE(tty.out.find("\x1b[2K"), std::string::npos) << tty;
  EXPECT_NE(tty.out.find("Status: Downloaded newer image for " + ref), std::string::npos) << tty;
}

// A volume of type image has its image pulled as the service's own: by
// `lit pull`, and by `up` when missing.
TEST_F(RegistryTest, ImageVolumesArePulledWithTheirService) {
  start_registry();
  seed("test/busybox:1");
  seed("test/tools:1");
  const std::string ref = registry_ + "/test/busybox:1", tools = registry_ + "/test/tools:1";
  fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml")
      << "name: shop\nservices:\n  app:\n    image: " << ref
      << "\n    command: [\"sleep\", \"300\"]\n    volumes:\n      - type: image\n"
      << "        source: " << tools << "\n        target: /mnt/tools\n";
  auto project = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-f", (dir / "compose.yaml").string()});
    return lit(args, slow());
  };
  Result pull = project({"pull"});
  ASSERT_EQ(pull.exit_code, 0) << pull;
  EXPECT_NE(pull.out.find("service app: pulling " + tools + "\n"), std::string::npos) << pull;
  ASSERT_EQ(lit({"image", "rm", tools}).exit_code, 0);  // untagged (busybox:1 is the same image)
  Result up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_NE(up.err.find("Unable to find image '" + tools + "' locally\n"), std::string::npos) << up;
  EXPECT_NE(up.err.find("Status: Image is up to date for " + tools), std::string::npos) << up;
  Result r = lit({"container", "exec", "shop-app-1", "test", "-x", "/mnt/tools/bin/busybox"});
  EXPECT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(project({"down", "-t", "1"}).exit_code, 0);
}

TEST_F(RegistryTest, ProjectPullAndPullOnDemandByUp) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << "name: shop\nservices:\n  web:\n    image: " << ref
                                      << "\n    command: [\"sleep\", \"300\"]\n"
                                         "    pull_policy: never\n";
  auto project = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-f", (dir / "compose.yaml").string()});
    return lit(args, slow());
  };
  Result never = project({"up", "-d"});
  expect_lit_error(never, "service web: image " + ref + ": image not found");
  Result up = project({"up", "-d", "--pull", "missing"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_NE(up.err.find("Status: Downloaded newer image for " + ref), std::string::npos) << up;
  EXPECT_NE(project({"ps"}).out.find("shop-web-1"), std::string::npos);
  ASSERT_EQ(project({"down", "-t", "1"}).exit_code, 0);

  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  Result pull = project({"pull"});
  ASSERT_EQ(pull.exit_code, 0) << pull;
  EXPECT_NE(pull.out.find("service web: pulling " + ref + "\n"), std::string::npos) << pull;
  EXPECT_NE(pull.out.find("service web: pulled " + ref + " (sha256:"), std::string::npos) << pull;
  EXPECT_NE(lit({"image", "ls"}).out.find(registry_ + "/test/busybox"), std::string::npos);
}

// --dry-run pull: each image resolved in its registry (a missing one fails
// as a pull would), what would be pulled printed, nothing stored.
TEST_F(RegistryTest, DryRunPullResolvesInTheRegistryAndStoresNothing) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  const std::string missing = registry_ + "/test/nothere:1";
  fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << "name: shop\nservices:\n  web:\n    image: " << ref
                                      << "\n  gone:\n    image: " << missing << "\n";
  auto project = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-f", (dir / "compose.yaml").string()});
    return lit(args, slow());
  };
  Result r = project({"--dry-run", "pull", "web"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(r.out.starts_with("pull image " + ref + " (service web, sha256:")) << r;
  EXPECT_EQ(lit({"image", "ls"}).out.find("test/busybox"), std::string::npos);
  r = project({"--dry-run", "pull", "gone"});
  expect_lit_error(r, "service gone: pull " + missing + ": not found in registry " + registry_);
  r = project({"--dry-run", "pull", "--ignore-pull-failures"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("lit: warning: service gone: pull " + missing), std::string::npos) << r;
}

TEST_F(RegistryTest, BasicAuthLoginPullLogout) {
  start_registry(true);
  seed("test/busybox:1", "user:secret");
  const std::string ref = registry_ + "/test/busybox:1";
  Result anon = pull({ref});
  expect_lit_error(anon, "pull " + ref + ": registry " + registry_ + " requires authentication");
  EXPECT_NE(anon.err.find("hint: log in with `lit login " + registry_ + "`"), std::string::npos)
      << anon;

  Result bad = lit({"login", "-u", "user", "--password-stdin", registry_}, with_stdin("wrong\n"));
  expect_lit_error(bad, "login " + registry_ + ": registry " + registry_ +
                            " refused the credentials of user (401");
  EXPECT_FALSE(fs::exists(root_ / "auth.json"));

  Result ok = lit({"login", "-u", "user", "--password-stdin", registry_}, with_stdin("secret\n"));
  ASSERT_EQ(ok.exit_code, 0) << ok;
  EXPECT_EQ(ok.out, "Login Succeeded!\n");
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "auth.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result r = pull({ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(run({"--rm", ref, "echo", "authenticated"}).out, "authenticated\n");

  // Wrong credentials from a docker config file (REGISTRY_AUTH_FILE comes first).
  fs::path other = base_ / "other-auth.json";
  std::ofstream(other) << R"({"auths":{")" << registry_ << R"(":{"auth":"dXNlcjpub3Bl"}}})";
  Result wrong = lit({"image", "pull", registry_ + "/test/busybox:1"},
                     with_env("REGISTRY_AUTH_FILE=" + other.string()));
  expect_lit_error(wrong,
                   "pull " + ref + ": registry " + registry_ + " refused the credentials of user");

  Result out = lit({"logout", registry_});
  ASSERT_EQ(out.exit_code, 0) << out;
  EXPECT_EQ(out.out, "Removing login credentials for " + registry_ + "\n");
  expect_lit_error(lit({"logout", registry_}), "logout " + registry_ + ": not logged in");
  expect_lit_error(pull({ref}), "requires authentication");
}

TEST_F(RegistryTest, BearerTokenAndResumedTransfer) {
  fs::path layout = base_ / "layout";
  Result copy = run_process(
      {"/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
       "docker-archive:" + fixture("busybox-docker.tar").string(), "oci:" + layout.string() + ":1"},
      slow());
  ASSERT_EQ(copy.exit_code, 0) << copy;
  const std::string registry = start_fake_registry(layout);
  ASSERT_FALSE(registry.empty());
  const fs::path log = base_ / "fake.log";
  const std::string ref = registry + "/test/busybox:1";

  Result r = pull({ref});
  ASSERT_EQ(r.exit_code, 0) << r << slurp(log);
  EXPECT_EQ(run({"--rm", ref, "echo", "resumed"}).out, "resumed\n");
  const std::string requests = slurp(log);
  // One token for the repository's scope, reused by every request after it.
  std::size_t tokens = 0;
  for (std::size_t at = 0; (at = requests.find("GET /token?", at)) != std::string::npos; ++at)
    ++tokens;
  EXPECT_EQ(tokens, 1u) << requests;
  EXPECT_NE(requests.find("scope=repository%3Atest%2Fbusybox%3Apull"), std::string::npos)
      << requests;
  EXPECT_NE(requests.find("auth=Bearer lit-test-token-1"), std::string::npos) << requests;
  // Each large layer was cut halfway once and fetched again from where it stopped.
  EXPECT_NE(requests.find("range=bytes="), std::string::npos) << requests;
  EXPECT_EQ(requests.find("range=bytes=0-"), std::string::npos) << requests;

  Result unknown = pull({registry + "/test/busybox:2"});
  expect_lit_error(unknown,
                   "pull " + registry + "/test/busybox:2: not found in registry " + registry);
}

// ---- lit's config file, --insecure-registry, mirrors, --all-tags, --progress json ----

TEST_F(RegistryTest, InsecureRegistryByFlagConfigFileAndEnvironment) {
  // An address that is not loopback: lit speaks HTTPS to it unless told otherwise.
  Result ip = run_process({"/usr/sbin/ip", "addr", "add", "192.0.2.7/32", "dev", "lo"});
  ASSERT_EQ(ip.exit_code, 0) << ip;
  start_registry(false, "192.0.2.7");
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  expect_lit_error(pull({ref}), "pull " + ref + ": registry " + registry_ + " is unreachable");

  Result flag =
      pull({"--insecure-registry", "other.example:5000", "--insecure-registry", registry_, ref});
  ASSERT_EQ(flag.exit_code, 0) << flag;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  fs::path config = write_config("# lit\nregistries:\n  insecure: [\"" + registry_ + "\"]\n");
  Result by_config = lit_with_config({"image", "pull", ref}, config);
  ASSERT_EQ(by_config.exit_code, 0) << by_config;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  Result by_env =
      lit({"image", "pull", ref}, with_env("LIT_INSECURE_REGISTRIES=a.example," + registry_));
  ASSERT_EQ(by_env.exit_code, 0) << by_env;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);

  // `lit pull IMAGE`, `container run` (pulling on demand), push and login take it too.
  Result top = run_process(
      {"/bin/sh", "-c", "cd / && exec \"$@\"", "sh", LIT_BINARY, "--root", root_.string(),
       "--run-root", run_root_.string(), "pull", "--insecure-registry", registry_, ref},
      slow());  // outside any project
  ASSERT_EQ(top.exit_code, 0) << top;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  Result ran = run({"--rm", "--insecure-registry", registry_, ref, "echo", "pulled by run"});
  ASSERT_EQ(ran.exit_code, 0) << ran;
  EXPECT_EQ(ran.out, "pulled by run\n");
  const std::string copy = registry_ + "/test/copy:1";
  expect_lit_error(lit({"image", "push", ref, copy}, slow()),
                   "push " + copy + ": registry " + registry_ + " is unreachable");
  Result pushed = lit({"image", "push", "--insecure-registry", registry_, ref, copy}, slow());
  ASSERT_EQ(pushed.exit_code, 0) << pushed;
  Result login =
      lit({"login", "--insecure-registry", registry_, "-u", "user", "--password-stdin", registry_},
          with_stdin("secret\n"));
  ASSERT_EQ(login.exit_code, 0) << login;
  EXPECT_EQ(login.out, "Login Succeeded!\n");

  // A malformed config file is one line naming the file, the line and the key.
  fs::path bad = write_config("registries:\n  insecure: " + registry_ + "\n");
  expect_lit_error(lit_with_config({"image", "pull", ref}, bad),
                   bad.string() + ":2: registries.insecure: expected a list");
  expect_lit_error(lit_with_config({"image", "push", ref, copy}, bad),
                   bad.string() + ":2: registries.insecure: expected a list");
}

TEST_F(RegistryTest, MirrorsComeFirstAndTheOriginIsTheFallback) {
  const std::string origin = start_registry();
  const pid_t origin_pid = server_;
  seed("test/busybox:1");
  const std::string empty = start_registry();  // a mirror without the image
  const std::string mirror = start_registry();
  seed("test/busybox:1");
  const std::string closed = "127.0.0.1:" + std::to_string(free_port());
  const std::string ref = origin + "/test/busybox:1";

  // One mirror down, one without the image: the origin serves it, nothing is said.
  fs::path fallback = write_config("registries:\n  mirrors:\n    \"" + origin + "\": [\"" + closed +
                                   "\", \"http://" + empty + "\"]\n");
  Result r = lit_with_config({"image", "pull", ref}, fallback);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "") << r;
  EXPECT_NE(r.out.find("Status: Downloaded newer image for " + ref), std::string::npos) << r;
  const std::string digest = "sha256:" + line_with(r.out, "Digest: sha256:");
  ASSERT_EQ(digest.size(), 71u) << r;
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);

  // The origin stopped: the mirror that has the image serves it, by tag and by digest.
  stop(origin_pid);
  fs::path mirrored = write_config("registries:\n  mirrors:\n    \"" + origin + "\":\n      - " +
                                   closed + "\n      - " + mirror + "\n");
  Result m = lit_with_config({"image", "pull", ref}, mirrored);
  ASSERT_EQ(m.exit_code, 0) << m;
  EXPECT_EQ(m.err, "") << m;
  EXPECT_NE(m.out.find("Digest: " + digest), std::string::npos) << m;
  EXPECT_EQ(run({"--rm", ref, "echo", "from the mirror"}).out, "from the mirror\n");
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  const std::string by_digest = origin + "/test/busybox@" + digest;
  Result d = lit_with_config({"image", "pull", by_digest}, mirrored);
  ASSERT_EQ(d.exit_code, 0) << d;
  EXPECT_NE(d.out.find("Digest: " + digest), std::string::npos) << d;

  // Every one failing: the origin's error, naming the reference and its registry.
  fs::path lacking = write_config("registries:\n  mirrors:\n    \"" + origin + "\": [\"" + empty +
                                  "\", \"" + closed + "\"]\n");
  expect_lit_error(lit_with_config({"image", "pull", ref}, lacking),
                   "pull " + ref + ": registry " + origin + " is unreachable");
}

TEST_F(RegistryTest, PullsAllTagsOfARepository) {
  start_registry();
  seed("test/busybox:1");
  helper({"push-variant", "http://" + registry_, "test/busybox", "1", "2", "arm64"});
  const std::string name = registry_ + "/test/busybox";
  Result r = pull({"--all-tags", name});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Status: Downloaded newer image for " + name + ":1\n"), std::string::npos)
      << r;
  EXPECT_NE(r.out.find("Status: Downloaded newer image for " + name + ":2\n"), std::string::npos)
      << r;
  EXPECT_EQ(inspect_field(name + ":2", "Architecture"), "arm64");
  EXPECT_FALSE(inspect_field(name + ":1", "Architecture").empty());
  Result quiet = pull({"-a", "-q", name});
  ASSERT_EQ(quiet.exit_code, 0) << quiet;
  EXPECT_EQ(quiet.out_lines().size(), 2u) << quiet;

  expect_lit_error(pull({"-a", name + ":1"}),
                   "pull " + name +
                       ":1: --all-tags takes a repository name without a tag or "
                       "digest");
  expect_lit_error(pull({"-a", name + "@sha256:" + std::string(64, '0')}),
                   "--all-tags takes a repository name without a tag or digest");
  expect_lit_error(
      pull({"-a", registry_ + "/test/nothere"}),
      "list the tags of " + registry_ + "/test/nothere: not found in registry " + registry_);
}

TEST_F(RegistryTest, AllTagsFollowsTheTagListPages) {
  fs::path layout = base_ / "layout";
  for (const char* tag : {"1", "2"}) {
    Result copy = run_process({"/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
                               "docker-archive:" + fixture("busybox-docker.tar").string(),
                               "oci:" + layout.string() + ":" + tag},
                              slow());
    ASSERT_EQ(copy.exit_code, 0) << copy;
  }
  const std::string registry = start_fake_registry(layout);
  ASSERT_FALSE(registry.empty());
  const std::string name = registry + "/test/busybox";
  const fs::path log = base_ / "fake.log";
  Result r = pull({"-a", name});
  ASSERT_EQ(r.exit_code, 0) << r << slurp(log);
  EXPECT_NE(slurp(log).find("GET /v2/test/busybox/tags/list?n=1&last=1 "), std::string::npos)
      << slurp(log);
  EXPECT_FALSE(inspect_field(name + ":1", "Id").empty()) << r;
  EXPECT_FALSE(inspect_field(name + ":2", "Id").empty()) << r;
}

TEST_F(RegistryTest, PullsZstdLayers) {
  start_registry();
  Result seeded =
      run_process({"/usr/bin/skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false",
                   "--format", "oci", "--dest-compress-format", "zstd", "--dest-compress",
                   "docker-archive:" + fixture("busybox-docker.tar").string(),
                   "docker://" + registry_ + "/test/zstd:1"},
                  slow());
  ASSERT_EQ(seeded.exit_code, 0) << seeded;
  Result raw = run_process({"/usr/bin/skopeo", "inspect", "--raw", "--tls-verify=false",
                            "docker://" + registry_ + "/test/zstd:1"});
  ASSERT_NE(raw.out.find("application/vnd.oci.image.layer.v1.tar+zstd"), std::string::npos) << raw;
  const std::string ref = registry_ + "/test/zstd:1";
  Result r = pull({ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(count_of(r.out, ": Pull complete\n"), 2u) << r;
  Result ran = run({"--rm", ref, "echo", "unpacked from zstd"});
  ASSERT_EQ(ran.exit_code, 0) << ran;
  EXPECT_EQ(ran.out, "unpacked from zstd\n");
  // The same layers as the gzip image: its diff IDs are already in the store.
  seed("test/busybox:1");
  Result gz = pull({registry_ + "/test/busybox:1"});
  ASSERT_EQ(gz.exit_code, 0) << gz;
  EXPECT_EQ(count_of(gz.out, ": Already exists\n"), 2u) << gz;
}

// Every line of `out` as a JSON object with a "status" or an "error".
std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> msgs;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << l;
    if (!j.is_object()) continue;
    EXPECT_TRUE(j.contains("status") || j.contains("error")) << l;
    msgs.push_back(j);
  }
  return msgs;
}

std::size_t with_status(const std::vector<nlohmann::json>& msgs, const std::string& status) {
  return static_cast<std::size_t>(
      std::ranges::count_if(msgs, [&](const auto& j) { return j.value("status", "") == status; }));
}

TEST_F(RegistryTest, ProgressJsonIsOneDockerMessagePerLine) {
  start_registry();
  seed("test/busybox:1");
  const std::string ref = registry_ + "/test/busybox:1";
  Result r = pull({"--progress", "json", ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto msgs = json_lines(r.out);
  ASSERT_GE(msgs.size(), 4u) << r;
  EXPECT_EQ(msgs.front().dump(), R"({"id":"1","status":"Pulling from test/busybox"})");
  EXPECT_EQ(with_status(msgs, "Pulling fs layer"), 2u) << r;
  EXPECT_EQ(with_status(msgs, "Pull complete"), 2u) << r;
  EXPECT_GE(with_status(msgs, "Downloading"), 2u) << r;
  for (const auto& j : msgs) {
    const std::string status = j.value("status", "");
    if (status.starts_with("Pulling from") || status.starts_with("Digest:") ||
        status.starts_with("Status:"))
      continue;
    EXPECT_EQ(j.value("id", "").size(), 12u) << j;
    EXPECT_TRUE(j["progressDetail"].is_object()) << j;
    if (status != "Downloading") continue;
    EXPECT_GT(j["progressDetail"]["total"].get<long>(), 0) << j;
    EXPECT_LE(j["progressDetail"]["current"].get<long>(), j["progressDetail"]["total"].get<long>());
  }
  EXPECT_TRUE(msgs[msgs.size() - 2].value("status", "").starts_with("Digest: sha256:")) << r;
  EXPECT_EQ(msgs.back().value("status", ""), "Status: Downloaded newer image for " + ref) << r;

  Result again = pull({"--progress", "json", ref});
  ASSERT_EQ(again.exit_code, 0) << again;
  auto second = json_lines(again.out);
  EXPECT_EQ(with_status(second, "Already exists"), 2u) << again;
  EXPECT_EQ(second.back().value("status", ""), "Status: Image is up to date for " + ref);

  // The project's `lit pull` and the global --progress flag.
  ASSERT_EQ(lit({"image", "rm", ref}).exit_code, 0);
  fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml")
      << "name: shop\nservices:\n  web:\n    image: " << ref << "\n";
  Result project =
      lit({"-f", (dir / "compose.yaml").string(), "--progress", "json", "pull"}, slow());
  ASSERT_EQ(project.exit_code, 0) << project;
  auto pmsgs = json_lines(project.out);
  EXPECT_EQ(with_status(pmsgs, "Pull complete"), 2u) << project;
  EXPECT_EQ(pmsgs.back().value("status", ""), "Status: Downloaded newer image for " + ref);

  // A failure is an error message on stdout too, and lit's one line on stderr.
  const std::string unknown = registry_ + "/test/nothere:1";
  Result failed = pull({"--progress", "json", unknown});
  expect_lit_error(failed, "pull " + unknown + ": not found in registry " + registry_);
  auto fmsgs = json_lines(failed.out);
  ASSERT_FALSE(fmsgs.empty()) << failed;
  EXPECT_NE(fmsgs.back().value("error", "").find("not found in registry"), std::string::npos)
      << failed;
}

// ---- push ----

class RegistryPushTest : public RegistryTest {
 protected:
  // The busybox fixture in the store as localhost/lit-test:latest (two layers).
  void load_fixture() {
    Result r = lit({"image", "load", "-i", fixture("busybox-docker.tar").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  Result push(const std::vector<std::string>& args, const RunOptions& o = slow()) {
    std::vector<std::string> argv = {"image", "push"};
    argv.insert(argv.end(), args.begin(), args.end());
    return lit(argv, o);
  }
  // skopeo's digest of a pushed manifest.
  std::string skopeo_digest(const std::string& ref, const std::string& creds = "") {
    std::vector<std::string> argv = {"/usr/bin/skopeo", "inspect", "--tls-verify=false"};
    if (!creds.empty()) argv.insert(argv.end(), {"--creds", creds});
    argv.push_back("docker://" + ref);
    Result r = run_process(argv, slow());
    EXPECT_EQ(r.exit_code, 0) << r;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_object() ? j.value("Digest", "") : "";
  }
};

TEST_F(RegistryPushTest, PushedImageIsReadBackBySkopeoAndPulledIntoAFreshRoot) {
  start_registry();
  load_fixture();
  const std::string ref = registry_ + "/test/pushed:1";
  Result r = push({"localhost/lit-test", ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out_lines().front(), "The push refers to repository [" + registry_ + "/test/pushed]");
  EXPECT_EQ(count_of(r.out, ": Pushed\n"), 2u) << r;
  const std::string digest = "sha256:" + line_with(r.out, "1: digest: sha256:").substr(0, 64);
  ASSERT_EQ(digest.size(), 71u) << r;
  EXPECT_NE(r.out.find("1: digest: " + digest + " size: "), std::string::npos) << r;
  EXPECT_EQ(skopeo_digest(ref), digest);

  // Every blob skopeo fetches has the digest it is stored under.
  fs::path dir = base_ / "copied";
  Result copy = run_process({"/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
                             "--src-tls-verify=false", "docker://" + ref, "dir:" + dir.string()},
                            slow());
  ASSERT_EQ(copy.exit_code, 0) << copy;
  std::size_t blobs = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() != 64) continue;
    ++blobs;
    Result sum = run_process({"/usr/bin/sha256sum", e.path().string()});
    EXPECT_EQ(sum.out.substr(0, 64), name);
  }
  EXPECT_EQ(blobs, 3u);  // two layers and the config

  // Pulled into a fresh lit root, it runs.
  fs::path fresh = base_ / "fresh-root", fresh_run = base_ / "fresh-run";
  auto in_fresh = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {LIT_BINARY, "--root", fresh.string(), "--run-root", fresh_run.string()});
    return run_process(args, slow());
  };
  Result pulled = in_fresh({"image", "pull", ref});
  ASSERT_EQ(pulled.exit_code, 0) << pulled;
  EXPECT_NE(pulled.out.find("Digest: " + digest), std::string::npos) << pulled;
  Result ran = in_fresh({"container", "run", "--rm", ref, "echo", "pushed and pulled"});
  ASSERT_EQ(ran.exit_code, 0) << ran;
  EXPECT_EQ(ran.out, "pushed and pulled\n");
}

TEST_F(RegistryPushTest, SecondPushSkipsEveryLayerAndAnotherRepositoryMounts) {
  start_registry();
  load_fixture();
  const std::string ref = registry_ + "/test/pushed:1";
  Result first = push({"localhost/lit-test", ref});
  ASSERT_EQ(first.exit_code, 0) << first;
  const std::string digest = line_with(first.out, "1: digest: ");
  Result again = push({"localhost/lit-test", ref});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(count_of(again.out, ": Layer already exists\n"), 2u) << again;
  EXPECT_EQ(count_of(again.out, ": Pushed\n"), 0u) << again;
  EXPECT_EQ(line_with(again.out, "1: digest: "), digest) << again;  // deterministic blobs

  // Tagged in test/pushed, its layers are mounted from there into test/other.
  ASSERT_EQ(lit({"image", "tag", "localhost/lit-test", ref}).exit_code, 0);
  Result other = push({"-q", "localhost/lit-test", registry_ + "/test/other:2"});
  ASSERT_EQ(other.exit_code, 0) << other;
  EXPECT_EQ(other.out, registry_ + "/test/other:2\n");
  Result mounted = push({"localhost/lit-test", registry_ + "/test/third:3"});
  ASSERT_EQ(mounted.exit_code, 0) << mounted;
  EXPECT_EQ(count_of(mounted.out, ": Mounted from test/pushed\n"), 2u) << mounted;
  EXPECT_EQ(line_with(mounted.out, "3: digest: "), digest) << mounted;
  EXPECT_EQ(skopeo_digest(registry_ + "/test/third:3"), digest.substr(0, 71));
}

TEST_F(RegistryPushTest, PushNeedsLoginOnABasicAuthRegistry) {
  start_registry(true);
  load_fixture();
  const std::string ref = registry_ + "/test/private:1";
  Result anon = push({"localhost/lit-test", ref});
  expect_lit_error(anon, "push " + ref + ": registry " + registry_ + " requires authentication");

  Result login =
      lit({"login", "-u", "user", "--password-stdin", registry_}, with_stdin("secret\n"));
  ASSERT_EQ(login.exit_code, 0) << login;
  Result r = push({"localhost/lit-test", ref});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(count_of(r.out, ": Pushed\n"), 2u) << r;
  const std::string digest = line_with(r.out, "1: digest: ").substr(0, 71);
  EXPECT_EQ(skopeo_digest(ref, "user:secret"), digest);

  fs::path other = base_ / "wrong-auth.json";
  std::ofstream(other) << R"({"auths":{")" << registry_ << R"(":{"auth":"dXNlcjpub3Bl"}}})";
  Result wrong =
      push({"localhost/lit-test", ref}, with_env("REGISTRY_AUTH_FILE=" + other.string()));
  expect_lit_error(wrong,
                   "push " + ref + ": registry " + registry_ + " refused the credentials of user");
}

TEST_F(RegistryPushTest, UnknownImageAndUnreachableRegistry) {
  start_registry();
  load_fixture();
  const std::string ref = registry_ + "/test/x:1";
  expect_lit_error(push({"nothere:1", ref}), "push " + ref + ": image not found: nothere:1");
  const std::string closed = "127.0.0.1:" + std::to_string(free_port());
  expect_lit_error(push({"localhost/lit-test", closed + "/test/x:1"}),
                   "push " + closed + "/test/x:1: registry " + closed + " is unreachable");
}

TEST_F(RegistryPushTest, ProjectPushWithAFailureIgnoredOrNot) {
  start_registry();
  load_fixture();
  const std::string web = registry_ + "/shop/web:1", db = registry_ + "/shop/db:1";
  ASSERT_EQ(lit({"image", "tag", "localhost/lit-test", web}).exit_code, 0);
  fs::path dir = base_ / "shop";
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << "name: shop\nservices:\n  web:\n    image: " << web
                                      << "\n  db:\n    image: " << db << "\n";
  auto project = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-f", (dir / "compose.yaml").string()});
    return lit(args, slow());
  };
  Result failed = project({"push"});
  expect_lit_error(failed, "service db: push " + db + ": image not found");
  Result ignored = project({"push", "--ignore-push-failures"});
  ASSERT_EQ(ignored.exit_code, 0) << ignored;
  EXPECT_NE(ignored.err.find("lit: warning: service db: push " + db), std::string::npos) << ignored;
  EXPECT_NE(ignored.out.find("service web: pushing " + web + "\n"), std::string::npos) << ignored;
  EXPECT_NE(ignored.out.find("1: digest: sha256:"), std::string::npos) << ignored;
  EXPECT_FALSE(skopeo_digest(web).empty());
  Result only = project({"push", "-q", "web"});
  ASSERT_EQ(only.exit_code, 0) << only;
  EXPECT_EQ(only.out, web + "\n");
}

}  // namespace
}  // namespace lit::test
