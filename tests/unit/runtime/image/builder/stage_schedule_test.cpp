// Stages in parallel: each after its needs, two at once, the first failure kept.
#include "runtime/image/builder/stage_schedule.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace lit::image::builder {
namespace {

using Needs = std::vector<std::vector<std::size_t>>;

TEST(StageSchedule, IndependentStagesAreFound) {
  EXPECT_FALSE(has_independent_stages({}));
  EXPECT_FALSE(has_independent_stages({{}}));
  EXPECT_FALSE(has_independent_stages({{}, {0}, {1}}));  // a chain
  EXPECT_TRUE(has_independent_stages({{}, {}, {0, 1}}));
  EXPECT_FALSE(has_independent_stages({{}, {0}, {0, 1}}));
}

TEST(StageSchedule, EachStageAfterItsNeedsAndTwoAtOnce) {
  const Needs needs{{}, {}, {0, 1}};
  std::mutex mu;
  std::vector<std::size_t> done;
  std::atomic<int> running{0}, most{0};
  std::atomic<int> started{0};
  run_stages(needs, 2, [&](std::size_t i) {
    int now = ++running;
    most = std::max(most.load(), now);
    if (i < 2) {  // the two independent ones wait for each other: both run at once
      ++started;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (started < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {
      std::lock_guard lock(mu);
      if (i == 2) {
        EXPECT_EQ(done.size(), 2u);
      }
      done.push_back(i);
    }
    --running;
  });
  EXPECT_EQ(done.size(), 3u);
  EXPECT_EQ(done.back(), 2u);
  EXPECT_EQ(most.load(), 2);
}

TEST(StageSchedule, AChainRunsInOrderInTheCallingThread) {
  std::vector<std::size_t> order;
  const auto caller = std::this_thread::get_id();
  run_stages({{}, {0}, {1}}, 2, [&](std::size_t i) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    order.push_back(i);
  });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(StageSchedule, AFailureStopsWhatDependsOnIt) {
  std::mutex mu;
  std::vector<std::size_t> built;
  auto build = [&](std::size_t i) {
    if (i == 0) throw std::runtime_error("stage 0 failed");
    std::lock_guard lock(mu);
    built.push_back(i);
  };
  EXPECT_THROW(run_stages({{}, {}, {0, 1}}, 2, build), std::runtime_error);
  for (auto i : built) EXPECT_NE(i, 2u);
}

}  // namespace
}  // namespace lit::image::builder
