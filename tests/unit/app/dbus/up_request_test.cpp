#include "app/dbus/up_request.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace lit::app::dbus {
namespace {

using lit::testing::error_of;
using Strings = std::vector<std::string>;

OptionValue strings(Strings v) { return {"as", std::move(v)}; }
OptionValue flag(bool b) { return {"b", b}; }
OptionValue seconds(std::uint32_t s) { return {"u", s}; }

TEST(UpRequest, NoOptionsIsUpOfTheDirectory) {
  UpRequest r = parse_up_request("/srv/shop/", {});
  EXPECT_EQ(r.project_dir, "/srv/shop/");
  EXPECT_TRUE(r.files.empty());
  EXPECT_TRUE(r.profiles.empty());
  EXPECT_FALSE(r.wait);
  EXPECT_FALSE(r.atomic);
  EXPECT_EQ(r.timeout, std::chrono::seconds(120));
}

TEST(UpRequest, EveryOption) {
  UpRequest r = parse_up_request("/srv/shop", {{"files", strings({"compose.yaml", "/etc/o.yaml"})},
                                               {"profiles", strings({"debug"})},
                                               {"wait", flag(true)},
                                               {"atomic", flag(true)},
                                               {"timeout", seconds(30)}});
  EXPECT_EQ(r.files, (Strings{"/srv/shop/compose.yaml", "/etc/o.yaml"}));
  EXPECT_EQ(r.profiles, (Strings{"debug"}));
  EXPECT_TRUE(r.wait);
  EXPECT_TRUE(r.atomic);
  EXPECT_EQ(r.timeout, std::chrono::seconds(30));
}

TEST(UpRequest, UpsFlags) {
  UpRequest r = parse_up_request("/srv/shop", {{"services", strings({"web", "db"})},
                                               {"build", flag(true)},
                                               {"force_recreate", flag(true)},
                                               {"remove_orphans", flag(true)},
                                               {"pull", OptionValue{"s", "never"}}});
  EXPECT_EQ(r.services, (Strings{"web", "db"}));
  EXPECT_TRUE(r.build);
  EXPECT_TRUE(r.force_recreate);
  EXPECT_TRUE(r.remove_orphans);
  EXPECT_EQ(r.pull, "never");
  UpRequest none = parse_up_request("/srv/shop", {});
  EXPECT_TRUE(none.services.empty());
  EXPECT_FALSE(none.build || none.force_recreate || none.remove_orphans);
  EXPECT_EQ(none.pull, "");
}

TEST(UpRequest, ABadPullOrServiceIsRefused) {
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"pull", OptionValue{"s", "sometimes"}}});
            }),
            "Up: option \"pull\" is \"sometimes\"");
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"services", strings({"web", ""})}});
            }),
            "Up: option \"services\" holds an empty name");
}

TEST(UpRequest, RelativeFilesAreFromTheProjectDirectory) {
  UpRequest r = parse_up_request("/srv/shop", {{"files", strings({"../base/compose.yaml"})}});
  EXPECT_EQ(r.files, (Strings{"/srv/base/compose.yaml"}));
}

TEST(UpRequest, ARelativeOrEmptyDirectoryIsRefused) {
  EXPECT_EQ(error_of([] { parse_up_request("shop", {}); }),
            "Up: project directory \"shop\" is not an absolute path");
  EXPECT_EQ(error_of([] { parse_up_request("", {}); }),
            "Up: project directory \"\" is not an absolute path");
}

TEST(UpRequest, AnUnknownOptionIsNamed) {
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"detach", flag(true)}});
            }),
            "Up: unknown option \"detach\"");
  try {
    parse_up_request("/srv/shop", {{"detach", flag(true)}});
  } catch (const Error& e) {
    EXPECT_EQ(e.hint(),
              "the options: files (as), profiles (as), services (as), wait (b), timeout (u), "
              "atomic (b), build (b), force_recreate (b), remove_orphans (b), pull (s)");
  }
}

TEST(UpRequest, AWrongTypeIsNamed) {
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"wait", OptionValue{"s", "yes"}}});
            }),
            "Up: option \"wait\" must be of type b, not s");
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"timeout", OptionValue{"i", {}}}});
            }),
            "Up: option \"timeout\" must be of type u, not i");
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"files", OptionValue{"s", "a.yaml"}}});
            }),
            "Up: option \"files\" must be of type as, not s");
}

TEST(UpRequest, ZeroTimeoutAndEmptyFileAreRefused) {
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"timeout", seconds(0)}});
            }),
            "Up: option \"timeout\" must be at least 1 second");
  EXPECT_EQ(error_of([] {
              parse_up_request("/srv/shop", {{"files", strings({""})}});
            }),
            "Up: option \"files\" holds an empty path");
}

}  // namespace
}  // namespace lit::app::dbus
