// A service becomes the runtime's typed container request directly: no flag
// text in between.
#include "reconciler/apply/replica_request.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include "reconciler/labels.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;
using runtime::Proto;
using runtime::PublishedPort;
using runtime::VolumeMount;

Project project_with(const Service& s) {
  Project p;
  p.name = "proj";
  p.files = {"/p/lit.yml"};
  p.working_dir = "/p";
  p.volumes["data"].name = "proj_data";
  p.networks["default"].name = "proj_default";
  p.services[s.name] = s;
  return p;
}

Mount mount(MountType type, std::string source, std::string target, bool read_only) {
  Mount m;
  m.type = type;
  m.source = std::move(source);
  m.target = std::move(target);
  m.read_only = read_only;
  return m;
}

Service web() {
  Service s;
  s.name = "web";
  s.image = "nginx";
  s.networks["default"].aliases = {"www"};
  return s;
}

TEST(ReplicaRequest, ServiceSettingsBecomeTypedValues) {
  Service s = web();
  s.command = std::vector<std::string>{"serve", "--port", "80"};
  s.environment = {"A=1", "B=two words"};
  s.ports = {{"127.0.0.1", 8080, 80, "tcp", Proto::Tcp, "127.0.0.1"},
             {"", 0, 53, "udp", Proto::Udp, ""},
             {"0.0.0.0", 9000, 90, "tcp", Proto::Tcp, ""}};
  s.volumes = {mount(MountType::volume, "data", "/var/lib/data", true),
               mount(MountType::bind, "/host/dir/", "/srv/", false),
               mount(MountType::volume, "", "/cache", false),
               mount(MountType::tmpfs, "", "/tmp", false)};
  s.volumes[3].tmpfs_size = 1 << 20;
  s.volumes[3].tmpfs_mode = 01777;
  s.resources.cpus = 0.5;
  s.resources.memory = 64 << 20;
  s.resources.pids = 100;
  s.ulimits["nofile"] = {1024, 2048, RLIMIT_NOFILE};
  s.ulimits["core"] = {-1, -1, RLIMIT_CORE};
  s.shm_size = 128 << 20;
  Healthcheck h;
  h.test = {"CMD", "curl", "-f", "http://localhost/a b"};
  h.interval = Duration{"5s", 5'000'000'000};
  h.retries = 2;
  s.healthcheck = h;
  s.restart = {"on-failure:3", {runtime::RestartMode::OnFailure, 3}};
  s.stop_signal = Parsed<int>{"SIGQUIT", SIGQUIT};
  s.stop_grace_period = Duration{"1500ms", 1'500'000'000};
  s.logging = Logging{"json-file", {{"max-size", "1m"}, {"max-file", "5"}}, {1u << 20, 5}};
  s.labels = {{"tier", "front"}};
  s.sysctls = {{"net.core.somaxconn", "1024"}};
  s.extra_hosts = {{"db", "10.0.0.5"}};
  s.cap_add = {"NET_ADMIN"};
  s.security_opt = {
      {"no-new-privileges:true", runtime::parse_security_opt("no-new-privileges:true")}};

  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "abc");
  const runtime::ContainerRequest& r = rr.request;
  EXPECT_EQ(r.image, "nginx");
  EXPECT_EQ(r.name, "proj-web-1");
  EXPECT_TRUE(r.detach);
  EXPECT_FALSE(r.entrypoint);
  EXPECT_EQ(r.command, (std::vector<std::string>{"serve", "--port", "80"}));
  EXPECT_EQ(r.env, (std::vector<std::string>{"A=1", "B=two words"}));
  EXPECT_EQ(r.ports, (std::vector<PublishedPort>{{"127.0.0.1", 8080, 80, Proto::Tcp},
                                                 {"", 0, 53, Proto::Udp},
                                                 {"", 9000, 90, Proto::Tcp}}));
  ASSERT_EQ(r.volumes.size(), 3u);
  EXPECT_EQ(r.volumes[0].kind, VolumeMount::Kind::Named);
  EXPECT_EQ(r.volumes[0].source, "proj_data");
  EXPECT_EQ(r.volumes[0].destination, "/var/lib/data");
  EXPECT_TRUE(r.volumes[0].read_only);
  EXPECT_EQ(r.volumes[1].kind, VolumeMount::Kind::Bind);
  EXPECT_EQ(r.volumes[1].source, "/host/dir");
  EXPECT_EQ(r.volumes[1].destination, "/srv");
  EXPECT_EQ(r.volumes[2].kind, VolumeMount::Kind::Anonymous);
  EXPECT_EQ(r.volumes[2].destination, "/cache");
  ASSERT_EQ(r.tmpfs.size(), 1u);
  EXPECT_EQ(r.tmpfs[0].destination, "/tmp");
  EXPECT_EQ(r.tmpfs[0].options,
            (std::vector<std::string>{"nosuid", "nodev", "noexec", "size=1048576", "mode=1777"}));
  EXPECT_EQ(r.limits.cpus, 0.5);
  EXPECT_EQ(r.limits.memory_bytes, 64 << 20);
  EXPECT_EQ(r.limits.pids, 100);
  ASSERT_EQ(r.rlimits.size(), 2u);  // in name order: core, nofile
  EXPECT_EQ(r.rlimits[0].resource, RLIMIT_CORE);
  EXPECT_EQ(r.rlimits[0].soft, RLIM_INFINITY);
  EXPECT_EQ(r.rlimits[1].resource, RLIMIT_NOFILE);
  EXPECT_EQ(r.rlimits[1].soft, 1024u);
  EXPECT_EQ(r.rlimits[1].hard, 2048u);
  EXPECT_EQ(r.shm_bytes, 128 << 20);
  ASSERT_TRUE(r.health.test);
  // Exec form kept as docker keeps it: no shell, each argument as written.
  EXPECT_EQ(*r.health.test,
            (std::vector<std::string>{"CMD", "curl", "-f", "http://localhost/a b"}));
  EXPECT_EQ(r.health.interval_ns, 5'000'000'000);
  EXPECT_FALSE(r.health.timeout_ns);
  EXPECT_EQ(r.health.retries, 2u);
  EXPECT_EQ(r.restart.mode, runtime::RestartMode::OnFailure);
  EXPECT_EQ(r.restart.max_retries, 3u);
  EXPECT_EQ(r.stop_signal, SIGQUIT);
  EXPECT_EQ(r.stop_timeout, 2);  // rounded up to whole seconds
  EXPECT_EQ(r.log.max_size, 1u << 20);
  EXPECT_EQ(r.log.max_file, 5u);
  EXPECT_EQ(r.network.mode, runtime::NetworkMode::Bridge);
  EXPECT_EQ(r.network.name, "proj_default");
  EXPECT_EQ(r.network.aliases, (std::vector<std::string>{"www", "web"}));
  EXPECT_EQ(r.labels.at("tier"), "front");
  EXPECT_EQ(r.labels.at(kProjectLabel), "proj");
  EXPECT_EQ(r.labels.at(kServiceLabel), "web");
  EXPECT_EQ(r.labels.at(kNumberLabel), "1");
  EXPECT_EQ(r.labels.at(kHashLabel), "abc");
  EXPECT_EQ(r.labels.at(kConfigFilesLabel), "/p/lit.yml");
  EXPECT_EQ(r.labels.at(kWorkingDirLabel), "/p");
  EXPECT_EQ(r.labels.at(kVolumesLabel), "proj_data");
  EXPECT_EQ(r.sysctls.at("net.core.somaxconn"), "1024");
  EXPECT_EQ(r.extra_hosts, (std::vector<std::pair<std::string, std::string>>{{"db", "10.0.0.5"}}));
  EXPECT_EQ(r.security.cap_add, (std::vector<std::string>{"NET_ADMIN"}));
  EXPECT_TRUE(r.security.no_new_privileges);
  EXPECT_NO_THROW(runtime::check_request(r));
}

// Every service gets no_new_privs unless it is privileged or opts out.
TEST(ReplicaRequest, NoNewPrivilegesByDefaultNotWhenPrivilegedOrTurnedOff) {
  Service s;
  s.name = "web";
  s.image = "nginx";
  auto nnp = [&] {
    return replica_request(project_with(s), s, "proj-web-1", 1, "abc")
        .request.security.no_new_privileges;
  };
  EXPECT_TRUE(nnp());
  s.privileged = true;
  EXPECT_FALSE(nnp());
  s.privileged = false;
  s.security_opt = {
      {"no-new-privileges=false", runtime::parse_security_opt("no-new-privileges=false")}};
  EXPECT_FALSE(nnp());
}

// A volume of type image is an image mount (a typed value, not a string),
// and its image is one the service pulls.
TEST(ReplicaRequest, ImageVolumesBecomeImageMounts) {
  Service s = web();
  s.volumes = {mount(MountType::image, "alpine:3.20", "/mnt/img/", false),
               mount(MountType::image, "tools:1", "/mnt/sub", true),
               mount(MountType::image, "alpine:3.20", "/mnt/other", false)};
  s.volumes[1].image_subpath = "etc";
  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "abc");
  const runtime::ContainerRequest& r = rr.request;
  EXPECT_TRUE(r.volumes.empty());
  ASSERT_EQ(r.image_mounts.size(), 3u);
  EXPECT_EQ(r.image_mounts[0].image, "alpine:3.20");
  EXPECT_EQ(r.image_mounts[0].destination, "/mnt/img");
  EXPECT_EQ(r.image_mounts[0].subpath, "");
  EXPECT_EQ(r.image_mounts[1].image, "tools:1");
  EXPECT_EQ(r.image_mounts[1].subpath, "etc");
  EXPECT_EQ(mounted_images(s), (std::vector<std::string>{"alpine:3.20", "tools:1"}));
}

TEST(ReplicaRequest, EntrypointDropsTheImageCommand) {
  Service s = web();
  s.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.request.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_TRUE(rr.request.command.empty());
}

TEST(ReplicaRequest, NetworkModes) {
  Service s = web();
  s.networks.clear();
  s.network_mode = {"service:db", {runtime::NetworkMode::None, "", "db"}};
  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.network_service, "db");
  EXPECT_EQ(rr.request.network.mode,
            runtime::NetworkMode::None);  // until the applier knows db's replica
  s.network_mode = {"container:other", {runtime::NetworkMode::Container, "other", ""}};
  rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.request.network.mode, runtime::NetworkMode::Container);
  EXPECT_EQ(rr.request.network.name, "other");
  s.network_mode = {"host", {runtime::NetworkMode::Host, "", ""}};
  EXPECT_EQ(replica_request(project_with(s), s, "proj-web-1", 1, "h").request.network.mode,
            runtime::NetworkMode::Host);
}

