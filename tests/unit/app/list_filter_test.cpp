#include "app/views/list_filter.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

const std::vector<std::string> kKeys{"label", "name", "id", "status"};

std::string error_of(const std::vector<std::string>& values,
                     const std::vector<std::string>& keys = kKeys) {
  try {
    parse_filters(values, keys);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

bool matches(const std::vector<std::string>& values, const FilterSubject& s) {
  return filter_matches(
      parse_filters(values, {"label", "name", "id", "status", "dangling", "driver"}), s);
}

FilterSubject web() {
  FilterSubject s;
  s.id = "0123456789abcdef";
  s.name = "shop-web-1";
  s.labels = {{"tier", "front"}, {"lit.project", "shop"}, {"empty", ""}};
  s.status = "running";
  return s;
}

TEST(ListFilter, ParsesRepeatedKeys) {
  ListFilter f = parse_filters({"label=a", "name=x", "label=b=c"}, kKeys);
  EXPECT_EQ(f.terms.at("label"), (std::vector<std::string>{"a", "b=c"}));
  EXPECT_EQ(f.terms.at("name"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(f.has("label"));
  EXPECT_FALSE(f.has("status"));
  EXPECT_TRUE(parse_filters({}, kKeys).empty());
}

TEST(ListFilter, ErrorsNameTheFlagAndValue) {
  EXPECT_EQ(error_of({"label"}),
            "invalid value \"label\" for flag --filter: bad format of filter (expected "
            "name=value)");
  EXPECT_EQ(error_of({"colour=red"}),
            "invalid value \"colour=red\" for flag --filter: unknown filter \"colour\" (filters: "
            "label, name, id, status)");
  EXPECT_EQ(error_of({"status=sleeping"}),
            "invalid value \"status=sleeping\" for flag --filter: status is one of created, "
            "restarting, running, removing, paused, exited, dead");
  EXPECT_EQ(error_of({"dangling=maybe"}, {"dangling"}),
            "invalid value \"dangling=maybe\" for flag --filter: dangling is one of true, false");
  EXPECT_EQ(error_of({"name=[x"}),
            "invalid value \"name=[x\" for flag --filter: not a regular expression");
}

TEST(ListFilter, Labels) {
  EXPECT_TRUE(matches({"label=tier"}, web()));
  EXPECT_TRUE(matches({"label=tier=front"}, web()));
  EXPECT_FALSE(matches({"label=tier=back"}, web()));
  EXPECT_FALSE(matches({"label=nope"}, web()));
  EXPECT_TRUE(matches({"label=empty="}, web()));
  // Every label filter must match.
  EXPECT_TRUE(matches({"label=tier", "label=lit.project=shop"}, web()));
  EXPECT_FALSE(matches({"label=tier", "label=lit.project=other"}, web()));
}

TEST(ListFilter, NamesAndIdsMatchAsDocker) {
  EXPECT_TRUE(matches({"name=shop-web-1"}, web()));
  EXPECT_TRUE(matches({"name=web"}, web()));  // found in the name
  EXPECT_TRUE(matches({"name=^shop-"}, web()));
  EXPECT_FALSE(matches({"name=^web"}, web()));
  EXPECT_TRUE(matches({"name=db", "name=web"}, web()));  // any of a key's values
  EXPECT_TRUE(matches({"id=0123"}, web()));
  EXPECT_FALSE(matches({"id=ffff"}, web()));
}

TEST(ListFilter, StatusAndKeysTogether) {
  EXPECT_TRUE(matches({"status=running"}, web()));
  EXPECT_TRUE(matches({"status=exited", "status=running"}, web()));
  EXPECT_FALSE(matches({"status=exited"}, web()));
  EXPECT_FALSE(matches({"status=running", "name=db"}, web()));  // every key
}

TEST(ListFilter, DanglingImagesAndDrivers) {
  FilterSubject untagged;
  untagged.dangling = true;
  FilterSubject tagged;
  tagged.dangling = false;
  EXPECT_TRUE(matches({"dangling=true"}, untagged));
  EXPECT_FALSE(matches({"dangling=true"}, tagged));
  EXPECT_TRUE(matches({"dangling=false"}, tagged));
  FilterSubject net;
  net.driver = "bridge";
  EXPECT_TRUE(matches({"driver=bridge"}, net));
  EXPECT_FALSE(matches({"driver=host"}, net));
}

}  // namespace
}  // namespace lit::app
