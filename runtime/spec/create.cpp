#include "runtime/spec/create.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "runtime/state/record.hpp"
#include "runtime/spec/sysctl.hpp"
#include "runtime/init/init_binary.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// overlayfs whiteout: a character device 0/0; OCI layers use ".wh.<name>" files.
bool is_whiteout(const fs::path& dir, const fs::path& name) {
  struct stat st {};
  if (::lstat((dir / name).c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
    return true;
  return ::lstat((dir / (".wh." + name.string())).c_str(), &st) == 0;
}

bool is_opaque(const fs::path& dir) {
  struct stat st {};
  if (::lstat((dir / ".wh..wh..opq").c_str(), &st) == 0) return true;
  char v = 0;
  return ::lgetxattr(dir.c_str(), "trusted.overlay.opaque", &v, 1) == 1 && v == 'y';
}

std::optional<long> to_number(const std::string& s) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::vector<std::vector<std::string>> read_colon_file(const std::optional<fs::path>& file) {
  std::vector<std::vector<std::string>> rows;
  if (!file) return rows;
  std::string content = read_file(*file);
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string_view line(content.data() + start, end - start);
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields;
    size_t f = 0;
    for (;;) {
      size_t c = line.find(':', f);
      fields.emplace_back(line.substr(f, c == std::string_view::npos ? c : c - f));
      if (c == std::string_view::npos) break;
      f = c + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace

std::optional<fs::path> find_in_layers(const std::vector<fs::path>& layers,
                                       const fs::path& relative) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    fs::path candidate = *it / relative;
    std::error_code ec;
    if (fs::is_regular_file(fs::symlink_status(candidate, ec))) return candidate;
    // Not in this layer: stop if this layer hides the lower ones' copies.
    fs::path dir = *it;
    for (const auto& part : relative) {
      if (is_whiteout(dir, part)) return std::nullopt;
      dir /= part;
    }
    for (fs::path p = relative.parent_path(); !p.empty(); p = p.parent_path()) {
      if (is_opaque(*it / p)) return std::nullopt;
    }
  }
  return std::nullopt;
}

ResolvedUser resolve_user(const std::string& user_spec, const std::vector<fs::path>& layers) {
  UserArg arg = parse_user(user_spec.empty() ? "0" : user_spec);
  auto passwd = read_colon_file(find_in_layers(layers, "etc/passwd"));
  auto uid_num = to_number(arg.user);
  ResolvedUser out;
  std::string matched_name;
  bool matched = false;
  for (const auto& row : passwd) {
    if (row.size() < 7) continue;
    if (row[0] == arg.user || (uid_num && to_number(row[2]) == uid_num)) {
      auto uid = to_number(row[2]);
      auto gid = to_number(row[3]);
      if (!uid || !gid) continue;
      out.uid = static_cast<uid_t>(*uid);
      out.gid = static_cast<gid_t>(*gid);
      out.home = row[5].empty() ? "/" : row[5];
      matched_name = row[0];
      matched = true;
      break;
    }
  }
  if (!matched) {
    if (!uid_num)
      throw Error("unable to find user " + arg.user + ": no matching entries in passwd file");
    out.uid = static_cast<uid_t>(*uid_num);
  }
  if (!arg.group.empty() || matched) {
    auto groups = read_colon_file(find_in_layers(layers, "etc/group"));
    auto gid_num = to_number(arg.group);
    bool found_group = false;
    for (const auto& row : groups) {
      if (row.size() < 3) continue;
      auto gid = to_number(row[2]);
      if (!gid) continue;
      if (!arg.group.empty()) {
        if (row[0] == arg.group || gid == gid_num) {
          out.gid = static_cast<gid_t>(*gid);
          found_group = true;
          break;
        }
        continue;
      }
      // Supplementary groups only in the implicit form, as runc does.
      std::string members = row.size() > 3 ? row[3] : "";
      size_t s = 0;
      while (s <= members.size()) {
        size_t c = members.find(',', s);
        if (c == std::string::npos) c = members.size();
        if (members.substr(s, c - s) == matched_name) {
          out.additional_gids.push_back(static_cast<gid_t>(*gid));
          break;
        }
        s = c + 1;
      }
    }
    if (!arg.group.empty() && !found_group) {
      if (!gid_num)
        throw Error("unable to find group " + arg.group + ": no matching entries in group file");
      out.gid = static_cast<gid_t>(*gid_num);
    }
  }
  return out;
}

std::vector<std::string> merge_args(const CreateFlags& flags, const image::ImageConfig& config) {
  std::vector<std::string> args;
  if (flags.entrypoint) {
    // docker: an explicit --entrypoint (even "") drops the image's Cmd too.
    if (!flags.entrypoint->empty()) args.push_back(*flags.entrypoint);
  } else {
    args = config.entrypoint;
  }
  const auto& cmd = !flags.command.empty() ? flags.command
                    : flags.entrypoint     ? std::vector<std::string>{}
                                           : config.cmd;
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) {
    throw Error(flags.entrypoint
                    ? "no command specified: --entrypoint is empty and no command follows image " +
                          flags.image
                    : "no command specified: image " + flags.image + " has no entrypoint or cmd")
        .with_hint("give the command after the image name: lit container run " + flags.image +
                   " sh");
  }
  return args;
}

std::vector<std::string> merge_env(const CreateFlags& flags, const image::ImageConfig& config,
                                   const std::string& hostname, const EnvLookup& lookup) {
  std::vector<std::string> user_env;
  for (const auto& e : config.env) set_env(user_env, e);
  for (const auto& file : flags.env_files)
    for (const auto& e : read_env_file(file, lookup)) set_env(user_env, e);
  for (const auto& e : flags.env)
    if (auto v = parse_env_arg(e, lookup)) set_env(user_env, *v);
  // docker's daemon defaults come first; the user's values replace them in place.
  std::vector<std::string> env{std::string("PATH=") + kDefaultPath, "HOSTNAME=" + hostname};
  if (flags.tty) env.push_back("TERM=xterm");
  for (const auto& e : user_env) set_env(env, e);
  return env;
}

namespace {

std::string valid_hostname(const std::string& h) {
  bool ok = !h.empty() && h.size() <= 253 && h.front() != '-' && h.front() != '.';
  for (char c : h) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  if (!ok)
    throw Error("invalid value \"" + h + "\" for flag --hostname: use letters, digits, - and .");
  return h;
}

std::string host_name() {
  char buf[256] = {};
  check_sys(::gethostname(buf, sizeof buf - 1), "gethostname");
  return buf;
}

void add_mount(std::vector<Mount>& mounts, std::set<std::string>& seen, Mount m) {
  if (!seen.insert(m.destination).second)
    throw Error("duplicate mount point " + m.destination + ": given twice by -v/--tmpfs");
  mounts.push_back(std::move(m));
}

void apply_limits(const CreateFlags& flags, cgroups::Limits& limits) {
  if (!flags.memory.empty()) limits.memory_bytes = parse_memory(flags.memory);
  if (!flags.cpus.empty()) {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    limits.cpus = parse_cpus(flags.cpus, n > 0 ? static_cast<unsigned>(n) : 1);
  }
  if (!flags.pids_limit.empty()) limits.pids = parse_pids_limit(flags.pids_limit);
}

void apply_security(const CreateFlags& flags, SecuritySpec& s) {
  s.privileged = flags.privileged;
  s.cap_add = flags.cap_add;
  s.cap_drop = flags.cap_drop;
  s.read_only_rootfs = flags.read_only;
  for (const auto& o : flags.security_opts) apply_security_opt(o, s);
}

// --add-host, --dns*, --sysctl, --ulimit, --shm-size.
void apply_extras(const CreateFlags& flags, ContainerSpec& spec) {
  for (const auto& h : flags.add_hosts) spec.extra_hosts.push_back(parse_add_host(h));
  for (const auto& d : flags.dns) spec.dns_servers.push_back(parse_dns(d));
  spec.dns_search = flags.dns_search;
  spec.dns_options = flags.dns_options;
  for (const auto& s : flags.sysctls) {
    auto [key, value] = parse_sysctl(s);
    spec.sysctls.insert_or_assign(key, value);
  }
  for (const auto& u : flags.ulimits) spec.rlimits.push_back(parse_ulimit(u));
  if (!flags.shm_size.empty()) {
    auto bytes = parse_size(flags.shm_size);
    if (!bytes || *bytes <= 0)
      throw Error("invalid value \"" + flags.shm_size + "\" for flag --shm-size: use a size such as 64m");
    spec.shm_size = *bytes;
  }
  validate_sysctls(spec.sysctls, parse_network(flags.network));
}

void add_volumes(const CreateFlags& flags, const Identity& identity, CreatePlan& plan,
                 std::set<std::string>& seen) {
  for (const auto& v : flags.volumes) {
    VolumeArg arg = parse_volume(v);
    Mount m{arg.destination, "bind", arg.source, {}};
    if (arg.read_only) m.options.push_back("ro");
    if (arg.kind == VolumeArg::Kind::Bind) {
      plan.bind_sources.emplace_back(arg.source);
    } else {
      std::string name = arg.kind == VolumeArg::Kind::Named ? arg.source : generate_id();
      if (arg.kind == VolumeArg::Kind::Anonymous) plan.anonymous_volumes.push_back(name);
      plan.volumes.push_back(name);
      m.source = (identity.volumes_root / name / "_data").string();
    }
    add_mount(plan.spec.mounts, seen, std::move(m));
  }
  for (const auto& t : flags.tmpfs) add_mount(plan.spec.mounts, seen, parse_tmpfs(t));
  for (const auto& f : flags.content_files) {
    fs::path source = identity.bundle / "files" / std::to_string(plan.content_files.size());
    add_mount(plan.spec.mounts, seen, Mount{f.target, "bind", source.string(), {"ro"}});
    plan.content_files.emplace_back(source, f);
  }
}

}  // namespace

void check_flags(const CreateFlags& flags) {
  if (!flags.name.empty() && !is_valid_name(flags.name))
    throw Error("invalid container name \"" + flags.name +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (!flags.hostname.empty()) valid_hostname(flags.hostname);
  if (parse_network(flags.network) == NetworkMode::Container) {
    // As docker: the namespace and its ports, addresses and names are the target's.
    const char* what = !flags.publish.empty()     ? "port publishing"
                       : !flags.dns.empty()       ? "dns"
                       : !flags.add_hosts.empty() ? "extra hosts"
                                                  : nullptr;
    if (what)
      throw Error(std::string("conflicting options: ") + what + " and the container type network mode")
          .with_hint("publish ports, DNS servers and hosts on the container whose network it joins");
  }
  if (parse_network(flags.network) != NetworkMode::Bridge) {
    // docker ignores -p on these networks silently; a user would wonder why nothing listens.
    const char* flag = !flags.publish.empty()         ? "-p/--publish"
                       : !flags.ip.empty()            ? "--ip"
                       : !flags.network_aliases.empty() ? "--network-alias"
                                                      : nullptr;
    if (flag)
      throw Error(std::string(flag) + " needs a lit network, but --network is " + flags.network)
          .with_hint("create one (lit network create NAME) and add --network NAME");
  }
  cgroups::Limits limits;
  apply_limits(flags, limits);
  SecuritySpec security;
  apply_security(flags, security);
  for (const auto& l : flags.labels) parse_label(l);
  ContainerSpec extras;
  apply_extras(flags, extras);
  for (const auto& v : flags.volumes) parse_volume(v);
  for (const auto& t : flags.tmpfs) parse_tmpfs(t);
  for (const auto& e : flags.env) parse_env_arg(e, [](const std::string&) { return std::nullopt; });
  if (!flags.user.empty()) parse_user(flags.user);
  if (!flags.workdir.empty() && flags.workdir.front() != '/')
    throw Error("invalid value \"" + flags.workdir +
                "\" for flag --workdir: it must be an absolute path");
}

CreatePlan build_spec(const CreateFlags& flags, const image::Image& image,
                      const std::vector<fs::path>& layers, const Identity& identity,
                      const EnvLookup& lookup) {
  CreatePlan plan;
  ContainerSpec& spec = plan.spec;
  spec.id = identity.id;
  spec.name = identity.name;
  spec.layers = layers;
  spec.bundle = identity.bundle;
  spec.network = parse_network(flags.network);
  if (spec.network == NetworkMode::Container) spec.network_container = flags.network.substr(10);  // resolved to an id at create
  spec.hostname = !flags.hostname.empty()             ? valid_hostname(flags.hostname)
                  : spec.network == NetworkMode::Host ? host_name()  // as docker does
                                                      : identity.id.substr(0, 12);
  apply_limits(flags, spec.limits);
  apply_security(flags, spec.security);
  apply_extras(flags, spec);
  for (const auto& l : flags.labels) {
    auto [key, value] = parse_label(l);
    plan.labels.insert_or_assign(key, value);
  }
  std::set<std::string> seen;
  add_volumes(flags, identity, plan, seen);

  ProcessSpec& p = spec.process;
  p.args = merge_args(flags, image.config);
  p.env = merge_env(flags, image.config, spec.hostname, lookup);
  p.cwd = !flags.workdir.empty()              ? flags.workdir
          : !image.config.working_dir.empty() ? image.config.working_dir
                                              : "/";
  if (p.cwd.front() != '/')
    throw Error("invalid working directory \"" + p.cwd + "\": it must be an absolute path");
  p.terminal = flags.tty;
  p.stdin_open = flags.interactive;
  ResolvedUser user = resolve_user(flags.user.empty() ? image.config.user : flags.user, layers);
  p.uid = user.uid;
  p.gid = user.gid;
  p.additional_gids = user.additional_gids;
  if (!get_env(p.env, "HOME")) p.env.push_back("HOME=" + user.home);  // as runc's init does
  spec.init = flags.init;
  if (spec.init) lit_init_binary();  // missing: said now, before anything is created
  return plan;
}

}  // namespace lit::runtime
