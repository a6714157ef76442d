#include "app/views/event_view.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdlib>

#include "runtime/util/error.hpp"

using namespace lit::app;
using lit::runtime::Event;

namespace {

// Times print in the local zone: each test sets it.
class EventViewTest : public ::testing::Test {
 protected:
  void SetUp() override { zone("UTC"); }
  void TearDown() override { zone(saved_ ? saved_->c_str() : nullptr); }
  static void zone(const char* tz) {
    if (tz)
      ::setenv("TZ", tz, 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

  static Event web(std::string action, std::map<std::string, std::string> extra = {}) {
    Event e;
    e.time_ns = 1764957600123456789;  // 2025-12-05T18:00:00.123456789Z
    e.type = "container";
    e.action = std::move(action);
    e.id = "0123abcd";
    e.attributes = {{"image", "localhost/lit-test:latest"},
                    {"lit.project", "shop"},
                    {"lit.service", "web"},
                    {"lit.number", "1"},
                    {"tier", "front"},
                    {"name", "shop-web-1"}};
    for (auto& [k, v] : extra) e.attributes[k] = v;
    return e;
  }

 private:
  std::optional<std::string> saved_ =
      std::getenv("TZ") ? std::optional<std::string>(std::getenv("TZ")) : std::nullopt;
};

}  // namespace

TEST_F(EventViewTest, DockerLineHasTheTimeTypeActionIdAndSortedAttributes) {
  EXPECT_EQ(docker_event_line(web("die", {{"exitCode", "3"}})),
            "2025-12-05T18:00:00.123456789Z container die 0123abcd (exitCode=3, "
            "image=localhost/lit-test:latest, lit.number=1, lit.project=shop, lit.service=web, "
            "name=shop-web-1, tier=front)");
  Event bare;
  bare.time_ns = 1764957600000000000;
  bare.type = "network";
  bare.action = "create";
  bare.id = "n1";
  EXPECT_EQ(docker_event_line(bare), "2025-12-05T18:00:00.000000000Z network create n1");
}

TEST_F(EventViewTest, TimesAreInTheLocalZone) {
  zone("CET-1");
  EXPECT_EQ(docker_event_line(web("start")).substr(0, 36), "2025-12-05T19:00:00.123456789+01:00 ");
  auto c = compose_event(web("start"), "shop", {});
  ASSERT_TRUE(c);
  EXPECT_EQ(compose_event_line(*c).substr(0, 27), "2025-12-05 19:00:00.123456 ");
  EXPECT_NE(compose_event_json(*c).find(R"("time":"2025-12-05T19:00:00.123456789+01:00")"),
            std::string::npos);
}

TEST_F(EventViewTest, DockerJsonIsTheEventsMessage) {
  EXPECT_EQ(docker_event_fields(web("start")).dump(),
            R"({"status":"start","id":"0123abcd","from":"localhost/lit-test:latest",)"
            R"("Type":"container","Action":"start","Actor":{"ID":"0123abcd","Attributes":)"
            R"({"image":"localhost/lit-test:latest","lit.number":"1","lit.project":"shop",)"
            R"("lit.service":"web","name":"shop-web-1","tier":"front"}},"scope":"local",)"
            R"("time":1764957600,"timeNano":1764957600123456789})");
}

TEST_F(EventViewTest, ComposeLineLeavesOutTheProjectLabels) {
  auto c = compose_event(web("die", {{"exitCode", "0"}}), "shop", {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->service, "web");
  EXPECT_EQ(compose_event_line(*c),
            "2025-12-05 18:00:00.123456 container die 0123abcd (exitCode=0, "
            "image=localhost/lit-test:latest, name=shop-web-1, tier=front)");
}

TEST_F(EventViewTest, ComposeJsonHasComposeKeysInGoMapOrder) {
  auto c = compose_event(web("create"), "shop", {"web"});
  ASSERT_TRUE(c);
  EXPECT_EQ(compose_event_json(*c),
            R"({"action":"create","attributes":{"image":"localhost/lit-test:latest",)"
            R"("name":"shop-web-1","tier":"front"},"id":"0123abcd","service":"web",)"
            R"("time":"2025-12-05T18:00:00.123456789Z","type":"container"})");
  Event whole = web("create");
  whole.time_ns = 1764957600100000000;
  EXPECT_NE(compose_event_json(*compose_event(whole, "shop", {})).find("18:00:00.1Z"),
            std::string::npos);
  whole.time_ns = 1764957600000000000;
  EXPECT_NE(compose_event_json(*compose_event(whole, "shop", {})).find(R"("2025-12-05T18:00:00Z")"),
            std::string::npos);
}

TEST_F(EventViewTest, ComposeKeepsOnlyTheProjectsServiceContainers) {
  EXPECT_FALSE(compose_event(web("start"), "other", {}));
  EXPECT_FALSE(compose_event(web("start"), "shop", {"db"}));
  EXPECT_TRUE(compose_event(web("start"), "shop", {"db", "web"}));
  EXPECT_FALSE(compose_event(web("start", {{"lit.oneoff", "True"}}), "shop", {}));
  Event net = web("create");
  net.type = "network";
  EXPECT_FALSE(compose_event(net, "shop", {}));
}

TEST_F(EventViewTest, FiltersMatchAsDockers) {
  auto matches = [](std::vector<std::string> f, const Event& e) {
    return event_matches(parse_event_filters(f), e);
  };
  Event e = web("health_status: healthy");
  EXPECT_TRUE(matches({}, e));
  EXPECT_TRUE(matches({"container=shop-web-1"}, e));
  EXPECT_TRUE(matches({"container=shop-web"}, e));  // the start of a name
  EXPECT_TRUE(matches({"container=0123"}, e));      // or of an id
  EXPECT_FALSE(matches({"container=web"}, e));
  EXPECT_TRUE(matches({"container=db", "container=shop-web-1"}, e));  // any value of a key
  EXPECT_TRUE(matches({"event=health_status"}, e));
  EXPECT_TRUE(matches({"event=health_status: healthy"}, e));
  EXPECT_FALSE(matches({"event=health_status: unhealthy"}, e));
  EXPECT_FALSE(matches({"event=start"}, e));
  EXPECT_TRUE(matches({"label=tier"}, e));
  EXPECT_TRUE(matches({"label=tier=front", "label=lit.service=web"}, e));
  EXPECT_FALSE(matches({"label=tier=front", "label=lit.service=db"}, e));  // every label
  EXPECT_TRUE(matches({"type=container"}, e));
  EXPECT_FALSE(matches({"type=network"}, e));
  EXPECT_TRUE(matches({"image=localhost/lit-test"}, e));
  EXPECT_TRUE(matches({"image=localhost/lit-test:latest", "type=container"}, e));
  EXPECT_FALSE(matches({"image=busybox"}, e));
  EXPECT_FALSE(matches({"type=container", "event=start"}, e));  // every key
}

TEST_F(EventViewTest, AnUnknownFilterIsAnErrorNamingTheFlag) {
  try {
    parse_event_filters({"volume=data"});
    FAIL() << "no error";
  } catch (const lit::Error& err) {
    EXPECT_NE(std::string(err.what()).find("--filter"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("volume"), std::string::npos) << err.what();
  }
}
