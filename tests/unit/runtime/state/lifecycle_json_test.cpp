// The restart policy is typed in memory and the `--restart` text in records,
// as an older lit wrote it, so its records still load.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/state/record.hpp"

namespace lit::runtime {
namespace {

ContainerRecord with_policy(const RestartPolicy& p) {
  ContainerRecord r;
  r.id = std::string(64, 'a');
  r.name = "web";
  r.lifecycle.restart = p;
  return r;
}

TEST(LifecycleJson, RestartIsWrittenAsTheFlagText) {
  auto j = to_json(with_policy({RestartMode::OnFailure, 3, true}));
  EXPECT_EQ(j.at("lifecycle").at("restart"), "on-failure:3");
  EXPECT_EQ(j.at("lifecycle").at("restart_on_unhealthy"), true);
  EXPECT_EQ(to_json(with_policy({})).at("lifecycle").at("restart"), "no");
}

TEST(LifecycleJson, RestartTextOfAnOlderLitLoadsTyped) {
  for (const char* text : {"no", "always", "unless-stopped", "on-failure", "on-failure:5"}) {
    auto j = to_json(with_policy({}));
    j["lifecycle"]["restart"] = text;
    j["lifecycle"]["restart_on_unhealthy"] = false;
    ContainerRecord back = record_from_json(j);
    EXPECT_EQ(back.lifecycle.restart, parse_restart_policy(text)) << text;
    EXPECT_EQ(to_json(back), j) << text;
  }
  auto j = to_json(with_policy({}));
  j["lifecycle"]["restart"] = "on-failure:2";
  j["lifecycle"]["restart_on_unhealthy"] = true;
  EXPECT_EQ(record_from_json(j).lifecycle.restart,
            (RestartPolicy{RestartMode::OnFailure, 2, true}));
}

}  // namespace
}  // namespace lit::runtime
