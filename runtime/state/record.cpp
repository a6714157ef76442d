#include "runtime/state/record.hpp"

#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <set>
#include <sstream>

#include "runtime/spec/options.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- JSON ------------------------------------------------------------------

namespace {
json rlimits_to_json(const std::vector<ContainerSpec::Rlimit>& rlimits) {
  json out = json::array();
  for (const auto& r : rlimits)
    out.push_back({{"resource", r.resource}, {"soft", r.soft}, {"hard", r.hard}});
  return out;
}
}  // namespace

json to_json(const ContainerSpec& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts)
    mounts.push_back({{"destination", m.destination},
                      {"type", m.type},
                      {"source", m.source},
                      {"options", m.options}});
  json layers = json::array();
  for (const auto& l : s.layers) layers.push_back(l.string());
  json limits = json::object();
  if (s.limits.memory_bytes) limits["memory_bytes"] = *s.limits.memory_bytes;
  if (s.limits.cpus) limits["cpus"] = *s.limits.cpus;
  if (s.limits.pids) limits["pids"] = *s.limits.pids;
  const auto& p = s.process;
  return {
      {"id", s.id},
      {"name", s.name},
      {"layers", layers},
      {"bundle", s.bundle.string()},
      {"hostname", s.hostname},
      {"process",
       {{"args", p.args},
        {"env", p.env},
        {"cwd", p.cwd},
        {"uid", p.uid},
        {"gid", p.gid},
        {"additional_gids", p.additional_gids},
        {"terminal", p.terminal},
        {"stdin_open", p.stdin_open}}},
      {"mounts", mounts},
      {"limits", limits},
      {"network", s.network == NetworkMode::Container ? "container:" + s.network_container
                                                      : std::string(network_mode_name(s.network))},
      {"address", s.address},
      {"dns_servers", s.dns_servers},
      {"dns_search", s.dns_search},
      {"dns_options", s.dns_options},
      {"extra_hosts", s.extra_hosts},
      {"rlimits", rlimits_to_json(s.rlimits)},
      {"shm_size", s.shm_size},
      {"security",
       {{"privileged", s.security.privileged},
        {"cap_add", s.security.cap_add},
        {"cap_drop", s.security.cap_drop},
        {"no_new_privileges", s.security.no_new_privileges},
        {"seccomp", s.security.seccomp},
        {"read_only_rootfs", s.security.read_only_rootfs}}},
      {"sysctls", s.sysctls},
      {"volatile_rootfs", s.volatile_rootfs},
      {"init", s.init}};
}

ContainerSpec spec_from_json(const json& j) {
  ContainerSpec s;
  s.id = j.at("id");
  s.name = j.at("name");
  for (const auto& l : j.at("layers")) s.layers.emplace_back(l.get<std::string>());
  s.bundle = j.at("bundle").get<std::string>();
  s.hostname = j.at("hostname");
  const auto& p = j.at("process");
  s.process.args = p.at("args");
  s.process.env = p.at("env");
  s.process.cwd = p.at("cwd");
  s.process.uid = p.at("uid");
  s.process.gid = p.at("gid");
  s.process.additional_gids = p.at("additional_gids").get<std::vector<gid_t>>();
  s.process.terminal = p.at("terminal");
  s.process.stdin_open = p.at("stdin_open");
  for (const auto& m : j.at("mounts"))
    s.mounts.push_back({m.at("destination"), m.at("type"), m.at("source"), m.at("options")});
  const auto& lim = j.at("limits");
  if (lim.contains("memory_bytes")) s.limits.memory_bytes = lim["memory_bytes"].get<std::int64_t>();
  if (lim.contains("cpus")) s.limits.cpus = lim["cpus"].get<double>();
  if (lim.contains("pids")) s.limits.pids = lim["pids"].get<std::int64_t>();
  std::string network = j.at("network").get<std::string>();
  s.network = network_mode_from_name(network.starts_with("container:") ? "container" : network);
  if (s.network == NetworkMode::Container) s.network_container = network.substr(10);
  s.address = j.value("address", "");
  s.dns_servers = j.value("dns_servers", std::vector<std::string>{});
  s.dns_search = j.value("dns_search", std::vector<std::string>{});
  s.dns_options = j.value("dns_options", std::vector<std::string>{});
  s.extra_hosts = j.value("extra_hosts", std::vector<std::pair<std::string, std::string>>{});
  if (auto r = j.find("rlimits"); r != j.end())
    for (const auto& l : *r) s.rlimits.push_back({l.at("resource"), l.at("soft"), l.at("hard")});
  s.shm_size = j.value("shm_size", std::int64_t{64} << 20);
  const auto& sec = j.at("security");
  s.security.privileged = sec.at("privileged");
  s.security.cap_add = sec.at("cap_add");
  s.security.cap_drop = sec.at("cap_drop");
  s.security.no_new_privileges = sec.at("no_new_privileges");
  s.security.seccomp = sec.at("seccomp");
  s.security.read_only_rootfs = sec.at("read_only_rootfs");
  s.sysctls = j.at("sysctls");
  s.volatile_rootfs = j.value("volatile_rootfs", false);  // absent in older records
  s.init = j.value("init", false);
  return s;
}

