#pragma once
// A RUN on a lit network (`lit build --network default`, docker build's NAT'd
// bridge): the step's container gets an address on the build's network before
// it starts, its link at start, and gives both back when the RUN ends, also
// when it fails. It resolves names with the host's resolvers, as docker
// build's RUN does (lit's DNS server on the gateway when the host has only a
// local one, such as 127.0.0.53, which another namespace cannot reach).
#include <sys/types.h>

#include <string>

#include "runtime/lifecycle/networking.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/paths.hpp"

namespace lit::image::builder {

class RunEndpoint {
 public:
  // Allocates the address (throws when lit's networks are not available).
  RunEndpoint(const Paths& paths, const std::string& id, const std::string& name,
              const std::string& network);
  ~RunEndpoint();
  RunEndpoint(const RunEndpoint&) = delete;
  RunEndpoint& operator=(const RunEndpoint&) = delete;

  // The spec's /etc/hosts address and its nameservers.
  void configure(runtime::ContainerSpec& spec) const;
  // RunHooks::before_start: links the container's namespace to the network.
  void start(pid_t pid);

 private:
  const Paths& paths_;
  runtime::NetworkHooks* net_;
  runtime::Endpoint endpoint_;
};

// Whether resolv.conf's text names a nameserver another network namespace can
// reach (not 127.x or ::1).
bool has_remote_nameserver(const std::string& resolv_conf);

}  // namespace lit::image::builder
