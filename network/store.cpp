#include "network/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <memory>

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

// Container ids name files of the endpoints directory: lit's are hex.
bool is_valid_container_key(std::string_view id) {
  return !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

json endpoint_json(const Endpoint& e) {
  return {{"name", e.container_name},
          {"address", e.address.to_string()},
          {"aliases", e.aliases},
          {"static", e.static_address},
          {"pid", e.pid},
          {"pid_start", e.pid_start}};
}

Endpoint endpoint_from_json(const std::string& id, const json& c, const std::string& network) {
  auto address = Ipv4::try_parse(c.at("address").get<std::string>());
  if (!address) throw Error("bad address of container " + id + " in network record " + network);
  return Endpoint{id,
                  c.value("name", ""),
                  *address,
                  c.value("aliases", std::vector<std::string>{}),
                  c.value("static", false),
                  c.value("pid", pid_t{0}),
                  c.value("pid_start", uint64_t{0})};
}

// The record's own fields: what <name>.json holds.
json fields_json(const NetworkRecord& r) {
  return {{"name", r.name},
          {"id", r.id},
          {"subnet", r.subnet.to_string()},
          {"gateway", r.gateway.to_string()},
          {"internal", r.internal},
          {"mtu", r.mtu},
          {"created", r.created},
          {"labels", r.labels}};
}

fs::path endpoint_file(const fs::path& endpoints, Ipv4 address) {
  return endpoints / (address.to_string() + ".json");
}

// An endpoints directory, open for reading its entries and opening them by
// name: DNS reads every endpoint at each change, so the names are not made
// into paths, and no path is walked again for each file.
class EndpointsDir {
 public:
  explicit EndpointsDir(const fs::path& path)
      : path_(path), dir_(::opendir(path.c_str()), &::closedir) {
    if (!dir_ && errno != ENOENT) throw Error::sys("list endpoints in", path.string(), errno);
  }
  // Calls fn(name) for each endpoint file (<ip>.json): not the links, not temporary files.
  template <typename F>
  void each_endpoint_file(F fn) const {
    if (!dir_) return;  // no endpoint yet, or a record of the older form
    errno = 0;
    while (const dirent* d = ::readdir(dir_.get())) {
      const std::string_view name(d->d_name);
      if (d->d_type != DT_LNK && name.size() > 5 && name.ends_with(".json")) fn(name);
      errno = 0;
    }
    if (errno != 0) throw Error::sys("list endpoints in", path_.string(), errno);
  }
  // The file's content; nullopt when it is gone (detached meanwhile).
  std::optional<std::string> read(std::string_view name) const {
    const std::string file(name);
    UniqueFd fd(::openat(dir_ ? ::dirfd(dir_.get()) : AT_FDCWD,
                         dir_ ? file.c_str() : (path_ / file).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) return std::nullopt;
      throw Error::sys("read", (path_ / file).string(), errno);
    }
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error::sys("read", (path_ / file).string(), errno);
      if (n == 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  std::unique_ptr<DIR, int (*)(DIR*)> dir_;
};

Endpoint parse_endpoint(const std::string& text, const fs::path& file, const std::string& network) {
  try {
    const json j = json::parse(text);
    return endpoint_from_json(j.at("container").get<std::string>(), j, network);
  } catch (const std::exception& e) {
    throw Error("read network endpoint", file.string())
        .with_hint(std::string("the file is damaged (") + e.what() + "); remove it");
  }
}

// One endpoint's file; nullopt when it is gone (detached meanwhile).
std::optional<Endpoint> read_endpoint(const fs::path& file, const std::string& network) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    if (e.err() == ENOENT) return std::nullopt;
    throw;
  }
  return parse_endpoint(text, file, network);
}

void write_endpoint(const fs::path& endpoints, const Endpoint& e, Durability durability) {
  json j = endpoint_json(e);
  j["container"] = e.container_id;
  write_file_atomic(endpoint_file(endpoints, e.address), j.dump() + "\n", 0644, durability);
}

// The link <container id> -> <ip>.json, made before the file it names: a
// link to no file (or to another container's) is no endpoint.
void link_endpoint(const fs::path& endpoints, const std::string& id, Ipv4 address) {
  const fs::path link = endpoints / id;
  if (::unlink(link.c_str()) < 0 && errno != ENOENT)
    throw Error::sys("remove stale endpoint link", link.string(), errno);
  if (::symlink((address.to_string() + ".json").c_str(), link.c_str()) < 0)
    throw Error::sys("link endpoint", link.string(), errno);
}

struct FoundEndpoint {
  fs::path file;
  Endpoint endpoint;
};

// A container's endpoint in one network, through its link: its own files only.
std::optional<FoundEndpoint> endpoint_of(const fs::path& endpoints, const std::string& id,
                                         const std::string& network) {
  if (!is_valid_container_key(id)) return std::nullopt;
  const fs::path link = endpoints / id;
  char target[64];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  if (n < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EINVAL) return std::nullopt;
    throw Error::sys("read endpoint link", link.string(), errno);
  }
  const std::string name(target, static_cast<size_t>(n));
  if (static_cast<size_t>(n) == sizeof target || name.find('/') != std::string::npos)
    return std::nullopt;  // not one lit made
  FoundEndpoint found{endpoints / name, {}};
  auto e = read_endpoint(found.file, network);
  if (!e || e->container_id != id) return std::nullopt;  // a stale link
  found.endpoint = std::move(*e);
  return found;
}

