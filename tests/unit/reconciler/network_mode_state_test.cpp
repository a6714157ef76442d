// network_mode: service:X in the planner's input: the service depends on X
// (its namespace must exist first), and a change of X changes its hash too (a
// recreated X takes the namespace along, so the dependant must be recreated).
#include <gtest/gtest.h>

#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {
namespace {

// Services that build their images, so desired_state needs no image store.
constexpr const char* kProject = R"(name: pod
services:
  web:
    build: .
    environment: {COLOR: "${COLOR}"}
  sidecar:
    build: .
    network_mode: service:web
  other:
    build: .
)";

Desired desired_with(const TempDir& dir, const std::string& color) {
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = [=](const std::string& k) -> std::optional<std::string> {
    return k == "COLOR" ? std::optional<std::string>(color) : std::nullopt;
  };
  return desired_state(Paths{dir.path() / "root", dir.path() / "run"}, load_project(o));
}

TEST(NetworkModeState, DependantDependsOnItsTargetAndFollowsItsHash) {
  TempDir dir("/tmp", "lit-netmode-state-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  Desired blue = desired_with(dir, "blue"), red = desired_with(dir, "red");
  for (const auto& s : blue.state.services) {
    if (s.name != "sidecar") continue;
    ASSERT_EQ(s.depends_on.size(), 1u);
    EXPECT_EQ(s.depends_on[0].service, "web");
    EXPECT_EQ(s.depends_on[0].condition, Condition::Started);
  }
  EXPECT_NE(blue.hashes.at("web"), red.hashes.at("web"));
  EXPECT_NE(blue.hashes.at("sidecar"), red.hashes.at("sidecar"));
  EXPECT_EQ(blue.hashes.at("other"), red.hashes.at("other"));
  EXPECT_EQ(blue.hashes, desired_with(dir, "blue").hashes);
}

}  // namespace
}  // namespace lit::reconciler
