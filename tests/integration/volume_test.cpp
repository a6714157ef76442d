// lit volume create/ls/inspect/rm/prune and compose's `volumes`, as a docker
// user runs them: the data a container writes is in the volume, a volume in
// use is not removed, prune takes only what no container uses.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

class VolumeTest : public ProjectFixture {
 protected:
  nlohmann::json inspect(const std::string& name) {
    Result r = lit({"volume", "inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    auto j = nlohmann::json::parse(r.out);
    return j.empty() ? nlohmann::json() : j[0];
  }
};

TEST_F(VolumeTest, CreateUseInspectAndRemoveAVolume) {
  Result r = lit({"volume", "create", "--label", "team=web", "data1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "data1\n");
  EXPECT_EQ(lit({"volume", "create", "data1"}).exit_code, 0);  // idempotent, as docker
  auto j = inspect("data1");
  EXPECT_EQ(j.at("Name"), "data1");
  EXPECT_EQ(j.at("Driver"), "local");
  EXPECT_EQ(j.at("Labels"), (nlohmann::json{{"team", "web"}}));
  const fs::path mountpoint = j.at("Mountpoint").get<std::string>();
  EXPECT_TRUE(fs::is_directory(mountpoint)) << mountpoint;

  r = run({"--rm", "-v", "data1:/d", kTestImage, "sh", "-c", "echo kept > /d/f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::ifstream in(mountpoint / "f");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "kept");

  r = lit({"volume", "ls"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"DRIVER", "VOLUME NAME"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"local", "data1"})) << r;
  EXPECT_EQ(lit({"volume", "ls", "-q", "--filter", "label=team=web"}).out, "data1\n");
  EXPECT_EQ(lit({"volume", "ls", "-q", "--filter", "label=team=db"}).out, "");

  // In use by a container (any state): refused, naming it.
  ASSERT_EQ(lit({"container", "create", "--name", "user1", "-v", "data1:/d", kTestImage, "true"})
                .exit_code,
            0);
  r = lit({"volume", "rm", "data1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("volume is in use by user1"), std::string::npos) << r;
  EXPECT_TRUE(fs::exists(mountpoint / "f"));
  ASSERT_EQ(lit({"container", "rm", "user1"}).exit_code, 0);
  r = lit({"volume", "rm", "data1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "data1\n");
  EXPECT_FALSE(fs::exists(mountpoint));

  expect_lit_error(lit({"volume", "rm", "data1"}), "no such volume: data1");
  EXPECT_EQ(lit({"volume", "rm", "-f", "data1"}).exit_code, 0);
  expect_lit_error(lit({"volume", "create", "bad/name"}), "invalid volume name \"bad/name\"");
  expect_lit_error(lit({"volume", "ls", "--filter", "color=red"}), "--filter");
}

TEST_F(VolumeTest, PruneTakesUnusedAnonymousVolumesAndWithAllNamedOnes) {
  Result anon = lit({"volume", "create"});
  ASSERT_EQ(anon.exit_code, 0) << anon;
  const std::string id = anon.out.substr(0, anon.out.size() - 1);
  EXPECT_EQ(id.size(), 64u) << anon;
  ASSERT_EQ(lit({"volume", "create", "named1"}).exit_code, 0);
  ASSERT_EQ(lit({"volume", "create", "used1"}).exit_code, 0);
  ASSERT_EQ(lit({"container", "create", "--name", "user1", "-v", "used1:/d", kTestImage, "true"})
                .exit_code,
            0);
  Result r = lit({"volume", "prune", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Deleted Volumes:\n" + id + "\n\nTotal reclaimed space: 0B\n");
  r = lit({"volume", "prune", "-a", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B\n");
  EXPECT_EQ(lit({"volume", "ls", "-q"}).out, "used1\n");
  ASSERT_EQ(lit({"container", "rm", "user1"}).exit_code, 0);
  ASSERT_EQ(lit({"volume", "rm", "used1"}).exit_code, 0);
}

// A project's volume carries its project and key; `volumes` lists it; down -v
// removes it and nothing else.
TEST_F(VolumeTest, ProjectVolumesAreLabelledListedAndRemovedByDown) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    volumes: ["data:/data"]
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
volumes:
  data:
    labels: {tier: storage}
)");
  ASSERT_EQ(lit({"volume", "create", "mine"}).exit_code, 0);
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  auto j = inspect("shop_data");
  EXPECT_EQ(j.at("Labels"),
            (nlohmann::json{{"lit.project", "shop"}, {"lit.volume", "data"}, {"tier", "storage"}}));
  Result r = project({"volumes"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(r.out_lines().size(), 2u) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"local", "shop_data"})) << r;
  EXPECT_EQ(project({"volumes", "-q", "db"}).out, "shop_data\n");
  EXPECT_EQ(project({"volumes", "-q", "web"}).out, "");
  ASSERT_EQ(project({"down", "-v", "-t", "1"}).exit_code, 0);
  EXPECT_EQ(lit({"volume", "ls", "-q"}).out, "mine\n");
  ASSERT_EQ(lit({"volume", "rm", "mine"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