namespace {

json health_to_json(const HealthState& h) {
  json log = json::array();
  for (const auto& p : h.log)
    log.push_back({{"start_ns", p.start_ns},
                   {"end_ns", p.end_ns},
                   {"exit_code", p.exit_code},
                   {"output", p.output}});
  // A checked container's health is never None; were it, it is still starting.
  const Health status = h.status == Health::None ? Health::Starting : h.status;
  return {{"status", std::string(to_string(status))},
          {"failing_streak", h.failing_streak},
          {"log", log}};
}

HealthState health_from_json(const json& j) {
  HealthState h;
  // Any other word (lit never wrote one) reads as starting, which the next probe settles.
  const auto status = parse_health(j.at("status").get<std::string>());
  h.status = status && *status != Health::None ? *status : Health::Starting;
  h.failing_streak = j.at("failing_streak");
  for (const auto& p : j.at("log"))
    h.log.push_back({p.at("start_ns"), p.at("end_ns"), p.at("exit_code"), p.at("output")});
  return h;
}

json lifecycle_to_json(const LifecycleConfig& c) {
  json j = {
      {"restart", to_string(c.restart)}, {"restart_on_unhealthy", c.restart.restart_on_unhealthy},
      {"log_max_size", c.log.max_size},  {"log_max_file", c.log.max_file},
      {"stop_signal", c.stop_signal},    {"stop_timeout", c.stop_timeout}};
  if (c.healthcheck) {
    const auto& h = *c.healthcheck;
    j["healthcheck"] = {{"test", h.test},
                        {"interval_ns", h.config.interval_ns},
                        {"timeout_ns", h.config.timeout_ns},
                        {"start_period_ns", h.config.start_period_ns},
                        {"retries", h.config.retries}};
  }
  return j;
}

LifecycleConfig lifecycle_from_json(const json& j) {
  LifecycleConfig c;
  c.restart = parse_restart_policy(j.at("restart").get<std::string>());
  c.restart.restart_on_unhealthy = j.at("restart_on_unhealthy");
  c.log.max_size = j.at("log_max_size");
  c.log.max_file = j.at("log_max_file");
  c.stop_signal = j.at("stop_signal");
  c.stop_timeout = j.at("stop_timeout");
  if (auto h = j.find("healthcheck"); h != j.end()) {
    HealthCheck hc;
    hc.test = h->at("test");
    hc.config.interval_ns = h->at("interval_ns");
    hc.config.timeout_ns = h->at("timeout_ns");
    hc.config.start_period_ns = h->at("start_period_ns");
    hc.config.retries = h->at("retries");
    c.healthcheck = hc;
  }
  return c;
}

}  // namespace

