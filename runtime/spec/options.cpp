#include "runtime/spec/options.hpp"

#include <arpa/inet.h>
#include <sys/resource.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>

#include "runtime/security/apparmor.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace {

Error invalid(std::string_view flag, std::string_view value, std::string_view why) {
  return Error("invalid value \"" + std::string(value) + "\" for flag " + std::string(flag) + ": " +
               std::string(why));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::int64_t> parse_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    size_t frac = ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == frac) return std::nullopt;
  }
  std::string number(text.substr(0, i));
  std::string_view unit = text.substr(i);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  double mult = 1;
  static constexpr std::string_view kUnits = "kmgtp";
  if (!unit.empty()) {
    auto pos = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0]))));
    if (pos != std::string_view::npos) {
      mult = std::pow(1024.0, static_cast<double>(pos + 1));
      unit.remove_prefix(1);
      if (!unit.empty() && (unit[0] == 'i' || unit[0] == 'I')) unit.remove_prefix(1);
    }
  }
  if (!unit.empty() && (unit[0] == 'b' || unit[0] == 'B')) unit.remove_prefix(1);
  if (!unit.empty()) return std::nullopt;
  double bytes = std::strtod(number.c_str(), nullptr) * mult;
  if (!(bytes < static_cast<double>(std::numeric_limits<std::int64_t>::max()))) return std::nullopt;
  return static_cast<std::int64_t>(bytes);
}

std::int64_t parse_memory(std::string_view value, std::string_view flag) {
  auto bytes = parse_size(value);
  if (!bytes)
    throw invalid(flag, value, "not a size (use a number with unit b, k, m or g, e.g. 64m)");
  if (*bytes < kMinMemoryBytes) throw invalid(flag, value, "the minimum memory limit is 6MB");
  return *bytes;
}

std::optional<double> parse_cpus(std::string_view value, unsigned online_cpus) {
  std::string s(value);
  char* end = nullptr;
  double v = s.empty() ? -1 : std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0 ||
      s.find_first_of("xXeEnN") != std::string::npos) {
    throw invalid("--cpus", value, "not a positive decimal number (e.g. 0.5)");
  }
  if (v == 0) return std::nullopt;
  if (v < 0.01 || v > online_cpus) {
    char range[96];
    std::snprintf(range, sizeof range, "the range of CPUs is from 0.01 to %u.00 on this host",
                  online_cpus);
    throw invalid("--cpus", value, range);
  }
  return v;
}

std::optional<std::int64_t> parse_pids_limit(std::string_view value) {
  auto v = to_int(value);
  if (!v) throw invalid("--pids-limit", value, "not an integer (use -1 for unlimited)");
  if (*v <= 0) return std::nullopt;
  return v;
}

