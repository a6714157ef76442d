#include "runtime/state/ids.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace lit::runtime;
using namespace std::chrono_literals;

TEST(Record, IdsAndNames) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto id = generate_id();
    EXPECT_EQ(id.size(), 64u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(is_generated_id(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_FALSE(is_generated_id("c0ffee"));
  EXPECT_FALSE(is_generated_id(std::string(64, 'A')));  // lit's ids are lowercase
  EXPECT_FALSE(is_generated_id(std::string(63, 'a') + "g"));
  EXPECT_FALSE(is_generated_id(std::string(65, 'a')));
  auto name = generate_name();
  EXPECT_NE(name.find('_'), std::string::npos);
}

TEST(Record, Rfc3339Time) {
  auto tp = parse_rfc3339("2024-05-01T12:00:00.5Z");
  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(tp->time_since_epoch()).count(),
            1714564800500);
  auto now_text = now_rfc3339();
  auto parsed = parse_rfc3339(now_text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - *parsed), 5s);
  EXPECT_FALSE(parse_rfc3339("yesterday").has_value());
}