namespace {

json ports_to_json(const std::vector<PublishedPort>& ports) {
  json out = json::array();
  for (const auto& p : ports)
    out.push_back({{"host_ip", p.host_ip},
                   {"host_port", p.host_port},
                   {"container_port", p.container_port},
                   {"proto", proto_name(p.proto)}});
  return out;
}

Proto proto_from_json(const json& j) {
  auto p = proto_from_name(j.get<std::string>());
  if (!p) throw Error("bad protocol in container record: " + j.get<std::string>());
  return *p;
}

// A lit before 2026-12 kept "publish" as the -p strings given: read either.
std::vector<PublishedPort> ports_from_json(const json& j) {
  std::vector<PublishedPort> out;
  for (const auto& p : j) {
    if (p.is_string()) {
      for (auto& port : parse_port_spec(p.get<std::string>())) out.push_back(std::move(port));
      continue;
    }
    out.push_back({p.at("host_ip"), p.at("host_port"), p.at("container_port"),
                   proto_from_json(p.at("proto"))});
  }
  return out;
}

json networks_to_json(const std::vector<NetworkAttachment>& networks) {
  json out = json::array();
  for (const auto& n : networks)
    out.push_back({{"network", n.network},
                   {"network_id", n.network_id},
                   {"ip", n.ip},
                   {"static_ip", n.static_ip},
                   {"aliases", n.aliases},
                   {"gateway", n.gateway},
                   {"prefix_len", n.prefix_len},
                   {"interface", n.interface}});
  return out;
}

std::vector<NetworkAttachment> networks_from_json(const json& j) {
  std::vector<NetworkAttachment> out;
  for (const auto& n : j)
    out.push_back({n.at("network"), n.value("network_id", ""), n.value("ip", ""),
                   n.value("static_ip", false), n.value("aliases", std::vector<std::string>{}),
                   n.value("gateway", ""), n.value("prefix_len", 0u), n.value("interface", "")});
  return out;
}

}  // namespace

std::string_view network_mode_name(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::Host:
      return "host";
    case NetworkMode::Bridge:
      return "bridge";
    case NetworkMode::Container:
      return "container";
    case NetworkMode::None:
      break;
  }
  return "none";
}

NetworkMode network_mode_from_name(std::string_view name) {
  if (name == "host") return NetworkMode::Host;
  if (name == "bridge") return NetworkMode::Bridge;
  if (name == "container") return NetworkMode::Container;
  return NetworkMode::None;
}

json to_json(const ContainerRecord& r) {
  const auto& st = r.state;
  return {{"id", r.id},
          {"name", r.name},
          {"image", r.image},
          {"image_id", r.image_id},
          {"created", r.created},
          {"args", r.args},
          {"labels", r.labels},
          {"auto_remove", r.auto_remove},
          {"anonymous_volumes", r.anonymous_volumes},
          {"state",
           {{"status", std::string(to_string(st.status))},
            {"pid", st.pid},
            {"pid_start_time", st.pid_start_time},
            {"exit_code", st.exit_code},
            {"oom_killed", st.oom_killed},
            {"started_at", st.started_at},
            {"finished_at", st.finished_at},
            {"error", st.error},
            {"shim_pid", st.shim_pid},
            {"shim_start_time", st.shim_start_time},
            {"boot_id", st.boot_id},
            {"restart_count", st.restart_count},
            {"manually_stopped", st.manually_stopped},
            {"health", st.health ? health_to_json(*st.health) : json(nullptr)},
            {"ports", ports_to_json(st.ports)}}},
          {"lifecycle", lifecycle_to_json(r.lifecycle)},
          {"networks", networks_to_json(r.networks)},
          {"publish", ports_to_json(r.publish)},
          {"spec", to_json(r.spec)}};
}

ContainerRecord record_from_json(const json& j) {
  ContainerRecord r;
  r.id = j.at("id");
  r.name = j.at("name");
  r.image = j.at("image");
  r.image_id = j.at("image_id");
  r.created = j.at("created");
  r.args = j.at("args");
  r.labels = j.at("labels");
  r.auto_remove = j.at("auto_remove");
  r.anonymous_volumes = j.at("anonymous_volumes");
  const auto& st = j.at("state");
  // A word this lit does not know (a newer lit's) reads as Exited: nothing is
  // signalled, waited for or joined on the strength of it, and `start` may still run it.
  r.state.status =
      parse_container_status(st.at("status").get<std::string>()).value_or(ContainerStatus::Exited);
  r.state.pid = st.at("pid");
  r.state.pid_start_time = st.at("pid_start_time");
  r.state.exit_code = st.at("exit_code");
  r.state.oom_killed = st.at("oom_killed");
  r.state.started_at = st.at("started_at");
  r.state.finished_at = st.at("finished_at");
  r.state.error = st.at("error");
  r.state.shim_pid = st.value("shim_pid", 0);
  r.state.shim_start_time = st.value("shim_start_time", std::uint64_t{0});
  r.state.boot_id = st.value("boot_id", "");
  r.state.restart_count = st.value("restart_count", 0u);
  r.state.manually_stopped = st.value("manually_stopped", false);
  if (auto h = st.find("health"); h != st.end() && h->is_object())
    r.state.health = health_from_json(*h);
  if (auto p = st.find("ports"); p != st.end()) r.state.ports = ports_from_json(*p);
  if (auto l = j.find("lifecycle"); l != j.end()) r.lifecycle = lifecycle_from_json(*l);
  if (auto n = j.find("networks"); n != j.end()) r.networks = networks_from_json(*n);
  if (auto p = j.find("publish"); p != j.end()) r.publish = ports_from_json(*p);
  r.spec = spec_from_json(j.at("spec"));
  return r;
}