std::string container_path(std::string_view path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

VolumeMount parse_volume(std::string_view value) {
  auto parts = split(value, ':');
  if (parts.empty() || parts.size() > 3 || value.empty())
    throw invalid("--volume", value, "use SRC:DST[:ro|rw] or DST");
  VolumeMount v;
  if (parts.size() == 1) {
    v.kind = VolumeMount::Kind::Anonymous;
    v.destination = parts[0];
  } else {
    v.source = parts[0];
    v.destination = parts[1];
    if (v.source.empty()) throw invalid("--volume", value, "the source is empty");
    if (v.source.front() == '/') {
      v.kind = VolumeMount::Kind::Bind;
      v.source = container_path(v.source);
    } else if (is_valid_name(v.source)) {
      v.kind = VolumeMount::Kind::Named;
    } else {
      throw invalid("--volume", value,
                    "\"" + v.source +
                        "\" is neither an absolute host path nor a volume name "
                        "([a-zA-Z0-9][a-zA-Z0-9_.-]+); use an absolute path for a host directory");
    }
  }
  if (v.destination.empty() || v.destination.front() != '/')
    throw invalid("--volume", value, "the destination must be an absolute path in the container");
  v.destination = container_path(v.destination);
  if (v.destination == "/") throw invalid("--volume", value, "the destination cannot be \"/\"");
  if (parts.size() == 3) {
    for (const auto& opt : split(parts[2], ',')) {
      if (opt == "ro") {
        v.read_only = true;
      } else if (opt == "rw") {
        v.read_only = false;
      } else if (opt != "z" && opt != "Z") {  // SELinux relabel: nothing to do here
        throw invalid("--volume", value, "unknown option \"" + opt + "\" (use ro or rw)");
      }
    }
  }
  return v;
}

Mount parse_tmpfs(std::string_view value) {
  auto colon = value.find(':');
  Mount m;
  m.type = "tmpfs";
  m.source = "tmpfs";
  m.destination = std::string(value.substr(0, colon));
  if (m.destination.empty() || m.destination.front() != '/')
    throw invalid("--tmpfs", value, "the destination must be an absolute path in the container");
  m.destination = container_path(m.destination);
  if (m.destination == "/") throw invalid("--tmpfs", value, "the destination cannot be \"/\"");
  bool exec = false, suid = false, dev = false;
  std::vector<std::string> extra;
  if (colon != std::string_view::npos) {
    for (const auto& opt : split(value.substr(colon + 1), ',')) {
      auto eq = opt.find('=');
      std::string key = opt.substr(0, eq), val = eq == std::string::npos ? "" : opt.substr(eq + 1);
      if (key == "size") {
        auto bytes = parse_size(val);
        if (!bytes || *bytes <= 0) throw invalid("--tmpfs", value, "bad size \"" + val + "\"");
        extra.push_back("size=" + std::to_string(*bytes));
      } else if (key == "mode") {
        if (val.empty() || val.find_first_not_of("01234567") != std::string::npos || val.size() > 4)
          throw invalid("--tmpfs", value, "mode must be octal, e.g. 1777");
        extra.push_back(opt);
      } else if (key == "uid" || key == "gid" || key == "nr_inodes" || key == "nr_blocks") {
        if (!is_digits(val)) throw invalid("--tmpfs", value, key + " must be a number");
        extra.push_back(opt);
      } else if (opt == "exec" || opt == "noexec") {
        exec = opt == "exec";
      } else if (opt == "suid" || opt == "nosuid") {
        suid = opt == "suid";
      } else if (opt == "dev" || opt == "nodev") {
        dev = opt == "dev";
      } else if (opt == "ro" || opt == "rw") {
        extra.push_back(opt);
      } else if (!opt.empty()) {
        throw invalid("--tmpfs", value, "unknown option \"" + opt + "\"");
      }
    }
  }
  if (!suid) m.options.push_back("nosuid");
  if (!dev) m.options.push_back("nodev");
  if (!exec) m.options.push_back("noexec");
  m.options.insert(m.options.end(), extra.begin(), extra.end());
  return m;
}

UserArg parse_user(std::string_view value) {
  auto parts = split(value, ':');
  if (value.empty() || parts.size() > 2 || parts[0].empty() ||
      (parts.size() == 2 && parts[1].empty()))
    throw invalid("--user", value, "use USER[:GROUP], names or numeric ids");
  return {parts[0], parts.size() == 2 ? parts[1] : ""};
}

EnvLookup process_env_lookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

namespace {

bool has_space(std::string_view s) {
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  return false;
}

}  // namespace

std::optional<std::string> parse_env_arg(std::string_view value, const EnvLookup& lookup) {
  auto eq = value.find('=');
  std::string name(value.substr(0, eq));
  if (name.empty()) throw invalid("--env", value, "the variable name is empty");
  if (has_space(name)) throw invalid("--env", value, "the variable name contains whitespace");
  if (eq != std::string_view::npos) return std::string(value);
  auto v = lookup(name);
  if (!v) return std::nullopt;
  return name + "=" + *v;
}

std::vector<std::string> parse_env_file_content(std::string_view content,
                                                std::string_view file_name,
                                                const EnvLookup& lookup) {
  std::vector<std::string> out;
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);  // UTF-8 BOM
  size_t line_no = 0;
  for (std::string line : split(content, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    std::string_view l = std::string_view(line).substr(start);
    if (l.empty() || l.front() == '#') continue;
    auto eq = l.find('=');
    std::string_view name = l.substr(0, eq);
    auto where = [&] {
      return "env file " + std::string(file_name) + " line " + std::to_string(line_no);
    };
    if (name.empty()) throw Error(where() + ": no variable name before \"=\"");
    if (has_space(name))
      throw Error(where() + ": variable \"" + std::string(name) + "\" contains whitespace");
    if (eq != std::string_view::npos) {
      out.emplace_back(l);
    } else if (auto v = lookup(std::string(name))) {
      out.push_back(std::string(name) + "=" + *v);
    }
  }
  return out;
}

std::vector<std::string> read_env_file(const std::filesystem::path& file, const EnvLookup& lookup) {
  std::string content;
  try {
    content = read_file(file);
  } catch (Error& e) {
    throw e.context("--env-file");
  }
  return parse_env_file_content(content, file.string(), lookup);
}

std::pair<std::string, std::string> parse_label(std::string_view value) {
  auto eq = value.find('=');
  std::string key(value.substr(0, eq));
  if (key.empty()) throw invalid("--label", value, "the label key is empty");
  return {key, eq == std::string_view::npos ? "" : std::string(value.substr(eq + 1))};
}

namespace {
bool is_ip(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}
}  // namespace

std::pair<std::string, std::string> parse_add_host(std::string_view value) {
  // docker: NAME:IP, where IP may itself contain colons (IPv6); NAME=IP too.
  auto sep = value.find('=');
  if (sep == std::string_view::npos) sep = value.find(':');
  std::string name(value.substr(0, sep == std::string_view::npos ? 0 : sep));
  std::string ip(sep == std::string_view::npos ? "" : value.substr(sep + 1));
  if (name.empty() || ip.empty()) throw invalid("--add-host", value, "use NAME:IP");
  if (ip == "host-gateway")
    throw invalid("--add-host", value, "host-gateway is not supported yet; give the address");
  if (!is_ip(ip)) throw invalid("--add-host", value, ip + " is not an IPv4 or IPv6 address");
  return {name, ip};
}

std::string parse_dns(std::string_view value) {
  if (!is_ip(std::string(value))) throw invalid("--dns", value, "not an IPv4 or IPv6 address");
  return std::string(value);
}

std::optional<int> rlimit_resource(std::string_view name) {
  static const std::map<std::string, int, std::less<>> kNames = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
      {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

ContainerSpec::Rlimit parse_ulimit(std::string_view value) {
  auto eq = value.find('=');
  auto resource =
      eq == std::string_view::npos ? std::nullopt : rlimit_resource(value.substr(0, eq));
  if (!resource) throw invalid("--ulimit", value, "use NAME=SOFT[:HARD], e.g. nofile=1024:2048");
  auto number = [&](std::string_view t) -> std::uint64_t {
    if (t == "-1" || t == "unlimited") return RLIM_INFINITY;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || t.empty())
      throw invalid("--ulimit", value, "limits are numbers (or -1 for unlimited)");
    return v;
  };
  std::string_view limits = value.substr(eq + 1);
  auto colon = limits.find(':');
  ContainerSpec::Rlimit r{*resource, number(limits.substr(0, colon)), 0};
  r.hard = colon == std::string_view::npos ? r.soft : number(limits.substr(colon + 1));
  if (r.soft > r.hard) throw invalid("--ulimit", value, "the soft limit is above the hard one");
  return r;
}

std::pair<std::string, std::string> parse_sysctl(std::string_view value) {
  auto eq = value.find('=');
  if (eq == std::string_view::npos || eq == 0) throw invalid("--sysctl", value, "use KEY=VALUE");
  return {std::string(value.substr(0, eq)), std::string(value.substr(eq + 1))};
}

NetworkMode parse_network(std::string_view value) {
  if (value == "none") return NetworkMode::None;
  if (value == "host") return NetworkMode::Host;
  if (value == "bridge" || value == "default")
    throw invalid("--network", value,
                  "lit has no default bridge network; create one (lit network create NAME) and "
                  "use --network NAME");
  if (value.starts_with("container:")) {
    if (value.size() == 10) throw invalid("--network", value, "use container:NAME or container:ID");
    return NetworkMode::Container;
  }
  if (value.empty())
    throw invalid("--network", value,
                  "use none, host, container:NAME or the name of a lit network");
  return NetworkMode::Bridge;
}

SecurityOpt parse_security_opt(std::string_view value, const std::filesystem::path& base_dir) {
  // docker accepts both "key=value" and the older "key:value".
  auto sep = value.find_first_of("=:");
  std::string key(value.substr(0, sep));
  std::string val = sep == std::string_view::npos ? "" : std::string(value.substr(sep + 1));
  if (key == "no-new-privileges") {
    if (val.empty() || val == "true")
      return {SecurityOpt::Kind::NoNewPrivileges, true, std::nullopt, {}};
    if (val == "false") return {SecurityOpt::Kind::NoNewPrivileges, false, std::nullopt, {}};
    throw invalid("--security-opt", value, "no-new-privileges takes true or false");
  }
  if (key == "apparmor" && !val.empty())
    return {SecurityOpt::Kind::AppArmor, true, std::nullopt, val};
  if (key == "seccomp" && val == "unconfined")
    return {SecurityOpt::Kind::SeccompUnconfined, true, std::nullopt, {}};
  if (key == "seccomp" && val == "builtin")
    return {SecurityOpt::Kind::SeccompDefault, true, std::nullopt, {}};
  if (key == "seccomp" && !val.empty()) {
    std::filesystem::path file = val;
    if (file.is_relative() && !base_dir.empty()) file = base_dir / file;
    return {SecurityOpt::Kind::SeccompProfile, true, read_seccomp_profile(file, val), {}};
  }
  throw invalid("--security-opt", value,
                "supported: no-new-privileges[:true|false], seccomp=unconfined|builtin|FILE.json, "
                "apparmor=unconfined|NAME");
}

void apply_security_opt(const SecurityOpt& opt, SecuritySpec& security) {
  switch (opt.kind) {
    case SecurityOpt::Kind::NoNewPrivileges:
      security.no_new_privileges = opt.no_new_privileges;
      return;
    case SecurityOpt::Kind::SeccompUnconfined:
      security.seccomp = false;
      security.seccomp_profile.reset();
      return;
    case SecurityOpt::Kind::SeccompDefault:
      security.seccomp = true;
      security.seccomp_profile.reset();
      return;
    case SecurityOpt::Kind::SeccompProfile:
      security.seccomp = true;
      security.seccomp_profile = opt.profile;
      return;
    case SecurityOpt::Kind::AppArmor:
      security.apparmor = opt.apparmor;
      return;
  }
}

void apply_security_opt(std::string_view value, SecuritySpec& security) {
  apply_security_opt(parse_security_opt(value), security);
}

void apply_security_opts(const std::vector<SecurityOpt>& opts, SecuritySpec& security) {
  security.no_new_privileges = !security.privileged;
  security::note_apparmor();
  for (const auto& o : opts) apply_security_opt(o, security);
}

bool is_valid_name(std::string_view name) {
  if (name.size() < 2 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name.substr(1)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

void set_env(std::vector<std::string>& env, std::string_view entry) {
  std::string_view name = entry.substr(0, entry.find('='));
  for (auto& e : env) {
    if (std::string_view(e).substr(0, e.find('=')) == name) {
      e = std::string(entry);
      return;
    }
  }
  env.emplace_back(entry);
}

std::optional<std::string> get_env(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env) {
    auto eq = e.find('=');
    if (std::string_view(e).substr(0, eq) == name)
      return eq == std::string::npos ? "" : e.substr(eq + 1);
  }
  return std::nullopt;
}

}  // namespace lit::runtime
