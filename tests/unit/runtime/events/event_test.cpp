#include "runtime/events/event.hpp"

#include <gtest/gtest.h>

using namespace lit::runtime;

namespace {

Event sample() {
  Event e;
  e.time_ns = 1764072000123456789;
  e.type = "container";
  e.action = "die";
  e.id = "4f2a";
  e.attributes = {{"exitCode", "3"}, {"lit.project", "shop"}, {"name", "shop-job-1"}};
  return e;
}

}  // namespace

TEST(EventTest, EncodesOneJsonLineAndDecodesItBack) {
  std::string line = encode_event(sample());
  EXPECT_EQ(line,
            R"({"action":"die","attributes":{"exitCode":"3","lit.project":"shop",)"
            R"("name":"shop-job-1"},"id":"4f2a","time":1764072000123456789,"type":"container"})");
  auto back = decode_event(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->time_ns, 1764072000123456789);
  EXPECT_EQ(back->type, "container");
  EXPECT_EQ(back->action, "die");
  EXPECT_EQ(back->id, "4f2a");
  EXPECT_EQ(back->attributes, sample().attributes);
}

TEST(EventTest, ALabelWithAQuoteOrANewlineStaysOnOneLine) {
  Event e = sample();
  e.attributes["note"] = "say \"hi\"\nbye";
  std::string line = encode_event(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(decode_event(line)->attributes.at("note"), "say \"hi\"\nbye");
}

TEST(EventTest, InvalidUtf8IsReplacedNotLost) {
  Event e = sample();
  e.attributes["bad"] = "a\xff";
  auto back = decode_event(encode_event(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->attributes.at("bad"), "a\xef\xbf\xbd");
}

TEST(EventTest, ATornOrForeignLineIsNoEvent) {
  std::string line = encode_event(sample());
  EXPECT_FALSE(decode_event(line.substr(0, line.size() / 2)));
  EXPECT_FALSE(decode_event(""));
  EXPECT_FALSE(decode_event("[1,2]"));
  EXPECT_FALSE(decode_event(R"({"time":"soon","type":"container","action":"x","id":"y"})"));
  EXPECT_FALSE(decode_event(R"({"type":"container","action":"x","id":"y"})"));
}

TEST(EventTest, AttributesAreOptional) {
  auto e = decode_event(R"({"time":5,"type":"network","action":"create","id":"n1"})");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->attributes.empty());
}
