#include "runtime/spec/create.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "runtime/cdi/apply.hpp"
#include "runtime/init/init_binary.hpp"
#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/spec/devices.hpp"
#include "runtime/state/ids.hpp"
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
  return is_overlay_opaque(dir);
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

ResolvedUser resolve_user(const UserArg& arg, const std::vector<fs::path>& layers) {
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

std::vector<std::string> merge_args(const ContainerRequest& request,
                                    const image::ImageConfig& config) {
  // docker: an explicit entrypoint (even an empty one) drops the image's Cmd too.
  std::vector<std::string> args = request.entrypoint ? *request.entrypoint : config.entrypoint;
  const auto& cmd = !request.command.empty() ? request.command
                    : request.entrypoint     ? std::vector<std::string>{}
                                             : config.cmd;
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) {
    throw Error(request.entrypoint
                    ? "no command specified: --entrypoint is empty and no command follows image " +
                          request.image
                    : "no command specified: image " + request.image + " has no entrypoint or cmd")
        .with_hint("give the command after the image name: lit container run " + request.image +
                   " sh");
  }
  return args;
}

std::vector<std::string> merge_env(const ContainerRequest& request,
                                   const image::ImageConfig& config, const std::string& hostname) {
  std::vector<std::string> user_env;
  for (const auto& e : config.env) set_env(user_env, e);
  for (const auto& e : request.env) set_env(user_env, e);
  // docker's daemon defaults come first; the user's values replace them in place.
  std::vector<std::string> env{std::string("PATH=") + kDefaultPath, "HOSTNAME=" + hostname};
  if (request.tty) env.push_back("TERM=xterm");
  for (const auto& e : user_env) set_env(env, e);
  return env;
}

namespace {

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

// Extra hosts, DNS, sysctls, ulimits, /dev/shm, devices.
void apply_extras(const ContainerRequest& r, ContainerSpec& spec) {
  std::set<std::string> device_paths;
  for (const auto& d : r.devices)
    for (auto& node : resolve_devices(d)) {
      if (!device_paths.insert(node.path).second)
        throw Error("device " + node.path + " is given twice");
      spec.devices.push_back(std::move(node));
    }
  spec.device_cgroup_rules = r.device_cgroup_rules;
  spec.extra_hosts = r.extra_hosts;
  spec.dns_servers = r.dns;
  spec.dns_search = r.dns_search;
  spec.dns_options = r.dns_options;
  spec.sysctls = r.sysctls;
  spec.rlimits = r.rlimits;
  if (r.shm_bytes) spec.shm_size = *r.shm_bytes;
}

void add_volumes(const ContainerRequest& r, const Identity& identity, CreatePlan& plan,
                 std::set<std::string>& seen) {
  for (const auto& v : r.volumes) {
    Mount m{v.destination, "bind", v.source, {}};
    if (v.read_only) m.options.push_back("ro");
    if (v.kind == VolumeMount::Kind::Bind) {
      plan.bind_sources.emplace_back(v.source);
    } else {
      // An anonymous volume is new unless it is a recreated container's.
      std::string name = v.source.empty() ? generate_id() : v.source;
      if (v.kind == VolumeMount::Kind::Anonymous) plan.anonymous_volumes.push_back(name);
      if (v.kind == VolumeMount::Kind::Anonymous && !v.source.empty())
        plan.inherited_volumes.push_back(name);
      plan.volumes.push_back(name);
      m.source = (identity.volumes_root / name / "_data").string();
    }
    add_mount(plan.spec.mounts, seen, std::move(m));
  }
  for (const auto& t : r.tmpfs) add_mount(plan.spec.mounts, seen, t);
  for (const auto& m : plan.spec.image_mounts)
    if (!seen.insert(m.destination).second)
      throw Error("duplicate mount point " + m.destination + ": given twice by -v/--tmpfs");
  for (const auto& f : r.content_files) {
    fs::path source = identity.bundle / "files" / std::to_string(plan.content_files.size());
    add_mount(plan.spec.mounts, seen, Mount{f.target, "bind", source.string(), {"ro"}});
    plan.content_files.emplace_back(source, f);
  }
}

}  // namespace

CreatePlan build_spec(const ContainerRequest& r, const image::Image& image,
                      const std::vector<fs::path>& layers, const Identity& identity,
                      const std::vector<ImageMount>& image_mounts) {
  CreatePlan plan;
  ContainerSpec& spec = plan.spec;
  spec.id = identity.id;
  spec.name = identity.name;
  spec.layers = layers;
  spec.image_mounts = image_mounts;
  spec.bundle = identity.bundle;
  spec.network = r.network.mode;
  if (spec.network == NetworkMode::Container)
    spec.network_container = r.network.name;  // resolved to an id at create
  spec.pid = r.pid;  // a joined container's name: resolved to its id at create
  spec.ipc = r.ipc;
  spec.uts = r.uts;
  const bool host_name_is_its_own =
      spec.network == NetworkMode::Host || spec.uts.mode == NamespaceMode::Host;
  spec.hostname = !r.hostname.empty()    ? r.hostname
                  : host_name_is_its_own ? host_name()  // as docker does
                                         : identity.id.substr(0, 12);
  spec.limits = r.limits;
  spec.security = r.security;
  apply_extras(r, spec);
  plan.labels = r.labels;
  std::set<std::string> seen;
  add_volumes(r, identity, plan, seen);

  ProcessSpec& p = spec.process;
  p.args = merge_args(r, image.config);
  p.env = merge_env(r, image.config, spec.hostname);
  p.cwd = !r.workdir.empty()                  ? r.workdir
          : !image.config.working_dir.empty() ? image.config.working_dir
                                              : "/";
  if (p.cwd.front() != '/')
    throw Error("invalid working directory \"" + p.cwd + "\": it must be an absolute path");
  p.terminal = r.tty;
  p.stdin_open = r.interactive;
  p.stdin_once = r.interactive && r.stdin_once;
  // The image's User is text in its JSON config: read here, once.
  ResolvedUser user = resolve_user(
      r.user ? *r.user : parse_user(image.config.user.empty() ? "0" : image.config.user), layers);
  p.uid = user.uid;
  p.gid = user.gid;
  p.additional_gids = user.additional_gids;
  if (!get_env(p.env, "HOME")) p.env.push_back("HOME=" + user.home);  // as runc's init does
  // CDI devices last, as docker applies them to a finished spec: their nodes
  // default to the user resolved above, their variables replace the image's
  // and the request's.
  cdi::apply(cdi::resolve(r.cdi_devices), spec);
  spec.init = r.init;
  if (spec.init) lit_init_binary();  // missing: said now, before anything is created
  return plan;
}

}  // namespace lit::runtime
