#include "runtime/image/builder/run_network.hpp"

#include <sstream>

#include "runtime/process/identity.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image::builder {

bool has_remote_nameserver(const std::string& resolv_conf) {
  std::istringstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, addr;
    words >> key >> addr;
    if (key == "nameserver" && !addr.empty() && !addr.starts_with("127.") && addr != "::1")
      return true;
  }
  return false;
}

RunEndpoint::RunEndpoint(const Paths& paths, const std::string& id, const std::string& name,
                         const std::string& network)
    : paths_(paths), net_(runtime::network_hooks()) {
  if (!net_)
    throw Error("RUN on network " + network + ": networks are not available here", {}, 0,
                "build with --network none or --network host");
  endpoint_.id = id;
  endpoint_.name = name;
  endpoint_.networks = {
      runtime::NetworkAttachment{network, "", "", false, {}, "", 0, "eth0", "", 0u}};
  net_->create(paths_, endpoint_);
}

RunEndpoint::~RunEndpoint() { net_->remove(paths_, endpoint_); }

void RunEndpoint::configure(runtime::ContainerSpec& spec) const {
  const runtime::NetworkAttachment& a = endpoint_.networks.at(0);
  spec.address = a.ip;
  spec.dns_servers.clear();
  std::string resolv;
  try {
    resolv = read_file("/etc/resolv.conf");
  } catch (const Error&) {  // no resolv.conf: lit's DNS server forwards to nothing, as the host
  }
  if (!has_remote_nameserver(resolv)) spec.dns_servers.push_back(a.gateway);
}

void RunEndpoint::start(pid_t pid) {
  endpoint_.status = runtime::ContainerStatus::Running;
  endpoint_.pid = pid;
  endpoint_.pid_start_time = runtime::process_start_time(pid);
  net_->start(paths_, endpoint_, runtime::Names::WithStart);
}

}  // namespace lit::image::builder