// interface_name and mac_address: names the file gives are kept and the others
// take the first free ethN in priority order; the service-level MAC goes to the
// primary network (the first by priority, then name), as docker compose does.
TEST(ReplicaRequest, InterfaceNamesAndMacsPerNetwork) {
  Service s = web();
  s.networks.clear();
  s.networks["a"].interface_name = "eth0";  // taken by name: the others skip it
  s.networks["b"].priority = 5;
  s.networks["c"].mac_address = "02:42:AC:11:00:03";
  s.mac_address = "02:42:ac:11:00:01";
  Project p = project_with(s);
  for (const char* key : {"a", "b", "c"}) p.networks[key].name = std::string("proj_") + key;
  ReplicaRequest rr = replica_request(p, s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.request.network.name, "proj_b");  // the highest priority
  EXPECT_EQ(rr.request.network.interface, "eth1");
  EXPECT_EQ(rr.request.network.mac, "02:42:ac:11:00:01");
  ASSERT_EQ(rr.extra_networks.size(), 2u);
  EXPECT_EQ(rr.extra_networks[0].network, "proj_a");
  EXPECT_EQ(rr.extra_networks[0].interface, "eth0");
  EXPECT_EQ(rr.extra_networks[0].mac, "");  // derived from its address
  EXPECT_EQ(rr.extra_networks[1].network, "proj_c");
  EXPECT_EQ(rr.extra_networks[1].interface, "eth2");
  EXPECT_EQ(rr.extra_networks[1].mac, "02:42:ac:11:00:03");  // lowercased for the kernel
  EXPECT_NO_THROW(runtime::check_request(rr.request));

  // Without names or MACs: eth0, eth1... and derived MACs, as before.
  s = web();
  rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.request.network.interface, "eth0");
  EXPECT_EQ(rr.request.network.mac, "");
}

