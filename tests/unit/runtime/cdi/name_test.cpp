// A CDI device's qualified name: which --device values are CDI names and the
// one-line error a malformed one gets.
#include "runtime/cdi/name.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace lit::runtime::cdi {
namespace {

using lit::testing::error_of;

TEST(CdiName, TellsNamesFromPaths) {
  EXPECT_TRUE(is_device_name("example.com/gpu=0"));
  EXPECT_TRUE(is_device_name("vendor.com/class=all"));
  EXPECT_FALSE(is_device_name("/dev/fuse"));
  EXPECT_FALSE(is_device_name("/dev/a=b"));  // a path stays a path
  EXPECT_FALSE(is_device_name("dev/fuse"));  // the path parser says it is not absolute
  EXPECT_FALSE(is_device_name(""));
}

TEST(CdiName, ParsesVendorClassAndName) {
  EXPECT_EQ(parse_device_name("example.com/gpu=0"), (DeviceName{"example.com", "gpu", "0"}));
  DeviceName d = parse_device_name("foo.bar.baz/foo-bar123.B_az=card:1.x_y-z");
  EXPECT_EQ(d.vendor, "foo.bar.baz");
  EXPECT_EQ(d.cls, "foo-bar123.B_az");
  EXPECT_EQ(d.name, "card:1.x_y-z");  // ':' may stand inside a device name
  EXPECT_EQ(d.kind(), "foo.bar.baz/foo-bar123.B_az");
  EXPECT_EQ(d.text(), "foo.bar.baz/foo-bar123.B_az=card:1.x_y-z");
  EXPECT_EQ(parse_device_name("a/b=c").text(), "a/b=c");
}

TEST(CdiName, BadNamesNameTheFlagAndWhy) {
  const std::string use = " (a CDI device is VENDOR/CLASS=NAME, e.g. example.com/gpu=0)";
  EXPECT_EQ(error_of([] { parse_device_name("gpu=0"); }),
            "invalid value \"gpu=0\" for flag --device: no \"/\" between vendor and "
            "class" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("-x.com/gpu=0"); }),
            "invalid value \"-x.com/gpu=0\" for flag --device: vendor \"-x.com\" "
            "must start with a letter or digit" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x..com/gpu=0"); }),
            "invalid value \"x..com/gpu=0\" for flag --device: vendor \"x..com\" has "
            "an empty label (\"..\")" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x-.com/gpu=0"); }),
            "invalid value \"x-.com/gpu=0\" for flag --device: vendor \"x-.com\": "
            "each label between dots must start and end with a letter or digit" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/g/pu=0", "devices"); }),
            "invalid value \"x.com/g/pu=0\" for devices: class \"g/pu\" has '/', "
            "which is not allowed" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/=0"); }),
            "invalid value \"x.com/=0\" for flag --device: class is empty" + use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/gpu="); }),
            "invalid value \"x.com/gpu=\" for flag --device: name is empty" + use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/gpu=a b"); }),
            "invalid value \"x.com/gpu=a b\" for flag --device: name \"a b\" "
            "has ' ', which is not allowed" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/gpu=0:"); }),
            "invalid value \"x.com/gpu=0:\" for flag --device: name \"0:\" "
            "must end with a letter or digit" +
                use);
  EXPECT_EQ(error_of([] { parse_device_name("x.com/" + std::string(64, 'c') + "=0"); }),
            "invalid value \"x.com/" + std::string(64, 'c') + "=0\" for flag --device: class \"" +
                std::string(64, 'c') + "\" is longer than 63 characters" + use);
}

TEST(CdiName, KindProblems) {
  EXPECT_EQ(kind_problem("vendor.com/foo"), std::nullopt);
  EXPECT_EQ(kind_problem("foo"), "no \"/\" between vendor and class");
  EXPECT_EQ(kind_problem("vendor.com/foo/"), "class \"foo/\" must end with a letter or digit");
  EXPECT_EQ(device_name_problem("0"), std::nullopt);
}

}  // namespace
}  // namespace lit::runtime::cdi
