#include "network/store.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

#include "runtime/process/identity.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/util/error.hpp"

namespace lit::network {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// docker's rule for network names; the length keeps <name>.json a valid file name.
bool is_valid_network_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

void check_name(const std::string& name) {
  if (!is_valid_network_name(name))
    throw Error("invalid network name \"" + name +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (name == "host" || name == "none")
    throw Error("network name \"" + name + "\" is reserved: --network " + name + " is built in")
        .with_hint("choose another name");
}

void check_aliases(const std::vector<std::string>& aliases) {
  for (const auto& a : aliases) {
    if (!is_valid_network_name(a))
      throw Error("invalid value \"" + a +
                  "\" for flag --network-alias: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
}

// How a container is named in messages: its name, else a short id.
std::string holder(const Endpoint& e) {
  return e.container_name.empty() ? e.container_id.substr(0, 12) : e.container_name;
}

}  // namespace

json to_json(const NetworkRecord& r) {
  json containers = json::object();
  for (const auto& [id, e] : r.endpoints) {
    containers[id] = {{"name", e.container_name},
                      {"address", e.address.to_string()},
                      {"aliases", e.aliases},
                      {"static", e.static_address},
                      {"pid", e.pid},
                      {"pid_start", e.pid_start}};
  }
  return {{"name", r.name},
          {"id", r.id},
          {"subnet", r.subnet.to_string()},
          {"gateway", r.gateway.to_string()},
          {"internal", r.internal},
          {"mtu", r.mtu},
          {"created", r.created},
          {"labels", r.labels},
          {"containers", containers}};
}

NetworkRecord network_from_json(const json& j) {
  NetworkRecord r;
  r.name = j.at("name").get<std::string>();
  r.id = j.at("id").get<std::string>();
  auto subnet = Cidr::try_parse(j.at("subnet").get<std::string>());
  auto gateway = Ipv4::try_parse(j.at("gateway").get<std::string>());
  if (!subnet || !gateway) throw Error("bad subnet or gateway in network record " + r.name);
  r.subnet = *subnet;
  r.gateway = *gateway;
  r.internal = j.value("internal", false);
  r.mtu = j.value("mtu", kLegacyMtu);
  r.created = j.value("created", "");
  r.labels = j.value("labels", std::map<std::string, std::string>{});
  const json none = json::object();
  const json& containers = j.contains("containers") ? j.at("containers") : none;
  for (const auto& [id, c] : containers.items()) {
    auto address = Ipv4::try_parse(c.at("address").get<std::string>());
    if (!address) throw Error("bad address of container " + id + " in network record " + r.name);
    r.endpoints[id] = Endpoint{id,
                               c.value("name", ""),
                               *address,
                               c.value("aliases", std::vector<std::string>{}),
                               c.value("static", false),
                               c.value("pid", pid_t{0}),
                               c.value("pid_start", uint64_t{0})};
  }
  return r;
}

NetworkStore::NetworkStore(fs::path dir, SubnetPool pool, RouteSource routes)
    : dir_(std::move(dir)), pool_(pool), routes_(std::move(routes)) {}

FileLock NetworkStore::lock() const {
  make_dirs(dir_, 0700);
  return FileLock(dir_ / "lock");
}

void NetworkStore::write(const NetworkRecord& record, Durability durability) const {
  write_file_atomic(file(record.name), to_json(record).dump(2) + "\n", 0644, durability);
}

std::vector<NetworkRecord> NetworkStore::list() const {
  std::vector<NetworkRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;  // the lock, temporary files
    std::string text;
    try {
      text = read_file(entry.path());
    } catch (const Error& e) {
      if (e.err() == ENOENT) continue;  // removed while listing
      throw;
    }
    try {
      out.push_back(network_from_json(json::parse(text)));
    } catch (const std::exception& e) {
      throw Error("read network record", entry.path().string())
          .with_hint(std::string("the file is damaged (") + e.what() + "); remove it");
    }
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error::sys("list networks in", dir_.string(), ec.value());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::optional<NetworkRecord> NetworkStore::find(const std::string& name_or_id) const {
  if (name_or_id.empty()) return std::nullopt;
  auto records = list();
  for (const auto& r : records)
    if (r.name == name_or_id || r.id == name_or_id) return r;
  std::vector<const NetworkRecord*> matches;
  for (const auto& r : records)
    if (r.id.starts_with(name_or_id)) matches.push_back(&r);
  if (matches.empty()) return std::nullopt;
  if (matches.size() == 1) return *matches.front();
  std::string names;
  for (const auto* m : matches) names += (names.empty() ? "" : ", ") + m->name;
  throw Error("network id prefix \"" + name_or_id + "\" is ambiguous: it matches " + names)
      .with_hint("give more characters of the id, or the name");
}

NetworkRecord NetworkStore::lookup(const std::string& name_or_id) const {
  if (auto r = find(name_or_id)) return *r;
  throw Error("no such network: " + name_or_id)
      .with_hint("list networks with lit network ls, or create it with lit network create " +
                 name_or_id);
}

NetworkRecord NetworkStore::create(const NetworkCreate& request) {
  check_name(request.name);
  std::optional<Cidr> subnet;
  if (request.subnet) subnet = Cidr::parse(*request.subnet, "--subnet");
  std::optional<Ipv4> gateway;
  if (request.gateway) {
    gateway = Ipv4::parse(*request.gateway, "--gateway");
    if (!subnet)
      throw Error("flag --gateway needs --subnet: a gateway is an address in a given subnet");
  }
  FileLock held = lock();  // the name and subnet checks and the write are one step
  auto others = list();
  for (const auto& o : others) {
    if (o.name == request.name)
      throw Error("network \"" + request.name + "\" already exists (id " + o.id.substr(0, 12) + ")")
          .with_hint("remove it (lit network rm " + request.name + ") or choose another name");
  }
  std::vector<Cidr> lit_subnets;
  for (const auto& o : others) lit_subnets.push_back(o.subnet);
  if (subnet) {
    for (const auto& o : others) {
      if (o.subnet.overlaps(*subnet))
        throw Error("invalid value \"" + subnet->to_string() +
                    "\" for flag --subnet: it overlaps subnet " + o.subnet.to_string() +
                    " of network " + o.name)
            .with_hint("choose a subnet no other lit network uses, or leave --subnet out");
    }
  } else {
    subnet = choose_subnet(pool_, lit_subnets, routes_());
  }
  NetworkRecord r;
  r.name = request.name;
  r.id = runtime::generate_id();
  r.subnet = *subnet;
  r.gateway = gateway.value_or(default_gateway(*subnet));
  validate_addressing(r.subnet, r.gateway);
  r.internal = request.internal;
  r.mtu = request.mtu;
  r.created = runtime::now_rfc3339();
  r.labels = request.labels;
  write(r);
  return r;
}

NetworkRecord NetworkStore::remove(const std::string& name_or_id,
                                   const std::function<void(const NetworkRecord&)>& before) {
  FileLock held = lock();
  NetworkRecord r = lookup(name_or_id);
  if (!r.endpoints.empty()) {
    std::string users;
    for (const auto& [id, e] : r.endpoints) users += (users.empty() ? "" : ", ") + holder(e);
    throw Error("network " + r.name + " is in use by container(s) " + users)
        .with_hint("disconnect or remove them first (lit network disconnect " + r.name +
                   " CONTAINER)");
  }
  if (before) before(r);
  if (::unlink(file(r.name).c_str()) < 0 && errno != ENOENT)
    throw Error::sys("remove network record", file(r.name).string(), errno);
  return r;
}

Endpoint NetworkStore::attach(const std::string& name_or_id, const AttachRequest& request) {
  check_aliases(request.aliases);
  std::optional<Ipv4> wanted;
  if (request.ip) wanted = Ipv4::parse(*request.ip, "--ip");
  FileLock held = lock();
  NetworkRecord r = lookup(name_or_id);
  if (auto it = r.endpoints.find(request.container_id); it != r.endpoints.end())
    throw Error("container " + holder(it->second) + " is already attached to network " + r.name);
  TakenAddresses taken;
  for (const auto& [id, e] : r.endpoints) taken.emplace(e.address, holder(e));
  Endpoint e{request.container_id, request.container_name, {}, request.aliases, wanted.has_value()};
  if (wanted) {
    check_static_address(r.name, r.subnet, r.gateway, taken, *wanted);
    e.address = *wanted;
  } else {
    e.address = allocate_address(r.name, r.subnet, r.gateway, taken);
  }
  r.endpoints[e.container_id] = e;
  write(r);
  return e;
}

bool NetworkStore::detach(const std::string& name_or_id, const std::string& container_id) {
  FileLock held = lock();
  NetworkRecord r = lookup(name_or_id);
  if (r.endpoints.erase(container_id) == 0) return false;
  write(r);
  return true;
}

bool Endpoint::running() const { return pid > 0 && runtime::process_alive(pid, pid_start); }

size_t NetworkStore::set_running(const std::string& container_id, pid_t pid, uint64_t pid_start) {
  FileLock held = lock();
  size_t n = 0;
  for (auto& r : list()) {
    auto it = r.endpoints.find(container_id);
    if (it == r.endpoints.end()) continue;
    ++n;
    if (it->second.pid == pid && it->second.pid_start == pid_start) continue;
    it->second.pid = pid;
    it->second.pid_start = pid_start;
    write(r, Durability::NoSync);  // a pid means nothing after a crash: running() checks it
  }
  return n;
}

size_t NetworkStore::rename_endpoint(const std::string& container_id, const std::string& name) {
  FileLock held = lock();
  size_t n = 0;
  for (auto& r : list()) {
    auto it = r.endpoints.find(container_id);
    if (it == r.endpoints.end()) continue;
    ++n;
    it->second.container_name = name;
    write(r);
  }
  return n;
}

std::vector<NetworkRecord> NetworkStore::networks_of(const std::string& container_id) const {
  std::vector<NetworkRecord> out;
  for (auto& r : list())
    if (r.endpoints.contains(container_id)) out.push_back(std::move(r));
  return out;
}

void apply_driver_options(NetworkCreate& request,
                          const std::map<std::string, std::string>& options) {
  for (const auto& [key, value] : options) {
    if (key != "mtu" && key != "com.docker.network.driver.mtu")
      throw Error("network " + request.name + ": driver option " + key + " is not supported")
          .with_hint("lit's bridge driver takes mtu (or com.docker.network.driver.mtu)");
    int mtu = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), mtu);
    if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || mtu < 68 ||
        mtu > 65535)
      throw Error("network " + request.name + ": invalid value \"" + value +
                  "\" for driver option " + key)
          .with_hint("use a number from 68 to 65535");
    request.mtu = mtu;
  }
}

}  // namespace lit::network
