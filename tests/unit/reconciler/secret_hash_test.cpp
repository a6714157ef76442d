// Secrets and configs from the environment or inline content: their values
// never reach `lit config` (to_json), yet a change recreates the service
// (the config hash desired_state puts on its containers sees them).
#include <gtest/gtest.h>

#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {
namespace {

// A service that builds its image, so desired_state needs no image store.
constexpr const char* kProject = R"(name: sec
services:
  app:
    build: .
    secrets: [token]
    configs:
      - source: settings
        target: /etc/app.conf
secrets:
  token:
    environment: TOKEN
configs:
  settings:
    content: "level = ${LEVEL}"
)";

struct Loaded {
  Project project;
  std::string hash;
};

Loaded load_with(const TempDir& dir, const std::string& token, const std::string& level) {
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = [=](const std::string& k) -> std::optional<std::string> {
    if (k == "TOKEN") return token;
    if (k == "LEVEL") return level;
    return std::nullopt;
  };
  Project p = load_project(o);
  Paths paths{dir.path() / "root", dir.path() / "run"};
  std::string hash = desired_state(paths, p).hashes.at("app");
  return {std::move(p), hash};
}

TEST(SecretHash, EnvironmentValueIsHashedButNotPrinted) {
  TempDir dir("/tmp", "lit-secret-hash-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  Loaded a = load_with(dir, "s3cret-one", "debug");
  EXPECT_EQ(to_json(a.project).dump().find("s3cret-one"), std::string::npos);
  EXPECT_NE(to_json(a.project).dump().find("level = debug"),
            std::string::npos);  // content is shown
  EXPECT_EQ(a.hash, load_with(dir, "s3cret-one", "debug").hash);
  EXPECT_NE(a.hash, load_with(dir, "s3cret-two", "debug").hash);
  EXPECT_NE(a.hash, load_with(dir, "s3cret-one", "info").hash);
}

}  // namespace
}  // namespace lit::reconciler
