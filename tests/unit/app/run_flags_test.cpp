// `lit container run` flags become the runtime's typed request in one place,
// each value parsed once, each error naming its flag.
#include "app/run_flags.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <fstream>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::app {
namespace {

using lit::testing::error_of;
using runtime::Proto;
using runtime::PublishedPort;
using runtime::VolumeMount;

runtime::EnvLookup env_with(std::string name, std::string value) {
  return [=](const std::string& k) -> std::optional<std::string> {
    if (k == name) return value;
    return std::nullopt;
  };
}

TEST(RequestFromFlags, EveryFlagBecomesATypedValue) {
  lit::TempDir dir(std::filesystem::temp_directory_path(), "lit-flags-");
  std::ofstream(dir.path() / "a.env") << "A=file\nB=file\n";
  CreateFlags f;
  f.image = "busybox";
  f.command = {"sh", "-c", "true"};
  f.entrypoint = "";
  f.env_files = {(dir.path() / "a.env").string()};
  f.env = {"B=flag", "HOSTVAR", "UNSET"};
  f.network = "front";
  f.ip = "10.90.0.9";
  f.network_aliases = {"api"};
  f.publish = {"127.0.0.1:8080:80", "53/udp", "9000-9001:90-91"};
  f.volumes = {"/host/dir/:/data:ro", "cache:/cache", "/anon"};
  f.tmpfs = {"/tmp:size=1m"};
  f.memory = "64m";
  f.cpus = "0.5";
  f.pids_limit = "-1";
  f.ulimits = {"nofile=1024:2048"};
  f.shm_size = "128m";
  f.labels = {"a=1", "b"};
  f.restart = "on-failure:3";
  f.restart_on_unhealthy = true;
  f.log_opts = {"max-size=1m"};
  f.health_cmd = "curl -f localhost";
  f.health_interval = "5s";
  f.health_retries = "2";
  f.stop_signal = "QUIT";
  f.stop_timeout = "3";
  f.add_hosts = {"db:10.0.0.5"};
  f.sysctls = {"net.core.somaxconn=1024"};
  runtime::ContainerRequest r = request_from_flags(f, env_with("HOSTVAR", "lit"));
  EXPECT_EQ(r.image, "busybox");
  EXPECT_EQ(r.entrypoint, std::vector<std::string>{});
  EXPECT_EQ(r.command, (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(r.env, (std::vector<std::string>{"A=file", "B=flag", "HOSTVAR=lit"}));
  EXPECT_EQ(r.network.mode, runtime::NetworkMode::Bridge);
  EXPECT_EQ(r.network.name, "front");
  EXPECT_EQ(r.network.ip, "10.90.0.9");
  EXPECT_EQ(r.network.aliases, (std::vector<std::string>{"api"}));
  EXPECT_EQ(r.ports, (std::vector<PublishedPort>{{"127.0.0.1", 8080, 80, Proto::Tcp},
                                                 {"", 0, 53, Proto::Udp},
                                                 {"", 9000, 90, Proto::Tcp},
                                                 {"", 9001, 91, Proto::Tcp}}));
  ASSERT_EQ(r.volumes.size(), 3u);
  EXPECT_EQ(r.volumes[0].kind, VolumeMount::Kind::Bind);
  EXPECT_EQ(r.volumes[0].source, "/host/dir");
  EXPECT_TRUE(r.volumes[0].read_only);
  EXPECT_EQ(r.volumes[1].kind, VolumeMount::Kind::Named);
  EXPECT_EQ(r.volumes[2].kind, VolumeMount::Kind::Anonymous);
  ASSERT_EQ(r.tmpfs.size(), 1u);
  EXPECT_EQ(r.tmpfs[0].options,
            (std::vector<std::string>{"nosuid", "nodev", "noexec", "size=1048576"}));
  EXPECT_EQ(r.limits.memory_bytes, 64 << 20);
  EXPECT_EQ(r.limits.cpus, 0.5);
  EXPECT_FALSE(r.limits.pids);
  ASSERT_EQ(r.rlimits.size(), 1u);
  EXPECT_EQ(r.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(r.rlimits[0].hard, 2048u);
  EXPECT_EQ(r.shm_bytes, 128 << 20);
  EXPECT_EQ(r.labels, (std::map<std::string, std::string>{{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(r.restart.mode, runtime::RestartMode::OnFailure);
  EXPECT_EQ(r.restart.max_retries, 3u);
  EXPECT_TRUE(r.restart.restart_on_unhealthy);
  EXPECT_EQ(r.log.max_size, 1u << 20);
  EXPECT_EQ(r.health.test, (std::vector<std::string>{"CMD-SHELL", "curl -f localhost"}));
  EXPECT_EQ(r.health.interval_ns, 5'000'000'000);
  EXPECT_EQ(r.health.retries, 2u);
  EXPECT_EQ(r.stop_signal, SIGQUIT);
  EXPECT_EQ(r.stop_timeout, 3);
  EXPECT_EQ(r.extra_hosts, (std::vector<std::pair<std::string, std::string>>{{"db", "10.0.0.5"}}));
  EXPECT_EQ(r.sysctls.at("net.core.somaxconn"), "1024");
}

TEST(RequestFromFlags, DefaultsAreDockers) {
  CreateFlags f;
  f.image = "img";
  runtime::ContainerRequest r = request_from_flags(f, env_with("", ""));
  EXPECT_EQ(r.network.mode, runtime::NetworkMode::None);
  EXPECT_FALSE(r.entrypoint);
  EXPECT_EQ(r.restart.mode, runtime::RestartMode::No);
  EXPECT_FALSE(r.stop_signal);
  EXPECT_EQ(r.stop_timeout, 10);
  EXPECT_FALSE(r.shm_bytes);
  EXPECT_FALSE(r.health.disable);
  EXPECT_TRUE(r.ports.empty());
}

TEST(RequestFromFlags, NetworkUseIsCheckedBeforeThePortSyntax) {
  CreateFlags f;
  f.image = "img";
  f.publish = {"bogus"};  // --network none: the network is what is wrong
  EXPECT_EQ(error_of([&] { request_from_flags(f, env_with("", "")); }),
            "-p/--publish needs a lit network, but --network is none");
  f.network = "front";
  EXPECT_TRUE(
      error_of([&] { request_from_flags(f, env_with("", "")); }).starts_with("invalid -p bogus:"));
  f.publish = {"80"};
  f.no_healthcheck = true;
  f.health_cmd = "true";
  EXPECT_EQ(error_of([&] { request_from_flags(f, env_with("", "")); }),
            "--no-healthcheck conflicts with --health-cmd");
}

}  // namespace
}  // namespace lit::app