// Two containers with one MAC on a bridge would each get the other's packets.
TEST(ReplicaRequest, AFixedMacIsForOneReplica) {
  Service s = web();
  s.networks["default"].mac_address = "02:42:ac:11:00:99";
  s.replicas = 2;
  EXPECT_EQ(replica_request(project_with(s), s, "proj-web-1", 1, "h").request.network.mac,
            "02:42:ac:11:00:99");
  EXPECT_EQ(error_of([&] { replica_request(project_with(s), s, "proj-web-2", 2, "h"); }),
            "service web: mac_address: replica 2 cannot have replica 1's MAC 02:42:ac:11:00:99 on "
            "network default (each container needs its own): scale the service to 1 or remove "
            "mac_address");
  s = web();
  s.networks.clear();
  s.mac_address = "02:42:ac:11:00:99";
  s.network_mode = {"host", {runtime::NetworkMode::Host, "", ""}};
  EXPECT_EQ(error_of([&] { replica_request(project_with(s), s, "proj-web-1", 1, "h"); }),
            "service web: mac_address: conflicts with network_mode host (the container has no "
            "interface of its own to set it on)");
}

// "8000-8001:80" (a host range on one container port): each replica takes the
// range's next port, and one beyond the range is an error naming the service.
TEST(ReplicaRequest, AHostPortRangeIsSpreadOverTheReplicas) {
  Service s = web();
  s.ports = {{"", 8000, 80, "tcp", Proto::Tcp, "", 8001}};
  auto published = [&](int number) {
    return replica_request(project_with(s), s, "proj-web-" + std::to_string(number), number, "h")
        .request.ports.at(0)
        .host_port;
  };
  EXPECT_EQ(published(1), 8000);
  EXPECT_EQ(published(2), 8001);
  EXPECT_EQ(error_of([&] { published(3); }),
            "service web: ports: replica 3 has no port left in 8000-8001:80 (one host port per "
            "replica)");
}

