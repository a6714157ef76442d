// `lit bundle create/apply/inspect` as a device's operator runs them: a
// bundle made on one lit root applied on an empty one (no registry involved),
// a tampered bundle refused with nothing changed, and a second bundle that
// recreates only the service it changes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kCompose = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    configs:
      - source: motd
        target: /etc/motd.txt
    environment:
      GREETING: ${GREETING:-none}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/motd.txt"]
      interval: 500ms
      retries: 6
    stop_grace_period: 1s  # httpd as PID 1 ignores SIGTERM
  api:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s  # sleep as PID 1 ignores SIGTERM
    volumes: ["/tmp:/host-tmp:ro"]
configs:
  motd:
    file: ./conf/motd.txt
)";

class BundleTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    fs::create_directories(dir_ / "conf");
    std::ofstream(dir_ / "conf" / "motd.txt") << "hello from the bundle\n";
    std::ofstream(dir_ / ".env") << "GREETING=hi\n";
    source_ = {root_, run_root_};
    device_ = {base_ / "device" / "root", base_ / "device" / "run"};
  }

  // The next commands run on the device's lit (its own, empty roots) or the source's.
  void on_device() { std::tie(root_, run_root_) = device_; }
  void on_source() { std::tie(root_, run_root_) = source_; }

  Result create(const fs::path& out) { return project({"bundle", "create", "-o", out.string()}); }

  // Two bundles of the project on the source: `first` of kCompose, `second`
  // with `from` replaced by `to` in it. Returns the second's compose file.
  std::string two_bundles(const fs::path& first, const fs::path& second, const std::string& from,
                          const std::string& to) {
    Result one = create(first);
    EXPECT_EQ(one.exit_code, 0) << one;
    std::string changed = kCompose;
    changed.replace(changed.find(from), from.size(), to);
    write(changed);
    Result two = create(second);
    EXPECT_EQ(two.exit_code, 0) << two;
    return changed;
  }

  Result apply(const fs::path& bundle) {
    RunOptions o;
    o.timeout = 120s;
    return lit({"bundle", "apply", bundle.string()}, o);
  }

  // service -> `ps --format json` object of the project applied on the device.
  std::map<std::string, nlohmann::json> services() {
    std::map<std::string, nlohmann::json> out;
    const std::string dir = (root_ / "bundles" / "shop").string();
    for (const auto& line :
         lit({"--project-directory", dir, "ps", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      out[j.at("Service")] = j;
    }
    return out;
  }

  std::pair<fs::path, fs::path> source_, device_;
};

TEST_F(BundleTest, MadeOnOneRootAppliedOnAFreshOne) {
  const fs::path bundle = base_ / "shop.bundle";
  Result made = create(bundle);
  ASSERT_EQ(made.exit_code, 0) << made;
  EXPECT_NE(made.err.find("lit: warning: bundle create: services.api.volumes: bind mount source "
                          "/tmp is not in the bundle"),
            std::string::npos)
      << made;

  Result shown = lit({"bundle", "inspect", "--format", "json", bundle.string()});
  ASSERT_EQ(shown.exit_code, 0) << shown;
  auto m = nlohmann::json::parse(shown.out);
  EXPECT_EQ(m["project"], "shop");
  std::set<std::string> files;
  for (const auto& f : m["files"]) files.insert(f["path"]);
  EXPECT_EQ(files, (std::set<std::string>{".env", "compose.yaml", "conf/motd.txt"})) << shown;
  ASSERT_EQ(m["images"].size(), 1u) << shown;
  EXPECT_EQ(m["images"][0]["services"], (nlohmann::json{"api", "web"})) << shown;
  EXPECT_GT(m["images"][0]["size"].get<std::uint64_t>(), 0u) << shown;

  on_device();
  Result applied = apply(bundle);
  ASSERT_EQ(applied.exit_code, 0) << applied;
  Result images = lit({"image", "ls", "--format", "{{.Repository}}:{{.Tag}}"});
  EXPECT_EQ(images.out, std::string(kTestImage) + "\n") << images;
  auto now = services();
  ASSERT_EQ(now.size(), 2u) << applied;
  EXPECT_EQ(now["web"]["State"], "running");
  EXPECT_EQ(now["web"]["Health"], "healthy");
  EXPECT_EQ(now["api"]["State"], "running");
  // The service answers with the project's file, and the .env was read.
  Result motd = lit(
      {"container", "exec", "shop-web-1", "wget", "-q", "-O", "-", "http://127.0.0.1/motd.txt"});
  EXPECT_EQ(motd.out, "hello from the bundle\n") << motd;
  Result env = lit({"container", "exec", "shop-web-1", "sh", "-c", "echo $GREETING"});
  EXPECT_EQ(env.out, "hi\n") << env;
  EXPECT_EQ(read_file(root_ / "bundles" / "shop" / "conf" / "motd.txt"), "hello from the bundle\n");
}

// The files `include:` and `extends: file:` read travel with the project's
// own, and the device loads the same project from them.
TEST_F(BundleTest, IncludedAndExtendedFilesAreCarried) {
  write(R"(name: shop
include:
  - workers/compose.yaml
services:
  web:
    extends:
      file: common.yaml
      service: base
)");
  std::ofstream(dir_ / "common.yaml") << R"(services:
  base:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    environment:
      ROLE: from-common
)";
  fs::create_directories(dir_ / "workers");
  std::ofstream(dir_ / "workers" / "compose.yaml") << R"(services:
  worker:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    environment:
      QUEUE: ${QUEUE}
)";
  std::ofstream(dir_ / "workers" / ".env") << "QUEUE=jobs\n";
  const fs::path bundle = base_ / "shop.bundle";
  Result made = create(bundle);
  ASSERT_EQ(made.exit_code, 0) << made;
  Result shown = lit({"bundle", "inspect", "--format", "json", bundle.string()});
  ASSERT_EQ(shown.exit_code, 0) << shown;
  std::set<std::string> files;
  const auto manifest = nlohmann::json::parse(shown.out);
  for (const auto& f : manifest["files"]) files.insert(f["path"]);
  EXPECT_EQ(files, (std::set<std::string>{".env", "compose.yaml", "common.yaml",
                                          "workers/compose.yaml", "workers/.env"}))
      << shown;

  on_device();
  Result applied = apply(bundle);
  ASSERT_EQ(applied.exit_code, 0) << applied;
  auto now = services();
  ASSERT_EQ(now.size(), 2u) << applied;
  EXPECT_EQ(now["web"]["State"], "running");
  EXPECT_EQ(now["worker"]["State"], "running");
  Result role = lit({"container", "exec", "shop-web-1", "sh", "-c", "echo $ROLE"});
  EXPECT_EQ(role.out, "from-common\n") << role;
  Result queue = lit({"container", "exec", "shop-worker-1", "sh", "-c", "echo $QUEUE"});
  EXPECT_EQ(queue.out, "jobs\n") << queue;
}

