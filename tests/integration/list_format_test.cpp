// --format, --filter and the other list flags scripts rely on, end to end:
// the project's ps (compose's fields, JSON lines with Publishers, --status,
// --services, -q, SERVICE...), `container ls`, `image ls`, `network ls`, `ls`,
// and psFormat / imagesFormat from the docker config file.
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// web publishes 80 on 8088 and exposes 9000; job exits 3 at once.
constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    ports: ["8088:80"]
    expose: ["9000"]
  job:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "exit 3"]
)";

// A failure of lit's own: non-zero, one "lit: ..." line naming `mention`.
void expect_one_line_error(const Result& r, const std::string& mention) {
  EXPECT_NE(r.exit_code, 0) << r;
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << r;
  EXPECT_TRUE(lines[0].starts_with("lit: ")) << r;
  EXPECT_NE(lines[0].find(mention), std::string::npos) << "no '" << mention << "'\n" << r;
  EXPECT_EQ(r.out, "") << r;
}

class ListFormatTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    Result up = project({"up", "-d"});
    ASSERT_EQ(up.exit_code, 0) << up;
    // job has exited once ps -a says so.
    ASSERT_TRUE(eventually([&] {
      return project({"ps", "-a", "--format", "{{.Service}}={{.State}}"}).out.find("job=exited") !=
             std::string::npos;
    })) << project({"ps", "-a"});
  }

  // `ps --format json` lines by service.
  std::map<std::string, nlohmann::json> ps_json(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"ps", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    Result r = project(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    std::map<std::string, nlohmann::json> out;
    for (const auto& line : r.out_lines()) {
      auto j = nlohmann::json::parse(line);  // one object per line, as compose 2.21+
      out[j.at("Service")] = j;
    }
    return out;
  }

  fs::path docker_config(const std::string& json) {
    fs::path dir = base_ / "docker-config";
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << json;
    return dir;
  }
};

