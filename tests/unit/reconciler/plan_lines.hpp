#pragma once
// The plan tests' view of a plan: its rendered lines, after checking its
// invariant (every edge points to an earlier action).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "reconciler/plan.hpp"

namespace lit::testing {

inline std::vector<std::string> plan_lines(const reconciler::Plan& plan) {
  for (std::size_t i = 0; i < plan.actions.size(); ++i)
    for (std::size_t before : plan.actions[i].after) EXPECT_LT(before, i) << "action " << i;
  std::vector<std::string> out;
  std::istringstream in(reconciler::render_plan(plan));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace lit::testing
