// Settings the loader parses into the runtime's types (restart, stop_signal,
// security_opt, extra_hosts, dns) still hash as the text lit stored before, so
// containers made by an earlier lit are not recreated on upgrade. The values
// are pinned: they were computed with lit before these settings became typed.
#include <gtest/gtest.h>

#include "reconciler/hash.hpp"
#include "reconciler/load/load.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {
namespace {

constexpr const char* kProject = R"(name: typed
services:
  web:
    image: nginx
    restart: on-failure:3
    stop_signal: SIGQUIT
    security_opt: ["no-new-privileges:true", "seccomp=unconfined"]
    extra_hosts: ["db:10.0.0.5", "v6=fd00::1"]
    dns: [192.0.2.53, "2001:db8::53"]
    dns_search: corp.example
    dns_opt: ["ndots:3"]
  worker:
    image: busybox
    restart: on-failure:0
    stop_signal: usr1
    security_opt: [no-new-privileges]
    extra_hosts:
      cache: 10.0.0.6
      both: [10.0.0.7, "fd00::7"]
  job:
    image: busybox
    restart: on-failure:007
    stop_signal: "9"
  plain:
    image: busybox
  swarm:
    image: busybox
    deploy:
      restart_policy:
        condition: on-failure
        max_attempts: 5
  forever:
    image: busybox
    restart: unless-stopped
    deploy:
      restart_policy:
        condition: any
)";

std::map<std::string, std::string> service_hashes() {
  TempDir dir("/tmp", "lit-typed-hash-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  Project p = load_project(o);
  std::map<std::string, std::string> out;
  // As desired_state hashes a service that reads no files.
  for (const auto& [name, s] : p.services) out[name] = config_hash(to_json(s), {});
  return out;
}

TEST(TypedSettingsHash, SameAsWhenTheSettingsWereText) {
  const std::map<std::string, std::string> expected = {
      {"forever", "ead6d3fbe427df0f5f83817f2502a95b8a353ebdd1ad8bf4f369b15ce79af8b5"},
      {"job", "89af2c84fa66c1aafee9970f870571a2cd6cd2975064825cb22ec2642604894c"},
      {"plain", "03d715307c54974c1f0a8c7d4c278703d25be4afad3dff341463633d3c7ac2df"},
      {"swarm", "f7488b091dbfb70ea882cbdd41a0ec7e2d4bdb2fcd3cf1e6d6f8f0826d11764d"},
      {"web", "fcbc6425630622b7d0be1935cbf136df7356bb76029356c0c97883ee74e40a97"},
      {"worker", "a6e125127b74072d32fec21a6f08d944db07da8f5789fe053b05dbc92630c407"},
  };
  EXPECT_EQ(service_hashes(), expected);
}

}  // namespace
}  // namespace lit::reconciler
