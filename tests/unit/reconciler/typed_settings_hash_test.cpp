// Settings the loader parses into the runtime's types (restart, stop_signal,
// security_opt, extra_hosts, dns; ulimits, ports, logging, network_mode, user,
// environment, secrets and configs) still hash as the text lit stored before, so
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
  limits:
    image: busybox
    ulimits:
      nofile: {soft: 1024, hard: 2048}
      core: -1
      nproc: 64
  ported:
    image: busybox
    ports: ["8080:80", "127.0.0.1:5353:53/udp", "0.0.0.0:9000-9001:90-91", "7000:70/sctp"]
  ported_long:
    image: busybox
    ports:
      - {target: 80, published: "8081", host_ip: 10.0.0.1, protocol: udp}
  logged:
    image: busybox
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "5"}
  hostnet:
    image: busybox
    network_mode: host
  nonet:
    image: busybox
    network_mode: none
  joined:
    image: busybox
    network_mode: "container:other"
  sidecar:
    image: busybox
    network_mode: "service:plain"
  bridged:
    image: busybox
    network_mode: bridge
  users:
    image: busybox
    user: "1000:1000"
    environment:
      B: two words
      A: "1"
      EMPTY: ""
  named_user:
    image: busybox
    user: nobody
    environment: ["X=1", "Y="]
  files:
    image: busybox
    secrets:
      - {source: token, uid: "1000", gid: "100", mode: 0400}
    configs:
      - {source: conf, target: /etc/app.conf, uid: "0", gid: "0"}
      - conf
secrets:
  token:
    environment: TOKEN
configs:
  conf:
    content: "a = 1"
)";

std::map<std::string, std::string> service_hashes() {
  TempDir dir("/tmp", "lit-typed-hash-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  LoadOptions o;
  o.working_dir = dir.path().string();
  o.environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TOKEN") return "s3cret";
    return std::nullopt;
  };
  Project p = load_project(o);
  std::map<std::string, std::string> out;
  // As desired_state hashes a service that reads no files.
  for (const auto& [name, s] : p.services) out[name] = config_hash(to_json(s), {});
  return out;
}

TEST(TypedSettingsHash, SameAsWhenTheSettingsWereText) {
  const std::map<std::string, std::string> expected = {
      {"bridged", "b83e9170dccededea749dd47c96421cda404d482c11fdfe6c5f0bd72cdf42bb3"},
      {"files", "0f46133d68c387d19a0f9c6e8883a31d63a2dd431baa127f91975f1f97b9e39d"},
      {"forever", "ead6d3fbe427df0f5f83817f2502a95b8a353ebdd1ad8bf4f369b15ce79af8b5"},
      {"hostnet", "0f2e85f555b5765b26afd37ce6d22b44bae878c48d1014853ff056e5b041e999"},
      {"job", "89af2c84fa66c1aafee9970f870571a2cd6cd2975064825cb22ec2642604894c"},
      {"joined", "18c60d4e80a499c69e0ef975c051658dafaba9c4ff09cc4e515e34cb13c84496"},
      {"limits", "6f75e90d999ae41a78656b21af03c5880a950a69476eb4a9c3863689374b7e6c"},
      {"logged", "e9f7a708c582370fbc66626eb70501fa4d72bf00771e249f7fb639a5e8fcb123"},
      {"named_user", "b01eda467406911d0d4f8ecbcb18c4f7106fd5fdce2a55b73b14b3abe8c9cfd9"},
      {"nonet", "270c21eefbd01b0148cbec424040446423ecbe801934c4b495383f6fe47592e3"},
      {"plain", "03d715307c54974c1f0a8c7d4c278703d25be4afad3dff341463633d3c7ac2df"},
      {"ported", "eff2d98421337c65acea62030e9555f9e68c0885260ab2b6d6749d2d530ec6a8"},
      {"ported_long", "ed188606cdbd90b253d1147d941701e570c731890e78790fb85ac728c99a92ec"},
      {"sidecar", "986c1e96f783918ad96f3bad83036cadaceb891170d0ffb244f8b682a5c37f06"},
      {"swarm", "f7488b091dbfb70ea882cbdd41a0ec7e2d4bdb2fcd3cf1e6d6f8f0826d11764d"},
      {"users", "36f13c2887960ba4e29c518c511139f288b5e1bcbc0aeb0014a8fb31bf7beeba"},
      {"web", "fcbc6425630622b7d0be1935cbf136df7356bb76029356c0c97883ee74e40a97"},
      {"worker", "a6e125127b74072d32fec21a6f08d944db07da8f5789fe053b05dbc92630c407"},
  };
  EXPECT_EQ(service_hashes(), expected);
}

}  // namespace
}  // namespace lit::reconciler