// The addresses given out in a network: the names of its endpoint files, no
// file read. Holders are left empty (a message asks for one by itself).
TakenAddresses taken_addresses(const fs::path& endpoints) {
  TakenAddresses taken;
  EndpointsDir(endpoints).each_endpoint_file([&](std::string_view name) {
    if (auto a = Ipv4::try_parse(name.substr(0, name.size() - 5))) taken.emplace(*a, "");
  });
  return taken;
}

void unlink_if_there(const fs::path& path, const char* what) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw Error::sys(what, path.string(), errno);
}

}  // namespace

json to_json(const NetworkRecord& r) {
  json containers = json::object();
  for (const auto& [id, e] : r.endpoints) containers[id] = endpoint_json(e);
  json j = fields_json(r);
  j["containers"] = std::move(containers);
  return j;
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
  if (auto c = j.find("containers"); c != j.end())
    for (const auto& [id, e] : c->items()) r.endpoints[id] = endpoint_from_json(id, e, r.name);
  return r;
}

struct NetworkStore::Stored {
  NetworkRecord record;
  // Its endpoints inside it ("containers"), as lit wrote records before they
  // had files of their own: then they are in record.endpoints.
  bool legacy = false;
};

std::optional<NetworkStore::Stored> NetworkStore::read_stored(const fs::path& file) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    if (e.err() == ENOENT) return std::nullopt;  // removed meanwhile
    throw;
  }
  try {
    const json j = json::parse(text);
    return NetworkStore::Stored{network_from_json(j), j.contains("containers")};
  } catch (const std::exception& e) {
    throw Error("read network record", file.string())
        .with_hint(std::string("the file is damaged (") + e.what() + "); remove it");
  }
}

NetworkStore::NetworkStore(fs::path dir, SubnetPool pool, RouteSource routes)
    : dir_(std::move(dir)), pool_(pool), routes_(std::move(routes)) {}

FileLock NetworkStore::lock() const {
  make_dirs(dir_, 0700);
  return FileLock(dir_ / "lock");
}

void NetworkStore::write(const NetworkRecord& record) const {
  write_file_atomic(file(record.name), fields_json(record).dump(2) + "\n", 0644);
}

std::vector<NetworkStore::Stored> NetworkStore::list_stored() const {
  std::vector<Stored> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;  // the lock, endpoints, temporary files
    if (auto s = read_stored(entry.path())) out.push_back(std::move(*s));
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error::sys("list networks in", dir_.string(), ec.value());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.record.name < b.record.name; });
  return out;
}

std::map<std::string, Endpoint> NetworkStore::read_endpoints(const std::string& network) const {
  std::map<std::string, Endpoint> out;
  const EndpointsDir endpoints(endpoints_dir(network));
  endpoints.each_endpoint_file([&](std::string_view name) {
    if (auto text = endpoints.read(name)) {
      Endpoint e = parse_endpoint(*text, endpoints.path() / name, network);
      std::string id = e.container_id;
      out.insert_or_assign(std::move(id), std::move(e));
    }
  });
  return out;
}

NetworkRecord NetworkStore::finish(Stored stored, Endpoints endpoints) const {
  if (endpoints == Endpoints::Skip)
    stored.record.endpoints.clear();
  else if (!stored.legacy)
    stored.record.endpoints = read_endpoints(stored.record.name);
  return std::move(stored.record);
}

