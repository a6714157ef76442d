#include "runtime/lifecycle/networking.hpp"

#include <algorithm>

#include "runtime/state/liveness.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {
namespace {
std::unique_ptr<NetworkHooks>& installed() {
  static std::unique_ptr<NetworkHooks> hooks;
  return hooks;
}

NetworkHooks& hooks_for(const std::string& what) {
  NetworkHooks* net = network_hooks();
  if (!net) throw Error(what + ": networks are not available here");
  return *net;
}

// With what runs of it: connect links a running container at once, and
// disconnect keeps the primary network of one that runs.
Endpoint observed_endpoint(const ContainerRecord& record) {
  Endpoint e = endpoint_of(record);
  ContainerState st = observed_state(record);
  e.status = st.status;
  e.pid = st.pid;
  e.pid_start_time = record.state.pid_start_time;
  return e;
}
}  // namespace

NetworkHooks* network_hooks() { return installed().get(); }
void install_network_hooks(std::unique_ptr<NetworkHooks> hooks) { installed() = std::move(hooks); }

Endpoint endpoint_of(const ContainerRecord& record) {
  Endpoint e;
  e.id = record.id;
  e.name = record.name;
  e.networks = record.networks;
  e.publish = record.publish;
  return e;
}

bool created_completely(const ContainerRecord& record) {
  return record.spec.network != NetworkMode::Bridge ||
         std::none_of(record.networks.begin(), record.networks.end(),
                      [](const NetworkAttachment& a) { return a.network_id.empty(); });
}

void follow_primary_network(ContainerRecord& record) {
  record.spec.address = record.networks.empty() ? "" : record.networks[0].ip;
  record.spec.dns_servers.clear();
  if (!record.networks.empty()) record.spec.dns_servers.push_back(record.networks[0].gateway);
}

void withdraw_names(const Paths& paths, const ContainerRecord& record) noexcept {
  NetworkHooks* net = network_hooks();
  if (net && record.spec.network == NetworkMode::Bridge)
    net->withdraw_names(paths, endpoint_of(record));
}

ContainerRecord connect_container(const Paths& paths, const ContainerRecord& record,
                                  const ConnectRequest& request) {
  const std::string what = "connect container " + record.name + " to network " + request.network;
  if (record.spec.network != NetworkMode::Bridge)
    throw Error(what + ": it runs with --network " +
                std::string(network_mode_name(record.spec.network)))
        .with_hint("only containers started on a lit network can join more");
  NetworkHooks& net = hooks_for(what);
  ContainerRecord updated = record;
  net.connect(paths, observed_endpoint(record), request, [&](const NetworkAttachment& a) {
    RecordStore(paths).update(record.id, [&](ContainerRecord& r) {
      r.networks.push_back(a);
      follow_primary_network(r);
      updated = r;
    });
  });
  return updated;
}

ContainerRecord disconnect_container(const Paths& paths, const ContainerRecord& record,
                                     const std::string& network) {
  NetworkHooks& net = hooks_for("disconnect container " + record.name + " from network " + network);
  std::string left = net.disconnect(paths, observed_endpoint(record), network);
  ContainerRecord updated = record;
  RecordStore(paths).update(record.id, [&](ContainerRecord& r) {
    std::erase_if(r.networks, [&](const NetworkAttachment& a) { return a.network_id == left; });
    follow_primary_network(r);
    updated = r;
  });
  return updated;
}

}  // namespace lit::runtime