// ---- identity and time -----------------------------------------------------

std::string generate_id() {
  std::array<unsigned char, 32> buf{};
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::getrandom(buf.data() + got, buf.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    check_sys(n, "getrandom");
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char c : buf) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

std::string generate_name() {
  // A short selection of docker's namesgenerator lists.
  static constexpr std::array kLeft = {
      "admiring",   "adoring", "agitated", "amazing",    "angry",    "awesome",       "blissful",
      "bold",       "brave",   "charming", "clever",     "cool",     "compassionate", "dazzling",
      "determined", "eager",   "ecstatic", "elegant",    "epic",     "festive",       "focused",
      "friendly",   "funny",   "gallant",  "gifted",     "happy",    "hopeful",       "inspiring",
      "jolly",      "keen",    "kind",     "laughing",   "loving",   "lucid",         "magical",
      "modest",     "nice",    "nifty",    "optimistic", "peaceful", "pensive",       "priceless",
      "quirky",     "relaxed", "serene",   "sharp",      "stoic",    "sweet",         "tender",
      "trusting",   "upbeat",  "vibrant",  "vigilant",   "wizardly", "youthful",      "zealous",
      "zen"};
  static constexpr std::array kRight = {
      "albattani", "allen",    "archimedes", "babbage",  "bardeen",    "bell",    "blackwell",
      "bohr",      "curie",    "darwin",     "dijkstra", "einstein",   "euclid",  "euler",
      "faraday",   "fermat",   "fermi",      "feynman",  "franklin",   "galileo", "gauss",
      "goldberg",  "goodall",  "hamilton",   "hawking",  "heisenberg", "hopper",  "hypatia",
      "johnson",   "kepler",   "knuth",      "lamport",  "leakey",     "liskov",  "lovelace",
      "mayer",     "mccarthy", "meitner",    "mendel",   "morse",      "newton",  "noether",
      "pascal",    "pasteur",  "payne",      "perlman",  "pike",       "planck",  "ritchie",
      "shannon",   "sinoussi", "tesla",      "thompson", "torvalds",   "turing",  "wilson",
      "wright",    "yalow"};
  std::string id = generate_id();  // random bytes, reused as indexes
  unsigned a = static_cast<unsigned>(std::stoul(id.substr(0, 8), nullptr, 16));
  unsigned b = static_cast<unsigned>(std::stoul(id.substr(8, 8), nullptr, 16));
  return std::string(kLeft[a % kLeft.size()]) + "_" + kRight[b % kRight.size()];
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
            1000000000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ns));
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = ::timegm(&tm);
  auto tp = std::chrono::system_clock::from_time_t(t);
  std::string rest = text.substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    long long frac = 0, scale = 1000000000;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])) && i <= 9) {
      frac = frac * 10 + (rest[i] - '0');
      scale /= 10;
      ++i;
    }
    tp += std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(frac * scale));
  }
  return tp;
}

std::uint64_t process_start_time(pid_t pid) {
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return 0;
  }
  // The command name (field 2) may contain spaces and ')': count fields after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (in >> field); ++i) {
    if (i == 22) return std::stoull(field);
  }
  return 0;
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  if (pid <= 0) return false;
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return false;
  }
  // A zombie has exited: it only waits for its parent (maybe slow) to reap it.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  if (state == 'Z' || state == 'X') return false;
  return process_start_time(pid) == start_time;
}

// ---- the store -------------------------------------------------------------

RecordStore::RecordStore(const Paths& paths)
    : root_(paths.containers()), run_(paths.run_containers()) {}

