// How `run` flags and the image's HEALTHCHECK / STOPSIGNAL become the
// supervisor's settings, docker's merge rules included.
#include "runtime/spec/lifecycle_config.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include "app/run_flags.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::runtime {
namespace {

using lit::app::CreateFlags;
using lit::testing::error_of;

// `run` flags through the CLI's parser, then merged with the image.
LifecycleConfig build_lifecycle(const CreateFlags& f, const image::ImageConfig& image) {
  return runtime::build_lifecycle(app::request_from_flags(f), image);
}

image::ImageConfig image_with_healthcheck() {
  image::ImageConfig c;
  c.healthcheck = {{"Test", {"CMD", "/bin/check", "--quick"}},
                   {"Interval", 5'000'000'000},
                   {"Timeout", 2'000'000'000},
                   {"Retries", 4}};
  c.stop_signal = "SIGQUIT";
  return c;
}

TEST(LifecycleConfig, DefaultsAreDockers) {
  LifecycleConfig c = build_lifecycle(CreateFlags{}, image::ImageConfig{});
  EXPECT_EQ(to_string(c.restart), "no");
  EXPECT_EQ(c.log.max_size, 10u * 1024 * 1024);
  EXPECT_EQ(c.log.max_file, 3u);
  EXPECT_FALSE(c.healthcheck);
  EXPECT_EQ(c.stop_signal, SIGTERM);
  EXPECT_EQ(c.stop_timeout, 10);
}

TEST(LifecycleConfig, ImageHealthcheckAndStopSignalApply) {
  LifecycleConfig c = build_lifecycle(CreateFlags{}, image_with_healthcheck());
  ASSERT_TRUE(c.healthcheck);
  EXPECT_EQ(c.healthcheck->test, (std::vector<std::string>{"CMD", "/bin/check", "--quick"}));
  EXPECT_EQ(c.healthcheck->config.interval_ns, 5'000'000'000);
  EXPECT_EQ(c.healthcheck->config.timeout_ns, 2'000'000'000);
  EXPECT_EQ(c.healthcheck->config.retries, 4u);
  EXPECT_EQ(c.stop_signal, SIGQUIT);
}

TEST(LifecycleConfig, FlagsOverrideTheImageOneByOne) {
  CreateFlags f;
  f.health_interval = "250ms";
  f.stop_signal = "USR1";
  LifecycleConfig c = build_lifecycle(f, image_with_healthcheck());
  ASSERT_TRUE(c.healthcheck);
  EXPECT_EQ(c.healthcheck->test[1], "/bin/check");  // the image's test stays
  EXPECT_EQ(c.healthcheck->config.interval_ns, 250'000'000);
  EXPECT_EQ(c.healthcheck->config.timeout_ns, 2'000'000'000);  // the image's
  EXPECT_EQ(c.healthcheck->config.start_interval_ns, 0);       // none: the interval
  EXPECT_EQ(c.stop_signal, SIGUSR1);
  f.health_start_period = "10s";
  f.health_start_interval = "500ms";
  c = build_lifecycle(f, image_with_healthcheck());
  EXPECT_EQ(c.healthcheck->config.start_period_ns, 10'000'000'000);
  EXPECT_EQ(c.healthcheck->config.start_interval_ns, 500'000'000);
  f.health_start_period.clear();
  f.health_start_interval.clear();

  f.health_cmd = "curl -f localhost";
  c = build_lifecycle(f, image_with_healthcheck());
  EXPECT_EQ(c.healthcheck->test, (std::vector<std::string>{"CMD-SHELL", "curl -f localhost"}));

  CreateFlags off;
  off.no_healthcheck = true;
  EXPECT_FALSE(build_lifecycle(off, image_with_healthcheck()).healthcheck);
}

TEST(LifecycleConfig, BadValuesNameTheirFlag) {
  CreateFlags f;
  f.restart = "sometimes";
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("--restart"), std::string::npos);
  f = {};
  f.auto_remove = true;
  f.restart = "always";
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("--rm"), std::string::npos);
  f = {};
  f.health_cmd = "true";
  f.health_timeout = "soon";
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("--health-timeout"), std::string::npos);
  f = {};
  f.health_interval = "1s";  // timing without any health check
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("--health-interval"), std::string::npos);
  f = {};
  f.restart_on_unhealthy = true;
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("health check"), std::string::npos);
  f = {};
  f.stop_timeout = "-3";
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("--stop-timeout"), std::string::npos);
  f = {};
  f.log_opts = {"max-file=zero"};
  EXPECT_NE(error_of([&] { build_lifecycle(f, {}); }).find("max-file"), std::string::npos);
}

}  // namespace
}  // namespace lit::runtime