TEST_F(ListFormatTest, PsTemplateShowsRunningContainersSortedByName) {
  Result r = project({"ps", "--format", "{{.Service}} {{.State}}"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "db running\nweb running\n");
  r = project({"ps", "-a", "--format", "{{.Name}}\\t{{.ExitCode}}"});
  EXPECT_EQ(r.out, "shop-db-1\t0\nshop-job-1\t3\nshop-web-1\t0\n") << r;
  r = project({"ps", "--format", "table {{.Service}}\\t{{.State}}"});
  EXPECT_EQ(r.out,
            "SERVICE   STATE\n"
            "db        running\n"
            "web       running\n")
      << r;
  r = project({"ps", "--format", "{{.Label \"lit.service\"}}:{{.Project}}", "web"});
  EXPECT_EQ(r.out, "web:shop\n") << r;
}

TEST_F(ListFormatTest, PsDefaultTableHasComposeColumns) {
  Result r = project({"ps"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 3u) << r;
  auto pad = [](const std::string& cell, std::size_t width) {
    return cell + std::string(width - cell.size(), ' ');
  };
  // NAME, IMAGE, COMMAND, SERVICE as wide as their widest cell plus 3 (at least 10).
  EXPECT_TRUE(lines[0].starts_with(pad("NAME", 13) + pad("IMAGE", 28) + pad("COMMAND", 14) +
                                   pad("SERVICE", 10) + "CREATED"))
      << r;
  EXPECT_NE(lines[0].find("   STATUS"), std::string::npos) << r;
  EXPECT_TRUE(lines[0].ends_with("   PORTS")) << r;
  EXPECT_TRUE(lines[2].starts_with(pad("shop-web-1", 13) + pad("localhost/lit-test:latest", 28) +
                                   pad("\"sleep 600\"", 14) + pad("web", 10)))
      << r;
  // Exposed-only ports as compose shows them, then the published one.
  EXPECT_TRUE(lines[2].ends_with("9000/tcp, 0.0.0.0:8088->80/tcp")) << r;
}

TEST_F(ListFormatTest, PsJsonCarriesPublishers) {
  auto ps = ps_json();
  ASSERT_EQ(ps.size(), 2u);
  nlohmann::json want = nlohmann::json::array(
      {{{"URL", "0.0.0.0"}, {"TargetPort", 80}, {"PublishedPort", 8088}, {"Protocol", "tcp"}},
       {{"URL", ""}, {"TargetPort", 9000}, {"PublishedPort", 0}, {"Protocol", "tcp"}}});
  EXPECT_EQ(ps["web"].at("Publishers"), want) << ps["web"];
  EXPECT_EQ(ps["web"].at("Ports"), "9000/tcp, 0.0.0.0:8088->80/tcp");
  EXPECT_EQ(ps["db"].at("Publishers"), nlohmann::json::array());
  EXPECT_EQ(ps["web"].at("Name"), "shop-web-1");
  EXPECT_EQ(ps["web"].at("Project"), "shop");
  EXPECT_EQ(ps["web"].at("State"), "running");
  EXPECT_EQ(ps["web"].at("Command"), "\"sleep 600\"");
  EXPECT_EQ(ps["web"].at("ExitCode"), 0);
  EXPECT_EQ(ps["web"].at("Health"), "");
  EXPECT_EQ(ps["web"].at("ID").get<std::string>().size(), 12u);
  EXPECT_TRUE(ps["web"].at("Status").get<std::string>().starts_with("Up ")) << ps["web"];
  auto exited = ps_json({"-a"}).at("job");
  EXPECT_EQ(exited.at("ExitCode"), 3);
  EXPECT_EQ(exited.at("Publishers"), nlohmann::json::array());
}

TEST_F(ListFormatTest, PsStatusFilterServicesAndQuiet) {
  EXPECT_EQ(project({"ps", "--status", "exited", "--format", "{{.Name}}"}).out, "shop-job-1\n");
  EXPECT_EQ(project({"ps", "--filter", "status=exited", "--format", "{{.Name}}"}).out,
            "shop-job-1\n");
  EXPECT_EQ(
      project({"ps", "--status", "exited", "--status", "running", "--format", "{{.Service}}"}).out,
      "db\njob\nweb\n");
  EXPECT_EQ(project({"ps", "--services"}).out, "db\nweb\n");
  EXPECT_EQ(project({"ps", "--services", "-a"}).out, "db\njob\nweb\n");
  EXPECT_EQ(project({"ps", "--services", "--status", "paused"}).out, "\n");  // as compose
  EXPECT_EQ(project({"ps", "--format", "{{.Service}}", "web", "job"}).out, "web\n");
  auto by_service = ids();
  Result q = project({"ps", "-q"});
  auto lines = q.out_lines();
  ASSERT_EQ(lines.size(), 2u) << q;
  EXPECT_EQ(lines[0].size(), 64u) << q;  // compose prints full ids
  EXPECT_TRUE(lines[0].starts_with(by_service["db"])) << q;
  EXPECT_TRUE(lines[1].starts_with(by_service["web"])) << q;
}

TEST_F(ListFormatTest, PsOrphansAreListedUnlessAskedNot) {
  std::string compose = kCompose;
  write(compose.substr(0, compose.find("  job:")));  // job is no longer in the file
  EXPECT_EQ(project({"ps", "-a", "--services"}).out, "db\njob\nweb\n");
  EXPECT_EQ(project({"ps", "-a", "--services", "--orphans=false"}).out, "db\nweb\n");
  Result r = project({"down", "--remove-orphans", "-t", "1"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(ListFormatTest, PsBadFlagsAreOneLineErrors) {
  expect_one_line_error(project({"ps", "--format", "{{.Nope}}"}), "no field \"Nope\"");
  expect_one_line_error(project({"ps", "--format", "{{.Nope}}"}), "--format");
  expect_one_line_error(project({"ps", "--filter", "label=x"}), "unknown filter \"label\"");
  expect_one_line_error(project({"ps", "--status", "sleeping"}), "--status");
  expect_one_line_error(project({"ps", "nosuch"}), "no such service: nosuch");
}

TEST_F(ListFormatTest, PsFormatFromDockerConfig) {
  fs::path dir = docker_config(R"({"psFormat": "{{.Name}}:{{.Service}}"})");
  Result r = project({"ps"}, {"DOCKER_CONFIG=" + dir.string()});
  EXPECT_EQ(r.out, "shop-db-1:db\nshop-web-1:web\n") << r;
  // --format wins over the file.
  r = project({"ps", "--format", "{{.Service}}"}, {"DOCKER_CONFIG=" + dir.string()});
  EXPECT_EQ(r.out, "db\nweb\n") << r;
  dir = docker_config(R"({"psFormat": "{{.Bogus}}"})");
  expect_one_line_error(project({"ps"}, {"DOCKER_CONFIG=" + dir.string()}), "psFormat in");
}

TEST_F(ListFormatTest, ContainerLsFormatAndFilters) {
  Result r = lit({"container", "ls", "--filter", "name=shop-web", "--format",
                  "table {{.Names}}\\t{{.State}}\\t{{.Ports}}"});
  EXPECT_EQ(r.out,
            "NAMES        STATE     PORTS\n"
            "shop-web-1   running   0.0.0.0:8088->80/tcp\n")
      << r;
  std::string web = ids()["web"];
  EXPECT_EQ(lit({"container", "ls", "-q", "--filter", "label=lit.service=web"}).out, web + "\n");
  EXPECT_EQ(lit({"container", "ls", "--filter", "status=exited", "--format", "{{.Names}}"}).out,
            "shop-job-1\n");
  EXPECT_EQ(lit({"container", "ls", "--filter", "label=nope", "--format", "{{.Names}}"}).out, "");
  r = lit({"container", "ls", "--filter", "id=" + web, "--format", "json"});
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("Names"), "shop-web-1");
  EXPECT_EQ(j.at("ID"), web);
  EXPECT_EQ(j.at("Command"), "\"sleep 600\"");
  expect_one_line_error(lit({"container", "ls", "--filter", "colour=red"}), "colour");
  expect_one_line_error(lit({"container", "ls", "--format", "{{.Name}}"}), "no field \"Name\"");
}

TEST_F(ListFormatTest, ImageLsDanglingAndTemplates) {
  Result r = lit({"image", "ls", "--filter", "dangling=true"});
  EXPECT_EQ(r.out, "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n") << r;
  r = lit({"image", "ls", "--filter", "dangling=false", "--format", "{{.Repository}}:{{.Tag}}"});
  EXPECT_EQ(r.out, "localhost/lit-test:latest\n") << r;
  r = lit({"image", "ls", "--format", "json"});
  auto j = nlohmann::json::parse(r.out);  // one object per line, as docker
  EXPECT_EQ(j.at("Repository"), "localhost/lit-test");
  EXPECT_EQ(j.at("ID").get<std::string>().size(), 12u);
  fs::path dir = docker_config(R"({"imagesFormat": "{{.Tag}}"})");
  RunOptions with_config;
  with_config.extra_env = {"DOCKER_CONFIG=" + dir.string()};
  r = lit({"image", "ls"}, with_config);
  EXPECT_EQ(r.out, "latest\n") << r;
  expect_one_line_error(lit({"image", "ls", "--filter", "dangling=maybe"}), "dangling");
}

TEST_F(ListFormatTest, ProjectsAndNetworksFilterAndFormat) {
  EXPECT_EQ(lit({"ls", "--filter", "name=shop", "--format", "{{.Name}} {{.Status}}"}).out,
            "shop exited(1), running(2)\n");
  EXPECT_EQ(lit({"ls", "--filter", "name=^sh", "--filter", "name=other", "-q"}).out, "shop\n");
  EXPECT_EQ(lit({"ls", "--filter", "name=other", "-q"}).out, "");
  Result r = lit({"network", "ls", "--filter", "name=shop", "--format", "{{.Name}} {{.Driver}}"});
  EXPECT_EQ(r.out, "shop_default bridge\n") << r;
  r = project({"images", "--format", "{{.ContainerName}} {{.Tag}}"});
  EXPECT_EQ(r.out, "shop-db-1 latest\nshop-job-1 latest\nshop-web-1 latest\n") << r;
}

}  // namespace
}  // namespace lit::test