RecordStore::RecordStore(fs::path containers_dir, fs::path run_containers_dir)
    : root_(std::move(containers_dir)), run_(std::move(run_containers_dir)) {}

namespace {
bool holds_record(const fs::path& dir) {
  return ::access((dir / "container.json").c_str(), F_OK) == 0;
}
}  // namespace

fs::path RecordStore::dir(const std::string& id) const {
  if (!run_.empty() && holds_record(run_ / id)) return run_ / id;
  return root_ / id;
}

void RecordStore::write(const fs::path& dir, const ContainerRecord& record,
                        Durability durability) const {
  write_file_atomic(dir / "container.json", to_json(record).dump(2) + "\n", 0600, durability);
}

void RecordStore::create(const ContainerRecord& record, Durability durability, RecordHome home) {
  if (!is_valid_name(record.name))
    throw Error("invalid container name \"" + record.name +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (run_.empty()) home = RecordHome::Disk;
  make_dirs(root_, 0700);
  spread_subdirectories(root_);    // a best effort: only ext2/3/4 have the flag
  FileLock names(root_ / "lock");  // name check and creation are one step
  for (const auto& other : list()) {
    if (other.name == record.name)
      throw Error("the container name \"/" + record.name + "\" is already in use by container \"" +
                  other.id + "\"")
          .with_hint("remove it (lit container rm " + record.name + ") or choose another --name");
  }
  remove_orphans_of_earlier_boots();
  const fs::path record_dir = home == RecordHome::RunRoot ? run_ / record.id : root_ / record.id;
  if (home == RecordHome::RunRoot) make_dirs(run_, 0700);
  if (::mkdir(record_dir.c_str(), 0700) < 0)
    throw Error::sys("create container directory", record_dir.string(), errno);
  try {
    if (home == RecordHome::RunRoot && ::mkdir(bundle(record.id).c_str(), 0700) < 0)
      throw Error::sys("create container directory", bundle(record.id).string(), errno);
    FileLock l(record_dir / "lock");
    write(record_dir, record, durability);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(record_dir, ec);
    if (home == RecordHome::RunRoot) fs::remove_all(bundle(record.id), ec);
    throw;
  }
}

std::string RecordStore::unused_name() const {
  auto records = list();
  for (;;) {
    std::string name = generate_name();
    if (name == "boring_wozniak") continue;  // docker's one exception, kept for fun
    bool taken = std::any_of(records.begin(), records.end(),
                             [&](const ContainerRecord& r) { return r.name == name; });
    if (!taken) return name;
  }
}

std::optional<ContainerRecord> RecordStore::read(const std::string& id) const {
  fs::path file = dir(id) / "container.json";
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    if (e.err() == ENOENT || e.err() == ENOTDIR) return std::nullopt;
    throw;
  }
  // Empty: the unsynced record of a --rm container that a power loss cut short.
  if (text.empty()) return std::nullopt;
  try {
    return record_from_json(json::parse(text));
  } catch (const json::exception& e) {
    throw Error("read container record", file.string()).context(e.what());
  }
}

std::vector<std::string> RecordStore::ids() const {
  std::set<std::string> out;
  for (const fs::path& root : {root_, run_}) {
    if (root.empty()) continue;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory(ec)) out.insert(entry.path().filename().string());
  }
  return {out.begin(), out.end()};
}

std::vector<ContainerRecord> RecordStore::list() const {
  std::vector<ContainerRecord> out;
  for (const auto& id : ids()) {
    // Skips directories mid-creation or mid-removal (no record file).
    try {
      if (auto r = read(id)) out.push_back(std::move(*r));
    } catch (const Error& e) {  // one bad record must not hide the others
      spdlog::warn("skipping container: {}", e.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    return a.created > b.created;  // newest first, as docker lists them
  });
  return out;
}

void RecordStore::remove_orphans_of_earlier_boots() const {
  std::optional<std::time_t> booted;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string id = entry.path().filename().string();
    if (!entry.is_directory(ec) || id.size() != 64) continue;
    if (holds_record(dir(id))) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) < 0) continue;
    if (!booted) {  // now minus the time since boot
      timespec real{}, since_boot{};
      ::clock_gettime(CLOCK_REALTIME, &real);
      ::clock_gettime(CLOCK_BOOTTIME, &since_boot);
      booted = real.tv_sec - since_boot.tv_sec;
    }
    // Made in this boot: a container being created or removed right now.
    if (st.st_mtim.tv_sec >= *booted) continue;
    spdlog::info("removing {}: the writable layer of a --rm container of an earlier boot",
                 entry.path().string());
    try {
      remove_tree(entry.path());
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  }
}