TEST(ReplicaRequest, WhatTheRuntimeCannotTakeIsSaidNamingTheService) {
  Service s = web();
  s.ports = {{"", 80, 80, "sctp", std::nullopt, ""}};  // the loader keeps sctp untyped
  EXPECT_EQ(error_of([&] { replica_request(project_with(s), s, "proj-web-1", 1, "h"); }),
            "service web: ports: protocol sctp is not supported (tcp or udp)");
  s = web();
  Healthcheck h;
  h.test = {"CMD-SHELL", "true"};
  h.retries = 0;
  s.healthcheck = h;
  EXPECT_EQ(error_of([&] { replica_request(project_with(s), s, "proj-web-1", 1, "h"); }),
            "invalid --health-retries \"0\"");
  s = web();
  s.ulimits["bogus"] = {1, 1, std::nullopt};  // a name the loader would refuse
  EXPECT_EQ(error_of([&] { replica_request(project_with(s), s, "proj-web-1", 1, "h"); }),
            "service web: ulimits: unknown limit bogus");
  s = web();
  s.resources.memory = 1 << 20;  // the runtime's check, as for --memory
  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(error_of([&] { runtime::check_request(rr.request); }),
            "invalid value \"1048576b\" for flag --memory: the minimum memory limit is 6MB");
}

}  // namespace
}  // namespace lit::reconciler

namespace lit::reconciler {
namespace {

TEST(ReplicaRequest, SharedNamespacesAndVolumesFrom) {
  Service s = web();
  s.pid = {"container:outside", {{runtime::NamespaceMode::Container, "outside"}, ""}};
  s.ipc = {"service:db", {{}, "db"}};
  s.uts = {"host", {{runtime::NamespaceMode::Host, ""}, ""}};
  s.volumes_from = {{"db:ro", "db", "", true}, {"container:data", "", "data", std::nullopt}};
  ReplicaRequest rr = replica_request(project_with(s), s, "proj-web-1", 1, "h");
  EXPECT_EQ(rr.request.pid,
            (runtime::NamespaceShare{runtime::NamespaceMode::Container, "outside"}));
  // service:NAME: the applier picks the replica.
  EXPECT_EQ(rr.request.ipc.mode, runtime::NamespaceMode::Private);
  EXPECT_EQ(rr.ipc_service, "db");
  EXPECT_EQ(rr.pid_service, "");
  EXPECT_EQ(rr.request.uts.mode, runtime::NamespaceMode::Host);
  ASSERT_EQ(rr.request.volumes_from.size(), 1u);
  EXPECT_EQ(rr.request.volumes_from[0].container, "data");
  EXPECT_FALSE(rr.request.volumes_from[0].read_only);
  ASSERT_EQ(rr.volumes_from_services.size(), 1u);
  EXPECT_EQ(rr.volumes_from_services[0].container, "db");
  EXPECT_EQ(rr.volumes_from_services[0].read_only, true);
}

}  // namespace
}  // namespace lit::reconciler