// Moves a legacy record's endpoints to their files, then drops them from the
// record: cut short, the record still holds them all and the next change
// starts over (the directory is cleared first: it may hold strays of an
// earlier network of that name).
void NetworkStore::migrate(Stored& stored) const {
  if (!stored.legacy) return;
  const fs::path endpoints = endpoints_dir(stored.record.name);
  remove_tree(endpoints);
  make_dirs(endpoints, 0700);
  for (const auto& [id, e] : stored.record.endpoints) {
    if (!is_valid_container_key(id))
      throw Error("move the endpoints of network " + stored.record.name + " to their files",
                  "container id \"" + id + "\" is not a valid file name");
    link_endpoint(endpoints, id, e.address);
    write_endpoint(endpoints, e, Durability::Sync);
  }
  write(stored.record);
  stored.legacy = false;
}

std::vector<NetworkRecord> NetworkStore::list(Endpoints endpoints) const {
  std::vector<NetworkRecord> out;
  for (auto& s : list_stored()) out.push_back(finish(std::move(s), endpoints));
  return out;
}

std::optional<NetworkStore::Stored> NetworkStore::find_stored(const std::string& name_or_id) const {
  if (name_or_id.empty()) return std::nullopt;
  if (is_valid_network_name(name_or_id))  // a name: its file, not every record
    if (auto s = read_stored(file(name_or_id))) return s;
  auto records = list_stored();
  for (auto& s : records)
    if (s.record.id == name_or_id) return std::move(s);
  std::vector<Stored*> matches;
  for (auto& s : records)
    if (s.record.id.starts_with(name_or_id)) matches.push_back(&s);
  if (matches.empty()) return std::nullopt;
  if (matches.size() == 1) return std::move(*matches.front());
  std::string names;
  for (const auto* m : matches) names += (names.empty() ? "" : ", ") + m->record.name;
  throw Error("network id prefix \"" + name_or_id + "\" is ambiguous: it matches " + names)
      .with_hint("give more characters of the id, or the name");
}

NetworkStore::Stored NetworkStore::lookup_stored(const std::string& name_or_id) const {
  if (auto s = find_stored(name_or_id)) return std::move(*s);
  throw Error("no such network: " + name_or_id)
      .with_hint("list networks with lit network ls, or create it with lit network create " +
                 name_or_id);
}

std::optional<NetworkRecord> NetworkStore::find(const std::string& name_or_id,
                                                Endpoints endpoints) const {
  if (auto s = find_stored(name_or_id)) return finish(std::move(*s), endpoints);
  return std::nullopt;
}

NetworkRecord NetworkStore::lookup(const std::string& name_or_id, Endpoints endpoints) const {
  return finish(lookup_stored(name_or_id), endpoints);
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
  auto others = list(Endpoints::Skip);
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
  remove_tree(endpoints_dir(r.name));  // a stray of an earlier network of this name
  write(r);
  return r;
}

NetworkRecord NetworkStore::remove(const std::string& name_or_id,
                                   const std::function<void(const NetworkRecord&)>& before) {
  FileLock held = lock();
  Stored s = lookup_stored(name_or_id);
  const auto users = s.legacy ? s.record.endpoints : read_endpoints(s.record.name);
  if (!users.empty()) {
    std::string names;
    for (const auto& [id, e] : users) names += (names.empty() ? "" : ", ") + holder(e);
    throw Error("network " + s.record.name + " is in use by container(s) " + names)
        .with_hint("disconnect or remove them first (lit network disconnect " + s.record.name +
                   " CONTAINER)");
  }
  NetworkRecord r = std::move(s.record);
  r.endpoints.clear();
  if (before) before(r);
  remove_tree(endpoints_dir(r.name));  // stale links at most
  unlink_if_there(file(r.name), "remove network record");
  return r;
}

