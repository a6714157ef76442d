// The repository's demo project (../../lit.yml) loads, as `lit up` will read it.
#include <gtest/gtest.h>

#include <filesystem>

#include "reconciler/load/load.hpp"

namespace lit::reconciler {
namespace {

const std::filesystem::path kRepo = std::filesystem::path(LIT_SOURCE_DIR);

std::optional<std::string> no_env(const std::string&) { return std::nullopt; }

TEST(LoadDemo, RootLitYmlLoadsWithoutWarnings) {
  LoadOptions o;
  o.working_dir = kRepo.string();
  o.environment = no_env;
  Project p = load_project(o);
  EXPECT_EQ(p.name, "litdemo");
  EXPECT_EQ(p.working_dir, kRepo.string());
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  ASSERT_EQ(p.services.size(), 3u);

  const Service& web = p.services.at("web");
  EXPECT_EQ(web.image, "localhost/lit-test:latest");
  EXPECT_EQ(*web.command, (std::vector<std::string>{"httpd", "-f", "-p", "8080", "-h", "/www"}));
  ASSERT_EQ(web.ports.size(), 1u);
  EXPECT_EQ(web.ports[0].to_publish_spec(), "8080:8080");
  ASSERT_EQ(web.volumes.size(), 1u);
  EXPECT_EQ(web.volumes[0].type, MountType::bind);
  EXPECT_EQ(web.volumes[0].source, (kRepo / "examples/web").string());
  EXPECT_TRUE(web.volumes[0].read_only);
  EXPECT_EQ(*web.resources.memory, 32 << 20);
  EXPECT_TRUE(web.optimize.auto_memory_tune);
  ASSERT_TRUE(web.healthcheck);
  EXPECT_EQ(web.healthcheck->interval->nanoseconds, 2000000000);
  EXPECT_EQ(web.healthcheck->interval->text, "2s");
  EXPECT_EQ(web.healthcheck->retries, 3);
  EXPECT_EQ(web.networks.count("default"), 1u);

  const Service& api = p.services.at("api");
  ASSERT_EQ(api.command->size(), 3u);
  // $$ in the file is a literal $ for the shell.
  EXPECT_NE(api.command->at(2).find("n=$(( $(cat /data/count"), std::string::npos);
  EXPECT_EQ(api.volumes[0].type, MountType::volume);
  EXPECT_EQ(api.volumes[0].source, "counts");
  EXPECT_EQ(p.volumes.at("counts").name, "litdemo_counts");

  const Service& client = p.services.at("client");
  EXPECT_EQ(client.depends_on.at("web").condition, DependCondition::service_healthy);
  EXPECT_EQ(client.depends_on.at("api").condition, DependCondition::service_healthy);
  EXPECT_EQ(client.restart.text, "no");
  EXPECT_EQ(client.restart.value.mode, runtime::RestartMode::No);
  EXPECT_EQ(p.networks.at("default").name, "litdemo_default");
  EXPECT_EQ(start_order(p).back(), "client");
}

// Every example project under examples/ loads without error or warning (the
// schema agreement test validates the same files against lit.schema.json).
TEST(LoadExamples, EveryExampleLoads) {
  int loaded = 0;
  for (const auto& e : std::filesystem::directory_iterator(kRepo / "examples")) {
    if (!e.is_directory()) continue;
    auto files = discover_files(e.path().string());
    if (files.empty() || files.front().find(e.path().string() + "/") != 0) continue;  // e.g. web/
    LoadOptions o;
    o.working_dir = e.path().string();
    o.environment = no_env;
    SCOPED_TRACE(e.path().string());
    Project p = load_project(o);
    EXPECT_FALSE(p.services.empty());
    EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
    ++loaded;
  }
  EXPECT_GE(loaded, 3);
}

TEST(LoadExamples, ProfilesExample) {
  LoadOptions o;
  o.working_dir = (kRepo / "examples/profiles").string();
  o.environment = no_env;
  Project p = load_project(o);
  EXPECT_EQ(p.services.count("shell"), 0u);
  EXPECT_EQ(p.disabled_services, (std::vector<std::string>{"shell", "web-debug"}));
  EXPECT_EQ(p.services.at("web").ports[0].to_publish_spec(), "127.0.0.1:8081:8080");
  o.profiles = {"debug"};
  p = load_project(o);
  const Service& dbg = p.services.at("web-debug");
  EXPECT_EQ(dbg.restart.text, "unless-stopped");
  EXPECT_EQ(dbg.restart.value.mode, runtime::RestartMode::UnlessStopped);
  ASSERT_EQ(dbg.ports.size(), 2u);
  EXPECT_EQ(dbg.ports[1].to_publish_spec(), "127.0.0.1:8082:8080");
  EXPECT_EQ(dbg.volumes[0].source, (kRepo / "examples/web").string());
}

}  // namespace
}  // namespace lit::reconciler
