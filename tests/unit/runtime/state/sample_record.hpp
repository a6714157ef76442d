#pragma once
// A record with a field of every kind set, for the tests of runtime/state/.
#include <string>

#include "runtime/state/ids.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime::test_support {

inline ContainerRecord make(const std::string& id, const std::string& name) {
  ContainerRecord r;
  r.id = id;
  r.name = name;
  r.image = "busybox";
  r.image_id = "sha256:" + std::string(64, 'c');
  r.created = now_rfc3339();
  r.args = {"sh", "-c", "echo hi"};
  r.spec.id = id;
  r.spec.name = name;
  r.spec.layers = {"/l/1", "/l/2"};
  r.spec.bundle = "/b/" + id;
  r.spec.hostname = id.substr(0, 12);
  r.spec.process.args = r.args;
  r.spec.process.env = {"PATH=/bin"};
  r.spec.process.uid = 1000;
  r.spec.process.additional_gids = {10, 29};
  r.spec.mounts = {{"/data", "bind", "/host", {"ro"}}, {"/tmp", "tmpfs", "tmpfs", {"size=1"}}};
  r.spec.limits.memory_bytes = 64 << 20;
  r.spec.limits.cpus = 0.5;
  r.spec.network = NetworkMode::Host;
  r.spec.security.cap_add = {"NET_ADMIN"};
  r.spec.security.seccomp = false;
  r.spec.sysctls = {{"net.ipv4.ip_forward", "1"}};
  r.labels = {{"a", "1"}};
  return r;
}

}  // namespace lit::runtime::test_support
