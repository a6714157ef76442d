#include "network/dns_service.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "runtime/process/identity.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network {

namespace fs = std::filesystem;

dns::Config container_dns(const std::string& container_id,
                          const std::vector<NetworkRecord>& networks) {
  dns::Config c;
  std::vector<std::pair<uint32_t, uint32_t>> joined;  // (address, gateway)
  for (const auto& net : networks) {
    auto it = net.endpoints.find(container_id);
    if (it == net.endpoints.end()) continue;
    const Endpoint& e = it->second;
    const uint32_t listen = net.gateway.value();
    joined.emplace_back(e.address.value(), listen);
    std::vector<std::string> names = e.aliases;
    if (!e.container_name.empty()) names.push_back(e.container_name);
    names.push_back(container_id.substr(0, 12));
    for (const auto& n : names) {
      c.add_name(listen, n, e.address.value());
      c.add_name(listen, n + "." + net.name, e.address.value());
    }
  }
  // A container on several networks resolves the names of all of them,
  // whichever of its addresses it asks from.
  for (const auto& [address, _] : joined)
    for (const auto& [other_address, gateway] : joined)
      if (other_address != address) c.scopes[address].push_back(gateway);
  return c;
}

std::string container_dns_file(const std::string& container_id, pid_t pid, uint64_t start,
                               const std::vector<NetworkRecord>& networks) {
  return "pid " + std::to_string(pid) + " " + std::to_string(start) + "\n" +
         dns::render_config(container_dns(container_id, networks));
}

namespace {

void merge(dns::Config& into, const dns::Config& from) {
  for (const auto& [key, addresses] : from.names)
    for (uint32_t a : addresses) into.add_name(key.first, key.second, a);
  for (const auto& [client, listens] : from.scopes) {
    auto& to = into.scopes[client];
    to.insert(to.end(), listens.begin(), listens.end());
  }
}

// Each running container's (pid, start), by id, in id order.
std::map<std::string, std::pair<pid_t, uint64_t>> running_inits(
    const std::vector<NetworkRecord>& networks,
    const std::function<bool(const Endpoint&)>& running) {
  std::map<std::string, std::pair<pid_t, uint64_t>> out;
  for (const auto& net : networks)
    for (const auto& [id, e] : net.endpoints)
      if (!out.contains(id) && running(e)) out.emplace(id, std::pair(e.pid, e.pid_start));
  return out;
}

}  // namespace

dns::Config dns_config(const std::vector<NetworkRecord>& networks,
                       const std::vector<uint32_t>& upstreams,
                       const std::function<bool(const Endpoint&)>& running) {
  dns::Config c;
  c.upstreams = upstreams;
  for (const auto& net : networks) c.listen.push_back(net.gateway.value());
  for (const auto& [id, init] : running_inits(networks, running))
    merge(c, container_dns(id, networks));
  return c;
}

namespace {

std::vector<uint32_t> host_upstreams() {
  try {
    return dns::resolv_conf_nameservers(read_file("/etc/resolv.conf"));
  } catch (const Error&) {
    return {};  // no resolv.conf: names of lit networks still resolve
  }
}

struct PidFile {
  pid_t pid = 0;
  uint64_t start = 0;
};

std::optional<PidFile> read_pid_file(const fs::path& file) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    return std::nullopt;
  }
  PidFile p;
  auto sp = text.find(' ');
  if (sp == std::string::npos) return std::nullopt;
  std::from_chars(text.data(), text.data() + sp, p.pid);
  std::from_chars(text.data() + sp + 1, text.data() + text.size(), p.start);
  if (p.pid <= 0) return std::nullopt;
  return p;
}

}  // namespace

DnsService::DnsService(const Paths& paths)
    : paths_(paths),
      dir_(paths.run_root / "dns"),
      pid_file_(paths.run_root / "network" / "dns.pid"),
      lock_file_(paths.run_root / "network" / "dns.lock") {}

std::optional<pid_t> DnsService::running() const {
  auto p = read_pid_file(pid_file_);
  if (!p || !runtime::process_alive(p->pid, p->start)) return std::nullopt;
  return p->pid;
}

namespace {

int64_t boot_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_BOOTTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// When the last config written began reading the records (0: unknown).
int64_t synced_at(const fs::path& file) {
  int64_t at = 0;
  try {
    const std::string text = read_file(file);
    std::from_chars(text.data(), text.data() + text.size(), at);
  } catch (const Error&) {
  }
  return at;
}

}  // namespace