ContainerRecord RecordStore::lookup(const std::string& name_or_id) const {
  if (name_or_id.empty()) throw Error("no such container: \"\"");
  auto records = list();
  for (const auto& r : records)
    if (r.id == name_or_id) return r;
  std::string name = name_or_id.front() == '/' ? name_or_id.substr(1) : name_or_id;
  for (const auto& r : records)
    if (r.name == name) return r;
  std::vector<const ContainerRecord*> matches;
  for (const auto& r : records)
    if (r.id.starts_with(name_or_id)) matches.push_back(&r);
  if (matches.size() == 1) return *matches.front();
  if (matches.empty()) throw Error("no such container: " + name_or_id);
  std::string ids;
  for (const auto* m : matches) ids += (ids.empty() ? "" : ", ") + m->id.substr(0, 12);
  throw Error("container id prefix \"" + name_or_id + "\" is ambiguous: it matches " + ids)
      .with_hint("give more characters of the id, or the name");
}

bool RecordStore::update(const std::string& id, const std::function<void(ContainerRecord&)>& change,
                         Durability durability) {
  const fs::path where = dir(id);
  std::optional<FileLock> l;
  try {
    l.emplace(FileLock(where / "lock"));
  } catch (const Error& e) {
    if (e.err() == ENOENT) return false;  // removed already, or meanwhile
    throw;
  }
  auto record = read(id);
  if (!record) return false;
  change(*record);
  write(where, *record, durability);
  return true;
}

void RecordStore::remove(const std::string& id) {
  const fs::path where = dir(id);
  {
    std::optional<FileLock> l;
    try {
      l.emplace(FileLock(where / "lock"));
    } catch (const Error& e) {
      if (e.err() == ENOENT) return;  // removed already
      throw;
    }
    if (::unlink((where / "container.json").c_str()) < 0 && errno != ENOENT)
      throw Error::sys("remove container record", (where / "container.json").string(), errno);
  }
  remove_tree(where);
  if (where != bundle(id)) remove_tree(bundle(id));
}

// ---- observed state and presentation -----------------------------------------

std::string current_boot_id() {
  static const std::string id = [] {
    try {
      std::string text = read_file("/proc/sys/kernel/random/boot_id");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    } catch (const Error&) {
      return std::string();
    }
  }();
  return id;
}

bool supervisor_alive(const ContainerState& st) {
  return st.shim_pid > 0 && (st.boot_id.empty() || st.boot_id == current_boot_id()) &&
         process_alive(st.shim_pid, st.shim_start_time);
}

ContainerState observed_state(const ContainerRecord& record) {
  ContainerState st = record.state;
  if (st.status != ContainerStatus::Running && st.status != ContainerStatus::Restarting) return st;
  const bool other_boot = !st.boot_id.empty() && st.boot_id != current_boot_id();
  const bool detached = st.shim_pid > 0;
  const bool shim_gone = detached && !supervisor_alive(st);
  // A live supervisor records its container's exit itself, in a moment: trust it.
  const bool init_gone =
      other_boot || (st.status == ContainerStatus::Running && (!detached || shim_gone) &&
                     !process_alive(st.pid, st.pid_start_time));
  if (init_gone || (st.status == ContainerStatus::Restarting && shim_gone)) {
    st.status = ContainerStatus::Exited;
    st.pid = 0;
    if (st.exit_code == 0) st.exit_code = 255;  // nobody was left to record it
    if (other_boot)
      st.error = "the machine restarted while the container ran";
    else if (shim_gone)
      st.error = "its supervisor (lit-shim) died; the exit status is unknown";
    else if (!detached && st.error.empty())
      st.error = "lit exited before the container did; the exit status is unknown";
  } else if (shim_gone) {
    st.error = "its supervisor (lit-shim) died: output is no longer logged, nor restarts done";
  }
  return st;
}

}  // namespace lit::runtime
