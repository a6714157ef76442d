// compose's userns_mode: `auto` (podman's) gives each container of the
// service its own range of lit's /etc/subuid ids, `host` (docker's) and no
// key leave the host's; `lit config` prints it and `down` frees the ranges.
#include <sys/mount.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

class ProjectUsernsTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* name : {"subuid", "subgid"}) {
      const fs::path file = base_ / name;
      std::ofstream(file) << "lit:300000:196608\n";
      const std::string target = std::string("/etc/") + name;
      ASSERT_EQ(::mount(file.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), 0)
          << std::strerror(errno);
    }
  }

  void TearDown() override {
    ProjectFixture::TearDown();  // down first: it frees the ranges
    for (const char* f : {"/etc/subuid", "/etc/subgid"})
      while (::umount2(f, MNT_DETACH) == 0) {
      }
  }

  std::string uid_map(const std::string& container) {
    Result r = lit({"container", "exec", container, "cat", "/proc/self/uid_map"});
    std::istringstream in(r.out);
    std::string out, word;
    while (in >> word) out += (out.empty() ? "" : " ") + word;
    return out;
  }
};

TEST_F(ProjectUsernsTest, AutoMapsEachContainerHostAndNoKeyDoNot) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    userns_mode: auto
    scale: 2
    stop_grace_period: 1s
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    userns_mode: host
    stop_grace_period: 1s
  cache:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::set<std::string> maps{uid_map("shop-web-1"), uid_map("shop-web-2")};
  EXPECT_EQ(maps, (std::set<std::string>{"0 300000 65536", "0 365536 65536"}));
  EXPECT_EQ(uid_map("shop-db-1"), "0 0 4294967295");
  EXPECT_EQ(uid_map("shop-cache-1"), "0 0 4294967295");
  Result config = project({"config"});
  EXPECT_TRUE(contains_line_with(config.out, {"    userns_mode: auto"})) << config;
  EXPECT_EQ(project({"up", "--dry-run"}).out, "nothing to do\n");

  // down frees both ranges: a new project takes the first again.
  ASSERT_EQ(project({"down", "-t", "1"}).exit_code, 0);
  ASSERT_EQ(project({"up", "-d", "web"}).exit_code, 0);
  maps = {uid_map("shop-web-1"), uid_map("shop-web-2")};
  EXPECT_EQ(maps, (std::set<std::string>{"0 300000 65536", "0 365536 65536"}));
}

TEST_F(ProjectUsernsTest, AnUnknownModeNamesTheKey) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    userns_mode: keep-id
)");
  Result r = project({"config"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("userns_mode"), std::string::npos) << r;
  EXPECT_NE(r.err.find("expected host, auto or auto:size=N, got 'keep-id'"), std::string::npos)
      << r;
}

}  // namespace
}  // namespace lit::test