TEST_F(BundleTest, ATamperedBundleIsRefusedWithNothingChanged) {
  const fs::path bundle = base_ / "shop.bundle";
  ASSERT_EQ(create(bundle).exit_code, 0);
  auto m =
      nlohmann::json::parse(lit({"bundle", "inspect", "--format", "json", bundle.string()}).out);
  const std::string layer = m["images"][0]["layers"][0]["digest"].get<std::string>().substr(7);
  std::string bytes = read_file(bundle);
  // The blob's tar header starts with its name; its data follows in the next block.
  const std::size_t header = bytes.find("blobs/sha256/" + layer);
  ASSERT_NE(header, std::string::npos);
  ASSERT_EQ(header % 512, 0u);
  bytes[header + 512 + 700] ^= 1;
  const fs::path tampered = base_ / "tampered.bundle";
  std::ofstream(tampered, std::ios::binary) << bytes;

  on_device();
  Result r = apply(tampered);
  EXPECT_EQ(r.exit_code, 1) << r;
  auto lines = r.err_lines();
  ASSERT_FALSE(lines.empty()) << r;
  EXPECT_TRUE(lines[0].starts_with("lit: bundle apply " + tampered.string() +
                                   ": digest mismatch for blobs/sha256/" + layer +
                                   ": its name says sha256:" + layer + ", the content is sha256:"))
      << r;
  EXPECT_EQ(lit({"image", "ls", "-q"}).out, "");
  EXPECT_TRUE(container_ids().empty());
  EXPECT_FALSE(fs::exists(root_ / "bundles" / "shop"));
}