Endpoint NetworkStore::attach(const std::string& name_or_id, const AttachRequest& request) {
  check_aliases(request.aliases);
  if (!is_valid_container_key(request.container_id))
    throw Error("attach container \"" + request.container_id + "\" to network " + name_or_id +
                ": not a container id");
  std::optional<Ipv4> wanted;
  if (request.ip) wanted = Ipv4::parse(*request.ip, "--ip");
  FileLock held = lock();
  Stored s = lookup_stored(name_or_id);
  migrate(s);
  const NetworkRecord& r = s.record;
  const fs::path endpoints = endpoints_dir(r.name);
  if (auto found = endpoint_of(endpoints, request.container_id, r.name))
    throw Error("container " + holder(found->endpoint) + " is already attached to network " +
                r.name);
  TakenAddresses taken = taken_addresses(endpoints);
  Endpoint e{request.container_id, request.container_name, {}, request.aliases, wanted.has_value()};
  if (wanted) {
    if (auto it = taken.find(*wanted); it != taken.end())
      if (auto other = read_endpoint(endpoint_file(endpoints, *wanted), r.name))
        it->second = holder(*other);
    check_static_address(r.name, r.subnet, r.gateway, taken, *wanted);
    e.address = *wanted;
  } else {
    e.address = allocate_address(r.name, r.subnet, r.gateway, taken);
  }
  make_dirs(endpoints, 0700);
  link_endpoint(endpoints, e.container_id, e.address);
  write_endpoint(endpoints, e, Durability::Sync);
  return e;
}

bool NetworkStore::detach(const std::string& name_or_id, const std::string& container_id) {
  FileLock held = lock();
  Stored s = lookup_stored(name_or_id);
  migrate(s);
  const fs::path endpoints = endpoints_dir(s.record.name);
  auto found = endpoint_of(endpoints, container_id, s.record.name);
  if (found) unlink_if_there(found->file, "release address");  // the address first, then its link
  if (is_valid_container_key(container_id))
    unlink_if_there(endpoints / container_id, "remove endpoint link");
  return found.has_value();
}

bool Endpoint::running() const { return pid > 0 && runtime::process_alive(pid, pid_start); }

size_t NetworkStore::update_endpoints(const std::string& container_id,
                                      const std::function<bool(Endpoint&)>& change,
                                      Durability durability) {
  FileLock held = lock();
  size_t n = 0;
  for (auto& s : list_stored()) {
    if (s.legacy) {
      if (!s.record.endpoints.contains(container_id)) continue;
      migrate(s);
    }
    const fs::path endpoints = endpoints_dir(s.record.name);
    auto found = endpoint_of(endpoints, container_id, s.record.name);
    if (!found) continue;
    ++n;
    if (change(found->endpoint)) write_endpoint(endpoints, found->endpoint, durability);
  }
  return n;
}

size_t NetworkStore::set_running(const std::string& container_id, pid_t pid, uint64_t pid_start) {
  return update_endpoints(
      container_id,
      [&](Endpoint& e) {
        if (e.pid == pid && e.pid_start == pid_start) return false;
        e.pid = pid;
        e.pid_start = pid_start;
        return true;
      },
      Durability::NoSync);  // a pid means nothing after a crash: running() checks it
}

size_t NetworkStore::rename_endpoint(const std::string& container_id, const std::string& name) {
  return update_endpoints(
      container_id,
      [&](Endpoint& e) {
        e.container_name = name;
        return true;
      },
      Durability::Sync);
}

std::vector<NetworkRecord> NetworkStore::networks_of(const std::string& container_id) const {
  std::vector<NetworkRecord> out;
  for (auto& s : list_stored()) {
    std::optional<Endpoint> e;
    if (s.legacy) {
      if (auto it = s.record.endpoints.find(container_id); it != s.record.endpoints.end())
        e = it->second;
    } else if (auto found =
                   endpoint_of(endpoints_dir(s.record.name), container_id, s.record.name)) {
      e = std::move(found->endpoint);
    }
    if (!e) continue;
    s.record.endpoints = {{container_id, std::move(*e)}};
    out.push_back(std::move(s.record));
  }
  return out;
}

std::vector<std::string> NetworkStore::stray_endpoint_dirs() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".endpoints" || !entry.is_directory()) continue;
    std::string name = entry.path().stem().string();
    if (!fs::exists(file(name))) out.push_back(std::move(name));
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error::sys("list networks in", dir_.string(), ec.value());
  std::sort(out.begin(), out.end());
  return out;
}

bool NetworkStore::remove_stray_endpoint_dir(const std::string& network) {
  if (!is_valid_network_name(network)) return false;
  FileLock held = lock();
  if (fs::exists(file(network))) return false;
  remove_tree(endpoints_dir(network));
  return true;
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
