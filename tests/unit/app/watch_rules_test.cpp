// `lit watch`'s rules: which changed path each rule takes and where it goes in
// the container, and compose's errors for projects it cannot watch.
#include "app/watch_rules.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace lit::app {
namespace {

using lit::testing::error_of;
using reconciler::Project;
using reconciler::Service;
using reconciler::WatchRule;

ActiveRule rule(const std::string& action, std::vector<std::string> ignore = {},
                std::vector<std::string> include = {}) {
  Project p;
  Service s;
  s.name = "web";
  s.image = "busybox";
  s.watch.push_back(WatchRule{
      "/p/src", action, action.starts_with("sync") ? "/app" : "", {}, include, ignore, false});
  p.services["web"] = s;
  std::vector<std::string> warnings;
  return watch_rules(p, {}, warnings).at(0);
}

TEST(WatchRules, SyncMapsPathsBelowTheRuleToTheTarget) {
  ActiveRule r = rule("sync");
  EXPECT_EQ(match(r, "/p/src/a.txt"), "/app/a.txt");
  EXPECT_EQ(match(r, "/p/src/d/e/f.js"), "/app/d/e/f.js");
  EXPECT_EQ(match(r, "/p/src"), "/app");
  EXPECT_EQ(match(r, "/p/srcx/a.txt"), std::nullopt);
  EXPECT_EQ(match(r, "/p/other"), std::nullopt);
}

TEST(WatchRules, IgnoresPatternsGitAndEditorFiles) {
  ActiveRule r = rule("sync", {"node_modules/", "*.tmp"});
  EXPECT_EQ(match(r, "/p/src/node_modules/x/y.js"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/node_modules"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/build.tmp"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/d/build.tmp"), "/app/d/build.tmp");  // "*.tmp" is at the top only
  EXPECT_EQ(match(r, "/p/src/.git/HEAD"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/.main.c.swp"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/main.c~"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/4913"), std::nullopt);
  EXPECT_EQ(match(r, "/p/src/main.c"), "/app/main.c");
}

TEST(WatchRules, IncludeKeepsOnlyMatchingPaths) {
  ActiveRule r = rule("sync+restart", {}, {"*.conf"});
  EXPECT_EQ(match(r, "/p/src/a.conf"), "/app/a.conf");
  EXPECT_EQ(match(r, "/p/src/a.txt"), std::nullopt);
}

TEST(WatchRules, RestartHasNoTarget) { EXPECT_EQ(match(rule("restart"), "/p/src/x"), ""); }

TEST(WatchRules, ComposeErrors) {
  Project p;
  Service s;
  s.name = "web";
  s.image = "busybox";
  p.services["web"] = s;
  std::vector<std::string> warnings;
  EXPECT_EQ(error_of([&] { watch_rules(p, {}, warnings); }),
            "none of the selected services is configured for watch, consider setting a 'develop' "
            "section");
  p.services["web"].watch.push_back(WatchRule{"/p/src", "rebuild", "", {}, {}, {}, false});
  EXPECT_EQ(error_of([&] { watch_rules(p, {}, warnings); }),
            "can't watch service \"web\" with action rebuild without a build context");
  Service other;
  other.name = "api";
  other.image = "busybox";
  p.services["api"] = other;
  // Only the selected services count.
  EXPECT_EQ(error_of([&] { watch_rules(p, {"api"}, warnings); }),
            "none of the selected services is configured for watch, consider setting a 'develop' "
            "section");
}

TEST(WatchRules, SyncOfABindMountedPathIsSkippedWithComposesWarning) {
  Project p;
  Service s;
  s.name = "web";
  s.image = "busybox";
  reconciler::Mount m;
  m.type = reconciler::MountType::bind;
  m.source = "/p";
  m.target = "/p";
  s.volumes.push_back(m);
  s.watch.push_back(WatchRule{"/p/src", "sync", "/app", {}, {}, {}, false});
  s.watch.push_back(WatchRule{"/p/src", "restart", "", {}, {}, {}, false});
  p.services["web"] = s;
  std::vector<std::string> warnings;
  auto rules = watch_rules(p, {}, warnings);
  ASSERT_EQ(rules.size(), 1U);
  EXPECT_EQ(rules[0].rule.action, "restart");
  EXPECT_EQ(warnings, std::vector<std::string>{
                          "path '/p/src' also declared by a bind mount volume, this path won't be "
                          "monitored!"});
}

TEST(WatchRules, QuotedListAsGoPrintsIt) {
  EXPECT_EQ(quoted_list({"web"}), "[\"web\"]");
  EXPECT_EQ(quoted_list({"api", "web"}), "[\"api\" \"web\"]");
}

}  // namespace
}  // namespace lit::app