// Concurrent starts (up starts four containers at once) each ask for a sync
// after changing the records; the syncs take turns under the lock. One that
// began reading the records after this call was made has seen this caller's
// change, so this call has nothing left to write: with N containers on a
// network each sync costs O(N) (the records, a liveness check per endpoint,
// the server's reload), and the turns coalesce. A network leaving is always
// written (its record still exists until the caller removes it).
void DnsService::sync(bool start, const std::string& leaving) {
  const int64_t asked = boot_ns();
  make_dirs(lock_file_.parent_path(), 0700);
  FileLock lock(lock_file_);
  const fs::path synced = lock_file_.parent_path() / "dns.synced";
  if (leaving.empty() && synced_at(synced) > asked && fs::exists(config_path())) {
    if (start && !running()) launch();
    return;
  }
  sync_locked(start, leaving);
}

void DnsService::sync_locked(bool start, const std::string& leaving) {
  const int64_t began = boot_ns();
  auto networks = NetworkStore(networks_dir(paths_.root)).list();
  std::erase_if(networks, [&](const NetworkRecord& n) { return n.id == leaving; });
  if (networks.empty()) {
    stop_server();
    return;
  }
  make_dirs(names_dir(), 0700);
  // The names first: a server started by this sync reads them all at once.
  const auto inits = running_inits(networks, [](const Endpoint& e) { return e.running(); });
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(names_dir(), ec)) {
    const std::string id = entry.path().filename().string();
    if (!inits.contains(id)) fs::remove(entry.path(), ec);
  }
  for (const auto& [id, init] : inits) {
    const std::string text = container_dns_file(id, init.first, init.second, networks);
    std::string now;
    try {
      now = read_file(names_dir() / id);
    } catch (const Error&) {
    }
    if (now != text) write_file_atomic(names_dir() / id, text, 0644, Durability::NoSync);
  }
  dns::Config c;
  c.upstreams = host_upstreams();
  for (const auto& net : networks) c.listen.push_back(net.gateway.value());
  write_file_atomic(config_path(), dns::render_config(c), 0644, Durability::NoSync);
  write_file_atomic(lock_file_.parent_path() / "dns.synced", std::to_string(began), 0644,
                    Durability::NoSync);
  if (start && !running()) launch();
}

void DnsService::publish(const std::string& container_id, pid_t pid, uint64_t start,
                         const std::vector<NetworkRecord>& networks) {
  make_dirs(lock_file_.parent_path(), 0700);
  FileLock lock(lock_file_);
  if (!fs::exists(config_path())) {  // no server configured yet: everything at once
    sync_locked(true, {});
    return;
  }
  make_dirs(names_dir(), 0700);
  write_file_atomic(names_dir() / container_id,
                    container_dns_file(container_id, pid, start, networks), 0644,
                    Durability::NoSync);
  if (!running()) launch();
}

void DnsService::withdraw(const std::string& container_id) {
  make_dirs(lock_file_.parent_path(), 0700);
  FileLock lock(lock_file_);  // after a full sync that may have read it as running
  const fs::path file = names_dir() / container_id;
  if (::unlink(file.c_str()) < 0 && errno != ENOENT)
    throw Error::sys("remove DNS names", file.string(), errno);
}

dns::Config DnsService::served() const {
  dns::Config c = dns::parse_config(read_file(config_path()));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(names_dir(), ec)) {
    if (entry.path().filename().string().find('.') != std::string::npos) continue;
    try {
      merge(c, dns::parse_config(read_file(entry.path())));
    } catch (const Error&) {  // removed meanwhile
    }
  }
  return c;
}

// posix_spawn in a new session: the server outlives this short lit command
// and is nobody's child that waits (init reaps it).
void DnsService::launch() {
  fs::path binary = helper_executable("lit-dns");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; ++fd)
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::string config = config_path().string();
  char* argv[] = {const_cast<char*>(binary.c_str()), config.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw Error::sys("start the DNS server", binary.string(), rc);
  write_file_atomic(pid_file_,
                    std::to_string(pid) + " " + std::to_string(runtime::process_start_time(pid)),
                    0644, Durability::NoSync);
}

// The server exits by itself once its config names no network; removing the
// config makes it go at once, and waiting for it means a network created next
// never meets a server on its way out.
void DnsService::stop_server() {
  auto pid = running();
  std::error_code ec;
  fs::remove(config_path(), ec);
  fs::remove_all(names_dir(), ec);
  fs::remove(lock_file_.parent_path() / "dns.synced", ec);
  if (pid) {
    using namespace std::chrono;
    auto deadline = steady_clock::now() + seconds(2);
    while (running() && steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(2));
    if (running()) ::kill(*pid, SIGKILL);  // still the process lit started: checked by start time
  }
  fs::remove(pid_file_, ec);
}

}  // namespace lit::network
