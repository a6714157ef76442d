// CDI devices (--device VENDOR/CLASS=NAME, a service's devices:) as a user
// observes them: the spec's node readable in the container, its variables set,
// its mount present and read-only, a device not asked for absent; an unknown
// name stops the command with one line and leaves no container.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "tests/integration/project_fixture.hpp"
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

// /etc/cdi in this test's mount namespace only (the sandbox's): an overlay
// over the host's /etc whose upper layer is the test's, so nothing of the
// host's /etc is written. Undone before the leak check, which would take the
// overlay (its options name the test's directory) for lit's.
class EtcCdi {
 public:
  explicit EtcCdi(const fs::path& base) : shared_(base / "cdi-shared") {
    fs::create_directories(base / "etc-upper" / "cdi");
    fs::create_directories(base / "etc-work");
    fs::create_directories(shared_);
    std::ofstream(shared_ / "hello") << "from the spec's mount\n";
    const std::string options = "lowerdir=/etc,upperdir=" + (base / "etc-upper").string() +
                                ",workdir=" + (base / "etc-work").string();
    mounted_ = ::mount("overlay", "/etc", "overlay", 0, options.c_str()) == 0;
    EXPECT_TRUE(mounted_) << "overlay on /etc: " << std::strerror(errno);
    // dev0: /dev/zero as /dev/litcdi0 and a variable; dev1 (not asked for):
    // /dev/litcdi1; the spec's own edits: a variable and a read-only bind.
    std::ofstream("/etc/cdi/test.json") << R"({
      "cdiVersion": "0.6.0",
      "kind": "example.com/test",
      "devices": [
        {"name": "dev0", "containerEdits": {
          "env": ["LITCDI_DEVICE=dev0"],
          "deviceNodes": [{"path": "/dev/litcdi0", "hostPath": "/dev/zero", "permissions": "rw"}]}},
        {"name": "dev1", "containerEdits": {
          "deviceNodes": [{"path": "/dev/litcdi1", "hostPath": "/dev/zero"}]}}
      ],
      "containerEdits": {
        "env": ["LITCDI_VENDOR=example"],
        "mounts": [{"hostPath": ")" + shared_.string() +
                                               R"(", "containerPath": "/opt/litcdi",
                    "options": ["ro", "rbind"]}]
      }
    })";
  }
  ~EtcCdi() {
    if (mounted_) ::umount2("/etc", MNT_DETACH);
  }
  EtcCdi(const EtcCdi&) = delete;
  EtcCdi& operator=(const EtcCdi&) = delete;

 private:
  fs::path shared_;
  bool mounted_ = false;
};

// What the container shows of dev0, dev1 and the spec's edits.
constexpr const char* kProbe =
    "head -c1 /dev/litcdi0 | od -An -tx1 | sed 's/^ */byte=/';"
    "echo \"env=$LITCDI_DEVICE,$LITCDI_VENDOR\";"
    "cat /opt/litcdi/hello;"
    "touch /opt/litcdi/new 2>/dev/null && echo mount-writable || echo mount-read-only;"
    "ls /dev/litcdi1 >/dev/null 2>&1 && echo dev1-present || echo dev1-absent";

void expect_dev0(const Result& r) {
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("byte=00"), std::string::npos) << r;
  EXPECT_NE(r.out.find("env=dev0,example"), std::string::npos) << r;
  EXPECT_NE(r.out.find("from the spec's mount"), std::string::npos) << r;
  EXPECT_NE(r.out.find("mount-read-only"), std::string::npos) << r;
  EXPECT_NE(r.out.find("dev1-absent"), std::string::npos) << r;
}

class CdiRunTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    cdi_ = std::make_unique<EtcCdi>(base_);
  }
  void TearDown() override {
    cdi_.reset();
    RunTest::TearDown();
  }
  std::unique_ptr<EtcCdi> cdi_;
};

TEST_F(CdiRunTest, RunGetsTheDevicesEditsOnly) {
  expect_dev0(sh(kProbe, {"--device", "example.com/test=dev0"}));
}

TEST_F(CdiRunTest, AnUnknownDeviceFailsWithOneLineAndLeavesNoContainer) {
  auto before = container_ids();
  Result r = run({"--rm", "--device", "example.com/test=nope", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  ASSERT_FALSE(r.err_lines().empty()) << r;
  EXPECT_EQ(r.err_lines().front(),
            "lit: invalid value \"example.com/test=nope\" for flag --device: unknown CDI device "
            "example.com/test=nope (searched /etc/cdi, /var/run/cdi)")
      << r;
  EXPECT_EQ(container_ids(), before);
  r = run({"--rm", "--device", "example.com/te st=dev0", kTestImage, "true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("invalid value \"example.com/te st=dev0\" for flag --device: class \"te "
                       "st\" has ' ', which is not allowed"),
            std::string::npos)
      << r;
  EXPECT_EQ(container_ids(), before);
}

class CdiProjectTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    cdi_ = std::make_unique<EtcCdi>(base_);
  }
  void TearDown() override {
    if (!IsSkipped()) project({"down", "-v", "-t", "1"});
    cdi_.reset();
    LitTest::TearDown();  // the project is down already
  }
  std::string compose(const std::string& device) {
    return "name: cdi\nservices:\n  app:\n    image: localhost/lit-test:latest\n"
           "    command: [\"sleep\", \"600\"]\n    devices: [\"" +
           device + "\"]\n";
  }
  std::unique_ptr<EtcCdi> cdi_;
};

TEST_F(CdiProjectTest, ServiceGetsTheDeviceAndANewNameRecreates) {
  write(compose("example.com/test=dev0"));
  Result up = project({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up;
  expect_dev0(lit({"container", "exec", "cdi-app-1", "sh", "-c", kProbe}));
  Result same = project({"up", "--dry-run"});
  EXPECT_EQ(same.out.find("recreate"), std::string::npos) << same;
  write(compose("example.com/test=dev1"));
  Result dry = project({"up", "--dry-run"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container cdi-app-1", "config changed"}))
      << dry;
}

TEST_F(CdiProjectTest, AnUnknownDeviceStopsUpAndLeavesNoContainer) {
  write(compose("example.com/test=nope"));
  Result r = project({"up", "-d"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("service app: devices: unknown CDI device example.com/test=nope "
                       "(searched /etc/cdi, /var/run/cdi)"),
            std::string::npos)
      << r;
  EXPECT_TRUE(ids().empty()) << project({"ps", "-a"});
}

}  // namespace
}  // namespace lit::test