TEST_F(BundleTest, ASecondBundleRecreatesOnlyTheChangedService) {
  const fs::path first = base_ / "first.bundle", second = base_ / "second.bundle";
  const std::string changed = two_bundles(first, second, "\"600\"", "\"601\"");
  ASSERT_FALSE(HasFailure());

  on_device();
  Result one = apply(first);
  ASSERT_EQ(one.exit_code, 0) << one;
  auto before = services();
  Result two = apply(second);
  ASSERT_EQ(two.exit_code, 0) << two;
  auto after = services();
  ASSERT_EQ(after.size(), 2u) << two;
  EXPECT_EQ(after["web"]["ID"], before["web"]["ID"]) << two;
  EXPECT_NE(after["api"]["ID"], before["api"]["ID"]) << two;
  EXPECT_EQ(read_file(root_ / "bundles" / "shop" / "compose.yaml"), changed);
  // The previous version went once the services were up: only the project's
  // directory (and its lock) are left.
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(root_ / "bundles")) left.insert(e.path().filename());
  EXPECT_EQ(left, (std::set<std::string>{".shop.lock", "shop"}));
}

// An apply killed half-way through reading its bundle (fed through a pipe,
// then SIGKILL while it waits for the rest) changes nothing: the previous
// version keeps running from its files, and the next apply of the whole
// bundle works and leaves no staging behind.
TEST_F(BundleTest, AnApplyKilledHalfWayLeavesThePreviousVersionRunning) {
  const fs::path first = base_ / "first.bundle", second = base_ / "second.bundle";
  const std::string changed = two_bundles(first, second, "\"600\"", "\"601\"");
  ASSERT_FALSE(HasFailure());

  on_device();
  ASSERT_EQ(apply(first).exit_code, 0);
  auto before = services();
  const std::string files_before = read_file(root_ / "bundles" / "shop" / "compose.yaml");
  const std::string images_before = lit({"image", "ls", "-q"}).out;

  const std::string bytes = read_file(second);
  ASSERT_GT(bytes.size(), 256u * 1024) << "a bundle smaller than a few pipe buffers";
  const fs::path fifo = base_ / "bundle.pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const std::vector<std::string> argv{LIT_BINARY,         "--root", root_.string(), "--run-root",
                                      run_root_.string(), "bundle", "apply",        fifo.string()};
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  {
    UniqueFd w(::open(fifo.c_str(), O_WRONLY | O_CLOEXEC));  // once lit opened it
    ASSERT_TRUE(w);
    // Half of it: the write returns once lit has read all but a pipe's worth.
    ASSERT_TRUE(write_all(w.get(), bytes.substr(0, bytes.size() / 2)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(st)) << "lit ended before it was killed: " << st;
  }
  auto now = services();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now["web"]["ID"], before["web"]["ID"]);
  EXPECT_EQ(now["api"]["ID"], before["api"]["ID"]);
  EXPECT_EQ(now["web"]["State"], "running");
  EXPECT_EQ(now["api"]["State"], "running");
  EXPECT_EQ(read_file(root_ / "bundles" / "shop" / "compose.yaml"), files_before);
  EXPECT_EQ(lit({"image", "ls", "-q"}).out, images_before);

  Result again = apply(second);
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(read_file(root_ / "bundles" / "shop" / "compose.yaml"), changed);
  EXPECT_NE(services()["api"]["ID"], before["api"]["ID"]);
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp")) << "staging left in the image store";
}

TEST_F(BundleTest, AnUpdateThatDoesNotComeUpPutsThePreviousFilesBack) {
  const fs::path good = base_ / "good.bundle", bad = base_ / "bad.bundle";
  two_bundles(good, bad, "\"CMD\", \"wget\"", "\"CMD\", \"false\"");
  ASSERT_FALSE(HasFailure());

  on_device();
  ASSERT_EQ(apply(good).exit_code, 0);
  const std::string applied = read_file(root_ / "bundles" / "shop" / "compose.yaml");
  RunOptions o;
  o.timeout = 120s;
  Result r = lit({"bundle", "apply", "--wait-timeout", "15", bad.string()}, o);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("lit: bundle apply " + bad.string() +
                       ": project shop did not converge: the previous files are back in " +
                       (root_ / "bundles" / "shop").string()),
            std::string::npos)
      << r;
  EXPECT_EQ(read_file(root_ / "bundles" / "shop" / "compose.yaml"), applied);
  EXPECT_EQ(applied.find("\"false\""), std::string::npos);
  // The containers too: web runs the first bundle's version again, healthy.
  EXPECT_NE(r.err.find("lit: web: back to version 1"), std::string::npos) << r;
  bool healthy = false;
  for (const auto& line : lit({"-p", "shop", "ps", "--format", "json"}).out_lines()) {
    auto j = nlohmann::json::parse(line);
    if (j.at("Service") == "web") healthy = j.value("Health", "") == "healthy";
  }
  EXPECT_TRUE(healthy);
}

}  // namespace
}  // namespace lit::test
